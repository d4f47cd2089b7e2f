"""The course manifest (course_utils.course) and the files it names stay in step.

Adding a lesson is adding its `Lesson` to the manifest and writing its files: each test here names
what is missing or left over (a notebook, its heading, a map row, a bank, an exercise, a link, a
check's task name, the lessons' import contract).
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

import pytest

from course_utils.course import FINAL_TEST_LESSON, LESSONS, TASKS, Lesson, exercise_tasks, lesson, map_rows

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10 has no tomllib; tomli is the same parser
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
BANKS = ROOT / "course_utils" / "quiz" / "banks"
NAMES = [entry.notebook for entry in LESSONS]
# A course map row: | number | `notebook` | summary | minutes |
MAP_ROW = re.compile(r"^\| \d\d( \(optional\))? \| `[^`]+` \|.*\| \d+ \|$")


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def map_rows_in(text: str) -> list[str]:
    return [line for line in text.splitlines() if MAP_ROW.match(line)]


def test_every_notebook_is_a_lesson_of_the_manifest_and_every_lesson_has_its_notebook():
    on_disk = sorted(path.stem for path in (ROOT / "notebooks").glob("*.ipynb"))
    assert sorted(NAMES) == on_disk, "notebooks/ and course_utils/course.py's LESSONS must list the same notebooks"
    assert len(set(NAMES)) == len(NAMES)
    assert NAMES == sorted(NAMES), "the lessons run in the order their file names sort (a learner's file browser)"
    assert FINAL_TEST_LESSON in NAMES


@pytest.mark.parametrize("entry", LESSONS, ids=NAMES)
def test_each_notebook_opens_with_the_manifests_heading(entry: Lesson):
    first_line = "".join(cells(ROOT / "notebooks" / f"{entry.notebook}.ipynb")[0]["source"]).splitlines()[0]
    assert first_line == entry.heading


@pytest.mark.parametrize(
    ("document", "prefix"), [("README.md", "notebooks/"), ("notebooks/00_start_here.ipynb", "")], ids=["README", "00"]
)
def test_the_course_maps_are_the_manifests(document, prefix):
    path = ROOT / document
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        text = "\n".join("".join(cell["source"]) for cell in cells(path) if cell["cell_type"] == "markdown")
    assert map_rows_in(text) == map_rows(prefix), f"{document}'s course map: write the rows map_rows() gives"


@pytest.mark.parametrize("entry", LESSONS[:-1], ids=NAMES[:-1])
def test_each_lesson_ends_by_pointing_to_the_next(entry: Lesson):
    following = LESSONS[LESSONS.index(entry) + 1].notebook
    last = "".join(cells(ROOT / "notebooks" / f"{entry.notebook}.ipynb")[-1]["source"])
    assert f"{following}.ipynb" in last, f"the last cell of {entry.notebook} should point to {following}"


def test_the_lessons_with_a_quiz_are_the_bank_files():
    on_disk = sorted(path.stem for path in BANKS.glob("*.json") if path.stem != "final_test")
    assert on_disk == sorted(entry.notebook for entry in LESSONS if entry.quiz)


def test_every_exercise_has_its_notebook_and_worked_solution_and_no_other_exercise_exists():
    named = sorted(f"{entry.exercise.notebook}.ipynb" for entry in LESSONS if entry.exercise)
    for folder in ("exercises", "solutions"):
        assert sorted(path.name for path in (ROOT / folder).glob("*.ipynb")) == named, folder
    for entry in LESSONS:
        if entry.exercise:
            assert entry.exercise.notebook.startswith(entry.notebook), "an exercise is named after its lesson"
            assert len(set(entry.exercise.tasks)) == len(entry.exercise.tasks) > 0


def task_names_checked() -> dict[str, str]:
    """{task name: module} for every `run_check("task", ...)` in course_utils/checks."""
    found = {}
    for path in sorted((ROOT / "course_utils" / "checks").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "run_check":
                first = node.args[0] if node.args else None
                assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                    f"{path.name}, line {node.lineno}: run_check's task name must be written out, as in the manifest"
                )
                found[first.value] = path.stem
    return found


def test_every_check_reports_a_task_of_the_manifest_and_every_task_is_checked():
    checked = task_names_checked()
    assert set(checked) == TASKS, (
        f"tasks checked but in no lesson's exercise: {sorted(set(checked) - TASKS)}; "
        f"tasks of the manifest no check reports: {sorted(TASKS - set(checked))}"
    )
    every = [task for tasks in exercise_tasks().values() for task in tasks]
    assert len(every) == len(TASKS), "a task name belongs to one exercise only (it keys the saved verdicts)"


def test_the_lessons_import_contract_lists_the_manifests_lesson_modules():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(
        c for c in config["tool"]["importlinter"]["contracts"] if c["name"] == "Lessons use the core, never each other"
    )
    modules = {f"course_utils.lessons.{entry.module}" for entry in LESSONS if entry.module}
    assert set(contract["modules"]) == modules
    for module in modules:
        assert (ROOT / Path(*module.split("."))).is_dir() or (ROOT / f"{Path(*module.split('.'))}.py").is_file()


def test_a_lesson_is_found_by_its_notebook_and_an_unknown_name_is_refused_with_the_names():
    assert lesson("04_packing_speed").label == "04 (optional)"
    assert lesson("04_packing").heading == "# 04 · Padding and packing"
    with pytest.raises(ValueError, match=r"no lesson's notebook is called '04_pack'.*04_packing, 04_packing_speed"):
        lesson("04_pack")
