"""The progress store (`course_utils.learner.store`): where it lives, what it keeps, and that it never loses
or breaks a learner's record."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import filelock
import pytest

from course_utils import __version__
from course_utils.learner import store
from course_utils.learner.store import (
    ENV_VAR,
    empty_progress,
    load_progress,
    progress_path,
    record_answer,
    record_check,
    record_final_test,
    reset_progress,
    update_progress,
)

ROOT = Path(__file__).resolve().parents[2]
T0, T1 = "2026-05-03T14:00:00+00:00", "2026-05-04T09:30:00+00:00"


def answer(question_id, round_id, outcome, at=T0):
    return update_progress(lambda data: record_answer(data, question_id, round_id, outcome, at))


def tries(question_id):
    return load_progress()[0]["questions"][question_id]["tries"]


def test_the_environment_variable_names_the_file(throwaway_progress):
    assert progress_path() == throwaway_progress


def test_without_the_variable_the_file_is_in_jupyters_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV_VAR)
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter-data"))
    assert progress_path() == tmp_path / "jupyter-data" / "birnn-course" / "progress.json"


def test_a_fresh_store_is_empty_and_creates_no_file(throwaway_progress):
    data, notice = load_progress()
    assert data == empty_progress() and notice is None
    assert not throwaway_progress.exists()


def test_what_is_saved_is_there_after_a_reload_from_disk(throwaway_progress):
    assert answer("02-output-shape", "r1", "wrong") is None
    update_progress(lambda data: record_check(data, "predict_shapes", "passed", T0))
    saved = json.loads(throwaway_progress.read_text())
    assert saved["version"] == 1
    assert saved["checks"]["predict_shapes"] == {"status": "passed", "at": T0, "course": __version__}
    assert saved["questions"]["02-output-shape"]["tries"][0]["first"] == "wrong"
    assert load_progress() == (saved, None)


def test_one_round_keeps_one_try_that_remembers_how_it_began():
    answer("q", "r1", "wrong")
    answer("q", "r1", "wrong")
    answer("q", "r1", "right", at=T1)
    assert tries("q") == [
        {
            "round": "r1",
            "at": T0,
            "first": "wrong",
            "attempts": 3,
            "right": True,
            "revealed": False,
            "course": __version__,
        }
    ]


def test_a_new_round_adds_a_try():
    answer("q", "r1", "wrong")
    answer("q", "r2", "right", at=T1)
    assert [(t["round"], t["first"], t["right"]) for t in tries("q")] == [("r1", "wrong", False), ("r2", "right", True)]


def test_an_answer_shown_first_is_not_counted_right():
    answer("q", "r1", "revealed")
    answer("q", "r1", "right")
    assert tries("q")[0] | {"at": None} == {
        "round": "r1",
        "at": None,
        "first": "revealed",
        "attempts": 1,
        "right": False,
        "revealed": True,
        "course": __version__,
    }


def test_an_unknown_outcome_is_a_bug_and_raises():
    with pytest.raises(ValueError, match="outcome must be one of right, wrong, revealed"):
        record_answer(empty_progress(), "q", "r1", "maybe", T0)


def test_the_latest_check_verdict_wins_but_not_attempted_never_erases_one():
    for status in ("failed", "passed", "not attempted yet"):
        update_progress(lambda data, status=status: record_check(data, "encode_packed", status, T1))
    assert load_progress()[0]["checks"]["encode_packed"]["status"] == "passed"
    update_progress(lambda data: record_check(data, "encode_packed", "failed", T1))
    assert load_progress()[0]["checks"]["encode_packed"]["status"] == "failed"


def test_a_check_not_attempted_is_saved_when_nothing_else_is():
    update_progress(lambda data: record_check(data, "mean_pool", "not attempted yet", T0))
    assert load_progress()[0]["checks"] == {
        "mean_pool": {"status": "not attempted yet", "at": T0, "course": __version__}
    }


def test_a_final_test_is_one_entry_per_round_updated_as_answers_come():
    by_topic = {"01_concept": (0, 1), "02_shapes": (0, 2)}
    update_progress(lambda data: record_final_test(data, "t1", 0, 3, by_topic, T0))
    by_topic = {"01_concept": (1, 1), "02_shapes": (1, 2)}
    update_progress(lambda data: record_final_test(data, "t1", 2, 3, by_topic, T1))
    assert load_progress()[0]["final_tests"] == [
        {
            "round": "t1",
            "at": T0,
            "asked": 3,
            "correct": 2,
            "by_topic": {"01_concept": [1, 1], "02_shapes": [1, 2]},
            "scored": "first answer",
            "course": __version__,
        }
    ]


def test_every_record_keeps_the_course_version_that_wrote_it():
    answer("q", "r1", "right")
    update_progress(lambda data: record_check(data, "mean_pool", "passed", T0))
    update_progress(lambda data: record_final_test(data, "t1", 1, 1, {"01_concept": (1, 1)}, T0))
    data = load_progress()[0]
    records = [data["questions"]["q"]["tries"][0], data["checks"]["mean_pool"], data["final_tests"][0]]
    assert [record["course"] for record in records] == [__version__] * 3


def test_records_saved_before_the_course_version_was_kept_still_load(throwaway_progress):
    old = {
        **empty_progress(),
        "questions": {"q": {"tries": [{"round": "r1", "at": T0, "first": "right", "attempts": 1, "right": True}]}},
        "checks": {"mean_pool": {"status": "passed", "at": T0}},
        "final_tests": [OLD_FINAL_TEST],
    }
    old["questions"]["q"]["tries"][0]["revealed"] = False
    throwaway_progress.write_text(json.dumps(old))
    assert load_progress() == (old, None)


@pytest.mark.parametrize("version", [7, "", "9" * 65])
def test_a_course_version_that_is_not_a_short_str_is_damage(throwaway_progress, version):
    damaged = {**empty_progress(), "checks": {"mean_pool": {"status": "passed", "at": T0, "course": version}}}
    throwaway_progress.write_text(json.dumps(damaged))
    data, notice = load_progress()
    assert data == empty_progress() and "check 'mean_pool' is malformed" in notice


OLD_FINAL_TEST = {"round": "t0", "at": T0, "asked": 3, "correct": 2, "by_topic": {"01_concept": [2, 3]}}


def test_a_final_test_saved_before_first_answer_scoring_still_loads_as_it_was(throwaway_progress):
    old = {**empty_progress(), "final_tests": [OLD_FINAL_TEST]}  # no "scored": counted right in the end
    throwaway_progress.write_text(json.dumps(old))
    assert load_progress() == (old, None)
    update_progress(lambda data: record_final_test(data, "t1", 1, 3, {"01_concept": (1, 3)}, T1))
    assert [t.get("scored") for t in load_progress()[0]["final_tests"]] == [None, "first answer"]


def test_a_final_test_whose_scored_is_not_text_is_damaged(throwaway_progress):
    throwaway_progress.write_text(json.dumps({**empty_progress(), "final_tests": [{**OLD_FINAL_TEST, "scored": 1}]}))
    data, notice = load_progress()
    assert data == empty_progress() and "a final test entry is malformed" in notice


def test_reset_clears_everything_and_says_where(throwaway_progress, capsys):
    answer("q", "r1", "right")
    reset_progress()
    assert f"Progress cleared ({throwaway_progress})." in capsys.readouterr().out
    assert load_progress() == (empty_progress(), None)
    reset_progress()
    assert "Nothing to clear" in capsys.readouterr().out


def test_the_file_and_its_folder_are_private_to_the_learner(tmp_path, monkeypatch):
    path = tmp_path / "new-folder" / "progress.json"
    monkeypatch.setenv(ENV_VAR, str(path))
    answer("q", "r1", "right")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(Path(f"{path}.lock").stat().st_mode) == 0o600


def test_a_write_leaves_no_temporary_file_behind(throwaway_progress):
    answer("q", "r1", "right")
    assert sorted(p.name for p in throwaway_progress.parent.iterdir()) == ["progress.json", "progress.json.lock"]


STORE_START = b'{"format": "birnn-course progress", '  # what makes a file recognisable as a store, damaged or not


@pytest.mark.parametrize(
    "content, problem",
    [
        (STORE_START + b'"version": 1, "questions": {', "not valid JSON"),
        (STORE_START + b'"version": 1, "questions": {"\xff\xfe": 1}}', "not valid JSON"),
        (b'[{"format": "birnn-course progress"}]', "expected an object, found list"),
        (
            b'{"format": "birnn-course progress", "version": 1, "questions": [], "checks": {}, "final_tests": []}',
            "'questions' and 'checks' must be objects",
        ),
        (
            b'{"format": "birnn-course progress", "version": 1, "questions": {"q": {"tries": [{"round": 1}]}},'
            b' "checks": {}, "final_tests": []}',
            "question 'q' has a malformed 'tries' list",
        ),
    ],
)
def test_a_damaged_file_is_moved_aside_with_a_message_and_a_fresh_store_begins(throwaway_progress, content, problem):
    throwaway_progress.write_bytes(content)
    data, notice = load_progress()
    assert data == empty_progress()
    assert f"Your progress file was damaged ({problem}" in notice and "a fresh one was started" in notice
    (aside,) = throwaway_progress.parent.glob("progress.json.damaged-*")
    assert str(aside) in notice and aside.read_bytes() == content
    assert answer("q", "r1", "right") is None and tries("q")[0]["right"]


def test_a_second_damaged_file_gets_a_name_of_its_own(throwaway_progress):
    for _ in range(2):
        throwaway_progress.write_bytes(STORE_START)
        load_progress()
    assert len(list(throwaway_progress.parent.glob("progress.json.damaged-*"))) == 2


def test_a_file_from_a_newer_course_is_left_alone_and_nothing_is_saved(throwaway_progress):
    newer = json.dumps({"format": "birnn-course progress", "version": 2, "everything": "else"})
    throwaway_progress.write_text(newer)
    notice = answer("q", "r1", "right")
    assert "written by a newer version of the course (format 2)" in notice
    assert throwaway_progress.read_text() == newer


def test_an_unwritable_place_gives_a_notice_not_an_error(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(ENV_VAR, str(blocker / "progress.json"))  # its "folder" is a file: fails even as root
    notice = answer("q", "r1", "right")
    assert f"{blocker} is a file, not a folder" in notice and ENV_VAR in notice
    assert load_progress()[0] == empty_progress()


def test_a_folder_named_as_the_file_gives_a_notice(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert "is a folder" in answer("q", "r1", "right")


def test_a_lock_held_too_long_gives_a_notice(throwaway_progress, monkeypatch):
    monkeypatch.setattr(store, "LOCK_TIMEOUT_S", 0.2)
    answer("q", "r1", "wrong")
    other = filelock.FileLock(f"{throwaway_progress}.lock", thread_local=False)
    other.acquire()
    try:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as thread:  # another thread, so the lock is not re-entered
            notice = thread.submit(answer, "q", "r1", "right").result()
    finally:
        other.release()
    assert "another notebook held" in notice
    assert tries("q")[0]["right"] is False


WRITER = """
import sys
from course_utils.learner.store import now, record_answer, update_progress
writer = sys.argv[1]
for i in range(int(sys.argv[2])):
    notice = update_progress(lambda data: record_answer(data, f"q{i % 3}", f"{writer}-{i}", "right", now()))
    assert notice is None, notice
assert "torch" not in sys.modules
"""


def test_writers_in_several_processes_at_once_lose_nothing(throwaway_progress):
    writers, each = 4, 25
    env = {**os.environ, ENV_VAR: str(throwaway_progress)}
    processes = [
        subprocess.Popen([sys.executable, "-c", WRITER, f"w{n}", str(each)], cwd=ROOT, env=env) for n in range(writers)
    ]
    assert [p.wait(timeout=120) for p in processes] == [0] * writers
    data, notice = load_progress()
    assert notice is None
    rounds = [t["round"] for record in data["questions"].values() for t in record["tries"]]
    assert len(rounds) == len(set(rounds)) == writers * each


# --- the store touches only course stores (issue 27) ---------------------------------------------


def names_in(folder):
    return sorted(p.name for p in folder.iterdir())


def pretend_device(monkeypatch, path):
    """Make os.lstat report `path` as a character device, as /dev/null is (no real device node is touched)."""
    real = os.lstat

    def lstat(target, *args, **kwargs):
        if os.fspath(target) == str(path):
            return os.stat_result((stat.S_IFCHR | 0o666, 1, 1, 1, 0, 0, 0, 0, 0, 0))
        return real(target, *args, **kwargs)

    monkeypatch.setattr(os, "lstat", lstat)


def test_off_switches_saving_off_and_touches_no_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for value in ("off", " OFF "):
        monkeypatch.setenv(ENV_VAR, value)
        assert progress_path() is None
        assert answer("q", "r1", "right") is None  # nothing said at every answer: saving off was asked for
        data, notice = load_progress()
        assert data == empty_progress() and f"{ENV_VAR}=off" in notice and "not saved" in notice
        reset_progress()
        assert "Saving is off" in capsys.readouterr().out
    assert names_in(tmp_path) == []  # no "off" file, no "off.lock"


def test_a_device_node_is_refused_naming_it_and_the_off_switch(tmp_path, monkeypatch, capsys):
    node = tmp_path / "null"
    node.write_text("stands in for /dev/null")
    pretend_device(monkeypatch, node)
    monkeypatch.setenv(ENV_VAR, str(node))
    for notice in (answer("q", "r1", "right"), load_progress()[1]):
        assert f"{node} is a character device" in notice and f"{ENV_VAR}=off" in notice
    reset_progress()
    assert f"{node} is a character device" in capsys.readouterr().out
    assert names_in(tmp_path) == ["null"] and node.read_text() == "stands in for /dev/null"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path, monkeypatch):
    import threading

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    monkeypatch.setenv(ENV_VAR, str(pipe))
    results = []
    worker = threading.Thread(target=lambda: results.append(load_progress()), daemon=True)
    worker.start()
    worker.join(timeout=20)
    if worker.is_alive():  # blocked opening the FIFO: let it go before failing
        os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(timeout=5)
        pytest.fail("reading the progress store waited on a FIFO")
    assert f"{pipe} is a FIFO" in results[0][1]
    assert answer("q", "r1", "right") is not None
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode) and names_in(tmp_path) == ["pipe"]


def test_a_file_that_is_not_a_store_is_never_moved_or_deleted(tmp_path, monkeypatch, capsys):
    notes = tmp_path / "notes.json"
    notes.write_text('{"todo": ["read chapter 4"]}')
    monkeypatch.setenv(ENV_VAR, str(notes))
    for notice in (load_progress()[1], answer("q", "r1", "right")):
        assert f"{notes} is not a course progress file" in notice and "left as it is" in notice
        assert f"Set {ENV_VAR} to" in notice and "off" in notice
    reset_progress()
    assert "not a course progress file" in capsys.readouterr().out
    assert names_in(tmp_path) == ["notes.json"] and notes.read_text() == '{"todo": ["read chapter 4"]}'


@pytest.mark.parametrize("content", [b"", b"my diary\n", b"\x00" * 64, b"[1, 2]", b'{"version": 1, "questions": {'])
def test_content_that_no_store_holds_is_refused_not_moved_aside(throwaway_progress, content):
    throwaway_progress.write_bytes(content)
    notice = load_progress()[1]
    assert "is not a course progress file" in notice
    assert throwaway_progress.read_bytes() == content
    assert not list(throwaway_progress.parent.glob("*.damaged-*"))


def test_the_default_stores_own_place_recognises_a_damaged_store_by_its_name(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR)
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter-data"))
    path = tmp_path / "jupyter-data" / "birnn-course" / "progress.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x00" * 64)  # zeroed by a crash: nothing in it says what it was, but its place does
    assert "Your progress file was damaged" in load_progress()[1]
    assert len(list(path.parent.glob("progress.json.damaged-*"))) == 1


def test_a_relative_path_is_refused_and_the_message_says_why(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(ENV_VAR, "progress.json")
    notice = answer("q", "r1", "right")
    assert "relative path 'progress.json'" in notice and "each notebook's folder" in notice
    assert "absolute path" in notice and "~/birnn-progress.json" in notice
    assert "relative path" in load_progress()[1]
    reset_progress()
    assert "relative path" in capsys.readouterr().out
    assert names_in(tmp_path) == []


def test_reset_removes_a_store_and_nothing_else(tmp_path, monkeypatch, capsys):
    other = tmp_path / "thesis.tex"
    other.write_text("\\chapter{One}")
    monkeypatch.setenv(ENV_VAR, str(other))
    reset_progress()
    assert "could not be cleared" in capsys.readouterr().out and other.read_text() == "\\chapter{One}"


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_an_existing_store_readable_by_others_is_rewritten_private(throwaway_progress):
    answer("q", "r1", "wrong")
    throwaway_progress.chmod(0o644)
    answer("q", "r2", "right")
    assert stat.S_IMODE(throwaway_progress.stat().st_mode) == 0o600


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_a_symlinked_store_is_written_through_and_stays_a_link(tmp_path, monkeypatch, capsys):
    (tmp_path / "Sync").mkdir()
    target = tmp_path / "Sync" / "progress.json"
    link = tmp_path / "progress.json"
    link.symlink_to(target)
    monkeypatch.setenv(ENV_VAR, str(link))
    assert answer("q", "r1", "wrong") is None
    target.chmod(0o644)
    assert answer("q", "r2", "right") is None
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600 and len(tries("q")) == 2
    reset_progress()
    assert "Progress cleared" in capsys.readouterr().out
    assert link.is_symlink() and load_progress() == (empty_progress(), None)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_a_read_only_store_is_not_replaced(throwaway_progress):
    answer("q", "r1", "wrong")
    before = throwaway_progress.read_bytes()
    throwaway_progress.chmod(0o400)
    notice = answer("q", "r2", "right")
    assert f"{throwaway_progress} is read-only" in notice and "not saved" in notice
    assert throwaway_progress.read_bytes() == before


def test_temporary_files_left_by_a_killed_write_are_cleaned(throwaway_progress):
    answer("q", "r1", "wrong")
    stale = throwaway_progress.parent / ".progress.json.0badcafe.tmp"
    stale.write_text('{"format": "birnn-course progress", "version": 1, "questi')  # kill -9 during a write
    os.utime(stale, (0, 0))
    answer("q", "r2", "right")
    assert names_in(throwaway_progress.parent) == ["progress.json", "progress.json.lock"]


# --- a store that validates but would break a view counts as damaged (issue 27) ------------------


def store_with(**parts):
    data = empty_progress()
    data.update(parts)
    return json.dumps(data)


TRY = {"round": "r1", "at": T0, "first": "wrong", "attempts": 1, "right": False, "revealed": False}
TEST = {"round": "t1", "at": T0, "asked": 2, "correct": 1, "by_topic": {"01_concept": [1, 2]}, "scored": "first answer"}


@pytest.mark.parametrize(
    "content, problem",
    [
        (store_with()[:-1] + ', "deep": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
        (store_with()[:-1] + ', "deep": ' + "[" * 200 + "]" * 200 + "}", "nested too deeply"),
        (store_with(questions={"q": {"tries": [{**TRY, "at": "yesterday"}]}}), "question 'q'"),
        (store_with(questions={"q": {"tries": [{**TRY, "at": "0001-01-01T00:00:00+00:00"}]}}), "question 'q'"),
        (store_with(questions={"q": {"tries": [{**TRY, "at": "2026-05-03T14:00:00"}]}}), "question 'q'"),
        (store_with(checks={"c": {"status": "passed", "at": "9999-12-31T23:59:59-12:00"}}), "check 'c'"),
        (store_with(final_tests=[{**TEST, "asked": 0, "correct": 0, "by_topic": {"01_concept": [0, 0]}}]), "final"),
        (store_with(final_tests=[{**TEST, "correct": 3}]), "a final test entry"),
        (store_with(final_tests=[{**TEST, "by_topic": {"01_concept": [3, 2]}}]), "a final test entry"),
        (store_with(final_tests=[{**TEST, "by_topic": {"01_concept": [1, 5]}}]), "a final test entry"),
        (store_with(final_tests=[{**TEST, "at": "May 3rd"}]), "a final test entry"),
        (store_with(questions={"q": {"tries": [{**TRY, "attempts": 10**30}]}}), "question 'q'"),
        (STORE_START.decode() + '"version": 1, "n": ' + "9" * 5000 + "}", "not valid JSON"),
    ],
)
def test_a_store_that_would_break_a_view_is_damaged_and_moved_aside(throwaway_progress, content, problem):
    throwaway_progress.write_text(content)
    data, notice = load_progress()
    assert data == empty_progress() and "Your progress file was damaged" in notice and problem in notice
    assert len(list(throwaway_progress.parent.glob("progress.json.damaged-*"))) == 1
    assert answer("q", "r1", "right") is None
