"""A `Quiz`: one set of questions shown in a notebook, with its score, its two views and its saving.

A `Quiz` is one set of questions with two views: an ipywidgets form (built
lazily by `course_utils.quiz.widgets`) and a plain-text version
(`course_utils.quiz.text`), used wherever no widget front end runs. Both
views drive it through what `grading.ShownQuiz` names, grade with the one
function `grading.grade` and record into one `QuizState`; every answer
counted there is also saved to the learner's progress, as plain values
(`course_utils.learner.saving.save_answer`), so it outlives the kernel.

The quiz sits above its views and below the notebook entry points
(`course_utils.quiz.session`): it imports the views, they never import it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from ..learner.report import describe_try, earlier_tries
from ..learner.saving import FinalTestScore, save_answer
from ..prose import count, wrap_prose
from ..validation import short_repr
from .bank import DIFFICULTIES, FINAL_TEST
from .grading import QuizState, grade, reveal
from .text import format_question
from .values import Feedback, Question

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


class Quiz:
    """A set of questions shown as a widget form, with its text fallback as text/plain.

    Each quiz is one round of the saved progress: its answers are saved as
    they are graded, and `earlier` holds the latest try saved before it was
    built, per question (`notice` says why the progress could not be read, if so).
    The final test (`name` FINAL_TEST) is an assessment: it scores the first
    answer to each question (see `QuizState`); every other quiz is practice.
    """

    def __init__(self, name: str, title: str, questions: Iterable[Question], with_report: bool = False):
        self.name = name
        self.title = title
        self.questions = tuple(questions)
        self.with_report = with_report
        self.state = QuizState(self.questions, first_answer_only=name == FINAL_TEST)
        self.round = uuid.uuid4().hex
        self.earlier, notice = earlier_tries(q.id for q in self.questions)
        self.notice = notice or ""
        self._save_notices: set[str] = set()
        self._listeners: list[Callable[[], None]] = []
        self._widget: Any = None  # the ipywidgets form, built on first display

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise ValueError(
            f"question_id {short_repr(question_id)} is not in the quiz {self.name!r}; "
            f"its questions are {', '.join(q.id for q in self.questions)}"
        )

    def check(self, question_id: str, choice: str | None, save: bool = True) -> Feedback:
        """Grade `choice`, count it in the score, save it (unless `save` is False) and tell the views."""
        feedback = self._record(grade(self.question(question_id), choice), save)
        if feedback.correct and question_id not in self.state.scored:
            why = (
                "the answer was shown first" if question_id in self.state.revealed else "this test counts first answers"
            )
            return replace(feedback, message=f"{feedback.message} (Not scored: {why}.)")
        return feedback

    def show_answer(self, question_id: str) -> Feedback:
        """Reveal the answer (it no longer scores) and tell the views."""
        return self._record(reveal(self.question(question_id)), save=True)

    def on_change(self, callback: Callable[[], None]) -> None:
        """Call `callback()` whenever the score may have changed."""
        self._listeners.append(callback)

    def earlier_text(self, question_id: str) -> str:
        """How the question went in the latest earlier round, as a sentence; "" if it was never tried."""
        saved = self.earlier.get(question_id)
        return describe_try(saved) if saved else ""

    def _record(self, feedback: Feedback, save: bool) -> Feedback:
        if self.state.record(feedback) and save:
            notice = save_answer(feedback.question_id, self.round, feedback.status, self._final_test_score())
            if notice and notice not in self._save_notices:  # say it once per quiz, not on every click
                self._save_notices.add(notice)
                feedback = replace(feedback, notice=notice)
        for callback in self._listeners:
            callback()
        return feedback

    def _final_test_score(self) -> FinalTestScore | None:
        """The final test's score so far, to save with each of its answers; None for any other quiz."""
        if self.name != FINAL_TEST:
            return None
        by_topic = {row.notebook: (row.correct, row.asked) for row in self.state.by_topic()}
        return FinalTestScore(self.state.score, len(self.questions), by_topic)

    def text(self) -> str:
        """The text fallback: every question with its options, and how to answer."""
        counts = ", ".join(f"{sum(q.difficulty == d for q in self.questions)} {d}" for d in DIFFICULTIES)
        parts = [f"{self.title} ({count(len(self.questions), 'question')}: {counts})"]
        if self.notice:
            parts.append(wrap_prose(self.notice))
        parts += [
            format_question(q, number, self.earlier_text(q.id)) for number, q in enumerate(self.questions, start=1)
        ]
        first = self.questions[0].id
        how = (
            f'To answer in code: answer("{first}", "A") with the question id and a letter. '
            f'hint("{first}") gives a hint and show_answer("{first}") the worked answer.'
        )
        if self.state.first_answer_only:
            how += " Only your first answer to each question scores; later tries still say whether they are right."
        if self.with_report:
            how += " test_report() prints your score by topic."
        parts.append(wrap_prose(how))
        return "\n\n".join(parts)

    def widget(self) -> Any:
        """The ipywidgets form (built once)."""
        if self._widget is None:
            from .widgets import build_quiz_widget  # ipywidgets: imported when a form is first shown

            self._widget = build_quiz_widget(self)
        return self._widget

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": self.text()}
        if _in_kernel():
            bundle[WIDGET_MIME] = self.widget()._repr_mimebundle_()[WIDGET_MIME]
        return bundle

    def __repr__(self) -> str:
        return self.text()


def _in_kernel() -> bool:
    """True inside a Jupyter kernel, where a front end may render widgets."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None
