"""Checks for exercise 01 (concept): one RNN direction, then a bidirectional pass, by hand.

`check_run_one_direction(fn)`: `fn(x, W_ih, W_hh, b_ih, b_hh) -> (outputs (N, L, H_out), h_last (N, H_out))`,
a tanh RNN read left to right, compared with a forward-only `nn.RNN`.

`check_bidirectional_pass(fn)`: `fn(x, rnn) -> (output (N, L, D*H_out), h_n (2, N, H_out))`
for a single-layer `nn.RNN(bidirectional=True, batch_first=True)`, compared with `rnn(x)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from ..lessons.concept import run_direction
from .common import seeded
from .comparators import expect_close, expect_pair
from .report import CheckReport
from .runner import run_check

ATOL = 1e-5  # float32 loops of a few steps agree with torch to about 1e-7
STEPS = ("sequence", "step", "unit")
STATES = ("sequence", "unit")
# (batch size N, steps L, features H_in, hidden size H_out) of each case
DIRECTION_CASES = {
    "x (3, 6, 4), H_out=5": (3, 6, 4, 5),
    "one step: x (2, 1, 3), H_out=4": (2, 1, 3, 4),
    "batch of 1: x (1, 8, 2), H_out=3": (1, 8, 2, 3),
    "one hidden unit: x (4, 5, 3), H_out=1": (4, 5, 3, 1),
}
BIDIRECTIONAL_CASES = {
    "x (3, 5, 4), H_out=3": (3, 5, 4, 3),
    "one step: x (2, 1, 3), H_out=2": (2, 1, 3, 2),
    "batch of 1: x (1, 9, 2), H_out=4": (1, 9, 2, 4),
}


def _layer_and_input(n, steps, features, hidden, bidirectional, seed=0):
    """A seeded batch-first nn.RNN and input x (N, L, H_in), with no gradients needed."""
    with seeded(seed):
        rnn = nn.RNN(features, hidden, batch_first=True, bidirectional=bidirectional).requires_grad_(False)
        return rnn, torch.randn(n, steps, features)


def _weights(rnn, suffix="") -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """W_ih, W_hh, b_ih, b_hh of one direction ("" forward, "_reverse" backward)."""
    W_ih, W_hh, b_ih, b_hh = (
        getattr(rnn, f"{name}_l0{suffix}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    )
    return W_ih, W_hh, b_ih, b_hh


def _direction_mistakes(x, W_ih, W_hh, b_ih, b_hh, outputs):
    """Results of the usual slips in one RNN direction, with what each means."""
    no_memory = torch.tanh(x @ W_ih.T + b_ih + b_hh)
    return [
        (no_memory, "Every step ignored the state before it: feed the previous h into the next step (h @ W_hh.T)."),
        (
            run_direction(x, W_ih, W_hh, b_ih, torch.zeros_like(b_hh))[0],
            "It matches the layer without b_hh: nn.RNN adds both biases, b_ih and b_hh.",
        ),
        (
            run_direction(x, W_ih, W_hh, torch.zeros_like(b_ih), b_hh)[0],
            "It matches the layer without b_ih: nn.RNN adds both biases, b_ih and b_hh.",
        ),
        (outputs.transpose(0, 1), "Those are the right states laid out (L, N, H_out): stack the steps on dim 1."),
        (
            lambda got: (
                isinstance(got, torch.Tensor)
                and got.shape == outputs.shape
                and bool((got.detach() >= 0).all())
                and bool((outputs < 0).any())
            ),
            "No value is negative: nn.RNN uses tanh, not relu.",
        ),
    ]


def check_run_one_direction(run_one_direction: Callable[..., Any]) -> CheckReport:
    """Check `run_one_direction(x, W_ih, W_hh, b_ih, b_hh)` against a forward-only nn.RNN."""

    def case(n, steps, features, hidden):
        def run():
            rnn, x = _layer_and_input(n, steps, features, hidden, bidirectional=False)
            expected_outputs, expected_h = rnn(x)
            weights = _weights(rnn)
            got = expect_pair(run_one_direction(x, *weights), "(outputs, h_last)")
            expect_close(
                got[0],
                expected_outputs,
                "first result (outputs)",
                STEPS,
                ATOL,
                _direction_mistakes(x, *weights, expected_outputs),
            )
            expect_close(
                got[1],
                expected_h[0],
                "second result (h_last)",
                STATES,
                ATOL,
                [
                    (
                        expected_outputs[:, 0],
                        "That is the state after step 0: h_last is the state after the LAST step.",
                    ),
                    (expected_h, "h_last should be (N, H_out), without nn.RNN's leading layer axis."),
                ],
            )

        return run

    return run_check(
        "run_one_direction",
        {name: case(*sizes) for name, sizes in DIRECTION_CASES.items()},
        hint="start from h = zeros (N, H_out); at each step t compute "
        "h = tanh(x[:, t] @ W_ih.T + b_ih + h @ W_hh.T + b_hh) and keep it; "
        "torch.stack(states, dim=1) gives (N, L, H_out).",
    )


def _bidirectional_mistakes(x, rnn, output):
    """Results of the usual slips in a bidirectional pass, with what each means."""
    forward, _ = run_direction(x, *_weights(rnn))
    backward_in_reading_order, _ = run_direction(x.flip(1), *_weights(rnn, "_reverse"))
    backward = backward_in_reading_order.flip(1)
    return [
        (
            torch.cat([forward, backward_in_reading_order], -1),
            "Its backward half is in reading order (step L-1 first): you forgot to flip the backward outputs "
            "back with .flip(1) before concatenating.",
        ),
        (
            torch.cat([forward, run_direction(x, *_weights(rnn, "_reverse"))[0]], -1),
            "Its backward half read the sequence left to right: run the _reverse weights over x.flip(1).",
        ),
        (
            torch.cat([forward, run_direction(x.flip(1), *_weights(rnn))[0].flip(1)], -1),
            "Its backward half used the forward weights: the backward direction has its own, "
            "the parameters ending in _reverse.",
        ),
        (torch.cat([backward, forward], -1), "The halves are swapped: the forward half comes first."),
        (
            torch.stack([forward, backward], 2).flatten(2),
            "The two directions' units are interleaved: concatenate the halves with torch.cat(..., dim=-1).",
        ),
        (
            lambda got: (
                isinstance(got, torch.Tensor)
                and got.shape[:-1] == output.shape[:-1]
                and got.shape[-1] == output.shape[-1] // 2
            ),
            "That is one direction only: concatenate forward and backward states on the last axis.",
        ),
    ]


def check_bidirectional_pass(bidirectional_pass: Callable[..., Any]) -> CheckReport:
    """Check `bidirectional_pass(x, rnn)` against `rnn(x)` for a bidirectional, batch-first nn.RNN."""

    def case(n, steps, features, hidden):
        def run():
            rnn, x = _layer_and_input(n, steps, features, hidden, bidirectional=True)
            expected_output, expected_h_n = rnn(x)
            got = expect_pair(bidirectional_pass(x, rnn), "(output, h_n)")
            expect_close(
                got[0], expected_output, "output", STEPS, ATOL, _bidirectional_mistakes(x, rnn, expected_output)
            )
            forward_last, backward_first = expected_output[:, -1, :hidden], expected_output[:, 0, hidden:]
            expect_close(
                got[1],
                expected_h_n,
                "h_n",
                ("direction", "sequence", "unit"),
                ATOL,
                [
                    (
                        torch.stack([forward_last, expected_output[:, -1, hidden:]]),
                        "Its backward state is output[:, -1, H_out:], the backward direction after reading one step: "
                        "the backward direction ends at step 0, so its final state is output[:, 0, H_out:].",
                    ),
                    (
                        torch.stack([backward_first, forward_last]),
                        "The directions are swapped: h_n[0] is the forward one.",
                    ),
                    (
                        torch.stack([forward_last, backward_first], 1),
                        "Those are the right states stacked on dim 1: h_n is (2, N, H_out), stack on dim 0.",
                    ),
                    (
                        torch.cat([forward_last, backward_first], -1),
                        "Those are the right states concatenated to (N, D*H_out): h_n keeps them apart, (2, N, H_out).",
                    ),
                ],
            )

        return run

    return run_check(
        "bidirectional_pass",
        {name: case(*sizes) for name, sizes in BIDIRECTIONAL_CASES.items()},
        hint="forward: run_one_direction on x with the forward weights; backward: run it on x.flip(1) "
        "with the _reverse weights, then flip its outputs back. If run_one_direction fails its "
        "own check, fix that first.",
    )
