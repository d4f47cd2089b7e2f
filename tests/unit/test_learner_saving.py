"""Saving what the learner did (`course_utils.learner.saving`), from plain values: no quiz, no check object."""

import json
import os
from pathlib import Path

import pytest

from course_utils import env
from course_utils.learner.saving import (
    WORKED_SOLUTION_ENV_VAR,
    FinalTestScore,
    running_a_solution,
    save_answer,
    save_check_verdict,
)
from course_utils.learner.store import ENV_VAR, load_progress
from course_utils.verdicts import FAILED, NOT_ATTEMPTED, PASSED, REVEALED, RIGHT, WRONG

SOLUTION = "/home/learner/birnn-course/solutions/02_shapes_exercise.ipynb"
EXERCISE = "/home/learner/birnn-course/exercises/02_shapes_exercise.ipynb"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def not_a_worked_solution(monkeypatch):
    """Each test starts as an exercise, a script or nbval does: no notebook has said it is a worked solution."""
    monkeypatch.delenv(WORKED_SOLUTION_ENV_VAR, raising=False)


def tries(question_id="q"):
    return load_progress()[0]["questions"][question_id]["tries"]


def test_an_answer_is_saved_as_a_try_of_its_round():
    assert save_answer("q", "r1", WRONG) is None
    assert save_answer("q", "r1", RIGHT) is None
    (saved,) = tries()
    assert (saved["round"], saved["first"], saved["attempts"], saved["right"]) == ("r1", WRONG, 2, True)


def test_a_shown_answer_is_saved_as_revealed():
    save_answer("q", "r1", REVEALED)
    assert (tries()[0]["first"], tries()[0]["revealed"]) == (REVEALED, True)


def test_a_final_test_answer_saves_the_tests_score_in_the_same_update():
    save_answer("q", "t1", RIGHT, FinalTestScore(1, 3, {"02_shapes": (1, 2), "04_packing": (0, 1)}))
    data = load_progress()[0]
    (test,) = data["final_tests"]
    assert (test["round"], test["correct"], test["asked"]) == ("t1", 1, 3)
    assert test["by_topic"] == {"02_shapes": [1, 2], "04_packing": [0, 1]}
    assert data["questions"]["q"]["tries"][0]["round"] == "t1"


def test_an_answer_that_cannot_be_saved_comes_back_as_a_notice(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))  # a folder: nothing can be saved there
    assert "is a folder" in save_answer("q", "r1", RIGHT)


def test_an_outcome_outside_the_vocabulary_is_a_bug_and_raises():
    with pytest.raises(ValueError, match="outcome must be one of right, wrong, revealed"):
        save_answer("q", "r1", "correct")


def test_a_checks_verdict_is_saved_under_its_task(monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert save_check_verdict("predict_shapes", FAILED) == ""
    assert save_check_verdict("predict_shapes", PASSED) == ""
    assert save_check_verdict("predict_shapes", NOT_ATTEMPTED) == ""  # never erases a verdict
    assert load_progress()[0]["checks"]["predict_shapes"]["status"] == PASSED


def test_a_verdict_that_cannot_be_saved_comes_back_as_a_notice(tmp_path, monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert "is a folder" in save_check_verdict("predict_shapes", PASSED)


def test_a_verdict_from_a_worked_solution_is_not_saved(monkeypatch):
    monkeypatch.setenv("JPY_SESSION_NAME", SOLUTION)
    assert running_a_solution() and save_check_verdict("predict_shapes", PASSED) == ""
    assert load_progress()[0]["checks"] == {}


@pytest.mark.parametrize("session_name", [EXERCISE, "", None])
def test_without_its_first_cells_word_an_exercise_or_a_script_is_not_a_solution(monkeypatch, session_name):
    if session_name is None:
        monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    else:
        monkeypatch.setenv("JPY_SESSION_NAME", session_name)
    assert not running_a_solution()


def test_a_worked_solution_says_so_in_its_first_cell_and_its_verdicts_are_not_saved_in_any_front_end(monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)  # VS Code, nbclient, nbval: no server names the notebook
    env.setup_notebook(worked_solution=True)
    assert running_a_solution() and save_check_verdict("predict_shapes", PASSED) == ""
    assert load_progress()[0]["checks"] == {}


def test_an_exercises_first_cell_clears_what_a_solution_said_in_the_same_kernel(monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    env.setup_notebook(worked_solution=True)
    env.setup_notebook()
    assert not running_a_solution()
    save_check_verdict("predict_shapes", PASSED)
    assert load_progress()[0]["checks"]["predict_shapes"]["status"] == PASSED


def test_setup_notebook_and_the_saving_name_the_same_variable():
    assert env.WORKED_SOLUTION_VARIABLE == WORKED_SOLUTION_ENV_VAR


def test_worked_solution_must_be_a_bool():
    with pytest.raises(TypeError, match="worked_solution"):
        env.setup_notebook(worked_solution="yes")


def run_in_a_kernel(cells, folder: Path, store: Path) -> tuple[dict, str]:
    """Run notebook cells on a fresh python3 kernel (nbclient, as VS Code's or a script's run would), saving into
    `store`; return the checks the store then holds, and what the last cell printed."""
    import nbformat

    from tools.notebook_runner import notebook_client

    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook_client(notebook, folder, 300).execute(env={**os.environ, ENV_VAR: str(store)})
    printed = "".join(output.get("data", {}).get("text/plain", "") for output in notebook.cells[-1].outputs)
    return (json.loads(store.read_text())["checks"] if store.exists() else {}), printed


def first_task_of(path: Path) -> list:
    """The cells of an exercise notebook up to its first check cell: set-up, imports, Task 1 and its check."""
    import nbformat

    cells = nbformat.read(path, as_version=4).cells
    check = next(i for i, cell in enumerate(cells) if "check_space_labels(" in cell.source)
    return cells[: check + 1]


@pytest.mark.slow
def test_a_solution_run_with_nbclient_saves_no_verdict_and_its_exercise_with_a_right_answer_does(tmp_path):
    from tools.exercises import exercise_from_solution

    solution_path = ROOT / "solutions" / "08_capstone_word_segmentation_exercise.ipynb"
    checks, printed = run_in_a_kernel(first_task_of(solution_path), tmp_path, tmp_path / "solution.json")
    assert "space_labels: all passed" in printed and checks == {}

    exercise = exercise_from_solution(json.loads(solution_path.read_text()))
    exercise_path = tmp_path / "exercise.ipynb"
    exercise_path.write_text(json.dumps(exercise))
    cells = first_task_of(exercise_path)
    (stub,) = [cell for cell in cells if "def space_labels" in cell.source]
    answer = (
        "    words = sentence.split()\n"
        "    labels = [1 if i == len(word) - 1 else 0 for word in words for i in range(len(word))]\n"
        "    return ''.join(words), labels[:-1] + [0] if labels else []"
    )
    stub.source = "\n".join(answer if "NotImplementedError" in line else line for line in stub.source.split("\n"))
    checks, printed = run_in_a_kernel(cells, tmp_path, tmp_path / "exercise.json")
    assert "space_labels: all passed" in printed and checks["space_labels"]["status"] == PASSED
