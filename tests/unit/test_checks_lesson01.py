"""Specification of exercise 01's checks: the reference passes, a wrong value is located, edge cases tell slips apart.

Each slip and the message it gets is a learner attempt in test_attempts_01_concept.py.
"""

import pytest
from exercise_code import solution
from test_attempts_01_concept import flip, keep, no_memory, passing

from course_utils.checks import FAILED, PASSED
from course_utils.checks.lesson01 import check_bidirectional_pass, check_run_one_direction

SOLVED = solution("01_concept")


@pytest.mark.parametrize(
    "check, name",
    [(check_run_one_direction, "run_one_direction"), (check_bidirectional_pass, "bidirectional_pass")],
)
def test_the_worked_solution_passes(check, name):
    report = check(SOLVED[name])
    assert report.status == PASSED, str(report)


def test_a_wrong_value_is_located_with_expected_and_got():
    text = str(check_run_one_direction(no_memory))
    assert (
        "[FAIL] x (3, 6, 4), H_out=5: the first result (outputs) has the right shape (3, 6, 5) but wrong values: "
        "at [sequence 0, step 1"
    ) in text
    assert "expected " in text and ", got " in text


def test_a_one_step_sequence_cannot_tell_a_missing_recurrence():
    report = check_run_one_direction(no_memory)
    assert [case.passed for case in report.cases] == [False, True, False, False]


def test_forgetting_the_flip_back_passes_only_the_one_step_case():
    report = check_bidirectional_pass(passing(flip, keep))
    assert [case.name for case in report.cases if case.passed] == ["one step: x (2, 1, 3), H_out=2"]


@pytest.mark.parametrize("answer", [None, lambda *args: 3, lambda x: x], ids=["None", "returns 3", "one argument"])
@pytest.mark.parametrize("check", [check_run_one_direction, check_bidirectional_pass])
def test_a_check_reports_any_wrong_answer_instead_of_raising(check, answer):
    report = check(answer)
    assert report.status == FAILED
    assert "Traceback" not in str(report)
