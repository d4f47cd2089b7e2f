"""Specification of exercise 03's checks: the batch_first detector and the fixed tagger."""

import pytest
import torch
from exercise_code import solution
from torch import nn

from course_utils.checks import FAILED, PASSED
from course_utils.checks.lesson03 import check_fixed_tagger, check_mixes_sequences

SOLVED = solution("03_batch_first")


# --- mixes_sequences ---------------------------------------------------------------------------


def compares_sequence_0_too(model, x):
    changed = x.clone()
    changed[0] += 1.0
    with torch.no_grad():
        return not torch.allclose(model(x), model(changed))


def checks_shapes(model, x):
    with torch.no_grad():
        return model(x).shape[:2] != x.shape[:2]


def test_comparing_sequence_0_itself_is_explained():
    report = check_mixes_sequences(compares_sequence_0_too)
    assert report.status == FAILED
    assert "expected False, got True: this model keeps sequences apart. Sequence 0's own logits always change" in str(
        report
    )


def test_a_shape_check_is_told_it_cannot_see_the_bug():
    report = check_mixes_sequences(checks_shapes)
    assert report.status == FAILED
    assert "The logits have the right shape (5, 5, 5), so a shape check cannot see this bug" in str(report)


def test_a_detector_returning_a_non_bool_is_told_so():
    assert "expected True or False, got 'yes'" in str(check_mixes_sequences(lambda model, x: "yes"))


# --- FixedTagger -------------------------------------------------------------------------------


def tagger_with(**rnn_options):
    """The fixed tagger's forward on an RNN built with `rnn_options` (8 features, 10 units, 5 classes)."""

    class Variant(SOLVED["FixedTagger"]):
        def __init__(self):
            nn.Module.__init__(self)
            self.rnn = nn.RNN(8, 10, **rnn_options)
            self.head = nn.Linear((2 if self.rnn.bidirectional else 1) * 10, 5)

    return Variant


@pytest.fixture(scope="module")
def unfixed_report():
    return str(check_fixed_tagger(SOLVED["ScriptTagger"]))


@pytest.fixture(scope="module")
def forward_only_report():
    return str(check_fixed_tagger(tagger_with(batch_first=True)))


@pytest.mark.slow
def test_the_reference_fix_passes():
    report = check_fixed_tagger(SOLVED["FixedTagger"])
    assert report.status == PASSED, str(report)
    assert "val acc 0.9" in str(report)


@pytest.mark.slow
def test_the_unfixed_script_passes_the_shape_case_only(unfixed_report):
    assert unfixed_report.startswith("FixedTagger: 1 of 4 cases passed")
    assert "[ok] logits for x (3, 7, 8) have shape (3, 7, 5)" in unfixed_report


@pytest.mark.slow
def test_the_unfixed_script_is_told_that_it_mixes_sequences(unfixed_report):
    assert "changing sequence 0 changed the logits of sequence 1" in unfixed_report
    assert "nn.RNN expects (L, N, H_in) unless it is built with batch_first=True" in unfixed_report


@pytest.mark.slow
def test_the_unfixed_script_is_told_that_it_does_not_read_along_time(unfixed_report):
    assert "the RNN does not read along the time axis (axis 1) of x" in unfixed_report


@pytest.mark.slow
def test_the_unfixed_script_misses_the_accuracy_bar_with_its_score(unfixed_report):
    assert "validation accuracy after 5 epochs is 0.3" in unfixed_report


@pytest.mark.slow
def test_dropping_bidirectional_is_told_it_misses_the_future(forward_only_report):
    assert "changing step 4 left step 3's logits unchanged: the model does not read the future" in forward_only_report
    assert "[ok] changing sequence 0 leaves sequences 1-4 alone" in forward_only_report


def test_a_tagger_that_cannot_be_built_is_reported_not_raised():
    report = check_fixed_tagger(lambda: None)
    assert report.status == FAILED and "Traceback" not in str(report)
