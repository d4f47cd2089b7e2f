"""Task 1: the forward-only ceiling at each step, against the exact values of `data.ceiling_by_position`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ...data import ceiling_by_position
from ..comparators import Mismatch, precision_note, with_explanation
from ..report import CheckReport
from ..runner import run_check
from .answers import real_numbers

# (seq_len, k) of each case
CEILING_CASES = {
    "L=10, k=2 (the course's data)": (10, 2),
    "one step: L=1, k=2": (1, 2),
    "L=3, k=2 (shorter than the window)": (3, 2),
    "L=6, k=3": (6, 3),
    "L=4, k=1": (4, 1),
}
CEILING_CONCEPT = (
    "a model that reads forwards has read steps 0..t when it labels step t, so only the right neighbours it has "
    "not read are uncertain, and the best it can do is bet on their most likely count (lesson 05, section "
    "'The forward-only model: same data, same budget')"
)
TOLERANCE = 1e-9  # the ceilings are exact fractions; a float answer is within rounding of them


def _ceiling_variants(seq_len: int, k: int) -> dict[str, list[float]]:
    """Per-step results of the usual slips, keyed by what each slip means."""
    n_classes = 2 * k + 1
    return {
        "Near the end fewer neighbours are unseen: at the last step none are, so a forward model can be sure "
        "there (1.0).": ceiling_by_position(seq_len + k, n_classes)[:seq_len],  # k unseen at every step
        "A forward model should guess the most likely count of the u unseen neighbours, not one fixed count: "
        "that is u // 2, right with probability C(u, u // 2) / 2**u.": [
            1 / 2 ** min(k, seq_len - 1 - t) for t in range(seq_len)
        ],
        # the backward-only model's ceilings
        "The past neighbours t-k..t-1 are already read by a forward model: "
        "only t+1..t+k are unseen.": ceiling_by_position(seq_len, n_classes)[::-1],
    }


def _slip(got: list[float], seq_len: int, k: int, expected: list[float]) -> str:
    """The explanation of the slip whose ceilings `got` equals, or ""."""
    for why, values in _ceiling_variants(seq_len, k).items():
        if values != expected and all(abs(a - b) <= TOLERANCE for a, b in zip(got, values)):
            return why
    return ""


def check_forward_ceiling_by_step(forward_ceiling_by_step: Callable[..., Any]) -> CheckReport:
    """Check `forward_ceiling_by_step(seq_len, k)` against the exact ceilings.

    The answer may be any sequence of real numbers: a list, tuple, NumPy array or 1-D tensor, of
    floats, ints or `Fraction`s.
    """

    def case(seq_len: int, k: int) -> Callable[[], str]:
        def run() -> str:
            answer = forward_ceiling_by_step(seq_len, k)
            got = real_numbers(answer, seq_len, "return every step's ceiling, not their mean")
            expected = ceiling_by_position(seq_len, n_classes=2 * k + 1)
            wrong = [t for t in range(seq_len) if abs(got[t] - expected[t]) > TOLERANCE]
            if wrong:
                t = wrong[0]
                message = f"at step {t} expected {expected[t]:.4f}, got {got[t]:.4f}"
                explanation = _slip(got, seq_len, k, expected) or precision_note(answer, torch.float32)
                raise Mismatch(with_explanation(message, explanation))
            return f"mean {sum(got) / seq_len:.3f}"

        return run

    return run_check(
        "forward_ceiling_by_step",
        {name: case(*args) for name, args in CEILING_CASES.items()},
        hint="at step t, u = min(k, L-1-t) right neighbours are unseen; each is on with probability "
        "1/2, so their count is Binomial(u, 1/2) and the best guess is right with probability "
        "max_j C(u, j) / 2**u.",
        concept=CEILING_CONCEPT,
    )
