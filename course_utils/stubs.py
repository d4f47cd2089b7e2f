"""The exercise stub, written once: the generator (`tools/exercises.py`) writes it, the checks recognise it.

In an exercise, each solution block becomes one line,

    raise NotImplementedError("your code here: <hint>")

and a check case that reaches that line reports the task as "not attempted
yet" (`course_utils.checks.runner`) instead of failed. Pure Python, so the
generator imports it without torch.
"""

from __future__ import annotations

import json

STUB_PREFIX = "your code here: "  # the message of every generated stub starts with it


def stub_line(indent: str, hint: str) -> str:
    """The line an exercise stub is made of: `raise NotImplementedError("your code here: <hint>")`."""
    if not isinstance(indent, str) or indent.strip():
        raise ValueError(f"indent must be the stub's leading whitespace, got {indent!r}")
    if not isinstance(hint, str):
        raise TypeError(f"hint must be a str, got {type(hint).__name__}")
    return f"{indent}raise NotImplementedError({json.dumps(STUB_PREFIX + hint, ensure_ascii=False)})"


def stub_hint(message: object) -> str | None:
    """The hint of a stub's error message (what follows STUB_PREFIX), or None when `message` is not one."""
    if isinstance(message, str) and message.startswith(STUB_PREFIX):
        return message[len(STUB_PREFIX) :]
    return None
