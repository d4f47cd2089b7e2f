"""The ipywidgets form of a quiz (see `course_utils.quiz.grading` for grading and `.text` for the text view).

Every question is a box with one letter button per option (the chosen one
is highlighted), Check, Hint and Show answer, and an area for feedback; the
quiz adds a running score and, for the final test, a "Score by topic"
button (the final test scores first answers: see `QuizState`). Everything is
a button, so the keyboard works inside JupyterLab: Tab and Shift+Tab move
between them, Enter or Space presses one. (Radio buttons
would need the arrow keys, which JupyterLab takes for moving between cells.)
A question met in an earlier round shows how it went then
(`birnn-quiz-earlier`). The CSS classes `birnn-quiz*` name the parts for the
browser test.
"""

from __future__ import annotations

import html
import re

import ipywidgets as widgets

from ..display import MUTED_TEXT, colour_style, verdict_box
from ..tables import html_table
from ..verdicts import MISSING, REVEALED, RIGHT, WRONG
from .grading import QuizState, ShownQuiz
from .values import Feedback, Question

_INLINE_CODE = re.compile(r"`([^`]+)`")
_CODE_STYLE = "font-family:var(--jp-code-font-family,monospace);{};padding:0 2px".format(
    colour_style("background", "var(--jp-layout-color2, #eee)")
)
_MUTED_STYLE = colour_style("color", MUTED_TEXT)
_TEXT_STYLE = "line-height:1.4;white-space:normal"  # wrap prose at normal spacing inside widget rows
# The tone of the box each outcome shows in (the course's one verdict box and palette: course_utils.display).
_TONES = {MISSING: "warning", WRONG: "bad", RIGHT: "good", REVEALED: "info"}


def build_quiz_widget(quiz: ShownQuiz) -> widgets.VBox:
    """The form for a `Quiz`: title, running score, one box per question (and the topic report)."""
    score = widgets.HTML(_score_html(quiz.state))
    score.add_class("birnn-quiz-score")
    quiz.on_change(lambda: setattr(score, "value", _score_html(quiz.state)))
    children = [widgets.HTML(f"<h3>{html.escape(quiz.title)}</h3>"), score]
    if quiz.notice:
        children.append(widgets.HTML(verdict_box("warning", inline_html(quiz.notice))))
    children += [question_widget(quiz, q, number) for number, q in enumerate(quiz.questions, start=1)]
    if quiz.with_report:
        children.append(_report_widget(quiz))
    box = widgets.VBox(children)
    box.add_class("birnn-quiz")
    return box


def question_widget(quiz: ShownQuiz, question: Question, number: int) -> widgets.VBox:
    """One question: prompt, a letter button per option, Check / Hint / Show answer, hint and feedback."""
    options, chosen = _option_rows(question)
    check = widgets.Button(description="Check", button_style="primary", tooltip="Grade the chosen option")
    hint = widgets.Button(description="Hint", tooltip="A nudge, without the answer")
    show = widgets.Button(description="Show answer", tooltip="Reveal the answer (it will not score)")
    hint_area, feedback = widgets.HTML(), widgets.HTML()
    hint_area.add_class("birnn-quiz-hint")
    feedback.add_class("birnn-quiz-feedback")
    check.on_click(lambda _: setattr(feedback, "value", feedback_html(quiz.check(question.id, chosen()))))
    hint.on_click(lambda _: setattr(hint_area, "value", verdict_box("neutral", inline_html(f"Hint: {question.hint}"))))
    show.on_click(lambda _: setattr(feedback, "value", feedback_html(quiz.show_answer(question.id))))
    earlier, before = [], quiz.earlier_text(question.id)
    if before:
        earlier.append(widgets.HTML(f"<div style='{_MUTED_STYLE};{_TEXT_STYLE}'>{html.escape(before)}</div>"))
        earlier[0].add_class("birnn-quiz-earlier")
    box = widgets.VBox(
        [
            widgets.HTML(_question_html(question, number)),
            *earlier,
            *options,
            widgets.HBox([check, hint, show]),
            hint_area,
            feedback,
        ]
    )
    box.add_class("birnn-quiz-question")
    return box


def _option_rows(question):
    """A row per option (a letter button, then the text); returns the rows and `chosen() -> letter or None`."""
    chosen = {"letter": None}
    buttons = {
        letter: widgets.Button(
            description=letter, tooltip=f"Choose {letter}", layout=widgets.Layout(width="40px", min_width="40px")
        )
        for letter in question.letters
    }

    def choose(button):
        chosen["letter"] = button.description
        for other in buttons.values():
            other.button_style = "info" if other is button else ""

    rows = []
    for letter, option in zip(question.letters, question.options):
        buttons[letter].on_click(choose)
        text = widgets.HTML(f"<div style='{_TEXT_STYLE}'>{inline_html(option)}</div>")
        row = widgets.HBox([buttons[letter], text], layout=widgets.Layout(align_items="center"))
        row.add_class("birnn-quiz-option")
        rows.append(row)
    return rows, lambda: chosen["letter"]


def feedback_html(feedback: Feedback) -> str:
    """A Feedback as HTML: its message, the explanation as a numbered list, and a progress notice if any."""
    body = f"<div>{inline_html(feedback.message)}</div>"
    if feedback.explanation:
        steps = "".join(f"<li>{inline_html(step)}</li>" for step in feedback.explanation)
        body += f"<div style='margin-top:4px'><b>Why:</b><ol style='margin:2px 0'>{steps}</ol></div>"
    if feedback.notice:
        body += verdict_box("warning", inline_html(feedback.notice))  # the bar, not the text, is coloured
    return verdict_box(_TONES[feedback.status], body)


def inline_html(text: str) -> str:
    """Escape `text` for HTML and show `backticked` parts as code."""
    return _INLINE_CODE.sub(rf"<code style='{_CODE_STYLE}'>\1</code>", html.escape(text))


def _question_html(question, number: int) -> str:
    code = ""
    if question.code:
        style = f"margin:4px 0;white-space:pre;overflow-x:auto;{_CODE_STYLE}"
        code = f"<pre style='{style}'>{html.escape(question.code)}</pre>"
    return (
        f"<div style='margin-top:12px'><b>Q{number}</b> <span style='{_MUTED_STYLE}'>"
        f"{question.difficulty} &middot; {html.escape(question.topic)}</span>"
        f"<div style='{_TEXT_STYLE}'>{inline_html(question.prompt)}</div>{code}</div>"
    )


def _score_html(state) -> str:
    return f"<b>{html.escape(state.summary())}</b>"


def _report_widget(quiz) -> widgets.VBox:
    button = widgets.Button(description="Score by topic", tooltip="Which notebooks to revisit")
    area = widgets.HTML()
    area.add_class("birnn-quiz-report")
    button.on_click(lambda _: setattr(area, "value", report_html(quiz.state)))
    return widgets.VBox([button, area], layout=widgets.Layout(margin="12px 0 0 0"))


def report_html(state: QuizState) -> str:
    """The score per topic as an HTML table, with the notebook to revisit where needed."""
    rows = [(row.title, f"{row.correct} / {row.asked}", row.advice) for row in state.by_topic()]
    table = html_table(("topic", state.scored_as, "advice"), rows, align_left=True)
    return f"<div><b>{html.escape(state.summary())}</b></div>{table}"
