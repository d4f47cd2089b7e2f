"""Specification of course_utils.files: atomic writes with normal permissions, reading errors that say what to do."""

import gzip
import json
import os
import stat
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.files import DamagedFileError, atomic_write, check_path, damaged, reading, remove_stale_temporaries

PROPERTY = settings(max_examples=30, deadline=None, derandomize=True, database=None)
FIX = "restore it from the course"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_atomic_write_writes_text_and_bytes(tmp_path):
    with atomic_write(tmp_path / "a.txt") as file:
        file.write("héllo\n")
    with atomic_write(tmp_path / "b.bin", "wb") as file:
        file.write(b"\x00\xff")
    assert (tmp_path / "a.txt").read_bytes() == "héllo\n".encode()
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\xff"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("fault", [KeyboardInterrupt, OSError(28, "No space left on device")])
def test_a_write_interrupted_halfway_leaves_the_old_file_whole_and_no_temporary_file(tmp_path, fault):
    path = tmp_path / "vocab.json"
    path.write_text('{"old": true}\n')
    with pytest.raises(type(fault) if isinstance(fault, BaseException) else fault):
        with atomic_write(path) as file:
            file.write('{"new": ')
            raise fault
    assert path.read_text() == '{"old": true}\n'
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_a_new_file_gets_the_permissions_open_would_give_it(tmp_path, umask):
    old = os.umask(umask)
    try:
        with atomic_write(tmp_path / "new.txt") as file:
            file.write("x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o666 & ~umask


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_a_new_file_can_be_made_readable_by_its_owner_only(tmp_path):
    with atomic_write(tmp_path / "private.txt", new_file_mode=0o600) as file:
        file.write("mine")
    assert stat.S_IMODE((tmp_path / "private.txt").stat().st_mode) == 0o600


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_a_replaced_file_keeps_its_permissions(tmp_path):
    path = tmp_path / "kept.txt"
    path.write_text("old")
    path.chmod(0o640)
    with atomic_write(path) as file:
        file.write("new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640 and path.read_text() == "new"


def test_atomic_write_names_a_missing_folder_and_a_folder_given_as_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="the folder .*nowhere does not exist"):
        with atomic_write(tmp_path / "nowhere" / "x.txt"):
            pass
    with pytest.raises(IsADirectoryError, match="is a folder"):
        with atomic_write(tmp_path):
            pass
    with pytest.raises(ValueError, match="mode must be 'w'"):
        with atomic_write(tmp_path / "x", "a"):
            pass


@pytest.mark.parametrize("value", [None, 3, 2.5, True, b"bytes", ["a"]])
def test_check_path_rejects_what_is_not_a_path(value):
    with pytest.raises(TypeError, match="path must be a file path"):
        check_path("path", value)


def test_check_path_rejects_an_empty_string():
    with pytest.raises(ValueError, match="empty string"):
        check_path("path", "")


def test_reading_a_missing_file_names_it_and_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match=f"no vocabulary file at {tmp_path / 'v.json'}: {FIX}"):
        with reading(tmp_path / "v.json", "vocabulary file", FIX):
            pass


def test_reading_a_folder_says_it_is_a_folder(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder, not a vocabulary file"):
        with reading(tmp_path, "vocabulary file", FIX):
            pass


def test_reading_without_permission_says_what_to_do(tmp_path):
    path = tmp_path / "v.json"
    path.write_text("{}")
    with mock.patch.object(Path, "read_text", side_effect=PermissionError(13, "Permission denied")):
        with pytest.raises(PermissionError, match="cannot read the vocabulary file .*permission denied.*chmod u\\+r"):
            with reading(path, "vocabulary file", FIX) as opened:
                opened.read_text()


@pytest.mark.parametrize(
    "content, parse, words",
    [
        (b"\x89PNG\x00\xff", lambda p: p.read_text(encoding="utf-8"), "is not UTF-8 text"),
        (b'{"chars": ', lambda p: json.loads(p.read_text()), "is damaged or cut short"),
        (b"plain text", lambda p: gzip.decompress(p.read_bytes()), "is damaged or cut short"),
        # mtime=0: the same bytes in every process, so pytest-xdist's workers collect the same test ids
        (
            gzip.compress(b'{"a": 1}', mtime=0)[:15],
            lambda p: gzip.decompress(p.read_bytes()),
            "is damaged or cut short",
        ),
    ],
)
def test_reading_turns_parse_errors_into_one_error_naming_the_file_and_the_fix(tmp_path, content, parse, words):
    path = tmp_path / "data.json"
    path.write_bytes(content)
    with pytest.raises(DamagedFileError, match=words) as caught:
        with reading(path, "data file", FIX) as opened:
            parse(opened)
    assert str(path) in str(caught.value) and str(caught.value).endswith(FIX)


def test_damaged_names_the_file_the_problem_and_the_fix():
    error = damaged(Path("x.ts"), "line 3: 'abc' is not a number", "fix the file")
    assert isinstance(error, ValueError) and str(error) == "x.ts: line 3: 'abc' is not a number. Fix the file"


@PROPERTY
@given(content=st.binary(max_size=200))
def test_reading_any_bytes_as_json_gives_the_value_or_one_clear_error(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("any") / "any.json"
    path.write_bytes(content)
    try:
        with reading(path, "data file", FIX) as opened:
            json.loads(opened.read_text(encoding="utf-8"))
    except DamagedFileError as error:
        assert str(path) in str(error)


@PROPERTY
@given(text=st.text(max_size=300), cut=st.integers(min_value=0, max_value=300))
def test_an_atomic_write_cut_anywhere_leaves_the_old_content(tmp_path_factory, text, cut):
    path = tmp_path_factory.mktemp("cut") / "file.txt"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(path) as file:
            file.write(text[:cut])
            raise KeyboardInterrupt
    assert path.read_text(encoding="utf-8") == "old" and leftovers(path.parent) == []


# --- what atomic_write may replace (issue 27) ----------------------------------------------------


def stat_of(kind: int) -> os.stat_result:
    """An os.stat_result for a node of `kind` (stat.S_IFCHR, ...), as os.lstat gives for a device node."""
    return os.stat_result((kind | 0o666, 1, 1, 1, 0, 0, 0, 0, 0, 0))


def pretend_lstat(monkeypatch, path: Path, kind: int) -> None:
    """Make os.lstat report `path` as a node of `kind` (no real device node is touched)."""
    real = os.lstat

    def lstat(target, *args, **kwargs):
        return stat_of(kind) if os.fspath(target) == str(path) else real(target, *args, **kwargs)

    monkeypatch.setattr(os, "lstat", lstat)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.parametrize("permissions", [0o444, 0o400, 0o555])
def test_a_read_only_file_is_not_replaced_and_the_error_names_it(tmp_path, permissions):
    path = tmp_path / "kept.txt"
    path.write_text("mine")
    path.chmod(permissions)
    with pytest.raises(PermissionError, match=f"{path} is read-only .*chmod u\\+w"):
        with atomic_write(path) as file:
            file.write("new")
    assert path.read_text() == "mine" and stat.S_IMODE(path.stat().st_mode) == permissions
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_a_fifo_is_not_replaced(tmp_path):
    path = tmp_path / "pipe"
    os.mkfifo(path)
    with pytest.raises(OSError, match=f"{path} is a FIFO .*not a regular file.*left as it is"):
        with atomic_write(path) as file:
            file.write("new")
    assert stat.S_ISFIFO(os.lstat(path).st_mode) and leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "kind, words", [(stat.S_IFCHR, "a character device"), (stat.S_IFBLK, "a block device"), (stat.S_IFSOCK, "a socket")]
)
def test_a_device_node_is_not_replaced(tmp_path, monkeypatch, kind, words):
    path = tmp_path / "null"
    path.write_text("stands in for the device")
    pretend_lstat(monkeypatch, path, kind)
    with pytest.raises(OSError, match=f"{path} is {words}"):
        with atomic_write(path) as file:
            file.write("new")
    assert path.read_text() == "stands in for the device" and leftovers(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_a_symbolic_link_is_written_through_and_stays_a_link(tmp_path):
    (tmp_path / "sync").mkdir()
    target = tmp_path / "sync" / "real.txt"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    with atomic_write(link) as file:
        file.write("new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == leftovers(tmp_path / "sync") == []


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_a_symbolic_link_to_a_fifo_is_refused(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "link").symlink_to(tmp_path / "pipe")
    with pytest.raises(OSError, match="is a FIFO"):
        with atomic_write(tmp_path / "link") as file:
            file.write("new")
    assert stat.S_ISFIFO(os.lstat(tmp_path / "pipe").st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_file_mode_sets_the_permissions_of_a_replaced_file_too(tmp_path):
    path = tmp_path / "private.json"
    path.write_text("old")
    path.chmod(0o644)
    with atomic_write(path, file_mode=0o600) as file:
        file.write("new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_text() == "new"


def test_stale_temporary_files_of_a_killed_write_are_removed_and_nothing_else(tmp_path):
    path = tmp_path / "progress.json"
    path.write_text("{}")
    names = [".progress.json.0a1b2c3d.tmp", ".progress.json.ffffffff.tmp", ".progress.json.notes.tmp", "other.tmp"]
    for name in names:
        (tmp_path / name).write_text("left by a killed process")
        os.utime(tmp_path / name, (0, 0))
    (tmp_path / ".progress.json.12345678.tmp").write_text("being written right now")
    removed = remove_stale_temporaries(path)
    assert sorted(p.name for p in removed) == [".progress.json.0a1b2c3d.tmp", ".progress.json.ffffffff.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".progress.json.12345678.tmp",
        ".progress.json.notes.tmp",
        "other.tmp",
        "progress.json",
    ]
