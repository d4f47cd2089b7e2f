"""The chart of `progress()`: per lesson, the share of quiz questions right the first time and of checks passed.

The one place in the quiz that draws with matplotlib, imported only when the
chart is drawn, so `import course_utils.quiz` stays light (torch is never
imported; matplotlib brings NumPy, which the quiz otherwise avoids). The
chart says in words what it shows (`description`): Jupyter gets it as the
`alt` of an HTML `<img>`, in the PNG's metadata, and as text/plain.

`DescribedChart` is a stand-in for the course's shared described figure
(issue 21), which lives in `course_utils.plots` and so imports torch. Should
that mechanism move to a module without torch, this class is the one thing
to replace.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from typing import Any

from .progress import LessonProgress

QUIZ_COLOUR, CHECKS_COLOUR = "tab:blue", "tab:green"


class DescribedChart:
    """PNG bytes and the sentence that describes them; displays as `<img alt=...>`, PNG and text."""

    def __init__(self, png: bytes, description: str):
        self.png = png
        self.description = description

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict, dict]:
        encoded = base64.b64encode(self.png).decode("ascii")
        image = f'<img alt="{html.escape(self.description)}" src="data:image/png;base64,{encoded}">'
        data = {"text/html": image, "image/png": encoded, "text/plain": self.description}
        return data, {"image/png": {"alt": self.description}}

    def __repr__(self) -> str:
        return self.description


def describe_progress(lessons: Sequence[LessonProgress]) -> str:
    """The chart in words, from the same numbers it draws."""
    per_lesson = "; ".join(
        f"{lesson.notebook}: quiz {lesson.right_first} of {lesson.quiz}, "
        f"checks {lesson.checks_passed} of {len(lesson.checks)}"
        for lesson in lessons
    )
    return (
        "Bar chart of your progress per lesson, as a share of each lesson's total: quiz questions right "
        f"the first time, and exercise checks passed. {per_lesson}."
    )


def progress_chart(lessons: Sequence[LessonProgress]) -> DescribedChart:
    """Two horizontal bars per lesson (quiz right first time, checks passed), 0 to 100 %."""
    from matplotlib.figure import Figure  # no pyplot: no global figure, no second display by the inline backend

    figure = Figure(figsize=(7.5, 0.45 * len(lessons) + 1.2))
    axes = figure.add_subplot()
    rows = range(len(lessons))
    quiz = [100 * lesson.right_first / lesson.quiz for lesson in lessons]
    checks = [100 * lesson.checks_passed / len(lesson.checks) for lesson in lessons]
    axes.barh([r - 0.2 for r in rows], quiz, height=0.4, color=QUIZ_COLOUR, label="quiz right first time")
    axes.barh([r + 0.2 for r in rows], checks, height=0.4, color=CHECKS_COLOUR, label="exercise checks passed")
    axes.set_yticks(list(rows), [lesson.notebook for lesson in lessons])
    axes.invert_yaxis()  # lesson 01 on top, as in the table
    axes.set_xlim(0, 100)
    axes.set_xlabel("% of the lesson's total")
    axes.set_title("Your progress per lesson")
    axes.legend(loc="lower right", fontsize="small")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight", dpi=90)
    return DescribedChart(buffer.getvalue(), describe_progress(lessons))
