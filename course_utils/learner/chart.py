"""The chart of `progress()`: per lesson, the shares of quiz questions right the first time, of checks passed,
and of the latest final test's questions on the lesson answered right.

The one place in the learner room (and so in what `course_utils.quiz` reaches)
that draws with matplotlib, imported only when the chart is drawn, so
`import course_utils.quiz` stays light (torch is never imported; matplotlib
brings NumPy, which the quiz and this room otherwise avoid). The
chart says in words what it shows (`description`): Jupyter gets it as the
`alt` of an HTML `<img>`, in the PNG's metadata, and as text/plain: it is a
`course_utils.display.DescribedImage`, the course's described image (the
plots' figures display as one too).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from ..display import DescribedImage
from .report import LessonProgress

# One bar per series and lesson: (label, colour, share of the lesson's total in %, or None for no bar).
SERIES = (
    ("quiz right first time", "tab:blue", lambda lesson: 100 * lesson.right_first / lesson.quiz),
    ("exercise checks passed", "tab:green", lambda lesson: 100 * lesson.checks_passed / len(lesson.checks)),
    (
        "latest final test",
        "tab:orange",
        lambda lesson: None if lesson.final_test is None else 100 * lesson.final_test[0] / lesson.final_test[1],
    ),
)
BAR = 0.27  # the height of one bar; the three of a lesson fill 0.81 of its row


def describe_progress(lessons: Sequence[LessonProgress]) -> str:
    """The chart in words, from the same numbers it draws."""

    def final(lesson: LessonProgress) -> str:
        if lesson.final_test is None:
            return "not in a final test"
        return f"final test {lesson.final_test[0]} of {lesson.final_test[1]}"

    per_lesson = "; ".join(
        f"{lesson.notebook}: quiz {lesson.right_first} of {lesson.quiz}, "
        f"checks {lesson.checks_passed} of {len(lesson.checks)}, {final(lesson)}"
        for lesson in lessons
    )
    return (
        "Bar chart of your progress per lesson, as a share of each lesson's total: quiz questions right "
        f"the first time, exercise checks passed, and the latest final test's questions on it answered right. "
        f"{per_lesson}."
    )


def progress_chart(lessons: Sequence[LessonProgress]) -> DescribedImage:
    """Three horizontal bars per lesson (quiz right first time, checks passed, latest final test), 0 to 100 %."""
    from matplotlib.figure import Figure  # no pyplot: no global figure, no second display by the inline backend

    figure = Figure(figsize=(7.5, 0.6 * len(lessons) + 1.2))
    axes = figure.add_subplot()
    for offset, (label, colour, share) in zip((-BAR, 0, BAR), SERIES):
        bars = [(row + offset, share(lesson)) for row, lesson in enumerate(lessons) if share(lesson) is not None]
        axes.barh([y for y, _ in bars], [width for _, width in bars], height=BAR, color=colour, label=label)
    axes.set_yticks(range(len(lessons)), [lesson.notebook for lesson in lessons])
    axes.invert_yaxis()  # lesson 01 on top, as in the table
    axes.set_xlim(0, 100)
    axes.set_xlabel("% of the lesson's total")
    axes.set_title("Your progress per lesson")
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=len(SERIES), fontsize="small")  # off the bars
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight", dpi=90)
    return DescribedImage(buffer.getvalue(), describe_progress(lessons))
