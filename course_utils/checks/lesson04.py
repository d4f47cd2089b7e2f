"""Checks for exercise 04 (packing): encode a padded batch packed, then take each sequence's summary.

`check_encode_packed(fn)`: `fn(rnn, x (N, L, H_in), lengths (N,)) -> output (N, L, D*H_out)`, with
padded steps 0, equal to running every sequence on its own.

`check_final_states(fn)`: `fn(rnn, x, lengths) -> (N, D*H_out)`: the last layer's forward state
after each sequence's last valid step, then its backward state after step 0.

`rnn` is a bidirectional, batch-first nn.RNN, nn.GRU or nn.LSTM; the expected
values come from running each sequence alone, with no padding at all. The check
records what the learner's code feeds the rnn (a forward pre-hook), so that a
packing slip is named by what it packed, not only by the error torch raises
further on: a batch packed time-first (`batch_first` left out), lengths left
unsorted with `enforce_sorted=True`, results left in an order sorted by length.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import torch
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence

from ..models import CELLS
from ..tensors import step_mask
from .common import run_packed, seeded
from .comparators import Mistake, expect_close, explaining_errors
from .report import CheckReport
from .runner import run_check

FEATURES = 3
ATOL = 1e-5
STEPS = ("sequence", "step", "unit")
# (cell, num_layers, hidden size H_out, steps L, lengths). Lengths [2, 5, 1, 4]: sorting them longest first is a
# permutation that is not its own inverse, so undoing a sort with the sort's own order (not its inverse) fails.
ENCODE_CASES = {
    "gru, x (3, 5, 3), lengths [5, 2, 4] (not sorted)": ("gru", 1, 3, 5, [5, 2, 4]),
    "lstm, x (2, 4, 3), lengths [1, 4] (a length-1 sequence)": ("lstm", 1, 2, 4, [1, 4]),
    "rnn, x (2, 6, 3), lengths [3, 2] (no sequence fills L)": ("rnn", 1, 3, 6, [3, 2]),
    "batch of 1: gru, x (1, 4, 3), lengths [4]": ("gru", 1, 2, 4, [4]),
    "lstm, x (4, 5, 3), lengths [2, 5, 1, 4] (not sorted)": ("lstm", 1, 2, 5, [2, 5, 1, 4]),
}
SUMMARY_CASES = {
    "gru, x (3, 5, 3), lengths [5, 2, 4]": ("gru", 1, 3, 5, [5, 2, 4]),
    "2-layer lstm, x (3, 6, 3), lengths [3, 6, 1]": ("lstm", 2, 2, 6, [3, 6, 1]),
    "batch of 1: rnn, x (1, 4, 3), lengths [4]": ("rnn", 1, 3, 4, [4]),
    "lstm, x (4, 5, 3), lengths [2, 5, 1, 4] (not sorted)": ("lstm", 1, 2, 5, [2, 5, 1, 4]),
}

ENCODE_CONCEPT = (
    "pack the padded batch before the RNN and unpack its output after it, back to all L steps: then neither "
    "direction reads a pad, and the output still lines up with x and its labels (lesson 04, sections "
    "'Packing: hand the RNN only the real steps' and 'Unpacking, and `total_length`')"
)
SUMMARY_CONCEPT = (
    "a sequence's summary is its last layer's final states, the forward one after its own last real step and the "
    "backward one after step 0; a packed run's h_n holds exactly those, output[:, -1] does not (lesson 04, "
    "section 'A sequence classifier: read `h_n`, not `output[:, -1]`')"
)

BATCH_FIRST = (
    "pack_padded_sequence read x as time-first, (L, N, H_in), its default: x here is batch-first, (N, L, H_in), so "
    "it took the sequences for steps and the steps for sequences, and the packed batch does not fit the lengths. "
    "Pass batch_first=True to pack_padded_sequence (and to pad_packed_sequence)."
)
ENFORCE_SORTED = (
    "pack_padded_sequence assumes the lengths come longest first unless you pass enforce_sorted=False; with it, it "
    "sorts the batch itself and puts every result (the unpacked output and h_n) back in the batch's order."
)
REORDERED = (
    "Each sequence's result is right but sits at another place in the batch: the results came back in a sorted "
    "order. If you sort the batch by length, put the results back in x's order with the inverse of the sort's "
    "order (order.argsort()), not with the order itself; or pass enforce_sorted=False and let pack_padded_sequence "
    "sort and unsort for you."
)
LSTM_PAIR = (
    "An nn.LSTM returns (output, (h_n, c_n)): its second item is a pair, and your code used that pair as h_n, so "
    "[-2] and [-1] picked h_n and c_n whole. Take h_n out of the pair first (hidden[0] for an LSTM; an nn.RNN or "
    "nn.GRU returns h_n itself), then its last layer."
)
HIDDEN_0 = (
    "hidden[0] is h_n only for an nn.LSTM, which returns (h_n, c_n); an nn.RNN or nn.GRU returns h_n itself, whose "
    "[0] is layer 0's forward state, (N, H_out). Take hidden[0] only for an LSTM (isinstance(hidden, tuple) tells "
    "them apart)."
)
RNN_PAIR = (
    "The rnn returns a pair, (output, h_n) (an LSTM (output, (h_n, c_n))): take its packed output, item [0] "
    "(packed_output, _ = rnn(packed)), and unpack that."
)
HX_NOT_LENGTHS = (
    "An RNN's second argument is its initial state hx, not the lengths: an RNN is told the lengths only through "
    "a packed batch."
)
_ERRORS = (
    (re.compile(r"must be sorted in decreasing order"), ENFORCE_SORTED),
    (re.compile(r"hx (and cx )?should also be|Expected hidden(\[0\])? size"), HX_NOT_LENGTHS),
    (re.compile(r"'tuple' object has no attribute 'batch_sizes'"), RNN_PAIR),
)


class _Case:
    """One padded batch and its layer, with the results of every way of running it.

    `fed` collects what the learner's code passes to the rnn, so a packing slip can be named by its input.
    """

    def __init__(self, cell, num_layers, hidden, steps, lengths):
        self.cell, self.hidden, self.num_layers = cell, hidden, num_layers
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
        packed = pack_padded_sequence(self.x, self.lengths, batch_first=True, enforce_sorted=False)
        self.packed_data = self.rnn(packed)[0].data  # (sum of lengths, D*H_out): a PackedSequence's rows
        self.time_first = pack_padded_sequence(self.x, self.lengths, enforce_sorted=False)  # batch_first left out
        self.h_n, self.padded_h_n = self._h(packed_hidden), self._h(padded_hidden)
        self.c_n = packed_hidden[1] if cell == "lstm" else None
        self.fed: list[object] = []
        self.rnn.register_forward_pre_hook(lambda module, args: self.fed.append(args[0] if args else None))

    def _h(self, hidden):
        return hidden[0] if self.cell == "lstm" else hidden

    def arguments(self):
        """Fresh copies of (rnn, x, lengths), so a learner's in-place edit cannot change the expected values."""
        return self.rnn, self.x.clone(), self.lengths.clone()

    def expected_summary(self):
        """(N, D*H_out): each sequence's last-layer forward and backward final states, run alone."""
        return torch.cat([torch.cat([self._h(h)[-2], self._h(h)[-1]], -1) for _, h in self.alone])

    def packed_time_first(self) -> bool:
        """True if the learner's code fed the rnn x packed without batch_first=True."""
        wrong = self.time_first
        return any(
            isinstance(fed, PackedSequence)
            and torch.equal(fed.batch_sizes, wrong.batch_sizes)
            and fed.data.shape == wrong.data.shape
            and torch.equal(fed.data, wrong.data)
            for fed in self.fed
        )

    def explain_error(self, error: Exception) -> str:
        """The explanation of an error the learner's code raised, or "" when it is not a known slip."""
        if self.packed_time_first():  # torch fails further on, at the rnn or at unpacking, with its own words
            return BATCH_FIRST
        text = str(error)
        return next((explanation for pattern, explanation in _ERRORS if pattern.search(text)), "")

    def common_mistakes(self, expected: torch.Tensor) -> list[Mistake]:
        """The slips both tasks can make: packing time-first, results in a sorted order."""
        return [
            (lambda got: self.packed_time_first(), BATCH_FIRST),
            (lambda got: _reordered(got, expected), REORDERED),
        ]


def _reordered(got: object, expected: torch.Tensor, atol: float = ATOL) -> bool:
    """True if `got` holds `expected`'s rows (its first axis) in another order."""
    if not isinstance(got, torch.Tensor) or got.shape != expected.shape or len(expected) < 2:
        return False
    rows, want = got.detach().to(expected.dtype).flatten(1), expected.flatten(1)
    close = ((rows.unsqueeze(1) - want.unsqueeze(0)).abs() <= atol).all(-1)  # (N, N): row i of got is row j
    matched = close.any(1).all() and close.any(0).all()
    return bool(matched) and not bool(close.diagonal().all())


def check_encode_packed(encode_packed: Callable[..., Any]) -> CheckReport:
    """Check `encode_packed(rnn, x, lengths)` against running each sequence alone."""

    def case(*args):
        def run():
            c = _Case(*args)
            with explaining_errors(c.explain_error):
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
                    *c.common_mistakes(c.expected_output),
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
                        c.x,
                        "That is x itself: run the rnn on the packed batch, then unpack what the rnn returns "
                        "(its packed output), not x.",
                    ),
                    (
                        lambda got: isinstance(got, PackedSequence),
                        "That is the PackedSequence itself: unpack it with pad_packed_sequence(..., batch_first=True, "
                        f"total_length={steps}).",
                    ),
                    (
                        c.packed_data,
                        "That is the packed output's .data, one row per real step in time-major order: unpack the "
                        "PackedSequence with pad_packed_sequence instead, back to (N, L, D*H_out).",
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
        concept=ENCODE_CONCEPT,
    )


def _summary_mistakes(c: _Case) -> list[Mistake]:
    """What the usual slips of final_states return for case `c`, each with what to do about it."""
    last_valid = c.packed_output[torch.arange(len(c.lengths)), c.lengths - 1]
    n = len(c.lengths)
    last_two = c.h_n[-2:]  # (2, N, H_out): the last layer's forward and backward states
    mistakes = [
        *c.common_mistakes(c.expected_summary()),
        (
            lambda got: isinstance(got, (tuple, list)),
            "That is a tuple (or list): return one tensor (N, D*H_out), the forward and the backward state side by "
            "side on the last axis (torch.cat(..., dim=-1)).",
        ),
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
        (
            last_two,
            "That is h_n[-2:], (2, N, H_out): the two directions are on the first axis. Put them side by side on "
            "the last axis, (N, 2*H_out), forward first.",
        ),
        (
            last_two.reshape(n, -1),
            "reshape mixed up the sequences: h_n[-2:] is (2, N, H_out), directions first, and reshape only "
            "regroups its numbers in memory order. Join the two directions on the last axis instead (torch.cat), "
            "or move the sequence axis first (transpose(0, 1)) before reshaping.",
        ),
        (
            c.h_n.transpose(0, 1).reshape(n, -1),
            "That is every layer's states side by side: keep only the last layer's, h_n[-2] and h_n[-1].",
        ),
    ]
    if c.num_layers > 1:  # h_n split as (2, num_layers, N, H_out) instead of (num_layers, 2, N, H_out)
        mistakes.append(
            (
                torch.cat([c.h_n[c.num_layers - 1], c.h_n[-1]], -1),
                "h_n's first axis runs layer by layer, each layer's forward state before its backward one: "
                "h_n.view(num_layers, 2, N, H_out)[-1] is the last layer. Viewed as (2, num_layers, ...) it mixes "
                "layers and directions.",
            )
        )
    if c.c_n is not None:
        mistakes += [
            (
                torch.cat([c.c_n[-2], c.c_n[-1]], -1),
                "Those are the cell states c_n: use h_n, the first item of the LSTM's (h_n, c_n).",
            ),
            (torch.cat([c.h_n, c.c_n], -1), LSTM_PAIR),
        ]
    else:  # hidden[0] taken as h_n for an nn.RNN or nn.GRU too: that is its first layer's forward state (N, H_out)
        first = c.h_n[0]
        if n >= 2:
            mistakes.append(
                (
                    torch.cat([first[-2], first[-1]], -1),
                    HIDDEN_0,
                )
            )
    return mistakes


def check_final_states(final_states: Callable[..., Any]) -> CheckReport:
    """Check `final_states(rnn, x, lengths)` against each sequence's own final states."""

    def case(*args):
        def run():
            c = _Case(*args)

            def explain(error: Exception) -> str:
                if c.c_n is not None and "'tuple' object" in str(error):
                    return LSTM_PAIR
                if c.c_n is None and len(c.lengths) == 1 and "out of bounds for dimension 0 with size 1" in str(error):
                    return HIDDEN_0  # hidden[0] of a batch of 1 is (1, H_out): [-2] is out of range
                return c.explain_error(error)

            with explaining_errors(explain):
                got = final_states(*c.arguments())
            expect_close(
                got,
                c.expected_summary(),
                f"summary (N, D*H_out={2 * c.hidden})",
                ("sequence", "unit"),
                ATOL,
                _summary_mistakes(c),
            )

        return run

    return run_check(
        "final_states",
        {name: case(*args) for name, args in SUMMARY_CASES.items()},
        hint="run the rnn on the packed batch; its h_n holds each sequence's own final states "
        "(an LSTM returns (h_n, c_n)); concatenate the last layer's h_n[-2] and h_n[-1].",
        concept=SUMMARY_CONCEPT,
    )
