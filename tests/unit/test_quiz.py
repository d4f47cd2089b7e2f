"""Grading, scores and the text view of the quizzes (no browser, no widgets)."""

import subprocess
import sys

import pytest

from course_utils.quiz import (
    BANKS,
    QUESTIONS,
    Quiz,
    QuizState,
    answer,
    draw_final_test,
    final_test,
    format_feedback,
    grade,
    hint,
    quiz,
    reveal,
    show_answer,
    test_report,
)
from course_utils.quiz import session as quiz_module
from course_utils.quiz.bank import DIFFICULTIES, FINAL_TEST, NOTEBOOK_BANKS

QUESTION = QUESTIONS["02-output-shape"]
RIGHT = QUESTION.correct
WRONG = next(letter for letter in QUESTION.letters if letter != RIGHT)


@pytest.fixture(autouse=True)
def no_quizzes_shown(monkeypatch):
    monkeypatch.setattr(quiz_module, "_ACTIVE", {})


def test_the_right_letter_is_graded_correct_with_the_worked_explanation():
    feedback = grade(QUESTION, RIGHT)
    assert feedback.correct and feedback.status == "correct"
    assert feedback.explanation == QUESTION.explanation


def test_a_wrong_letter_names_its_misconception_and_hides_the_explanation():
    feedback = grade(QUESTION, WRONG)
    assert feedback.status == "wrong" and not feedback.correct
    assert QUESTION.misconceptions[WRONG] in feedback.message
    assert feedback.explanation == ()


def test_letters_are_read_in_any_case_and_with_spaces():
    assert grade(QUESTION, f" {RIGHT.lower()} ").correct


@pytest.mark.parametrize("nothing", [None, "", "  "])
def test_no_choice_asks_for_one(nothing):
    feedback = grade(QUESTION, nothing)
    assert feedback.status == "missing" and "Choose an option first" in feedback.message


@pytest.mark.parametrize("bad", ["E", "AB", 2])
def test_an_option_that_does_not_exist_lists_the_valid_choices(bad):
    with pytest.raises(ValueError, match="must be one of A, B, C, D"):
        grade(QUESTION, bad)


def test_reveal_gives_the_answer_and_explanation():
    feedback = reveal(QUESTION)
    assert feedback.status == "revealed" and f"The answer is {RIGHT}" in feedback.message
    assert feedback.explanation == QUESTION.explanation


def test_checking_the_right_answer_twice_scores_once():
    state = QuizState([QUESTION])
    for _ in range(3):
        state.record(grade(QUESTION, RIGHT))
    assert state.score == 1 and state.attempts == 1


def test_attempts_count_each_new_choice_but_not_an_empty_check():
    state = QuizState([QUESTION])
    for choice in (None, WRONG, WRONG, RIGHT):
        state.record(grade(QUESTION, choice))
    assert state.attempts == 2 and state.score == 1
    assert state.summary() == "Score: 1 / 1 correct (2 attempts)"


def test_a_question_whose_answer_was_shown_does_not_score():
    quiz_ = Quiz("t", "T", [QUESTION])
    quiz_.show_answer(QUESTION.id)
    feedback = quiz_.check(QUESTION.id, RIGHT)
    assert quiz_.state.score == 0 and "Not scored" in feedback.message


def test_a_lesson_quiz_counts_a_question_right_in_the_end():
    quiz_ = Quiz("02_shapes", "Quiz", [QUESTION])
    quiz_.check(QUESTION.id, WRONG, save=False)
    feedback = quiz_.check(QUESTION.id, RIGHT, save=False)
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


def test_a_shown_answer_before_any_choice_is_not_a_right_first_answer():
    state = QuizState([QUESTION], first_answer_only=True)
    state.record(reveal(QUESTION))
    state.record(grade(QUESTION, RIGHT))
    assert state.score == 0 and state.right_in_the_end == 0


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


def test_the_text_view_shows_every_question_and_how_to_answer_but_no_answer():
    text = Quiz("02_shapes", "Quiz", BANKS["02_shapes"].questions).text()
    for question in BANKS["02_shapes"].questions:
        assert f"[{question.id}]" in text
        assert question.explanation[-1][:30] not in text
        assert not any(m[:30] in text for m in question.misconceptions.values())
    assert 'answer("02-output-shape", "A")' in text


def test_the_text_view_is_the_same_every_time():
    make = lambda: Quiz("02_shapes", "Quiz", BANKS["02_shapes"].questions).text()  # noqa: E731
    assert make() == make()


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


def test_feedback_text_numbers_the_explanation_steps():
    text = format_feedback(grade(QUESTION, RIGHT))
    assert "\n  1. " in text and f"\n  {len(QUESTION.explanation)}. " in text


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


def test_importing_the_quiz_leaves_torch_numpy_and_matplotlib_unimported():
    code = "import sys, course_utils.quiz; print(sorted({'torch', 'numpy', 'matplotlib'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


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
