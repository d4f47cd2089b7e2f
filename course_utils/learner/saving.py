"""Saving what the learner did, from plain values: a quiz answer, a final test's score, a check's verdict.

The quiz calls `save_answer` as it grades (the question's id, the round, the
outcome, and for the final test its score so far) and the checks call
`save_check_verdict` with their task and verdict; neither hands over an
object of its own, so this room never imports the quiz or the checks. The
words are those of `course_utils.verdicts`. Each call is one locked,
atomic update of the store (`course_utils.learner.store`); what could not be
saved comes back as a notice for the learner, never as an error.

A check run by a worked solution (a notebook in `solutions/`) is not saved:
running the solution is not solving the exercise. Each solution says what it
is in its first cell, `setup_notebook(worked_solution=True)`, which sets
WORKED_SOLUTION_ENV_VAR in its kernel (`course_utils.env`; an environment
variable, because this room never imports that torch-side module), so that
holds in any front end: JupyterLab, VS Code, nbclient, nbval. The exercise
generator writes `setup_notebook()` in the exercise, whose checks are saved.
Jupyter Server's JPY_SESSION_NAME (the notebook's path) is a second sign, for a
solution opened in a server before its first cell ran.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .store import Progress, now, record_answer, record_check, record_final_test, update_progress

# What a worked solution's first cell sets in its kernel (course_utils.env.setup_notebook, whose
# WORKED_SOLUTION_VARIABLE names the same variable: a test keeps the two equal).
WORKED_SOLUTION_ENV_VAR = "BIRNN_COURSE_WORKED_SOLUTION"


@dataclass(frozen=True)
class FinalTestScore:
    """A final test's score so far, counted by first answers: right, asked, and {notebook: (right, asked)}."""

    correct: int
    asked: int
    by_topic: Mapping[str, tuple[int, int]]


def save_answer(question_id: str, round_id: str, outcome: str, final_test: FinalTestScore | None = None) -> str | None:
    """Save one graded or shown answer (`outcome`: RIGHT, WRONG or REVEALED) in round `round_id`.

    final_test: the score of the final test the answer belongs to, saved with it in the same
    update (None for any other quiz). Returns why nothing was saved, or None.
    """
    at = now()

    def change(data: Progress) -> None:
        record_answer(data, question_id, round_id, outcome, at)
        if final_test is not None:
            by_topic = dict(final_test.by_topic)
            record_final_test(data, round_id, final_test.correct, final_test.asked, by_topic, at)

    return update_progress(change)


def save_check_verdict(task: str, verdict: str) -> str:
    """Save an exercise check's verdict (PASSED, FAILED or NOT_ATTEMPTED) under its task name.

    Returns why it could not be saved: "" when it was, or when a worked solution ran the check.
    """
    if running_a_solution():
        return ""
    at = now()
    return update_progress(lambda data: record_check(data, task, verdict, at)) or ""


def running_a_solution() -> bool:
    """True when the kernel runs a worked solution: its first cell said so (`setup_notebook(worked_solution=True)`
    sets WORKED_SOLUTION_ENV_VAR), or Jupyter Server named a notebook in a `solutions` folder."""
    if os.environ.get(WORKED_SOLUTION_ENV_VAR, "") not in ("", "0"):
        return True
    notebook = os.environ.get("JPY_SESSION_NAME", "")
    return bool(notebook) and Path(notebook).parent.name == "solutions"
