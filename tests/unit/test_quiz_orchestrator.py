"""A `Quiz` (`course_utils.quiz.orchestrator`): what it scores, its text view, and that it saves every answer
to the learner's progress, from the widgets and from text alike, and shows how a question went in an earlier
round."""

import ipywidgets as widgets
import pytest
from test_quiz_widgets import Form, find

from course_utils.learner.report import local_date, progress_report
from course_utils.learner.store import ENV_VAR, load_progress
from course_utils.quiz import BANKS, FINAL_TEST, WIDGET_MIME, Quiz, draw_final_test, orchestrator, session

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
    """What a try says, without its round id, time and course version (tests/unit/test_learner_store.py checks it)."""
    return [{k: v for k, v in t.items() if k not in ("round", "at", "course")} for t in tries]


WRONG_THEN_RIGHT = [{"first": "wrong", "attempts": 2, "right": True, "revealed": False}]


# --- what a quiz scores, and its text view ------------------------------------------------------


def test_a_question_whose_answer_was_shown_does_not_score():
    quiz_ = Quiz("t", "T", [FIRST])
    quiz_.show_answer(FIRST.id)
    feedback = quiz_.check(FIRST.id, FIRST.correct)
    assert quiz_.state.score == 0 and "Not scored" in feedback.message


def test_a_lesson_quiz_counts_a_question_right_in_the_end():
    quiz_ = Quiz("02_shapes", "Quiz", [FIRST])
    quiz_.check(FIRST.id, WRONG, save=False)
    feedback = quiz_.check(FIRST.id, FIRST.correct, save=False)
    assert quiz_.state.score == 1 and "Not scored" not in feedback.message
    assert quiz_.state.summary() == "Score: 1 / 1 correct (2 attempts)"


def test_the_final_test_scores_the_first_answer_and_shows_right_in_the_end_beside_it():
    quiz_ = Quiz(FINAL_TEST, "Test yourself", draw_final_test(n=3), with_report=True)
    first, second, third = quiz_.questions
    quiz_.check(first.id, first.correct, save=False)
    quiz_.check(second.id, next(letter for letter in second.letters if letter != second.correct), save=False)
    feedback = quiz_.check(second.id, second.correct, save=False)
    assert feedback.correct and "(Not scored: this test counts first answers.)" in feedback.message
    assert (quiz_.state.score, quiz_.state.right_in_the_end) == (1, 2)
    assert quiz_.state.summary() == "Score: 1 / 3 right first time, 2 right in the end (3 attempts)"
    assert {row.notebook: row.correct for row in quiz_.state.by_topic()} == {
        q.notebook: int(q.notebook == first.notebook) for q in quiz_.questions
    }
    assert "Only your first answer to each question scores" in quiz_.text()
    quiz_.show_answer(third.id)
    assert "the answer was shown first" in quiz_.check(third.id, third.correct, save=False).message


def test_clicking_a_b_c_d_in_turn_on_every_final_test_question_scores_only_the_answers_that_are_a():
    for seed in range(5):
        quiz_ = Quiz(FINAL_TEST, "Test yourself", draw_final_test(n=10, seed=seed), with_report=True)
        for question in quiz_.questions:
            for letter in question.letters:
                quiz_.check(question.id, letter, save=False)
        answered_a = [q for q in quiz_.questions if q.correct == "A"]
        assert quiz_.state.score == len(answered_a) < len(quiz_.questions)
        assert quiz_.state.right_in_the_end == len(quiz_.questions)
        rows = quiz_.state.by_topic()
        assert sum(row.correct for row in rows) == len(answered_a)
        assert [row.advice for row in rows].count("well done") < len(rows)


def test_the_text_view_shows_every_question_and_how_to_answer_but_no_answer():
    text = new_quiz().text()
    for question in QUESTIONS:
        assert f"[{question.id}]" in text
        assert question.explanation[-1][:30] not in text
        assert not any(m[:30] in text for m in question.misconceptions.values())
    assert 'answer("02-output-shape", "A")' in text


def test_the_text_view_is_the_same_every_time():
    assert new_quiz().text() == new_quiz().text()


def test_in_a_kernel_the_display_holds_the_widget_and_the_text(monkeypatch):
    monkeypatch.setattr(orchestrator, "_in_kernel", lambda: True)
    quiz_ = new_quiz()
    bundle = quiz_._repr_mimebundle_()
    assert bundle["text/plain"] == quiz_.text()
    assert bundle[WIDGET_MIME]["model_id"] == quiz_.widget().model_id


def test_outside_a_kernel_the_display_is_text_only():
    assert set(new_quiz()._repr_mimebundle_()) == {"text/plain"}


# --- every answer is saved, as it is graded -----------------------------------------------------


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
    report = progress_report(load_progress()[0], BANKS)
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
