"""Specification of exercise 05's checks: the forward-only ceiling, the GRU tagger past the bar, the answers' forms and
what the training-loop checks can tell apart (the learners' attempts are test_attempts_05_training.py)."""

import re
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
import torch
from exercise_code import assert_fails_explaining, solution

from course_utils.checks import PASSED, Mismatch
from course_utils.checks.lesson05 import check_forward_ceiling_by_step, check_train_gru_tagger, training_loop
from course_utils.checks.lesson05.answers import indices, real_numbers
from course_utils.data import make_tagging_loaders
from course_utils.models import SequenceTagger
from course_utils.tensors import PAD_LABEL
from course_utils.training import History, train

SOLVED = solution("05_training")


# --- forward_ceiling_by_step -------------------------------------------------------------------


def test_the_reference_ceiling_passes_and_notes_the_mean():
    report = check_forward_ceiling_by_step(SOLVED["forward_ceiling_by_step"])
    assert report.status == PASSED, str(report)
    assert "[ok] L=10, k=2 (the course's data): mean 0.550" in str(report)


def same_guess_everywhere(seq_len, k=2):
    """Ignores the end of the sequence: k unseen neighbours at every step."""
    return [SOLVED["forward_ceiling_by_step"](seq_len + k, k)[0]] * seq_len


def one_fixed_count(seq_len, k=2):
    return [1 / 2 ** min(k, seq_len - 1 - t) for t in range(seq_len)]


def past_as_unseen(seq_len, k=2):
    return SOLVED["forward_ceiling_by_step"](seq_len, k)[::-1]


def the_mean(seq_len, k=2):
    values = SOLVED["forward_ceiling_by_step"](seq_len, k)
    return sum(values) / len(values)


@pytest.mark.parametrize(
    "slip, explanation",
    [
        (same_guess_everywhere, "at the last step none are, so a forward model can be sure there (1.0)"),
        (one_fixed_count, "guess the most likely count of the u unseen neighbours, not one fixed count"),
        (past_as_unseen, "The past neighbours t-k..t-1 are already read by a forward model"),
        (the_mean, "got the single number"),
    ],
    ids=lambda v: getattr(v, "__name__", "")[:30],
)
def test_a_ceiling_slip_fails_with_its_explanation(slip, explanation):
    assert_fails_explaining(check_forward_ceiling_by_step(slip), explanation)


def test_a_wrong_ceiling_names_the_step_expected_and_got():
    text = str(check_forward_ceiling_by_step(same_guess_everywhere))
    assert "[FAIL] L=10, k=2 (the course's data): at step 9 expected 1.0000, got 0.5000" in text


# --- train_gru_tagger --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference():
    """The notebook's train_gru_tagger, training each model once for all the tests here."""
    trained = {}

    def train_gru_tagger(bidirectional, seed=0):
        if bidirectional not in trained:
            trained[bidirectional] = SOLVED["train_gru_tagger"](bidirectional, seed=seed)
        return trained[bidirectional]

    return train_gru_tagger


@pytest.mark.slow
def test_the_reference_tagger_passes_with_its_scores_noted(reference):
    report = check_train_gru_tagger(reference)
    assert report.status == PASSED, str(report)
    assert "[ok] bidirectional minus forward-only accuracy >= 0.15: 0.9" in str(report)


@pytest.mark.slow
def test_ignoring_the_bidirectional_flag_is_caught_three_ways(reference):
    text = str(check_train_gru_tagger(lambda bidirectional, seed=0: reference(True)))
    assert "train_gru_tagger(False) built a GRU with bidirectional=True: pass the bidirectional argument" in text
    assert "above the 0.55 that any forward-only model can reach: this model must be reading the future" in text
    assert text.count("[FAIL]") == 3


@pytest.mark.slow
def test_too_many_epochs_are_refused(reference):
    def ten_epochs(bidirectional, seed=0):
        model, history = reference(bidirectional)
        return model, History(history.rows * 2)

    assert "it trained 10 epochs; the task allows at most 5" in str(check_train_gru_tagger(ten_epochs))


@pytest.mark.slow
def test_a_plain_rnn_is_not_a_gru(reference):
    def rnn_tagger(bidirectional, seed=0):
        return SequenceTagger(8, 10, 5, cell="rnn", bidirectional=bidirectional), reference(bidirectional)[1]

    text = str(check_train_gru_tagger(rnn_tagger))
    assert "expected a GRU tagger (cell='gru'), but the model has no nn.GRU (recurrent layers: ['RNN'])" in text


@pytest.mark.slow
def test_an_undertrained_tagger_misses_the_bar_with_its_score(reference):
    def one_epoch(bidirectional, seed=0):
        model = SequenceTagger(8, 10, 5, cell="gru", bidirectional=bidirectional)
        return model, train(model, *make_tagging_loaders(seed=seed), epochs=1, lr=0.003, seed=seed, progress=False)

    text = str(check_train_gru_tagger(one_epoch))
    assert "below 0.90: train for 5 epochs with train()'s default lr=0.03" in text


@pytest.mark.slow
def test_returning_only_the_model_is_explained(reference):
    text = str(check_train_gru_tagger(lambda bidirectional, seed=0: reference(bidirectional)[0]))
    assert "expected a pair (model, history), got a SequenceTagger" in text


# --- answers in any reasonable form ------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        [0.5, 0.25, 1],
        (0.5, 0.25, 1.0),
        np.array([0.5, 0.25, 1.0]),
        np.array([0.5, 0.25, 1.0], dtype=np.float32),
        torch.tensor([0.5, 0.25, 1.0]),
        [Fraction(1, 2), Fraction(1, 4), Fraction(1)],
        [Decimal("0.5"), Decimal("0.25"), Decimal(1)],
        [np.float64(0.5), np.int64(0) + 0.25, np.int64(1)],
        [torch.tensor(0.5), torch.tensor(0.25), torch.tensor(1)],
        (value for value in (0.5, 0.25, 1.0)),
    ],
    ids=[
        "list",
        "tuple",
        "ndarray",
        "float32 ndarray",
        "tensor",
        "Fractions",
        "Decimals",
        "NumPy scalars",
        "0-d tensors",
        "generator",
    ],
)
def test_real_numbers_reads_any_sequence_of_real_numbers(answer):
    assert real_numbers(answer, 3) == [0.5, 0.25, 1.0]


@pytest.mark.parametrize(
    "answer, words",
    [
        (0.55, "got the single number 0.5500"),
        (torch.tensor(0.55), "got the single number 0.5500"),
        ("0.5, 0.25, 1.0", "got the text '0.5, 0.25, 1.0': return numbers, not a string"),
        (["0.5", "0.25", "1.0"], "step 0 holds the text '0.5': return numbers, not strings"),
        ([[0.5], [0.25], [1.0]], "step 0 holds list [0.5], a nested sequence"),
        (torch.ones(1, 3), "with 2 axes: return a 1-D sequence (.flatten() it, or return its only row)"),
        ([True, False, True], "step 0 holds True, a truth value"),
        ({0: 0.5, 1: 0.25, 2: 1.0}, "got a dict: return the values themselves, in order, as a list"),
        ({0.5, 0.25, 1.0}, "got a set, which keeps no order"),
        ([0.5, 0.25], "expected 3 values, one per step, got 2"),
        ([0.5, float("inf"), 1.0], "holds inf at step 1"),
        (None, "expected a sequence of 3 numbers, one per step, got NoneType None"),
    ],
)
def test_real_numbers_refuses_what_is_not_a_flat_sequence_of_real_numbers_saying_what_it_got(answer, words):
    with pytest.raises(Mismatch, match=re.escape(words)):
        real_numbers(answer, 3)


@pytest.mark.parametrize(
    "answer",
    [
        [2, 0],
        (2, 0),
        range(2, -1, -2),
        torch.tensor([2, 0]),
        np.array([2, 0]),
        [np.int64(2), torch.tensor(0)],
        torch.tensor([True, False, True]),
        [True, False, True],
    ],
    ids=["list", "tuple", "range", "tensor", "ndarray", "NumPy and torch scalars", "mask tensor", "mask list"],
)
def test_indices_reads_lists_tensors_arrays_and_masks(answer):
    assert sorted(indices(answer, 3, "validation part")) == [0, 2]


@pytest.mark.parametrize(
    "answer, words",
    [
        (torch.tensor([2.0, 0.0]), "holds torch.float32 values: indices are whole numbers"),
        ([2.0, 0], "item 0 of the validation part is float 2.0: indices are whole numbers"),
        ({2, 0}, "a set, which keeps no order"),
        (iter([2, 0]), "which can be read only once"),
        (torch.tensor([True, False]), "a True/False mask of 2 entries; a mask needs one per index, n=3"),
        (torch.zeros(2, 2, dtype=torch.int64), "return a 1-D one"),
    ],
)
def test_indices_refuses_what_cannot_index_a_tensor(answer, words):
    with pytest.raises(Mismatch, match=re.escape(words)):
        indices(answer, 3, "validation part")


# --- the training step and loop: what the checks' own data can tell apart ----------------------


def test_every_loss_slip_gives_another_loss_and_gradient_than_the_task_on_the_checks_batch():
    batch = training_loop._batch(training_loop.STEP_LENGTHS, seed=1)
    model = training_loop._tagger(0)
    loss, gradients = training_loop._loss_and_gradients(model, batch)
    for explanation, slip in training_loop.LOSS_SLIPS.items():
        slip_loss, _ = training_loop._loss_and_gradients(model, batch, slip)
        assert not training_loop._close(slip_loss, loss), explanation
    assert training_loop._scale(gradients, gradients) == pytest.approx(1.0)


def test_the_checks_batches_hold_pads_a_full_sequence_and_a_one_step_one():
    x, y, lengths = training_loop._batch(training_loop.STEP_LENGTHS, seed=1)
    assert (y == PAD_LABEL).sum() == y.numel() - sum(training_loop.STEP_LENGTHS) > 0
    assert max(lengths) == x.shape[1] and min(lengths) == 1
    assert bool((x[y == PAD_LABEL] == 0).all()), "pads are zeros, as the course's data has them"
    x2, y2, _ = training_loop._other_pads((x, y, lengths))
    real = y != PAD_LABEL
    assert torch.equal(x2[:, : x.shape[1]][real], x[real]) and bool((x2[y2 == PAD_LABEL] != 0).all())


def test_the_validation_slips_give_other_numbers_than_every_accepted_way_of_averaging():
    scores = training_loop._scores(training_loop._tagger(2), training_loop._validation_loader())
    losses, accuracies = training_loop._accepted(scores)
    for values in training_loop._loss_slips(scores).values():
        assert not any(training_loop._matches(value, losses) for value in values)
    for values in training_loop._accuracy_slips(scores).values():
        assert not any(training_loop._matches(value, accuracies, training_loop.ACCURACY_ATOL) for value in values)
    assert 0 < accuracies[0] < 1, "an accuracy of 0 or 1 would hide the pads' share"


def test_the_recording_optimizer_notes_the_gradients_it_steps_with():
    model = training_loop._tagger(0)
    optimizer = training_loop._RecordingSGD(model.parameters())
    optimizer.step()
    model.head.bias.sum().backward()
    optimizer.step()
    first, second = optimizer.gradients
    assert all(g is None for g in first)
    assert torch.equal(second[-1], torch.ones(5))


def test_the_checks_tagger_notes_its_mode_graph_and_lengths():
    model = training_loop._tagger(0).eval()
    x, _, lengths = training_loop._batch((3, 2), seed=0)
    with torch.no_grad():
        model(x, lengths)
    model.train()(x)
    assert model.calls == [(False, False, True), (True, True, False)]
