"""Claim lines: print what the prose claims from a measurement as one stable line.

A trained number or a timing differs a little from machine to machine, so a
notebook shows it in a cell whose output is not compared, and states what it
concludes in a claim cell below. A claim that compares a measurement with a
bound says both, so that its margin can be measured:

    claim_at_least("bidirectional >= 0.90 on every seed", min(scores), 0.90)

prints `bidirectional >= 0.90 on every seed: True`, a line that is the same on
every machine as long as the claim holds, and that the notebook tests compare.
`claim_above`, `claim_at_most` and `claim_below` are the other relations; the
bound may be a measurement too (`claim_above("the merge beats d = 0", merged,
forward)`). `claim(text, condition)` states a claim with no number to measure
it by (an order, an equality, a count of a kind).

As a cell's last line write `_ = claim(...)`: the returned bool would
otherwise show as a second output (a trailing `;` does not hide it from nbval).

`print_error(action)` is the claim line of an error: it prints the error a
learner will meet as one stable line, `TypeName: message` (or `no error raised`),
instead of a traceback.

Margins: where the environment variable CLAIMS_LOG_ENV_VAR names a file, every
claim also appends one JSON line to it (text, verdict and, for the compared
claims, relation, value, bound and margin: how far the value is on the right
side of the bound, negative when the claim fails). `python -m tools.claim_margins`
runs the notebooks several ways and reports the spread of each margin.
Pure Python: torch and NumPy are only looked at if they are already imported.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import stat
import sys
from collections.abc import Callable

from .validation import describe

CLAIMS_LOG_ENV_VAR = "BIRNN_COURSE_CLAIMS_LOG"
# relation: (test, margin: how far value lies on the right side of bound)
RELATIONS = {
    ">=": (lambda value, bound: value >= bound, lambda value, bound: value - bound),
    ">": (lambda value, bound: value > bound, lambda value, bound: value - bound),
    "<=": (lambda value, bound: value <= bound, lambda value, bound: bound - value),
    "<": (lambda value, bound: value < bound, lambda value, bound: bound - value),
}


def claim(text: str, condition: object) -> bool:
    """Print `f"{text}: {condition}"` and return the condition as a bool.

    condition: a bool, a NumPy bool, or a 0-d bool tensor (e.g. `(a > b).all()`).
    Anything else (a number, a list, a tensor of several values) raises
    TypeError, so that a claim line can only ever read True or False for a
    reason the code states. For a measurement against a bound, use
    `claim_at_least` and its siblings instead: they record the margin.
    """
    _check_text(text)
    if not _is_truth_value(condition):
        raise TypeError(
            f"the condition of the claim {text!r} must be a bool (or a NumPy bool, or a 0-d bool tensor "
            f"such as (a > b).all()), got {describe(condition)}"
        )
    return _state(text, bool(condition), {})


def print_error(action: Callable[[], object]) -> None:
    """Run `action()` and print the error it raises as `TypeName: message`, or that it raised none.

    Notebooks use it to show an error a learner will meet, without a long
    traceback: `print_error(lambda: rnn(x_2d))`.
    """
    if not callable(action):
        raise TypeError(f"action must be a function to call, e.g. lambda: rnn(x_2d), got {describe(action)}")
    try:
        action()
    except Exception as error:  # showing the error is the point
        print(f"{type(error).__name__}: {error}")
    else:
        print("no error raised")


def claim_at_least(text: str, value: object, bound: object) -> bool:
    """Claim `value >= bound` (two real numbers); print the claim line and record the margin `value - bound`."""
    return _compare(text, value, ">=", bound)


def claim_above(text: str, value: object, bound: object) -> bool:
    """Claim `value > bound` (two real numbers); print the claim line and record the margin `value - bound`."""
    return _compare(text, value, ">", bound)


def claim_at_most(text: str, value: object, bound: object) -> bool:
    """Claim `value <= bound` (two real numbers); print the claim line and record the margin `bound - value`."""
    return _compare(text, value, "<=", bound)


def claim_below(text: str, value: object, bound: object) -> bool:
    """Claim `value < bound` (two real numbers); print the claim line and record the margin `bound - value`."""
    return _compare(text, value, "<", bound)


def _compare(text: str, value: object, relation: str, bound: object) -> bool:
    _check_text(text)
    value_number, bound_number = _real(text, "value", value), _real(text, "bound", bound)
    holds, margin = RELATIONS[relation]
    record = {"relation": relation, "value": value_number, "bound": bound_number}
    record["margin"] = margin(value_number, bound_number)
    return _state(text, bool(holds(value_number, bound_number)), record)


def _state(text: str, verdict: bool, record: dict) -> bool:
    """Print the claim line, append it to the claims log if one is named, return the verdict."""
    print(f"{text}: {verdict}")
    log = os.environ.get(CLAIMS_LOG_ENV_VAR)
    if log:
        _append(log, {"text": text, "verdict": verdict, **record})
    return verdict


def _append(path: str, record: dict) -> None:
    """Append one JSON line to the claims log at `path`: a regular file or a new one, nothing else."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        raise ValueError(
            f"{CLAIMS_LOG_ENV_VAR} names {path}, which is not a regular file: point it at a new file "
            "(tools.claim_margins does), or unset it"
        )
    with open(path, "a", encoding="utf-8") as file:
        file.write(json.dumps(record) + "\n")


def _check_text(text: object) -> None:
    if not isinstance(text, str) or not text.strip():
        raise TypeError(f"text must be a non-empty str that states the claim, got {describe(text)}")


def _real(text: str, name: str, number: object) -> float:
    """`number` as a float: an int or float (not a bool), a NumPy real scalar or a 0-d real tensor."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(number, torch.Tensor):
        if number.dim() == 0 and number.dtype != torch.bool and not number.dtype.is_complex:
            number = number.item()  # any other tensor is refused below
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(number, numpy.ndarray) and number.ndim == 0:
        number = number.item()
    if isinstance(number, bool) or not isinstance(number, numbers.Real):
        raise TypeError(
            f"the {name} of the claim {text!r} must be a real number (an int, a float, a NumPy scalar or a 0-d "
            f"tensor; write min(scores) for 'every score'), got {describe(number)}"
        )
    result = float(number)
    if math.isnan(result):
        raise ValueError(f"the {name} of the claim {text!r} is NaN: a measurement that failed cannot be claimed")
    return result


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
