"""Reading and writing the course's files so that a fault never leaves a half-written file or a bare error.

Writing: `atomic_write(path)` is the one way the package and its tools write a
file. The content goes to a temporary file in the same folder, is flushed to
disk, and then replaces `path` in one step (`os.replace`), so `path` is
either the complete new file or the old one, even after Ctrl-C, a full disk or
a crash. The new file gets the permissions a plain `open(path, "w")` would
give it (0o666 less the umask; `new_file_mode` changes the 0o666, e.g. 0o600
for a file only its owner may read) or, when it replaces a file, that file's
permissions.

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
import secrets
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


def check_path(name: str, value: object) -> Path:
    """Return `value` as a Path if it is a non-empty str or os.PathLike; else raise an error naming `name`."""
    if isinstance(value, (bytes, bool)) or not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a file path (a str or pathlib.Path), got {describe(value)}")
    if str(value) == "":
        raise ValueError(f"{name} is an empty string: give the path of a file")
    return Path(value)


@contextmanager
def atomic_write(
    path: str | os.PathLike, mode: str = "w", encoding: str = "utf-8", new_file_mode: int = 0o666
) -> Iterator[IO]:
    """Open a temporary file next to `path` for writing; on success it replaces `path` in one step.

    mode: "w" (text, `encoding`) or "wb" (bytes). new_file_mode: the permissions
    of a new file, before the umask (a replaced file keeps its own). If the block raises (or is
    interrupted), the temporary file is removed and `path` is left as it was.
    The folder must exist. Usage: `with atomic_write(path) as file: file.write(text)`.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' (text) or 'wb' (bytes), got {mode!r}")
    path = check_path("path", path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder: give the path of the file to write inside it")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {path}: the folder {path.parent} does not exist (create it first)")
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    # os.open applies the umask to new_file_mode itself, as open() does to 0o666; O_EXCL never reuses a file.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    descriptor = os.open(temporary, flags, new_file_mode)
    try:
        with open(descriptor, mode, **({"encoding": encoding, "newline": ""} if mode == "w" else {})) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o7777)  # a replaced file keeps its permissions
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


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
