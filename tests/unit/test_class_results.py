"""The class results script (`tools.class_results`): progress files and nbgrader's gradebook summarised per topic."""

import json
import os
import sqlite3
import sys

import pytest

from course_utils.learner.store import empty_progress, record_answer, record_check, record_final_test
from course_utils.quiz.registry import BANKS
from course_utils.verdicts import FAILED, PASSED, RIGHT, WRONG
from tools import class_results
from tools.class_results import ResultsError, class_progress, gradebook_rows, read_progress

AT = "2026-12-01T10:00:00+00:00"
SHAPES = BANKS["02_shapes"].questions


def progress_file(path, first_answer=RIGHT, check=PASSED, final=(3, 5, {"01_concept": (1, 2), "02_shapes": (2, 3)})):
    """Write one learner's progress file, built with the store's own writers, as the store saves it."""
    data = empty_progress()
    record_answer(data, SHAPES[0].id, "round-1", first_answer, AT)
    record_answer(data, SHAPES[1].id, "round-1", RIGHT, AT)
    record_check(data, "run_one_direction", check, AT)
    if final is not None:
        record_final_test(data, "test-1", *final, AT)
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", "utf-8")
    return path


@pytest.fixture
def class_folder(tmp_path):
    folder = tmp_path / "collected"
    folder.mkdir()
    progress_file(folder / "ada.json")
    progress_file(folder / "bo.json", first_answer=WRONG, check=FAILED, final=(1, 5, {"02_shapes": (1, 3)}))
    (folder / "cy").mkdir()
    progress_file(folder / "cy" / "progress.json", final=None)
    return folder


def row(rows, *start):
    return next(found for found in rows if found[: len(start)] == list(start))


def test_final_test_sums_each_topic_over_the_learners_who_took_it(class_folder):
    rows = class_progress(class_folder).final_test_rows()
    assert rows == [["01_concept", "1", "1 / 2", "50%"], ["02_shapes", "2", "3 / 6", "50%"]]


def test_quiz_counts_latest_tries_right_the_first_time(class_folder):
    rows = class_progress(class_folder).quiz_rows()
    assert row(rows, "02_shapes") == ["02_shapes", "3", "5 / 6", "83%"]
    assert row(rows, "01_concept") == ["01_concept", "0", "0 / 0", "-"]


def test_checks_count_each_learners_latest_verdict(class_folder):
    rows = class_progress(class_folder).check_rows()
    assert row(rows, "01_concept", "run_one_direction")[2:] == ["2", "1", "0", "0"]
    assert row(rows, "01_concept", "bidirectional_pass")[2:] == ["0", "0", "0", "3"]


def test_main_prints_the_three_tables(class_folder, capsys):
    assert class_results.main([str(class_folder)]) == 0
    out = capsys.readouterr().out
    assert "from 3 progress files" in out
    for title in ("Final test per topic", "Lesson quizzes", "Exercise checks"):
        assert title in out


def test_one_progress_file_is_read_on_its_own(tmp_path):
    assert len(class_progress(progress_file(tmp_path / "one.json")).learners) == 1


def test_a_file_that_is_not_a_progress_store_is_named_and_left_alone(tmp_path):
    other = tmp_path / "notes.json"
    other.write_text('{"title": "my notes"}', "utf-8")
    with pytest.raises(ResultsError, match=r"notes\.json is not a course progress file"):
        read_progress(other)
    assert other.read_text("utf-8") == '{"title": "my notes"}'


def test_a_damaged_store_is_named_and_not_moved_aside(tmp_path):
    path = progress_file(tmp_path / "progress.json")
    data = json.loads(path.read_text("utf-8"))
    data["checks"]["run_one_direction"]["status"] = "maybe"
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(ResultsError, match="damaged progress file: check 'run_one_direction' is malformed"):
        read_progress(path)
    assert sorted(os.listdir(tmp_path)) == ["progress.json"]


def test_text_that_is_not_json_is_a_clear_error(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text('{"format": "birnn-course progress", "vers', "utf-8")
    with pytest.raises(ValueError, match="damaged or cut short"):
        read_progress(path)


def test_wrong_paths_are_clear_errors(tmp_path, capsys):
    assert class_results.main([str(tmp_path / "missing")]) == 2
    assert "there is nothing at" in capsys.readouterr().err
    assert class_results.main([str(tmp_path)]) == 2
    assert "holds no .json file" in capsys.readouterr().err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_without_reading_it(tmp_path):
    fifo = tmp_path / "progress.json"
    os.mkfifo(fifo)
    with pytest.raises(ResultsError, match="a FIFO"):
        class_progress(fifo)


def test_an_sqlite_file_that_is_not_a_gradebook_is_refused_unchanged(tmp_path):
    pytest.importorskip("nbgrader.api")
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as database:
        database.execute("CREATE TABLE notes (text TEXT)")
    before = path.read_bytes()
    with pytest.raises(ResultsError, match="not nbgrader's gradebook"):
        gradebook_rows(path)
    assert path.read_bytes() == before


@pytest.fixture
def gradebook(tmp_path, monkeypatch):
    """A gradebook of one assignment, two grade cells and two students, built with nbgrader's own API."""
    api = pytest.importorskip("nbgrader.api")
    # nbgrader runs the `alembic` command of its environment when it creates a gradebook.
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    path = tmp_path / "gradebook.db"
    with api.Gradebook(f"sqlite:///{path}") as book:
        book.add_assignment("01_concept")
        book.add_notebook("01_concept_exercise", "01_concept")
        for task, most in (("run_one_direction", 2), ("bidirectional_pass", 3)):
            book.add_grade_cell(task, "01_concept_exercise", "01_concept", max_score=most, cell_type="code")
        for student, score in (("ada", 2), ("bo", 1)):
            book.add_student(student)
            book.add_submission("01_concept", student)
            book.find_grade("run_one_direction", "01_concept_exercise", "01_concept", student).auto_score = score
            book.find_grade("bidirectional_pass", "01_concept_exercise", "01_concept", student).auto_score = 3
        book.db.commit()
    return path


@pytest.mark.slow  # nbgrader runs alembic in a subprocess to create the gradebook: several seconds
@pytest.mark.filterwarnings("ignore::Warning")  # SQLAlchemy's warnings from inside nbgrader's API
def test_gradebook_gives_mean_and_full_marks_per_grade_cell(gradebook, capsys):
    assert gradebook_rows(gradebook) == [
        ["01_concept", "01_concept_exercise", "run_one_direction", "2", "1.50 / 2", "1"],
        ["01_concept", "01_concept_exercise", "bidirectional_pass", "2", "3.00 / 3", "2"],
    ]
    assert class_results.main([str(gradebook)]) == 0
    assert "run_one_direction" in capsys.readouterr().out
