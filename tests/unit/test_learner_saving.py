"""Saving what the learner did (`course_utils.learner.saving`), from plain values: no quiz, no check object."""

import pytest

from course_utils.learner.saving import FinalTestScore, running_a_solution, save_answer, save_check_verdict
from course_utils.learner.store import ENV_VAR, load_progress
from course_utils.verdicts import FAILED, NOT_ATTEMPTED, PASSED, REVEALED, RIGHT, WRONG

SOLUTION = "/home/learner/birnn-course/solutions/02_shapes_exercise.ipynb"
EXERCISE = "/home/learner/birnn-course/exercises/02_shapes_exercise.ipynb"


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
def test_an_exercise_a_script_or_nbval_is_not_a_solution(monkeypatch, session_name):
    if session_name is None:
        monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    else:
        monkeypatch.setenv("JPY_SESSION_NAME", session_name)
    assert not running_a_solution()
