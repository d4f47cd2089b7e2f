"""Grading and scores (`course_utils.quiz.grading`): `grade`, `reveal` and `QuizState`, without a view."""

import pytest

from course_utils.quiz import QUESTIONS, QuizState, grade, reveal
from course_utils.verdicts import MISSING, REVEALED, RIGHT, WRONG

QUESTION = QUESTIONS["02-output-shape"]
ANSWER = QUESTION.correct
OTHER = next(letter for letter in QUESTION.letters if letter != ANSWER)


def test_the_right_letter_is_graded_right_with_the_worked_explanation():
    feedback = grade(QUESTION, ANSWER)
    assert feedback.correct and feedback.status == RIGHT
    assert feedback.explanation == QUESTION.explanation


def test_a_wrong_letter_names_its_misconception_and_hides_the_explanation():
    feedback = grade(QUESTION, OTHER)
    assert feedback.status == WRONG and not feedback.correct
    assert QUESTION.misconceptions[OTHER] in feedback.message
    assert feedback.explanation == ()


def test_letters_are_read_in_any_case_and_with_spaces():
    assert grade(QUESTION, f" {ANSWER.lower()} ").correct


@pytest.mark.parametrize("nothing", [None, "", "  "])
def test_no_choice_asks_for_one(nothing):
    feedback = grade(QUESTION, nothing)
    assert feedback.status == MISSING and "Choose an option first" in feedback.message


@pytest.mark.parametrize("bad", ["E", "AB", 2])
def test_an_option_that_does_not_exist_lists_the_valid_choices(bad):
    with pytest.raises(ValueError, match="must be one of A, B, C, D"):
        grade(QUESTION, bad)


def test_reveal_gives_the_answer_and_explanation():
    feedback = reveal(QUESTION)
    assert feedback.status == REVEALED and f"The answer is {ANSWER}" in feedback.message
    assert feedback.explanation == QUESTION.explanation


def test_checking_the_right_answer_twice_scores_once():
    state = QuizState([QUESTION])
    for _ in range(3):
        state.record(grade(QUESTION, ANSWER))
    assert state.score == 1 and state.attempts == 1


def test_attempts_count_each_new_choice_but_not_an_empty_check():
    state = QuizState([QUESTION])
    for choice in (None, OTHER, OTHER, ANSWER):
        state.record(grade(QUESTION, choice))
    assert state.attempts == 2 and state.score == 1
    assert state.summary() == "Score: 1 / 1 correct (2 attempts)"


def test_a_shown_answer_before_any_choice_is_not_a_right_first_answer():
    state = QuizState([QUESTION], first_answer_only=True)
    state.record(reveal(QUESTION))
    state.record(grade(QUESTION, ANSWER))
    assert state.score == 0 and state.right_in_the_end == 0


def test_a_state_rejects_feedback_for_a_question_it_does_not_hold():
    with pytest.raises(ValueError, match="not part of this quiz"):
        QuizState([QUESTION]).record(grade(QUESTIONS["02-hn-layout"], "A"))


def test_the_score_by_topic_points_to_the_notebooks_to_revisit():
    questions = [QUESTIONS["02-output-shape"], QUESTIONS["04-total-length"]]
    state = QuizState(questions)
    state.record(grade(questions[0], questions[0].correct))
    rows = {row.notebook: row for row in state.by_topic()}
    assert (rows["02_shapes"].correct, rows["02_shapes"].advice) == (1, "well done")
    assert rows["04_packing"].advice == "revisit notebooks/04_packing.ipynb"
    assert "revisit notebooks/04_packing.ipynb" in state.report()
