"""Small argument checks shared by every module, so errors read the same everywhere.

Each check raises a ValueError or TypeError that names the argument, what was
expected and what was given. Pure Python: the quiz uses these checks, and
importing them must not import torch. Checks of tensors live in
`course_utils.tensors`.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from typing import cast

REPR_LIMIT = 100  # the most characters of a value's repr an error message repeats


def describe(obj: object) -> str:
    """A short description of `obj` for error messages: dtype and shape for tensors, else type and repr.

    A long repr is cut to `REPR_LIMIT` characters, after the value's full size:
    "str of 1,000,000 characters 'xxxx...'", so a huge value is never echoed whole.
    """
    torch = sys.modules.get("torch")  # an object can only be a tensor once torch is imported
    if torch is not None and isinstance(obj, torch.Tensor):
        return f"a {obj.dtype} tensor of shape {tuple(obj.shape)}"
    text = repr(obj)
    if len(text) <= REPR_LIMIT:
        return f"{type(obj).__name__} {text}"
    return f"{_size(obj, text)} {text[:REPR_LIMIT]}..."


def short_repr(value: object) -> str:
    """`repr(value)`, or for a repr over `REPR_LIMIT` characters its start, "..." and the value's full size.

    For messages that repeat a learner's value as is: "got 'B'", but
    "got 'xxxx...' (str of 1,000,000 characters)" rather than a megabyte of text.
    """
    text = repr(value)
    return text if len(text) <= REPR_LIMIT else f"{text[:REPR_LIMIT]}... ({_size(value, text)})"


def _size(value: object, text: str) -> str:
    """The type and full size of a value whose repr `text` is too long to show: "list of 10,000 items"."""
    name = type(value).__name__
    if isinstance(value, str):
        return f"{name} of {len(value):,} characters"
    if isinstance(value, (bytes, bytearray)):
        return f"{name} of {len(value):,} bytes"
    try:
        return f"{name} of {len(value):,} items"  # type: ignore[arg-type]
    except Exception:  # no len(), or a len() that fails: say how long the repr is instead
        return f"{name} with a repr of {len(text):,} characters"


def check_int(name: str, value: object, minimum: int = 1) -> int:
    """Return `value` if it is an int >= `minimum` (bools rejected), else raise."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {describe(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def check_bool(name: str, value: object) -> bool:
    """Return `value` if it is True or False (not 0, 1 or None), else raise TypeError."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {describe(value)}")
    return value


def check_positive_number(name: str, value: object, allow_zero: bool = False) -> float:
    """Return `value` if it is a finite int or float > 0 (>= 0 with `allow_zero`; bools rejected), else raise."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number, got {describe(value)}")
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return value


def check_choice(name: str, value: object, choices: Sequence[str]) -> str:
    """Return `value` if it is one of `choices`, else raise ValueError listing them."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {describe(value)}")
    return cast(str, value)
