"""progress() and review(): the progress per lesson, what to do next, its chart, and asking missed questions again."""

import base64
import contextlib
import html
import io
import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_utils.progress_store import (
    CHECK_STATUSES,
    ENV_VAR,
    empty_progress,
    load_progress,
    record_answer,
    record_check,
    record_final_test,
    update_progress,
)
from course_utils.quiz import BANKS, NOTEBOOK_BANKS, QUESTIONS, Quiz, session
from course_utils.quiz.progress import (
    EXERCISE_CHECKS,
    HEADER,
    final_test_scores,
    progress_report,
    questions_to_review,
)
from course_utils.quiz.progress_chart import SERIES, DescribedChart, describe_progress, progress_chart

ROOT = Path(__file__).resolve().parents[2]
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


@pytest.fixture(autouse=True)
def no_quizzes_shown(monkeypatch):
    monkeypatch.setattr(session, "_ACTIVE", {})


@pytest.fixture
def displayed(monkeypatch):
    """What progress() and review() display, as if in a notebook."""
    shown = []
    monkeypatch.setattr(session, "_display", shown.append)
    return shown


def test_a_fresh_learner_is_told_where_to_start_and_every_lesson_is_not_started():
    report = progress_report(empty_progress())
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


def test_a_fresh_learners_progress_shows_the_table_and_no_chart(displayed):
    session.progress()
    (report,) = displayed
    assert "Nothing saved yet" in report.text() and "Nothing saved yet" in report._repr_html_()


def test_a_question_counts_when_its_latest_try_was_right_the_first_time():
    a, b, c = (q.id for q in SHAPES[:3])
    data = saved((a, "r1", "wrong", 1), (a, "r2", "right", 2), (b, "r1", "right", 1), (c, "r1", "revealed", 1))
    shapes = row(progress_report(data), "02_shapes")
    assert shapes["quiz right first time"] == f"2 / {len(SHAPES)}"
    assert (
        shapes["to do"] == f"revisit {SHAPES[2].topic}; answer {len(SHAPES) - 3} quiz questions; pass 3 exercise checks"
    )


def test_exercise_checks_count_when_passed_and_a_failed_one_is_named():
    data = saved(checks=[("predict_shapes", "passed"), ("count_parameters", "failed")])
    shapes = row(progress_report(data), "02_shapes")
    assert shapes["exercise checks passed"] == "1 / 3"
    assert shapes["to do"] == f"answer {len(SHAPES)} quiz questions; fix count_parameters; pass 1 exercise check"


def test_the_latest_final_test_gives_each_lesson_its_score():
    data = saved(final_tests=[("t1", {"04_packing": (0, 2)}), ("t2", {"04_packing": (1, 2), "01_concept": (1, 1)})])
    report = progress_report(data)
    assert row(report, "04_packing")["latest final test"] == "1 / 2"
    assert row(report, "01_concept")["latest final test"] == "1 / 1"
    assert row(report, "02_shapes")["latest final test"] == "-"


def test_a_final_test_saved_before_first_answer_scoring_is_scored_again_by_its_first_answers():
    on_packing = [q for q in BANKS["final_test"].questions if q.notebook == "04_packing"][:3]
    data = saved((on_packing[0].id, "t1", "right", 1), (on_packing[1].id, "t1", "wrong", 1))
    record_answer(data, on_packing[1].id, "t1", "right", at(1))  # wrong, then right: counted by the old score
    record_answer(data, on_packing[2].id, "t0", "right", at(1))  # another round: not this test's
    data["final_tests"] = [{"round": "t1", "at": at(1), "asked": 3, "correct": 2, "by_topic": {"04_packing": [2, 3]}}]
    assert final_test_scores(data, data["final_tests"][0]) == {"04_packing": (1, 3)}
    assert row(progress_report(data), "04_packing")["latest final test"] == "1 / 3"


def test_a_final_test_saved_with_first_answer_scoring_is_shown_as_saved():
    data = saved(final_tests=[("t1", {"04_packing": (2, 3)})])  # no tries needed: the entry holds the counts
    assert data["final_tests"][0]["scored"] == "first answer"
    assert final_test_scores(data, data["final_tests"][0]) == {"04_packing": (2, 3)}


def test_a_missed_final_test_question_is_revisited_in_its_lesson():
    report = progress_report(saved((FINAL.id, "t1", "wrong", 1)))
    assert row(report, "04_packing")["to do"].startswith(f"revisit {FINAL.topic}; ")


def test_the_next_step_is_the_first_lesson_begun_and_not_finished_and_mentions_review():
    data = saved((SHAPES[0].id, "r1", "wrong", 1), checks=[("run_one_direction", "passed")])
    step = progress_report(data).next_step()
    assert step.startswith("Next: notebooks/01_concept.ipynb (answer 6 quiz questions; pass 1 exercise check).")
    assert step.endswith("review() asks again the 1 question you missed or looked up.")


def test_a_learner_who_skipped_a_lesson_is_sent_to_the_one_they_began():
    step = progress_report(saved((SHAPES[0].id, "r1", "right", 1))).next_step()
    assert step.startswith("Next: notebooks/02_shapes.ipynb (")


def test_when_everything_is_done_the_view_says_so():
    answers = [(q.id, "r", "right", 1) for notebook in NOTEBOOK_BANKS for q in BANKS[notebook].questions]
    checks = [(task, "passed") for tasks in EXERCISE_CHECKS.values() for task in tasks]
    report = progress_report(saved(*answers, checks=checks))
    assert report.next_step().startswith("Every quiz question right the first time and every exercise check passed.")
    assert {r[4] for r in report.rows()} == {"done"}


def test_the_html_view_is_a_table_with_the_next_step_above_it():
    page = progress_report(saved((SHAPES[0].id, "r1", "wrong", 1)))._repr_html_()
    assert page.index("Next: notebooks/02_shapes.ipynb") < page.index("<table>")
    assert "<th style='text-align:left'>quiz right first time</th>" in page


def test_a_notice_from_the_store_shows_above_the_view(throwaway_progress, displayed):
    throwaway_progress.write_text('{"format": "birnn-course progress", "version": 1, "questions": []}')
    session.progress()
    assert "Your progress file was damaged" in displayed[0].text().split("Nothing saved yet")[0]


def test_once_something_is_saved_progress_shows_a_chart_described_in_words(displayed):
    session.answer(SHAPES[0].id, SHAPES[0].correct)
    session.progress()
    report, chart = displayed
    assert isinstance(chart, DescribedChart)
    assert chart.description.startswith("Bar chart of your progress per lesson")
    assert f"02_shapes: quiz 1 of {len(SHAPES)}, checks 0 of 3, not in a final test;" in chart.description


def test_the_chart_description_gives_each_lessons_latest_final_test_score():
    data = saved(final_tests=[("t1", {"04_packing": (1, 2)})])
    assert (
        "04_packing: quiz 0 of 7, checks 0 of 2, final test 1 of 2;"
        in progress_chart(progress_report(data).lessons).description
    )


def test_the_chart_is_an_image_whose_alt_text_is_its_description():
    chart = progress_chart(progress_report(saved((SHAPES[0].id, "r", "right", 1))).lessons)
    data, metadata = chart._repr_mimebundle_()
    assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG")
    assert data["text/html"].startswith(f'<img alt="{html.escape(chart.description)}" src="data:image/png;base64,')
    assert data["text/plain"] == chart.description == metadata["image/png"]["alt"]


def test_drawing_the_chart_does_not_import_torch(throwaway_progress):
    update_progress(lambda data: record_answer(data, SHAPES[0].id, "r", "right", at(1)))
    code = (
        "import sys\nfrom course_utils.quiz import progress\nprogress()\n"
        "print('torch imported:', 'torch' in sys.modules, '| matplotlib:', 'matplotlib' in sys.modules)"
    )
    env = {**os.environ, ENV_VAR: str(throwaway_progress)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("torch imported: False | matplotlib: True")
    assert "Bar chart of your progress per lesson" in out.stdout


def test_review_asks_the_missed_and_looked_up_questions_oldest_first():
    a, b, c, d = (q.id for q in SHAPES[:4])
    data = saved((a, "r1", "wrong", 3), (b, "r1", "revealed", 1), (c, "r1", "right", 2), (d, "r1", "wrong", 2))
    assert [q.id for q in questions_to_review(data)] == [b, d, a]


def test_review_shows_at_most_n_questions_as_a_quiz(displayed):
    for day, question in enumerate(SHAPES[:3], start=1):
        update_progress(lambda data, q=question, d=day: record_answer(data, q.id, "r1", "wrong", at(d)))
    session.review(n=2)
    (shown,) = displayed
    assert [q.id for q in shown.questions] == [q.id for q in SHAPES[:2]]
    assert shown.title == "Review: the 2 oldest of the 3 questions you missed or looked up"
    assert "Answered before" in shown.text()


def test_answers_in_a_review_are_saved_and_a_question_right_first_time_leaves_it(displayed, capsys):
    update_progress(lambda data: record_answer(data, SHAPES[0].id, "r1", "wrong", at(1)))
    session.review()
    assert displayed[0].title == "Review: the 1 question you missed or looked up"
    session.answer(SHAPES[0].id, SHAPES[0].correct)
    assert "in the quiz review" in capsys.readouterr().out
    assert [t["first"] for t in load_progress()[0]["questions"][SHAPES[0].id]["tries"]] == ["wrong", "right"]
    session.review()
    assert "Nothing to review" in capsys.readouterr().out


def test_review_with_nothing_missed_says_what_comes_back_there(displayed, capsys):
    session.review()
    assert displayed == []
    assert capsys.readouterr().out.startswith("Nothing to review: a question you answer wrong at first")


@pytest.mark.parametrize("bad, error", [(0, ValueError), (2.5, TypeError)])
def test_review_checks_n(bad, error):
    with pytest.raises(error, match="n must be"):
        session.review(n=bad)


def test_a_question_no_longer_in_the_bank_is_kept_but_not_shown():
    data = saved(("an-old-question", "r1", "wrong", 1))
    assert questions_to_review(data) == [] and not progress_report(data).anything_saved


def test_the_exercise_catalog_names_every_lesson_of_the_bank():
    assert list(EXERCISE_CHECKS) == list(NOTEBOOK_BANKS)
    tasks = [task for tasks in EXERCISE_CHECKS.values() for task in tasks]
    assert len(tasks) == len(set(tasks)), "a task name must say which lesson it belongs to"
    assert set(QUESTIONS) >= {q.id for q in SHAPES}


# --- no store breaks a view: valid or damaged (issue 27) -----------------------------------------

JUNK = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats(allow_nan=True) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
ODD_TIMES = st.sampled_from(
    ["yesterday", "", "0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59-12:00", "2026-05-03T14:00:00", "2026-13-01"]
)
ODD_COUNTS = st.sampled_from([-1, 0, 10**12, 10**30, True, 1.5])
DEEP = st.integers(20, 300).map(lambda depth: json.loads("[" * depth + "]" * depth))
DAMAGE = st.one_of(JUNK, ODD_TIMES, ODD_COUNTS, DEEP)
TIMES = st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(timezone.utc))
ROUNDS = st.sampled_from(["r1", "r2", "t1", "t2"])
QUESTION_IDS = st.sampled_from([q.id for bank in BANKS.values() for q in bank.questions[:3]]) | st.text(max_size=8)
TASKS = st.sampled_from([task for tasks in EXERCISE_CHECKS.values() for task in tasks]) | st.text(max_size=8)
VALID_TRY = st.fixed_dictionaries(
    {
        "round": ROUNDS,
        "at": TIMES.map(datetime.isoformat),
        "first": st.sampled_from(["right", "wrong", "revealed"]),
        "attempts": st.integers(0, 5),
        "right": st.booleans(),
        "revealed": st.booleans(),
    }
)
PAIRS = st.integers(1, 4).flatmap(lambda asked: st.tuples(st.integers(0, asked), st.just(asked)))


@st.composite
def valid_final_tests(draw):
    by_topic = draw(st.dictionaries(st.sampled_from(list(NOTEBOOK_BANKS)) | st.text(max_size=6), PAIRS, max_size=3))
    entry = {
        "round": draw(ROUNDS),
        "at": draw(TIMES).isoformat(),
        "asked": max(1, sum(a for _, a in by_topic.values())),
        "correct": sum(c for c, _ in by_topic.values()),
        "by_topic": {name: list(pair) for name, pair in by_topic.items()},
    }
    if draw(st.booleans()):
        entry["scored"] = "first answer"
    return entry


def places(value, found):
    """Every (container, key) in a JSON value, to put damage in."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, inner in items:
        found.append((value, key))
        places(inner, found)
    return found


@st.composite
def stores(draw):
    """The text of a progress file: a valid store, most often with one to three values replaced by anything."""
    data = empty_progress()
    for question_id in draw(st.lists(QUESTION_IDS, max_size=5, unique=True)):
        data["questions"][question_id] = {"tries": draw(st.lists(VALID_TRY, max_size=3))}
    for task in draw(st.lists(TASKS, max_size=4, unique=True)):
        data["checks"][task] = {"status": draw(st.sampled_from(CHECK_STATUSES)), "at": draw(TIMES).isoformat()}
    data["final_tests"] = draw(st.lists(valid_final_tests(), max_size=2))
    for _ in range(draw(st.integers(0, 3))):
        container, key = draw(st.sampled_from(places(data, [])))
        container[key] = draw(DAMAGE)
    text = json.dumps(data)
    if draw(st.integers(0, 9)) == 7:  # now and then cut short (not 0: hypothesis draws the bounds often)
        text = text[: draw(st.integers(len(text) // 3, len(text) - 1))]
    return text


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=stores())
def test_no_store_valid_or_damaged_breaks_a_view(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("store") / "progress.json"
    path.write_text(text)
    charts = []

    def chart(lessons):  # what progress() draws: every bar within 0-100 %, the description in words
        shares = [share(lesson) for lesson in lessons for _, _, share in SERIES]
        assert all(s is None or 0 <= s <= 100 for s in shares), shares
        charts.append(describe_progress(lessons))
        return charts[-1]

    shown: list = []
    with (
        mock.patch.dict(os.environ, {ENV_VAR: str(path)}),
        mock.patch.object(session, "_display", shown.append),
        mock.patch.object(session, "progress_chart", chart),
        mock.patch.object(session, "_ACTIVE", {}),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        session.progress()
        report = shown[0]
        report.text(), report._repr_html_()
        session.review(n=3)
        for name in NOTEBOOK_BANKS:
            session.quiz(name)
        session.final_test()
        for quiz_ in (item for item in shown if isinstance(item, Quiz)):
            quiz_.text()
            for question in quiz_.questions:
                quiz_.earlier_text(question.id)
        session.answer(SHAPES[0].id, SHAPES[0].correct)
        notice = update_progress(lambda data: record_check(data, "predict_shapes", "passed", at(2)))
        if notice is None:  # whatever was there, the store is valid again
            assert load_progress()[1] is None
        else:  # not recognisable as a store (cut short before its format), or from a newer course: left alone
            assert "is not a course progress file" in notice or "newer version" in notice
            assert path.read_text() == text
