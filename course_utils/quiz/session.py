"""The notebook entry points: show a quiz or the final test, and answer, hint and reveal in text.

In a notebook, one call shows a quiz: `quiz("02_shapes")`, or `final_test()`
for the closing test. In text, `answer("02-output-shape", "B")` grades one
question, `hint(...)` and `show_answer(...)` do what the buttons do, and
`test_report()` prints the final test's score by topic. The quizzes shown in
this session are remembered, so a text answer counts in the score of the
widget the learner sees.

Answers are also saved to the learner's progress, which outlives the kernel:
`progress()` shows it per lesson, `review()` asks again the questions missed
or looked up, and `reset_progress()` clears it. The progress itself is the
learner room's (`course_utils.learner`): this module hands it the banks and
shows what it reports.
"""

from __future__ import annotations

import random

from ..display import show
from ..learner.chart import progress_chart
from ..learner.report import progress_report, questions_to_review
from ..learner.store import load_progress
from ..prose import count, wrap_prose
from ..validation import check_bool, check_int, describe, short_repr
from .bank import DIFFICULTIES, FINAL_TEST, NOTEBOOK_BANKS
from .orchestrator import Quiz
from .registry import BANKS, QUESTIONS
from .text import format_feedback
from .values import Question

REVIEW = "review"  # the name of the quiz review() shows
FIRST_ID = next(iter(QUESTIONS))  # a real question id, for the example in an error message

# The quizzes shown in this session, by name ("02_shapes", "final_test"), so
# that answer() records into the same score as the widget the learner sees.
_ACTIVE: dict[str, Quiz] = {}


def quiz(notebook_id: str) -> None:
    """Show the quiz of one notebook, e.g. `quiz("02_shapes")` (prints it as text outside IPython)."""
    if notebook_id not in NOTEBOOK_BANKS:
        raise ValueError(f"notebook_id must be one of {', '.join(NOTEBOOK_BANKS)}, got {short_repr(notebook_id)}")
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
    for questions in levels.values():
        rng.shuffle(questions)
    quota = {d: n // 3 for d in DIFFICULTIES}
    for level in ("medium", "easy")[: n % 3]:
        quota[level] += 1
    chosen: list[Question] = []
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


def answer(question_id: str, choice: str | None, save: bool = True) -> None:
    """Grade one question in text, e.g. `answer("02-output-shape", "B")`, and print the score.

    The answer is saved to your progress like a click on Check; `save=False`
    grades it without saving (a notebook demonstrating an answer uses it).
    """
    check_bool("save", save)
    quiz_ = _quiz_holding(question_id)
    print(format_feedback(quiz_.check(question_id, choice, save)))
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


test_report.__test__ = False  # type: ignore[attr-defined]  # a course function, not a test for pytest to collect


def progress() -> None:
    """Show your saved progress per lesson (quiz, exercise checks, final test, what to do next) and its chart.

    Works from any notebook; everything comes from the progress file, so it
    shows what earlier kernels and other notebooks saved too.
    """
    data, notice = load_progress()
    report = progress_report(data, BANKS, notice)
    show(report)
    if report.anything_saved:
        show(progress_chart(report.lessons))


def review(n: int = 5) -> None:
    """Ask again up to `n` questions you missed or looked up, oldest first; your new answers are saved.

    A question leaves the review once its latest try is right the first time.
    """
    check_int("n", n)
    data, notice = load_progress()
    if notice:
        print(wrap_prose(notice))
    missed = questions_to_review(data, BANKS)
    if not missed:
        print(
            wrap_prose(
                "Nothing to review: a question you answer wrong at first, or whose answer you look up, "
                "comes back here. progress() shows what to do next."
            )
        )
        return
    chosen = missed[:n]
    if len(chosen) == len(missed):
        title = f"Review: the {count(len(chosen), 'question')} you missed or looked up"
    else:
        title = f"Review: the {len(chosen)} oldest of the {len(missed)} questions you missed or looked up"
    _show(Quiz(REVIEW, title, chosen))


def _find_question(question_id: str) -> Question:
    """The question with this id (answer, hint and show_answer all find theirs here)."""
    if not isinstance(question_id, str):
        raise TypeError(
            "question_id must be a str: the id in brackets at the start of each question in the quiz's text "
            f'view, e.g. answer("{FIRST_ID}", "B") for [{FIRST_ID}]; got {describe(question_id)}'
        )
    if question_id not in QUESTIONS:
        by_bank = "; ".join(f"{b.name}: {', '.join(q.id for q in b.questions)}" for b in BANKS.values())
        raise ValueError(f"question_id {short_repr(question_id)} is not in the bank. Valid ids, by quiz: {by_bank}")
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
    show(quiz_)
