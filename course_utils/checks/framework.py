"""Checks for the exercises: they coach instead of crash.

A check runs a learner's function on a few named cases and reports, in plain
words, what passed, what failed (expected vs got, for which input) and a hint.

* The generated exercise stub raises `NotImplementedError("your code here: <hint>")`
  (`stub_line`); a case that reaches such a stub is "not attempted yet", and a
  check whose every case reaches one reports the whole task as not attempted.
  Any other exception, a NotImplementedError from torch or from the learner's
  own code included, is a failed case showing the error and the line of the
  learner's code it came from; the cases that ran before it are kept.
* NaN and inf in a result fail with a message of their own (they never pass a
  tolerance test, and "largest difference nan" explains nothing).
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
* A float16 or bfloat16 result where float32 was expected is named as such when
  its values miss (`precision_note`), not only as a difference in the 4th digit.

Each exercise's check is a function in `lessonNN` (e.g. `check_reverse_time(fn)`)
built from `run_check` and the `expect_*` helpers. Every verdict is saved to
the learner's progress (see `course_utils.checks.progress`).
"""

from __future__ import annotations

import ctypes
import html
import math
import os
import sys
import sysconfig
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..validation import short_repr
from .progress import save_verdict

PASSED, FAILED, NOT_ATTEMPTED = "passed", "failed", "not attempted yet"
STUB_PREFIX = "your code here: "  # the message of every generated stub starts with it (see stub_line)
DEFAULT_TIME_LIMIT = 30.0  # seconds per case
SLOW_FACTOR = 20  # cases that train a model get this many times the limit
REFIRE_SECONDS = 1.0  # a case that caught the time limit's interrupt gets it again this often (at most)
WARN_AFTER_IGNORED = 5  # ignored interrupts before the watchdog says only a kernel restart helps
_limit: dict[str, float | None] = {"seconds": DEFAULT_TIME_LIMIT}

# Frames of these folders are not the learner's: the course's package, torch, installed packages, the stdlib.
_NOT_LEARNER = tuple(
    os.path.join(str(Path(folder).resolve()), "")
    for folder in {
        Path(__file__).resolve().parents[1],
        Path(torch.__file__).resolve().parent,
        Path(sysconfig.get_paths()["stdlib"]),
        Path(sysconfig.get_paths()["purelib"]),
        Path(sysconfig.get_paths()["platlib"]),
    }
)


class Mismatch(AssertionError):
    """A case's result differs from what was expected; the message says how."""


class CaseTimeout(BaseException):
    """Raised inside a case that ran past its time limit (a BaseException, so `except Exception` cannot swallow it)."""


def stub_line(indent: str, hint: str) -> str:
    """The line an exercise stub is made of: `raise NotImplementedError("your code here: <hint>")`."""
    import json

    return f"{indent}raise NotImplementedError({json.dumps(STUB_PREFIX + hint, ensure_ascii=False)})"


def set_time_limit(seconds: float | None = DEFAULT_TIME_LIMIT) -> None:
    """Set how long one case of any check may run, in seconds (30 by default); None: no limit."""
    if seconds is not None and (
        isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds) or seconds <= 0
    ):
        raise ValueError(f"seconds must be a positive number of seconds, or None for no limit, got {seconds!r}")
    _limit["seconds"] = None if seconds is None else float(seconds)


@dataclass
class CaseResult:
    name: str
    passed: bool
    detail: str = ""
    attempted: bool = True
    ran: bool = True  # False: not run, because an earlier case ran out of time

    @property
    def marker(self) -> str:
        if self.passed:
            return "ok"
        if not self.ran:
            return "skip"
        return "FAIL" if self.attempted else "TODO"


@dataclass
class CheckReport:
    """The outcome of one exercise's check; shows as plain text (and HTML in Jupyter)."""

    task: str
    status: str
    cases: list[CaseResult] = field(default_factory=list)
    hint: str = ""
    notice: str = ""  # why the verdict could not be saved to the learner's progress, if it could not

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def lines(self) -> list[str]:
        if self.status == NOT_ATTEMPTED:
            lines = [
                f"{self.task}: not attempted yet. Replace the `raise NotImplementedError` "
                "line(s) with your code, then run this cell again."
            ]
        else:
            n_ok = sum(c.passed for c in self.cases)
            verdict = "all passed, well done!" if self.passed else f"{n_ok} of {len(self.cases)} cases passed"
            lines = [f"{self.task}: {verdict}"]
            lines += [f"  [{c.marker}] {c.name}" + (f": {c.detail}" if c.detail else "") for c in self.cases]
            if not self.passed and self.hint:
                lines.append(f"  Hint: {self.hint}")
        if self.notice:
            lines.append(f"  ({self.notice})")
        return lines

    def __str__(self) -> str:
        return "\n".join(self.lines())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = {PASSED: "#1a7f37", FAILED: "#cf222e", NOT_ATTEMPTED: "#6e7781"}[self.status]
        body = "<br>".join(html.escape(line).replace("  ", "&nbsp;&nbsp;") for line in self.lines())
        return f"<div style='border-left: 4px solid {colour}; padding-left: 8px; font-family: monospace'>{body}</div>"


def run_check(task: str, cases: dict[str, Callable[[], object]], hint: str = "", slow: bool = False) -> CheckReport:
    """Run each named case (a function that raises `Mismatch` on a wrong result) under the time limit.

    A case that passes and returns a string shows it as a note (e.g. the
    accuracy it measured). A case that reaches an exercise stub is "not
    attempted"; when every case does, so is the report. slow: the cases train
    a model, so each gets `SLOW_FACTOR` times the limit. The first case that
    runs out of time ends the check (the rest are reported as not run). The
    verdict is saved to the learner's progress (`course_utils.checks.progress`).
    """
    limit = _limit["seconds"] and _limit["seconds"] * (SLOW_FACTOR if slow else 1)
    results: list[CaseResult] = []
    timed_out: str | None = None  # the case that ran out of time: the ones after it are not run
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
            if _is_stub(error):
                hint = str(error)[len(STUB_PREFIX) :]
                results.append(
                    CaseResult(
                        name,
                        False,
                        "not written yet: it reached a `raise NotImplementedError` "
                        f"line of the exercise (its hint: {hint})",
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
        report = CheckReport(task, NOT_ATTEMPTED, hint=hint)
    else:
        report = CheckReport(task, PASSED if all(r.passed for r in results) else FAILED, results, hint)
    report.notice = save_verdict(report.task, report.status)
    return report


def _ignored(timeout: CaseTimeout) -> int:
    """How many of the watchdog's interrupts the case caught (0 when it stopped at the first)."""
    return timeout.args[0] if timeout.args and isinstance(timeout.args[0], int) else 0


def _exit_message(error: SystemExit) -> str:
    """The failed case for `sys.exit()` in the learner's code: where, and what to do instead."""
    mine = [frame for frame in traceback.extract_tb(error.__traceback__) if _is_learner_frame(frame.filename)]
    where = ""
    if mine:
        line = f": {mine[-1].line.strip()}" if mine[-1].line else ""
        where = f" (in {mine[-1].name}, line {mine[-1].lineno}{line})"
    return (
        f"your code called sys.exit() (or exit() or quit()){where}: that ends a script, but here it would only "
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


def _is_stub(error: NotImplementedError) -> bool:
    """True for the generated stub's error: its message starts with STUB_PREFIX and it was raised in learner code."""
    message = error.args[0] if len(error.args) == 1 else None
    frames = traceback.extract_tb(error.__traceback__)
    return (
        isinstance(message, str)
        and message.startswith(STUB_PREFIX)
        and bool(frames)
        and _is_learner_frame(frames[-1].filename)
    )


def _is_learner_frame(filename: str) -> bool:
    if filename.startswith("<frozen"):
        return False
    try:
        resolved = str(Path(filename).resolve())
    except (OSError, ValueError):
        return True
    return not resolved.startswith(_NOT_LEARNER)


def describe_error(error: BaseException) -> str:
    """`TypeName: message`, and where in the learner's code it came from (not torch's or the check's lines)."""
    text = f"{type(error).__name__}: {error}"
    mine = [frame for frame in traceback.extract_tb(error.__traceback__) if _is_learner_frame(frame.filename)]
    if not mine:
        return f"the check could not use what your code returned: {text}"
    where = mine[-1]
    line = f": {where.line.strip()}" if where.line else ""
    return f"your code raised {text} (in {where.name}, line {where.lineno}{line})"


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


# --- comparing results ---------------------------------------------------------------------


def non_finite_message(what: str, value: float, where: str = "") -> str:
    """The sentence for a NaN or inf found in a result: what it is, where, and what usually causes it."""
    at = f" at {where}" if where else ""
    if math.isnan(value):
        return (
            f"the {what} holds NaN (not a number){at}: NaN comes from 0/0, inf - inf, the log or square root of a "
            "negative number, or from a NaN in what you computed it from"
        )
    return (
        f"the {what} holds {value}{at}: an infinity comes from dividing by 0, the log of 0, or exp of a large "
        "number (use log_softmax / logsumexp instead of log(softmax(...)))"
    )


# Floating types whose rounding alone misses a float32 check's tolerance, with how many significant digits they keep.
_LOW_PRECISION = {torch.float16: "about 3", torch.bfloat16: "2 to 3"}


def precision_note(got: object, expected_dtype: torch.dtype) -> str:
    """The sentence for a float16 or bfloat16 result where a wider float (float32) was expected, or ""."""
    if not isinstance(got, torch.Tensor) or got.dtype not in _LOW_PRECISION or not expected_dtype.is_floating_point:
        return ""
    if torch.finfo(expected_dtype).bits <= torch.finfo(got.dtype).bits:
        return ""
    return (
        f"Your result is {got.dtype}, which keeps only {_LOW_PRECISION[got.dtype]} significant digits, where "
        f"{expected_dtype} was expected: its rounding alone makes a difference this size. Compute in "
        f"{expected_dtype}: leave out .half() or .to({got.dtype}) (of the inputs and weights too); converting "
        "the result afterwards does not bring the lost digits back"
    )


def expect_finite(got: torch.Tensor, what: str = "result", axes: tuple[str, ...] = ()) -> None:
    """Raise Mismatch naming the first NaN or inf entry of a floating tensor `got` (by `axes` when given)."""
    if not (got.is_floating_point() or got.is_complex()) or got.numel() == 0:
        return
    bad = ~torch.isfinite(got.detach())
    if not bad.any():
        return
    index = tuple(int(i) for i in bad.nonzero()[0])
    names = axes if len(axes) == len(index) else tuple(f"axis {i}" for i in range(len(index)))
    where = "[" + ", ".join(f"{axis} {i}" for axis, i in zip(names, index)) + "]" if index else ""
    raise Mismatch(non_finite_message(what, float(got.detach()[index].real), where))


def expect_shape(got: object, shape: tuple, what: str = "result") -> None:
    """Raise Mismatch unless `got` is a tensor of shape `shape`."""
    if not isinstance(got, torch.Tensor):
        raise Mismatch(f"expected the {what} to be a tensor of shape {tuple(shape)}, got {type(got).__name__}")
    if tuple(got.shape) != tuple(shape):
        raise Mismatch(f"expected the {what} to have shape {tuple(shape)}, got {tuple(got.shape)}")


def expect_tensor(got: object, expected: torch.Tensor, what: str = "result", atol: float = 1e-6) -> None:
    """Raise Mismatch unless `got` is a tensor of `expected`'s shape and values (within `atol`); NaN and inf fail."""
    expect_shape(got, tuple(expected.shape), what)
    assert isinstance(got, torch.Tensor)  # for mypy: expect_shape has checked it
    if expected.numel() == 0:
        return
    if bool(torch.isfinite(expected).all()):
        expect_finite(got, what)
    gap = (got.detach().to(expected.dtype) - expected).abs().max().item()
    if not gap <= atol:
        note = precision_note(got, expected.dtype)
        raise Mismatch(
            f"the {what} has the right shape but wrong values (largest difference {gap:.3g}, allowed {atol:g})"
            + (f". {note}" if note else "")
        )


def expect_equal(got: object, expected: object, what: str = "result") -> None:
    """Raise Mismatch unless `got == expected` (plain Python values: ints, tuples, strings)."""
    if isinstance(got, float) and not math.isfinite(got):
        raise Mismatch(non_finite_message(what, got))
    if got != expected:
        raise Mismatch(f"expected the {what} to be {short_repr(expected)}, got {short_repr(got)}")


def print_error(action: Callable[[], object]) -> None:
    """Run `action()` and print the error it raises as `TypeName: message`, or that it raised none.

    Notebooks use it to show an error a learner will meet, without a long
    traceback: `print_error(lambda: rnn(x_2d))`.
    """
    try:
        action()
    except Exception as error:  # showing the error is the point
        print(f"{type(error).__name__}: {error}")
    else:
        print("no error raised")
