"""Specification of course_utils.checks.report: what a check cell shows, as text and as HTML."""

from course_utils.checks import FAILED, NOT_ATTEMPTED, PASSED, CaseResult, CheckReport, run_check


def test_report_has_an_html_view_coloured_by_status():
    assert "#1a7f37" in run_check("t", {"a": lambda: None})._repr_html_()


def test_the_html_view_is_the_text_in_a_box_coloured_by_the_verdict():
    report = CheckReport("task", FAILED, [CaseResult("a", True), CaseResult("b <c>", False, "wrong")], "a hint")
    assert report._repr_html_() == (
        "<div style='border-left: 4px solid #cf222e; border-left: 4px solid var(--jp-error-color1, #cf222e); "
        "padding-left: 8px; font-family: monospace'>"
        "task: 1 of 2 cases passed<br>&nbsp;&nbsp;[ok] a<br>&nbsp;&nbsp;[FAIL] b &lt;c&gt;: wrong"
        "<br>&nbsp;&nbsp;Hint: a hint</div>"
    )


def test_not_attempted_is_grey_and_tells_what_to_replace():
    report = CheckReport("task", NOT_ATTEMPTED)
    assert "#6e7781" in report._repr_html_()
    assert str(report).startswith("task: not attempted yet. Replace the `raise NotImplementedError`")


def test_each_case_shows_its_marker():
    cases = [
        CaseResult("passed", True),
        CaseResult("failed", False, "why"),
        CaseResult("stub", False, attempted=False),
        CaseResult("after a timeout", False, ran=False),
    ]
    assert [case.marker for case in cases] == ["ok", "FAIL", "TODO", "skip"]
    assert CheckReport("t", PASSED, cases[:1]).passed
