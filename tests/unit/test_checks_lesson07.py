"""Specification of exercise 07's checks: the masked mean, the packed classifier's forward, training it."""

import pytest
import torch
from exercise_code import assert_fails_explaining, solution
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from course_utils.checks import FAILED, PASSED
from course_utils.checks.lesson07 import check_classifier_forward, check_mean_pool, check_speaker_training

SOLVED = solution("07_speaker_id")
Reference = SOLVED["SpeakerClassifier"]


def test_the_reference_forward_passes():
    report = check_classifier_forward(Reference)
    assert report.status == PASSED, str(report)


# --- mean_pool ---------------------------------------------------------------------------------


def mean_over_all_steps(x, lengths):
    return x.mean(1)


def sum_over_all_steps_by_length(x, lengths):
    return x.sum(1) / lengths.unsqueeze(1)


def masked_sum_by_t(x, lengths):
    valid = torch.arange(x.shape[1]) < lengths.unsqueeze(1)
    return (x * valid.unsqueeze(-1)).sum(1) / x.shape[1]


def masked_sum(x, lengths):
    valid = torch.arange(x.shape[1]) < lengths.unsqueeze(1)
    return (x * valid.unsqueeze(-1)).sum(1)


@pytest.mark.parametrize(
    "slip, explanation",
    [
        (mean_over_all_steps, "That is x.mean(dim=1): it averages over all L steps, pads included"),
        (sum_over_all_steps_by_length, "the sum includes the padded steps: here they are not zero"),
        (masked_sum_by_t, "you divided by L"),
        (masked_sum, "That is the sum of the valid steps"),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_a_pooling_slip_fails_with_its_explanation(slip, explanation):
    assert_fails_explaining(check_mean_pool(slip), explanation)


def test_zero_padding_hides_the_unmasked_sum_but_the_minus_one_case_catches_it():
    report = check_mean_pool(sum_over_all_steps_by_length)
    assert [case.passed for case in report.cases] == [True, True, False, True]


# --- forward -----------------------------------------------------------------------------------


def h_n_of(rnn, hidden):
    return hidden[0] if isinstance(rnn, nn.LSTM) else hidden


def packed_run(model, x, lengths):
    return model.rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))


class Unpacked(Reference):
    def forward(self, x, lengths):
        h_n = h_n_of(self.rnn, self.rnn(x)[1])
        return self.head(torch.cat([h_n[-2], h_n[-1]], -1))


class LastPaddedOutput(Reference):
    def forward(self, x, lengths):
        return self.head(self.rnn(x)[0][:, -1])


class LastUnpackedOutput(Reference):
    def forward(self, x, lengths):
        output = pad_packed_sequence(packed_run(self, x, lengths)[0], batch_first=True, total_length=x.shape[1])[0]
        return self.head(output[:, -1])


class LastValidOutput(Reference):
    def forward(self, x, lengths):
        output = pad_packed_sequence(packed_run(self, x, lengths)[0], batch_first=True)[0]
        return self.head(output[torch.arange(len(lengths)), lengths - 1])


class Swapped(Reference):
    def forward(self, x, lengths):
        h_n = h_n_of(self.rnn, packed_run(self, x, lengths)[1])
        return self.head(torch.cat([h_n[-1], h_n[-2]], -1))


class FirstLayer(Reference):
    def forward(self, x, lengths):
        h_n = h_n_of(self.rnn, packed_run(self, x, lengths)[1])
        return self.head(torch.cat([h_n[0], h_n[1]], -1))


class CellStates(Reference):
    def forward(self, x, lengths):
        hidden = packed_run(self, x, lengths)[1]
        states = hidden[1] if isinstance(self.rnn, nn.LSTM) else hidden
        return self.head(torch.cat([states[-2], states[-1]], -1))


class Probabilities(Reference):
    def forward(self, x, lengths):
        return super().forward(x, lengths).softmax(-1)


class NoHead(Reference):
    def forward(self, x, lengths):
        h_n = h_n_of(self.rnn, packed_run(self, x, lengths)[1])
        return torch.cat([h_n[-2], h_n[-1]], -1)


class SortedLengthsAssumed(Reference):
    def forward(self, x, lengths):
        _, hidden = self.rnn(pack_padded_sequence(x, lengths, batch_first=True))
        h_n = h_n_of(self.rnn, hidden)
        return self.head(torch.cat([h_n[-2], h_n[-1]], -1))


@pytest.mark.parametrize(
    "slip, explanation",
    [
        (Unpacked, "That is h_n of the padded batch fed unpacked"),
        (LastPaddedOutput, "That is the head on output[:, -1] of the padded batch fed unpacked"),
        (LastUnpackedOutput, "That is the head on output[:, -1] after unpacking"),
        (LastValidOutput, "the backward half there is where the backward direction starts"),
        (Swapped, "The two halves are swapped"),
        (FirstLayer, "h_n[0] and h_n[1] are the first layer's states"),
        (CellStates, "Those are the LSTM's cell states c_n"),
        (Probabilities, "Those are probabilities"),
        (NoHead, "pass it through self.head"),
        (SortedLengthsAssumed, "your code raised RuntimeError: `lengths` array must be sorted in decreasing order"),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_a_forward_slip_fails_with_its_explanation(slip, explanation):
    assert_fails_explaining(check_classifier_forward(slip), explanation)


def test_unpacked_h_n_passes_only_the_batch_without_padding():
    report = check_classifier_forward(Unpacked)
    assert [case.passed for case in report.cases] == [False, False, False, True]


def test_a_wrong_forward_names_the_first_wrong_logit():
    text = str(check_classifier_forward(Swapped))
    assert "[FAIL] gru, x (3, 5, 4), lengths [5, 2, 4] (not sorted): the logits (N, C=3) has the right shape" in text
    assert "at [sequence 0, class 0]" in text


def test_the_check_leaves_the_learners_random_state_alone():
    torch.manual_seed(0)
    expected = torch.rand(1)
    torch.manual_seed(0)
    check_classifier_forward(Reference)
    assert torch.equal(torch.rand(1), expected)


# --- training ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_reference_trains_past_the_bar_and_notes_its_accuracy():
    report = check_speaker_training(Reference)
    assert report.status == PASSED, str(report)
    assert "test accuracy 0.9" in str(report)


class IgnoresItsInput(Reference):
    def forward(self, x, lengths):
        return self.head(torch.zeros(len(x), self.head.in_features))


@pytest.mark.slow
def test_a_classifier_that_learns_nothing_is_reported_below_the_bar():
    report = check_speaker_training(IgnoresItsInput)
    assert report.status == FAILED
    assert "below 0.95: does check_classifier_forward pass?" in str(report)
