"""Running a check: each case under a time limit, its outcome caught and reported, never crashing the notebook.

A check runs a learner's function on a few named cases and reports, in plain
words, what passed, what failed (expected vs got, for which input) and hints in
steps: the idea and where the lesson shows it with every failure, the code-level
hint after a few failed runs or when the learner asks for it (`hint(task)`).

* The generated exercise stub raises `NotImplementedError("your code here: <hint>")`
  (`course_utils.stubs`); a case that reaches such a stub is "not attempted
  yet", and a check whose every case reaches one reports the whole task as not
  attempted. Any other exception, a NotImplementedError from torch or from the
  learner's own code included, is a failed case showing the error and the line
  of the learner's code it came from; the cases that ran before it are kept.
* `sys.exit()` (or `exit()`, `quit()`) in the learner's code is a failed case
  that says so; the report is kept.
* Each case runs under a time limit (`set_time_limit`, 30 s by default; cases
  that train a model get `SLOW_FACTOR` times as long). The first case that runs
  out of time ends the check: the cases after it are reported as not run, so an
  endless loop costs one time limit, not one per case. How: a watchdog thread
  raises `CaseTimeout` in the thread running the case
  (`PyThreadState_SetAsyncExc`), so the learner's code keeps running in the
  kernel's own thread (printing, plotting and torch's per-thread settings work
  as usual) on Linux, macOS and Windows alike. Code that catches it (a bare
  `except:` or `except BaseException:`) is interrupted again every
  `REFIRE_SECONDS` at most; after `WARN_AFTER_IGNORED` ignored interrupts the
  watchdog prints that only a kernel restart stops it, and a case that swallowed
  the interrupt and returned still counts as out of time. Its limit: the
  exception arrives only when Python code runs, so one long call into C (a huge
  matrix product, `time.sleep`, `input()`) is stopped when that call returns,
  not during it; on a Python without `ctypes.pythonapi` (not CPython) cases run
  without a limit.

* A check called the wrong way runs no case: its report says how to call it
  (`how_to_call`). A check is a function `check_NAME(fn)` that calls `run_check`
  itself; it calls what it is given, so a value that cannot be called (a result,
  such as `check_x(my_function(...))`) is refused, and so is, for a parameter
  named `..._class`, an object built from a class (`check_x(MyModel())` where the
  check builds its own models from `MyModel`).

Each exercise's check is a function in `lessonNN` (e.g. `check_reverse_time(fn)`)
built from `run_check` and the `expect_*` helpers of `.comparators`; it returns
a `CheckReport` (`.report`). Every verdict is saved to the learner's progress
(see `course_utils.learner.saving.save_check_verdict`).
"""

from __future__ import annotations

import ctypes
import functools
import inspect
import math
import sys
import threading
import traceback
import types
from collections.abc import Callable, Collection

from ..learner.saving import save_check_verdict
from ..stubs import stub_hint
from ..validation import short_repr
from ..verdicts import FAILED, NOT_ATTEMPTED, PASSED
from .comparators import Mismatch
from .report import CaseResult, CheckReport
from .tracebacks import describe_error, is_learner_frame, learner_frames, where

DEFAULT_TIME_LIMIT = 30.0  # seconds per case
SLOW_FACTOR = 20  # cases that train a model get this many times the limit
REFIRE_SECONDS = 1.0  # a case that caught the time limit's interrupt gets it again this often (at most)
WARN_AFTER_IGNORED = 5  # ignored interrupts before the watchdog says only a kernel restart helps
_limit: dict[str, float | None] = {"seconds": DEFAULT_TIME_LIMIT}
HINT_AFTER_FAILURES = 3  # failed runs of a task before its report shows the code-level hint by itself
_failed_runs: dict[str, int] = {}  # failed runs in a row of each task, in this kernel
_hints: dict[str, str] = {}  # each task's code-level hint, as its check last gave it
_last_reports: dict[str, CheckReport] = {}  # each task's report, as its check last gave it in this kernel


class CaseTimeout(BaseException):
    """Raised inside a case that ran past its time limit (a BaseException, so `except Exception` cannot swallow it)."""


def set_time_limit(seconds: float | None = DEFAULT_TIME_LIMIT) -> None:
    """Set how long one case of any check may run, in seconds (30 by default); None: no limit."""
    if seconds is not None and (
        isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds) or seconds <= 0
    ):
        raise ValueError(f"seconds must be a positive number of seconds, or None for no limit, got {seconds!r}")
    _limit["seconds"] = None if seconds is None else float(seconds)


def run_check(
    task: str, cases: dict[str, Callable[[], object]], hint: str = "", slow: bool = False, concept: str = ""
) -> CheckReport:
    """Run each named case (a function that raises `Mismatch` on a wrong result) under the time limit.

    A case that passes and returns a string shows it as a note (e.g. the
    accuracy it measured). A case that reaches an exercise stub is "not
    attempted"; when every case does, so is the report. slow: the cases train
    a model, so each gets `SLOW_FACTOR` times the limit. The first case that
    runs out of time ends the check (the rest are reported as not run). The
    verdict is saved to the learner's progress (`course_utils.learner.saving`).

    Hints come in steps. concept: the idea the task practises and where its lesson shows it, shown
    with every failure. hint: the code-level hint, shown from the `HINT_AFTER_FAILURES`-th failed run
    of `task` in this kernel on, or at once by `hint(task)`.
    """
    wrong_call = how_to_call(*_check_and_arguments(sys._getframe(1)))
    report = run_cases(task, cases, slow=slow, hint=hint, concept=concept, wrong_call=wrong_call)
    _hints[task] = hint
    _failed_runs[task] = _failed_runs.get(task, 0) + 1 if report.status == FAILED else 0
    report.hint_shown = _failed_runs[task] >= HINT_AFTER_FAILURES
    report.notice = save_check_verdict(report.task, report.status)
    _last_reports[task] = report
    return report


def run_cases(
    task: str,
    cases: dict[str, Callable[[], object]],
    *,
    slow: bool = False,
    hint: str = "",
    concept: str = "",
    wrong_call: str = "",
) -> CheckReport:
    """Run each named case under the time limit and report them, as `run_check` does, but save nothing and count
    no failed run: what a grader's extra cases use (`course_utils.checks.grading`). wrong_call: why no case can
    run (`how_to_call`), reported instead of the cases when given."""
    limit = _limit["seconds"] and _limit["seconds"] * (SLOW_FACTOR if slow else 1)
    results: list[CaseResult] = []
    timed_out: str | None = None  # the case that ran out of time: the ones after it are not run
    if wrong_call:  # no case could use what the check was given
        results.append(CaseResult("how the check was called", False, wrong_call))
        cases = {}
    for name, case in cases.items():
        if timed_out is not None:
            results.append(
                CaseResult(
                    name, False, f"not run: the check stopped when case {timed_out!r} ran out of time", ran=False
                )
            )
            continue
        try:
            note = _run_with_limit(case, limit, f"{task}: case {name!r}")
        except CaseTimeout as timeout:
            assert limit is not None  # for mypy: a case runs out of time only under a limit
            timed_out = name
            results.append(CaseResult(name, False, _timeout_message(limit, slow, _ignored(timeout))))
        except Mismatch as wrong:
            results.append(CaseResult(name, False, str(wrong)))
        except NotImplementedError as error:
            stub = _stub_hint(error)
            if stub is not None:
                results.append(
                    CaseResult(
                        name,
                        False,
                        "not written yet: it reached a `raise NotImplementedError` "
                        f"line of the exercise (its hint: {stub})",
                        attempted=False,
                    )
                )
            else:
                results.append(CaseResult(name, False, describe_error(error)))
        except SystemExit as error:  # sys.exit(), exit(), quit(): not a reason to lose the report
            results.append(CaseResult(name, False, _exit_message(error)))
        except Exception as error:  # a learner's bug: report it, do not crash the notebook
            results.append(CaseResult(name, False, describe_error(error)))
        else:
            results.append(CaseResult(name, True, note if isinstance(note, str) else ""))
    if results and not any(r.attempted for r in results):
        return CheckReport(task, NOT_ATTEMPTED, concept=concept, hint=hint)
    return CheckReport(task, PASSED if all(r.passed for r in results) else FAILED, results, hint, concept=concept)


def last_report(task: str) -> CheckReport | None:
    """The report `task`'s check gave when it last ran in this kernel, or None if it has not run."""
    return _last_reports.get(task)


def hint(task: str) -> str:
    """The code-level hint of `task`'s check (e.g. `hint("encode_packed")`), shown now instead of after
    `HINT_AFTER_FAILURES` failed runs; run the task's check cell once first."""
    if not isinstance(task, str):
        raise TypeError(f"task must be the name a check report starts with, such as 'encode_packed', got {task!r}")
    if task not in _hints:
        known = ", ".join(repr(name) for name in _hints) or "none yet"
        raise ValueError(
            f"no check of {task!r} has run in this kernel (run its check cell first; checks run so far: {known})"
        )
    return _hints[task] or f"{task}'s check has no code-level hint: its messages above are all it says"


def how_to_call(check: str, arguments: dict[str, object], classes: Collection[str] = ()) -> str:
    """Why `check` (e.g. "check_fixed_tagger") cannot use the `arguments` it was given (its parameters by
    name), and how to call it; "" when it can.

    A check calls what it is given: a function, or for a parameter in `classes` (or named `..._class`) a
    class, from which it builds models of its own. So a value that cannot be called (a result, None, a
    tensor) never does, and neither does, in place of a class, an object built from one (a model).
    """
    call = {name: name.removesuffix("_fn") for name in arguments}  # how the call reads with the right names
    for name, value in arguments.items():
        wants_class = name in classes or name.endswith("_class")
        what = "class" if wants_class else "function"
        needs = f"{check}(...) needs your {what} itself, " + (
            "to build models of its own from it" if wants_class else "to call it on inputs of its own"
        )
        if not callable(value):
            given = "None" if value is None else f"a {type(value).__name__}, {short_repr(value)}"
            how = (
                "Pass the class name alone, without parentheses after it"
                if wants_class
                else f"Pass the function's name alone, without parentheses or arguments: "
                f"{check}({', '.join(call.values())})"
            )
            return f"{needs}, but it was given {given}, which cannot be called (what your {what} returned?). {how}"
        built = not (isinstance(value, type) or inspect.isroutine(value) or isinstance(value, functools.partial))
        if wants_class and built:
            kind = call[name] = type(value).__name__
            return (
                f"{needs}, but it was given an object built from one, a {kind} (as {kind}(...) makes). Pass the "
                f"class name alone, without parentheses after it: {check}({', '.join(call.values())})"
            )
    return ""


def _check_and_arguments(frame: types.FrameType | None) -> tuple[str, dict[str, object], set[str]]:
    """The name of the check whose `frame` called `run_check`, what it was given to call (the arguments of
    its parameters annotated `Callable[...]` or `type[...]`), and which of those take a class (`type[...]`).
    ("", {}, set()) when the caller is not a module-level function named `check_...` (a test, a cell)."""
    if frame is None or not frame.f_code.co_name.startswith("check_"):
        return "", {}, set()
    check = frame.f_globals.get(frame.f_code.co_name)
    if not callable(check) or getattr(check, "__code__", None) is not frame.f_code:
        return "", {}, set()
    annotations = {name: str(p.annotation) for name, p in inspect.signature(check).parameters.items()}
    classes = {name for name, annotation in annotations.items() if annotation.startswith("type[")}
    called = [name for name, annotation in annotations.items() if "Callable" in annotation or name in classes]
    local = frame.f_locals
    return frame.f_code.co_name, {name: local[name] for name in called if name in local}, classes


def _ignored(timeout: CaseTimeout) -> int:
    """How many of the watchdog's interrupts the case caught (0 when it stopped at the first)."""
    return timeout.args[0] if timeout.args and isinstance(timeout.args[0], int) else 0


def _exit_message(error: SystemExit) -> str:
    """The failed case for `sys.exit()` in the learner's code: where, and what to do instead."""
    mine = learner_frames(error)
    at = f" ({where(mine[-1])})" if mine else ""
    return (
        f"your code called sys.exit() (or exit() or quit()){at}: that ends a script, but here it would only "
        "end this check. Return the result instead (or raise an exception to report a problem)"
    )


def _timeout_message(limit: float, slow: bool, ignored: int = 0) -> str:
    suggested = 2 * limit / (SLOW_FACTOR if slow else 1)  # set_time_limit sets the limit of an ordinary case
    message = (
        f"stopped after {limit:g} s, the time limit of one case: does a loop of yours never end (a `while` whose "
        "condition stays true, a counter never increased)? If your code is just slow, raise the limit with "
        f"`from course_utils.checks import set_time_limit; set_time_limit({suggested:g})` "
        "and run the check again"
    )
    if ignored:
        message += (
            f". Your code caught the interrupt that stops it {ignored} time{'s' if ignored > 1 else ''}: a bare "
            "`except:` or `except BaseException:` catches it (and Ctrl-C); catch `Exception` instead"
        )
    return message


def _stub_hint(error: NotImplementedError) -> str | None:
    """The hint of the generated stub's error (its message starts with STUB_PREFIX and it was raised in the
    learner's code), or None for any other NotImplementedError."""
    hint = stub_hint(error.args[0]) if len(error.args) == 1 else None
    frames = traceback.extract_tb(error.__traceback__)
    return hint if frames and is_learner_frame(frames[-1].filename) else None


class _Watchdog:
    """Raises CaseTimeout in the thread that started it once it has run the case for `seconds`, and again
    every `REFIRE_SECONDS` at most while the case catches it; says when only a kernel restart can stop it."""

    def __init__(self, seconds: float, label: str):
        self.thread_id = threading.get_ident()
        self.seconds, self.label = seconds, label
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.fired = 0  # interrupts sent so far
        self.thread = threading.Thread(target=self._watch, name="check-watchdog", daemon=True)

    def _watch(self) -> None:
        wait = self.seconds
        while not self.done.wait(wait):
            with self.lock:
                if self.done.is_set():
                    return
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(self.thread_id), ctypes.py_object(CaseTimeout)
                )
                self.fired += 1
            if self.fired == WARN_AFTER_IGNORED + 1:
                print(
                    f"{self.label} keeps running past its time limit of {self.seconds:g} s: it caught the "
                    f"{WARN_AFTER_IGNORED} interrupts sent to stop it (a bare `except:` or `except BaseException:` "
                    "catches them, and Ctrl-C's too). Nothing can stop it from inside Python: restart the kernel "
                    "(Kernel > Restart Kernel), then catch `Exception` instead",
                    file=sys.stderr,
                    flush=True,
                )
            wait = min(REFIRE_SECONDS, self.seconds)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """Stop watching; an interrupt raised while stopping is absorbed (`fired` still counts it)."""
        while not self.done.is_set():
            try:
                with self.lock:
                    self.done.set()
                    # Clear an exception that fired but has not been raised yet, so it cannot land after the case.
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self.thread_id), None)
            except CaseTimeout:
                pass  # it was pending and has just been raised here: nothing is pending any more
        self.thread.join()


def _run_with_limit(case: Callable[[], object], seconds: float | None, label: str = "a case") -> object:
    """`case()` under the watchdog; CaseTimeout if the watchdog fired, even when the case caught it and returned."""
    if not seconds or not hasattr(ctypes, "pythonapi") or sys.implementation.name != "cpython":
        return case()
    watchdog = _Watchdog(seconds, label)
    watchdog.start()
    try:
        try:
            result = case()
        finally:
            watchdog.stop()
    except CaseTimeout:
        raise CaseTimeout(watchdog.fired - 1) from None  # the interrupts it caught before this one
    except BaseException as error:
        if watchdog.fired:  # it caught the interrupt, then failed: the time limit is what went wrong
            raise CaseTimeout(watchdog.fired) from error
        raise
    if watchdog.fired:  # it caught the interrupt and returned
        raise CaseTimeout(watchdog.fired)
    return result
