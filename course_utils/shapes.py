"""Shapes of recurrent layers: parameter counts, expected shapes, a shape table, the batch_first guard.

Axis names follow the PyTorch docs: N batch, L time steps, H_in input
features, H_out hidden size (or proj_size for a projected LSTM), H_cell the
LSTM cell size, D = 2 for a bidirectional layer and 1 otherwise.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from .tables import TableView
from .tensors import check_cell, check_input, check_tensor
from .validation import check_bool, check_int, describe

# Each cell stacks this many gate blocks of H_cell rows (hidden_size) in every weight matrix and bias.
GATES = {"rnn": 1, "gru": 3, "lstm": 4}
GATE_NAMES = {"gru": "r|z|n", "lstm": "i|f|g|o"}  # order of the row blocks
LAYOUTS = {"NTF": 0, "TNF": 1}  # stated layout -> axis that holds the batch


class BatchFirstError(ValueError):
    """An RNN would read another axis of x as the batch than the one the caller means."""


def rnn_parameter_count(
    cell: str,
    input_size: int,
    hidden_size: int,
    num_layers: int = 1,
    bidirectional: bool = False,
    bias: bool = True,
    proj_size: int = 0,
) -> int:
    """Closed-form number of parameters of `nn.RNN`/`nn.GRU`/`nn.LSTM` built with these arguments.

    Per layer and direction, with G gates (1, 3, 4), layer input size I and
    output size H_out (proj_size if set, else hidden_size = H_cell): G*H_cell*(I + H_out)
    weights, 2*G*H_cell biases, plus H_out*H_cell for an LSTM projection. Layers after the
    first read D*H_out features.
    """
    cell = check_cell(cell)
    check_int("input_size", input_size)
    check_int("hidden_size", hidden_size)
    check_int("num_layers", num_layers)
    check_bool("bidirectional", bidirectional)
    check_bool("bias", bias)
    out_size = _check_proj_size(proj_size, cell, hidden_size) or hidden_size
    gates = GATES[cell]
    directions = 2 if bidirectional else 1
    total = 0
    for layer in range(num_layers):
        layer_input = input_size if layer == 0 else directions * out_size
        per_direction = gates * hidden_size * (layer_input + out_size)
        per_direction += 2 * gates * hidden_size if bias else 0
        per_direction += proj_size * hidden_size
        total += directions * per_direction
    return total


def expected_shapes(
    cell: str,
    batch_size: int,
    seq_len: int,
    input_size: int,
    hidden_size: int,
    num_layers: int = 1,
    bidirectional: bool = False,
    batch_first: bool = False,
) -> dict:
    """Shapes torch returns for a batched input: {"output", "h_n"} (+ "c_n" for an LSTM).

    output is `(N, L, D*H_out)` with batch_first else `(L, N, D*H_out)`; h_n (and c_n)
    are `(D*num_layers, N, H_out)` either way. input_size does not change them; it
    is checked so that a call mirrors the layer's constructor.
    """
    cell = check_cell(cell)
    for name, value in (
        ("batch_size", batch_size),
        ("seq_len", seq_len),
        ("input_size", input_size),
        ("hidden_size", hidden_size),
        ("num_layers", num_layers),
    ):
        check_int(name, value)
    check_bool("bidirectional", bidirectional)
    check_bool("batch_first", batch_first)
    directions = 2 if bidirectional else 1
    steps_and_batch = (batch_size, seq_len) if batch_first else (seq_len, batch_size)
    shapes = {
        "output": (*steps_and_batch, directions * hidden_size),
        "h_n": (directions * num_layers, batch_size, hidden_size),
    }
    if cell == "lstm":
        shapes["c_n"] = shapes["h_n"]
    return shapes


def split_directions(h_n: torch.Tensor, num_layers: int, num_directions: int = 2) -> torch.Tensor:
    """View `h_n` `(D*num_layers, N, H_out)` as `(num_layers, D, N, H_out)`; D = num_directions (2 by default).

    `[layer, 0]` is the forward state, `[layer, 1]` the backward one; torch
    stores them interleaved as l0 fwd, l0 bwd, l1 fwd, ... The result shares
    memory with `h_n`.
    """
    if isinstance(h_n, tuple):
        raise TypeError("h_n must be a tensor, got a tuple: an LSTM returns (h_n, c_n), so pass its first element")
    check_tensor("h_n", h_n, dim=3)
    check_int("num_layers", num_layers)
    if num_directions not in (1, 2):
        raise ValueError(f"num_directions must be 1 or 2, got {describe(num_directions)}")
    if h_n.shape[0] != num_directions * num_layers:
        raise ValueError(
            f"h_n must have D*num_layers = {num_directions}*{num_layers} = {num_directions * num_layers} "
            f"entries on axis 0, got {describe(h_n)} (is h_n from another layer, or the output tensor?)"
        )
    return h_n.view(num_layers, num_directions, *h_n.shape[1:])


def check_batch_first(
    rnn: nn.RNNBase, x: torch.Tensor, batch_size: int | None = None, layout: str | None = None
) -> None:
    """Raise `BatchFirstError` if `rnn` would read another axis of `x` `(3-D)` as the batch than you mean.

    State what you mean with `batch_size` (the number of sequences in x) or
    `layout` ("NTF": batch first, "TNF": time first), or both. Also checks that
    x is a 3-D float tensor whose last axis has `rnn.input_size` features.
    When axes 0 and 1 of x are both equal to `batch_size`, the sizes cannot
    tell the layouts apart and the check passes: state `layout` to be sure.
    Returns None when the RNN reads x as you mean.
    """
    if not isinstance(rnn, nn.RNNBase):
        raise TypeError(f"rnn must be an nn.RNN, nn.GRU or nn.LSTM, got {describe(rnn)}")
    if batch_size is None and layout is None:
        raise TypeError(
            "check_batch_first needs batch_size or layout: state how many sequences x holds "
            "(batch_size=...) or how it is laid out (layout='NTF' or 'TNF')"
        )
    rnn_batch_axis = 0 if rnn.batch_first else 1
    check_input(x, rnn.input_size, batch_axis=rnn_batch_axis)
    meant_axis = _check_layout(layout, x, batch_size)
    if meant_axis is None:
        check_int("batch_size", batch_size)
        if x.shape[rnn_batch_axis] == batch_size:
            return None  # right layout, or both axes equal batch_size and nothing can tell
        if x.shape[1 - rnn_batch_axis] != batch_size:
            raise ValueError(
                f"batch_size={batch_size} matches neither axis 0 nor axis 1 of x {tuple(x.shape)}: "
                "x must hold batch_size sequences on its batch axis"
            )
        meant_axis = 1 - rnn_batch_axis
        stated = f"you said the batch has {batch_size} sequences"
    else:
        stated = f"you said x is laid out {str(layout).upper()}"
    if meant_axis != rnn_batch_axis:
        raise BatchFirstError(_batch_first_message(rnn.batch_first, tuple(x.shape), stated))
    return None


class ShapeRow(NamedTuple):
    """One row of a ShapeTable: a tensor's name, shape, the meaning of each axis and a note."""

    name: str
    shape: tuple
    axes: str
    note: str = ""


class ShapeTable(TableView):
    """Shapes of one RNN call: input, output, h_n (c_n) and every parameter, with axis meanings.

    `str()` gives a fixed-width text table (stable: no ids or addresses, so
    stored notebook outputs can be compared); notebooks render `_repr_html_`.
    """

    HEADER = ("tensor", "shape", "axes", "note")
    rule = code = align_left = True

    def __init__(self, title: str, rows: list[ShapeRow], footer: str = ""):
        self.title = title
        self.rows = list(rows)
        self.footer = footer

    def __getitem__(self, name: str) -> ShapeRow:
        """The row of the tensor called `name`, e.g. `table["h_n"]`."""
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"no row named {name!r}; rows are {[row.name for row in self.rows]}")

    def table_cells(self) -> tuple[tuple[str, ...], list[tuple[str, str, str, str]]]:
        return self.HEADER, [(row.name, str(row.shape), row.axes, row.note) for row in self.rows]

    def caption(self) -> str:
        return self.title

    def footnote(self) -> str:
        return self.footer


def shape_table(rnn: nn.RNNBase, x: torch.Tensor) -> ShapeTable:
    """Run `rnn` on `x` (3-D, in the rnn's own layout) and tabulate every tensor's shape.

    Rows: the input, output, h_n (and c_n for an LSTM), then each parameter,
    each with the meaning of its axes, e.g. output `(N=batch 4, L=steps 7, D*H_out=2*3)`.
    """
    if not isinstance(rnn, nn.RNNBase):
        raise TypeError(f"rnn must be an nn.RNN, nn.GRU or nn.LSTM, got {describe(rnn)}")
    check_input(x, rnn.input_size, batch_axis=0 if rnn.batch_first else 1)
    weight = next(rnn.parameters())
    with torch.no_grad():
        output, hidden = rnn(x.to(weight.device, weight.dtype))
    cell = type(rnn).__name__.lower()
    out_size = rnn.proj_size or rnn.hidden_size
    batch_axis = 0 if rnn.batch_first else 1
    n_axis, l_axis = f"N=batch {x.shape[batch_axis]}", f"L=steps {x.shape[1 - batch_axis]}"
    first_two = (n_axis, l_axis) if rnn.batch_first else (l_axis, n_axis)
    directions = 2 if rnn.bidirectional else 1
    if cell == "lstm":
        states = [("h_n", hidden[0], f"H_out={out_size}"), ("c_n", hidden[1], f"H_cell={rnn.hidden_size}")]
    else:
        states = [("h_n", hidden, f"H_out={out_size}")]
    rows = [
        ShapeRow(
            "input x",
            tuple(x.shape),
            _axes(*first_two, f"H_in=features {rnn.input_size}"),
            "batch first" if rnn.batch_first else "time first (batch_first=False)",
        ),
        ShapeRow(
            "output",
            tuple(output.shape),
            _axes(*first_two, f"D*H_out={directions}*{out_size}"),
            "last layer; forward half, then backward half" if rnn.bidirectional else "last layer",
        ),
    ]
    rows += [
        ShapeRow(
            name,
            tuple(state.shape),
            _axes(f"D*num_layers={directions}*{rnn.num_layers}", n_axis, size),
            "never batch-first, even with batch_first=True",
        )
        for name, state, size in states
    ]
    rows += [
        ShapeRow(name, tuple(p.shape), _parameter_axes(name, cell, rnn), _parameter_note(name))
        for name, p in rnn.named_parameters()
    ]
    total = sum(p.numel() for p in rnn.parameters())
    return ShapeTable(repr(rnn), rows, f"parameters: {total} in total")


def _parameter_axes(name: str, cell: str, rnn) -> str:
    """Axis meanings of a parameter such as weight_ih_l1_reverse, read from its name."""
    kind, matrix, layer = name.split("_")[:3]
    hidden_symbol = "H_cell" if rnn.proj_size else "H_out"
    hidden = f"{hidden_symbol}={rnn.hidden_size}"
    gates = GATES[cell]
    rows = hidden if gates == 1 else f"gates*{hidden_symbol}={gates}*{rnn.hidden_size} [{GATE_NAMES[cell]}]"
    recurrent = f"proj_size={rnn.proj_size}" if rnn.proj_size else hidden
    if matrix == "hr":  # the LSTM projection maps the cell's hidden state down to proj_size
        return _axes(recurrent, hidden)
    if kind == "bias":
        return _axes(rows)
    if matrix == "hh":
        return _axes(rows, recurrent)
    if layer == "l0":
        return _axes(rows, f"H_in={rnn.input_size}")
    directions = 2 if rnn.bidirectional else 1
    return _axes(rows, f"D*H_out={directions}*{rnn.proj_size or rnn.hidden_size}")


def _parameter_note(name: str) -> str:
    layer = int(name.split("_")[2][1:])
    direction = "backward" if name.endswith("_reverse") else "forward"
    return f"layer {layer}, {direction}"


def _axes(*parts: str) -> str:
    return "(" + ", ".join(parts) + ")"


def _batch_first_message(batch_first: bool, shape: tuple, stated: str) -> str:
    if batch_first:
        reading = f"a batch of {shape[0]} sequences of {shape[1]} steps"
    else:
        reading = f"{shape[0]} time steps of a batch of {shape[1]}"
    return (
        f"this RNN has batch_first={batch_first}, so it reads x {shape} as {reading}, but {stated}: "
        f"build the RNN with batch_first={not batch_first}, or pass x.transpose(0, 1)"
    )


def _check_layout(layout, x, batch_size):
    """Batch axis that `layout` names (None if no layout), after checking it agrees with batch_size."""
    if layout is None:
        return None
    if not isinstance(layout, str) or layout.upper() not in LAYOUTS:
        raise ValueError(
            f"layout must be 'NTF' (batch, time, features) or 'TNF' (time, batch, features), got {describe(layout)}"
        )
    axis = LAYOUTS[layout.upper()]
    if batch_size is not None and check_int("batch_size", batch_size) != x.shape[axis]:
        raise ValueError(
            f"layout={layout!r} puts the batch on axis {axis} of x {tuple(x.shape)}, which has "
            f"{x.shape[axis]} entries, but batch_size={batch_size}: the two statements disagree"
        )
    return axis


def _check_proj_size(proj_size, cell: str, hidden_size: int) -> int:
    check_int("proj_size", proj_size, minimum=0)
    if proj_size and (cell != "lstm" or proj_size >= hidden_size):
        raise ValueError(
            f"proj_size must be 0, or smaller than hidden_size={hidden_size} for an lstm, "
            f"got proj_size={proj_size} for cell={cell!r}"
        )
    return proj_size
