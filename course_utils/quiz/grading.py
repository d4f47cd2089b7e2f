"""Grading and scores: `grade` and `reveal` give a `Feedback`, `QuizState` keeps the score.

Both views of a quiz (`course_utils.quiz.text`, `course_utils.quiz.widgets`)
grade with the one function `grade` and show one `QuizState`. What a view needs
of the quiz it shows is `ShownQuiz`: the orchestrator above the views
(`course_utils.quiz.orchestrator.Quiz`) is one, so a view never imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from ..validation import short_repr
from ..verdicts import MISSING, REVEALED, RIGHT, WRONG
from .bank import NOTEBOOK_BANKS
from .registry import BANKS
from .values import Feedback, Question, TopicScore


def grade(question: Question, choice: str | None) -> Feedback:
    """Grade `choice` (a letter such as "B", any case, or None) for `question`.

    None or "" gives a MISSING Feedback that asks for a choice; a letter that
    is not one of the question's options raises ValueError listing the valid ones.
    """
    letter = _normalise_choice(question, choice)
    if letter is None:
        return Feedback(
            question.id, None, MISSING, f"Choose an option first ({', '.join(question.letters)}), then check it."
        )
    if letter == question.correct:
        return Feedback(
            question.id, letter, RIGHT, f"Correct: {letter}. {question.option(letter)}", question.explanation
        )
    return Feedback(
        question.id,
        letter,
        WRONG,
        f"{letter} is not right. {question.misconceptions[letter]} Try another option, or ask for a hint.",
    )


def reveal(question: Question) -> Feedback:
    """The answer and its worked explanation, for "Show answer" (scores nothing)."""
    letter = question.correct
    return Feedback(
        question.id, letter, REVEALED, f"The answer is {letter}. {question.option(letter)}", question.explanation
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
        if feedback.status == REVEALED:
            news = qid not in self.revealed
            self.revealed.add(qid)
        elif feedback.status in (WRONG, RIGHT) and self._last_choice.get(qid) != feedback.choice:
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


class ShownQuiz(Protocol):
    """What a view needs of the quiz it shows: its questions and score, and the actions its buttons take.

    `course_utils.quiz.orchestrator.Quiz` is one. `check` grades a choice, counts and
    saves it; `show_answer` reveals the answer; both return the `Feedback` to show.
    `earlier_text` says how a question went in an earlier round ("" if never tried);
    `on_change` registers a callback for whenever the score may have changed.
    """

    @property
    def title(self) -> str: ...

    @property
    def notice(self) -> str: ...  # why the saved progress could not be read, if so

    @property
    def with_report(self) -> bool: ...  # True when the view offers the score by topic

    @property
    def questions(self) -> Sequence[Question]: ...

    @property
    def state(self) -> QuizState: ...

    def check(self, question_id: str, choice: str | None, save: bool = True) -> Feedback: ...

    def show_answer(self, question_id: str) -> Feedback: ...

    def earlier_text(self, question_id: str) -> str: ...

    def on_change(self, callback: Callable[[], None]) -> None: ...
