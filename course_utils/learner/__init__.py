"""The learner's state, in one room without torch: what they answered and which checks passed, kept on disk.

* `store`: the progress file (one local JSON file that outlives the kernel):
  where it lives, reading it safely, `reset_progress`.
* `saving`: what the quiz and the checks call, with plain values: `save_answer`
  (question id, round, outcome, and a final test's score) and
  `save_check_verdict` (task, verdict).
* `report`: what the saved progress says: a question's earlier try as a
  sentence, each lesson's progress and what to do next (`progress_report`).
* `chart`: the progress view's chart (matplotlib, imported only to draw it).

The words an answer or a check comes to are `course_utils.verdicts`, one
vocabulary for the quiz, the checks and the file. This room imports only the
pure-Python base (the course manifest, the vocabulary, the table renderer,
prose, files, the described image) and is imported by the quiz and the
checks, never the other way; import-linter
contracts in pyproject.toml keep it so. The notebooks reach it through
`course_utils.quiz` (`progress`, `review`, `reset_progress`).
"""

from .chart import progress_chart
from .report import ProgressReport, describe_try, earlier_tries, progress_report, questions_to_review
from .saving import FinalTestScore, save_answer, save_check_verdict
from .store import load_progress, progress_path, reset_progress

__all__ = [
    "FinalTestScore",
    "ProgressReport",
    "describe_try",
    "earlier_tries",
    "load_progress",
    "progress_chart",
    "progress_path",
    "progress_report",
    "questions_to_review",
    "reset_progress",
    "save_answer",
    "save_check_verdict",
]
