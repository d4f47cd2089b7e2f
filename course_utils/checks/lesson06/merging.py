"""Exercise 06, task 2: merge a forward and a backward tagger by averaging their class probabilities."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from ..common import seeded
from ..comparators import expect_close
from ..report import CheckReport
from ..runner import run_check

# (shape (N, L, C), scale of the logits, whether both taggers give the same logits) of each merge case
MERGE_CASES = {
    "logits (2, 4, 3)": ((2, 4, 3), 1.0, False),
    "two classes: logits (3, 5, 2)": ((3, 5, 2), 1.0, False),
    "the two taggers agree: the same logits (2, 3, 4)": ((2, 3, 4), 1.0, True),
    "one step, batch of 1: logits (1, 1, 3)": ((1, 1, 3), 1.0, False),
    "very confident taggers: logits (2, 4, 3) in the hundreds": ((2, 4, 3), 200.0, False),
}
MERGE_CONCEPT = (
    "a merge averages the two taggers' class probabilities (not their logits, not their log-probabilities) and "
    "returns the log of that average, computed in log space so that confident taggers do not underflow to -inf "
    "(lesson 06, section 'Merging: the average of a forward and a backward tagger')"
)
MERGE_ATOL = 1e-4  # merged log-probabilities reach -200: float32 keeps about 1e-5 there


def _log_average(a, b, dim=-1):
    """log((softmax(a) + softmax(b)) / 2) over `dim`, computed without underflow."""
    return torch.logaddexp(a.log_softmax(dim), b.log_softmax(dim)) - math.log(2)


def _merge_mistakes(a, b):
    """(result, explanation) of each usual slip, for forward logits a and backward logits b `(N, L, C)`."""
    p_a, p_b = a.softmax(-1), b.softmax(-1)
    return [
        (
            (a + b) / 2,
            "That averaged the logits: the merge averages the class probabilities, p = (softmax(a) + softmax(b)) / 2, "
            "and returns log p. Averaging logits is a different model (a normalised geometric mean of the "
            "probabilities).",
        ),
        (
            ((a + b) / 2).log_softmax(-1),
            "That is log_softmax of the averaged logits: averaging logits is not averaging probabilities. Take the "
            "softmax of each tagger first, then average.",
        ),
        (
            (a.log_softmax(-1) + b.log_softmax(-1)) / 2,
            "That averaged the log-probabilities: that is the log of a geometric mean. Average the probabilities "
            "themselves, then take the log.",
        ),
        (
            (p_a + p_b) / 2,
            "Those are the averaged probabilities p themselves: return their log, log p, which `evaluate` and "
            "cross entropy can use as logits (softmax(log p) = p).",
        ),
        (
            torch.logaddexp(a.log_softmax(-1), b.log_softmax(-1)),
            "That is log(p_forward + p_backward): the sum was not halved, so every value is log 2 = 0.6931 too high "
            "and each step's probabilities add up to 2. Subtract log 2.",
        ),
        (p_a + p_b, "That is the sum of the two probabilities: halve it, then take the log."),
        (
            torch.logaddexp(a, b) - math.log(2),
            "That is logaddexp of the raw logits: logits are not log-probabilities until they are normalised. "
            "Take log_softmax(-1) of each tagger's logits first, so that each tagger's probabilities add up to 1.",
        ),
        (
            _log_average(a, b, dim=1),
            "The softmax ran over the time steps (dim 1): class probabilities are normalised over the classes, "
            "the last axis (dim=-1).",
        ),
        (
            _log_average(a, b, dim=0),
            "The softmax ran over the batch (dim 0): class probabilities are normalised over the classes, the last "
            "axis (dim=-1).",
        ),
        (
            lambda got: isinstance(got, torch.Tensor) and not got.is_floating_point(),
            "Those look like class indices: return the log-probabilities of every class, (N, L, C).",
        ),
        (
            lambda got: isinstance(got, torch.Tensor) and got.is_floating_point() and not torch.isfinite(got).all(),
            "Some values are -inf (or NaN): where both taggers give a class a probability below float32's "
            "smallest number (about 1e-45), it rounds to 0 and its log is -inf. Never leave log space: take "
            "log_softmax of each tagger's logits and add the two probabilities with torch.logaddexp, which gives "
            "log(e^u + e^v) without computing e^u or e^v.",
        ),
    ]


def check_merge_probabilities(merge_probabilities: Callable[..., Any]) -> CheckReport:
    """Check `merge_probabilities(forward_logits, backward_logits)` against log of the averaged probabilities."""

    def case(shape, scale, agree):
        def run():
            with seeded(0):
                a = torch.randn(shape) * scale
                b = a.clone() if agree else torch.randn(shape) * scale
            expected = _log_average(a.double(), b.double())  # float64: exact enough at -200
            got = merge_probabilities(a.clone(), b.clone())
            expect_close(
                got,
                expected,
                f"log-probabilities (N, L, C={shape[-1]})",
                ("sequence", "step", "class"),
                MERGE_ATOL,
                _merge_mistakes(a, b),
            )

        return run

    return run_check(
        "merge_probabilities",
        {name: case(*args) for name, args in MERGE_CASES.items()},
        hint="torch.logaddexp(forward_logits.log_softmax(-1), backward_logits.log_softmax(-1)) - math.log(2): "
        "log_softmax gives each tagger's log-probabilities, logaddexp adds the probabilities in log space, and "
        "subtracting log 2 halves them.",
        concept=MERGE_CONCEPT,
    )
