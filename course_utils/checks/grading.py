"""Grading one exercise task for a class (nbgrader): the learner's own check plus the instructor's hidden cases.

In the instructor's copy of an exercise (written by `tools/grading/nbgrader_course.py`), each
task's check cell keeps what the learner sees,

    check_run_one_direction(run_one_direction)

and gains a block that nbgrader removes from the learners' copies and puts back when it grades:

    ### BEGIN HIDDEN TESTS
    def hidden_run_one_direction(run_one_direction): ...   # extra cases the learner's check does not run
    grade("run_one_direction", hidden_run_one_direction(run_one_direction), points=4)
    ### END HIDDEN TESTS

`grade` shows the learner's check report (the same coaching messages as in class), runs the hidden
cases with the same runner (time limit, stubs read as "not attempted", errors pointing at the
learner's line; nothing saved to progress), shows their report and the points, and returns the
points: nbgrader reads a number as a cell's output as partial credit. The points are the task's
share of cases passed, the learner's check and the hidden cases counted alike; a task not
attempted, or whose check did not run, gets 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..display import show
from ..verdicts import NOT_ATTEMPTED
from .report import CheckReport
from .runner import last_report, run_cases

HIDDEN_SUFFIX = " (hidden cases)"  # the hidden cases' report is the task's name with this after it


@dataclass(frozen=True)
class TaskGrade:
    """A task's points, and the cases they come from."""

    task: str
    points: float
    max_points: float
    passed: int  # cases passed, the learner's check and the hidden cases together
    cases: int  # cases run or counted, both together
    hidden_passed: int
    hidden_cases: int

    def __str__(self) -> str:
        if not self.cases:
            return f"{self.task}: {self.points:g} of {self.max_points:g} points (not attempted)"
        return (
            f"{self.task}: {self.points:g} of {self.max_points:g} points ({self.passed} of {self.cases} cases "
            f"passed, {self.hidden_passed} of {self.hidden_cases} hidden cases among them)"
        )


def score(task: str, visible: CheckReport | None, hidden: CheckReport, hidden_count: int, points: float) -> TaskGrade:
    """The grade of `task` from its check's report (`visible`, None if the check did not run) and the hidden
    cases' report (`hidden`, from `hidden_count` cases), out of `points`."""
    if visible is None or visible.status == NOT_ATTEMPTED:
        return TaskGrade(task, 0.0, points, 0, 0, 0, 0)
    hidden_passed = 0 if hidden.status == NOT_ATTEMPTED else sum(case.passed for case in hidden.cases)
    hidden_cases = max(hidden_count, len(hidden.cases))
    passed = sum(case.passed for case in visible.cases) + hidden_passed
    cases = len(visible.cases) + hidden_cases
    return TaskGrade(task, round(points * passed / cases, 2), points, passed, cases, hidden_passed, hidden_cases)


def grade(task: str, hidden: Mapping[str, Callable[[], object]], points: float, *, slow: bool = False) -> float:
    """Show the learner's check report for `task` and the `hidden` cases' report, and return the task's points
    (out of `points`; see the module's docstring). slow: the hidden cases train a model (a longer time limit)."""
    if not isinstance(task, str) or not task:
        raise TypeError(f"task must be a task's name, such as 'encode_packed', got {task!r}")
    if not isinstance(hidden, Mapping) or not all(callable(case) for case in hidden.values()):
        raise TypeError(f"hidden must map case names to functions of no argument, got {type(hidden).__name__}")
    if isinstance(points, bool) or not isinstance(points, (int, float)) or not math.isfinite(points) or points <= 0:
        raise ValueError(f"points must be a positive number, got {points!r}")
    visible = last_report(task)
    hidden_report = run_cases(task + HIDDEN_SUFFIX, dict(hidden), slow=slow)
    result = score(task, visible, hidden_report, len(hidden), float(points))
    _show(visible if visible is not None else f"{task}: its check did not run in this notebook, so: 0 points")
    if result.cases:
        _show(hidden_report)
    _show(f"Grade for {result}")
    return result.points


def _show(item: object) -> None:
    """Print a line of text; display a report (its HTML in a kernel)."""
    if isinstance(item, str):
        print(item)
    else:
        show(item)
