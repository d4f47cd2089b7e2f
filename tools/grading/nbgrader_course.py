"""Write an nbgrader course folder for a class from the worked solutions, the checks and the hidden cases.

    python -m tools.grading.nbgrader_course <folder> [--force]

writes, for every lesson with an exercise (`course_utils.course.LESSONS`):

* `<folder>/source/<lesson>/<exercise>.ipynb`: the worked solution as nbgrader's
  source notebook. Each cell holding `# BEGIN SOLUTION` blocks is a solution cell;
  each task's check cell is an autograder cell worth the task's points, its code
  the learner's check followed by a hidden block (`### BEGIN HIDDEN TESTS`) that
  runs the task's hidden cases (`tools/grading/hidden/lessonNN.py`) and grades
  the task (`course_utils.checks.grading.grade`). The set-up cell is the
  exercise's (`setup_notebook()`), and no cell keeps an output.
* `<folder>/nbgrader_config.py` and `<folder>/course_hooks.py` (a copy of
  `tools/grading/hooks.py`): the course id, the course's own stubs in release
  notebooks, feedback without the hidden code, and a grading kernel that saves
  no progress.

`nbgrader generate_assignment <lesson>` then writes release notebooks whose cells
are the exercise's in `exercises/` (tests/dist/test_nbgrader.py checks it).

A hidden-cases module holds module-level imports, one function per task taking
what that task's check call takes (`hidden_run_one_direction(run_one_direction)`)
and returning `{case name: function of no argument}`, and three constants:
`POINTS` (task: points), `HIDDEN` (task: function) and, optionally, `SLOW` (tasks
whose cases train). The generator pastes the imports, the private helpers
(module-level functions named `_...`) and the one function into the grade cell
(`hidden_code`), so a function may use nothing else of its module.

A file the generator would write that exists and differs (an instructor's edit,
or an older generation) is kept and named, unless `--force`; anything but a
regular file is refused. Exit status 1 when a file was kept.
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib
import inspect
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from course_utils.course import LESSONS, Lesson
from course_utils.files import atomic_write, writable_target
from course_utils.stubs import BEGIN
from tools.exercises import ROOT, exercise_setup
from tools.launch_links import retarget_launch_links
from tools.notebook_json import cell_source, render

COURSE_ID = "birnn-course"
HOOKS = Path(__file__).with_name("hooks.py")
HIDDEN_PACKAGE = "tools.grading.hidden"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
# A check cell imports its check from the lesson's checks and calls it: `from course_utils.checks.lesson01 import ...`.
CHECKS_MODULE = re.compile(r"^course_utils\.checks\.(?P<module>lesson\w+)$")
CONFIG = '''"""nbgrader's settings for a class on birnn-course, written by `python -m tools.grading.nbgrader_course`."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # course_hooks.py lies beside this file
from course_hooks import feedback_preprocessors, release_preprocessors  # noqa: E402

c = get_config()  # noqa: F821 (nbgrader defines it when it reads this file)
c.CourseDirectory.course_id = "{course_id}"
c.GenerateAssignment.preprocessors = release_preprocessors()
c.GenerateFeedback.preprocessors = feedback_preprocessors()
# nbgrader gives a cell 0 points for any output on stderr: a Python warning there (a deprecation in torch, say)
# is not a wrong answer, so it is dropped before grading. An error still shows, and still scores 0.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"\\b\\w*Warning: "
# Tasks that train a model run for a while: give each cell time (the checks keep their own limits per case).
c.ExecutePreprocessor.timeout = 900
# The grading kernel inherits this environment: it saves no learner progress on the grader's machine, and it
# trains on the CPU, as the checks' bars were measured.
os.environ["BIRNN_COURSE_PROGRESS"] = "off"
os.environ["BIRNN_COURSE_DEVICE"] = "cpu"
'''


class CourseError(ValueError):
    """The course folder cannot be written from the solutions and hidden cases as they are."""


@dataclass(frozen=True)
class CheckCell:
    """A task's check cell: where it is, the checks module it imports from, and the source of what it passes."""

    index: int
    module: str  # "lesson01"
    arguments: tuple[str, ...]  # ("run_one_direction",)


def check_cells(notebook: dict, name: str) -> list[CheckCell]:
    """The cells of a solution notebook that call one of the lesson's checks, in order."""
    found = []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = cell_source(cell)
        tree = ast.parse(source, f"{name}, cell {index}")
        imported = {
            alias.asname or alias.name: match.group("module")
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (match := CHECKS_MODULE.match(node.module or ""))
            for alias in node.names
        }
        calls = [
            (node.func.id, node.args)
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in imported
        ]
        if len(calls) > 1:
            raise CourseError(f"{name}, cell {index}: calls {len(calls)} checks; a check cell calls one")
        if calls:
            check, given = calls[0]
            arguments = tuple(ast.get_source_segment(source, argument) or "" for argument in given)
            found.append(CheckCell(index, imported[check], arguments))
    return found


def hidden_module(module: str, lesson: Lesson) -> ModuleType:
    """The hidden cases of `lesson`'s exercise (`tools.grading.hidden.<module>`), checked against the manifest."""
    hidden = importlib.import_module(f"{HIDDEN_PACKAGE}.{module}")
    tasks = lesson.exercise.tasks if lesson.exercise else ()
    for constant in ("POINTS", "HIDDEN"):
        keys = tuple(getattr(hidden, constant, {}))
        if keys != tasks:
            raise CourseError(f"{hidden.__file__}: {constant} names {keys}; the exercise's tasks are {tasks}")
    if not all(isinstance(points, int) and points > 0 for points in hidden.POINTS.values()):
        raise CourseError(f"{hidden.__file__}: POINTS must give each task a positive whole number of points")
    return hidden


def hidden_code(hidden: ModuleType, task: str) -> str:
    """The code a grade cell gets to define `task`'s hidden cases: the module's imports, its private helpers (module-
    level functions named `_...`), and the task's hidden function, in the module's order."""
    source = inspect.getsource(hidden)
    function = hidden.HIDDEN[task]
    body = ast.parse(source).body
    imports = [
        ast.get_source_segment(source, node) or ""
        for node in body
        if isinstance(node, ast.Import) or (isinstance(node, ast.ImportFrom) and node.module != "__future__")
    ]
    functions = [
        ast.get_source_segment(source, node) or ""
        for node in body
        if isinstance(node, ast.FunctionDef) and (node.name.startswith("_") or node.name == function.__name__)
    ]
    code = "\n\n\n".join(["\n".join(imports), *functions])
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        if marker in code:
            raise CourseError(f"{hidden.__file__}: the code for {task!r} contains {marker!r}, which nbgrader would cut")
    return code


def hidden_block(hidden: ModuleType, task: str, arguments: tuple[str, ...]) -> str:
    """The code added to a task's check cell in the instructor's copy: the hidden cases and the grade."""
    function: Callable = hidden.HIDDEN[task]
    slow = task in getattr(hidden, "SLOW", frozenset())
    call = f"{function.__name__}({', '.join(arguments)})"
    lines = [
        BEGIN_HIDDEN,
        "# The instructor's copy only: nbgrader removes this block from the learners' notebooks and runs it to grade",
        f"# (tools/grading/hidden/{Path(hidden.__file__ or '').name}).",
        hidden_code(hidden, task),
        "from course_utils.checks.grading import grade",
        "",
        "",
        f"grade({json.dumps(task)}, {call}, points={hidden.POINTS[task]}{', slow=True' if slow else ''})",
        END_HIDDEN,
    ]
    return "\n".join(lines)


def source_notebook(solution: dict, lesson: Lesson, name: str) -> dict:
    """nbgrader's source notebook for `lesson`'s exercise, from its worked solution (nbformat JSON)."""
    assert lesson.exercise is not None
    checks = check_cells(solution, name)
    tasks = lesson.exercise.tasks
    if len(checks) != len(tasks):
        raise CourseError(f"{name}: {len(checks)} check cells, but the exercise has {len(tasks)} tasks {tasks}")
    notebook = copy.deepcopy(solution)
    answers = 0
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        cell["outputs"], cell["execution_count"] = [], None
        source = exercise_setup(cell_source(cell))
        if any(BEGIN.match(line) for line in source.split("\n")):
            answers += 1
            cell["metadata"]["nbgrader"] = _metadata(f"answer-{answers}", solution=True)
        cell["source"] = source
    for task, check in zip(tasks, checks):
        hidden = hidden_module(check.module, lesson)
        cell = notebook["cells"][check.index]
        cell["source"] = cell_source(cell).rstrip("\n") + "\n" + hidden_block(hidden, task, check.arguments)
        cell["metadata"]["nbgrader"] = _metadata(_grade_id(task), grade=True, points=hidden.POINTS[task])
    # Its heading's launch links open the exercise, as the exercise's do (the release is the exercise).
    return retarget_launch_links(notebook, f"exercises/{lesson.exercise.notebook}.ipynb")


def _metadata(grade_id: str, *, solution: bool = False, grade: bool = False, points: int = 0) -> dict:
    """A cell's nbgrader metadata (schema 3): a solution cell, or an autograder cell worth `points`."""
    data: dict = {"grade": grade, "grade_id": grade_id, "locked": grade, "schema_version": 3, "solution": solution}
    if grade:
        data["points"] = points
    return data


def _grade_id(task: str) -> str:
    """nbgrader's id of a task's grade cell (letters, digits, _ and -): "SpeakerClassifier.forward" -> ..._forward."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", task).strip("_")


def course_files(solutions_dir: Path = ROOT / "solutions") -> dict[str, str]:
    """{path inside the course folder: text} of everything the generator writes."""
    files = {
        "nbgrader_config.py": CONFIG.format(course_id=COURSE_ID),
        "course_hooks.py": HOOKS.read_text(encoding="utf-8"),
    }
    for lesson in LESSONS:
        if lesson.exercise is None:
            continue
        path = Path(solutions_dir) / f"{lesson.exercise.notebook}.ipynb"
        if not path.is_file():
            raise CourseError(f"{path}: no worked solution for lesson {lesson.notebook}'s exercise")
        solution = json.loads(path.read_text(encoding="utf-8"))
        notebook = source_notebook(solution, lesson, str(path))
        files[f"source/{lesson.notebook}/{lesson.exercise.notebook}.ipynb"] = render(notebook)
    return files


def write_course(folder: Path, *, force: bool = False, say: Callable[[str], None] = print) -> list[str]:
    """Write the course folder; return the files kept because they differ (an edit) and `force` was not given."""
    folder = Path(folder)
    files = course_files()  # everything is built before anything is written
    kept = []
    for relative, text in files.items():
        path = folder / relative
        if path.exists() or path.is_symlink():
            try:
                writable_target(path)
            except OSError as error:
                raise CourseError(str(error)) from None
            if path.read_text(encoding="utf-8") == text:
                continue
            if not force:
                kept.append(relative)
                say(f"kept: {path} (it differs from what the generator writes; --force replaces it)")
                continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as file:
            file.write(text)
        say(f"wrote {path}")
    return kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the course folder to write (created if missing)")
    parser.add_argument("--force", action="store_true", help="replace files that differ from what it writes")
    args = parser.parse_args(argv)
    try:
        kept = write_course(args.folder, force=args.force)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 1 if kept else 0


if __name__ == "__main__":
    sys.exit(main())
