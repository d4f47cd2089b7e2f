"""Specification of exercise 02's checks: the reference passes, wrong answers are reported with expected and got.

Each slip and the message it gets is a learner attempt in test_attempts_02_shapes.py.
"""

import pytest
from exercise_code import solution
from test_attempts_02_shapes import blocked, counted, replace

from course_utils.checks import FAILED, PASSED
from course_utils.checks.lesson02 import check_count_parameters, check_predict_shapes, check_split_by_direction

SOLVED = solution("02_shapes")
CHECKS = {
    "predict_shapes": check_predict_shapes,
    "count_parameters": check_count_parameters,
    "split_by_direction": check_split_by_direction,
}


@pytest.mark.parametrize("name", CHECKS)
def test_the_worked_solution_passes(name):
    report = CHECKS[name](SOLVED[name])
    assert report.status == PASSED, str(report)


@pytest.mark.parametrize("name", CHECKS)
def test_a_function_returning_nothing_is_reported_not_raised(name):
    report = CHECKS[name](lambda *args: None)
    assert report.status == FAILED and "Traceback" not in str(report)


def test_a_wrong_shape_names_the_layer_expected_and_got():
    one_direction_wide = replace("output", lambda shapes, s: (*shapes["output"][:2], s["H"]))
    text = str(check_predict_shapes(one_direction_wide))
    assert (
        "[FAIL] the card's layer: rnn, x (4, 7, 5) batch-first, H_out=3, bidirectional: expected output (4, 7, 6), "
        "got (4, 7, 3)" in text
    )


def test_a_wrong_count_shows_expected_and_got():
    assert "expected 400 parameters, got 200" in str(check_count_parameters(counted(directions=lambda d: 1)))


def test_the_blocked_split_is_right_for_one_layer_only():
    report = check_split_by_direction(blocked)
    assert [case.passed for case in report.cases] == [True, False, False, False]
