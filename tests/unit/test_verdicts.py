"""One vocabulary (`course_utils.verdicts`): the quiz grades, the checks report and the store saves the same words."""

import json

import pytest

from course_utils import checks
from course_utils.learner.report import progress_report
from course_utils.learner.store import load_progress, record_answer, record_check
from course_utils.quiz import BANKS, QUESTIONS, Quiz, grade, reveal
from course_utils.verdicts import ANSWER_OUTCOMES, CHECK_STATUSES, FAILED, MISSING, NOT_ATTEMPTED, PASSED

QUESTION = QUESTIONS["02-output-shape"]
OTHER = next(letter for letter in QUESTION.letters if letter != QUESTION.correct)

# A store as the course wrote it before the vocabulary was one table: these words must keep loading.
EARLIER_STORE = """{"format": "birnn-course progress", "version": 1,
 "questions": {"02-output-shape": {"tries": [
   {"round": "r1", "at": "2026-05-01T10:00:00+00:00", "first": "wrong", "attempts": 2, "right": true,
    "revealed": false},
   {"round": "r2", "at": "2026-05-02T10:00:00+00:00", "first": "right", "attempts": 1, "right": true,
    "revealed": false}]},
  "02-hn-layout": {"tries": [
   {"round": "r1", "at": "2026-05-01T10:01:00+00:00", "first": "revealed", "attempts": 0, "right": false,
    "revealed": true}]}},
 "checks": {"predict_shapes": {"status": "passed", "at": "2026-05-01T11:00:00+00:00"},
            "count_parameters": {"status": "failed", "at": "2026-05-01T11:05:00+00:00"},
            "split_by_direction": {"status": "not attempted yet", "at": "2026-05-01T11:06:00+00:00"}},
 "final_tests": []}
"""


def test_the_words_are_those_stores_have_always_held():
    assert ANSWER_OUTCOMES == ("right", "wrong", "revealed")
    assert CHECK_STATUSES == ("passed", "failed", "not attempted yet")


def test_the_quiz_grades_in_the_words_the_store_saves():
    statuses = {grade(QUESTION, QUESTION.correct).status, grade(QUESTION, OTHER).status, reveal(QUESTION).status}
    assert statuses == set(ANSWER_OUTCOMES)
    assert grade(QUESTION, None).status == MISSING not in ANSWER_OUTCOMES


def test_a_graded_answer_is_saved_in_the_word_it_was_graded_with():
    feedback = Quiz("02_shapes", "Quiz", [QUESTION]).check(QUESTION.id, OTHER)
    assert load_progress()[0]["questions"][QUESTION.id]["tries"][0]["first"] == feedback.status


def test_the_checks_report_in_the_words_the_store_saves():
    assert (checks.PASSED, checks.FAILED, checks.NOT_ATTEMPTED) == (PASSED, FAILED, NOT_ATTEMPTED)


@pytest.mark.parametrize("word", ["correct", "right first time", "pass"])
def test_a_word_outside_the_vocabulary_is_refused_by_the_store(word):
    data = {"questions": {}, "checks": {}}
    with pytest.raises(ValueError, match="must be one of"):
        record_answer(data, "q", "r1", word, "2026-05-01T10:00:00+00:00")
    with pytest.raises(ValueError, match="must be one of"):
        record_check(data, "task", word, "2026-05-01T10:00:00+00:00")


def test_a_store_written_by_an_earlier_version_loads_and_reads_as_it_was_written(throwaway_progress):
    throwaway_progress.write_text(EARLIER_STORE)
    data, notice = load_progress()
    assert notice is None and data == json.loads(EARLIER_STORE)
    shapes = next(lesson for lesson in progress_report(data, BANKS).lessons if lesson.notebook == "02_shapes")
    assert shapes.right_first == 1  # 02-output-shape: its latest try began right
    assert [q.id for q in shapes.to_review] == ["02-hn-layout"]  # shown before any choice
    assert shapes.checks == {"predict_shapes": PASSED, "count_parameters": FAILED, "split_by_direction": NOT_ATTEMPTED}
