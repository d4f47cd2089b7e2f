"""Grading a task for nbgrader (course_utils.checks.grading): the learner's check plus hidden cases, as points."""

from __future__ import annotations

import pytest

from course_utils.checks import Mismatch, run_check
from course_utils.checks.grading import HIDDEN_SUFFIX, TaskGrade, grade
from course_utils.checks.runner import last_report
from course_utils.stubs import stub_line


def passes():
    return None


def fails():
    raise Mismatch("expected 2, got 3")


def stub():
    exec(compile(stub_line("", "write it") + "\n", "<learner's cell>", "exec"))


def test_points_are_the_share_of_cases_passed_both_kinds_counted(capsys):
    run_check("grading demo", {"a": passes, "b": passes, "c": fails})
    points = grade("grading demo", {"hidden 1": passes, "hidden 2": fails, "hidden 3": fails}, points=6)
    assert points == 3.0  # 3 of 6 cases
    shown = capsys.readouterr().out
    assert "grading demo: 2 of 3 cases passed" in shown
    assert f"grading demo{HIDDEN_SUFFIX}: 1 of 3 cases passed" in shown
    assert "Grade for grading demo: 3 of 6 points (3 of 6 cases passed, 1 of 3 hidden cases among them)" in shown


def test_a_task_not_attempted_or_whose_check_never_ran_gets_nothing(capsys):
    run_check("grading stub", {"a": stub})
    assert grade("grading stub", {"hidden": passes}, points=4) == 0
    assert "0 of 4 points (not attempted)" in capsys.readouterr().out
    assert last_report("grading never ran") is None
    assert grade("grading never ran", {"hidden": passes}, points=4) == 0
    assert "its check did not run in this notebook" in capsys.readouterr().out


def test_hidden_cases_left_as_stubs_count_as_failed():
    run_check("grading half", {"a": passes})
    assert grade("grading half", {"hidden 1": stub, "hidden 2": stub}, points=3) == 1.0


def test_a_grade_is_rounded_to_hundredths():
    run_check("grading thirds", {"a": passes, "b": passes})
    assert grade("grading thirds", {"hidden": fails}, points=1) == 0.67


def test_the_grade_reads_as_a_sentence():
    assert (
        str(TaskGrade("t", 2.5, 5, 2, 4, 1, 2))
        == "t: 2.5 of 5 points (2 of 4 cases passed, 1 of 2 hidden cases among them)"
    )


@pytest.mark.parametrize(
    ("task", "hidden", "points", "error"),
    [
        ("", {}, 1, TypeError),
        ("t", [passes], 1, TypeError),
        ("t", {"x": 3}, 1, TypeError),
        ("t", {}, 0, ValueError),
        ("t", {}, True, ValueError),
        ("t", {}, float("nan"), ValueError),
    ],
)
def test_wrong_arguments_are_refused(task, hidden, points, error):
    with pytest.raises(error):
        grade(task, hidden, points)
