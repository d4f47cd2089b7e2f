"""Checks for the exercises: the framework, plus one module of checks per lesson.

`from course_utils.checks import run_check, expect_tensor, ...` gives the
framework; each lesson's checks live in `course_utils.checks.lessonNN` and
are called from that exercise's check cells.
"""

from .framework import (
    FAILED,
    NOT_ATTEMPTED,
    PASSED,
    CaseResult,
    CheckReport,
    Mismatch,
    expect_equal,
    expect_tensor,
    print_error,
    run_check,
    set_time_limit,
)

__all__ = [
    "FAILED",
    "NOT_ATTEMPTED",
    "PASSED",
    "CaseResult",
    "CheckReport",
    "Mismatch",
    "expect_equal",
    "expect_tensor",
    "print_error",
    "run_check",
    "set_time_limit",
]
