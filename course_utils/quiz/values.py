"""The quiz's values: a question, a bank of them, and what grading gives back. Nothing here loads or shows.

Every other room of the quiz builds on these: `bank` fills `Question` and
`Bank` from the bank files, `grading` turns a choice into a `Feedback` and a
score into `TopicScore` rows, and the two views (`text`, `widgets`) show them.
A `Feedback.status` is one of the answer outcomes of `course_utils.verdicts`
(RIGHT, WRONG, REVEALED), or MISSING when nothing was chosen: the same words
the progress store saves, so nothing translates between them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..verdicts import RIGHT

LETTERS = "ABCDEF"  # options are lettered in the order stored


@dataclass(frozen=True)
class Question:
    """One multiple-choice question; `correct` is a letter (A, B, ...) into `options`."""

    id: str
    notebook: str
    topic: str
    difficulty: str
    prompt: str
    options: tuple[str, ...]
    correct: str
    explanation: tuple[str, ...]
    hint: str
    misconceptions: dict = field(compare=False)  # {wrong letter: what choosing it reveals}
    code: str | None = None
    verify: str | None = None
    expect: str | None = None

    @property
    def letters(self) -> str:
        """The letters of this question's options, e.g. "ABCD"."""
        return LETTERS[: len(self.options)]

    def option(self, letter: str) -> str:
        """The text of the option with this letter."""
        return self.options[self.letters.index(letter)]


@dataclass(frozen=True)
class Bank:
    """The questions of one bank file (a notebook's quiz or the final test)."""

    name: str
    title: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Feedback:
    """The verdict on one choice.

    status is MISSING (nothing chosen), WRONG, RIGHT or REVEALED (the learner
    asked for the answer), the words of `course_utils.verdicts`; `explanation`
    holds the worked steps, given only once the question is answered right or
    revealed. `notice` says why the answer could not be saved to the learner's
    progress, if it could not.
    """

    question_id: str
    choice: str | None
    status: str
    message: str
    explanation: tuple[str, ...] = ()
    notice: str = ""

    @property
    def correct(self) -> bool:
        """True when the choice is the answer (status RIGHT)."""
        return self.status == RIGHT


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
