"""The course's quizzes: one per lesson, and a final test with a score by topic. No torch here.

`from course_utils.quiz import quiz, final_test, answer, hint, show_answer, test_report`
gives the notebook entry points (`session`), and `progress, review, reset_progress`
the learner's saved progress. The rooms: `bank` loads and validates the
question bank (`banks/*.json`, package data), `grading` grades and keeps
scores, `text` and `widgets` are the two views of a quiz, `history` saves the
answers to the progress store (`course_utils.progress_store`), `progress` and
`progress_chart` show it. Importing
this package never imports torch (a test and an import-linter contract keep it
so), so a quiz cell costs no more than the bank.
"""

from ..progress_store import reset_progress
from .bank import DIFFICULTIES, FINAL_TEST, NOTEBOOK_BANKS, Bank, BankError, Question, load_bank_file, load_banks
from .grading import BANKS, QUESTIONS, WIDGET_MIME, Feedback, Quiz, QuizState, TopicScore, grade, reveal
from .session import answer, draw_final_test, final_test, hint, progress, quiz, review, show_answer, test_report
from .text import format_feedback, format_question

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
