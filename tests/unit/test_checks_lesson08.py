"""Specification of exercise 08's checks: segmentation labels and a packed character tagger, each slip explained."""

import pytest
import torch
from exercise_code import assert_fails_explaining, solution
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from course_utils.checks import PASSED
from course_utils.checks.lesson08 import check_space_labels, check_tag_characters

SOLVED = solution("08_capstone_word_segmentation")


# --- space_labels ------------------------------------------------------------------------------


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


@pytest.mark.parametrize(
    "slip, explanation",
    [
        (marks_word_starts, "You marked where words start"),
        (labels_every_word_end, "The last character got a 1, but nothing follows it"),
        (keeps_the_spaces, "expected the characters (the sentence without its spaces) to be 'thecatsat'"),
        (labels_the_spaces_too, "The spaces got labels too"),
        (only_the_labels, "expected a pair (chars, labels), got a list"),
    ],
    ids=lambda v: getattr(v, "__name__", "")[:30],
)
def test_a_labelling_slip_fails_with_its_explanation(slip, explanation):
    assert_fails_explaining(check_space_labels(slip), explanation)


def test_labels_as_a_tensor_are_accepted():
    def as_tensor(sentence):
        chars, labels = SOLVED["space_labels"](sentence)
        return chars, torch.tensor(labels, dtype=torch.long)

    assert check_space_labels(as_tensor).status == PASSED


# --- tag_characters ----------------------------------------------------------------------------


def padding_fed_unpacked(embed, lstm, head, ids, lengths):
    return head(lstm(embed(ids))[0])


def without_total_length(embed, lstm, head, ids, lengths):
    packed = pack_padded_sequence(embed(ids), lengths, batch_first=True, enforce_sorted=False)
    return head(pad_packed_sequence(lstm(packed)[0], batch_first=True)[0])


def forgets_the_head(embed, lstm, head, ids, lengths):
    packed = pack_padded_sequence(embed(ids), lengths, batch_first=True, enforce_sorted=False)
    return pad_packed_sequence(lstm(packed)[0], batch_first=True, total_length=ids.shape[1])[0]


def returns_the_packed_output(embed, lstm, head, ids, lengths):
    return lstm(pack_padded_sequence(embed(ids), lengths, batch_first=True, enforce_sorted=False))[0]


def returns_the_lstm_pair(embed, lstm, head, ids, lengths):
    return lstm(embed(ids))


@pytest.mark.parametrize(
    "slip, explanation",
    [
        (padding_fed_unpacked, "the backward direction of every shorter sentence started on the padding"),
        (without_total_length, "pad_packed_sequence stopped at the longest length; pass total_length"),
        (forgets_the_head, "got the LSTM's output (N, L, D*H_out) = (3, 6, 6): apply the head"),
        (returns_the_packed_output, "that is a PackedSequence"),
        (returns_the_lstm_pair, "got a tuple of 2"),
    ],
    ids=lambda v: getattr(v, "__name__", "")[:30],
)
def test_a_tagging_slip_fails_with_its_explanation(slip, explanation):
    assert_fails_explaining(check_tag_characters(slip), explanation)


def test_feeding_padding_unpacked_passes_only_the_batch_without_padding():
    report = check_tag_characters(padding_fed_unpacked)
    assert [case.passed for case in report.cases] == [False, False, True]


def test_padded_steps_are_not_compared():
    def zeroes_the_padding(embed, lstm, head, ids, lengths):
        logits = SOLVED["tag_characters"](embed, lstm, head, ids, lengths)
        return logits * (torch.arange(ids.shape[1]) < lengths.unsqueeze(1)).unsqueeze(-1)

    assert check_tag_characters(zeroes_the_padding).status == PASSED
