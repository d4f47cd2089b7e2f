"""A learner's saved progress: one local JSON file that outlives the kernel.

Quizzes record each answer and checks each exercise result here as they
grade, so `course_utils.quiz.progress()` can show them on another day and
`review()` can ask the missed questions again. Nothing leaves the machine.

Where: `$BIRNN_COURSE_PROGRESS` if set, else `birnn-course/progress.json` in
Jupyter's data folder (`jupyter --data-dir`). The path is looked up at every
call, so setting the variable takes effect at once.

The file (format version 1)::

    {"format": "birnn-course progress", "version": 1,
     "questions": {"02-output-shape": {"tries": [
         {"round": "5f0c...", "at": "2026-05-03T14:02:11+00:00", "first": "wrong",
          "attempts": 2, "right": true, "revealed": false}]}},
     "checks": {"run_one_direction": {"status": "passed", "at": "..."}},
     "final_tests": [{"round": "9ab1...", "at": "...", "asked": 10, "correct": 7,
                      "by_topic": {"01_concept": [1, 1]}, "scored": "first answer"}]}

A *round* is one shown quiz; a question gets one try per round in which it
was answered or its answer shown: `first` is how that round began ("right",
"wrong", or "revealed" when the answer was shown before any choice),
`attempts` the choices checked, `right` whether it was answered right
without the answer shown first.

A final test is an assessment: its `correct` and `by_topic` count the
questions answered right at the *first* answer, and the entry says so with
`"scored": "first answer"`. Entries saved before that key existed counted a
question once it was right in the end; they still load, and
`course_utils.quiz.progress` scores them again from the first answers that
their round's tries hold (`first`), so every final test is shown the same way.
The key is optional, so the format stays version 1: older versions of the
course read the new entries, and this one reads the old.

Safety: every read-modify-write holds a file lock (two notebooks may write at
once), the new content is written with `files.atomic_write` (a temporary file
that then replaces the old one: a crash never leaves half a file), and the
file is readable by its owner only. Problems never raise into a quiz or check cell: a damaged file is moved
aside and a fresh one started, a file that cannot be written leaves progress
unsaved, and each case returns a notice, a sentence the caller shows to the
learner. Pure Python: no torch.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import filelock

from .files import atomic_write

ENV_VAR = "BIRNN_COURSE_PROGRESS"
FORMAT_NAME = "birnn-course progress"
VERSION = 1
LOCK_TIMEOUT_S = 10.0
OUTCOMES = ("right", "wrong", "revealed")
NOT_ATTEMPTED = "not attempted yet"
CHECK_STATUSES = ("passed", "failed", NOT_ATTEMPTED)  # the verdicts of course_utils.checks
FIRST_ANSWER = "first answer"  # a final test's "scored": its counts are of questions right at the first answer

Progress = dict[str, Any]  # the file's content, as loaded from JSON


def progress_path() -> Path:
    """The progress file: `$BIRNN_COURSE_PROGRESS`, else `birnn-course/progress.json` in Jupyter's data folder."""
    override = os.environ.get(ENV_VAR, "").strip()
    if override:
        return Path(override).expanduser()
    from jupyter_core.paths import jupyter_data_dir

    return Path(jupyter_data_dir()) / "birnn-course" / "progress.json"


def empty_progress() -> Progress:
    """The content of a fresh store."""
    return {"format": FORMAT_NAME, "version": VERSION, "questions": {}, "checks": {}, "final_tests": []}


def now() -> str:
    """The current time as stored: UTC, ISO 8601, to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class ProgressError(Exception):
    """A problem with the progress file; its message is the notice for the learner."""


def load_progress() -> tuple[Progress, str | None]:
    """The saved progress and a notice (None when all went well).

    A damaged file is moved aside and an empty store returned; a file that
    cannot be read gives an empty store and says why.
    """
    path = progress_path()
    try:
        with _locked(path):
            data, notice = _read(path)
    except ProgressError as problem:
        return empty_progress(), str(problem)
    return data, notice


def update_progress(change: Callable[[Progress], None]) -> str | None:
    """Apply `change(data)` to the stored progress under the lock and save it atomically.

    Returns None, or a notice saying why nothing was saved. Errors from
    `change` itself are bugs and propagate.
    """
    path = progress_path()
    try:
        with _locked(path):
            data, notice = _read(path)
            change(data)
            _write(path, data)
    except ProgressError as problem:
        return str(problem)
    return notice


def reset_progress() -> None:
    """Clear every saved answer, check result and final test, and say where they were."""
    path = progress_path()
    try:
        with _locked(path):
            existed = path.exists()
            path.unlink(missing_ok=True)
    except (ProgressError, OSError) as problem:
        print(f"Your progress could not be cleared: {problem}")
        return
    print(f"Progress cleared ({path})." if existed else f"Nothing to clear: no progress saved at {path}.")


# ---- recording ---------------------------------------------------------------------------------


def record_answer(data: Progress, question_id: str, round_id: str, outcome: str, at: str) -> None:
    """Count one answer (`outcome` "right" or "wrong") or a shown answer ("revealed") into `data`."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}")
    tries = data["questions"].setdefault(question_id, {"tries": []})["tries"]
    entry = next((t for t in reversed(tries) if t["round"] == round_id), None)
    if entry is None:
        entry = {"round": round_id, "at": at, "first": outcome, "attempts": 0, "right": False, "revealed": False}
        tries.append(entry)
    if outcome == "revealed":
        entry["revealed"] = True
    else:
        entry["attempts"] += 1
        entry["right"] = entry["right"] or (outcome == "right" and not entry["revealed"])


def record_check(data: Progress, task: str, status: str, at: str) -> None:
    """Save an exercise check's verdict; "not attempted yet" never replaces a verdict already saved."""
    if status not in CHECK_STATUSES:
        raise ValueError(f"status must be one of {', '.join(CHECK_STATUSES)}, got {status!r}")
    if status == NOT_ATTEMPTED and task in data["checks"]:
        return
    data["checks"][task] = {"status": status, "at": at}


def record_final_test(
    data: Progress, round_id: str, correct: int, asked: int, by_topic: dict[str, tuple[int, int]], at: str
) -> None:
    """Save (or update) the score of one final test: total and {notebook: [correct, asked]}.

    `correct` counts the questions answered right at the first answer (the entry is
    marked `"scored": "first answer"`), as the final test scores them.
    """
    entry = {
        "round": round_id,
        "at": at,
        "asked": asked,
        "correct": correct,
        "by_topic": {name: [int(c), int(a)] for name, (c, a) in by_topic.items()},
        "scored": FIRST_ANSWER,
    }
    tests = data["final_tests"]
    for index, old in enumerate(tests):
        if old["round"] == round_id:
            tests[index] = {**entry, "at": old["at"]}
            return
    tests.append(entry)


# ---- the file ----------------------------------------------------------------------------------


def _locked(path: Path) -> _Lock:
    """The file lock beside `path`, after creating its folder (owner-only) if needed."""
    if path.is_dir():
        raise ProgressError(
            f"Your progress is not saved: {path} is a folder. Set {ENV_VAR} to a file path, "
            "such as ~/birnn-progress.json."
        )
    folder = path.parent
    if not folder.is_dir():
        try:
            folder.mkdir(parents=True, mode=0o700)
        except FileExistsError:
            raise ProgressError(
                f"Your progress is not saved: {folder} is a file, not a folder. Set {ENV_VAR} to a file you can write."
            ) from None
        except OSError as error:
            raise _unsaved(path, error) from None
    return _Lock(path)


class _Lock:
    """`filelock.FileLock` on `<path>.lock` whose failures become ProgressError."""

    def __init__(self, path: Path):
        self.path = path
        self.lock = filelock.FileLock(f"{path}.lock", timeout=LOCK_TIMEOUT_S, mode=0o600)

    def __enter__(self) -> None:
        try:
            self.lock.acquire()
        except filelock.Timeout:
            raise ProgressError(
                f"Your progress is not saved this time: another notebook held {self.path} for {LOCK_TIMEOUT_S:.0f} s."
            ) from None
        except OSError as error:
            raise _unsaved(self.path, error) from None

    def __exit__(self, *exc_info: object) -> None:
        self.lock.release()


def _unsaved(path: Path, error: OSError) -> ProgressError:
    reason = error.strerror or str(error)
    return ProgressError(
        f"Your progress is not saved: {path} cannot be written ({reason}). Set {ENV_VAR} to a file you can write."
    )


def _read(path: Path) -> tuple[Progress, str | None]:
    """The stored data (validated) and a notice; a damaged file is moved aside and a fresh store begun."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return empty_progress(), None
    except OSError as error:
        raise ProgressError(f"Your progress could not be read from {path} ({error.strerror or error}).") from None
    problem: str | None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        data, problem = None, f"not valid JSON: {error}"
    else:
        problem = _problem(data)
    if problem is None:
        return data, None
    if isinstance(data, dict) and isinstance(data.get("version"), int) and data["version"] > VERSION:
        raise ProgressError(
            f"Your progress file {path} was written by a newer version of the course "
            f"(format {data['version']}); it is left as it is and nothing is saved. "
            "Update the course to keep recording."
        )
    aside = _aside_name(path)
    try:
        os.replace(path, aside)
    except OSError as error:
        raise ProgressError(
            f"Your progress file {path} is damaged ({problem}) and could not be moved aside "
            f"({error.strerror or error}); nothing is saved."
        ) from None
    return empty_progress(), (
        f"Your progress file was damaged ({problem}). It was moved to {aside} and a fresh one was started."
    )


def _aside_name(path: Path) -> Path:
    """`progress.json.damaged-<UTC time>`, with a counter if that name is taken."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    candidate, number = path.with_name(f"{path.name}.damaged-{stamp}"), 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.name}.damaged-{stamp}-{number}")
    return candidate


def _write(path: Path, data: Progress) -> None:
    """Replace the file with `data` in one step (`files.atomic_write`); a new file is readable by its owner only."""
    try:
        with atomic_write(path, new_file_mode=0o600) as file:
            json.dump(data, file, indent=1, sort_keys=True)
            file.write("\n")
    except OSError as error:
        raise _unsaved(path, error) from None


def _problem(data) -> str | None:
    """What is wrong with loaded JSON as a version-1 store, or None."""
    if not isinstance(data, dict):
        return f"expected an object, found {type(data).__name__}"
    if data.get("format") != FORMAT_NAME:
        return f"'format' is not {FORMAT_NAME!r}"
    if data.get("version") != VERSION:
        return f"'version' is {data.get('version')!r}, expected {VERSION}"
    questions, checks, tests = data.get("questions"), data.get("checks"), data.get("final_tests")
    if not isinstance(questions, dict) or not isinstance(checks, dict) or not isinstance(tests, list):
        return "'questions' and 'checks' must be objects and 'final_tests' a list"
    for question_id, record in questions.items():
        tries = record.get("tries") if isinstance(record, dict) else None
        if not isinstance(tries, list) or not all(_is_try(t) for t in tries):
            return f"question {question_id!r} has a malformed 'tries' list"
    for task, record in checks.items():
        if not (
            isinstance(record, dict) and record.get("status") in CHECK_STATUSES and isinstance(record.get("at"), str)
        ):
            return f"check {task!r} is malformed"
    if not all(_is_final_test(t) for t in tests):
        return "a final test entry is malformed"
    return None


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_try(entry) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("round"), str)
        and isinstance(entry.get("at"), str)
        and entry.get("first") in OUTCOMES
        and _is_count(entry.get("attempts"))
        and isinstance(entry.get("right"), bool)
        and isinstance(entry.get("revealed"), bool)
    )


def _is_final_test(entry) -> bool:
    if not (
        isinstance(entry, dict)
        and isinstance(entry.get("round"), str)
        and isinstance(entry.get("at"), str)
        and _is_count(entry.get("asked"))
        and _is_count(entry.get("correct"))
        and isinstance(entry.get("by_topic"), dict)
        and isinstance(entry.get("scored", FIRST_ANSWER), str)  # absent in entries saved before it existed
    ):
        return False
    return all(
        isinstance(pair, list) and len(pair) == 2 and all(_is_count(n) for n in pair)
        for pair in entry["by_topic"].values()
    )
