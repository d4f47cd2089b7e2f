"""Tools the lesson checks share (public to the checks, not meant for notebooks).

* `seeded(seed)`: build a check's own layers and inputs from a fixed seed
  without touching the learner's random state.
* `expect_close`: compare a tensor result, name the first wrong entry with its
  expected and actual value, and recognise known mistakes by their result.
* `explaining_errors`: recognise a known mistake by the error it raises.
* `run_packed`: the packed run of an RNN on a padded batch, the reference of
  the variable-length checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .framework import Mismatch, describe_error, expect_finite, expect_shape, precision_note

# A known mistake: the result it produces (a tensor) or a test on the learner's
# result (a callable returning True when it recognises the mistake), and the
# sentence that explains it.
Mistake = tuple[torch.Tensor | Callable[[object], bool], str]


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run the block with torch's CPU generator seeded, then restore the learner's random state."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


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


def run_packed(
    rnn: nn.RNNBase, x: torch.Tensor, lengths: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor | tuple[torch.Tensor, torch.Tensor]]:
    """Run a batch-first `rnn` on the padded batch `x` `(N, L, H_in)` packed by `lengths` `(N,)` (CPU int64).

    Returns `(output, hidden)`: output `(N, L, D*H_out)` unpacked to all L steps with zeros at the pads, as
    `pad_packed_sequence(..., total_length=L)` gives it; hidden is the rnn's h_n, or an LSTM's (h_n, c_n).
    """
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    packed_output, hidden = rnn(packed)
    output = pad_packed_sequence(packed_output, batch_first=True, total_length=x.shape[1])[0]
    return output, hidden


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
    index = tuple(int(i) for i in wrong_entries.nonzero()[0])
    where = ", ".join(f"{axis} {i}" for axis, i in zip(axes, index))
    message = (
        f"the {what} has the right shape {tuple(expected.shape)} but wrong values: at [{where}] "
        f"expected {float(expected[index]):.4f}, got {float(got[index]):.4f}"
    )
    raise Mismatch(with_explanation(message, recognise(got, mistakes, atol) or precision_note(got, expected.dtype)))


def expect_pair(result: object, what: str) -> tuple:
    """Return `result` if it is a tuple or list of two items, else raise Mismatch naming `what`."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        kind = f"a {type(result).__name__}" + (f" of {len(result)} items" if isinstance(result, (tuple, list)) else "")
        raise Mismatch(f"expected a pair {what}, got {kind}")
    return tuple(result)


def with_explanation(message: str, explanation: str) -> str:
    """`message`, followed by `explanation` as a sentence of its own when there is one."""
    return f"{message}. {explanation}" if explanation else message
