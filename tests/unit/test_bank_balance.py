"""Every quiz is balanced: levels covered, answer letters and option lengths spread, hints that point at the
concept (never at an option by its letter or its words), so a test-wise learner gains nothing without the knowledge."""

import math
import re
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


# A letter standing alone ("B", "(B)", "B and C"), outside `code`; "A" followed by a word is the article.
_LETTER = re.compile(r"(?<![\w'`-])([A-F])(?![\w'`-])")
_NOT_AN_ARTICLE = {"and", "or", "is", "are", "was", "were", "to", "vs"}


def letter_references(hint: str, letters: str) -> list[str]:
    """The option letters `hint` names, e.g. ["B", "C"] for "B and C change the model"."""
    prose = re.sub(r"`[^`]*`", "``", hint)
    found = []
    for match in _LETTER.finditer(prose):
        following = re.match(r" ([a-z0-9][\w-]*)", prose[match.end() :])
        article = match.group(1) == "A" and following is not None and following.group(1) not in _NOT_AN_ARTICLE
        if match.group(1) in letters and not article:
            found.append(match.group(1))
    return found


def quoted_options(hint: str, options: tuple[str, ...]) -> list[str]:
    """The options whose text, or a run of 5 of its words, `hint` repeats (case and backticks ignored)."""
    plain = " ".join(hint.replace("`", "").lower().split())
    quoted = []
    for option in options:
        words = option.replace("`", "").lower().split()
        runs = {" ".join(words[i : i + 5]) for i in range(max(1, len(words) - 4))}
        if any(len(run) >= 5 and run in plain for run in runs):
            quoted.append(option)
    return quoted


def single_longest(options: tuple[str, ...]) -> int | None:
    """The index of the one option longer than all others, or None when the longest length is shared."""
    lengths = [len(option) for option in options]
    longest = max(lengths)
    return lengths.index(longest) if lengths.count(longest) == 1 else None


@pytest.mark.parametrize("name", ALL)
def test_no_hint_names_an_option_by_its_letter(name):
    naming = {
        q.id: letter_references(q.hint, q.letters)
        for q in BANKS[name].questions
        if letter_references(q.hint, q.letters)
    }
    assert not naming, f"hints must point at the concept, not at options: {naming}"


@pytest.mark.parametrize("name", ALL)
def test_no_hint_counts_or_rules_out_options(name):
    ruling = [q.id for q in BANKS[name].questions if re.search(r"\boptions?\b|\brules? out\b", q.hint, re.I)]
    assert not ruling, f"hints must point at the concept, not at options: {ruling}"


@pytest.mark.parametrize("name", ALL)
def test_no_hint_quotes_an_option(name):
    quoting = {
        q.id: quoted_options(q.hint, q.options) for q in BANKS[name].questions if quoted_options(q.hint, q.options)
    }
    assert not quoting


@pytest.mark.parametrize("name", ALL)
def test_the_answer_is_the_single_longest_option_in_at_most_a_third_of_a_bank(name):
    """Otherwise picking the longest option would score without the knowledge."""
    questions = BANKS[name].questions
    longest = [q.id for q in questions if single_longest(q.options) == q.letters.index(q.correct)]
    assert len(longest) <= len(questions) // 3, f"{name}: the answer is the longest option in {longest}"


@pytest.mark.parametrize(
    "hint, named",
    [
        ("B and C change the model. Between A and D: which keeps the pads out?", ["B", "C", "A", "D"]),
        ("Packing keeps each length, so A is out.", ["A"]),
        ("Is it option (B), or C?", ["B", "C"]),
        ("A zero vector still moves the state. A ceiling is not a score.", []),
        ("A 2-D input; `(N, C)` logits; F1 and x_B.", []),
    ],
)
def test_letter_references_finds_letters_but_not_the_article_or_code(hint, named):
    assert letter_references(hint, "ABCD") == named


def test_quoted_options_finds_an_option_repeated_in_a_hint():
    options = ("Feed the padded batch straight in", "`h_n[-1]`", "8")
    hint = "Would you feed the padded batch straight in? Is h_n[-1] enough? Count 8 steps."
    assert quoted_options(hint, options) == list(options[:2])
