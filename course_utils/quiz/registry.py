"""The course's question banks, loaded once: every bank by name, and every question by id.

The banks are loaded and validated when this module is imported (see
`course_utils.quiz.bank`), so a broken bank file fails loudly at once, at
`import course_utils.quiz`. Everything that needs the course's questions
reads them here: the score by topic (`grading`), the entry points
(`session`), and the progress view, to which `session` hands `BANKS`.
"""

from __future__ import annotations

from .bank import load_banks
from .values import Bank, Question

BANKS: dict[str, Bank] = load_banks()  # {bank name: Bank}, in course order, the final test last
QUESTIONS: dict[str, Question] = {q.id: q for bank in BANKS.values() for q in bank.questions}
