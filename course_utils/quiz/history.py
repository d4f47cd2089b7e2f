"""A quiz's link to the saved progress: it saves each answer as it is graded and reads the earlier tries.

Every shown quiz is a *round* (see `course_utils.progress_store`). When it is
built it reads, once, the latest saved try of each of its questions, so both
views can say "Answered before (2026-05-03): right on the first try." for a
question met in an earlier kernel or on another day. A fresh store holds no
try, so a notebook stored on one (as every notebook is, see the README) shows
no such line.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..progress_store import Progress, load_progress, now, record_answer, record_final_test, update_progress
from .bank import FINAL_TEST

if TYPE_CHECKING:  # grading imports this module; the names are needed for annotations only
    from .grading import Feedback, Quiz

SavedTry = dict[str, Any]  # one entry of a question's "tries" in the progress file
# Feedback.status -> the outcome the store keeps ("missing" is no answer and is not saved).
OUTCOMES = {"correct": "right", "wrong": "wrong", "revealed": "revealed"}


def latest_tries(data: Progress, question_ids: Iterable[str]) -> dict[str, SavedTry]:
    """The latest saved try of each of `question_ids` that has one."""
    questions = data["questions"]
    return {qid: questions[qid]["tries"][-1] for qid in question_ids if questions.get(qid, {}).get("tries")}


def earlier_tries(question_ids: Iterable[str]) -> tuple[dict[str, SavedTry], str | None]:
    """`latest_tries` read from the store, and the store's notice (None if all went well)."""
    data, notice = load_progress()
    return latest_tries(data, question_ids), notice


def save_feedback(quiz: Quiz, feedback: Feedback) -> str | None:
    """Save a graded or shown answer of `quiz` (and the final test's first-answer score); returns a notice or None."""
    at = now()

    def change(data: Progress) -> None:
        record_answer(data, feedback.question_id, quiz.round, OUTCOMES[feedback.status], at)
        if quiz.name == FINAL_TEST:
            by_topic = {row.notebook: (row.correct, row.asked) for row in quiz.state.by_topic()}
            record_final_test(data, quiz.round, quiz.state.score, len(quiz.questions), by_topic, at)

    return update_progress(change)


def right_first_time(saved: SavedTry) -> bool:
    """True when the try began with the right answer (no wrong choice, answer not shown first)."""
    return saved["first"] == "right"


def describe_try(saved: SavedTry) -> str:
    """One sentence for a saved try, e.g. "Answered before (2026-05-03): right on the first try."."""
    if right_first_time(saved):
        how = "right on the first try"
    elif saved["first"] == "revealed":
        how = "the answer was shown before any choice"
    elif saved["right"]:
        how = "wrong at first, then right"
    elif saved["revealed"]:
        how = "wrong at first, then the answer was shown"
    else:
        how = "wrong, and not yet answered right"
    return f"Answered before ({local_date(saved['at'])}): {how}."


def local_date(at: str) -> str:
    """A stored UTC time as the learner's local date, e.g. "2026-05-03"."""
    return datetime.fromisoformat(at).astimezone().date().isoformat()
