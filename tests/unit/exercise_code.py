"""Load the functions an exercise notebook defines, so the check tests use the notebooks' own code.

`solution("01_concept")` runs the import cells and the cells that define a
function or class of `solutions/01_concept_exercise.ipynb` and returns the
names they define; `exercise("01_concept")` does the same with the generated
stubs in `exercises/`. Cells that only run things (set-up, checks) are skipped.
`hidden_report` runs a task's hidden grading cases (tools/grading/hidden) on answers.
"""

from __future__ import annotations

import json
from pathlib import Path

from course_utils.checks import FAILED
from course_utils.checks.grading import HIDDEN_SUFFIX
from course_utils.checks.runner import run_cases

ROOT = Path(__file__).resolve().parents[2]


def _defines_or_imports(source: str) -> bool:
    lines = [line for line in source.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    imports_only = all(line.startswith(("import ", "from ")) for line in lines)
    return bool(lines) and (imports_only or any(line.startswith(("def ", "class ")) for line in lines))


def _load(path: Path) -> dict:
    namespace: dict = {"__name__": f"notebook_{path.stem}"}
    for index, cell in enumerate(json.loads(path.read_text())["cells"]):
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and _defines_or_imports(source):
            exec(compile(source, f"{path.name}, cell {index}", "exec"), namespace)
    return namespace


def solution(stem: str) -> dict:
    """Names defined by `solutions/<stem>_exercise.ipynb` (the reference answers)."""
    return _load(ROOT / "solutions" / f"{stem}_exercise.ipynb")


def exercise(stem: str) -> dict:
    """Names defined by `exercises/<stem>_exercise.ipynb` (the unfinished stubs)."""
    return _load(ROOT / "exercises" / f"{stem}_exercise.ipynb")


def assert_fails_explaining(report, explanation: str) -> None:
    """A check's report failed and says `explanation` (the message a learner's slip must get)."""
    assert report.status == FAILED, str(report)
    assert explanation in str(report), str(report)


def hidden_report(hidden, task: str, *answers: object):
    """`task`'s hidden cases run on `answers` as `grade()` runs them (`hidden`: a module of tools/grading/hidden,
    or any object with its HIDDEN and SLOW)."""
    return run_cases(task + HIDDEN_SUFFIX, hidden.HIDDEN[task](*answers), slow=task in getattr(hidden, "SLOW", ()))
