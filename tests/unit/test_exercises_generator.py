"""Specification of the generator that writes exercises/ from solutions/."""

import json
import os

import pytest

import tools.exercises as generator
from tools.exercises import (
    GeneratorError,
    MarkerError,
    exercise_from_solution,
    stale_exercises,
    strip_solutions,
    write_exercises,
)

SOLVED = """def reverse_time(x):
    '''(N, T, F) -> (N, T, F), time reversed.'''
    # BEGIN SOLUTION hint: flip the time axis (dim 1)
    y = x.flip(1)
    return y
    # END SOLUTION
"""


def notebook(*sources):
    cells = [
        {
            "cell_type": "code",
            "source": s,
            "metadata": {},
            "outputs": [{"output_type": "stream", "name": "stdout", "text": "done"}],
            "execution_count": i + 1,
        }
        for i, s in enumerate(sources)
    ]
    cells.insert(0, {"cell_type": "markdown", "source": "# Task", "metadata": {}})
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_solution_block_becomes_a_stub_with_the_hint_at_the_same_indent():
    assert strip_solutions(SOLVED) == (
        "def reverse_time(x):\n"
        "    '''(N, T, F) -> (N, T, F), time reversed.'''\n"
        '    raise NotImplementedError("your code here: flip the time axis (dim 1)")'
    )


def test_block_without_hint_gets_the_default_hint():
    source = "def f():\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION"
    assert 'raise NotImplementedError("your code here: write this part yourself' in strip_solutions(source)


def test_code_outside_markers_is_kept_verbatim():
    source = "import torch\nx = 1  # not a solution"
    assert strip_solutions(source) == source


@pytest.mark.parametrize(
    "source, message",
    [
        ("# BEGIN SOLUTION\nx = 1\n# END SOLUTION", "must be indented inside a function"),
        ("def f():\n    # BEGIN SOLUTION\n    return 1", "never closed"),
        ("def f():\n    return 1\n    # END SOLUTION", "END SOLUTION without a BEGIN"),
        ("def f():\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    # END SOLUTION", "inside another"),
    ],
)
def test_malformed_markers_are_reported_with_their_line(source, message):
    with pytest.raises(MarkerError, match=message):
        strip_solutions(source)


def test_exercise_notebook_has_stubs_and_no_outputs_and_keeps_markdown():
    exercise = exercise_from_solution(notebook(SOLVED, "print(reverse_time)"))
    assert exercise["cells"][0]["source"] == "# Task"
    assert "NotImplementedError" in exercise["cells"][1]["source"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in exercise["cells"][1:])


def test_changing_a_solution_without_regenerating_makes_exercises_stale(tmp_path):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    (solutions / "01_task.ipynb").write_text(json.dumps(notebook(SOLVED)))
    write_exercises(solutions, exercises)
    assert stale_exercises(solutions, exercises) == []
    (solutions / "01_task.ipynb").write_text(json.dumps(notebook(SOLVED.replace("flip the time", "reverse the time"))))
    assert stale_exercises(solutions, exercises) == ["01_task.ipynb"]


def test_an_exercise_without_a_solution_is_stale_and_removed_on_write(tmp_path):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    exercises.mkdir()
    (solutions / "01_task.ipynb").write_text(json.dumps(notebook(SOLVED)))
    (exercises / "99_orphan.ipynb").write_text("{}")
    assert stale_exercises(solutions, exercises) == ["01_task.ipynb", "99_orphan.ipynb"]
    write_exercises(solutions, exercises)
    assert not (exercises / "99_orphan.ipynb").exists()


def test_the_committed_exercises_are_what_the_generator_writes_now():
    stale = stale_exercises()
    assert not stale, f"exercises/ is out of date for {stale}: run `make exercises` and commit the result"


# --- the generator never deletes what it cannot write again (issue 16) ---------------------------


def committed_like(tmp_path):
    """A solutions/ with one notebook and an exercises/ with its exercise and a second one."""
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    (solutions / "01_task.ipynb").write_text(json.dumps(notebook(SOLVED)))
    write_exercises(solutions, exercises)
    (exercises / "02_other.ipynb").write_text("{}")
    return solutions, exercises


def test_without_any_solution_notebook_the_generator_refuses_and_deletes_nothing(tmp_path, capsys):
    solutions, exercises = committed_like(tmp_path)
    for path in solutions.iterdir():
        path.unlink()
    before = sorted(p.name for p in exercises.iterdir())
    with pytest.raises(GeneratorError, match=f"no solution notebooks \\(\\*.ipynb\\) in {solutions}"):
        write_exercises(solutions, exercises)
    assert sorted(p.name for p in exercises.iterdir()) == before


def test_the_command_exits_non_zero_and_says_nothing_was_deleted(tmp_path, monkeypatch, capsys):
    solutions, exercises = committed_like(tmp_path)
    monkeypatch.setattr(generator.write_exercises, "__defaults__", (tmp_path / "missing", exercises))
    assert generator.main([]) == 2
    assert "nothing was written or deleted" in capsys.readouterr().err
    assert sorted(p.name for p in exercises.iterdir()) == ["01_task.ipynb", "02_other.ipynb"]


@pytest.mark.parametrize(
    "content, words",
    [
        ("{not json", "is damaged or cut short, not a readable solution notebook"),
        (b"\xff\xfe", "is not UTF-8 text"),
        (json.dumps({"cells": "none"}), "not a Jupyter notebook"),
    ],
)
def test_a_broken_solution_is_named_and_nothing_is_written_or_deleted(tmp_path, content, words):
    solutions, exercises = committed_like(tmp_path)
    broken = solutions / "02_broken.ipynb"
    broken.write_bytes(content) if isinstance(content, bytes) else broken.write_text(content)
    before = {p.name: p.read_bytes() for p in exercises.iterdir()}
    with pytest.raises(ValueError, match=words) as caught:
        write_exercises(solutions, exercises)
    assert "02_broken.ipynb" in str(caught.value)
    assert {p.name: p.read_bytes() for p in exercises.iterdir()} == before


def test_a_marker_error_names_the_file(tmp_path):
    solutions, exercises = committed_like(tmp_path)
    (solutions / "03_bad.ipynb").write_text(json.dumps(notebook("def f():\n    # END SOLUTION\n")))
    with pytest.raises(MarkerError, match=r"03_bad.ipynb, cell 1, line 2: END SOLUTION without a BEGIN"):
        write_exercises(solutions, exercises)


def test_an_exercise_interrupted_while_written_is_left_as_it_was(tmp_path, monkeypatch):
    solutions, exercises = committed_like(tmp_path)
    before = (exercises / "01_task.ipynb").read_text()
    (solutions / "01_task.ipynb").write_text(json.dumps(notebook(SOLVED.replace("flip", "turn"))))

    def interrupted(source, target):
        raise KeyboardInterrupt  # Ctrl-C just before the new file would replace the old one

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_exercises(solutions, exercises)
    assert (exercises / "01_task.ipynb").read_text() == before
    assert not [p.name for p in exercises.iterdir() if p.name.endswith(".tmp")]
