"""Checks for the exercises: the machinery by job, plus one module of checks per lesson.

* `runner`: `run_check` runs a check's cases under a time limit (`set_time_limit`), and gives
  its hints in steps (`hint(task)` shows the code-level one at once);
* `report`: `CheckReport`, what a check cell shows (text and HTML);
* `comparators`: the `expect_*` helpers that raise `Mismatch` saying what differs;
* `tracebacks`: which lines of an error are the learner's;
* `common`: what the lesson checks build their cases from (`seeded`, `run_packed`).

The verdicts (`PASSED`, `FAILED`, `NOT_ATTEMPTED`) are `course_utils.verdicts`,
the exercise stub `course_utils.stubs`; every verdict is saved to the learner's
progress (`course_utils.learner.saving`). `from course_utils.checks import
run_check, expect_tensor, ...` gives the public names; each lesson's checks live
in `course_utils.checks.lessonNN` and are called from that exercise's check
cells. `print_error` lives with the claim lines (`course_utils.claims`) and is
still importable from here.
"""

from ..claims import print_error
from ..verdicts import FAILED, NOT_ATTEMPTED, PASSED
from .comparators import Mismatch, expect_equal, expect_tensor
from .report import CaseResult, CheckReport
from .runner import hint, run_check, set_time_limit

__all__ = [
    "FAILED",
    "NOT_ATTEMPTED",
    "PASSED",
    "CaseResult",
    "CheckReport",
    "Mismatch",
    "expect_equal",
    "expect_tensor",
    "hint",
    "print_error",
    "run_check",
    "set_time_limit",
]
