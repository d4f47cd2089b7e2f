"""Prose for the text views: wrapped to one width without breaking ids or code, and counts with their nouns.

The quiz's text view and the learner's progress view print through these, so a
stored notebook output wraps the same way wherever it comes from. Pure Python.
"""

from __future__ import annotations

import textwrap

TEXT_WIDTH = 88


def wrap_prose(text: str, first: str = "", rest: str = "") -> str:
    """Wrap `text` to TEXT_WIDTH columns without breaking ids or code at hyphens.

    first: put before the first line (e.g. "  A. "); rest: before every other line.
    """
    return textwrap.fill(
        text, TEXT_WIDTH, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False, break_long_words=False
    )


def count(n: int, noun: str) -> str:
    """`n` and the noun, plural unless n is 1: "1 question", "3 questions"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
