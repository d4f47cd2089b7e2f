"""The text view of a quiz: questions and feedback as prose wrapped for a terminal or a stored notebook output."""

from __future__ import annotations

import textwrap

from ..prose import wrap_prose
from .values import Feedback, Question


def format_question(question: Question, number: int, earlier: str = "") -> str:
    """A question as text: header, how it went before (`earlier`, if any), prompt, code (indented), options."""
    lines = [f"Q{number} [{question.id}] {question.difficulty}, {question.topic}"]
    if earlier:
        lines.append(wrap_prose(earlier))
    lines.append(wrap_prose(question.prompt))
    if question.code:
        lines.append(textwrap.indent(question.code, "    "))
    lines += [wrap_prose(text, f"  {letter}. ", "     ") for letter, text in zip(question.letters, question.options)]
    return "\n".join(lines)


def format_feedback(feedback: Feedback) -> str:
    """Feedback as text: the message, the numbered explanation steps if any, and a progress notice if any."""
    lines = [wrap_prose(feedback.message)]
    if feedback.explanation:
        lines.append("Why:")
        lines += [wrap_prose(step, f"  {i}. ", "     ") for i, step in enumerate(feedback.explanation, start=1)]
    if feedback.notice:
        lines.append(wrap_prose(feedback.notice))
    return "\n".join(lines)
