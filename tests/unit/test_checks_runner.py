"""Specification of course_utils.checks.runner: how a check runs its cases and what it makes of each outcome.

Stubs, errors from the learner's code, sys.exit, time limits, and the verdict saved to the learner's progress.
"""

import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
import torch

from course_utils.checks import (
    FAILED,
    NOT_ATTEMPTED,
    PASSED,
    CheckReport,
    Mismatch,
    expect_equal,
    expect_tensor,
    hint,
    run_check,
    set_time_limit,
)
from course_utils.checks import runner as runner_module
from course_utils.checks.lesson05 import check_forward_ceiling_by_step
from course_utils.checks.tracebacks import describe_error
from course_utils.learner.store import ENV_VAR, load_progress
from course_utils.stubs import STUB_PREFIX, stub_line


def stub():
    raise NotImplementedError(STUB_PREFIX + "flip the time axis")


def test_a_stub_is_reported_as_not_attempted_without_a_traceback():
    report = run_check("reverse_time", {"short": stub})
    assert report.status == NOT_ATTEMPTED
    assert str(report).startswith("reverse_time: not attempted yet.")
    assert "Traceback" not in str(report)


def test_all_cases_passing_is_reported_as_passed():
    report = run_check("task", {"a": lambda: None, "b": lambda: None}, hint="never shown")
    assert report.status == PASSED and report.passed
    assert str(report) == "task: all passed, well done!\n  [ok] a\n  [ok] b"


def wrong_shape():
    expect_tensor(torch.zeros(4, 7, 3), torch.zeros(4, 7, 6), what="output")


def test_a_mismatch_names_the_case_expected_and_got_and_the_idea_but_not_yet_the_code():
    runner_module._failed_runs.clear()
    report = run_check(
        "task", {"ok": lambda: None, "batch of 4": wrong_shape}, hint="torch.cat([f, b], -1)", concept="both halves"
    )
    assert report.status == FAILED
    assert "1 of 2 cases passed" in str(report)
    assert "[FAIL] batch of 4: expected the output to have shape (4, 7, 6), got (4, 7, 3)" in str(report)
    assert "Idea: both halves" in str(report) and "torch.cat" not in str(report)
    assert "hint('task')" in str(report), "the report says how to ask for the code-level hint"


def test_the_code_level_hint_shows_after_a_few_failed_runs_in_a_row_and_on_request():
    runner_module._failed_runs.clear()
    run = partial(run_check, "task", {"case": wrong_shape}, hint="torch.cat([f, b], -1)", concept="both halves")
    shown = [run().hint_shown for _ in range(runner_module.HINT_AFTER_FAILURES)]
    assert shown == [False] * (runner_module.HINT_AFTER_FAILURES - 1) + [True]
    assert str(run()).endswith("Hint: torch.cat([f, b], -1)")
    assert run_check("task", {"case": lambda: None}, hint="torch.cat([f, b], -1)").passed
    assert not run().hint_shown, "a pass starts the count again"
    assert hint("task") == "torch.cat([f, b], -1)"


def test_asking_for_the_hint_of_a_check_that_never_ran_says_to_run_it_first():
    with pytest.raises(ValueError, match=r"no check of 'no such task' has run in this kernel \(run its check cell"):
        hint("no such task")
    with pytest.raises(TypeError, match="task must be the name a check report starts with"):
        hint(check_forward_ceiling_by_step)


def test_an_exception_in_learner_code_becomes_a_failed_case_with_its_message():
    def buggy():
        return torch.cat([torch.zeros(2), torch.zeros(2, 2)])

    report = run_check("task", {"case": buggy})
    assert report.status == FAILED
    assert "your code raised RuntimeError" in str(report)


def generated_stub():
    exec(stub_line("", "flip the time axis"))  # the very line the exercise generator writes


def test_only_the_generated_stub_means_not_attempted():
    report = run_check("task", {"a": generated_stub, "b": generated_stub})
    assert report.status == NOT_ATTEMPTED


def test_a_learners_own_not_implemented_error_is_a_failure_and_earlier_cases_are_kept():
    def helper_not_done():
        raise NotImplementedError("my helper is not done")

    report = run_check("task", {"first": lambda: None, "second": helper_not_done, "third": lambda: "ran"})
    assert report.status == FAILED
    text = str(report)
    assert "[ok] first" in text and "[ok] third: ran" in text
    assert "your code raised NotImplementedError: my helper is not done (in helper_not_done, line" in text


def test_a_not_implemented_error_from_torch_is_a_failure_not_a_stub():
    class Misspelt(torch.nn.Module):
        def foward(self, x):  # the typo leaves nn.Module's forward, which raises NotImplementedError
            return x

    report = run_check("task", {"case": lambda: Misspelt()(torch.zeros(1))})
    assert report.status == FAILED and 'missing the required "forward" function' in str(report)


def test_a_stub_message_raised_outside_learner_code_is_not_a_stub():
    inside_torch = compile("raise NotImplementedError(message)", torch.__file__, "exec")  # a frame of torch's
    report = run_check("task", {"case": lambda: exec(inside_torch, {"message": STUB_PREFIX + "x"})})
    assert report.status == FAILED and "your code raised NotImplementedError" in str(report)


def test_a_check_with_some_cases_reaching_the_stub_keeps_the_others():
    report = run_check("task", {"done": lambda: None, "not done": generated_stub})
    assert report.status == FAILED
    assert "[ok] done" in str(report)
    assert "[TODO] not done: not written yet" in str(report) and "hint: flip the time axis" in str(report)


def test_the_line_reported_is_the_learners_own_not_torchs():
    def bidirectional_pass(x, rnn):
        return rnn(x.unsqueeze(0))  # a 4-D input: torch raises deep inside its own code

    rnn = torch.nn.RNN(3, 2, batch_first=True, bidirectional=True)
    report = run_check("task", {"case": lambda: bidirectional_pass(torch.zeros(2, 4, 3), rnn)})
    assert "in bidirectional_pass, line" in str(report)
    assert "return rnn(x.unsqueeze(0))" in str(report)
    assert "rnn.py" not in str(report) and "raise ValueError" not in str(report)


def test_an_error_in_using_the_learners_result_says_so():
    report = run_check("task", {"case": lambda: torch.zeros(2) + "a"})
    assert "your code raised" in str(report)  # the lambda is this file's code: the learner's here
    with_result = run_check("task", {"case": lambda: expect_tensor(object(), torch.zeros(2))})
    assert "got object" in str(with_result)


def check_demo(demo_fn: Callable[..., Any]) -> CheckReport:
    """A check as the lessons write them: it calls the learner's function."""
    return run_check("demo", {"one": lambda: expect_equal(demo_fn(1), 2), "two": lambda: expect_equal(demo_fn(2), 3)})


def check_demo_model(model_class: Callable[..., Any]) -> CheckReport:
    """A check as the lessons write them for a class: it builds models of its own from it."""
    return run_check("demo model", {"builds": lambda: model_class()(torch.zeros(1, 2))})


class DemoModel(torch.nn.Module):
    def forward(self, x):
        return x


@pytest.mark.parametrize("given", [2, None, (torch.zeros(2), 1), "add_one"], ids=repr)
def test_a_check_given_a_value_instead_of_a_function_runs_no_case_and_says_how_to_call_it(given):
    report = check_demo(given)
    assert report.status == FAILED and len(report.cases) == 1
    text = str(report)
    assert "[FAIL] how the check was called: check_demo(...) needs your function itself" in text
    assert "which cannot be called" in text and "without parentheses or arguments: check_demo(demo)" in text


def test_a_check_of_a_class_given_an_instance_says_to_pass_the_class():
    text = str(check_demo_model(DemoModel()))
    assert "check_demo_model(...) needs your class itself, to build models of its own from it" in text
    assert "an object built from one, a DemoModel" in text and "check_demo_model(DemoModel)" in text
    assert "the check could not use" not in text


@pytest.mark.parametrize(
    "given", [DemoModel, lambda: DemoModel(), partial(DemoModel)], ids=["class", "factory", "partial"]
)
def test_a_check_of_a_class_uses_a_class_or_a_function_that_builds_one(given):
    assert check_demo_model(given).status == PASSED


def check_demo_pair(first_fn: Callable[..., Any], model: type[torch.nn.Module]) -> CheckReport:
    """A check of two things: a function and, annotated type[...], a class."""
    return run_check("demo pair", {"both": lambda: model()(first_fn(1))})


def test_a_check_of_two_things_names_both_in_the_call_it_shows():
    text = str(check_demo_pair(lambda x: x, DemoModel()))
    assert "check_demo_pair(...) needs your class itself" in text and "check_demo_pair(first, DemoModel)" in text
    text = str(check_demo_pair(3, DemoModel))
    assert "needs your function itself" in text and "check_demo_pair(first, model)" in text


def test_run_check_called_outside_a_check_function_looks_at_no_arguments():
    def check_inner(demo_fn):  # not a module-level check: its arguments are not inspected
        return run_check("demo", {"case": lambda: None})

    assert check_inner(3).status == PASSED


@pytest.mark.parametrize(
    "message",
    [
        "add_one() missing 1 required positional argument: 'y'",
        "add_one() takes 1 positional argument but 2 were given",
        "Tagger.__init__() got an unexpected keyword argument 'hidden_size'",
    ],
)
def test_a_call_whose_arguments_do_not_fit_the_learners_function_is_told_to_keep_the_tasks_parameters(message):
    text = describe_error(TypeError(message))  # raised outside the learner's code: by the check calling it
    assert text.startswith("the check could not call your code with the arguments the task gives it: TypeError:")
    assert message in text and "Keep the parameters of the task's `def` line" in text


def test_any_other_error_outside_the_learners_code_is_about_what_it_returned():
    text = describe_error(TypeError("unsupported operand type(s) for +: 'int' and 'str'"))
    assert text.startswith("the check could not use what your code returned: TypeError:")


def spin(seconds: float = 5.0) -> None:
    """A learner's endless loop, in a function of its own so that the caller's `try` surrounds the call.

    On CPython 3.13.0 an interrupt sent with PyThreadState_SetAsyncExc to a loop inside a `try` of the
    same function sometimes escapes that `try` (measured here on a loaded machine: 7 to 16 of 25 runs,
    raised at the loop's own line; 3.10 to 3.12: none). Raised inside this function, it reaches the
    caller's `try` at the call, which catches it on every version (40 of 40 runs on each).
    """
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        pass


@pytest.fixture
def short_time_limit():
    set_time_limit(0.5)
    yield
    set_time_limit()


def test_an_endless_loop_is_stopped_with_a_message_and_the_cases_before_it_are_kept(short_time_limit):
    def endless():
        while True:
            pass

    started = time.perf_counter()
    report = run_check("task", {"before": lambda: "ran", "loop": endless})
    assert time.perf_counter() - started < 10
    assert "[FAIL] loop: stopped after 0.5 s, the time limit of one case" in str(report)
    assert "set_time_limit(" in str(report) and "[ok] before: ran" in str(report)


def test_a_check_stops_at_the_first_case_that_runs_out_of_time(short_time_limit):
    calls = []

    def endless(seq_len, k=2):
        calls.append(seq_len)
        while True:
            pass

    started = time.perf_counter()
    report = check_forward_ceiling_by_step(endless)  # 5 cases: one time limit, not five
    assert time.perf_counter() - started < 4 * 0.5
    assert len(calls) == 1 and report.status == FAILED
    lines = str(report).splitlines()
    assert lines[0] == "forward_ceiling_by_step: 0 of 5 cases passed"
    assert "stopped after 0.5 s" in lines[1]
    assert all(
        line.startswith("  [skip] ") and 'not run: the check stopped when case "L=10, k=2' in line
        for line in lines[2:6]
    )


def test_a_loop_that_catches_every_exception_is_stopped_too(short_time_limit):
    def stubborn():
        while True:
            try:
                while True:
                    pass
            except Exception:
                pass

    assert "stopped after 0.5 s" in str(run_check("task", {"case": stubborn}))


def test_a_loop_that_catches_even_base_exception_is_interrupted_again_and_told_to_restart(monkeypatch, capsys):
    monkeypatch.setattr(runner_module, "REFIRE_SECONDS", 0.05)
    monkeypatch.setattr(runner_module, "WARN_AFTER_IGNORED", 3)
    set_time_limit(0.2)
    caught = []

    def swallows_everything():
        started = time.perf_counter()
        while len(caught) < 6 and time.perf_counter() - started < 5:  # a learner's loop would never end
            try:
                spin()
            except BaseException:
                caught.append(1)
        return "it returned"

    try:
        report = run_check("task", {"case": swallows_everything, "next": lambda: None})
    finally:
        set_time_limit()
    assert len(caught) == 6
    assert "[FAIL] case: stopped after 0.2 s" in str(report)
    assert "caught the interrupt that stops it 6 times" in str(report) and "[skip] next" in str(report)
    warning = capsys.readouterr().err
    assert "task: case 'case' keeps running past its time limit" in warning
    assert "restart the kernel" in warning


def test_a_case_that_swallows_the_interrupt_and_returns_still_ran_out_of_time(short_time_limit):
    def swallows_once():
        try:
            spin()
        except BaseException:
            return None

    report = run_check("task", {"case": swallows_once})
    assert report.status == FAILED and "stopped after 0.5 s" in str(report)
    assert "caught the interrupt that stops it 1 time:" in str(report)


@pytest.mark.parametrize("leave", [lambda: sys.exit(), lambda: sys.exit(1), lambda: exit()])
def test_sys_exit_in_learner_code_is_a_failed_case_and_the_report_is_kept(leave):
    report = run_check("task", {"exits": leave, "after": lambda: None})
    assert report.status == FAILED and "[ok] after" in str(report)
    assert "[FAIL] exits: your code called sys.exit() (or exit() or quit()) (in <lambda>, line" in str(report)
    assert "Return the result instead" in str(report)


def test_the_time_limit_works_on_a_thread_other_than_the_main_one(short_time_limit):
    reports = []

    def endless():
        while True:
            pass

    worker = threading.Thread(target=lambda: reports.append(run_check("task", {"loop": endless})))
    worker.start()
    worker.join(10)
    assert not worker.is_alive() and "stopped after 0.5 s" in str(reports[0])


def test_a_case_that_ends_in_time_leaves_no_pending_timeout(short_time_limit):
    # Cases that end close to the 0.5 s limit: on a loaded machine some overrun it and fail, which is fair.
    # What must never happen is an interrupt that arrives after run_check has returned.
    for _ in range(20):
        assert run_check("task", {"quick": lambda: time.sleep(0.45)}).status in (PASSED, FAILED)
    time.sleep(0.6)  # a timeout still pending would be raised here


def test_slow_checks_get_more_time_and_none_means_no_limit():
    set_time_limit(None)
    try:
        assert run_check("task", {"case": lambda: time.sleep(0.2)}).status == PASSED
    finally:
        set_time_limit()


@pytest.mark.parametrize("seconds", [0, -1, float("nan"), float("inf"), "30", True])
def test_set_time_limit_rejects_what_is_not_a_positive_number(seconds):
    with pytest.raises(ValueError, match="seconds must be a positive number"):
        set_time_limit(seconds)


def saved_checks():
    return load_progress()[0]["checks"]


def wrong():
    raise Mismatch("expected 1, got 2")


def test_every_verdict_is_saved_to_the_learners_progress():
    run_check("reverse_time", {"short": stub})
    assert saved_checks()["reverse_time"]["status"] == NOT_ATTEMPTED
    run_check("reverse_time", {"short": wrong})
    assert saved_checks()["reverse_time"]["status"] == FAILED
    run_check("reverse_time", {"short": lambda: None})
    assert saved_checks()["reverse_time"]["status"] == PASSED


def test_a_check_run_by_a_worked_solution_is_not_saved(monkeypatch):
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/learner/birnn-course/solutions/02_shapes_exercise.ipynb")
    run_check("predict_shapes", {"case": lambda: None})
    assert saved_checks() == {}
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/learner/birnn-course/exercises/02_shapes_exercise.ipynb")
    run_check("predict_shapes", {"case": lambda: None})
    assert saved_checks()["predict_shapes"]["status"] == PASSED


def test_a_verdict_that_cannot_be_saved_is_still_reported_with_a_note(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))  # a folder: nothing can be saved there
    report = run_check("task", {"a": lambda: None})
    assert report.status == PASSED
    assert str(report).splitlines()[-1].startswith("  (Your progress is not saved")
