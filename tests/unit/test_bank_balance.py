"""Every quiz is balanced: levels covered, answer letters spread, hints that do not give the answer away."""

import math
from collections import Counter

import pytest

from course_utils.quiz.bank import DIFFICULTIES, FINAL_TEST, NOTEBOOK_BANKS, load_banks

BANKS = load_banks()
ALL = tuple(NOTEBOOK_BANKS) + (FINAL_TEST,)


@pytest.mark.parametrize("notebook", NOTEBOOK_BANKS)
def test_each_lesson_quiz_has_an_easy_a_medium_and_a_hard_question(notebook):
    levels = {q.difficulty for q in BANKS[notebook].questions}
    assert levels == set(DIFFICULTIES), f"{notebook} lacks {sorted(set(DIFFICULTIES) - levels)}"


@pytest.mark.parametrize("name", ALL)
def test_every_letter_a_to_d_is_the_answer_somewhere_in_each_bank(name):
    letters = Counter(q.correct for q in BANKS[name].questions)
    assert set("ABCD") <= set(letters), f"{name}: answers {dict(letters)}"


@pytest.mark.parametrize("name", ALL)
def test_no_letter_is_the_answer_to_more_than_two_fifths_of_a_bank(name):
    questions = BANKS[name].questions
    letters = Counter(q.correct for q in questions)
    limit = max(2, math.ceil(0.4 * len(questions)))
    assert max(letters.values()) <= limit, f"{name}: answers {dict(letters)}, at most {limit} each"


def test_no_final_test_question_repeats_a_lesson_question_code_and_answer():
    lesson = {(q.code, q.option(q.correct)) for name in NOTEBOOK_BANKS for q in BANKS[name].questions}
    repeats = [q.id for q in BANKS[FINAL_TEST].questions if (q.code, q.option(q.correct)) in lesson]
    assert not repeats


@pytest.mark.parametrize("name", ALL)
def test_no_hint_quotes_its_answer(name):
    quoting = [
        q.id
        for q in BANKS[name].questions
        if len(q.option(q.correct)) > 4 and q.option(q.correct).strip("`").lower() in q.hint.lower()
    ]
    assert not quoting
