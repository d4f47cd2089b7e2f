"""The verdicts of an exercise check, written once: what `run_check` reports, the progress store saves
and the progress view counts. Beside them, the outcomes of a quiz answer, written once too: what the
quiz grades (`Feedback.status`), the store saves (a try's "first") and the views colour.

One word per outcome everywhere, so nothing translates between the quiz, the checks and the file.
These are the words the progress store has saved since its format 1, so a store written by an
earlier version of the course loads as it is.

Pure Python: the store and the quiz read them without importing torch or the checks.
"""

from __future__ import annotations

PASSED = "passed"  # every case of the check passed
FAILED = "failed"  # at least one case failed (or ran out of time)
NOT_ATTEMPTED = "not attempted yet"  # every case reached an exercise stub (`course_utils.stubs`)
CHECK_STATUSES = (PASSED, FAILED, NOT_ATTEMPTED)

RIGHT = "right"  # the option checked is the answer
WRONG = "wrong"  # the option checked is not the answer
REVEALED = "revealed"  # the learner asked for the answer
ANSWER_OUTCOMES = (RIGHT, WRONG, REVEALED)  # what a saved try may say
MISSING = "missing"  # Check pressed with nothing chosen: the quiz asks for a choice and saves nothing
