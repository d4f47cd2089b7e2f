"""Grading and scores: `grade` and `reveal` give a `Feedback`, `QuizState` keeps the score, `Quiz` shows both views.

A `Quiz` is one set of questions with two views: an ipywidgets form (built
lazily by `course_utils.quiz.widgets`) and a plain-text version
(`course_utils.quiz.text`), used wherever no widget front end runs. Both
views grade with the one function `grade` and record into one `QuizState`,
and every answer counted there is also saved to the learner's progress
(`course_utils.quiz.history`), so it outlives the kernel.

The bank is loaded and validated when this module is imported (see
`course_utils.quiz.bank`), so a broken bank file fails loudly at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from ..validation import short_repr
from .bank import DIFFICULTIES, FINAL_TEST, NOTEBOOK_BANKS, Question, load_banks
from .history import describe_try, earlier_tries, save_feedback
from .text import count, format_question, wrap_prose

BANKS = load_banks()
QUESTIONS = {q.id: q for bank in BANKS.values() for q in bank.questions}
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


@dataclass(frozen=True)
class Feedback:
    """The verdict on one choice.

    status is "missing" (nothing chosen), "wrong", "correct" or "revealed"
    (the learner asked for the answer); `explanation` holds the worked steps,
    given only once the question is answered right or revealed. `notice` says
    why the answer could not be saved to the learner's progress, if it could not.
    """

    question_id: str
    choice: str | None
    status: str
    message: str
    explanation: tuple[str, ...] = ()
    notice: str = ""

    @property
    def correct(self) -> bool:
        return self.status == "correct"


def grade(question: Question, choice: str | None) -> Feedback:
    """Grade `choice` (a letter such as "B", any case, or None) for `question`.

    None or "" gives a "missing" Feedback that asks for a choice; a letter that
    is not one of the question's options raises ValueError listing the valid ones.
    """
    letter = _normalise_choice(question, choice)
    if letter is None:
        return Feedback(
            question.id, None, "missing", f"Choose an option first ({', '.join(question.letters)}), then check it."
        )
    if letter == question.correct:
        return Feedback(
            question.id, letter, "correct", f"Correct: {letter}. {question.option(letter)}", question.explanation
        )
    return Feedback(
        question.id,
        letter,
        "wrong",
        f"{letter} is not right. {question.misconceptions[letter]} Try another option, or ask for a hint.",
    )


def reveal(question: Question) -> Feedback:
    """The answer and its worked explanation, for "Show answer" (scores nothing)."""
    letter = question.correct
    return Feedback(
        question.id, letter, "revealed", f"The answer is {letter}. {question.option(letter)}", question.explanation
    )


def _normalise_choice(question: Question, choice) -> str | None:
    if choice is None or (isinstance(choice, str) and not choice.strip()):
        return None
    letter = choice.strip().upper() if isinstance(choice, str) else None
    if letter is None or len(letter) != 1 or letter not in question.letters:
        raise ValueError(
            f"choice must be one of {', '.join(question.letters)} for question {question.id!r}, "
            f"got {short_repr(choice)}"
        )
    return letter


class QuizState:
    """Scores of one quiz: right in the end (practice) or right at the first answer (an assessment).

    A lesson quiz is practice: a question counts once it is answered right,
    after any number of tries. The final test is an assessment
    (`first_answer_only=True`): a question counts only if the first choice
    checked is right, so trying every option in turn scores nothing extra;
    `right_in_the_end` still says how many were solved. Either way, checking
    the same choice again is not a new attempt, and a question whose answer
    was shown before it was solved does not score.
    """

    def __init__(self, questions: Iterable[Question], first_answer_only: bool = False):
        self.questions = tuple(questions)
        self.first_answer_only = first_answer_only
        self._last_choice: dict[str, str | None] = {}
        self._attempts = {q.id: 0 for q in self.questions}
        self.solved: set[str] = set()  # answered right, in the end, without the answer shown first
        self.first_right: set[str] = set()  # answered right at the first answer (nothing shown or tried before)
        self.revealed: set[str] = set()
        self._begun: set[str] = set()  # questions with an attempt or a shown answer

    def record(self, feedback: Feedback) -> bool:
        """Count `feedback` from `grade` or `reveal` into the score; True if it is news (an attempt, a first reveal)."""
        qid = feedback.question_id
        if qid not in self._attempts:
            raise ValueError(f"question {qid!r} is not part of this quiz")
        news = False
        if feedback.status == "revealed":
            news = qid not in self.revealed
            self.revealed.add(qid)
        elif feedback.status in ("wrong", "correct") and self._last_choice.get(qid) != feedback.choice:
            self._last_choice[qid] = feedback.choice
            self._attempts[qid] += 1
            news = True
        if news and qid not in self._begun:
            self._begun.add(qid)
            if feedback.correct:
                self.first_right.add(qid)
        if feedback.correct and qid not in self.revealed:
            self.solved.add(qid)
        return news

    @property
    def scored(self) -> set[str]:
        """The questions that count in the score: `first_right` in an assessment, else `solved`."""
        return self.first_right if self.first_answer_only else self.solved

    @property
    def score(self) -> int:
        return len(self.scored)

    @property
    def right_in_the_end(self) -> int:
        """Questions answered right after any number of tries (without the answer shown first)."""
        return len(self.solved)

    @property
    def attempts(self) -> int:
        return sum(self._attempts.values())

    @property
    def scored_as(self) -> str:
        """What the score counts, for a table's header: "right first time" or "correct"."""
        return "right first time" if self.first_answer_only else "correct"

    def summary(self) -> str:
        """One line: "Score: 2 / 5 correct (3 attempts)", or in an assessment
        "Score: 1 / 5 right first time, 2 right in the end (3 attempts)"."""
        plural = "" if self.attempts == 1 else "s"
        score, tries = f"Score: {self.score} / {len(self.questions)}", f"({self.attempts} attempt{plural})"
        if self.first_answer_only:
            return f"{score} right first time, {self.right_in_the_end} right in the end {tries}"
        return f"{score} correct {tries}"

    def by_topic(self) -> list[TopicScore]:
        """The score of each notebook's topic that the quiz asks about, in course order."""
        rows = []
        for notebook in NOTEBOOK_BANKS:
            asked = [q for q in self.questions if q.notebook == notebook]
            if asked:
                correct = sum(q.id in self.scored for q in asked)
                rows.append(TopicScore(notebook, BANKS[notebook].title, correct, len(asked)))
        return rows

    def report(self) -> str:
        """The score per topic, and which notebooks to revisit."""
        lines = ["Score by topic" + (" (first answers)" if self.first_answer_only else ""), self.summary()]
        lines += [f"  {row.title:<48} {row.correct} / {row.asked}   {row.advice}" for row in self.by_topic()]
        return "\n".join(lines)


@dataclass(frozen=True)
class TopicScore:
    """One row of the score by topic: a notebook, its title, and the questions on it."""

    notebook: str
    title: str
    correct: int
    asked: int

    @property
    def advice(self) -> str:
        if self.correct == self.asked:
            return "well done"
        return f"revisit notebooks/{self.notebook}.ipynb"


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
            notice = save_feedback(self, feedback)
            if notice and notice not in self._save_notices:  # say it once per quiz, not on every click
                self._save_notices.add(notice)
                feedback = replace(feedback, notice=notice)
        for callback in self._listeners:
            callback()
        return feedback

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
            from .widgets import build_quiz_widget

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
