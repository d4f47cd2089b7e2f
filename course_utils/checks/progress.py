"""Every check's verdict is saved to the learner's progress (`course_utils.progress_store`).

Except where the notebook that runs the check is a worked solution (a
notebook in a `solutions` folder): running the solution is not solving the
exercise. Jupyter Server tells a kernel its notebook's path in
JPY_SESSION_NAME; outside a server (a script, nbclient, nbval) the variable is
absent and the verdict is saved.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..progress_store import now, record_check, update_progress


def save_verdict(task: str, status: str) -> str:
    """Save a check's verdict; returns why it could not be saved ("" when it was, or when a solution ran it)."""
    if running_a_solution():
        return ""
    at = now()
    return update_progress(lambda data: record_check(data, task, status, at)) or ""


def running_a_solution() -> bool:
    """True when the kernel runs a notebook in a `solutions` folder."""
    notebook = os.environ.get("JPY_SESSION_NAME", "")
    return bool(notebook) and Path(notebook).parent.name == "solutions"
