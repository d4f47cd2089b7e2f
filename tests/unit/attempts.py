"""Learners' attempts handed to a check as objects: their function or class, a stub, or the wrong thing.

`attempt_suite` runs attempts written as code; these are the same attempts given as what a learner hands the
check (so that one can be a result instead of a function, a model instead of its class, or the exercise's
own stub), with the words a failure's message must not contain as well (`never_says`):

    ATTEMPTS = [right("preallocated outputs", preallocated), wrong("relu", relu_cell, "nn.RNN uses tanh")]

    @pytest.mark.parametrize("attempt", params(ATTEMPTS))
    def test_each_attempt_gets_its_verdict(attempt):
        assert_answer(check_run_one_direction, attempt)

`stub_hints(stem)` reads the hints of an exercise's stubs, so that a suite can check that none hands over
the answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from attempt_suite import assert_verdict, failure_text
from attempt_suite import params as params
from exercise_code import ROOT

from course_utils.stubs import stub_hint
from course_utils.verdicts import FAILED, NOT_ATTEMPTED, PASSED

_STUB = re.compile(r"raise NotImplementedError\((?P<message>\".*\")\)")


@dataclass(frozen=True)
class Attempt:
    """One attempt: its name (the test id), what is handed to the check, the verdict, the words to find."""

    name: str
    answer: object
    verdict: str
    says: tuple[str, ...] = ()
    never_says: tuple[str, ...] = ()
    slow: bool = False  # it trains a model for seconds


def right(name: str, answer: object, slow: bool = False) -> Attempt:
    """An answer the check must pass."""
    return Attempt(name, answer, PASSED, slow=slow)


def wrong(name: str, answer: object, *says: str, never_says: Iterable[str] = (), slow: bool = False) -> Attempt:
    """An answer the check must fail, saying each of `says` (and none of `never_says`) in a failed case."""
    assert says, f"{name}: a wrong attempt names the key words its message must contain"
    return Attempt(name, answer, FAILED, tuple(says), tuple(never_says), slow)


def not_attempted(name: str, answer: object) -> Attempt:
    """An answer the check must report as not attempted yet (the exercise's own stub)."""
    return Attempt(name, answer, NOT_ATTEMPTED)


def assert_answer(check: Callable[[Any], Any], attempt: Attempt) -> None:
    """Hand the attempt's answer to `check` and assert the verdict and the words of its message."""
    report = check(attempt.answer)
    assert_verdict(report, attempt)  # type: ignore[arg-type]  # the same fields as attempt_suite's Attempt
    said = failure_text(report)
    for words in attempt.never_says:
        assert words not in said, f"{words!r} should not be in:\n{report}"
    assert "Traceback" not in str(report), str(report)


def stub_hints(stem: str) -> list[str]:
    """The hints of the stubs in `exercises/<stem>_exercise.ipynb`, in order."""
    cells = json.loads((ROOT / "exercises" / f"{stem}_exercise.ipynb").read_text())["cells"]
    sources = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
    hints = [stub_hint(json.loads(match["message"])) for source in sources for match in _STUB.finditer(source)]
    return [hint for hint in hints if hint is not None]
