"""Specification of course_utils.checks.comparators: each `expect_*` says what differs, in the learner's terms."""

import re

import pytest
import torch
from exercise_code import solution

from course_utils.checks import FAILED, Mismatch, expect_equal, expect_tensor, run_check
from course_utils.checks.comparators import expect_close, expect_finite, expect_shape
from course_utils.checks.lesson01 import check_bidirectional_pass
from course_utils.checks.lesson05 import check_forward_ceiling_by_step


def test_expect_tensor_reports_wrong_values_with_the_largest_difference():
    try:
        expect_tensor(torch.ones(2), torch.zeros(2), what="h_n")
    except Mismatch as wrong:
        assert "h_n has the right shape but wrong values (largest difference 1" in str(wrong)
    else:
        raise AssertionError("expect_tensor accepted wrong values")


def test_expect_tensor_rejects_non_tensors():
    try:
        expect_tensor([1.0], torch.zeros(1))
    except Mismatch as wrong:
        assert "got list" in str(wrong)


def test_expect_equal_shows_both_values():
    try:
        expect_equal((4, 7, 3), (4, 7, 6), what="output shape")
    except Mismatch as wrong:
        assert str(wrong) == "expected the output shape to be (4, 7, 6), got (4, 7, 3)"


def test_a_nan_answer_fails_with_a_message_about_nan_not_a_difference():
    report = check_forward_ceiling_by_step(lambda seq_len, k=2: [float("nan")] * seq_len)
    assert report.status == FAILED and "0 of 5 cases passed" in str(report)
    assert "holds NaN (not a number) at step 0" in str(report)


@pytest.mark.parametrize(
    "value, words",
    [
        (float("nan"), "holds NaN (not a number) at [axis 0 0, axis 1 1]"),
        (float("inf"), "holds inf at [axis 0 0, axis 1 1]"),
    ],
)
def test_expect_tensor_names_the_first_non_finite_entry(value, words):
    got = torch.zeros(2, 3)
    got[0, 1] = value
    with pytest.raises(Mismatch, match=re.escape(words)):
        expect_tensor(got, torch.zeros(2, 3), what="output")


def test_a_nan_of_the_right_shape_is_not_reported_as_a_difference_allowed_inf():
    report = run_check("t", {"case": lambda: expect_tensor(torch.full((2,), float("nan")), torch.zeros(2))})
    assert "allowed inf" not in str(report) and "largest difference nan" not in str(report)
    assert "holds NaN" in str(report)


def test_expect_equal_fails_a_nan_number_with_its_own_message():
    with pytest.raises(Mismatch, match="holds NaN"):
        expect_equal(float("nan"), 0.5, what="ceiling")


def test_expect_shape_checks_type_and_shape_only():
    expect_shape(torch.full((2, 3), float("nan")), (2, 3))
    with pytest.raises(Mismatch, match=r"shape \(2, 3\), got \(3, 2\)"):
        expect_shape(torch.zeros(3, 2), (2, 3))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_a_half_precision_answer_is_named_not_only_its_rounding(dtype):
    def half_pass(x, rnn):
        output, h_n = solution("01_concept")["bidirectional_pass"](x, rnn)  # the check's layer refuses rnn(x)
        return output.to(dtype), h_n.to(dtype)

    report = check_bidirectional_pass(half_pass)
    assert report.status == FAILED
    assert f"Your result is {dtype}, which keeps only" in str(report)
    assert "where torch.float32 was expected" in str(report)
    wrong = run_check("t", {"a": lambda: expect_tensor(torch.full((2,), 0.1, dtype=dtype), torch.full((2,), 0.1))})
    assert f"Your result is {dtype}" in str(wrong)


def test_a_float32_or_float64_answer_gets_no_precision_note():
    report = run_check("t", {"a": lambda: expect_tensor(torch.ones(2, dtype=torch.float64), torch.zeros(2))})
    assert "wrong values" in str(report) and "keeps only" not in str(report)


def test_expect_equal_cuts_a_huge_value_short():
    """A learner's 1 MB value is not echoed whole in a check's message (issue 27, item 10)."""
    with pytest.raises(Mismatch, match="expected the characters to be 'abc', got 'zzz") as caught:
        expect_equal("z" * 1_000_000, "abc", what="characters")
    assert len(str(caught.value)) < 400 and "1,000,000 characters" in str(caught.value)


def test_expect_close_names_the_first_wrong_entry_by_its_axes():
    got = torch.zeros(2, 3, 4)
    got[1, 2, 0] = 0.5
    with pytest.raises(Mismatch, match=re.escape("at [sequence 1, step 2, unit 0] expected 0.0000, got 0.5000")):
        expect_close(got, torch.zeros(2, 3, 4), "output", ("sequence", "step", "unit"))


def test_expect_close_names_axes_by_number_when_too_few_names_are_given():
    got = torch.zeros(2, 3)
    got[0, 2] = 1.0
    with pytest.raises(Mismatch, match=re.escape("at [axis 0 0, axis 1 2]")):
        expect_close(got, torch.zeros(2, 3), "output", ("sequence",))


def test_expect_finite_says_nothing_of_where_for_a_single_number():
    with pytest.raises(Mismatch, match=r"the loss holds NaN \(not a number\): NaN comes"):
        expect_finite(torch.tensor(float("nan")), "loss")
