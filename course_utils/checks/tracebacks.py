"""Which lines of a traceback are the learner's, and an error told from there.

A check reports an error by the line of the learner's code it came from, not
by torch's, the course's or the standard library's lines: `describe_error`.
"""

from __future__ import annotations

import os
import re
import sysconfig
import traceback
from pathlib import Path

import torch

# Frames of these folders are not the learner's: the course's package, torch, installed packages, the stdlib.
_NOT_LEARNER = tuple(
    os.path.join(str(Path(folder).resolve()), "")
    for folder in {
        Path(__file__).resolve().parents[1],
        Path(torch.__file__).resolve().parent,
        Path(sysconfig.get_paths()["stdlib"]),
        Path(sysconfig.get_paths()["purelib"]),
        Path(sysconfig.get_paths()["platlib"]),
    }
)


def is_learner_frame(filename: str) -> bool:
    """True for a frame of the learner's code (a notebook cell, their own module), not the course's or torch's."""
    if filename.startswith("<frozen"):
        return False
    try:
        resolved = str(Path(filename).resolve())
    except (OSError, ValueError):
        return True
    return not resolved.startswith(_NOT_LEARNER)


def learner_frames(error: BaseException) -> list[traceback.FrameSummary]:
    """The frames of `error`'s traceback that are the learner's code, outermost first."""
    return [frame for frame in traceback.extract_tb(error.__traceback__) if is_learner_frame(frame.filename)]


def where(frame: traceback.FrameSummary) -> str:
    """`in NAME, line N: CODE` for a frame (without the code when its line cannot be read)."""
    line = f": {frame.line.strip()}" if frame.line else ""
    return f"in {frame.name}, line {frame.lineno}{line}"


# The TypeError of a call whose arguments do not fit the function's parameters, as Python words it:
# "f() takes 4 positional arguments but 5 were given", "C.__init__() missing 1 required positional argument: 'x'".
_CALL_MISFIT = re.compile(r"^[\w.<>]+\(\) (takes|missing|got an unexpected keyword|got multiple values|got some)")


def describe_error(error: BaseException) -> str:
    """`TypeName: message`, and where in the learner's code it came from (not torch's or the check's lines).

    An error raised outside the learner's code came from the check using what their code gave it; a
    TypeError there that says the arguments did not fit came from the check calling their function or
    class, so it says to keep the parameters the task gives.
    """
    text = f"{type(error).__name__}: {error}"
    mine = learner_frames(error)
    if mine:
        return f"your code raised {text} ({where(mine[-1])})"
    if isinstance(error, TypeError) and _CALL_MISFIT.match(str(error)):
        return (
            f"the check could not call your code with the arguments the task gives it: {text}. Keep the "
            "parameters of the task's `def` line (their number, order and defaults)"
        )
    return f"the check could not use what your code returned: {text}"
