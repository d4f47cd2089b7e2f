"""What padding does to an RNN, measured against running each sequence alone.

A sequence run on its own, without any padding, gives the results that are
right by definition. `differences_from_alone` puts a batch run next to them,
per sequence and per direction, so the packing lesson can show in numbers that
an unpacked padded batch changes the backward direction (and the forward final
state) while a packed one changes nothing.

Everything is batch-first: x `(N, L, H_in)`, lengths `(N,)`, output `(N, L, D*H_out)`,
h_n `(D*num_layers, N, H_out)` with D = 2 for a bidirectional RNN, else 1, and
H_out the hidden size (hidden units per direction).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import torch
from torch import nn

from ...tables import TableView
from ...tensors import check_lengths, check_tensor
from ...validation import describe

COLUMNS = ("seq", "length", "forward outputs", "backward outputs", "forward h_n", "backward h_n")


def run_each_alone(
    rnn: nn.RNNBase, x: torch.Tensor, lengths: torch.Tensor | Sequence[int]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run `rnn` on every sequence of `x` `(N, L, H_in)` on its own, cut to its length.

    rnn: a batch-first nn.RNN, nn.GRU or nn.LSTM (any number of layers, either direction setting).
    lengths: `(N,)` real steps of each sequence (list or int tensor), each in [1, L].
    Returns `(output (N, L, D*H_out), h_n (D*num_layers, N, H_out))` laid out like a batch
    run, with zeros at the padded steps (as `pad_packed_sequence` fills them).
    For an LSTM, h_n is the hidden state (the first element of `(h_n, c_n)`).
    """
    _check_rnn(rnn)
    check_tensor("x (N, L, H_in)", x, dim=3, floating=True)
    lengths = check_lengths(lengths, batch_size=x.shape[0], max_len=x.shape[1])
    directions = 2 if rnn.bidirectional else 1
    output = x.new_zeros(x.shape[0], x.shape[1], directions * rnn.hidden_size)
    h_n = x.new_zeros(directions * rnn.num_layers, x.shape[0], rnn.hidden_size)
    with torch.no_grad():
        for n, length in enumerate(lengths.tolist()):
            alone_output, alone_hidden = rnn(x[n : n + 1, :length])  # (1, length, D*H_out), (D*num_layers, 1, H_out)
            output[n, :length] = alone_output[0]
            h_n[:, n] = _hidden_state(alone_hidden)[:, 0]
    return output, h_n


def differences_from_alone(
    rnn: nn.RNNBase,
    x: torch.Tensor,
    lengths: torch.Tensor | Sequence[int],
    output: torch.Tensor,
    hidden: torch.Tensor | tuple[torch.Tensor, torch.Tensor],
) -> AloneDifferences:
    """How far a batch run of `rnn` on `x` is from running each sequence alone.

    output: the batch run's output `(N, L, D*H_out)`: straight from `rnn(x)`, or
        unpacked with `pad_packed_sequence(..., total_length=L)`.
    hidden: the batch run's h_n `(D*num_layers, N, H_out)`, or `(h_n, c_n)` for an LSTM.
    Returns an `AloneDifferences` table: per sequence, the largest |difference|
    over its real steps of the forward and backward halves of the output, and
    of the last layer's final forward and backward states.
    """
    alone_output, alone_h_n = run_each_alone(rnn, x, lengths)
    lengths = check_lengths(lengths, batch_size=x.shape[0], max_len=x.shape[1])
    h_n = _hidden_state(hidden)
    for name, tensor, expected in (("output", output, alone_output), ("hidden", h_n, alone_h_n)):
        check_tensor(name, tensor, floating=True)
        if tensor.shape != expected.shape:
            raise ValueError(
                f"{name} must have the shape {tuple(expected.shape)} of this rnn's results on x, got {describe(tensor)}"
            )
    hidden_size, directions = rnn.hidden_size, 2 if rnn.bidirectional else 1
    rows = []
    with torch.no_grad():
        output_gap = (output - alone_output).abs()  # (N, L, D*H_out)
        state_gap = (h_n - alone_h_n).abs()[-directions:]  # last layer: (D, N, H_out)
        for n, length in enumerate(lengths.tolist()):
            halves = output_gap[n, :length].split(hidden_size, dim=-1)  # D tensors (length, H_out)
            rows.append(
                {
                    "seq": n,
                    "length": length,
                    "forward outputs": float(halves[0].max()),
                    "backward outputs": float(halves[1].max()) if directions == 2 else None,
                    "forward h_n": float(state_gap[0, n].max()),
                    "backward h_n": float(state_gap[1, n].max()) if directions == 2 else None,
                }
            )
    return AloneDifferences(rows)


class AloneDifferences(TableView):
    """Per-sequence largest |batch run - run alone|, one row per sequence.

    `.rows` is a list of dicts keyed by `COLUMNS` (None for the backward columns
    of a one-way RNN); `.largest()` is the largest difference anywhere. The text
    form prints each difference with 4 decimals, so 0.0000 means "the same".
    """

    def __init__(self, rows: Iterable[dict]):
        self.rows = list(rows)

    def largest(self) -> float:
        """The largest difference in the table, over every sequence and column."""
        return max(row[name] for row in self.rows for name in COLUMNS[2:] if row[name] is not None)

    def table_cells(self) -> tuple[Sequence[str], list[list[str]]]:
        """One row per sequence: its index, length and largest differences (4 decimals; "-" for none)."""
        cells = [
            [str(row["seq"]), str(row["length"])]
            + ["-" if row[name] is None else f"{row[name]:.4f}" for name in COLUMNS[2:]]
            for row in self.rows
        ]
        return COLUMNS, cells

    def text_align(self, columns: int) -> str:
        return ">"

    def caption(self) -> str:
        return "largest |batch run - each sequence run alone| over each sequence's real steps"


def _check_rnn(rnn) -> None:
    if not isinstance(rnn, nn.RNNBase):
        raise TypeError(f"rnn must be a torch nn.RNN, nn.GRU or nn.LSTM, got {describe(rnn)}")
    if not rnn.batch_first:
        raise ValueError("rnn must be built with batch_first=True, since x is (N, L, H_in); got batch_first=False")


def _hidden_state(hidden):
    """h_n from an RNN/GRU's h_n or an LSTM's (h_n, c_n)."""
    return hidden[0] if isinstance(hidden, tuple) else hidden
