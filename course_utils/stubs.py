"""The exercise stub and the solution markers, written once.

A worked solution marks each block a learner writes, inside a function body:

    # BEGIN SOLUTION hint: flip the time axis (dim 1)
    return x.flip(1)
    # END SOLUTION

and `strip_solutions` turns each block into one line,

    raise NotImplementedError("your code here: flip the time axis (dim 1)")

for the exercise generator (`tools/exercises.py`) and for nbgrader's release
notebooks (`tools/grading/hooks.py`), so both write the same stub. A check
case that reaches that line reports the task as "not attempted yet"
(`course_utils.checks.runner`) instead of failed. Pure Python, so the
generator imports it without torch.
"""

from __future__ import annotations

import json
import re

STUB_PREFIX = "your code here: "  # the message of every generated stub starts with it
# A solution block, in a worked solution: `# BEGIN SOLUTION hint: <hint>` ... `# END SOLUTION`, inside a function.
BEGIN = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION(?:\s+hint:\s*(?P<hint>.*?))?\s*$")
END = re.compile(r"^\s*# END SOLUTION\s*$")
DEFAULT_HINT = "write this part yourself, then run the check cell"


class MarkerError(ValueError):
    """A solution notebook's markers are unbalanced or not inside a function."""


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


def strip_solutions(source: str, where: str = "cell") -> str:
    """Replace each `# BEGIN SOLUTION` ... `# END SOLUTION` block in `source` by a stub; keep every other character."""
    out: list[str] = []
    block_indent: str | None = None
    hint = DEFAULT_HINT
    for number, line in enumerate(_lines(source), start=1):
        body = line.removesuffix("\n")
        begin, end = BEGIN.match(body), END.match(body)
        if begin and block_indent is None:
            block_indent, hint = begin.group("indent"), begin.group("hint") or DEFAULT_HINT
            if not block_indent:
                raise MarkerError(
                    f"{where}, line {number}: a solution block must be indented inside a function, "
                    "so the exercise still runs when it is not done yet"
                )
        elif begin:
            raise MarkerError(f"{where}, line {number}: BEGIN SOLUTION inside another solution block")
        elif end and block_indent is None:
            raise MarkerError(f"{where}, line {number}: END SOLUTION without a BEGIN SOLUTION")
        elif end and block_indent is not None:
            out.append(stub_line(block_indent, hint) + line[len(body.rstrip("\r")) :])  # the END line's own ending
            block_indent = None
        elif block_indent is None:
            out.append(line)
    if block_indent is not None:
        raise MarkerError(f"{where}: BEGIN SOLUTION is never closed by END SOLUTION")
    return "".join(out)


def _lines(source: str) -> list[str]:
    """`source` cut after each "\n" (and nowhere else), each line with its "\n": they join back to `source`."""
    parts = source.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
