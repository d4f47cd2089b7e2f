"""The notebook entry points (`course_utils.quiz.session`): quiz(), final_test(), answer(), hint(),
show_answer(), test_report(), and progress() and review() over the learner's saved progress."""

import contextlib
import io
import json
import os
from datetime import datetime, timezone
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_utils.display import DescribedImage
from course_utils.learner.chart import SERIES, describe_progress
from course_utils.learner.report import EXERCISE_CHECKS
from course_utils.learner.store import (
    ENV_VAR,
    empty_progress,
    load_progress,
    record_answer,
    record_check,
    update_progress,
)
from course_utils.quiz import (
    BANKS,
    DIFFICULTIES,
    FINAL_TEST,
    NOTEBOOK_BANKS,
    QUESTIONS,
    Quiz,
    answer,
    draw_final_test,
    final_test,
    hint,
    quiz,
    session,
    show_answer,
    test_report,
)
from course_utils.verdicts import ANSWER_OUTCOMES, CHECK_STATUSES

QUESTION = QUESTIONS["02-output-shape"]
RIGHT = QUESTION.correct
WRONG = next(letter for letter in QUESTION.letters if letter != RIGHT)
SHAPES = BANKS["02_shapes"].questions


def at(day):
    return f"2026-05-{day:02d}T12:00:00+00:00"


@pytest.fixture(autouse=True)
def no_quizzes_shown(monkeypatch):
    monkeypatch.setattr(session, "_ACTIVE", {})


@pytest.fixture
def displayed(monkeypatch):
    """What progress() and review() display, as if in a notebook."""
    shown = []
    monkeypatch.setattr(session, "show", shown.append)
    return shown


# --- quiz(), answer(), hint(), show_answer() ------------------------------------------------------


def test_outside_ipython_quiz_prints_the_text(capsys):
    quiz("03_batch_first")
    out = capsys.readouterr().out
    assert all(f"[{q.id}]" in out for q in BANKS["03_batch_first"].questions)


def test_quiz_rejects_an_unknown_notebook():
    with pytest.raises(ValueError, match="notebook_id must be one of 01_concept"):
        quiz("02_shape")


def test_answer_prints_the_misconception_then_the_explanation_and_score(capsys):
    answer(QUESTION.id, WRONG)
    answer(QUESTION.id, RIGHT)
    answer(QUESTION.id, RIGHT)
    out = capsys.readouterr().out
    assert QUESTION.misconceptions[WRONG] in out.replace("\n", " ")
    assert "Why:" in out and out.strip().endswith(
        f"Score: 1 / {len(BANKS['02_shapes'].questions)} correct (2 attempts) in the quiz 02_shapes"
    )


def test_answer_records_into_the_quiz_that_was_shown(capsys):
    final_test(n=3, seed=1)
    first = draw_final_test(n=3, seed=1)[0]
    answer(first.id, first.correct)
    assert (
        capsys.readouterr()
        .out.strip()
        .endswith("Score: 1 / 3 right first time, 1 right in the end (1 attempt) in the quiz final_test")
    )


def test_answer_with_an_unknown_id_lists_the_valid_ids():
    with pytest.raises(ValueError, match="not in the bank. Valid ids, by quiz: 01_concept: 01-main-advantage"):
        answer("02-output-shapes", "A")


def test_answer_with_a_missing_option_lists_the_valid_choices():
    with pytest.raises(ValueError, match="choice must be one of A, B, C, D for question '02-output-shape', got 'Z'"):
        answer(QUESTION.id, "Z")


def test_hint_and_show_answer_print_their_text(capsys):
    hint(QUESTION.id)
    show_answer(QUESTION.id)
    out = capsys.readouterr().out
    assert QUESTION.hint in out and f"The answer is {RIGHT}" in out


def test_a_one_megabyte_choice_is_cut_short_in_the_error():
    """A huge answer string is not echoed whole (issue 27, item 10)."""
    with pytest.raises(ValueError, match="choice must be one of A, B, C, D") as caught:
        answer(QUESTION.id, "A" * 1_000_000)
    assert len(str(caught.value)) < 400 and "1,000,000 characters" in str(caught.value)


def test_a_one_megabyte_question_id_is_cut_short_in_the_error():
    with pytest.raises(ValueError, match="not in the bank") as caught:
        hint("x" * 1_000_000)
    assert "1,000,000 characters" in str(caught.value) and "x" * 1000 not in str(caught.value)


@pytest.mark.parametrize("call", [lambda qid: answer(qid, "A"), hint, show_answer])
@pytest.mark.parametrize("question_id", [["02-output-shape"], None, 2, b"02-output-shape"])
def test_a_question_id_that_is_not_a_str_says_what_to_pass(call, question_id):
    """`answer(["x"], "A")` once gave "TypeError: unhashable type: 'list'" (issue 27, item 10)."""
    expected = r'question_id must be a str: the id in brackets .*answer\("01-main-advantage", "B"\).*; got '
    with pytest.raises(TypeError, match=expected) as caught:
        call(question_id)
    assert type(question_id).__name__ in str(caught.value)


# --- final_test() and test_report() ---------------------------------------------------------------


def test_the_final_test_draw_is_deterministic_and_spread_over_difficulties():
    drawn = draw_final_test(n=10, seed=0)
    assert drawn == draw_final_test(n=10, seed=0)
    assert [sum(q.difficulty == d for q in drawn) for d in DIFFICULTIES] == [3, 4, 3]
    assert len({q.id for q in drawn}) == 10


def test_the_final_test_draw_comes_from_the_final_test_bank_and_covers_every_notebook():
    for seed in range(5):
        drawn = draw_final_test(n=10, seed=seed)
        assert set(drawn) <= set(BANKS[FINAL_TEST].questions)
        assert {q.notebook for q in drawn} == set(NOTEBOOK_BANKS)


def test_other_seeds_draw_other_tests():
    assert len({draw_final_test(n=10, seed=seed) for seed in range(5)}) > 1


@pytest.mark.parametrize("n", [0, len(BANKS[FINAL_TEST].questions) + 1])
def test_the_final_test_size_is_checked(n):
    with pytest.raises(ValueError, match="n must be"):
        draw_final_test(n=n)


def test_test_report_prints_scores_by_topic(capsys):
    final_test()
    test_report()
    out = capsys.readouterr().out
    assert "Score by topic" in out and "revisit notebooks/" in out


def test_test_report_before_any_final_test_says_what_to_do():
    with pytest.raises(RuntimeError, match=r"run final_test\(\) first"):
        test_report()


# --- progress() and review() ----------------------------------------------------------------------


def test_a_fresh_learners_progress_shows_the_table_and_no_chart(displayed):
    session.progress()
    (report,) = displayed
    assert "Nothing saved yet" in report.text() and "Nothing saved yet" in report._repr_html_()


def test_a_notice_from_the_store_shows_above_the_view(throwaway_progress, displayed):
    throwaway_progress.write_text('{"format": "birnn-course progress", "version": 1, "questions": []}')
    session.progress()
    assert "Your progress file was damaged" in displayed[0].text().split("Nothing saved yet")[0]


def test_once_something_is_saved_progress_shows_a_chart_described_in_words(displayed):
    session.answer(SHAPES[0].id, SHAPES[0].correct)
    session.progress()
    report, chart = displayed
    assert isinstance(chart, DescribedImage)
    assert chart.description.startswith("Bar chart of your progress per lesson")
    assert f"02_shapes: quiz 1 of {len(SHAPES)}, checks 0 of 3, not in a final test;" in chart.description


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
        "first": st.sampled_from(ANSWER_OUTCOMES),
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
        mock.patch.object(session, "show", shown.append),
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
