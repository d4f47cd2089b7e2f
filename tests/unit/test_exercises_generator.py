"""Specification of the generator that writes exercises/ from solutions/."""

import json
import os

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tools.exercises as generator
from course_utils.stubs import MarkerError, strip_solutions
from tools.exercises import (
    ROOT,
    GeneratorError,
    exercise_from_solution,
    exercise_setup,
    stale_exercises,
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
        '    raise NotImplementedError("your code here: flip the time axis (dim 1)")\n'
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


def test_an_exercise_the_generator_wrote_whose_solution_is_gone_is_stale_and_removed_on_write(tmp_path):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    for name in ("01_task.ipynb", "99_orphan.ipynb"):
        (solutions / name).write_text(json.dumps(notebook(SOLVED)))
    write_exercises(solutions, exercises)
    (solutions / "99_orphan.ipynb").unlink()
    assert stale_exercises(solutions, exercises) == ["99_orphan.ipynb"]
    report = write_exercises(solutions, exercises)
    assert report.deleted == ["99_orphan.ipynb"] and not (exercises / "99_orphan.ipynb").exists()


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
    assert sorted(p.name for p in exercises.glob("*.ipynb")) == ["01_task.ipynb", "02_other.ipynb"]


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


# --- the generator never touches a learner's work (issue 27) -------------------------------------


def run_main(monkeypatch, capsys, solutions, exercises, *args):
    """`python -m tools.exercises ARGS` on these folders: (exit status, stdout, stderr)."""
    monkeypatch.setattr(generator.write_exercises, "__defaults__", (solutions, exercises))
    monkeypatch.setattr(generator.stale_exercises, "__defaults__", (solutions, exercises))
    status = generator.main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_a_learners_own_notebooks_in_exercises_are_never_deleted_and_are_named(tmp_path, monkeypatch, capsys):
    solutions, exercises = committed_like(tmp_path)  # 02_other.ipynb: not written by the generator
    for name in ("01_task-Copy1.ipynb", "Untitled.ipynb"):
        (exercises / name).write_text('{"mine": true}')
    status, out, _ = run_main(monkeypatch, capsys, solutions, exercises)
    assert status == 0
    for name in ("01_task-Copy1.ipynb", "02_other.ipynb", "Untitled.ipynb"):
        assert (exercises / name).exists() and f"left alone: exercises/{name} (not written by the generator)" in out


def test_an_edited_exercise_is_kept_and_named_unless_forced(tmp_path, monkeypatch, capsys):
    solutions, exercises = committed_like(tmp_path)
    edited = exercises / "01_task.ipynb"
    edited.write_text(edited.read_text().replace("NotImplementedError", "my_attempt"))
    (solutions / "01_task.ipynb").write_text(json.dumps(notebook(SOLVED.replace("flip", "turn"))))
    mine = edited.read_text()
    report = write_exercises(solutions, exercises)
    assert report.skipped == ["01_task.ipynb"] and report.written == [] and edited.read_text() == mine
    status, out, _ = run_main(monkeypatch, capsys, solutions, exercises)
    assert status == 1 and edited.read_text() == mine
    assert "skipped: exercises/01_task.ipynb (changed since the generator wrote it" in out and "--force" in out
    status, out, _ = run_main(monkeypatch, capsys, solutions, exercises, "--force")
    assert status == 0 and "wrote exercises/01_task.ipynb (replacing your changes)" in out
    assert "turn the time axis" in edited.read_text()
    assert write_exercises(solutions, exercises).skipped == []  # what --force wrote is the generator's again


def test_an_exercise_not_recorded_but_different_is_kept_unless_forced(tmp_path):
    solutions, exercises = committed_like(tmp_path)
    (exercises / generator.RECORD_NAME).unlink()  # e.g. a copy of exercises/ made before the record existed
    (exercises / "01_task.ipynb").write_text('{"cells": []}')
    assert write_exercises(solutions, exercises).skipped == ["01_task.ipynb"]
    assert write_exercises(solutions, exercises, force=True).written == ["01_task.ipynb"]


def test_every_deleted_file_is_printed(tmp_path, monkeypatch, capsys):
    solutions, exercises = committed_like(tmp_path)
    (solutions / "05_more.ipynb").write_text(json.dumps(notebook(SOLVED)))
    write_exercises(solutions, exercises)
    (solutions / "05_more.ipynb").unlink()
    status, out, _ = run_main(monkeypatch, capsys, solutions, exercises)
    assert status == 0 and "deleted exercises/05_more.ipynb (its solution is gone)" in out
    assert not (exercises / "05_more.ipynb").exists()


def test_an_edited_exercise_whose_solution_is_gone_is_kept(tmp_path):
    solutions, exercises = committed_like(tmp_path)
    (exercises / "01_task.ipynb").write_text('{"my": "work"}')
    (solutions / "01_task.ipynb").unlink()
    (solutions / "03_new.ipynb").write_text(json.dumps(notebook(SOLVED)))
    report = write_exercises(solutions, exercises)
    assert report.deleted == [] and report.skipped == ["01_task.ipynb"]
    assert (exercises / "01_task.ipynb").read_text() == '{"my": "work"}'


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_a_read_only_exercise_is_refused_by_name_before_anything_is_written(tmp_path, monkeypatch, capsys):
    solutions, exercises = committed_like(tmp_path)
    (solutions / "00_first.ipynb").write_text(json.dumps(notebook(SOLVED)))
    (solutions / "01_task.ipynb").write_text(json.dumps(notebook(SOLVED.replace("flip", "turn"))))
    (exercises / "01_task.ipynb").chmod(0o444)
    status, _, err = run_main(monkeypatch, capsys, solutions, exercises)
    assert status == 2 and f"{exercises / '01_task.ipynb'} is read-only" in err
    assert len(err.strip().splitlines()) == 1 and not (exercises / "00_first.ipynb").exists()


@pytest.mark.parametrize(
    "source",
    [
        "x = 1\fy = 2",
        "s = 'a\x85b'",
        "t = 'a\u2028b'  # line separator",
        "a = 1\r\nb = 2\r\n",
        "a = 1\n\n",
        "\n",
        "a = 1\v\x1c\x1d\x1e",
    ],
)
def test_every_character_outside_the_markers_is_kept(source):
    assert strip_solutions(source) == source
    assert strip_solutions(source + "\n" + SOLVED + source) == source + "\n" + strip_solutions(SOLVED) + source


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(text=st.text(max_size=200))
def test_any_text_without_markers_comes_out_unchanged(text):
    assume("BEGIN SOLUTION" not in text and "END SOLUTION" not in text)
    assert strip_solutions(text) == text


@pytest.mark.parametrize(
    "content, words",
    [
        ({"nbformat": 99, "nbformat_minor": 0, "cells": [], "metadata": {}}, "is nbformat 99"),
        ({"nbformat": 3, "nbformat_minor": 0, "worksheets": [], "metadata": {}}, "is nbformat 3"),
        ({"cells": [], "metadata": {}}, "is nbformat None"),
        ({**notebook(SOLVED), "cells": [{"cell_type": "code", "source": 3}]}, "not a Jupyter notebook"),
    ],
)
def test_a_solution_that_is_not_an_nbformat_4_notebook_is_refused(tmp_path, content, words):
    solutions, exercises = committed_like(tmp_path)
    (solutions / "02_odd.ipynb").write_text(json.dumps(content))
    with pytest.raises(GeneratorError, match=words):
        write_exercises(solutions, exercises)
    assert not (exercises / "02_odd.ipynb").exists()


@pytest.mark.parametrize("content", ["{not json", '{"nbformat": 3, "worksheets": []}', "[1, 2]"])
def test_the_command_refuses_a_bad_solution_in_one_line(tmp_path, monkeypatch, capsys, content):
    solutions, exercises = committed_like(tmp_path)
    (solutions / "02_bad.ipynb").write_text(content)
    for args in ([], ["--check"]):
        status, _, err = run_main(monkeypatch, capsys, solutions, exercises, *args)
        assert status == 2 and "02_bad.ipynb" in err and len(err.strip().splitlines()) == 1
        assert "Traceback" not in err


@pytest.mark.parametrize(
    "solution, exercise",
    [
        ("setup_notebook(worked_solution=True)", "setup_notebook()"),
        ("setup_notebook(seed=1, worked_solution=True)", "setup_notebook(seed=1)"),
        ("setup_notebook(worked_solution = True, seed=2)\n", "setup_notebook(seed=2)\n"),
        ("from course_utils.env import setup_notebook\n\nsetup_notebook()", None),
        ("setup_notebook(0)  # worked_solution=True stays in a comment", None),
        ("run(worked_solution=True)", None),
    ],
)
def test_a_worked_solutions_setup_call_becomes_the_exercises_and_nothing_else_changes(solution, exercise):
    assert exercise_setup(solution) == (solution if exercise is None else exercise)


def test_the_exercise_of_a_worked_solution_calls_setup_notebook_without_saying_it_is_one():
    solved = notebook("from course_utils.env import setup_notebook\n\nsetup_notebook(worked_solution=True)", SOLVED)
    assert exercise_from_solution(solved)["cells"][1]["source"].endswith("\nsetup_notebook()")


@pytest.mark.parametrize("path", sorted((ROOT / "solutions").glob("*.ipynb")), ids=lambda path: path.stem)
def test_every_solution_says_in_its_first_cell_that_it_is_one_and_its_exercise_does_not(path):
    def first_code(notebook):
        return "".join(next(c for c in notebook["cells"] if c["cell_type"] == "code")["source"])

    solved = json.loads(path.read_text(encoding="utf-8"))
    assert "setup_notebook(worked_solution=True)" in first_code(solved), "its checks would be saved as progress"
    exercise = json.loads((ROOT / "exercises" / path.name).read_text(encoding="utf-8"))
    assert "setup_notebook()" in first_code(exercise) and "worked_solution" not in first_code(exercise)
