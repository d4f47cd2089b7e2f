"""The progress store: where it lives, what it keeps, and that it never loses or breaks a learner's record."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import filelock
import pytest

from course_utils import progress_store
from course_utils.progress_store import (
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
    assert saved["version"] == 1 and saved["checks"]["predict_shapes"] == {"status": "passed", "at": T0}
    assert saved["questions"]["02-output-shape"]["tries"][0]["first"] == "wrong"
    assert load_progress() == (saved, None)


def test_one_round_keeps_one_try_that_remembers_how_it_began():
    answer("q", "r1", "wrong")
    answer("q", "r1", "wrong")
    answer("q", "r1", "right", at=T1)
    assert tries("q") == [{"round": "r1", "at": T0, "first": "wrong", "attempts": 3, "right": True, "revealed": False}]


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
    assert load_progress()[0]["checks"] == {"mean_pool": {"status": "not attempted yet", "at": T0}}


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
        }
    ]


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


@pytest.mark.parametrize(
    "content, problem",
    [
        (b'{"version": 1, "questions": {', "not valid JSON"),
        (b"\xff\xfe not text", "not valid JSON"),
        (b"[1, 2]", "expected an object, found list"),
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
        throwaway_progress.write_text("{")
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
    monkeypatch.setattr(progress_store, "LOCK_TIMEOUT_S", 0.2)
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
from course_utils.progress_store import now, record_answer, update_progress
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
