"""A learner's answer read in any reasonable form: a sequence of real numbers, or a set of indices.

* `real_numbers(answer, count)`: a list, tuple, range, NumPy array, 1-D tensor or other
  iterable (a generator too) of real numbers (ints, floats, `Fraction`s, `Decimal`s, NumPy or 0-d torch
  scalars) as a list of floats; text, nested sequences, True/False, a dict or a set
  are refused with a message that says what was got and what to return instead.
* `indices(answer, n)`: a list, tuple or range of ints, a 1-D integer tensor or NumPy
  array, or a boolean mask of length n, as a list of ints; not a set or a generator, which
  cannot index a tensor.
"""

from __future__ import annotations

import numbers
import sys
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal

import torch

from ...validation import describe, short_repr
from ..comparators import Mismatch, non_finite_message


def _numpy_array(value: object) -> bool:
    numpy = sys.modules.get("numpy")  # a value can only be a NumPy array once NumPy is imported
    return numpy is not None and isinstance(value, numpy.ndarray)


def _as_tensor(value: object) -> torch.Tensor | None:
    """A tensor or NumPy array as a tensor (NumPy's object arrays as None: read item by item), else None."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if _numpy_array(value) and value.dtype.kind in "biuf":  # type: ignore[attr-defined]
        return torch.as_tensor(value)
    return None


def _container_problem(answer: object, wanted: str, once: bool = False) -> str:
    """Why `answer` is not a flat sequence (text, a dict, a set; an iterator unless `once`), or "".

    once: the answer is read once, so an iterator (a generator, a map) will do."""
    if isinstance(answer, (str, bytes)):
        return f"expected {wanted}, got the text {short_repr(answer)}: return numbers, not a string"
    if isinstance(answer, Mapping):
        return f"expected {wanted}, got a {type(answer).__name__}: return the values themselves, in order, as a list"
    if isinstance(answer, (set, frozenset)):
        return f"expected {wanted}, got a set, which keeps no order: return a list or a 1-D tensor"
    if isinstance(answer, Iterator) and not once:
        return (
            f"expected {wanted}, got a {type(answer).__name__}, which can be read only once: "
            "return a list (e.g. list(...) around it) or a 1-D tensor"
        )
    if not isinstance(answer, Iterable):
        return f"expected {wanted}, got {describe(answer)}"
    return ""


def _real(value: object, where: str) -> float:
    """`value` as a float when it is a real number, else raise Mismatch saying what it is."""
    if isinstance(value, torch.Tensor) or _numpy_array(value):
        tensor = _as_tensor(value)
        if tensor is None or tensor.dim() > 0:
            raise Mismatch(f"{where} holds {describe(value)}, a nested sequence: return one number per step, flat")
        if tensor.dtype == torch.bool or tensor.is_complex():
            raise Mismatch(f"{where} holds {describe(value)}: return a real number there")
        return float(tensor)
    if isinstance(value, bool):
        raise Mismatch(f"{where} holds {value!r}, a truth value: return a number there")
    if isinstance(value, (str, bytes)):
        raise Mismatch(f"{where} holds the text {short_repr(value)}: return numbers, not strings")
    if isinstance(value, (numbers.Real, Decimal)):
        return float(value)
    if isinstance(value, Iterable):
        raise Mismatch(f"{where} holds {describe(value)}, a nested sequence: return one number per step, flat")
    raise Mismatch(f"{where} holds {describe(value)}, which is not a real number")


def real_numbers(answer: object, count: int, single_number_note: str = "") -> list[float]:
    """`answer` as `count` finite floats, one per step, or raise Mismatch saying what is wrong with it.

    single_number_note: added to the message when `answer` is one number instead of a sequence.
    """
    wanted = f"a sequence of {count} numbers, one per step"
    tensor = _as_tensor(answer)
    is_number = isinstance(answer, (numbers.Real, Decimal)) and not isinstance(answer, bool)
    if is_number or (tensor is not None and tensor.dim() == 0 and tensor.dtype != torch.bool):
        message = f"expected {wanted}, got the single number {float(answer):.4f}"  # type: ignore[arg-type]
        raise Mismatch(f"{message}: {single_number_note}" if single_number_note else message)
    if tensor is not None:
        if tensor.dim() != 1:
            raise Mismatch(
                f"expected {wanted}, got {describe(tensor)} with {tensor.dim()} axes: return a 1-D sequence"
                + (" (.flatten() it, or return its only row)" if tensor.numel() == count else "")
            )
        if tensor.dtype == torch.bool or tensor.is_complex():
            raise Mismatch(f"expected {wanted}, got a {tensor.dtype} array: return real numbers")
        values = [float(v) for v in tensor.tolist()]
    else:
        problem = _container_problem(answer, wanted, once=True)
        if problem:
            raise Mismatch(problem)
        assert isinstance(answer, Iterable)  # for mypy: _container_problem has checked it
        values = [_real(value, f"step {t}") for t, value in enumerate(answer)]
    if len(values) != count:
        raise Mismatch(f"expected {count} values, one per step, got {len(values)}")
    for t, value in enumerate(values):
        if value != value or value in (float("inf"), float("-inf")):  # NaN passes every `abs(a - b) > tol` test
            raise Mismatch(non_finite_message("list", value, f"step {t}"))
    return values


def indices(answer: object, n: int, what: str) -> list[int]:
    """`answer` (the `what` part of a split of 0..n-1) as a list of ints, or raise Mismatch.

    Accepts a list, tuple or range of ints, a 1-D integer tensor or NumPy array, and a boolean mask
    of length n (its True positions).
    """
    wanted = f"the {what} as a list or 1-D tensor of indices"
    tensor = _as_tensor(answer)
    if tensor is None and isinstance(answer, (list, tuple)) and answer and all(isinstance(v, bool) for v in answer):
        tensor = torch.tensor(answer)
    if tensor is not None:
        if tensor.dim() != 1:
            raise Mismatch(f"expected {wanted}, got {describe(tensor)}: return a 1-D one")
        if tensor.dtype == torch.bool:
            if len(tensor) != n:
                raise Mismatch(
                    f"the {what} is a True/False mask of {len(tensor)} entries; a mask needs one per index, n={n}"
                )
            return torch.nonzero(tensor).flatten().tolist()
        if tensor.is_floating_point() or tensor.is_complex():
            raise Mismatch(
                f"the {what} holds {tensor.dtype} values: indices are whole numbers (an integer tensor, as "
                "torch.randperm gives)"
            )
        return [int(v) for v in tensor.tolist()]
    problem = _container_problem(answer, wanted)
    if problem:
        raise Mismatch(problem)
    assert isinstance(answer, Iterable)  # for mypy: _container_problem has checked it
    found = []
    for position, value in enumerate(answer):
        tensor = _as_tensor(value)
        if tensor is not None and tensor.dim() == 0 and not (tensor.is_floating_point() or tensor.dtype == torch.bool):
            value = int(tensor)
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise Mismatch(
                f"item {position} of the {what} is {describe(value)}: indices are whole numbers"
                + (" (int(...) of it, or an integer tensor)" if isinstance(value, (float, torch.Tensor)) else "")
            )
        found.append(int(value))
    return found
