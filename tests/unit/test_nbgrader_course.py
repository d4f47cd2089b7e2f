"""The nbgrader course generator (tools/grading/nbgrader_course.py), without nbgrader: what it writes and keeps.

The round trip through nbgrader itself (release, autograde, feedback) is tests/dist/test_nbgrader.py.
"""

from __future__ import annotations

import builtins
import dis
import importlib
import inspect
import json
import os
import sys
import types

import pytest
from exercise_code import solution as solved

import tools.grading.nbgrader_course as generator
from course_utils.checks import PASSED
from course_utils.checks.runner import run_cases
from course_utils.course import LESSONS, lesson
from tools.exercises import ROOT

EXERCISES = [entry for entry in LESSONS if entry.exercise is not None]


def solution(entry) -> dict:
    return json.loads((ROOT / "solutions" / f"{entry.exercise.notebook}.ipynb").read_text())


@pytest.fixture
def fake_hidden(tmp_path, monkeypatch):
    """A hidden-cases package of the contract's shape, each task worth 1 point + its position, each case passing."""
    package = tmp_path / "fake_hidden"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for entry in EXERCISES:
        module = generator.check_cells(solution(entry), entry.notebook)[0].module
        functions = [f"def hidden_{number}(*given):\n    return {{'fine': lambda: None}}\n" for number in range(9)]
        tasks = entry.exercise.tasks
        text = "import math\n\n\n" + "\n\n".join(functions[: len(tasks)])
        text += f"\n\nPOINTS = {{{', '.join(f'{t!r}: {n + 1}' for n, t in enumerate(tasks))}}}\n"
        text += f"HIDDEN = {{{', '.join(f'{t!r}: hidden_{n}' for n, t in enumerate(tasks))}}}\n"
        (package / f"{module}.py").write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(generator, "HIDDEN_PACKAGE", "fake_hidden")
    yield package
    for name in [name for name in sys.modules if name.startswith("fake_hidden")]:
        del sys.modules[name]
    importlib.invalidate_caches()


def test_every_exercise_has_one_check_cell_per_task_in_order():
    for entry in EXERCISES:
        cells = generator.check_cells(solution(entry), entry.notebook)
        assert len(cells) == len(entry.exercise.tasks), entry.notebook
        assert len({cell.module for cell in cells}) == 1, entry.notebook


def test_the_check_calls_arguments_are_passed_on_to_the_hidden_cases():
    cells = generator.check_cells(solution(lesson("06_why_not_wait")), "06")
    assert cells[-1].arguments == ("delayed_logits", "covering_delay")
    assert generator.check_cells(solution(lesson("07_speaker_id")), "07")[1].arguments == ("SpeakerClassifier",)


def test_the_source_notebook_marks_answers_and_grades(fake_hidden):
    entry = lesson("01_concept")
    notebook = generator.source_notebook(solution(entry), entry, "01")
    marked = [cell["metadata"]["nbgrader"] for cell in notebook["cells"] if "nbgrader" in cell["metadata"]]
    assert [m["grade_id"] for m in marked] == ["answer-1", "run_one_direction", "answer-2", "bidirectional_pass"]
    assert [m.get("points") for m in marked if m["grade"]] == [1, 2]
    grade_cell = "".join(notebook["cells"][5]["source"])
    assert grade_cell.startswith("from course_utils.checks.lesson01 import check_run_one_direction\n\n")
    assert grade_cell.endswith(
        'grade("run_one_direction", hidden_0(run_one_direction), points=1)\n### END HIDDEN TESTS'
    )
    assert "import math\n\n\ndef hidden_0(*given):" in grade_cell  # the module's imports, then the hidden function
    assert "".join(notebook["cells"][1]["source"]).endswith("setup_notebook()")  # the exercise's set-up
    assert all(cell.get("outputs", []) == [] for cell in notebook["cells"])


def test_grade_ids_are_what_nbgrader_accepts():
    assert generator._grade_id("SpeakerClassifier.forward") == "SpeakerClassifier_forward"
    assert generator._grade_id("waiting for the window") == "waiting_for_the_window"


def test_a_hidden_module_must_name_the_exercises_tasks(fake_hidden):
    (fake_hidden / "lesson01.py").write_text("POINTS = {'run_one_direction': 4}\nHIDDEN = {}\n")
    with pytest.raises(generator.CourseError, match="POINTS names .* the exercise's tasks are"):
        generator.hidden_module("lesson01", lesson("01_concept"))


def test_a_hidden_case_holding_a_solution_marker_is_refused(fake_hidden):
    (fake_hidden / "lesson01.py").write_text(
        "def hidden(fn):\n    # BEGIN SOLUTION\n    return {}\n\n\n"
        "POINTS = {'run_one_direction': 1, 'bidirectional_pass': 1}\n"
        "HIDDEN = {'run_one_direction': hidden, 'bidirectional_pass': hidden}\n"
    )
    with pytest.raises(generator.CourseError, match="BEGIN SOLUTION"):
        generator.source_notebook(solution(lesson("01_concept")), lesson("01_concept"), "01")


def test_the_course_folder_is_written_and_an_edited_file_is_kept(fake_hidden, tmp_path):
    folder = tmp_path / "class"
    lines: list[str] = []
    assert generator.write_course(folder, say=lines.append) == []
    assert (folder / "course_hooks.py").read_text() == generator.HOOKS.read_text()
    assert 'c.CourseDirectory.course_id = "birnn-course"' in (folder / "nbgrader_config.py").read_text()
    for entry in EXERCISES:
        assert (folder / "source" / entry.notebook / f"{entry.exercise.notebook}.ipynb").is_file()
    assert len(lines) == 2 + len(EXERCISES)

    config = folder / "nbgrader_config.py"
    config.write_text(config.read_text() + "c.Execute.timeout = 60\n")  # the instructor's own setting
    lines.clear()
    assert generator.write_course(folder, say=lines.append) == ["nbgrader_config.py"]
    assert lines == [f"kept: {config} (it differs from what the generator writes; --force replaces it)"]
    assert generator.write_course(folder, force=True, say=lines.append) == []
    assert "c.Execute.timeout = 60" not in config.read_text()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_anything_but_a_regular_file_is_refused(fake_hidden, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    os.mkfifo(folder / "nbgrader_config.py")
    with pytest.raises(generator.CourseError, match="not a regular file"):
        generator.write_course(folder, force=True, say=lambda line: None)


# --- the hidden cases the course ships (tools/grading/hidden): the contract the generator relies on ------------

HIDDEN_TASKS = [
    pytest.param(entry, task, cell, id=f"{entry.notebook}: {task}")
    for entry in EXERCISES
    for task, cell in zip(entry.exercise.tasks, generator.check_cells(solution(entry), entry.notebook))
]


@pytest.mark.parametrize("entry", EXERCISES, ids=lambda entry: entry.notebook)
def test_each_exercise_has_hidden_cases_worth_10_points(entry):
    module = generator.check_cells(solution(entry), entry.notebook)[0].module
    hidden = generator.hidden_module(module, entry)  # POINTS and HIDDEN name the exercise's tasks, in order
    assert inspect.getdoc(hidden)
    assert sum(hidden.POINTS.values()) == 10
    assert set(getattr(hidden, "SLOW", ())) <= set(entry.exercise.tasks)


def global_names(code: types.CodeType) -> set[str]:
    """The global names `code` reads, and the functions nested in it read."""
    names = {i.argval for i in dis.get_instructions(code) if i.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= global_names(constant)
    return names


@pytest.mark.parametrize(("entry", "task", "cell"), HIDDEN_TASKS)
def test_the_pasted_hidden_cases_stand_alone_and_pass_the_worked_solution(entry, task, cell):
    hidden = generator.hidden_module(cell.module, entry)
    function = hidden.HIDDEN[task]
    assert tuple(inspect.signature(function).parameters) == cell.arguments  # what the check cell hands its check
    namespace: dict = {"__name__": "grade_cell"}
    exec(compile(generator.hidden_code(hidden, task), "<grade cell>", "exec"), namespace)  # nothing else defined
    pasted = [f for f in namespace.values() if isinstance(f, types.FunctionType) and f.__module__ == "grade_cell"]
    for defined in pasted:
        missing = global_names(defined.__code__) - namespace.keys() - set(dir(builtins))
        assert not missing, f"{defined.__name__} reads {sorted(missing)}, which the grade cell does not define"
    if task in getattr(hidden, "SLOW", ()):
        return  # the tasks that train pass on the worked solution in test_hidden_cases_*.py and the round trip
    answers = solved(entry.notebook)
    report = run_cases(task, namespace[function.__name__](*(answers[name] for name in cell.arguments)))
    assert report.status == PASSED, str(report)


def test_the_pasted_code_holds_the_imports_the_private_helpers_and_the_one_function(fake_hidden):
    (fake_hidden / "lesson01.py").write_text(
        '"""Fake."""\nimport math\n\nSIZE = 3\n\n\ndef _helper():\n    return math.pi\n\n\n'
        "def hidden_a(fn):\n    return {'uses the helper': _helper, 'reads SIZE': lambda: SIZE}\n\n\n"
        "def hidden_b(fn):\n    return {}\n\n\n"
        "POINTS = {'run_one_direction': 5, 'bidirectional_pass': 5}\n"
        "HIDDEN = {'run_one_direction': hidden_a, 'bidirectional_pass': hidden_b}\n"
    )
    hidden = generator.hidden_module("lesson01", lesson("01_concept"))
    code = generator.hidden_code(hidden, "run_one_direction")
    assert code.startswith("import math\n\n\ndef _helper():") and "def hidden_a(fn):" in code
    assert "hidden_b" not in code and "SIZE = 3" not in code and "POINTS" not in code
    namespace: dict = {"__name__": "grade_cell"}
    exec(code, namespace)
    reads = global_names(namespace["hidden_a"].__code__) - namespace.keys() - set(dir(builtins))
    assert reads == {"SIZE"}  # what the contract test above catches: a module-level name the cell lacks
