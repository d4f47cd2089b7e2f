"""Comparing a learner's result with the expected one: each helper raises `Mismatch` saying what differs.

* `expect_shape`, `expect_tensor`, `expect_equal`, `expect_pair`: the form and
  the values of a result.
* `expect_finite`: NaN and inf fail with a message of their own (they never
  pass a tolerance test, and "largest difference nan" explains nothing).
* `expect_close`: names the first wrong entry by its axes, with its expected and
  actual value, and recognises known mistakes by their result (`Mistake`).
* `explaining_errors`: recognises a known mistake by the error it raises.
* A float16 or bfloat16 result where float32 was expected is named as such when
  its values miss (`precision_note`), not only as a difference in the 4th digit.

The first wrong entry is found as the batch checks find a broken value
(`course_utils.batches.first_index` and `position`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import torch

from ..batches import first_index, position
from ..validation import short_repr
from .tracebacks import describe_error

# A known mistake: the result it produces (a tensor) or a test on the learner's
# result (a callable returning True when it recognises the mistake), and the
# sentence that explains it.
Mistake = tuple[torch.Tensor | Callable[[object], bool], str]

# Floating types whose rounding alone misses a float32 check's tolerance, with how many significant digits they keep.
_LOW_PRECISION = {torch.float16: "about 3", torch.bfloat16: "2 to 3"}


class Mismatch(AssertionError):
    """A case's result differs from what was expected; the message says how."""


def non_finite_message(what: str, value: float, where: str = "") -> str:
    """The sentence for a NaN or inf found in a result: what it is, where, and what usually causes it."""
    at = f" at {where}" if where else ""
    if math.isnan(value):
        return (
            f"the {what} holds NaN (not a number){at}: NaN comes from 0/0, inf - inf, the log or square root of a "
            "negative number, or from a NaN in what you computed it from"
        )
    return (
        f"the {what} holds {value}{at}: an infinity comes from dividing by 0, the log of 0, or exp of a large "
        "number (use log_softmax / logsumexp instead of log(softmax(...)))"
    )


def precision_note(got: object, expected_dtype: torch.dtype) -> str:
    """The sentence for a float16 or bfloat16 result where a wider float (float32) was expected, or ""."""
    if not isinstance(got, torch.Tensor) or got.dtype not in _LOW_PRECISION or not expected_dtype.is_floating_point:
        return ""
    if torch.finfo(expected_dtype).bits <= torch.finfo(got.dtype).bits:
        return ""
    return (
        f"Your result is {got.dtype}, which keeps only {_LOW_PRECISION[got.dtype]} significant digits, where "
        f"{expected_dtype} was expected: its rounding alone makes a difference this size. Compute in "
        f"{expected_dtype}: leave out .half() or .to({got.dtype}) (of the inputs and weights too); converting "
        "the result afterwards does not bring the lost digits back"
    )


def expect_finite(got: torch.Tensor, what: str = "result", axes: tuple[str, ...] = ()) -> None:
    """Raise Mismatch naming the first NaN or inf entry of a floating tensor `got` (by `axes` when given)."""
    if not (got.is_floating_point() or got.is_complex()) or got.numel() == 0:
        return
    bad = ~torch.isfinite(got.detach())
    if not bad.any():
        return
    index = first_index(bad)
    where = position(index, axes) if index else ""
    raise Mismatch(non_finite_message(what, float(got.detach()[index].real), where))


def expect_shape(got: object, shape: tuple, what: str = "result") -> None:
    """Raise Mismatch unless `got` is a tensor of shape `shape`."""
    if not isinstance(got, torch.Tensor):
        raise Mismatch(f"expected the {what} to be a tensor of shape {tuple(shape)}, got {type(got).__name__}")
    if tuple(got.shape) != tuple(shape):
        raise Mismatch(f"expected the {what} to have shape {tuple(shape)}, got {tuple(got.shape)}")


def expect_tensor(got: object, expected: torch.Tensor, what: str = "result", atol: float = 1e-6) -> None:
    """Raise Mismatch unless `got` is a tensor of `expected`'s shape and values (within `atol`); NaN and inf fail."""
    expect_shape(got, tuple(expected.shape), what)
    assert isinstance(got, torch.Tensor)  # for mypy: expect_shape has checked it
    if expected.numel() == 0:
        return
    if bool(torch.isfinite(expected).all()):
        expect_finite(got, what)
    gap = (got.detach().to(expected.dtype) - expected).abs().max().item()
    if not gap <= atol:
        note = precision_note(got, expected.dtype)
        raise Mismatch(
            f"the {what} has the right shape but wrong values (largest difference {gap:.3g}, allowed {atol:g})"
            + (f". {note}" if note else "")
        )


def expect_equal(got: object, expected: object, what: str = "result") -> None:
    """Raise Mismatch unless `got == expected` (plain Python values: ints, tuples, strings)."""
    if isinstance(got, float) and not math.isfinite(got):
        raise Mismatch(non_finite_message(what, got))
    if got != expected:
        raise Mismatch(f"expected the {what} to be {short_repr(expected)}, got {short_repr(got)}")


def expect_pair(result: object, what: str) -> tuple:
    """Return `result` if it is a tuple or list of two items, else raise Mismatch naming `what`."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        kind = f"a {type(result).__name__}" + (f" of {len(result)} items" if isinstance(result, (tuple, list)) else "")
        raise Mismatch(f"expected a pair {what}, got {kind}")
    return tuple(result)


def same_tensor(got: object, candidate: torch.Tensor, atol: float) -> bool:
    """True if `got` is a tensor of `candidate`'s shape with values within `atol`."""
    if not isinstance(got, torch.Tensor) or got.shape != candidate.shape:
        return False
    if candidate.numel() == 0:
        return True
    return bool(((got.detach().to(candidate.dtype) - candidate).abs() <= atol).all())


def recognise(got: object, mistakes: Iterable[Mistake], atol: float) -> str:
    """The explanation of the first mistake whose result `got` equals, or ""."""
    for candidate, explanation in mistakes:
        if isinstance(candidate, torch.Tensor):
            if same_tensor(got, candidate, atol):
                return explanation
        elif candidate(got):
            return explanation
    return ""


def expect_close(
    got: object,
    expected: torch.Tensor,
    what: str,
    axes: tuple[str, ...],
    atol: float = 1e-5,
    mistakes: Iterable[Mistake] = (),
) -> None:
    """Raise Mismatch unless `got` equals `expected` within `atol`.

    The message names the first wrong entry by `axes` (e.g. ("sequence",
    "step", "unit")), its expected and actual value, and explains the result
    when it is one of `mistakes`, or a float16/bfloat16 one (`precision_note`).
    """
    mistakes = list(mistakes)
    try:
        expect_shape(got, tuple(expected.shape), what)
        assert isinstance(got, torch.Tensor)  # for mypy: expect_shape has checked it
        if expected.numel() and bool(torch.isfinite(expected).all()):
            expect_finite(got, what, axes)  # NaN and inf get a message of their own
    except Mismatch as wrong:
        raise Mismatch(with_explanation(str(wrong), recognise(got, mistakes, atol))) from None
    assert isinstance(got, torch.Tensor)  # for mypy: expect_shape has checked it
    if expected.numel() == 0:
        return
    difference = (got.detach().to(expected.dtype) - expected).abs()
    wrong_entries = ~(difference <= atol)  # also catches NaN
    if not wrong_entries.any():
        return
    index = first_index(wrong_entries)
    message = (
        f"the {what} has the right shape {tuple(expected.shape)} but wrong values: at {position(index, axes)} "
        f"expected {float(expected[index]):.4f}, got {float(got.detach()[index]):.4f}"
    )
    raise Mismatch(with_explanation(message, recognise(got, mistakes, atol) or precision_note(got, expected.dtype)))


def with_explanation(message: str, explanation: str) -> str:
    """`message`, followed by `explanation` as a sentence of its own when there is one."""
    return f"{message}. {explanation}" if explanation else message


@contextmanager
def explaining_errors(explain: Callable[[Exception], str]) -> Iterator[None]:
    """Run the block; an error that `explain` recognises (it returns a sentence, else "") becomes a Mismatch.

    The Mismatch reads as `run_check` reports any error (its type, message and the line of the learner's
    code it came from), followed by the explanation. Other errors, and an exercise stub's
    NotImplementedError, pass through unchanged.
    """
    try:
        yield
    except NotImplementedError:
        raise
    except Exception as error:
        explanation = explain(error)
        if not explanation:
            raise
        raise Mismatch(with_explanation(describe_error(error), explanation)) from None
