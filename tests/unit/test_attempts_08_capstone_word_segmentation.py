"""Learners' attempts at exercise 08, each run through its real check: the verdict it must get, the words it must say.

Right attempts are written otherwise than the worked solution, labels in every reasonable form among them
(a NumPy array, which the check once refused, a tensor, a tuple, bools); wrong ones are the slips learners
make. Every failure also names the idea and where the lesson shows it ("Idea: ... lesson 08").
"""

import itertools

import numpy as np
import pytest
import torch
from attempt_suite import assert_first_failure_gives_the_idea_not_the_code, assert_quotes_sections_of
from attempts import assert_answer, not_attempted, params, right, stub_hints, wrong
from exercise_code import exercise

from course_utils.checks import FAILED, NOT_ATTEMPTED, PASSED
from course_utils.checks.lesson08 import check_label_long_text, check_space_labels

STUBS = exercise("08_capstone_word_segmentation")


# --- Task 1 · space_labels ---------------------------------------------------------------------


def followed_by_a_space(sentence):
    """Character by character: 1 when the next character of the sentence is a space and more text follows."""
    chars, labels = "", []
    for i, ch in enumerate(sentence):
        if ch != " ":
            chars += ch
            labels.append(int(sentence[i + 1 : i + 2] == " " and bool(sentence[i + 1 :].strip())))
    return chars, labels


def by_words_with_groupby(sentence):
    labels = []
    for is_space, run in itertools.groupby(sentence.strip(), key=str.isspace):
        if is_space:
            labels[-1] = 1
        else:
            labels += [0] * len(list(run))
    return sentence.replace(" ", ""), labels


def labels_as(convert):
    def space_labels(sentence):
        words = sentence.split()
        labels = [int(i == len(word) - 1) for word in words for i in range(len(word))]
        if labels:
            labels[-1] = 0
        return "".join(words), convert(labels)

    return space_labels


def chars_as_a_list(sentence):
    chars, labels = followed_by_a_space(sentence)
    return list(chars), labels


def marks_word_starts(sentence):
    words = sentence.split()
    return "".join(words), [int(i == 0) for word in words for i in range(len(word))]


def labels_every_word_end(sentence):
    words = sentence.split()
    return "".join(words), [int(i == len(word) - 1) for word in words for i in range(len(word))]


def keeps_the_spaces(sentence):
    return sentence, [int(i + 1 < len(sentence) and sentence[i + 1] == " ") for i in range(len(sentence))]


def labels_the_spaces_too(sentence):
    return sentence.replace(" ", ""), keeps_the_spaces(sentence)[1]


def only_the_labels(sentence):
    return labels_every_word_end(sentence)[1]


def swaps_the_pair(sentence):
    chars, labels = followed_by_a_space(sentence)
    return labels, chars


def labels_as_a_string(sentence):
    chars, labels = followed_by_a_space(sentence)
    return chars, "".join(map(str, labels))


def sets_the_last_label_unguarded(sentence):
    words = sentence.split()
    labels = [int(i == len(word) - 1) for word in words for i in range(len(word))]
    labels[-1] = 0
    return "".join(words), labels


def one_list_per_word(sentence):
    words = sentence.split()
    labels = [[int(i == len(word) - 1) for i in range(len(word))] for word in words]
    if labels:
        labels[-1][-1] = 0
    return "".join(words), labels


def counts_the_spaces(sentence):
    chars, labels = "", []
    for ch in sentence.strip():
        if ch == " ":
            labels[-1] += 1
        else:
            chars += ch
            labels.append(0)
    return chars, labels


def returns_a_dict(sentence):
    chars, labels = followed_by_a_space(sentence)
    return {"chars": chars, "labels": labels}


def forgets_to_return(sentence):
    followed_by_a_space(sentence)


SPACE_LABELS = [
    right("character by character", followed_by_a_space),
    right("runs of spaces with itertools.groupby", by_words_with_groupby),
    right("labels as a NumPy array", labels_as(np.array)),
    right("labels as a NumPy int8 array", labels_as(lambda v: np.array(v, dtype=np.int8))),
    right("labels as a tensor", labels_as(lambda v: torch.tensor(v, dtype=torch.long))),
    right("labels as a tuple", labels_as(tuple)),
    right("labels as bools", labels_as(lambda v: [bool(x) for x in v])),
    right("labels as NumPy ints in a list", labels_as(lambda v: list(np.array(v)))),
    right("chars as a list of characters", chars_as_a_list),
    wrong("word starts marked", marks_word_starts, "You marked where words start"),
    wrong("every word end marked", labels_every_word_end, "The last character got a 1"),
    wrong("the spaces kept", keeps_the_spaces, "(the sentence without its spaces) to be 'thecatsat'"),
    wrong("the spaces labelled", labels_the_spaces_too, "The spaces got labels too"),
    wrong("only the labels", only_the_labels, "expected a pair (chars, labels), got a list"),
    wrong("(labels, chars)", swaps_the_pair, "are the two swapped?"),
    wrong("labels as a string of digits", labels_as_a_string, "got the text '001001000'"),
    wrong("labels[-1] = 0 on an empty sentence", sets_the_last_label_unguarded, "if labels:"),
    wrong("one list of labels per word", one_list_per_word, "is itself a list", "labels.extend"),
    wrong("a count of spaces, 2 for two", counts_the_spaces, "to be 0 or 1, but item 0 is 2"),
    wrong("a dict", returns_a_dict, "expected a pair (chars, labels), got a dict"),
    wrong("no return", forgets_to_return, "got a NoneType"),
    wrong(
        "called with its result, not the function",
        ("thecatsat", [0, 0, 1, 0, 0, 1, 0, 0, 0]),
        "check_space_labels(...) needs your function itself",
    ),
    not_attempted("the exercise's stub", STUBS["space_labels"]),
]


@pytest.mark.parametrize("attempt", params(SPACE_LABELS))
def test_a_space_labels_attempt_gets_its_verdict_and_words(attempt):
    assert_answer(check_space_labels, attempt)


# --- Task 2 · label_long_text ------------------------------------------------------------------


def windows_listed_first(tag, ids, window=100, margin=20):
    step = window - 2 * margin
    spans = [(start, min(start + step, len(ids))) for start in range(0, len(ids), step)]
    labels = []
    for start, end in spans:
        first = max(0, start - margin)
        labels.extend(tag(ids[first : min(len(ids), end + margin)])[start - first : end - first])
    return labels


def short_text_in_one_piece(tag, ids, window=100, margin=20):
    if len(ids) <= window:
        return tag(ids) if ids else []
    return windows_listed_first(tag, ids, window, margin)


def last_window_against_the_end(tag, ids, window=100, margin=20):
    step, labels = window - 2 * margin, []
    for start in range(0, len(ids), step):
        if start + step >= len(ids):  # the last middle: read a whole window ending at the text's end
            first = max(0, len(ids) - window)
            return labels + tag(ids[first:])[start - first :]
        first = max(0, start - margin)
        labels += tag(ids[first : start + step + margin])[start - first : start - first + step]
    return labels


def returns_an_array(tag, ids, window=100, margin=20):
    return np.array(windows_listed_first(tag, ids, window, margin), dtype=np.int64)


def windows_side_by_side(tag, ids, window=100, margin=20):
    labels = []
    for start in range(0, len(ids), window):
        labels += tag(ids[start : start + window])
    return labels


def negative_first_start(tag, ids, window=100, margin=20):
    step, labels = window - 2 * margin, []
    for start in range(0, len(ids), step):
        first = start - margin
        labels += tag(ids[first : start + step + margin])[margin : margin + step]
    return labels


def keeps_from_the_margin(tag, ids, window=100, margin=20):
    step, labels = window - 2 * margin, []
    for start in range(0, len(ids), step):
        labels += tag(ids[max(0, start - margin) : start + step + margin])[margin : margin + step]
    return labels


def keeps_each_windows_first_labels(tag, ids, window=100, margin=20):
    step, labels = window - 2 * margin, []
    for start in range(0, len(ids), step):
        labels += tag(ids[max(0, start - margin) : start + step + margin])[:step]
    return labels


def margins_outside_the_window(tag, ids, window=100, margin=20):
    labels = []
    for start in range(0, len(ids), window):
        first = max(0, start - margin)
        labels += tag(ids[first : start + window + margin])[start - first : start - first + window]
    return labels


def a_window_per_id(tag, ids, window=100, margin=20):
    return [tag(ids[max(0, i - margin) : i + margin + 1])[min(i, margin)] for i in range(len(ids))]


def keeps_the_right_margin_too(tag, ids, window=100, margin=20):
    step, labels = window - 2 * margin, []
    for start in range(0, len(ids), step):
        first = max(0, start - margin)
        labels += tag(ids[first : start + step + margin])[start - first :]
    return labels


def steps_by_the_window(tag, ids, window=100, margin=20):
    step, labels = window - 2 * margin, []
    for start in range(0, len(ids), window):
        first = max(0, start - margin)
        labels += tag(ids[first : start + step + margin])[start - first : start - first + step]
    return labels


def appends_each_window(tag, ids, window=100, margin=20):
    step, labels = window - 2 * margin, []
    for start in range(0, len(ids), step):
        first = max(0, start - margin)
        labels.append(tag(ids[first : start + step + margin])[start - first : start - first + step])
    return labels


def tags_the_whole_text(tag, ids, window=100, margin=20):
    return tag(ids)


def forgets_to_return_the_labels(tag, ids, window=100, margin=20):
    windows_listed_first(tag, ids, window, margin)


LONG_TEXT = [
    right("windows listed first, then stitched", windows_listed_first),
    right("a short text in one piece", short_text_in_one_piece),
    right("the last window against the text's end", last_window_against_the_end),
    right("labels as a NumPy array", returns_an_array),
    wrong("windows side by side", windows_side_by_side, "Your windows lie side by side"),
    wrong("start - margin not clamped", negative_first_start, "counts from the end of the list"),
    wrong("every middle kept from `margin`", keeps_from_the_margin, "The first window starts at"),
    wrong("each window's first labels", keeps_each_windows_first_labels, "window's first labels"),
    wrong("margins outside the window", margins_outside_the_window, "more than the window of 100"),
    wrong("a window per id", a_window_per_id, "called the tagger more than 18 times for 1000 ids"),
    wrong("the right margin kept", keeps_the_right_margin_too, "some ids were labelled twice"),
    wrong("stepping by the window", steps_by_the_window, "some ids got no label"),
    wrong("labels.append", appends_each_window, "is itself a list", "labels += part"),
    wrong("one pass, no windows", tags_the_whole_text, "a piece of 1000 ids, more than the window"),
    wrong("no return", forgets_to_return_the_labels, "does your function end with a `return`?"),
    wrong(
        "called with its result, not the function", [0, 1, 0], "check_label_long_text(...) needs your function itself"
    ),
    not_attempted("the exercise's stub", STUBS["label_long_text"]),
]


@pytest.mark.parametrize("attempt", params(LONG_TEXT))
def test_a_long_text_attempt_gets_its_verdict_and_words(attempt):
    assert_answer(check_label_long_text, attempt)


TASKS = {
    "space_labels": (check_space_labels, SPACE_LABELS, marks_word_starts),
    "label_long_text": (check_label_long_text, LONG_TEXT, windows_side_by_side),
}


@pytest.mark.parametrize("task", TASKS)
def test_every_task_has_right_and_wrong_attempts_and_the_stub(task):
    assert {attempt.verdict for attempt in TASKS[task][1]} == {PASSED, FAILED, NOT_ATTEMPTED}


@pytest.mark.parametrize("task", TASKS)
def test_a_first_failure_names_the_idea_and_a_lesson_section_and_withholds_the_code(task):
    check, _, slip = TASKS[task]
    report = assert_first_failure_gives_the_idea_not_the_code(lambda: check(slip), task)
    assert_quotes_sections_of(report.concept, "08_capstone_word_segmentation")


def test_the_stubs_do_not_hand_over_the_answer():
    hints = stub_hints("08_capstone_word_segmentation")
    assert len(hints) == 2
    for code in ("split()", "labels[-1]", "max(", "range(", "start - margin", "window - 2"):
        assert not any(code in hint for hint in hints), (code, hints)
