"""Checks for the exercises: they coach instead of crash.

A check runs a learner's function on a few named cases and reports, in plain
words, what passed, what failed (expected vs got, for which input) and a hint.
An unfinished stub (it raises NotImplementedError) is reported as
"not attempted yet"; any other exception becomes a failed case with its
message, never a traceback.

Each exercise's check is a function here (e.g. `check_reverse_time(fn)`)
built from `run_check` and the `expect_*` helpers.
"""

from __future__ import annotations

import html
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

PASSED, FAILED, NOT_ATTEMPTED = "passed", "failed", "not attempted yet"


class Mismatch(AssertionError):
    """A case's result differs from what was expected; the message says how."""


@dataclass
class CaseResult:
    name: str
    passed: bool
    detail: str = ""


@dataclass
class CheckReport:
    """The outcome of one exercise's check; shows as plain text (and HTML in Jupyter)."""

    task: str
    status: str
    cases: list[CaseResult] = field(default_factory=list)
    hint: str = ""

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def lines(self) -> list[str]:
        if self.status == NOT_ATTEMPTED:
            return [
                f"{self.task}: not attempted yet. Replace the `raise NotImplementedError` "
                "line(s) with your code, then run this cell again."
            ]
        n_ok = sum(c.passed for c in self.cases)
        verdict = "all passed, well done!" if self.passed else f"{n_ok} of {len(self.cases)} cases passed"
        lines = [f"{self.task}: {verdict}"]
        lines += [
            f"  [{'ok' if c.passed else 'FAIL'}] {c.name}" + (f": {c.detail}" if c.detail else "") for c in self.cases
        ]
        if not self.passed and self.hint:
            lines.append(f"  Hint: {self.hint}")
        return lines

    def __str__(self) -> str:
        return "\n".join(self.lines())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = {PASSED: "#1a7f37", FAILED: "#cf222e", NOT_ATTEMPTED: "#6e7781"}[self.status]
        body = "<br>".join(html.escape(line).replace("  ", "&nbsp;&nbsp;") for line in self.lines())
        return f"<div style='border-left: 4px solid {colour}; padding-left: 8px; font-family: monospace'>{body}</div>"


def run_check(task: str, cases: dict[str, Callable[[], None]], hint: str = "") -> CheckReport:
    """Run each named case (a function that raises `Mismatch` on a wrong result).

    A case that passes and returns a string shows it as a note (e.g. the
    accuracy it measured). A NotImplementedError from any case means the
    learner has not started: the report says "not attempted yet" and runs no
    further cases.
    """
    results = []
    for name, case in cases.items():
        try:
            note = case()
        except NotImplementedError:
            return CheckReport(task, NOT_ATTEMPTED, hint=hint)
        except Mismatch as wrong:
            results.append(CaseResult(name, False, str(wrong)))
        except Exception as error:  # a learner's bug: report it, do not crash the notebook
            where = traceback.extract_tb(error.__traceback__)[-1]
            results.append(
                CaseResult(
                    name, False, f"your code raised {type(error).__name__}: {error} (line {where.lineno}: {where.line})"
                )
            )
        else:
            results.append(CaseResult(name, True, note if isinstance(note, str) else ""))
    status = PASSED if all(r.passed for r in results) else FAILED
    return CheckReport(task, status, results, hint)


def expect_tensor(got: object, expected: torch.Tensor, what: str = "result", atol: float = 1e-6) -> None:
    """Raise Mismatch unless `got` is a tensor of `expected`'s shape and values (within `atol`)."""
    if not isinstance(got, torch.Tensor):
        raise Mismatch(f"expected the {what} to be a tensor of shape {tuple(expected.shape)}, got {type(got).__name__}")
    if got.shape != expected.shape:
        raise Mismatch(f"expected the {what} to have shape {tuple(expected.shape)}, got {tuple(got.shape)}")
    gap = (got.detach().to(expected.dtype) - expected).abs().max().item() if expected.numel() else 0.0
    if not gap <= atol:
        raise Mismatch(
            f"the {what} has the right shape but wrong values (largest difference {gap:.3g}, allowed {atol:g})"
        )


def expect_equal(got: object, expected: object, what: str = "result") -> None:
    """Raise Mismatch unless `got == expected` (plain Python values: ints, tuples, strings)."""
    if got != expected:
        raise Mismatch(f"expected the {what} to be {expected!r}, got {got!r}")


def print_error(action: Callable[[], object]) -> None:
    """Run `action()` and print the error it raises as `TypeName: message`, or that it raised none.

    Notebooks use it to show an error a learner will meet, without a long
    traceback: `print_error(lambda: rnn(x_2d))`.
    """
    try:
        action()
    except Exception as error:  # showing the error is the point
        print(f"{type(error).__name__}: {error}")
    else:
        print("no error raised")
