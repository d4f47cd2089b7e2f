"""Exact variable-length runs of torch's RNNs without packing: every direction reads its valid steps first.

A padded batch fed straight to a bidirectional RNN is wrong (the backward
direction reads the pads first); packing it is exact but slow on a CPU: a
`PackedSequence` cannot use the fused LSTM kernel, and the backward pass of
ATen's packed loop zero-fills a gradient of the whole packed input at every
step, so its cost grows with the batch's length times its number of valid
steps (lesson 04 profiles it). `run_within_lengths` gets packing's results another way:

* the forward direction runs on the padded batch as it is: its pads come
  after each sequence's valid steps, so they never reach a valid output;
* the backward direction runs on each sequence reversed *within its own
  length* (`tensors.reverse_within_lengths`), so its pads come last too, and
  its outputs are reversed back the same way;
* each direction is torch's own one-way kernel (`torch.lstm`, `torch.gru`,
  `torch.rnn_tanh`, `torch.rnn_relu`: on a CPU, oneDNN's fused LSTM for
  float32), one call per direction and layer; layer l + 1 reads the
  concatenated outputs of layer l.

The final state of each sequence is the state after its own last valid step
(forward) and after step 0 (backward): h_n is read from the outputs there.
An LSTM's c_n appears in no output, so with `cell_state=True` each direction
runs in segments that end where some sequence ends (rows sorted longest
first, the finished rows dropped after each segment): one kernel call per
distinct length instead of one, the price of an exact c_n. A ReLU RNN runs in
segments too, so no pad step is ever computed (an unbounded state growing over
the pads could overflow and turn the gradients into NaN).

Shapes: x `(N, L, H_in)` (`(L, N, H_in)` when the RNN is not batch-first), lengths
`(N,)`; output `(N, L, D*H_out)`, zero at the pads; h_n `(D*num_layers, N, H_out)`
and, for an LSTM, c_n `(D*num_layers, N, H_cell)`; D = 2 for a bidirectional RNN,
else 1; H_cell = hidden_size, and H_out = proj_size for an LSTM with projections, else
hidden_size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .tensors import check_input, check_lengths, check_tensor, reorder_steps, step_mask, within_lengths_reversal
from .validation import check_bool, describe

# torch's one-way kernel for each RNN mode (nn.RNN's mode names its nonlinearity).
KERNELS: dict[str, Callable[..., Any]] = {
    "RNN_TANH": torch.rnn_tanh,
    "RNN_RELU": torch.rnn_relu,
    "GRU": torch.gru,
    "LSTM": torch.lstm,
}

State = torch.Tensor | tuple[torch.Tensor, torch.Tensor]  # h (1, n, H_out), or an LSTM's (h, c)
Hidden = torch.Tensor | tuple[torch.Tensor, torch.Tensor | None]


def run_within_lengths(
    rnn: nn.RNNBase,
    x: torch.Tensor,
    lengths: torch.Tensor | Sequence[int],
    hx: State | None = None,
    cell_state: bool = True,
) -> tuple[torch.Tensor, Hidden]:
    """Run `rnn` on the padded batch `x` exactly as packing would, without packing it.

    rnn: an nn.RNN (tanh or relu), nn.GRU or nn.LSTM: any number of layers,
        bidirectional or not, with or without biases, batch-first or not,
        dropout between layers (in training mode), an LSTM's proj_size. Its own
        parameters are used, so weights trained this way load into a packed
        model and back (the state_dict is the RNN's).
    x: `(N, L, H_in)` if `rnn.batch_first`, else `(L, N, H_in)`, in the RNN's dtype;
        what the pads hold does not matter.
    lengths: `(N,)` valid steps of each sequence, each in `[1, L]`, a list or
        an integer tensor on any device.
    hx: initial states as the RNN takes them, `h_0 (D*num_layers, N, H_out)` or
        an LSTM's `(h_0, c_0)`; zeros when None. The backward direction starts
        from its entry at each sequence's own last valid step, as with packing.
    cell_state: LSTM only. True: c_n is exact, at the price of one kernel call
        per distinct length (see the module docstring); False: c_n is None and
        each direction of each layer is one call. Leave it True unless you
        never read c_n (the course's models don't).
    Returns `(output, h_n)`, or `(output, (h_n, c_n))` for an LSTM: output
    `(N, L, D*H_out)` (`(L, N, D*H_out)` when not batch-first) with zeros after
    each sequence's length, h_n `(D*num_layers, N, H_out)`, c_n
    `(D*num_layers, N, H_cell)`: what `pad_packed_sequence(..., total_length=L)` of
    the packed run gives, up to float rounding.
    """
    _check_rnn(rnn)
    weight = next(rnn.parameters())
    x = check_input(x, rnn.input_size, batch_axis=0 if rnn.batch_first else 1, dtype=weight.dtype)
    if x.device != weight.device:
        raise ValueError(f"x is on {x.device} but the rnn's weights are on {weight.device}: move one to the other")
    batch = x if rnn.batch_first else x.transpose(0, 1)  # (N, L, H_in)
    seq_len = batch.shape[1]
    lengths = check_lengths(lengths, batch_size=batch.shape[0], max_len=seq_len)
    states = _initial_states(rnn, hx, batch)
    segmented = rnn.mode == "RNN_RELU" or (rnn.mode == "LSTM" and check_bool("cell_state", cell_state))
    order = None
    if segmented:  # rows longest first, so that the rows still running are always a prefix
        order = torch.argsort(lengths, descending=True, stable=True)
        lengths, rows = lengths[order], order.to(batch.device)
        batch, states = batch.index_select(0, rows), [_select_rows(state, rows) for state in states]
    output, h_n, c_n = _run_layers(rnn, batch[:, : int(lengths.max())], lengths, states, segmented)
    if order is not None:  # back to the caller's order of rows
        inverse = torch.argsort(order).to(output.device)
        output, h_n = output.index_select(0, inverse), h_n.index_select(1, inverse)
        c_n = None if c_n is None else c_n.index_select(1, inverse)
    if output.shape[1] < seq_len:
        output = F.pad(output, (0, 0, 0, seq_len - output.shape[1]))  # back to L steps, zeros
    if not rnn.batch_first:
        output = output.transpose(0, 1)
    return output, ((h_n, c_n) if rnn.mode == "LSTM" else h_n)


def _run_layers(
    rnn: nn.RNNBase, batch: torch.Tensor, lengths: torch.Tensor, states: list[State], segmented: bool
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Every layer and direction over `batch` `(N, longest, H_in)`; returns `(output, h_n, c_n or None)`.

    `segmented`: the rows are sorted longest first and each direction runs in
    one segment per distinct length (c_n exact, no pad step computed); else
    one kernel call per direction, pads computed and then zeroed.
    """
    n_rows, longest = batch.shape[:2]
    if segmented:
        ends = torch.unique(lengths).tolist()  # ascending: the steps where some sequence ends
        running = [int((lengths >= end).sum()) for end in ends]
    else:
        ends, running = [longest], [n_rows]
    valid = step_mask(lengths, longest).to(batch.device).unsqueeze(-1)  # (N, longest, 1)
    layer_input = batch.masked_fill(~valid, 0.0)  # pads of any value (even NaN) are read as zeros
    last_step = (lengths - 1).to(batch.device)
    reversal = within_lengths_reversal(lengths, longest).to(batch.device)  # one index for every reversal below
    directions = 2 if rnn.bidirectional else 1
    h_finals, c_finals = [], []
    for layer in range(rnn.num_layers):
        outputs = []
        for direction in range(directions):
            inputs = layer_input if direction == 0 else reorder_steps(layer_input, reversal)
            state = states[layer * directions + direction]
            output, c_final = _run_segments(rnn, _weights(rnn, layer, direction == 1), inputs, state, ends, running)
            # a direction's state after a sequence's own last step is its output there
            h_finals.append(output[torch.arange(n_rows, device=output.device), last_step])
            if c_final is not None:
                c_finals.append(c_final)
            outputs.append(output if direction == 0 else reorder_steps(output, reversal))
        layer_input = torch.cat(outputs, dim=-1) if directions == 2 else outputs[0]  # (N, longest, D*H_out)
        if rnn.dropout and rnn.training and layer < rnn.num_layers - 1:
            layer_input = F.dropout(layer_input, rnn.dropout, training=True)  # as torch: between layers only
    # segments leave zeros where a row does not run; one call computed the pads (finite: the inputs there
    # were zeros and the states stay bounded), which must read 0. A product with the mask is several times
    # faster than masked_fill's broadcast, here and in the backward pass; + 0.0 turns its -0.0 into 0.0.
    output = layer_input if segmented else (layer_input * valid.to(layer_input.dtype)).add_(0.0)
    c_n = torch.stack(c_finals) if segmented and c_finals else None
    return output, torch.stack(h_finals), c_n


def _run_segments(
    rnn: nn.RNNBase,
    weights: list[torch.Tensor],
    inputs: torch.Tensor,
    state: State,
    ends: list[int],
    running: list[int],
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """One direction of one layer over `inputs` `(N, longest, F_l)`, one kernel call per segment.

    Segment j covers steps `[ends[j-1], ends[j])` of the first `running[j]` rows.
    Returns `(output (N, longest, H_out), c (N, H_cell) or None)`: rows not running in a
    segment get zeros there; c is an LSTM's cell state after each row's last
    segment (None for other cells), which is each row's final one only when
    the segments end at every row's length.
    """
    n_rows = inputs.shape[0]
    pieces, finished_c = [], []
    start = 0
    for end, rows in zip(ends, running):
        state = _first_rows(state, rows)
        output, state = _call(rnn, weights, inputs[:rows, start:end], state)
        pieces.append(output if rows == n_rows else F.pad(output, (0, 0, 0, 0, 0, n_rows - rows)))  # (N, ., H_out)
        if isinstance(state, tuple):
            finished_c.append(state[1][0])  # (rows, H_cell): final for the rows that end at `end`
        start = end
    output = torch.cat(pieces, dim=1) if len(pieces) > 1 else pieces[0]
    if not finished_c:
        return output, None
    # segment j finishes rows [running[j+1], running[j]); gathered back in row order (longest first)
    bounds = list(zip(running, running[1:] + [0]))
    c_final = torch.cat([c[stop:rows] for (rows, stop), c in reversed(list(zip(bounds, finished_c)))])
    return output, c_final


def _call(rnn: nn.RNNBase, weights: list[torch.Tensor], x: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
    """One one-way, one-layer kernel call on batch-first `x` `(n, t, H_in)` from `state`."""
    kernel = KERNELS[rnn.mode]
    if isinstance(state, tuple):
        output, h, c = kernel(x, list(state), weights, rnn.bias, 1, 0.0, rnn.training, False, True)
        return output, (h, c)
    output, h = kernel(x, state, weights, rnn.bias, 1, 0.0, rnn.training, False, True)
    return output, h


def _weights(rnn: nn.RNNBase, layer: int, reverse: bool) -> list[torch.Tensor]:
    """One direction's parameters of one layer, in the order torch's kernels take them."""
    names = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if rnn.bias else [])
    if getattr(rnn, "proj_size", 0) > 0:
        names.append("weight_hr")
    suffix = f"_l{layer}" + ("_reverse" if reverse else "")
    return [getattr(rnn, name + suffix) for name in names]


def _initial_states(rnn: nn.RNNBase, hx: State | None, batch: torch.Tensor) -> list[State]:
    """Per layer and direction, the initial state `(1, N, H_out)` (an LSTM's `(h, c)` pair), checked."""
    directions = 2 if rnn.bidirectional else 1
    n_rows, layers = batch.shape[0], directions * rnn.num_layers
    out_size = getattr(rnn, "proj_size", 0) or rnn.hidden_size
    expected = {"h_0": (layers, n_rows, out_size), "c_0": (layers, n_rows, rnn.hidden_size)}
    names = ("h_0", "c_0") if rnn.mode == "LSTM" else ("h_0",)
    if hx is None:
        parts = [batch.new_zeros(expected[name]) for name in names]
    else:
        if rnn.mode == "LSTM" and not (isinstance(hx, tuple) and len(hx) == 2):
            raise TypeError(f"hx of an LSTM must be a pair (h_0, c_0), got {describe(hx)}")
        parts = list(hx) if isinstance(hx, tuple) else [hx]
        if len(parts) != len(names):
            raise TypeError(f"hx of an nn.{type(rnn).__name__} must be one tensor h_0, got {describe(hx)}")
        for name, part in zip(names, parts):
            check_tensor(name, part, floating=True)
            if tuple(part.shape) != expected[name]:
                raise ValueError(
                    f"{name} must have shape (D*num_layers, N, {'H_cell' if name == 'c_0' else 'H_out'}) = "
                    f"{expected[name]} for this RNN and batch, got {describe(part)}"
                )
            if part.dtype != batch.dtype or part.device != batch.device:
                raise TypeError(f"{name} must be {batch.dtype} on {batch.device} like x, got {describe(part)}")
    if len(parts) == 2:
        return [(parts[0][i : i + 1], parts[1][i : i + 1]) for i in range(layers)]
    return [parts[0][i : i + 1] for i in range(layers)]


def _select_rows(state: State, rows: torch.Tensor) -> State:
    if isinstance(state, tuple):
        return (state[0].index_select(1, rows), state[1].index_select(1, rows))
    return state.index_select(1, rows)


def _first_rows(state: State, rows: int) -> State:
    if isinstance(state, tuple):
        return (state[0][:, :rows], state[1][:, :rows])
    return state[:, :rows]


def _check_rnn(rnn: object) -> None:
    if not isinstance(rnn, (nn.RNN, nn.GRU, nn.LSTM)) or getattr(rnn, "mode", None) not in KERNELS:
        raise TypeError(f"rnn must be an nn.RNN, nn.GRU or nn.LSTM, got {describe(rnn)}")
