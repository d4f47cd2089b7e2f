"""Reading and writing the course's files so that a fault never leaves a half-written file or a bare error.

Writing: `atomic_write(path)` is the one way the package and its tools write a
file. The content goes to a temporary file in the same folder, is flushed to
disk, and then replaces `path` in one step (`os.replace`), so `path` is
either the complete new file or the old one, even after Ctrl-C, a full disk or
a crash. The new file gets the permissions a plain `open(path, "w")` would
give it (0o666 less the umask; `new_file_mode` changes the 0o666, e.g. 0o600
for a file only its owner may read) or, when it replaces a file, that file's
permissions (`file_mode` sets them exactly, new file or not).

NOTE [ what a write may replace ]: `os.replace` replaces whatever the path
names, and as root even a device node such as /dev/null, which every program
on the machine then writes into as a plain file. So `writable_target(path)`
looks first (`os.lstat`, which does not follow links) and every write goes
through it: a missing path or a regular file you may write is replaced; a
symbolic link is written through (its target is replaced, the link stays);
a file without write permission (chmod 444: read-only on purpose, which root
would otherwise override) raises PermissionError; a folder, device, FIFO or
socket raises `NotAFileError`. Each error names the path and what to do.
A process killed in the middle of a write (kill -9) leaves its temporary
file, `.<name>.<8 hex digits>.tmp`; `remove_stale_temporaries(path)` removes
those of one file.

Reading: `reading(path, what, fix)` turns what can go wrong with a file into
an error that names the file, says what is wrong and what to do: missing,
a folder, unreadable, not UTF-8 text, or damaged content (`DamagedFileError`,
which a reader raises with `damaged(...)` or which `reading` raises for the
usual parse errors: JSON, gzip, zip, a cut-off stream).

Pure Python: no torch import.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import secrets
import stat
import time
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from .validation import describe

# Errors that mean "the bytes are there but are not what they should be".
PARSE_ERRORS = (json.JSONDecodeError, UnicodeDecodeError, gzip.BadGzipFile, zlib.error, EOFError, zipfile.BadZipFile)


class DamagedFileError(ValueError):
    """A file exists and can be read but its content is not what it should be; the message says what to do."""


class NotAFileError(OSError):
    """A path names a device, FIFO, socket or folder where a regular file is needed; the message says what to do."""


# How long a temporary file of atomic_write may sit before remove_stale_temporaries takes it for a killed write's.
STALE_AFTER_S = 60.0
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISREG, "a regular file"),
)


def file_kind(mode: int) -> str:
    """What an `st_mode` names, in words: "a regular file", "a folder", "a character device", ..."""
    return next((words for test, words in _KINDS if test(mode)), "not a file")


def writable_target(path: str | os.PathLike) -> tuple[Path, os.stat_result | None]:
    """The file a write to `path` replaces, and its `os.lstat` (None when there is none yet): see NOTE above.

    A symbolic link gives its final target. Raises NotAFileError (IsADirectoryError for a
    folder) when the target is not a regular file, PermissionError when it is one you may not
    write; both name the path and what to do.
    """
    path = check_path("path", path)
    target = path
    try:
        status: os.stat_result | None = os.lstat(target)
    except (FileNotFoundError, NotADirectoryError):  # nothing there (atomic_write then names a missing folder)
        status = None
    if status is not None and stat.S_ISLNK(status.st_mode):
        target = Path(os.path.realpath(path))
        try:
            status = os.lstat(target)
        except (FileNotFoundError, NotADirectoryError):  # a link to a file not written yet: the write creates it
            status = None
    if status is None:
        return target, None
    via = "" if target == path else f" (the target of the link {path})"
    if stat.S_ISDIR(status.st_mode):
        raise IsADirectoryError(f"{target}{via} is a folder: give the path of the file to write inside it")
    if not stat.S_ISREG(status.st_mode):
        raise NotAFileError(
            f"{target}{via} is {file_kind(status.st_mode)}, not a regular file, so it was left as it is: "
            "give the path of a regular file to write"
        )
    if status.st_mode & 0o222 == 0 or not os.access(target, os.W_OK):
        raise PermissionError(
            f"{target}{via} is read-only (permissions {stat.S_IMODE(status.st_mode):03o}), so it was not replaced: "
            f"make it writable first (chmod u+w '{target}') if you mean to replace it, or write to another file"
        )
    return target, status


def check_path(name: str, value: object) -> Path:
    """Return `value` as a Path if it is a non-empty str or os.PathLike; else raise an error naming `name`."""
    if isinstance(value, (bytes, bool)) or not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a file path (a str or pathlib.Path), got {describe(value)}")
    if str(value) == "":
        raise ValueError(f"{name} is an empty string: give the path of a file")
    return Path(value)


@contextmanager
def atomic_write(
    path: str | os.PathLike,
    mode: str = "w",
    encoding: str = "utf-8",
    new_file_mode: int = 0o666,
    file_mode: int | None = None,
) -> Iterator[IO]:
    """Open a temporary file next to `path` for writing; on success it replaces `path` in one step.

    mode: "w" (text, `encoding`) or "wb" (bytes). new_file_mode: the permissions
    of a new file, before the umask (a replaced file keeps its own). file_mode: when
    given, the permissions the file gets exactly, new or replaced (e.g. 0o600).
    What may be replaced is checked first (`writable_target`): a symbolic link is
    written through; a read-only file, a folder, a device or a FIFO raise an error
    naming it, and nothing is written. If the block raises (or is interrupted), the
    temporary file is removed and `path` is left as it was. The folder must exist.
    Usage: `with atomic_write(path) as file: file.write(text)`.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' (text) or 'wb' (bytes), got {mode!r}")
    path = check_path("path", path)
    target, existing = writable_target(path)
    if not target.parent.is_dir():
        raise FileNotFoundError(f"cannot write {path}: the folder {target.parent} does not exist (create it first)")
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    # os.open applies the umask to new_file_mode itself, as open() does to 0o666; O_EXCL never reuses a file.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    descriptor = os.open(temporary, flags, new_file_mode if file_mode is None else file_mode & 0o700)
    try:
        text = mode == "w"  # bytes ("wb") take no encoding and no newline translation
        with open(descriptor, mode, encoding=encoding if text else None, newline="" if text else None) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        if file_mode is not None:
            os.chmod(temporary, file_mode)
        elif existing is not None:
            os.chmod(temporary, stat.S_IMODE(existing.st_mode))  # a replaced file keeps its permissions
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_folder(target.parent)


def remove_stale_temporaries(path: str | os.PathLike, older_than_s: float = STALE_AFTER_S) -> list[Path]:
    """Delete the temporary files a killed `atomic_write(path)` left (`.<name>.<8 hex>.tmp`); return them.

    Only regular files of exactly that name, untouched for `older_than_s` seconds, in
    the folder of the file `path` is written to (a link's target's). Call it where no
    other write of `path` can be under way (the progress store holds its lock).
    """
    target = Path(os.path.realpath(check_path("path", path)))
    pattern = re.compile(rf"\.{re.escape(target.name)}\.[0-9a-f]{{8}}\.tmp")
    removed: list[Path] = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            status = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(status.st_mode) and time.time() - status.st_mtime >= older_than_s:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:  # gone already, or not ours to remove: it stays
            continue
    return removed


def _sync_folder(folder: Path) -> None:
    """Flush the folder entry of a replaced file to disk (POSIX; Windows has no folder handles to sync)."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    except OSError:  # some file systems refuse to sync a folder; the file itself is already on disk
        pass
    finally:
        os.close(descriptor)


@contextmanager
def reading(path: str | os.PathLike, what: str, fix: str) -> Iterator[Path]:
    """Check that `path` is a readable file, then run the block; turn its file errors into clear ones.

    what: what the file is, e.g. "vocabulary file"; fix: what to do about a
    missing or damaged file, e.g. "restore it with `git checkout -- <path>`".
    Raises FileNotFoundError, IsADirectoryError, PermissionError or
    DamagedFileError, each naming the file, what is wrong and `fix`.
    """
    path = check_path("path", path)
    if not path.exists():
        raise FileNotFoundError(f"no {what} at {path}: {fix}")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder, not a {what}: give the path of the file itself")
    try:
        yield path
    except PermissionError:
        raise PermissionError(
            f"cannot read the {what} {path}: permission denied. Give your user read access (e.g. chmod u+r) "
            "or copy the file somewhere you can read it"
        ) from None
    except UnicodeDecodeError as error:
        raise DamagedFileError(
            f"{path} is not UTF-8 text (byte {error.start} is {error.object[error.start : error.start + 1]!r}), "
            f"so it is not a {what}: {fix}"
        ) from None
    except PARSE_ERRORS as error:
        raise DamagedFileError(f"{path} is damaged or cut short, not a readable {what} ({error}): {fix}") from None


def damaged(path: Path, problem: str, fix: str) -> DamagedFileError:
    """The error a reader raises for content it cannot use: `raise damaged(path, "line 3: ...", fix)`."""
    return DamagedFileError(f"{path}: {problem}. {fix[:1].upper()}{fix[1:]}")
