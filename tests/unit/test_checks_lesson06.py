"""Specification of exercise 06's checks: the delayed answer, the merge of two taggers, the delay to choose."""

import math

import numpy as np
import pytest
import torch
from exercise_code import assert_fails_explaining, exercise, solution

from course_utils.checks import FAILED, NOT_ATTEMPTED, PASSED
from course_utils.checks.lesson06 import (
    check_covering_delay,
    check_delayed_logits,
    check_merge_probabilities,
    check_waiting_training,
)
from course_utils.checks.lesson06.waiting import GRID, covering
from course_utils.lessons.why_not_wait import information_limit

SOLVED = solution("06_why_not_wait")
UNFINISHED = exercise("06_why_not_wait")
reference_delayed_logits = SOLVED["delayed_logits"]
reference_covering_delay = SOLVED["covering_delay"]


@pytest.mark.parametrize(
    "delayed_logits, covering_delay",
    [
        (UNFINISHED["delayed_logits"], reference_covering_delay),
        (reference_delayed_logits, UNFINISHED["covering_delay"]),
    ],
    ids=["delayed_logits unfinished", "covering_delay unfinished"],
)
@pytest.mark.slow
def test_the_training_check_is_not_attempted_while_either_function_is_a_stub(delayed_logits, covering_delay):
    assert check_waiting_training(delayed_logits, covering_delay).status == NOT_ATTEMPTED


# --- delayed_logits ----------------------------------------------------------------------------


def run_with_zeros(tagger, x, zeros, in_front=False):
    pad = x.new_zeros(x.shape[0], zeros, x.shape[2])
    return tagger(torch.cat([pad, x] if in_front else [x, pad], dim=1))


def no_waiting(tagger, x, delay):
    return run_with_zeros(tagger, x, delay)[:, : x.shape[1]]


def negative_slice(tagger, x, delay):
    return run_with_zeros(tagger, x, delay)[:, :-delay]


def no_zero_steps(tagger, x, delay):
    return tagger(x)[:, delay:]


def every_output(tagger, x, delay):
    return run_with_zeros(tagger, x, delay)


def zeros_in_front(tagger, x, delay):
    return run_with_zeros(tagger, x, delay, in_front=True)[:, delay:]


def zeros_in_front_first_outputs(tagger, x, delay):
    return run_with_zeros(tagger, x, delay, in_front=True)[:, : x.shape[1]]


def one_step_late(tagger, x, delay):
    return run_with_zeros(tagger, x, delay + 1)[:, delay + 1 :]


def one_step_early(tagger, x, delay):
    start = max(delay - 1, 0)
    return run_with_zeros(tagger, x, delay)[:, start : start + x.shape[1]]


def zeros_sliced_from_x(tagger, x, delay):
    zeros = torch.zeros_like(x[:, -delay:])
    return tagger(torch.cat([x, zeros], dim=1))[:, delay:]


def one_feature_assumed(tagger, x, delay):
    return tagger(torch.cat([x, torch.zeros(x.shape[0], delay, 1)], dim=1))[:, delay:]


@pytest.mark.parametrize(
    "slip, explanation",
    [
        (no_waiting, "That is the tagger's output for step t at step t itself: no waiting"),
        (negative_slice, "with delay 0, outputs[:, :-delay] is outputs[:, :0] (-0 is 0)"),
        (no_zero_steps, "Without zero steps appended the run has only L steps"),
        (every_output, "That is all L + delay outputs of the padded run"),
        (zeros_in_front, "The zero steps went in front of the sequence"),
        (zeros_in_front_first_outputs, "it waits the wrong way round"),
        (one_step_late, "One step late"),
        (one_step_early, "One step early"),
        (one_feature_assumed, "your code raised RuntimeError"),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_a_delay_slip_fails_with_its_explanation(slip, explanation):
    assert_fails_explaining(check_delayed_logits(slip), explanation)


def test_zeros_sliced_from_x_fail_at_delay_0_and_at_a_delay_longer_than_the_sequence():
    report = check_delayed_logits(zeros_sliced_from_x)
    assert [case.passed for case in report.cases] == [True, False, True, False, True]
    assert "with delay 0, x[:, -delay:] is all of x" in str(report)


def test_a_wrong_delay_names_the_first_wrong_logit():
    text = str(check_delayed_logits(one_step_late))
    assert "[FAIL] rnn, x (3, 8, 1), delay 2: the logits (N, L, C=3) has the right shape (3, 8, 3)" in text
    assert "at [sequence 0, step 0, class 0]" in text


def test_the_check_leaves_the_learners_random_state_alone():
    torch.manual_seed(0)
    expected = torch.rand(1)
    torch.manual_seed(0)
    check_delayed_logits(reference_delayed_logits)
    assert torch.equal(torch.rand(1), expected)


# --- merge_probabilities -----------------------------------------------------------------------


def log_average(a, b, dim=-1):
    return torch.logaddexp(a.log_softmax(dim), b.log_softmax(dim)) - math.log(2)


@pytest.mark.parametrize(
    "slip, explanation",
    [
        (lambda a, b: (a + b) / 2, "That averaged the logits"),
        (lambda a, b: ((a + b) / 2).log_softmax(-1), "That is log_softmax of the averaged logits"),
        (lambda a, b: (a.log_softmax(-1) + b.log_softmax(-1)) / 2, "That averaged the log-probabilities"),
        (lambda a, b: (a.softmax(-1) + b.softmax(-1)) / 2, "Those are the averaged probabilities p themselves"),
        (lambda a, b: torch.logaddexp(a.log_softmax(-1), b.log_softmax(-1)), "the sum was not halved"),
        (lambda a, b: a.softmax(-1) + b.softmax(-1), "That is the sum of the two probabilities"),
        (lambda a, b: log_average(a, b, dim=1), "The softmax ran over the time steps (dim 1)"),
        (lambda a, b: log_average(a, b, dim=0), "The softmax ran over the batch (dim 0)"),
        (lambda a, b: log_average(a, b).argmax(-1), "Those look like class indices"),
    ],
    ids=[
        "averaged logits",
        "log_softmax of averaged logits",
        "averaged log-probabilities",
        "probabilities",
        "not halved",
        "summed probabilities",
        "softmax over time",
        "softmax over the batch",
        "class indices",
    ],
)
def test_a_merge_slip_fails_with_its_explanation(slip, explanation):
    assert_fails_explaining(check_merge_probabilities(slip), explanation)


def naive_log_of_the_average(a, b):
    return torch.log((a.softmax(-1) + b.softmax(-1)) / 2)


def test_the_log_of_float32_probabilities_fails_only_for_confident_taggers_and_says_why():
    report = check_merge_probabilities(naive_log_of_the_average)
    assert [case.passed for case in report.cases] == [True, True, True, True, False]
    assert "holds -inf at [sequence 0, step 0, class" in str(report)
    assert "Some values are -inf (or NaN)" in str(report)


def test_the_same_sum_in_float64_passes():
    report = check_merge_probabilities(lambda a, b: naive_log_of_the_average(a.double(), b.double()))
    assert report.status == PASSED, str(report)


def test_averaged_log_probabilities_pass_only_when_the_taggers_agree():
    report = check_merge_probabilities(lambda a, b: (a.log_softmax(-1) + b.log_softmax(-1)) / 2)
    assert [case.passed for case in report.cases] == [False, False, True, False, False]


# --- covering_delay ----------------------------------------------------------------------------


def smallest_delay_with_nothing_unread(seq_len, past, future):
    """The search the exercise used to ask for: the first d at which information_limit's MSE is 0."""
    return next(
        d for d in range(seq_len + future + 1) if information_limit(d, "forward", seq_len, past, future)["mse"] == 0
    )


@pytest.mark.parametrize("seq_len", [1, 2, 3, 5, 7, 10, 20])
def test_the_closed_form_is_the_smallest_delay_at_which_nothing_is_left_unread(seq_len):
    for past in (0, 1, 3):
        for future in range(0, 10):
            assert covering(seq_len, future) == smallest_delay_with_nothing_unread(seq_len, past, future)


def test_the_check_knows_the_worked_solution_as_the_closed_form():
    solved = SOLVED["covering_delay"]
    assert all(solved(*window) == covering(window[0], window[2]) for window in GRID)


def test_a_search_that_gives_the_same_numbers_passes():
    assert check_covering_delay(smallest_delay_with_nothing_unread).status == PASSED


@pytest.mark.parametrize(
    "slip, explanation",
    [
        (lambda seq_len, past, future: future, "That is `future`, right for long sequences"),
        (lambda seq_len, past, future: past + future, "That is past + future, the window's width less one"),
        (lambda seq_len, past, future: min(future + 1, seq_len - 1), "One step too long"),
        (lambda seq_len, past, future: max(min(future, seq_len - 1) - 1, 0), "One step short"),
        (lambda seq_len, past, future: past, "That is `past`: it counts the inputs before t"),
        (lambda seq_len, past, future: seq_len - 1, "That waits for the end of the sequence"),
        (lambda seq_len, past, future: min(future, seq_len), "its last step is L - 1, not L"),
        (lambda seq_len, past, future: float(min(future, seq_len - 1)), "a delay is a whole number of steps"),
        (lambda seq_len, past, future: future - past, "a delay is never negative"),
    ],
    ids=[
        "future",
        "past + future",
        "one too long",
        "one too short",
        "past",
        "end of sequence",
        "capped at L",
        "a float",
        "negative",
    ],
)
def test_a_delay_choice_slip_fails_with_its_explanation(slip, explanation):
    assert_fails_explaining(check_covering_delay(slip), explanation)


def test_returning_future_fails_only_the_sequences_shorter_than_the_window_and_the_grid():
    report = check_covering_delay(lambda seq_len, past, future: future)
    assert [case.passed for case in report.cases] == [True] * 5 + [False] * 4


def test_the_grid_names_the_formula_that_gives_every_wrong_answer():
    report = check_covering_delay(lambda seq_len, past, future: min(future, seq_len))
    grid = report.cases[-1]
    assert not grid.passed and "its last step is L - 1, not L" in grid.detail
    assert f"of the {len(GRID)} windows" in grid.detail


def test_a_delay_from_numpy_or_a_tensor_is_a_whole_number_too():
    assert check_covering_delay(lambda seq_len, past, future: np.minimum(future, seq_len - 1)).status == PASSED
    assert check_covering_delay(lambda seq_len, past, future: torch.tensor(min(future, seq_len - 1))).status == PASSED


# --- training ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_reference_trains_past_the_bar_and_notes_both_accuracies():
    report = check_waiting_training(reference_delayed_logits, reference_covering_delay)
    assert report.status == PASSED, str(report)
    text = str(report)
    assert "validation accuracy 0.8" in text and "best possible 1.0000" in text
    assert "without waiting: 0.5" in text


def test_a_tagger_that_does_not_wait_is_sent_back_to_its_own_check_before_any_training():
    report = check_waiting_training(no_waiting, reference_covering_delay)
    assert report.status == FAILED
    assert "check_delayed_logits does not pass yet" in str(report) and "make it pass first" in str(report)


def test_a_wrong_delay_is_sent_back_to_its_own_check():
    report = check_waiting_training(reference_delayed_logits, lambda seq_len, past, future: past + future)
    assert report.status == FAILED
    assert "check_covering_delay does not pass yet" in str(report) and "gave 9, expected d = 6" in str(report)


def test_a_delay_right_only_for_the_lessons_window_is_sent_back_too():
    report = check_waiting_training(reference_delayed_logits, lambda seq_len, past, future: future)
    assert report.status == FAILED and "check_covering_delay does not pass yet" in str(report)
