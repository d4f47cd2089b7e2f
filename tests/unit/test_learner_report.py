"""What the saved progress says (`course_utils.learner.report`): how a question went before, each lesson's
progress, what to do next, and which questions review() asks again."""

import pytest

from course_utils.learner.report import (
    EXERCISE_CHECKS,
    HEADER,
    describe_try,
    final_test_scores,
    local_date,
    progress_report,
    questions_to_review,
)
from course_utils.learner.store import empty_progress, record_answer, record_check, record_final_test
from course_utils.quiz import BANKS, NOTEBOOK_BANKS, QUESTIONS

SHAPES = BANKS["02_shapes"].questions
FINAL = next(q for q in BANKS["final_test"].questions if q.notebook == "04_packing")


def at(day):
    return f"2026-05-{day:02d}T12:00:00+00:00"


def saved(*answers, checks=(), final_tests=()):
    """A store's content: answers (question, round, outcome, day), checks (task, status), final tests."""
    data = empty_progress()
    for question_id, round_id, outcome, day in answers:
        record_answer(data, question_id, round_id, outcome, at(day))
    for task, status in checks:
        record_check(data, task, status, at(1))
    for round_id, by_topic in final_tests:
        correct, asked = sum(c for c, _ in by_topic.values()), sum(a for _, a in by_topic.values())
        record_final_test(data, round_id, correct, asked, by_topic, at(1))
    return data


def row(report, notebook):
    return dict(zip(HEADER, next(r for r in report.rows() if r[0] == notebook)))


# --- how a question went before ------------------------------------------------------------------


@pytest.mark.parametrize(
    "saved_try, how",
    [
        ({"first": "right", "right": True, "revealed": False}, "right on the first try"),
        ({"first": "wrong", "right": True, "revealed": False}, "wrong at first, then right"),
        ({"first": "wrong", "right": False, "revealed": True}, "wrong at first, then the answer was shown"),
        ({"first": "wrong", "right": False, "revealed": False}, "wrong, and not yet answered right"),
        ({"first": "revealed", "right": False, "revealed": True}, "the answer was shown before any choice"),
    ],
)
def test_each_kind_of_try_has_its_sentence(saved_try, how):
    when = "2026-05-03T12:00:00+00:00"
    assert describe_try({**saved_try, "at": when, "attempts": 1}) == f"Answered before ({local_date(when)}): {how}."


# --- each lesson's progress, and what to do next -------------------------------------------------


def test_a_fresh_learner_is_told_where_to_start_and_every_lesson_is_not_started():
    report = progress_report(empty_progress(), BANKS)
    assert report.next_step().startswith(
        "Nothing saved yet. Start with notebooks/01_concept.ipynb: work through it, answer its quiz, "
        "then do exercises/01_concept_exercise.ipynb."
    )
    assert [r[0] for r in report.rows()] == list(NOTEBOOK_BANKS)
    assert row(report, "02_shapes") == {
        "lesson": "02_shapes",
        "quiz right first time": f"0 / {len(SHAPES)}",
        "exercise checks passed": "0 / 3",
        "latest final test": "-",
        "to do": "not started",
    }


def test_a_question_counts_when_its_latest_try_was_right_the_first_time():
    a, b, c = (q.id for q in SHAPES[:3])
    data = saved((a, "r1", "wrong", 1), (a, "r2", "right", 2), (b, "r1", "right", 1), (c, "r1", "revealed", 1))
    shapes = row(progress_report(data, BANKS), "02_shapes")
    assert shapes["quiz right first time"] == f"2 / {len(SHAPES)}"
    assert (
        shapes["to do"] == f"revisit {SHAPES[2].topic}; answer {len(SHAPES) - 3} quiz questions; pass 3 exercise checks"
    )


def test_exercise_checks_count_when_passed_and_a_failed_one_is_named():
    data = saved(checks=[("predict_shapes", "passed"), ("count_parameters", "failed")])
    shapes = row(progress_report(data, BANKS), "02_shapes")
    assert shapes["exercise checks passed"] == "1 / 3"
    assert shapes["to do"] == f"answer {len(SHAPES)} quiz questions; fix count_parameters; pass 1 exercise check"


def test_the_latest_final_test_gives_each_lesson_its_score():
    data = saved(final_tests=[("t1", {"04_packing": (0, 2)}), ("t2", {"04_packing": (1, 2), "01_concept": (1, 1)})])
    report = progress_report(data, BANKS)
    assert row(report, "04_packing")["latest final test"] == "1 / 2"
    assert row(report, "01_concept")["latest final test"] == "1 / 1"
    assert row(report, "02_shapes")["latest final test"] == "-"


def test_a_final_test_saved_before_first_answer_scoring_is_scored_again_by_its_first_answers():
    on_packing = [q for q in BANKS["final_test"].questions if q.notebook == "04_packing"][:3]
    data = saved((on_packing[0].id, "t1", "right", 1), (on_packing[1].id, "t1", "wrong", 1))
    record_answer(data, on_packing[1].id, "t1", "right", at(1))  # wrong, then right: counted by the old score
    record_answer(data, on_packing[2].id, "t0", "right", at(1))  # another round: not this test's
    data["final_tests"] = [{"round": "t1", "at": at(1), "asked": 3, "correct": 2, "by_topic": {"04_packing": [2, 3]}}]
    assert final_test_scores(data, data["final_tests"][0], BANKS) == {"04_packing": (1, 3)}
    assert row(progress_report(data, BANKS), "04_packing")["latest final test"] == "1 / 3"


def test_a_final_test_saved_with_first_answer_scoring_is_shown_as_saved():
    data = saved(final_tests=[("t1", {"04_packing": (2, 3)})])  # no tries needed: the entry holds the counts
    assert data["final_tests"][0]["scored"] == "first answer"
    assert final_test_scores(data, data["final_tests"][0], BANKS) == {"04_packing": (2, 3)}


def test_a_missed_final_test_question_is_revisited_in_its_lesson():
    report = progress_report(saved((FINAL.id, "t1", "wrong", 1)), BANKS)
    assert row(report, "04_packing")["to do"].startswith(f"revisit {FINAL.topic}; ")


def test_the_next_step_is_the_first_lesson_begun_and_not_finished_and_mentions_review():
    data = saved((SHAPES[0].id, "r1", "wrong", 1), checks=[("run_one_direction", "passed")])
    step = progress_report(data, BANKS).next_step()
    assert step.startswith("Next: notebooks/01_concept.ipynb (answer 6 quiz questions; pass 1 exercise check).")
    assert step.endswith("review() asks again the 1 question you missed or looked up.")


def test_a_learner_who_skipped_a_lesson_is_sent_to_the_one_they_began():
    step = progress_report(saved((SHAPES[0].id, "r1", "right", 1)), BANKS).next_step()
    assert step.startswith("Next: notebooks/02_shapes.ipynb (")


def test_when_everything_is_done_the_view_says_so():
    answers = [(q.id, "r", "right", 1) for notebook in NOTEBOOK_BANKS for q in BANKS[notebook].questions]
    checks = [(task, "passed") for tasks in EXERCISE_CHECKS.values() for task in tasks]
    report = progress_report(saved(*answers, checks=checks), BANKS)
    assert report.next_step().startswith("Every quiz question right the first time and every exercise check passed.")
    assert {r[4] for r in report.rows()} == {"done"}


def test_the_html_view_is_a_table_with_the_next_step_above_it():
    page = progress_report(saved((SHAPES[0].id, "r1", "wrong", 1)), BANKS)._repr_html_()
    assert page.index("Next: notebooks/02_shapes.ipynb") < page.index("<table>")
    assert "<th style='text-align:left'>quiz right first time</th>" in page


def test_review_asks_the_missed_and_looked_up_questions_oldest_first():
    a, b, c, d = (q.id for q in SHAPES[:4])
    data = saved((a, "r1", "wrong", 3), (b, "r1", "revealed", 1), (c, "r1", "right", 2), (d, "r1", "wrong", 2))
    assert [q.id for q in questions_to_review(data, BANKS)] == [b, d, a]


def test_a_question_no_longer_in_the_bank_is_kept_but_not_shown():
    data = saved(("an-old-question", "r1", "wrong", 1))
    assert questions_to_review(data, BANKS) == [] and not progress_report(data, BANKS).anything_saved


def test_the_exercise_catalog_names_every_lesson_of_the_bank():
    assert list(EXERCISE_CHECKS) == list(NOTEBOOK_BANKS)
    tasks = [task for tasks in EXERCISE_CHECKS.values() for task in tasks]
    assert len(tasks) == len(set(tasks)), "a task name must say which lesson it belongs to"
    assert set(QUESTIONS) >= {q.id for q in SHAPES}
