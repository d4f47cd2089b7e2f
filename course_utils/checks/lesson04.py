"""Checks for exercise 04 (packing): encode a padded batch packed, then take each sequence's summary.

`check_encode_packed(fn)`: `fn(rnn, x (N, L, H_in), lengths (N,)) -> output (N, L, D*H_out)`, with
padded steps 0, equal to running every sequence on its own.

`check_final_states(fn)`: `fn(rnn, x, lengths) -> (N, D*H_out)`: the last layer's forward state
after each sequence's last valid step, then its backward state after step 0.

`rnn` is a bidirectional, batch-first nn.RNN, nn.GRU or nn.LSTM; the expected
values come from running each sequence alone, with no padding at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch.nn.utils.rnn import PackedSequence

from ..models import CELLS
from ..tensors import step_mask
from .common import run_packed, seeded
from .comparators import expect_close
from .report import CheckReport
from .runner import run_check

FEATURES = 3
ATOL = 1e-5
STEPS = ("sequence", "step", "unit")
# (cell, num_layers, hidden size H_out, steps L, lengths)
ENCODE_CASES = {
    "gru, x (3, 5, 3), lengths [5, 2, 4] (not sorted)": ("gru", 1, 3, 5, [5, 2, 4]),
    "lstm, x (2, 4, 3), lengths [1, 4] (a length-1 sequence)": ("lstm", 1, 2, 4, [1, 4]),
    "rnn, x (2, 6, 3), lengths [3, 2] (no sequence fills L)": ("rnn", 1, 3, 6, [3, 2]),
    "batch of 1: gru, x (1, 4, 3), lengths [4]": ("gru", 1, 2, 4, [4]),
}
SUMMARY_CASES = {
    "gru, x (3, 5, 3), lengths [5, 2, 4]": ("gru", 1, 3, 5, [5, 2, 4]),
    "2-layer lstm, x (3, 6, 3), lengths [3, 6, 1]": ("lstm", 2, 2, 6, [3, 6, 1]),
    "batch of 1: rnn, x (1, 4, 3), lengths [4]": ("rnn", 1, 3, 4, [4]),
}


class _Case:
    """One padded batch and its layer, with the results of every way of running it."""

    def __init__(self, cell, num_layers, hidden, steps, lengths):
        self.cell, self.hidden = cell, hidden
        with seeded(0):
            self.rnn = CELLS[cell](
                FEATURES, hidden, num_layers=num_layers, bidirectional=True, batch_first=True
            ).requires_grad_(False)
            self.x = torch.randn(len(lengths), steps, FEATURES)
        self.lengths = torch.tensor(lengths)
        self.x *= step_mask(self.lengths, steps).unsqueeze(-1)  # zero padding
        self.alone = [self.rnn(self.x[n : n + 1, :length]) for n, length in enumerate(lengths)]
        self.expected_output = torch.zeros(len(lengths), steps, 2 * hidden)
        for n, (output, _) in enumerate(self.alone):
            self.expected_output[n, : lengths[n]] = output[0]
        self.padded_output, padded_hidden = self.rnn(self.x)  # the mistake: padding fed unpacked
        self.packed_output, packed_hidden = run_packed(self.rnn, self.x, self.lengths)
        self.h_n, self.padded_h_n = self._h(packed_hidden), self._h(padded_hidden)
        self.c_n = packed_hidden[1] if cell == "lstm" else None

    def _h(self, hidden):
        return hidden[0] if self.cell == "lstm" else hidden

    def arguments(self):
        """Fresh copies of (rnn, x, lengths), so a learner's in-place edit cannot change the expected values."""
        return self.rnn, self.x.clone(), self.lengths.clone()

    def expected_summary(self):
        """(N, D*H_out): each sequence's last-layer forward and backward final states, run alone."""
        return torch.cat([torch.cat([self._h(h)[-2], self._h(h)[-1]], -1) for _, h in self.alone])


def check_encode_packed(encode_packed: Callable[..., Any]) -> CheckReport:
    """Check `encode_packed(rnn, x, lengths)` against running each sequence alone."""

    def case(*args):
        def run():
            c = _Case(*args)
            got = encode_packed(*c.arguments())
            steps = c.x.shape[1]
            masked = c.padded_output * (c.expected_output != 0)
            expect_close(
                got,
                c.expected_output,
                "output",
                STEPS,
                ATOL,
                [
                    (
                        c.padded_output,
                        "It equals the RNN run on the padded batch: the backward direction of every "
                        "shorter sequence started on the padding. Pack the batch with "
                        "pack_padded_sequence before the RNN.",
                    ),
                    (
                        masked,
                        "It is the padded batch's output with the pads zeroed afterwards: too late, the backward "
                        "direction has already read the padding. Pack the batch before the RNN.",
                    ),
                    (
                        lambda got: isinstance(got, PackedSequence),
                        "That is the PackedSequence itself: unpack it with pad_packed_sequence(..., batch_first=True, "
                        f"total_length={steps}).",
                    ),
                    (
                        lambda got: isinstance(got, tuple) and len(got) == 2,
                        "pad_packed_sequence returns (output, lengths): return only the output.",
                    ),
                    (
                        c.packed_output[:, : int(c.lengths.max())],
                        "pad_packed_sequence stopped at the longest length: pass total_length=x.shape[1] so the output "
                        "lines up with x (and its labels).",
                    ),
                    (
                        c.packed_output.transpose(0, 1),
                        "That is (L, N, D*H_out): pass batch_first=True to pad_packed_sequence.",
                    ),
                ],
            )

        return run

    return run_check(
        "encode_packed",
        {name: case(*args) for name, args in ENCODE_CASES.items()},
        hint="pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False), run the rnn on "
        "it, then pad_packed_sequence(..., batch_first=True, total_length=x.shape[1])[0].",
    )


def check_final_states(final_states: Callable[..., Any]) -> CheckReport:
    """Check `final_states(rnn, x, lengths)` against each sequence's own final states."""

    def case(*args):
        def run():
            c = _Case(*args)
            got = final_states(*c.arguments())
            last_valid = c.packed_output[torch.arange(len(c.lengths)), c.lengths - 1]
            hidden = c.hidden
            mistakes = [
                (
                    c.packed_output[:, -1],
                    "That is output[:, -1]: for a sequence shorter than L it is a padded step (all zeros), and "
                    "even for the longest its backward half is where the backward direction starts, not where it "
                    "ends. Take the states from h_n.",
                ),
                (
                    c.padded_output[:, -1],
                    "That is output[:, -1] of the padded batch fed unpacked: for a sequence shorter than L it is a "
                    "pad step, and its backward half is where the backward direction starts. Pack the batch and "
                    "take the states from h_n.",
                ),
                (
                    last_valid,
                    "The forward half is right, but the backward half at the last valid step is where the backward "
                    "direction starts, not its summary: that is its state after step 0, h_n[-1] (or "
                    "output[:, 0, H_out:]).",
                ),
                (
                    c.packed_output[:, 0],
                    "That is output[:, 0]: its backward half is right, but its forward half is where the forward "
                    "direction starts, not its summary (h_n[-2]).",
                ),
                (
                    torch.cat([c.padded_h_n[-2], c.padded_h_n[-1]], -1),
                    "That is h_n of the padded batch fed unpacked: the forward direction ran on through the padding "
                    "and the backward one started on it. Pack the batch first.",
                ),
                (torch.cat([c.h_n[-1], c.h_n[-2]], -1), "The halves are swapped: the forward state comes first."),
                (
                    torch.cat([c.h_n[0], c.h_n[1]], -1),
                    "h_n[0] and h_n[1] are layer 0's states: the last layer's are h_n[-2] and h_n[-1].",
                ),
            ]
            if c.c_n is not None:
                mistakes.append(
                    (
                        torch.cat([c.c_n[-2], c.c_n[-1]], -1),
                        "Those are the cell states c_n: use h_n, the first item of the LSTM's (h_n, c_n).",
                    )
                )
            expect_close(
                got, c.expected_summary(), f"summary (N, D*H_out={2 * hidden})", ("sequence", "unit"), ATOL, mistakes
            )

        return run

    return run_check(
        "final_states",
        {name: case(*args) for name, args in SUMMARY_CASES.items()},
        hint="run the rnn on the packed batch; its h_n holds each sequence's own final states "
        "(an LSTM returns (h_n, c_n)); concatenate the last layer's h_n[-2] and h_n[-1].",
    )
