"""Claim lines: print what the prose claims from a measurement as one stable line.

A trained number or a timing differs a little from machine to machine, so a
notebook shows it in a cell whose output is not compared, and states what it
concludes in a claim cell below:

    claim("bidirectional >= 0.90 on every seed", min(scores) >= 0.90)

prints `bidirectional >= 0.90 on every seed: True`, a line that is the same on
every machine as long as the claim holds, and that the notebook tests compare.
As a cell's last line write `_ = claim(...)`: the returned bool would
otherwise show as a second output (a trailing `;` does not hide it from nbval).
Pure Python: torch and NumPy are only looked at if they are already imported.
"""

from __future__ import annotations

import sys

from .validation import describe


def claim(text: str, condition: object) -> bool:
    """Print `f"{text}: {condition}"` and return the condition as a bool.

    condition: a bool, a NumPy bool, or a 0-d bool tensor (e.g. `(a > b).all()`).
    Anything else (a number, a list, a tensor of several values) raises
    TypeError, so that a claim line can only ever read True or False for a
    reason the code states.
    """
    if not isinstance(text, str) or not text.strip():
        raise TypeError(f"text must be a non-empty str that states the claim, got {describe(text)}")
    if not _is_truth_value(condition):
        raise TypeError(
            f"the condition of the claim {text!r} must be a bool (or a NumPy bool, or a 0-d bool tensor "
            f"such as (a > b).all()), got {describe(condition)}"
        )
    verdict = bool(condition)
    print(f"{text}: {verdict}")
    return verdict


def _is_truth_value(condition: object) -> bool:
    """True for a bool, a NumPy bool (scalar or 0-d array) or a 0-d torch bool tensor."""
    if isinstance(condition, bool):
        return True
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        if isinstance(condition, numpy.bool_):
            return True
        if isinstance(condition, numpy.ndarray):
            return condition.ndim == 0 and condition.dtype == numpy.bool_
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(condition, torch.Tensor):
        return condition.dim() == 0 and condition.dtype == torch.bool
    return False
