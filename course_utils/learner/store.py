"""A learner's saved progress: one local JSON file that outlives the kernel.

Quizzes record each answer and checks each exercise result here as they
grade (through `course_utils.learner.saving`), so `course_utils.quiz.progress()`
can show them on another day and `review()` can ask the missed questions again.
Nothing leaves the machine.

Where: `$BIRNN_COURSE_PROGRESS` if set (an absolute path; `~` is expanded),
else `birnn-course/progress.json` in Jupyter's data folder (`jupyter
--data-dir`). `BIRNN_COURSE_PROGRESS=off` switches saving off: nothing is read
or written, and the views say so. A relative path is refused (each notebook's
kernel runs in its own folder, so it would name another file in each). The
path is looked up at every call, so setting the variable takes effect at once.

The file (format version 1)::

    {"format": "birnn-course progress", "version": 1,
     "questions": {"02-output-shape": {"tries": [
         {"round": "5f0c...", "at": "2026-05-03T14:02:11+00:00", "first": "wrong",
          "attempts": 2, "right": true, "revealed": false, "course": "0.2.0"}]}},
     "checks": {"run_one_direction": {"status": "passed", "at": "...", "course": "0.2.0"}},
     "final_tests": [{"round": "9ab1...", "at": "...", "asked": 10, "correct": 7,
                      "by_topic": {"01_concept": [1, 1]}, "scored": "first answer",
                      "course": "0.2.0"}]}

A *round* is one shown quiz; a question gets one try per round in which it
was answered or its answer shown: `first` is how that round began ("right",
"wrong", or "revealed" when the answer was shown before any choice: the
outcomes of `course_utils.verdicts`, the words the quiz grades with),
`attempts` the choices checked, `right` whether it was answered right
without the answer shown first.

A final test is an assessment: its `correct` and `by_topic` count the
questions answered right at the *first* answer, and the entry says so with
`"scored": "first answer"`. Entries saved before that key existed counted a
question once it was right in the end; they still load, and
`course_utils.learner.report` scores them again from the first answers that
their round's tries hold (`first`), so every final test is shown the same way.
The key is optional, so the format stays version 1: older versions of the
course read the new entries, and this one reads the old.

Each record keeps the version of the course that wrote it (`"course"`,
`course_utils.__version__`; a try keeps the version it began under), so a
saved answer can be traced to the questions and checks of that release. The
key is optional in the same way: records saved before it existed have none.

Safety: every read-modify-write holds a file lock (two notebooks may write at
once), the new content is written with `files.atomic_write` (a temporary file
that then replaces the old one: a crash never leaves half a file; those a
killed process left are removed), and the file is written readable by its
owner only (0600), whatever its permissions were. The store touches only
course stores (see `files` NOTE [ what a write may replace ]): the path is
looked at first (`os.lstat`) and a device, FIFO, socket or folder is refused;
a symbolic link is written through (the link stays); a read-only file is not
replaced; a regular file is a store when it holds `"format": "birnn-course
progress"` (or sits at the default path, the course's own folder), and any
other file is refused and left as it is. A store that cannot be used (not
JSON, nested too deeply, a malformed entry, a date that is not a date, counts
that cannot be) is *damaged*: it is moved aside as
`progress.json.damaged-<time>` and a fresh one started. `reset_progress()`
removes a store and nothing else. Problems never raise into a quiz or check
cell: each case returns a notice, a sentence naming the file and what to do,
that the caller shows to the learner. Pure Python: no torch.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import filelock

from .. import __version__
from ..files import atomic_write, file_kind, remove_stale_temporaries
from ..verdicts import ANSWER_OUTCOMES, CHECK_STATUSES, NOT_ATTEMPTED, REVEALED, RIGHT

ENV_VAR = "BIRNN_COURSE_PROGRESS"
FORMAT_NAME = "birnn-course progress"
VERSION = 1
LOCK_TIMEOUT_S = 10.0
FIRST_ANSWER = "first answer"  # a final test's "scored": its counts are of questions right at the first answer
COURSE_VERSION_KEY = "course"  # each record's course version (optional: absent in records saved before 0.2.0)
MAX_VERSION_LENGTH = 64  # a version string longer than this is damage
OFF = "off"  # BIRNN_COURSE_PROGRESS=off switches saving off
# What makes a file recognisable as a store, damaged or not: json.dump writes the format this way.
MARKER = re.compile(rb'"format"\s*:\s*"birnn-course progress"')
MAX_DEPTH = 32  # a store nests 5 levels deep; deeper content is damage (and would exhaust the recursion limit)
MAX_COUNT = 10**9  # no count of a store comes near; larger ones are damage
YEARS = (1970, 9000)  # the years a stored time may have: its local date can be shown anywhere
SAMPLE_PATH = "~/birnn-progress.json"

Progress = dict[str, Any]  # the file's content, as loaded from JSON


class ProgressError(Exception):
    """A problem with the progress file; its message is the notice for the learner.

    `reason` is what went wrong, naming the file and what to do; the message
    puts `lead` ("Your progress is not saved") before it.
    """

    def __init__(self, reason: str, lead: str = "Your progress is not saved"):
        super().__init__(f"{lead}: {reason}")
        self.reason = reason


class _NewerStoreError(ProgressError):
    """A store written by a newer version of the course: left as it is (reset_progress may still remove it)."""


def progress_path() -> Path | None:
    """The progress file: `$BIRNN_COURSE_PROGRESS`, else `birnn-course/progress.json` in Jupyter's data folder.

    None when the variable is `off` (saving is switched off). Raises ProgressError for
    a relative path, which would name another file in each notebook's folder.
    """
    override = os.environ.get(ENV_VAR, "").strip()
    if override.lower() == OFF:
        return None
    if override:
        path = Path(override).expanduser()
        if not path.is_absolute():
            raise ProgressError(
                f"{ENV_VAR} is the relative path {override!r}, which would name another file in each notebook's "
                f"folder (and in every other folder a kernel starts in). Set it to an absolute path, such as "
                f"{SAMPLE_PATH}, or to {OFF} to switch saving off."
            )
        return path
    return _default_path()


def _default_path() -> Path:
    from jupyter_core.paths import jupyter_data_dir

    return Path(jupyter_data_dir()) / "birnn-course" / "progress.json"


def _saving_off_notice() -> str:
    return (
        f"Saving is off ({ENV_VAR}={OFF}): answers and check results are "
        f"not saved, so none from earlier kernels show here. Unset {ENV_VAR} to save them again."
    )


def empty_progress() -> Progress:
    """The content of a fresh store."""
    return {"format": FORMAT_NAME, "version": VERSION, "questions": {}, "checks": {}, "final_tests": []}


def now() -> str:
    """The current time as stored: UTC, ISO 8601, to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def load_progress() -> tuple[Progress, str | None]:
    """The saved progress and a notice (None when all went well).

    A damaged store is moved aside and an empty store returned; a file that
    cannot be read, or is not a store, gives an empty store and says why; with
    saving off, an empty store and a notice that says so.
    """
    try:
        path = progress_path()
        if path is None:
            return empty_progress(), _saving_off_notice()
        with _locked(path):
            data, notice = _read(path)
    except ProgressError as problem:
        return empty_progress(), str(problem)
    return data, notice


def update_progress(change: Callable[[Progress], None]) -> str | None:
    """Apply `change(data)` to the stored progress under the lock and save it atomically.

    Returns None (also when saving is off: nothing to say at every answer), or a
    notice saying why nothing was saved. Errors from `change` itself are bugs and propagate.
    """
    try:
        path = progress_path()
        if path is None:
            return None
        with _locked(path):
            data, notice = _read(path)
            change(data)
            _write(path, data)
            remove_stale_temporaries(path)
    except ProgressError as problem:
        return str(problem)
    return notice


def reset_progress() -> None:
    """Clear every saved answer, check result and final test, and say where they were.

    Only a store is removed; through a symbolic link, an empty store is written to
    its target instead, so the link stays.
    """
    try:
        path = progress_path()
        if path is None:
            print(f"{_saving_off_notice()} There is nothing to clear.")
            return
        with _locked(path):
            notice, existed = _clear(path)
    except ProgressError as problem:
        print(f"Your progress could not be cleared: {problem.reason}")
        return
    if notice:
        print(notice)
    print(f"Progress cleared ({path})." if existed else f"Nothing to clear: no progress saved at {path}.")


def _clear(path: Path) -> tuple[str | None, bool]:
    """Remove the store at `path` (under its lock): (a notice, whether there was one)."""
    if not os.path.lexists(os.path.realpath(path)):
        return None, False
    try:
        _, notice = _read(path)  # refuses what is not a store; moves a damaged one aside
    except _NewerStoreError:
        notice = None  # a store all the same: clearing it is what was asked
    try:
        if path.is_symlink():
            _write(path, empty_progress())
        else:
            path.unlink(missing_ok=True)
    except OSError as error:
        raise _unsaved(path, error) from None
    return notice, True


# ---- recording ---------------------------------------------------------------------------------


def record_answer(data: Progress, question_id: str, round_id: str, outcome: str, at: str) -> None:
    """Count one answer (`outcome` RIGHT or WRONG) or a shown answer (REVEALED) into `data`."""
    if outcome not in ANSWER_OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(ANSWER_OUTCOMES)}, got {outcome!r}")
    tries = data["questions"].setdefault(question_id, {"tries": []})["tries"]
    entry = next((t for t in reversed(tries) if t["round"] == round_id), None)
    if entry is None:
        entry = {"round": round_id, "at": at, "first": outcome, "attempts": 0, "right": False, "revealed": False}
        entry[COURSE_VERSION_KEY] = __version__
        tries.append(entry)
    if outcome == REVEALED:
        entry["revealed"] = True
    else:
        entry["attempts"] += 1
        entry["right"] = entry["right"] or (outcome == RIGHT and not entry["revealed"])


def record_check(data: Progress, task: str, status: str, at: str) -> None:
    """Save an exercise check's verdict (one of CHECK_STATUSES); NOT_ATTEMPTED never replaces one already saved."""
    if status not in CHECK_STATUSES:
        raise ValueError(f"status must be one of {', '.join(CHECK_STATUSES)}, got {status!r}")
    if status == NOT_ATTEMPTED and task in data["checks"]:
        return
    data["checks"][task] = {"status": status, "at": at, COURSE_VERSION_KEY: __version__}


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
        COURSE_VERSION_KEY: __version__,
    }
    tests = data["final_tests"]
    for index, old in enumerate(tests):
        if old["round"] == round_id:
            tests[index] = {**entry, "at": old["at"]}
            return
    tests.append(entry)


# ---- the file ----------------------------------------------------------------------------------


def _locked(path: Path) -> _Lock:
    """The file lock beside `path`, after checking what `path` names and creating its folder (owner-only) if needed.

    A file that is not a store is refused before the lock file is made beside it.
    """
    _check_place(path)
    raw = _read_bytes(path)
    if raw is not None and not _identify(raw, path)[2]:
        raise _not_a_store(path)
    folder = path.parent
    if not folder.is_dir():
        try:
            folder.mkdir(parents=True, mode=0o700)
        except FileExistsError:
            raise ProgressError(
                f"{folder} is a file, not a folder. Set {ENV_VAR} to a file you can write, such as {SAMPLE_PATH}."
            ) from None
        except OSError as error:
            raise _unsaved(path, error) from None
    lock = Path(f"{path}.lock")
    kind = _kind(lock)
    if kind not in (None, "a regular file"):
        raise ProgressError(
            f"{lock}, where the course keeps the lock of {path}, is {kind}, so it is left alone. "
            f"Set {ENV_VAR} to a file path in another folder, such as {SAMPLE_PATH}, or to {OFF} to switch saving off."
        )
    return _Lock(path)


def _kind(path: Path) -> str | None:
    """What `path` names, without following a link (`files.file_kind`), or None when nothing is there."""
    try:
        return file_kind(os.lstat(path).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        raise _unsaved(path, error) from None


def _check_place(path: Path) -> None:
    """Refuse a path that names something other than a regular file (or a link to one, or nothing yet)."""
    kind, named = _kind(path), str(path)
    if kind == "a symbolic link":
        target = Path(os.path.realpath(path))
        kind, named = _kind(target), f"{target} (where the link {path} points)"
    if kind == "a folder":
        raise ProgressError(
            f"{named} is a folder. Set {ENV_VAR} to a file path, such as {SAMPLE_PATH}, or to {OFF} to switch "
            "saving off."
        )
    if kind not in (None, "a regular file"):
        raise ProgressError(
            f"{named} is {kind}, not a regular file, so the course leaves it alone. To switch saving off, set "
            f"{ENV_VAR}={OFF}; to keep your progress, set {ENV_VAR} to a file path, such as {SAMPLE_PATH}."
        )


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
                f"another notebook held {self.path} for {LOCK_TIMEOUT_S:.0f} s.",
                lead="Your progress is not saved this time",
            ) from None
        except OSError as error:
            raise _unsaved(self.path, error) from None

    def __exit__(self, *exc_info: object) -> None:
        self.lock.release()


def _unsaved(path: Path, error: OSError) -> ProgressError:
    if error.strerror is None:  # an error of files.atomic_write that names the file and the fix itself
        return ProgressError(f"{error} Or set {ENV_VAR} to another file, or to {OFF} to switch saving off.")
    return ProgressError(
        f"{path} cannot be written ({error.strerror}). Set {ENV_VAR} to a file you can write, such as {SAMPLE_PATH}."
    )


def _read_bytes(path: Path) -> bytes | None:
    """The bytes of the regular file `path` names (through a link), or None when there is none.

    Opened without blocking and checked again once open, so a FIFO or device put in
    its place after `_check_place` is refused, never waited on or read.
    """
    target = Path(os.path.realpath(path))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(target, flags)
    except (FileNotFoundError, NotADirectoryError):  # nothing there yet (a "folder" that is a file: see _locked)
        return None
    except OSError as error:
        raise ProgressError(f"{path} could not be read ({error.strerror or error}).") from None
    with os.fdopen(descriptor, "rb") as file:
        mode = os.fstat(file.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise ProgressError(
                f"{path} is {file_kind(mode)}, not a regular file, so the course leaves it alone. To switch saving "
                f"off, set {ENV_VAR}={OFF}; to keep your progress, set {ENV_VAR} to a file path, such as {SAMPLE_PATH}."
            )
        try:
            return file.read()
        except OSError as error:
            raise ProgressError(f"{path} could not be read ({error.strerror or error}).") from None


def _read(path: Path) -> tuple[Progress, str | None]:
    """The stored data (validated) and a notice; a damaged store is moved aside and a fresh one begun.

    A file that is not a store is refused (ProgressError) and left as it is.
    """
    raw = _read_bytes(path)
    if raw is None:
        return empty_progress(), None
    data, problem, is_store = _identify(raw, path)
    if problem is None:
        return data, None
    if not is_store:
        raise _not_a_store(path)
    version = data.get("version") if isinstance(data, dict) else None
    if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
        raise _NewerStoreError(
            f"{path} was written by a newer version of the course (format {version}); it is left as it is. "
            "Update the course to keep recording."
        )
    target = Path(os.path.realpath(path))
    aside = _aside_name(target)
    try:
        os.replace(target, aside)
    except OSError as error:
        raise ProgressError(
            f"{path} is damaged ({problem}) and could not be moved aside ({error.strerror or error})."
        ) from None
    return empty_progress(), (
        f"Your progress file was damaged ({problem}). It was moved to {aside} and a fresh one was started."
    )


def _identify(raw: bytes, path: Path) -> tuple[Any, str | None, bool]:
    """The content of a file: (its JSON or None, what makes it no usable store or None, whether it is a store).

    A file is a store, usable or damaged, when it holds the format's name
    (MARKER) or sits at the default path, in the course's own folder.
    """
    data: Any = None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:  # JSONDecodeError, or an integer too long to convert
        problem: str | None = f"not valid JSON: {_short(str(error), 160)}"
    except RecursionError:
        problem = "not valid JSON: nested too deeply to read"
    else:
        problem = _problem(data)
    if problem is None:
        return data, None, True
    is_store = (isinstance(data, dict) and data.get("format") == FORMAT_NAME) or MARKER.search(raw) is not None
    return data, problem, is_store or _at_default_path(path)


def _not_a_store(path: Path) -> ProgressError:
    return ProgressError(
        f'{path} is not a course progress file (it does not hold "format": "{FORMAT_NAME}"), so it is left '
        f"as it is. Set {ENV_VAR} to a file path of its own, such as {SAMPLE_PATH}, or to {OFF} to switch saving off."
    )


def _at_default_path(path: Path) -> bool:
    """True when `path` is the default store, in the course's own folder: recognisable by its place alone."""
    return not os.environ.get(ENV_VAR, "").strip() and path == _default_path()


def _aside_name(path: Path) -> Path:
    """`progress.json.damaged-<UTC time>`, with a counter if that name is taken."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    candidate, number = path.with_name(f"{path.name}.damaged-{stamp}"), 1
    while os.path.lexists(candidate):
        number += 1
        candidate = path.with_name(f"{path.name}.damaged-{stamp}-{number}")
    return candidate


def _write(path: Path, data: Progress) -> None:
    """Replace the file with `data` in one step (`files.atomic_write`), readable by its owner only."""
    try:
        with atomic_write(path, file_mode=0o600) as file:
            json.dump(data, file, indent=1, sort_keys=True)
            file.write("\n")
    except OSError as error:
        raise _unsaved(path, error) from None


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def store_problem(data: object) -> str | None:
    """What is wrong with `data` (loaded JSON) as a progress store, or None: the store's own check, with no side
    effects (no lock, nothing moved aside); for tools that read stores they do not own (tools/class_results.py)."""
    return _problem(data)


def _problem(data) -> str | None:
    """What is wrong with loaded JSON as a version-1 store that the views can show, or None."""
    if not isinstance(data, dict):
        return f"expected an object, found {type(data).__name__}"
    if data.get("format") != FORMAT_NAME:
        return f"'format' is not {FORMAT_NAME!r}"
    if data.get("version") != VERSION:
        return f"'version' is {_short(repr(data.get('version')))}, expected {VERSION}"
    if _depth(data) > MAX_DEPTH:
        return f"nested too deeply (more than {MAX_DEPTH} levels)"
    questions, checks, tests = data.get("questions"), data.get("checks"), data.get("final_tests")
    if not isinstance(questions, dict) or not isinstance(checks, dict) or not isinstance(tests, list):
        return "'questions' and 'checks' must be objects and 'final_tests' a list"
    for question_id, record in questions.items():
        tries = record.get("tries") if isinstance(record, dict) else None
        if not isinstance(tries, list) or not all(_is_try(t) for t in tries):
            return f"question {_short(repr(question_id))} has a malformed 'tries' list"
    for task, record in checks.items():
        if not (
            isinstance(record, dict)
            and record.get("status") in CHECK_STATUSES
            and _is_time(record.get("at"))
            and _is_course_version(record)
        ):
            return f"check {_short(repr(task))} is malformed"
    if not all(_is_final_test(t) for t in tests):
        return "a final test entry is malformed"
    return None


def _depth(value: Any) -> int:
    """How deeply `value` nests lists and objects (a scalar: 0), counted without recursion; stops past MAX_DEPTH."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            if deepest > MAX_DEPTH:
                break
            pending.extend((inner, level + 1) for inner in (item.values() if isinstance(item, dict) else item))
    return deepest


def _is_count(value, minimum: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= MAX_COUNT


def _is_time(value) -> bool:
    """A time as `now()` stores it: ISO 8601 with a UTC offset, in a year whose local date can be shown."""
    if not isinstance(value, str) or len(value) > 64:
        return False
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return False
    return moment.utcoffset() is not None and YEARS[0] <= moment.year <= YEARS[1]


def _is_course_version(record: dict) -> bool:
    """Whether a record's course version, if it has one (records saved before 0.2.0 have none), is a short str."""
    version = record.get(COURSE_VERSION_KEY, __version__)
    return isinstance(version, str) and 0 < len(version) <= MAX_VERSION_LENGTH


def _is_try(entry) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("round"), str)
        and _is_time(entry.get("at"))
        and entry.get("first") in ANSWER_OUTCOMES
        and _is_count(entry.get("attempts"))
        and isinstance(entry.get("right"), bool)
        and isinstance(entry.get("revealed"), bool)
        and _is_course_version(entry)
    )


def _is_final_test(entry) -> bool:
    """A final test entry: at least one question asked, and no count above what it counts from."""
    if not (
        isinstance(entry, dict)
        and isinstance(entry.get("round"), str)
        and _is_time(entry.get("at"))
        and _is_count(entry.get("asked"), minimum=1)
        and _is_count(entry.get("correct"))
        and entry["correct"] <= entry["asked"]
        and isinstance(entry.get("by_topic"), dict)
        and isinstance(entry.get("scored", FIRST_ANSWER), str)  # absent in entries saved before it existed
        and _is_course_version(entry)
    ):
        return False
    pairs = list(entry["by_topic"].values())
    return (
        all(
            isinstance(pair, list)
            and len(pair) == 2
            and _is_count(pair[0])
            and _is_count(pair[1], minimum=1)
            and pair[0] <= pair[1]
            for pair in pairs
        )
        and sum(pair[1] for pair in pairs) <= entry["asked"]
    )
