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

from course_utils.files import DamagedFileError, atomic_write, check_path, damaged, reading

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
