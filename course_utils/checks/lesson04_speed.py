"""Checks for exercise 04 (optional, packing at speed): reverse within lengths, then two one-way runs as one layer.

`check_reverse_steps(fn)`: `fn(x (N, L, H_in), lengths (N,)) -> (N, L, H_in)`: each sequence's
first lengths[n] steps in reverse order, its pads where they were; `x` itself left unchanged.

`check_bidirectional_within_lengths(fn)`: `fn(forward_rnn, backward_rnn, x (N, L, H_in), lengths (N,))
-> output (N, L, 2*H_out)`: the forward outputs, then the backward ones, zero at the pads.

`forward_rnn` and `backward_rnn` are one-way, one-layer, batch-first nn.RNN, nn.GRU or nn.LSTM
holding the two directions' weights of a bidirectional layer; the expected output is that
layer's packed run (`pack_padded_sequence`, then `pad_packed_sequence(..., total_length=L)`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import torch

from ..models import CELLS
from ..tensors import reverse_within_lengths, step_mask
from .common import run_packed, seeded
from .comparators import Mismatch, Mistake, expect_close, explaining_errors
from .report import CheckReport
from .runner import run_check

ATOL = 1e-5
FEATURES = 3  # H_in of the layers in check_bidirectional_within_lengths
STEPS = ("sequence", "step", "feature")
UNITS = ("sequence", "step", "unit")
# (steps L, features H_in, lengths)
REVERSE_CASES = {
    "x (3, 5, 2), lengths [3, 5, 2] (not sorted; sequence 1 fills all L = 5 steps)": (5, 2, [3, 5, 2]),
    "x (3, 4, 3), lengths [1, 4, 2] (a length-1 sequence)": (4, 3, [1, 4, 2]),
    "batch of 1: x (1, 6, 2), lengths [4]": (6, 2, [4]),
}
UNCHANGED_CASE = "x (2, 5, 3), lengths [2, 5]: x is left as it was"
# (cell, steps L, hidden size H_out, lengths); H_in = FEATURES
BIDIRECTIONAL_CASES = {
    "gru, x (3, 5, 3), H_out=2, lengths [5, 2, 4] (not sorted)": ("gru", 5, 2, [5, 2, 4]),
    "lstm, x (3, 4, 3), H_out=3, lengths [1, 4, 3] (a length-1 sequence)": ("lstm", 4, 3, [1, 4, 3]),
    "rnn, x (2, 6, 3), H_out=2, lengths [3, 6]": ("rnn", 6, 2, [3, 6]),
    "batch of 1: gru, x (1, 4, 3), H_out=2, lengths [3]": ("gru", 4, 2, [3]),
}
# How Python and torch word an error about a tuple used as a tensor, or unpacked into the wrong number of names
# (not torch's "tuple of Tensors" in a list of the signatures it accepts).
MISREAD_RESULT = re.compile(r"got tuple|not tuple|'tuple'|tuple indices|values to unpack")
REVERSE_CONCEPT = (
    "a backward direction must meet a sequence's pads only after its real steps: reverse each sequence within its "
    "own length, so that its pads stay at the end (lesson 04_packing_speed, section 'An exact method on the fast "
    "kernels', the toy batch whose step t holds t + 1)"
)
BIDIRECTIONAL_CONCEPT = (
    "two one-way runs over a padded batch equal packing when each direction meets a sequence's pads only after "
    "its real steps: the forward one reads x as it is, the backward one each sequence reversed within its own "
    "length, its outputs put back in step order, and the pads read zero as pad_packed_sequence gives them "
    "(lesson 04_packing_speed, section 'An exact method on the fast kernels', where run_within_lengths comes in)"
)
RNN_RETURNS = (
    "nn.RNN and nn.GRU return (output, h_n), an nn.LSTM (output, (h_n, c_n)): for all three the outputs at every "
    "step, (N, L, H_out), are item [0] (output, _ = rnn(x))"
)


def _padded_batch(steps: int, features: int, lengths: list[int], seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A seeded batch x (N, L, H_in) with zeros at the pads, and its lengths (N,) as a CPU int64 tensor."""
    lengths_t = torch.tensor(lengths)
    with seeded(seed):
        x = torch.randn(len(lengths), steps, features)
    return x.masked_fill(~step_mask(lengths_t, steps).unsqueeze(-1), 0.0), lengths_t


# --- task 1: reverse_steps ---------------------------------------------------------------------


def _reverse_mistakes(x: torch.Tensor, lengths: torch.Tensor) -> list[Mistake]:
    """What the usual slips of reverse_steps return for x (N, L, H_in), with what to do about each."""
    return [
        (
            x.flip(1),
            "That is x.flip(1), the whole time axis reversed: a sequence shorter than L then starts with its pads "
            "(zeros), and a backward direction would read them first. Reverse only the first lengths[n] steps "
            "of each sequence n and leave its pads at the end.",
        ),
        (
            x,
            "That is x in its original order: the first lengths[n] steps of sequence n must come in reverse, "
            "step t taking step lengths[n] - 1 - t.",
        ),
        (
            reverse_within_lengths(x, lengths[:1].expand(len(lengths))),
            "Every sequence was reversed within the first sequence's length, lengths[0]: reverse sequence n "
            "within its own length, lengths[n].",
        ),
        (
            torch.where(step_mask(lengths, x.shape[1]).unsqueeze(-1), x.flip(-1), x),
            "The features of each real step are reversed, not the steps: x[n, :lengths[n]] is (steps, H_in), so "
            "its time axis is dim 0 there (flip(0)); flip(1) or flip(-1) reverses the features.",
        ),
        (
            lambda got: isinstance(got, (list, tuple)),
            "That is a list (or tuple) of sequences: return one tensor shaped like x, (N, L, H_in) "
            "(torch.stack joins rows of equal length).",
        ),
        (
            lambda got: isinstance(got, torch.Tensor) and got.shape != x.shape,
            f"reverse_steps only moves steps around, so the result has x's shape (N, L, H_in) = {tuple(x.shape)}: "
            "keep each sequence's pads (its real steps alone, x[n, :lengths[n]], are too short) and keep the "
            "feature axis.",
        ),
    ]


def check_reverse_steps(reverse_steps: Callable[..., Any]) -> CheckReport:
    """Check `reverse_steps(x, lengths)` against `course_utils.tensors.reverse_within_lengths`."""

    def case(steps, features, lengths):
        def run():
            x, lengths_t = _padded_batch(steps, features, lengths, seed=0)
            got = reverse_steps(x.clone(), lengths_t.clone())
            expected = reverse_within_lengths(x, lengths_t)
            expect_close(got, expected, "result", STEPS, ATOL, _reverse_mistakes(x, lengths_t))

        return run

    def unchanged():
        x, lengths = _padded_batch(5, 3, [2, 5], seed=1)
        given = x.clone()
        got = reverse_steps(given, lengths.clone())
        if not torch.equal(given, x):
            raise Mismatch(
                "your reverse_steps changed the x it was given, in place: the caller still needs x as it was "
                "(the forward direction reads it unreversed). Build the result in a new tensor: start from "
                "x.clone(), or take the steps by indexing or gather, which return new tensors"
            )
        expect_close(got, reverse_within_lengths(x, lengths), "result", STEPS, ATOL, _reverse_mistakes(x, lengths))

    return run_check(
        "reverse_steps",
        {**{name: case(*args) for name, args in REVERSE_CASES.items()}, UNCHANGED_CASE: unchanged},
        hint="in sequence n, step t < lengths[n] takes step lengths[n] - 1 - t and a pad keeps its place: either "
        "loop, out = x.clone(); out[n, :k] = x[n, :k].flip(0) with k = int(lengths[n]), or build that index (N, L) "
        "with torch.where(t < lengths[n], lengths[n] - 1 - t, t) and take the steps with x.gather(1, ...).",
        concept=REVERSE_CONCEPT,
    )


# --- task 2: bidirectional_within_lengths ------------------------------------------------------


class _Layers:
    """A bidirectional layer, the two one-way layers holding its weights, a padded batch, and its packed run."""

    def __init__(self, cell: str, steps: int, hidden: int, lengths: list[int]):
        self.cell = cell
        with seeded(0):
            self.bidirectional = CELLS[cell](FEATURES, hidden, batch_first=True, bidirectional=True)
            self.forward_rnn = CELLS[cell](FEATURES, hidden, batch_first=True)
            self.backward_rnn = CELLS[cell](FEATURES, hidden, batch_first=True)
        with torch.no_grad():  # weight_ih_l0 ... to forward_rnn, weight_ih_l0_reverse ... to backward_rnn
            for name, weight in self.bidirectional.named_parameters():
                one_way = self.backward_rnn if name.endswith("_reverse") else self.forward_rnn
                getattr(one_way, name.removesuffix("_reverse")).copy_(weight)
        for layer in (self.bidirectional, self.forward_rnn, self.backward_rnn):
            layer.requires_grad_(False)
        self.x, self.lengths = _padded_batch(steps, FEATURES, lengths, seed=1)
        self.expected = run_packed(self.bidirectional, self.x, self.lengths)[0]  # (N, L, 2*H_out)

    def arguments(self):
        """(forward_rnn, backward_rnn, x, lengths), x and lengths fresh copies that a learner may change."""
        return self.forward_rnn, self.backward_rnn, self.x.clone(), self.lengths.clone()

    def mistakes(self) -> list[Mistake]:
        """What the usual slips return, each with what to do about it."""
        x, lengths = self.x, self.lengths
        valid = step_mask(lengths, x.shape[1]).unsqueeze(-1)  # (N, L, 1)

        def within(tensor):
            return reverse_within_lengths(tensor, lengths)

        def backward(inputs):
            return self.backward_rnn(inputs)[0]  # (N, L, H_out)

        forward = self.forward_rnn(x)[0]  # (N, L, H_out)
        right_backward = within(backward(within(x)))
        flip_input = (
            "The backward half is a backward run over x.flip(1): for a sequence shorter than L that run reads the "
            "pads first, and they change its outputs at the real steps (what packing prevents). Reverse each "
            "sequence within its own length instead (your reverse_steps), run the backward rnn on that, and "
            "reverse its outputs back the same way."
        )
        wrong_halves = [
            ((forward, backward(x.flip(1)).flip(1)), flip_input),
            ((forward, within(backward(x.flip(1)))), flip_input),
            (
                (forward, backward(within(x)).flip(1)),
                "The backward half was put back in step order with flip(1): for a sequence shorter than L that "
                "moves its outputs onto the pads. Reverse the outputs back within lengths, as you reversed x.",
            ),
            (
                (forward, backward(within(x))),
                "The backward half is still in reversed order: its step t holds the output of step "
                "lengths[n] - 1 - t. Reverse the backward rnn's outputs back within lengths, so that each "
                "lines up with its step.",
            ),
            (
                (forward, backward(x)),
                "The backward rnn ran on x unreversed, left to right like the forward one: feed it each sequence "
                "reversed within its own length, then reverse its outputs back.",
            ),
            (
                (forward, within(backward(x))),
                "The backward rnn ran on x unreversed (only its outputs were reversed): feed it each sequence "
                "reversed within its own length, then reverse its outputs back.",
            ),
            (
                (right_backward, forward),
                "The halves are swapped: at each step the forward direction's outputs come first, then the "
                "backward one's, as in a bidirectional layer's output.",
            ),
        ]
        hidden = forward.shape[-1]
        mistakes: list[Mistake] = []
        for (first, second), explanation in wrong_halves:
            joined = torch.cat([first, second], dim=-1)
            mistakes += [(joined * valid, explanation), (joined, explanation)]
        mistakes += [
            (
                torch.cat([forward, right_backward], dim=-1),
                "The real steps are right, but the pads are not zero: the one-way runs went on over the pads. Zero "
                "them with a mask from lengths (step t of sequence n is real where t < lengths[n]), as "
                "pad_packed_sequence does.",
            ),
            (lambda got: isinstance(got, (tuple, list)), f"That is a tuple (or list), not one tensor. {RNN_RETURNS}."),
            (
                lambda got: isinstance(got, torch.Tensor) and tuple(got.shape) == (1, x.shape[0], 2 * hidden),
                "That is (1, N, 2*H_out): the two runs' h_n, each sequence's state after the last step only. The "
                f"layer's output has every step: {RNN_RETURNS}.",
            ),
            (
                lambda got: isinstance(got, torch.Tensor) and tuple(got.shape) == (*x.shape[:2], hidden),
                f"That has H_out = {hidden} units per step, one direction's: put the forward and the backward "
                "outputs side by side on the last axis, (N, L, 2*H_out).",
            ),
            (
                lambda got: (
                    isinstance(got, torch.Tensor)
                    and got.numel() == self.expected.numel()
                    and got.shape != self.expected.shape
                ),
                "The two directions are joined on the wrong axis: each step holds the forward outputs, then the "
                "backward ones, on the last axis, (N, L, 2*H_out).",
            ),
        ]
        return mistakes


def _rnn_result_misread(error: Exception) -> str:
    """The explanation for an error that comes from misreading what an RNN returns, or ""."""
    return RNN_RETURNS + "." if MISREAD_RESULT.search(str(error)) else ""


def check_bidirectional_within_lengths(bidirectional_within_lengths: Callable[..., Any]) -> CheckReport:
    """Check `bidirectional_within_lengths(forward_rnn, backward_rnn, x, lengths)` against packing."""

    def case(*args):
        def run():
            layers = _Layers(*args)
            with explaining_errors(_rnn_result_misread):
                got = bidirectional_within_lengths(*layers.arguments())
            hidden = layers.expected.shape[-1] // 2
            expect_close(got, layers.expected, f"output (N, L, 2*H_out={2 * hidden})", UNITS, ATOL, layers.mistakes())

        return run

    return run_check(
        "bidirectional_within_lengths",
        {name: case(*args) for name, args in BIDIRECTIONAL_CASES.items()},
        hint="forward, _ = forward_rnn(x); run backward_rnn on reverse_steps(x, lengths) and apply reverse_steps "
        "to its outputs too; torch.cat([forward, backward], dim=-1), then zero the pads with masked_fill where "
        "t >= lengths[n]. If check_reverse_steps has not passed yet, use reverse_within_lengths from "
        "course_utils.tensors meanwhile.",
        concept=BIDIRECTIONAL_CONCEPT,
    )
