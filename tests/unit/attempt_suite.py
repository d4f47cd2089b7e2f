"""Learners' attempts at the exercises, run through the real checks (issue 29).

An `Attempt` is the code a learner might type into a task's cell, right or wrong, with the verdict its check
must give and, for a failure, the key words its message must contain: the words that name the slip and its
fix, looked for in the cases' messages only (not in the code-level hint, which a report shows after a few
failed runs). A `test_attempts_<lesson>.py` lists its lesson's attempts and runs them with `run_attempt` (by task:
`task_params`, `assert_stubs_not_attempted`).

The code is compiled under a file name of its own, with its lines in `linecache`, so a check reports an
error by the learner's line, as it does for a notebook cell.
"""

from __future__ import annotations

import json
import linecache
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from exercise_code import ROOT, exercise

from course_utils.checks import FAILED, NOT_ATTEMPTED, PASSED, CheckReport
from course_utils.checks import runner as runner_module


@dataclass(frozen=True)
class Attempt:
    """A learner's code for one task, the verdict its check must give, and the key words of its message."""

    name: str
    code: str
    verdict: str
    says: tuple[str, ...] = ()
    slow: bool = False  # it trains a model for seconds
    defines: dict = field(default_factory=dict, compare=False)  # filled by `define`


def right(name: str, code: str, slow: bool = False) -> Attempt:
    """An answer the check must pass."""
    return Attempt(name, code, PASSED, slow=slow)


def wrong(name: str, code: str, *says: str, slow: bool = False) -> Attempt:
    """An answer the check must fail, saying each of `says` in the message of a failed case."""
    assert says, f"{name}: a wrong attempt names the key words its message must contain"
    return Attempt(name, code, FAILED, says, slow=slow)


def define(attempt: Attempt, prelude: str = "") -> dict:
    """Run the attempt's code (after `prelude`, the exercise's import cell) and return the names it defines."""
    source = textwrap.dedent(prelude) + "\n" + textwrap.dedent(attempt.code)
    filename = f"<attempt: {attempt.name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    namespace: dict = {"__name__": "learner_attempt"}
    exec(compile(source, filename, "exec"), namespace)
    return namespace


def params(attempts: list[Attempt]) -> list:
    """pytest parameters, one per attempt, named by it; those that train are marked slow."""
    names = [attempt.name for attempt in attempts]
    assert len(set(names)) == len(names), "each attempt has a name of its own"
    return [
        pytest.param(attempt, id=attempt.name, marks=[pytest.mark.slow] if attempt.slow else []) for attempt in attempts
    ]


# A task's attempts: its check, the names of the functions the check takes (in order), and the attempts.
Task = tuple[Callable[..., CheckReport], tuple[str, ...], list[Attempt]]


def task_params(tasks: list[Task]) -> list:
    """pytest parameters (check, names, attempt), one per attempt of every task, named "task: attempt"."""
    return [
        pytest.param(check, names, param.values[0], id=f"{'+'.join(names)}: {param.id}", marks=param.marks)
        for check, names, attempts in tasks
        for param in params(attempts)
    ]


def assert_stubs_not_attempted(stem: str, tasks: list[Task]) -> None:
    """Every task's check reports the unfinished exercise (`exercises/<stem>_exercise.ipynb`) as not attempted."""
    stubs = exercise(stem)
    for check, names, _ in tasks:
        report = check(*(stubs[name] for name in names))
        assert report.status == NOT_ATTEMPTED, str(report)


def named(attempts: list[Attempt], name: str) -> Attempt:
    """The attempt called `name`."""
    return next(attempt for attempt in attempts if attempt.name == name)


def failure_text(report: CheckReport) -> str:
    """What the failed cases say (without the idea and the code-level hint under them)."""
    return "\n".join(case.detail for case in report.cases if not case.passed)


def assert_verdict(report: CheckReport, attempt: Attempt) -> None:
    """The report gives the attempt's verdict; a failure says each key word and names the idea behind the task."""
    assert report.status == attempt.verdict, str(report)
    if attempt.verdict == FAILED:
        said = failure_text(report)
        for words in attempt.says:
            assert words in said, f"{words!r} missing from:\n{report}"
        assert report.concept and f"Idea: {report.concept}" in str(report), str(report)


def run_attempt(check: Callable[..., CheckReport], attempt: Attempt, prelude: str, *names: str) -> CheckReport:
    """Run `check` on the functions `names` that the attempt's code defines, and assert its verdict."""
    defined = define(attempt, prelude)
    report = check(*(defined[name] for name in names))
    assert_verdict(report, attempt)
    return report


def section_names(lesson: str) -> set[str]:
    """The section headings (## ...) of notebooks/<lesson>.ipynb, as the concept texts quote them."""
    cells = json.loads((ROOT / "notebooks" / f"{lesson}.ipynb").read_text())["cells"]
    text = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")
    return {line[3:].strip() for line in text.splitlines() if line.startswith("## ")}


def quoted_sections(concept: str) -> list[str]:
    """The section names a concept text quotes ('...' after 'section' or 'sections')."""
    found = re.findall(r"sections? ('[^']+'(?: and '[^']+')?)", concept)
    return [name for group in found for name in re.findall(r"'([^']+)'", group)]


def assert_quotes_sections_of(concept: str, *lessons: str) -> None:
    """The concept text quotes at least one section, and every section it quotes is a heading of one of `lessons`."""
    quoted = quoted_sections(concept)
    headings = set().union(*(section_names(lesson) for lesson in lessons))
    assert quoted and set(quoted) <= headings, f"{quoted} not all among the sections of {lessons}: {headings}"


def assert_first_failure_gives_the_idea_not_the_code(check: Callable[[], CheckReport], task: str) -> CheckReport:
    """A task's first failed run names the idea and where the lesson shows it, and withholds the code-level hint."""
    runner_module._failed_runs.pop(task, None)
    report = check()
    assert report.status == FAILED and report.task == task, str(report)
    text = str(report)
    assert f"Idea: {report.concept}" in text and "lesson 0" in report.concept
    assert report.hint and report.hint not in text and f"hint({task!r})" in text
    return report
