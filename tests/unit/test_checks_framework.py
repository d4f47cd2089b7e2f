"""Specification of the check framework behind every exercise's check cell."""

import torch

from course_utils.checks import (
    FAILED,
    NOT_ATTEMPTED,
    PASSED,
    Mismatch,
    expect_equal,
    expect_tensor,
    print_error,
    run_check,
)


def stub():
    raise NotImplementedError("flip the time axis")


def test_a_stub_is_reported_as_not_attempted_without_a_traceback():
    report = run_check("reverse_time", {"short": stub})
    assert report.status == NOT_ATTEMPTED
    assert str(report).startswith("reverse_time: not attempted yet.")
    assert "Traceback" not in str(report)


def test_all_cases_passing_is_reported_as_passed():
    report = run_check("task", {"a": lambda: None, "b": lambda: None}, hint="never shown")
    assert report.status == PASSED and report.passed
    assert str(report) == "task: all passed, well done!\n  [ok] a\n  [ok] b"


def test_a_mismatch_names_the_case_expected_and_got_and_shows_the_hint():
    def wrong():
        expect_tensor(torch.zeros(4, 7, 3), torch.zeros(4, 7, 6), what="output")

    report = run_check("task", {"ok": lambda: None, "batch of 4": wrong}, hint="concatenate both directions")
    assert report.status == FAILED
    assert "1 of 2 cases passed" in str(report)
    assert "[FAIL] batch of 4: expected the output to have shape (4, 7, 6), got (4, 7, 3)" in str(report)
    assert str(report).endswith("Hint: concatenate both directions")


def test_an_exception_in_learner_code_becomes_a_failed_case_with_its_message():
    def buggy():
        return torch.cat([torch.zeros(2), torch.zeros(2, 2)])

    report = run_check("task", {"case": buggy})
    assert report.status == FAILED
    assert "your code raised RuntimeError" in str(report)


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


def test_report_has_an_html_view_coloured_by_status():
    assert "#1a7f37" in run_check("t", {"a": lambda: None})._repr_html_()


def test_print_error_shows_the_type_and_message_only(capsys):
    print_error(lambda: int("seven"))
    assert capsys.readouterr().out == "ValueError: invalid literal for int() with base 10: 'seven'\n"


def test_print_error_says_when_nothing_was_raised(capsys):
    print_error(lambda: 1)
    assert capsys.readouterr().out == "no error raised\n"
