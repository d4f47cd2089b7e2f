"""The text view of a quiz (`course_utils.quiz.text`): questions and feedback as wrapped prose."""

from course_utils.quiz import QUESTIONS, format_feedback, format_question, grade

QUESTION = QUESTIONS["02-output-shape"]


def test_feedback_text_numbers_the_explanation_steps():
    text = format_feedback(grade(QUESTION, QUESTION.correct))
    assert "\n  1. " in text and f"\n  {len(QUESTION.explanation)}. " in text


def test_a_question_shows_its_id_difficulty_topic_and_lettered_options_but_not_its_answer():
    text = format_question(QUESTION, 3)
    assert text.startswith(f"Q3 [{QUESTION.id}] {QUESTION.difficulty}, {QUESTION.topic}\n")
    assert all(f"  {letter}. " in text for letter in QUESTION.letters)
    assert QUESTION.explanation[-1][:30] not in text


def test_how_a_question_went_before_comes_right_under_its_header():
    text = format_question(QUESTION, 1, earlier="Answered before (2026-05-03): right on the first try.")
    assert text.splitlines()[1] == "Answered before (2026-05-03): right on the first try."
