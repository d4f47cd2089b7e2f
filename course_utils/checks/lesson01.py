"""Checks for exercise 01 (concept): one RNN direction, then a bidirectional pass, by hand.

`check_run_one_direction(fn)`: `fn(x, W_ih, W_hh, b_ih, b_hh) -> (outputs (N, L, H_out), h_last (N, H_out))`,
a tanh RNN read left to right, compared with a forward-only `nn.RNN`.

`check_bidirectional_pass(fn)`: `fn(x, rnn) -> (output (N, L, D*H_out), h_n (2, N, H_out))`
for a single-layer `nn.RNN(bidirectional=True, batch_first=True)`, compared with what `rnn(x)` returns;
the layer it is given refuses to be called, so the answer must be computed by hand from its weights.

Each check recognises the usual slips by their result (`mistakes=`) or by the error they raise
(`explaining_errors`), and names the idea of the task (`concept=`) with every failure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from ..lessons.concept import run_direction
from .common import seeded
from .comparators import Mismatch, expect_close, expect_pair, explaining_errors
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


class _ByHandOnly(nn.RNN):
    """An nn.RNN whose call is refused: a pass written by hand reads its weights, it does not run it."""

    def forward(self, *args, **kwargs):
        raise Mismatch(
            "your bidirectional_pass called rnn(...): that hands back torch's own answer instead of "
            "computing it. Compute it by hand: run_one_direction on the layer's weights, once per direction"
        )


def _layer_and_input(n, steps, features, hidden, bidirectional, seed=0):
    """A seeded batch-first nn.RNN (for a bidirectional one, a `_ByHandOnly`) and input x (N, L, H_in),
    with no gradients needed."""
    layer = _ByHandOnly if bidirectional else nn.RNN
    with seeded(seed):
        rnn = layer(features, hidden, batch_first=True, bidirectional=bidirectional).requires_grad_(False)
        return rnn, torch.randn(n, steps, features)


def _weights(rnn, suffix="") -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """W_ih, W_hh, b_ih, b_hh of one direction ("" forward, "_reverse" backward)."""
    W_ih, W_hh, b_ih, b_hh = (
        getattr(rnn, f"{name}_l0{suffix}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    )
    return W_ih, W_hh, b_ih, b_hh


def _direction_mistakes(x, W_ih, W_hh, b_ih, b_hh, outputs, h_last):
    """Results of the usual slips in one RNN direction, with what each means."""
    no_memory = torch.tanh(x @ W_ih.T + b_ih + b_hh)
    n, steps, hidden = outputs.shape
    zero, no_bias = torch.zeros_like(b_ih), torch.zeros_like(b_hh)
    read_backwards = run_direction(x.flip(1), W_ih, W_hh, b_ih, b_hh)[0]
    return [
        (no_memory, "Every step ignored the state before it: feed the previous h into the next step (h @ W_hh.T)."),
        (
            run_direction(x, W_ih, W_hh, b_ih, no_bias)[0],
            "It matches the layer without b_hh: nn.RNN adds both biases, b_ih and b_hh.",
        ),
        (
            run_direction(x, W_ih, W_hh, zero, b_hh)[0],
            "It matches the layer without b_ih: nn.RNN adds both biases, b_ih and b_hh.",
        ),
        (
            run_direction(x, W_ih, W_hh, zero, no_bias)[0],
            "It matches the layer without biases: nn.RNN adds both, b_ih and b_hh, at every step.",
        ),
        (outputs.transpose(0, 1), "Those are the right states laid out (L, N, H_out): stack the steps on dim 1."),
        (
            torch.cat([outputs.new_zeros(n, 1, hidden), outputs[:, :-1]], 1),
            "Each step holds the state from BEFORE that step (step 0 holds the zeros you started from): keep h "
            "after computing it, so that step t holds the state after reading x[:, t].",
        ),
        (
            read_backwards,
            "Those are the states of the sequence read from its last step to its first: this direction reads "
            "left to right, from step 0 to step L-1.",
        ),
        (
            read_backwards.flip(1),
            "Those are the backward direction's states (read from the last step to the first): this direction "
            "reads left to right, from step 0 to step L-1.",
        ),
        (
            h_last,
            "That is h_last (N, H_out): the results come in the order (outputs, h_last).",
        ),
        (
            lambda got: isinstance(got, torch.Tensor) and tuple(got.shape) == (n, steps * hidden),
            "Those are the states joined end to end, (N, L*H_out): torch.cat joins tensors along an axis they "
            "already have; stacking them adds the step axis, (N, L, H_out).",
        ),
        (
            lambda got: isinstance(got, (list, tuple)),
            "outputs is one tensor, (N, L, H_out), not a list of each step's state: stack the steps on dim 1.",
        ),
        (
            lambda got: (
                isinstance(got, torch.Tensor)
                and got.shape == outputs.shape
                and bool((got.detach() >= 0).all())
                and bool((outputs < 0).any())
            ),
            "No value is negative: nn.RNN uses tanh, not relu or sigmoid (tanh's values lie between -1 and 1).",
        ),
    ]


def _direction_error(error: Exception) -> str:
    """What an error raised inside a one-direction loop usually means, or ""."""
    text = str(error)
    if "mat1 and mat2 shapes cannot be multiplied" in text:
        return (
            "x[:, t] is (N, H_in), W_ih is (H_out, H_in), W_hh is (H_out, H_out) and h is (N, H_out): the formula "
            "multiplies by the transposed weights, W_ih.T and W_hh.T, which gives (N, H_out)."
        )
    if "out of bounds for dimension 0" in text or "must match the size of tensor" in text:
        return (
            "x is batch-first, (N, L, H_in): axis 0 is the sequence, so step t of every sequence is x[:, t] "
            "(x[t] is all the steps of sequence t), and h starts as zeros of (N, H_out)."
        )
    return ""


def check_run_one_direction(run_one_direction: Callable[..., Any]) -> CheckReport:
    """Check `run_one_direction(x, W_ih, W_hh, b_ih, b_hh)` against a forward-only nn.RNN."""

    def case(n, steps, features, hidden):
        def run():
            rnn, x = _layer_and_input(n, steps, features, hidden, bidirectional=False)
            expected_outputs, expected_h = rnn(x)
            weights = _weights(rnn)
            with explaining_errors(_direction_error):
                result = run_one_direction(x, *weights)
            got = expect_pair(result, "(outputs, h_last)")
            expect_close(
                got[0],
                expected_outputs,
                "first result (outputs)",
                STEPS,
                ATOL,
                _direction_mistakes(x, *weights, expected_outputs, expected_h[0]),
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
                    (
                        expected_outputs[-1],
                        "That is every step of the last sequence, (L, H_out): h_last is the last step of every "
                        "sequence, (N, H_out), the state h holds when the loop ends.",
                    ),
                ],
            )

        return run

    return run_check(
        "run_one_direction",
        {name: case(*sizes) for name, sizes in DIRECTION_CASES.items()},
        concept="One direction of a tanh RNN is one loop over the steps: it starts from h = 0, computes each "
        "step's state from that step's input and the state before it, and keeps the state after every step "
        "(lesson 01, section 'Building the bidirectional pass by hand').",
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
            torch.stack([forward, backward], -1).flatten(2),
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
        (
            lambda got: (
                isinstance(got, torch.Tensor)
                and tuple(got.shape) == (output.shape[0], 2 * output.shape[1], output.shape[2] // 2)
            ),
            "The halves are joined along the steps, (N, 2*L, H_out): each step holds both directions side by "
            "side, so join them on the last axis, (N, L, D*H_out).",
        ),
    ]


def check_bidirectional_pass(bidirectional_pass: Callable[..., Any]) -> CheckReport:
    """Check `bidirectional_pass(x, rnn)` against `rnn(x)` for a bidirectional, batch-first nn.RNN."""

    def case(n, steps, features, hidden):
        def run():
            rnn, x = _layer_and_input(n, steps, features, hidden, bidirectional=True)
            expected_output, expected_h_n = nn.RNN.forward(rnn, x)  # rnn(x) itself is refused: see _ByHandOnly
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
                    (
                        expected_output[:, -1],
                        "That is output[:, -1], (N, D*H_out): its backward half is the backward state at the last "
                        "step, after reading one step. h_n keeps the directions apart, (2, N, H_out), and the "
                        "backward direction's final state is the one after step 0.",
                    ),
                    (
                        lambda got: isinstance(got, (list, tuple)),
                        "h_n is one tensor, (2, N, H_out), not a list or tuple of the two states: stack them on a "
                        "new first axis.",
                    ),
                ],
            )

        return run

    return run_check(
        "bidirectional_pass",
        {name: case(*sizes) for name, sizes in BIDIRECTIONAL_CASES.items()},
        concept="The backward direction is the same loop with its own (_reverse) weights, run over the sequence "
        "reversed; its states come out in reading order and must be put back in step order before the two halves "
        "are joined step by step. h_n keeps each direction's final state: the forward one after the last step, "
        "the backward one after step 0 (lesson 01, section 'Building the bidirectional pass by hand').",
        hint="forward: run_one_direction on x with the forward weights; backward: run it on x.flip(1) "
        "with the _reverse weights, then flip its outputs back. If run_one_direction fails its "
        "own check, fix that first.",
    )
