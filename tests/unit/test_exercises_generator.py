"""Specification of the generator that writes exercises/ from solutions/."""

import json

import pytest

from tools.exercises import MarkerError, exercise_from_solution, stale_exercises, strip_solutions, write_exercises

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
    (exercises / "99_orphan.ipynb").write_text("{}")
    assert stale_exercises(solutions, exercises) == ["99_orphan.ipynb"]
    write_exercises(solutions, exercises)
    assert not (exercises / "99_orphan.ipynb").exists()


def test_the_committed_exercises_are_what_the_generator_writes_now():
    stale = stale_exercises()
    assert not stale, f"exercises/ is out of date for {stale}: run `make exercises` and commit the result"
