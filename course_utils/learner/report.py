"""What the saved progress says: how a question went before, each lesson's progress, what to do next.

The reading side of the learner room. `earlier_tries` and `describe_try` give
a quiz, when it is built, the latest saved try of each of its questions as a
sentence ("Answered before (2026-05-03): right on the first try."); a fresh
store holds no try, so a notebook stored on one (as every notebook is, see the
README) shows no such line.

`progress_report(data, banks)` turns the content of the progress store into one
`LessonProgress` per lesson: the quiz questions whose latest try was right the
first time, the exercise checks passed, the lesson's score in the latest final
test (its first answers: `final_test_scores`), and what to revisit.
`ProgressReport` shows them as a table (text and HTML, through
`course_utils.tables`) under one sentence saying what to do next;
`course_utils.quiz.progress()` displays it, with a chart
(`course_utils.learner.chart`).

The lessons and their exercise checks come from the course manifest
(`course_utils.course`); the questions come in as `banks` ({bank name: a bank
with its `questions`}, the quiz's `BANKS`), since the quiz imports this room and
never the other way: a question here is anything with an `id`, a `notebook`
and a `topic`.
No torch.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from ..course import exercise_tasks, quiz_notebooks
from ..display import verdict_box
from ..prose import count, wrap_prose
from ..tables import html_table, text_table
from ..verdicts import FAILED, NOT_ATTEMPTED, PASSED, REVEALED, RIGHT
from .store import FIRST_ANSWER, Progress, load_progress

SavedTry = dict[str, Any]  # one entry of a question's "tries" in the progress file
# The checks of each lesson's exercise, by the task name their reports carry (`CheckReport.task`), from
# the course manifest: the view needs the totals without importing the checks, which import torch.
# tests/unit/test_checks_every_exercise.py keeps the manifest in step with the check cells of solutions/.
EXERCISE_CHECKS: dict[str, tuple[str, ...]] = exercise_tasks()
HEADER = ("lesson", "quiz right first time", "exercise checks passed", "latest final test", "to do")
TITLE = "Your progress (kept on this computer only)"


class QuestionLike(Protocol):
    """What the report needs of a quiz question (`course_utils.quiz.Question` is one)."""

    @property
    def id(self) -> str: ...

    @property
    def notebook(self) -> str: ...

    @property
    def topic(self) -> str: ...


Q = TypeVar("Q", bound=QuestionLike)
Q_co = TypeVar("Q_co", bound=QuestionLike, covariant=True)


class BankLike(Protocol[Q_co]):
    """What the report needs of a question bank (`course_utils.quiz.Bank` is one): its questions."""

    @property
    def questions(self) -> Sequence[Q_co]: ...


Banks = Mapping[str, BankLike[Q]]  # {bank name: bank}; a lesson's quiz is the bank named after its notebook


# ---- one question's earlier tries ---------------------------------------------------------------


def latest_tries(data: Progress, question_ids: Iterable[str]) -> dict[str, SavedTry]:
    """The latest saved try of each of `question_ids` that has one."""
    questions = data["questions"]
    return {qid: questions[qid]["tries"][-1] for qid in question_ids if questions.get(qid, {}).get("tries")}


def earlier_tries(question_ids: Iterable[str]) -> tuple[dict[str, SavedTry], str | None]:
    """`latest_tries` read from the store, and the store's notice (None if all went well)."""
    data, notice = load_progress()
    return latest_tries(data, question_ids), notice


def right_first_time(saved: SavedTry) -> bool:
    """True when the try began with the right answer (no wrong choice, answer not shown first)."""
    return saved["first"] == RIGHT


def describe_try(saved: SavedTry) -> str:
    """One sentence for a saved try, e.g. "Answered before (2026-05-03): right on the first try."."""
    if right_first_time(saved):
        how = "right on the first try"
    elif saved["first"] == REVEALED:
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


# ---- each lesson's progress ---------------------------------------------------------------------


@dataclass(frozen=True)
class LessonProgress:
    """One lesson's saved progress.

    quiz: the lesson quiz's size; right_first: its questions whose latest try was
    right the first time; unanswered: its questions never tried; to_review: the
    questions on this lesson (its quiz's and the final test's) whose latest try
    was not right the first time, oldest first; checks: the saved verdict of each
    exercise check ("" where it never ran); final_test: (right at the first
    answer, asked) on this lesson in the latest final test, or None.
    """

    notebook: str
    quiz: int
    right_first: int
    unanswered: int
    to_review: tuple[QuestionLike, ...]
    checks: dict[str, str]
    final_test: tuple[int, int] | None

    @property
    def checks_passed(self) -> int:
        return sum(status == PASSED for status in self.checks.values())

    @property
    def started(self) -> bool:
        """True once anything of this lesson is saved."""
        return (
            self.unanswered < self.quiz
            or bool(self.to_review)
            or any(self.checks.values())
            or self.final_test is not None
        )

    def to_do(self) -> list[str]:
        """What is left, most useful first: topics to revisit, questions to answer, checks to pass."""
        items = []
        if self.to_review:
            topics = dict.fromkeys(q.topic for q in self.to_review)  # in order, without repeats
            items.append(f"revisit {', '.join(topics)}")
        if self.unanswered:
            items.append(f"answer {count(self.unanswered, 'quiz question')}")
        failed = [task for task, status in self.checks.items() if status == FAILED]
        if failed:
            items.append(f"fix {', '.join(failed)}")
        open_checks = sum(status in ("", NOT_ATTEMPTED) for status in self.checks.values())
        if open_checks:
            items.append(f"pass {count(open_checks, 'exercise check')}")
        return items

    def row(self) -> list[str]:
        """The lesson's row of the table (see HEADER)."""
        final = "-" if self.final_test is None else f"{self.final_test[0]} / {self.final_test[1]}"
        to_do = "; ".join(self.to_do()) if self.started else "not started"
        return [
            self.notebook,
            f"{self.right_first} / {self.quiz}",
            f"{self.checks_passed} / {len(self.checks)}",
            final,
            to_do or "done",
        ]


def lesson_progress(data: Progress, banks: Banks[Q]) -> list[LessonProgress]:
    """One LessonProgress per lesson with a quiz, in course order, from the content of the progress store."""
    questions = _by_id(banks)
    latest = latest_tries(data, questions)
    review = questions_to_review(data, banks)
    final_tests = data["final_tests"]
    by_topic = final_test_scores(data, final_tests[-1], banks) if final_tests else {}
    lessons = []
    for notebook in quiz_notebooks():
        quiz = banks[notebook].questions
        tried = [latest[q.id] for q in quiz if q.id in latest]
        lessons.append(
            LessonProgress(
                notebook=notebook,
                quiz=len(quiz),
                right_first=sum(right_first_time(saved) for saved in tried),
                unanswered=len(quiz) - len(tried),
                to_review=tuple(q for q in review if q.notebook == notebook),
                checks={task: data["checks"].get(task, {}).get("status", "") for task in EXERCISE_CHECKS[notebook]},
                final_test=by_topic.get(notebook),
            )
        )
    return lessons


def final_test_scores(data: Progress, test: dict[str, Any], banks: Banks[Q]) -> dict[str, tuple[int, int]]:
    """{notebook: (right at the first answer, asked)} of one saved final test (an entry of "final_tests").

    An entry saved as `"scored": "first answer"` holds these counts. An older
    entry counted a question once it was right in the end; its first answers
    are counted again from the tries saved in its round (a try's `first`), so
    a test saved by an older version is shown by first answers too. Questions
    no longer in the bank count as not right.
    """
    if test.get("scored") == FIRST_ANSWER:
        return {name: (pair[0], pair[1]) for name, pair in test["by_topic"].items()}
    questions = _by_id(banks)
    right_first = Counter(
        questions[qid].notebook
        for qid, record in data["questions"].items()
        if qid in questions
        for saved in record["tries"]
        if saved["round"] == test["round"] and right_first_time(saved)
    )
    return {name: (min(right_first[name], pair[1]), pair[1]) for name, pair in test["by_topic"].items()}


def questions_to_review(data: Progress, banks: Banks[Q]) -> list[Q]:
    """The questions whose latest try was not right the first time (missed or looked up), oldest try first.

    Lesson quizzes and the final test alike; questions no longer in the bank are skipped.
    """
    questions = _by_id(banks)
    latest = latest_tries(data, questions)
    missed = [qid for qid, saved in latest.items() if not right_first_time(saved)]
    order = list(questions)
    missed.sort(key=lambda qid: (latest[qid]["at"], order.index(qid)))
    return [questions[qid] for qid in missed]


def _by_id(banks: Banks[Q]) -> dict[str, Q]:
    """Every question of `banks` by its id, in bank order."""
    return {q.id: q for bank in banks.values() for q in bank.questions}


@dataclass(frozen=True)
class ProgressReport:
    """The progress view: a sentence on what to do next, then one row per lesson (text and HTML)."""

    lessons: Sequence[LessonProgress]
    review: int  # how many questions review() can ask again
    notice: str = ""  # why the progress could not be read, if it could not

    @property
    def anything_saved(self) -> bool:
        return any(lesson.started for lesson in self.lessons)

    def next_step(self) -> str:
        """What to do next, in one or two sentences."""
        if not self.anything_saved:
            first = self.lessons[0].notebook
            return (
                f"Nothing saved yet. Start with notebooks/{first}.ipynb: work through it, answer its quiz, "
                f"then do exercises/{first}_exercise.ipynb. Your answers and check results are saved as you go."
            )
        # A lesson begun and not finished comes before one not begun (a learner may skip what they know).
        unfinished = [lesson for lesson in self.lessons if lesson.to_do()]
        begun = [lesson for lesson in unfinished if lesson.started]
        if not unfinished:
            step = (
                "Every quiz question right the first time and every exercise check passed. "
                "final_test(seed=1) draws a new test."
            )
        else:
            pending = (begun or unfinished)[0]
            step = f"Next: notebooks/{pending.notebook}.ipynb ({'; '.join(pending.to_do())})."
        if self.review:
            step += f" review() asks again the {count(self.review, 'question')} you missed or looked up."
        return step

    def rows(self) -> list[list[str]]:
        return [lesson.row() for lesson in self.lessons]

    def text(self) -> str:
        parts = [TITLE]
        if self.notice:
            parts.append(wrap_prose(self.notice))
        parts += [wrap_prose(self.next_step()), text_table(HEADER, self.rows())]
        return "\n\n".join(parts)

    def _repr_html_(self) -> str:
        notice = verdict_box("warning", html.escape(self.notice)) if self.notice else ""
        return (
            f"<div><b>{html.escape(TITLE)}</b>{notice}<p>{html.escape(self.next_step())}</p>"
            f"{html_table(HEADER, self.rows(), align_left=True)}</div>"
        )

    def __repr__(self) -> str:
        return self.text()


def progress_report(data: Progress, banks: Banks[Q], notice: str | None = None) -> ProgressReport:
    """The progress view of the content of the progress store (`notice`: the store's, if any)."""
    return ProgressReport(lesson_progress(data, banks), len(questions_to_review(data, banks)), notice or "")
