"""Specification of exercise 05's checks: the forward-only ceiling and the GRU tagger past the bar."""

import pytest
from exercise_code import assert_fails_explaining, solution

from course_utils.checks import PASSED
from course_utils.checks.lesson05 import check_forward_ceiling_by_step, check_train_gru_tagger
from course_utils.data import make_tagging_loaders
from course_utils.models import SequenceTagger
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
