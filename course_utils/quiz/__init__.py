"""The course's quizzes: one per lesson, and a final test with a score by topic. No torch here.

`from course_utils.quiz import quiz, final_test, answer, hint, show_answer, test_report`
gives the notebook entry points (`session`), and `progress, review, reset_progress`
the learner's saved progress (kept by `course_utils.learner`). The rooms, each
importing only those below it:

* `session`: the notebook entry points;
* `orchestrator`: `Quiz`, one shown set of questions: its score, its two views,
  and saving each answer (plain values to `course_utils.learner.saving`);
* `text` and `widgets`: the two views of a quiz;
* `grading`: `grade`, `reveal`, `QuizState` (the score), and `ShownQuiz`, what
  a view needs of a quiz;
* `registry`: the banks, loaded once (`BANKS`, `QUESTIONS`);
* `bank`: loading and validating the bank files (`banks/*.json`, package data);
* `values`: `Question`, `Bank`, `Feedback`, `TopicScore`.

Import-linter contracts in pyproject.toml keep that order, and keep this
package free of torch (a test checks it too), so a quiz cell costs no more
than the bank.
"""

from ..learner.store import reset_progress
from .bank import DIFFICULTIES, FINAL_TEST, NOTEBOOK_BANKS, BankError, load_bank_file, load_banks
from .grading import QuizState, grade, reveal
from .orchestrator import WIDGET_MIME, Quiz
from .registry import BANKS, QUESTIONS
from .session import answer, draw_final_test, final_test, hint, progress, quiz, review, show_answer, test_report
from .text import format_feedback, format_question
from .values import Bank, Feedback, Question, TopicScore

__all__ = [
    "BANKS",
    "DIFFICULTIES",
    "FINAL_TEST",
    "NOTEBOOK_BANKS",
    "QUESTIONS",
    "WIDGET_MIME",
    "Bank",
    "BankError",
    "Feedback",
    "Question",
    "Quiz",
    "QuizState",
    "TopicScore",
    "answer",
    "draw_final_test",
    "final_test",
    "format_feedback",
    "format_question",
    "grade",
    "hint",
    "load_bank_file",
    "load_banks",
    "progress",
    "quiz",
    "reset_progress",
    "review",
    "reveal",
    "show_answer",
    "test_report",
]
