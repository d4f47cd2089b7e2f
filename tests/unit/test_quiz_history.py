"""Quizzes save every answer to the learner's progress, from the widgets and from text alike,
and show how a question went in an earlier round."""

import ipywidgets as widgets
import pytest
from test_quiz_widgets import Form, find

from course_utils.progress_store import ENV_VAR, load_progress
from course_utils.quiz import BANKS, FINAL_TEST, Quiz, draw_final_test, session
from course_utils.quiz.history import describe_try, local_date
from course_utils.quiz.progress import progress_report

QUESTIONS = BANKS["02_shapes"].questions
FIRST = QUESTIONS[0]
WRONG, OTHER_WRONG = [letter for letter in FIRST.letters if letter != FIRST.correct][:2]


@pytest.fixture(autouse=True)
def no_quizzes_shown(monkeypatch):
    monkeypatch.setattr(session, "_ACTIVE", {})


def saved_tries(question_id=FIRST.id):
    return load_progress()[0]["questions"].get(question_id, {}).get("tries", [])


def new_quiz():
    return Quiz("02_shapes", "Quiz", QUESTIONS)


def shape_of(tries):
    """What a try says, without its round id and time."""
    return [{k: v for k, v in t.items() if k not in ("round", "at")} for t in tries]


WRONG_THEN_RIGHT = [{"first": "wrong", "attempts": 2, "right": True, "revealed": False}]


def test_clicks_in_the_widget_are_saved_as_they_are_graded():
    form = Form(new_quiz())
    form.choose_and_check(WRONG)
    assert shape_of(saved_tries()) == [{"first": "wrong", "attempts": 1, "right": False, "revealed": False}]
    form.choose_and_check(FIRST.correct)
    assert shape_of(saved_tries()) == WRONG_THEN_RIGHT


def test_answers_in_text_are_saved_the_same_way(capsys):
    session.answer(FIRST.id, WRONG)
    session.answer(FIRST.id, FIRST.correct)
    assert shape_of(saved_tries()) == WRONG_THEN_RIGHT


def test_what_the_score_does_not_count_is_not_saved_either():
    form = Form(new_quiz())
    form.check.click()  # nothing chosen
    assert saved_tries() == []
    form.choose_and_check(WRONG)
    form.check.click()  # the same choice again
    assert shape_of(saved_tries())[0]["attempts"] == 1


def test_a_shown_answer_is_saved_once_and_a_later_right_answer_is_not_counted_right(capsys):
    session.show_answer(FIRST.id)
    session.show_answer(FIRST.id)
    session.answer(FIRST.id, FIRST.correct)
    assert shape_of(saved_tries()) == [{"first": "revealed", "attempts": 1, "right": False, "revealed": True}]


def test_each_shown_quiz_is_a_round_of_its_own():
    Form(new_quiz()).choose_and_check(WRONG)
    Form(new_quiz()).choose_and_check(FIRST.correct)
    assert [t["first"] for t in saved_tries()] == ["wrong", "right"]
    assert len({t["round"] for t in saved_tries()}) == 2


def test_the_final_test_saves_its_score_by_topic():
    final = Quiz(FINAL_TEST, "Test yourself", draw_final_test(), with_report=True)
    question = final.questions[0]
    Form(final).choose_and_check(question.correct)
    (saved,) = load_progress()[0]["final_tests"]
    assert saved["round"] == final.round and (saved["correct"], saved["asked"]) == (1, 10)
    assert saved["scored"] == "first answer"
    assert saved["by_topic"][question.notebook][0] == 1
    assert {name: pair[1] for name, pair in saved["by_topic"].items()} == {
        row.notebook: row.asked for row in final.state.by_topic()
    }


def test_the_final_test_saves_first_answers_so_clicking_every_letter_in_turn_scores_only_the_as():
    final = Quiz(FINAL_TEST, "Test yourself", draw_final_test(), with_report=True)
    for index, question in enumerate(final.questions):
        form = Form(final, index)
        for letter in question.letters:
            form.choose_and_check(letter)
    first_a = [q for q in final.questions if q.correct == "A"]
    (saved,) = load_progress()[0]["final_tests"]
    assert (saved["correct"], saved["asked"], saved["scored"]) == (len(first_a), 10, "first answer")
    assert {name: pair[0] for name, pair in saved["by_topic"].items()} == {
        q.notebook: sum(a.notebook == q.notebook for a in first_a) for q in final.questions
    }
    report = progress_report(load_progress()[0])
    shown = {lesson.notebook: lesson.final_test for lesson in report.lessons if lesson.final_test}
    assert shown == {name: tuple(pair) for name, pair in saved["by_topic"].items()}


def test_a_final_test_shown_but_never_answered_is_not_saved():
    Quiz(FINAL_TEST, "Test yourself", draw_final_test(), with_report=True).widget()
    assert load_progress()[0]["final_tests"] == []


def test_answer_with_save_false_grades_without_saving(capsys):
    session.answer(FIRST.id, WRONG, save=False)
    assert "is not right" in capsys.readouterr().out
    assert saved_tries() == []


def test_answer_rejects_a_save_that_is_not_a_bool():
    with pytest.raises(TypeError, match="save must be True or False"):
        session.answer(FIRST.id, WRONG, save=0)


def test_a_fresh_store_shows_no_earlier_try_in_either_view():
    quiz_ = new_quiz()
    assert "Answered before" not in quiz_.text()
    assert find(quiz_.widget(), widgets.HTML, css="birnn-quiz-earlier") == []


def test_a_later_quiz_says_how_the_question_went_before_in_both_views():
    Form(new_quiz()).choose_and_check(WRONG)
    Form(new_quiz()).choose_and_check(FIRST.correct)  # the latest round counts
    later = new_quiz()
    sentence = f"Answered before ({local_date(saved_tries()[-1]['at'])}): right on the first try."
    assert later.earlier_text(FIRST.id) == sentence
    assert f"[{FIRST.id}] {FIRST.difficulty}, {FIRST.topic}\n{sentence}\n" in later.text()
    (line,) = find(later.widget(), widgets.HTML, css="birnn-quiz-earlier")
    assert sentence in line.value
    assert later.earlier_text(QUESTIONS[1].id) == ""


@pytest.mark.parametrize(
    "saved, how",
    [
        ({"first": "right", "right": True, "revealed": False}, "right on the first try"),
        ({"first": "wrong", "right": True, "revealed": False}, "wrong at first, then right"),
        ({"first": "wrong", "right": False, "revealed": True}, "wrong at first, then the answer was shown"),
        ({"first": "wrong", "right": False, "revealed": False}, "wrong, and not yet answered right"),
        ({"first": "revealed", "right": False, "revealed": True}, "the answer was shown before any choice"),
    ],
)
def test_each_kind_of_try_has_its_sentence(saved, how):
    at = "2026-05-03T12:00:00+00:00"
    assert describe_try({**saved, "at": at, "attempts": 1}) == f"Answered before ({local_date(at)}): {how}."


def test_an_answer_that_cannot_be_saved_still_grades_and_says_why(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))  # a folder: nothing can be saved there
    form = Form(new_quiz())
    form.choose_and_check(FIRST.correct)
    assert "Correct" in form.feedback.value and "is a folder" in form.feedback.value
    assert f"Score: 1 / {len(QUESTIONS)}" in form.score.value


def test_a_quiz_says_why_an_answer_was_not_saved_once_not_on_every_click(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    form = Form(new_quiz())
    form.choose_and_check(WRONG)
    form.choose_and_check(OTHER_WRONG)
    assert "is not right" in form.feedback.value and "is a folder" not in form.feedback.value


def test_a_text_answer_that_cannot_be_saved_prints_why(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    session.answer(FIRST.id, WRONG)
    out = capsys.readouterr().out
    assert "is not right" in out and "Your progress is not saved" in out


def test_a_damaged_store_is_reported_at_the_top_of_the_quiz(throwaway_progress):
    throwaway_progress.write_text('{"format": "birnn-course progress", "version": 1, "quest')  # cut short
    quiz_ = new_quiz()
    assert "Your progress file was damaged" in quiz_.text().split(f"Q1 [{FIRST.id}]")[0]
    assert any("Your progress file was damaged" in w.value for w in find(quiz_.widget(), widgets.HTML))
    Form(quiz_).choose_and_check(WRONG)
    assert shape_of(saved_tries())[0]["first"] == "wrong"
