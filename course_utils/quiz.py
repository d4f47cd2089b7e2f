"""The course's quizzes: grading, scores, the text fallback, and the notebook entry points.

In a notebook, one call shows a quiz: `quiz("02_shapes")`, or `final_test()`
for the closing test. The same object carries two views: an ipywidgets form
(choose, Check, Hint, Show answer, a running score) and a plain-text version
used wherever no widget front end runs (a terminal, nbconvert, nbval). In
text, `answer("02-output-shape", "B")` grades one question, `hint(...)` and
`show_answer(...)` do what the buttons do, and `test_report()` prints the final
test's score by topic. Both views grade with the one function `grade`.

The bank is loaded and validated when this module is imported (see
`course_utils.quiz_bank`), so a broken bank file fails loudly at once.
"""

from __future__ import annotations

import random
import textwrap
from dataclasses import dataclass, replace

from .quiz_bank import DIFFICULTIES, FINAL_TEST, NOTEBOOK_BANKS, Question, load_banks
from .validation import check_int

BANKS = load_banks()
QUESTIONS = {q.id: q for bank in BANKS.values() for q in bank.questions}
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
TEXT_WIDTH = 88

# The quizzes shown in this session, by name ("02_shapes", "final_test"), so
# that answer() records into the same score as the widget the learner sees.
_ACTIVE: dict[str, "Quiz"] = {}


@dataclass(frozen=True)
class Feedback:
    """The verdict on one choice.

    status is "missing" (nothing chosen), "wrong", "correct" or "revealed"
    (the learner asked for the answer); `explanation` holds the worked steps,
    given only once the question is answered right or revealed.
    """

    question_id: str
    choice: str | None
    status: str
    message: str
    explanation: tuple[str, ...] = ()

    @property
    def correct(self) -> bool:
        return self.status == "correct"


def grade(question: Question, choice) -> Feedback:
    """Grade `choice` (a letter such as "B", any case, or None) for `question`.

    None or "" gives a "missing" Feedback that asks for a choice; a letter that
    is not one of the question's options raises ValueError listing the valid ones.
    """
    letter = _normalise_choice(question, choice)
    if letter is None:
        return Feedback(question.id, None, "missing",
                        f"Choose an option first ({', '.join(question.letters)}), then check it.")
    if letter == question.correct:
        return Feedback(question.id, letter, "correct", f"Correct: {letter}. {question.option(letter)}",
                        question.explanation)
    return Feedback(question.id, letter, "wrong",
                    f"{letter} is not right. {question.misconceptions[letter]} "
                    "Try another option, or ask for a hint.")


def reveal(question: Question) -> Feedback:
    """The answer and its worked explanation, for "Show answer" (scores nothing)."""
    letter = question.correct
    return Feedback(question.id, letter, "revealed", f"The answer is {letter}. {question.option(letter)}",
                    question.explanation)


def _normalise_choice(question: Question, choice) -> str | None:
    if choice is None or (isinstance(choice, str) and not choice.strip()):
        return None
    letter = choice.strip().upper() if isinstance(choice, str) else None
    if letter is None or len(letter) != 1 or letter not in question.letters:
        raise ValueError(
            f"choice must be one of {', '.join(question.letters)} for question {question.id!r}, got {choice!r}"
        )
    return letter


class QuizState:
    """Scores of one quiz: a question counts once, when first answered right.

    Checking the same choice again is not a new attempt, and a question whose
    answer was shown before it was solved does not score.
    """

    def __init__(self, questions):
        self.questions = tuple(questions)
        self._last_choice: dict[str, str] = {}
        self._attempts = {q.id: 0 for q in self.questions}
        self.solved: set[str] = set()
        self.revealed: set[str] = set()

    def record(self, feedback: Feedback) -> None:
        """Count `feedback` from `grade` or `reveal` into the score."""
        qid = feedback.question_id
        if qid not in self._attempts:
            raise ValueError(f"question {qid!r} is not part of this quiz")
        if feedback.status == "revealed":
            self.revealed.add(qid)
        elif feedback.status in ("wrong", "correct") and self._last_choice.get(qid) != feedback.choice:
            self._last_choice[qid] = feedback.choice
            self._attempts[qid] += 1
        if feedback.correct and qid not in self.revealed:
            self.solved.add(qid)

    @property
    def score(self) -> int:
        return len(self.solved)

    @property
    def attempts(self) -> int:
        return sum(self._attempts.values())

    def summary(self) -> str:
        """One line such as "Score: 2 / 5 correct (3 attempts)"."""
        plural = "" if self.attempts == 1 else "s"
        return f"Score: {self.score} / {len(self.questions)} correct ({self.attempts} attempt{plural})"

    def by_topic(self) -> list[TopicScore]:
        """The score of each notebook's topic that the quiz asks about, in course order."""
        rows = []
        for notebook in NOTEBOOK_BANKS:
            asked = [q for q in self.questions if q.notebook == notebook]
            if asked:
                correct = sum(q.id in self.solved for q in asked)
                rows.append(TopicScore(notebook, BANKS[notebook].title, correct, len(asked)))
        return rows

    def report(self) -> str:
        """The score per topic, and which notebooks to revisit."""
        lines = ["Score by topic", self.summary()]
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
    """A set of questions shown as a widget form, with its text fallback as text/plain."""

    def __init__(self, name: str, title: str, questions, with_report: bool = False):
        self.name = name
        self.title = title
        self.questions = tuple(questions)
        self.with_report = with_report
        self.state = QuizState(self.questions)
        self._listeners = []
        self._widget = None

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise ValueError(
            f"question_id {question_id!r} is not in the quiz {self.name!r}; "
            f"its questions are {', '.join(q.id for q in self.questions)}"
        )

    def check(self, question_id: str, choice) -> Feedback:
        """Grade `choice`, count it in the score and tell the views."""
        feedback = self._record(grade(self.question(question_id), choice))
        if feedback.correct and question_id not in self.state.solved:
            return replace(feedback, message=f"{feedback.message} (Not scored: the answer was shown first.)")
        return feedback

    def show_answer(self, question_id: str) -> Feedback:
        """Reveal the answer (it no longer scores) and tell the views."""
        return self._record(reveal(self.question(question_id)))

    def on_change(self, callback) -> None:
        """Call `callback()` whenever the score may have changed."""
        self._listeners.append(callback)

    def _record(self, feedback: Feedback) -> Feedback:
        self.state.record(feedback)
        for callback in self._listeners:
            callback()
        return feedback

    def text(self) -> str:
        """The text fallback: every question with its options, and how to answer."""
        counts = ", ".join(f"{sum(q.difficulty == d for q in self.questions)} {d}" for d in DIFFICULTIES)
        parts = [f"{self.title} ({len(self.questions)} questions: {counts})"]
        parts += [format_question(q, number) for number, q in enumerate(self.questions, start=1)]
        first = self.questions[0].id
        how = (f'To answer in code: answer("{first}", "A") with the question id and a letter. '
               f'hint("{first}") gives a hint and show_answer("{first}") the worked answer.')
        if self.with_report:
            how += " test_report() prints your score by topic."
        parts.append(_wrap(how))
        return "\n\n".join(parts)

    def widget(self):
        """The ipywidgets form (built once)."""
        if self._widget is None:
            from .quiz_widgets import build_quiz_widget

            self._widget = build_quiz_widget(self)
        return self._widget

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": self.text()}
        if _in_kernel():
            bundle[WIDGET_MIME] = self.widget()._repr_mimebundle_()[WIDGET_MIME]
        return bundle

    def __repr__(self) -> str:
        return self.text()


def format_question(question: Question, number: int) -> str:
    """A question as text: header, prompt, code (indented) and lettered options."""
    lines = [f"Q{number} [{question.id}] {question.difficulty}, {question.topic}", _wrap(question.prompt)]
    if question.code:
        lines.append(textwrap.indent(question.code, "    "))
    lines += [_wrap(text, f"  {letter}. ", "     ") for letter, text in zip(question.letters, question.options)]
    return "\n".join(lines)


def format_feedback(feedback: Feedback) -> str:
    """Feedback as text: the message, then the numbered explanation steps if any."""
    lines = [_wrap(feedback.message)]
    if feedback.explanation:
        lines.append("Why:")
        lines += [_wrap(step, f"  {i}. ", "     ") for i, step in enumerate(feedback.explanation, start=1)]
    return "\n".join(lines)


def _wrap(text: str, first: str = "", rest: str = "") -> str:
    """Wrap prose for the text view without breaking ids or code at hyphens."""
    return textwrap.fill(text, TEXT_WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_on_hyphens=False, break_long_words=False)


def quiz(notebook_id: str) -> None:
    """Show the quiz of one notebook, e.g. `quiz("02_shapes")` (prints it as text outside IPython)."""
    if notebook_id not in NOTEBOOK_BANKS:
        raise ValueError(f"notebook_id must be one of {', '.join(NOTEBOOK_BANKS)}, got {notebook_id!r}")
    bank = BANKS[notebook_id]
    _show(Quiz(notebook_id, f"Quiz on {bank.title}", bank.questions))


def final_test(n: int = 10, seed: int = 0) -> None:
    """Show the closing test: `n` questions drawn by `draw_final_test`, with a score by topic."""
    _show(Quiz(FINAL_TEST, "Test yourself", draw_final_test(n, seed), with_report=True))


def draw_final_test(n: int = 10, seed: int = 0) -> tuple[Question, ...]:
    """Draw `n` questions from the final-test bank, spread over easy, medium and hard.

    Each level gets n // 3 questions, the remainder going to medium, then easy;
    within a level, questions on notebooks not drawn yet come first, so the
    test spreads over the course; a level with too few questions is topped up
    from the others. The same `seed` always draws the same questions, ordered
    from easy to hard.
    """
    pool = BANKS[FINAL_TEST].questions
    check_int("n", n)
    check_int("seed", seed, minimum=0)
    if n > len(pool):
        raise ValueError(f"n must be at most {len(pool)} (the final-test bank's size), got {n}")
    rng = random.Random(seed)
    levels = {d: [q for q in pool if q.difficulty == d] for d in DIFFICULTIES}
    for level in levels.values():
        rng.shuffle(level)
    quota = {d: n // 3 for d in DIFFICULTIES}
    for level in ("medium", "easy")[: n % 3]:
        quota[level] += 1
    chosen = []
    for level in DIFFICULTIES:
        _take_spread(levels[level], quota[level], chosen)
    spare = [q for level in DIFFICULTIES for q in levels[level]]
    chosen += rng.sample(spare, k=n - len(chosen))
    return tuple(sorted(chosen, key=lambda q: DIFFICULTIES.index(q.difficulty)))


def _take_spread(candidates: list, count: int, chosen: list) -> None:
    """Move up to `count` questions from `candidates` to `chosen`, preferring notebooks not chosen yet."""
    for _ in range(min(count, len(candidates))):
        drawn = {q.notebook for q in chosen}
        pick = next((q for q in candidates if q.notebook not in drawn), candidates[0])
        candidates.remove(pick)
        chosen.append(pick)


def answer(question_id: str, choice) -> None:
    """Grade one question in text, e.g. `answer("02-output-shape", "B")`, and print the score."""
    quiz_ = _quiz_holding(question_id)
    print(format_feedback(quiz_.check(question_id, choice)))
    print(f"{quiz_.state.summary()} in the quiz {quiz_.name}")


def hint(question_id: str) -> None:
    """Print the hint of one question."""
    print(f"Hint: {_find_question(question_id).hint}")


def show_answer(question_id: str) -> None:
    """Print the answer and its worked explanation (the question then no longer scores)."""
    print(format_feedback(_quiz_holding(question_id).show_answer(question_id)))


def test_report() -> None:
    """Print the score by topic of the last final test shown."""
    if FINAL_TEST not in _ACTIVE:
        raise RuntimeError("no final test has been shown yet: run final_test() first")
    print(_ACTIVE[FINAL_TEST].state.report())


test_report.__test__ = False  # a course function, not a test for pytest to collect


def _find_question(question_id: str) -> Question:
    if question_id not in QUESTIONS:
        by_bank = "; ".join(f"{b.name}: {', '.join(q.id for q in b.questions)}" for b in BANKS.values())
        raise ValueError(f"question_id {question_id!r} is not in the bank. Valid ids, by quiz: {by_bank}")
    return QUESTIONS[question_id]


def _quiz_holding(question_id: str) -> Quiz:
    """The shown quiz that holds this question, else a new quiz of its bank file."""
    question = _find_question(question_id)
    for shown in reversed(list(_ACTIVE.values())):
        if question in shown.questions:
            return shown
    bank = next(b for b in BANKS.values() if question in b.questions)
    return _ACTIVE.setdefault(bank.name, Quiz(bank.name, bank.title, bank.questions, bank.name == FINAL_TEST))


def _show(quiz_: Quiz) -> None:
    _ACTIVE.pop(quiz_.name, None)
    _ACTIVE[quiz_.name] = quiz_
    try:
        from IPython import get_ipython
    except ImportError:
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        from IPython.display import display

        display(quiz_)
    else:
        print(quiz_.text())


def _in_kernel() -> bool:
    """True inside a Jupyter kernel, where a front end may render widgets."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None
