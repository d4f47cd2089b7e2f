"""The report of one exercise check: each case's outcome and the verdict, as text and as HTML."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from ..display import verdict_box
from ..verdicts import FAILED, NOT_ATTEMPTED, PASSED

TONES = {PASSED: "good", FAILED: "bad", NOT_ATTEMPTED: "neutral"}  # the colour of each verdict's box


@dataclass
class CaseResult:
    """One case of a check: its name, whether it passed, and what it found (or the note it returned)."""

    name: str
    passed: bool
    detail: str = ""
    attempted: bool = True  # False: it reached an exercise stub
    ran: bool = True  # False: not run, because an earlier case ran out of time

    @property
    def marker(self) -> str:
        if self.passed:
            return "ok"
        if not self.ran:
            return "skip"
        return "FAIL" if self.attempted else "TODO"


@dataclass
class CheckReport:
    """The outcome of one exercise's check; shows as plain text (and HTML in Jupyter)."""

    task: str
    status: str  # one of course_utils.verdicts.CHECK_STATUSES
    cases: list[CaseResult] = field(default_factory=list)
    hint: str = ""  # the code-level hint, shown on a failure once `hint_shown`
    notice: str = ""  # why the verdict could not be saved to the learner's progress, if it could not
    concept: str = ""  # the idea the task practises and where its lesson shows it, shown on every failure
    hint_shown: bool = True  # run_check withholds the code-level hint until a few failed runs

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def lines(self) -> list[str]:
        if self.status == NOT_ATTEMPTED:
            lines = [
                f"{self.task}: not attempted yet. Replace the `raise NotImplementedError` "
                "line(s) with your code, then run this cell again."
            ]
        else:
            n_ok = sum(c.passed for c in self.cases)
            verdict = "all passed, well done!" if self.passed else f"{n_ok} of {len(self.cases)} cases passed"
            lines = [f"{self.task}: {verdict}"]
            lines += [f"  [{c.marker}] {c.name}" + (f": {c.detail}" if c.detail else "") for c in self.cases]
            if not self.passed:
                lines += self._hint_lines()
        if self.notice:
            lines.append(f"  ({self.notice})")
        return lines

    def _hint_lines(self) -> list[str]:
        """A failure's hints, in steps: the idea always, the code only once it is shown."""
        lines = [f"  Idea: {self.concept}"] if self.concept else []
        if self.hint and self.hint_shown:
            lines.append(f"  Hint: {self.hint}")
        elif self.hint:
            lines.append(
                f"  Stuck? A code-level hint shows after a few failed runs, or now: "
                f"`from course_utils.checks import hint; hint({self.task!r})`"
            )
        return lines

    def __str__(self) -> str:
        return "\n".join(self.lines())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        body = "<br>".join(html.escape(line).replace("  ", "&nbsp;&nbsp;") for line in self.lines())
        return verdict_box(TONES[self.status], body, lines=True)
