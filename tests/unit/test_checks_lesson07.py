"""Specification of exercise 07's checks: the masked mean, the packed classifier's forward, training it.

What each check says to a learner's attempt, right or wrong, is `test_attempts_07_speaker_id.py`;
here is what the checks do besides: which cases catch which slip, the training check's data.
"""

import pytest
import torch
from exercise_code import solution
from test_attempts_07_speaker_id import NeverPacks, SwapsTheHalves, sum_with_pads_by_length

from course_utils.checks import PASSED
from course_utils.checks.lesson07 import (
    FORWARD_CASES,
    check_classifier_forward,
    check_mean_pool,
    check_speaker_training,
)
from course_utils.lessons.speaker_id import recordings

Reference = solution("07_speaker_id")["SpeakerClassifier"]


def test_zero_padding_hides_the_unmasked_sum_but_the_minus_one_case_catches_it():
    report = check_mean_pool(sum_with_pads_by_length)
    assert [case.passed for case in report.cases] == [True, True, False, True]


def test_unpacked_h_n_passes_only_the_batch_without_padding():
    report = check_classifier_forward(NeverPacks)
    no_padding = [all(n == steps for n in lengths) for *_, steps, lengths in FORWARD_CASES.values()]
    assert [case.passed for case in report.cases] == no_padding == [False, False, False, True, False]


def test_a_wrong_forward_names_the_first_wrong_logit():
    text = str(check_classifier_forward(SwapsTheHalves))
    assert "[FAIL] gru, x (3, 5, 4), lengths [5, 2, 4] (not sorted): the logits (N, C=3) has the right shape" in text
    assert "at [sequence 0, class 0]" in text


def test_the_forward_check_leaves_the_learners_random_state_alone():
    torch.manual_seed(0)
    expected = torch.rand(1)
    torch.manual_seed(0)
    check_classifier_forward(Reference)
    assert torch.equal(torch.rand(1), expected)


def test_the_training_check_trains_nothing_when_the_forward_fails_task_2(monkeypatch):
    monkeypatch.setattr(recordings, "_load_split", lambda split: pytest.fail(f"read the {split} split"))
    report = check_speaker_training(NeverPacks)
    assert "not trained: your forward fails Task 2's check" in str(report)


@pytest.mark.slow
def test_the_training_check_scores_on_the_validation_split_and_never_reads_the_test_split(monkeypatch):
    read = []
    load_split = recordings._load_split
    monkeypatch.setattr(recordings, "_load_split", lambda split: read.append(split) or load_split(split))
    report = check_speaker_training(Reference)
    assert report.status == PASSED, str(report)
    assert "validation accuracy 0.9" in str(report) and "of 54)" in str(report)
    assert set(read) == {"train"}
