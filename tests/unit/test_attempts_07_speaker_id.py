"""Learners' attempts at exercise 07, each run through its real check: the verdict it must get, the words it must say.

Right attempts are written otherwise than the worked solution; wrong ones are the slips learners make,
those issue 29 names among them: an LSTM's `(h_n, c_n)` used as one tensor, a check given an instance
where it takes the class, and a `forward` that never packs, which the training check once passed (it
must now fail there, pointing to Task 2). Every failure also names the idea and where the lesson shows
it ("Idea: ... lesson 07").
"""

import pytest
import torch
import torch.nn.functional as F
from attempt_suite import assert_first_failure_gives_the_idea_not_the_code, assert_quotes_sections_of
from attempts import assert_answer, not_attempted, params, right, stub_hints, wrong
from exercise_code import exercise, solution
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from course_utils.checks import FAILED, NOT_ATTEMPTED, PASSED
from course_utils.checks.lesson07 import check_classifier_forward, check_mean_pool, check_speaker_training

SOLVED, STUBS = solution("07_speaker_id"), exercise("07_speaker_id")
Reference = SOLVED["SpeakerClassifier"]


# --- Task 1 · mean_pool ------------------------------------------------------------------------


def valid_steps(x, lengths):
    return torch.arange(x.shape[1]) < lengths[:, None]  # (N, L)


def mean_of_each_slice(x, lengths):
    return torch.stack([x[n, :length].mean(dim=0) for n, length in enumerate(lengths.tolist())])


def where_then_sum(x, lengths):
    return torch.where(valid_steps(x, lengths)[..., None], x, 0.0).sum(1) / lengths[:, None]


def running_sum_at_the_last_step(x, lengths):
    return x.cumsum(1)[torch.arange(len(lengths)), lengths - 1] / lengths.unsqueeze(1)


def float_mask_and_lengths(x, lengths):
    mask = valid_steps(x, lengths).float().unsqueeze(-1)
    return (x * mask).sum(dim=1) / lengths.float().view(-1, 1)


def nan_mean(x, lengths):
    return x.masked_fill(~valid_steps(x, lengths)[..., None], float("nan")).nanmean(dim=1)


def mean_over_every_step(x, lengths):
    return x.mean(1)


def sum_with_pads_by_length(x, lengths):
    return x.sum(1) / lengths.unsqueeze(1)


def masked_sum_by_steps(x, lengths):
    return (x * valid_steps(x, lengths)[..., None]).sum(1) / x.shape[1]


def masked_sum_alone(x, lengths):
    return (x * valid_steps(x, lengths)[..., None]).sum(1)


def mask_one_step_too_long(x, lengths):
    mask = torch.arange(x.shape[1]) <= lengths[:, None]
    return (x * mask[..., None]).sum(1) / lengths[:, None]


def mean_of_the_features(x, lengths):
    return x.mean(2)


def keeps_the_step_axis(x, lengths):
    return (x * valid_steps(x, lengths)[..., None]).sum(1, keepdim=True) / lengths[:, None, None]


def divides_by_lengths_without_an_axis(x, lengths):
    return (x * valid_steps(x, lengths)[..., None]).sum(1) / lengths


def compares_steps_with_lengths_without_an_axis(x, lengths):
    mask = torch.arange(x.shape[1]) < lengths
    return (x * mask[..., None]).sum(1) / lengths[:, None]


def slices_every_sequence_by_all_lengths(x, lengths):
    return x[:, :lengths].mean(1)


def zeroes_the_pads_then_means(x, lengths):
    x[~valid_steps(x, lengths)] = 0
    return x.mean(1)


def forgets_to_return(x, lengths):
    (x * valid_steps(x, lengths)[..., None]).sum(1) / lengths[:, None]


MEAN_POOL = [
    right("a mean of each sequence's slice, in a loop", mean_of_each_slice),
    right("torch.where, then the sum over the lengths", where_then_sum),
    right("a running sum read at each last step", running_sum_at_the_last_step),
    right("a float mask and float lengths", float_mask_and_lengths),
    right("NaN at the pads, then nanmean", nan_mean),
    wrong("x.mean(1)", mean_over_every_step, "That is x.mean(dim=1)", "pads included"),
    wrong("pads summed, divided by the length", sum_with_pads_by_length, "the sum includes the padded"),
    wrong("masked sum divided by L", masked_sum_by_steps, "you divided by L"),
    wrong("masked sum, not divided", masked_sum_alone, "That is the sum of the valid steps"),
    wrong("mask t <= lengths", mask_one_step_too_long, "one step too many", "t < lengths[n]"),
    wrong("the features averaged", mean_of_the_features, "averaged the features (dim=2)"),
    wrong("keepdim=True", keeps_the_step_axis, "A step axis of size 1 is left", "(N, H_in)"),
    wrong(
        "sum (N, H_in) / lengths (N,)",
        divides_by_lengths_without_an_axis,
        "The size of tensor a",
        "lengths[:, None] (N, 1)",
    ),
    wrong(
        "torch.arange(L) < lengths",
        compares_steps_with_lengths_without_an_axis,
        "lines up with the last axis",
        "lengths[:, None]",
    ),
    wrong("x[:, :lengths]", slices_every_sequence_by_all_lengths, "a slice takes one number", "x[n, :lengths[n]]"),
    wrong("pads zeroed in place, then x.mean(1)", zeroes_the_pads_then_means, "you divided by L"),
    wrong("no return", forgets_to_return, "got NoneType", "does it end with a `return`?"),
    wrong(
        "called with its result, not the function",
        torch.zeros(3, 4),
        "check_mean_pool(...) needs your function itself",
        "cannot be called",
    ),
    not_attempted("the exercise's stub", STUBS["mean_pool"]),
]


@pytest.mark.parametrize("attempt", params(MEAN_POOL))
def test_a_mean_pool_attempt_gets_its_verdict_and_words(attempt):
    assert_answer(check_mean_pool, attempt)


# --- Task 2 · SpeakerClassifier.forward --------------------------------------------------------


def packed(model, x, lengths):
    return pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)


class UnpacksTheLstmPair(Reference):
    def forward(self, x, lengths):
        if isinstance(self.rnn, nn.LSTM):
            _, (h_n, _) = self.rnn(packed(self, x, lengths))
        else:
            _, h_n = self.rnn(packed(self, x, lengths))
        return self.head(torch.cat((h_n[-2], h_n[-1]), dim=1))


class ReadsTheOutputAtBothEnds(Reference):
    """The forward half at each sequence's last real step, the backward half at step 0: what h_n holds."""

    def forward(self, x, lengths):
        output, _ = self.rnn(packed(self, x, lengths))
        output = pad_packed_sequence(output, batch_first=True)[0]  # (N, max(lengths), 2 * H)
        half = output.shape[-1] // 2
        last = output[torch.arange(len(lengths)), lengths - 1, :half]
        return self.head(torch.cat([last, output[:, 0, half:]], -1))


class ViewsLayersAndDirections(Reference):
    def forward(self, x, lengths):
        hidden = self.rnn(packed(self, x, lengths))[1]
        h_n = hidden[0] if isinstance(hidden, tuple) else hidden
        by_layer = h_n.view(self.rnn.num_layers, 2, len(lengths), self.rnn.hidden_size)
        return self.head(torch.cat([by_layer[-1, 0], by_layer[-1, 1]], -1))


class SortsAndUnsorts(Reference):
    def forward(self, x, lengths):
        order = lengths.argsort(descending=True)
        hidden = self.rnn(pack_padded_sequence(x[order], lengths[order], batch_first=True))[1]
        h_n = hidden[0] if isinstance(self.rnn, nn.LSTM) else hidden
        return self.head(torch.cat([h_n[-2], h_n[-1]], -1))[order.argsort()]


def h_n_of(rnn, hidden):
    return hidden[0] if isinstance(rnn, nn.LSTM) else hidden


class NeverPacks(Reference):
    def forward(self, x, lengths):
        h_n = h_n_of(self.rnn, self.rnn(x)[1])
        return self.head(torch.cat([h_n[-2], h_n[-1]], -1))


class LastPaddedOutput(Reference):
    def forward(self, x, lengths):
        return self.head(self.rnn(x)[0][:, -1])


class LastUnpackedOutput(Reference):
    def forward(self, x, lengths):
        output = self.rnn(packed(self, x, lengths))[0]
        return self.head(pad_packed_sequence(output, batch_first=True, total_length=x.shape[1])[0][:, -1])


class LastValidOutput(Reference):
    def forward(self, x, lengths):
        output = pad_packed_sequence(self.rnn(packed(self, x, lengths))[0], batch_first=True)[0]
        return self.head(output[torch.arange(len(lengths)), lengths - 1])


class SwapsTheHalves(Reference):
    def forward(self, x, lengths):
        h_n = h_n_of(self.rnn, self.rnn(packed(self, x, lengths))[1])
        return self.head(torch.cat([h_n[-1], h_n[-2]], -1))


class ReadsTheFirstLayer(Reference):
    def forward(self, x, lengths):
        h_n = h_n_of(self.rnn, self.rnn(packed(self, x, lengths))[1])
        return self.head(torch.cat([h_n[0], h_n[1]], -1))


class ReadsTheCellStates(Reference):
    def forward(self, x, lengths):
        hidden = self.rnn(packed(self, x, lengths))[1]
        states = hidden[1] if isinstance(self.rnn, nn.LSTM) else hidden
        return self.head(torch.cat([states[-2], states[-1]], -1))


class IndexesTheLstmPairAsOneTensor(Reference):
    def forward(self, x, lengths):
        _, h_n = self.rnn(packed(self, x, lengths))  # for an LSTM: the pair (h_n, c_n)
        return self.head(torch.cat([h_n[-2], h_n[-1]], -1))


class CallsATensorMethodOnTheLstmPair(Reference):
    def forward(self, x, lengths):
        _, h_n = self.rnn(packed(self, x, lengths))
        last_layer = h_n.view(self.rnn.num_layers, 2, len(lengths), -1)[-1]
        return self.head(torch.cat([last_layer[0], last_layer[1]], -1))


class TakesItemZeroOfEveryCell(Reference):
    def forward(self, x, lengths):
        h_n = self.rnn(packed(self, x, lengths))[1][0]
        return self.head(torch.cat([h_n[-2], h_n[-1]], -1))


class UnpacksHiddenForEveryCell(Reference):
    def forward(self, x, lengths):
        h_n, c_n = self.rnn(packed(self, x, lengths))[1]
        return self.head(torch.cat([h_n[-2], h_n[-1]], -1))


class PacksTimeFirst(Reference):
    def forward(self, x, lengths):
        h_n = h_n_of(self.rnn, self.rnn(pack_padded_sequence(x, lengths, enforce_sorted=False))[1])
        return self.head(torch.cat([h_n[-2], h_n[-1]], -1))


class AssumesSortedLengths(Reference):
    def forward(self, x, lengths):
        h_n = h_n_of(self.rnn, self.rnn(pack_padded_sequence(x, lengths, batch_first=True))[1])
        return self.head(torch.cat([h_n[-2], h_n[-1]], -1))


class SortsWithoutUnsorting(Reference):
    def forward(self, x, lengths):
        order = lengths.argsort(descending=True)
        hidden = self.rnn(pack_padded_sequence(x[order], lengths[order], batch_first=True))[1]
        h_n = h_n_of(self.rnn, hidden)
        return self.head(torch.cat([h_n[-2], h_n[-1]], -1))


class UnsortsWithTheOrderItself(SortsWithoutUnsorting):
    def forward(self, x, lengths):
        return super().forward(x, lengths)[lengths.argsort(descending=True)]


class IndexesThePackedOutput(Reference):
    def forward(self, x, lengths):
        output, _ = self.rnn(packed(self, x, lengths))
        return self.head(output[:, -1])


class ConcatenatesAlongTheBatch(Reference):
    def forward(self, x, lengths):
        h_n = h_n_of(self.rnn, self.rnn(packed(self, x, lengths))[1])
        return self.head(torch.cat([h_n[-2], h_n[-1]], 0))


class HeadOnTheBackwardStateAlone(Reference):
    def forward(self, x, lengths):
        return self.head(h_n_of(self.rnn, self.rnn(packed(self, x, lengths))[1])[-1])


class ReturnsProbabilities(Reference):
    def forward(self, x, lengths):
        return super().forward(x, lengths).softmax(-1)


class ForgetsTheHead(Reference):
    def forward(self, x, lengths):
        h_n = h_n_of(self.rnn, self.rnn(packed(self, x, lengths))[1])
        return torch.cat([h_n[-2], h_n[-1]], -1)


class DropsTheLayersArgument(Reference):
    def __init__(self, input_size, hidden_size, num_classes, cell="gru"):
        super().__init__(input_size, hidden_size, num_classes, cell)


class ReturnsLogitsAndStates(Reference):
    def forward(self, x, lengths):
        return super().forward(x, lengths), None


FORWARD = [
    right("the LSTM pair unpacked in the assignment", UnpacksTheLstmPair),
    right("the output read at each sequence's two ends", ReadsTheOutputAtBothEnds),
    right("h_n viewed as (layers, directions, N, H)", ViewsLayersAndDirections),
    right("sorted by length, packed, unsorted with argsort", SortsAndUnsorts),
    wrong("never packs", NeverPacks, "h_n of the padded batch fed unpacked"),
    wrong("output[:, -1] of the padded batch", LastPaddedOutput, "output[:, -1] of the padded batch"),
    wrong("output[:, -1] after unpacking", LastUnpackedOutput, "output[:, -1] after unpacking"),
    wrong("the output at the last valid step", LastValidOutput, "The backward summary is h_n[-1]"),
    wrong("the halves swapped", SwapsTheHalves, "The two halves are swapped"),
    wrong("the first layer's states", ReadsTheFirstLayer, "h_n[0] and h_n[1] are the first layer's"),
    wrong("the LSTM's c_n", ReadsTheCellStates, "the LSTM's cell states c_n"),
    wrong(
        "(h_n, c_n) indexed as one tensor",
        IndexesTheLstmPairAsOneTensor,
        "its second item is a pair",
        "_, (h_n, c_n) = self.rnn(packed)",
        "(D*num_layers, N, C)",
    ),
    wrong(
        "(h_n, c_n).view(...)",
        CallsATensorMethodOnTheLstmPair,
        "'tuple' object has no attribute 'view'",
        "its second item is a pair",
    ),
    wrong(
        "hidden[0] for a GRU too",
        TakesItemZeroOfEveryCell,
        "Only an nn.LSTM returns a pair",
        "isinstance(self.rnn, nn.LSTM)",
    ),
    wrong("h_n, c_n = hidden for a GRU too", UnpacksHiddenForEveryCell, "Only an nn.LSTM returns a pair"),
    wrong("packed without batch_first", PacksTimeFirst, "read x as time-first", "Pass batch_first=True"),
    wrong("packed with enforce_sorted", AssumesSortedLengths, "enforce_sorted=False"),
    wrong("sorted, never unsorted", SortsWithoutUnsorting, "sorted by length", "order.argsort()"),
    wrong("unsorted with the sort's own order", UnsortsWithTheOrderItself, "the sort's order itself"),
    wrong("output[:, -1] of a PackedSequence", IndexesThePackedOutput, "read the summary from h_n"),
    wrong("the halves stacked along the batch", ConcatenatesAlongTheBatch, "torch.cat([h_n[-2], h_n[-1]]"),
    wrong("the head on h_n[-1] alone", HeadOnTheBackwardStateAlone, "self.head takes (N, 2*hidden_size)"),
    wrong("probabilities", ReturnsProbabilities, "Those are probabilities"),
    wrong("no head", ForgetsTheHead, "pass it through self.head"),
    wrong("a tuple", ReturnsLogitsAndStates, "not a tuple"),
    wrong("__init__ without num_layers", DropsTheLayersArgument, "unexpected keyword argument 'num_layers'"),
    wrong(
        "an instance for the class",
        Reference(4, 3, 3),
        "needs your class itself",
        "check_classifier_forward(SpeakerClassifier)",
    ),
    not_attempted("the exercise's stub", STUBS["SpeakerClassifier"]),
]


@pytest.mark.parametrize("attempt", params(FORWARD))
def test_a_forward_attempt_gets_its_verdict_and_words(attempt):
    assert_answer(check_classifier_forward, attempt)


# --- Task 3 · training on Japanese Vowels ------------------------------------------------------


class RunsUnderNoGrad(Reference):
    def forward(self, x, lengths):
        with torch.no_grad():
            return super().forward(x, lengths)


class FreezesItsLayers(Reference):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.requires_grad_(False)


class DropsNearlyEverythingInTraining(Reference):
    def forward(self, x, lengths):
        h_n = h_n_of(self.rnn, self.rnn(packed(self, x, lengths))[1])
        return self.head(F.dropout(torch.cat([h_n[-2], h_n[-1]], -1), p=0.99, training=self.training))


NOT_TRAINED = "not trained: your forward fails Task 2's check"
TRAINING = [
    right("the worked solution", Reference, slow=True),
    right("h_n viewed by layer", ViewsLayersAndDirections, slow=True),
    wrong("never packs", NeverPacks, NOT_TRAINED, "h_n of the padded batch", "check_classifier_forward"),
    wrong("output[:, -1]", LastPaddedOutput, NOT_TRAINED, "output[:, -1] of the padded batch"),
    wrong("(h_n, c_n) as one tensor", IndexesTheLstmPairAsOneTensor, NOT_TRAINED, "a pair"),
    wrong("no_grad in forward", RunsUnderNoGrad, "training could not start", "outside forward"),
    wrong("frozen layers", FreezesItsLayers, "training could not start", "requires_grad_(False)"),
    wrong("dropout 0.99 in training", DropsNearlyEverythingInTraining, "below 0.85", "self.training", slow=True),
    wrong("an instance for the class", Reference(12, 32, 9), "needs your class itself"),
    not_attempted("the exercise's stub", STUBS["SpeakerClassifier"]),
]


@pytest.mark.parametrize("attempt", params(TRAINING))
def test_a_training_attempt_gets_its_verdict_and_words(attempt):
    assert_answer(check_speaker_training, attempt)


TASKS = {
    "mean_pool": (check_mean_pool, MEAN_POOL, mean_over_every_step),
    "SpeakerClassifier.forward": (check_classifier_forward, FORWARD, NeverPacks),
    "training on Japanese Vowels": (check_speaker_training, TRAINING, NeverPacks),
}


@pytest.mark.parametrize("task", TASKS)
def test_every_task_has_right_and_wrong_attempts_and_the_stub(task):
    verdicts = {attempt.verdict for attempt in TASKS[task][1]}
    assert verdicts == {PASSED, FAILED, NOT_ATTEMPTED}


@pytest.mark.parametrize("task", TASKS)
def test_a_first_failure_names_the_idea_and_a_lesson_section_and_withholds_the_code(task):
    check, _, slip = TASKS[task]
    report = assert_first_failure_gives_the_idea_not_the_code(lambda: check(slip), task)
    assert_quotes_sections_of(report.concept, "07_speaker_id", "04_packing")


def test_the_stubs_do_not_hand_over_the_answer():
    hints = stub_hints("07_speaker_id")
    assert len(hints) == 2
    for code in ("torch.arange", "lengths[:, None]", "pack_padded_sequence", "h_n[-2]", "enforce_sorted", "/"):
        assert not any(code in hint for hint in hints), (code, hints)
