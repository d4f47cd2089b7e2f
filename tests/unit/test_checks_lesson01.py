"""Specification of exercise 01's checks: the reference passes, typical slips get their own explanation."""

import pytest
import torch
from exercise_code import assert_fails_explaining, solution

from course_utils.checks import FAILED, PASSED
from course_utils.checks.lesson01 import check_bidirectional_pass, check_run_one_direction

SOLVED = solution("01_concept")
run_one_direction = SOLVED["run_one_direction"]


def direction_weights(rnn, suffix=""):
    return [getattr(rnn, f"{name}_l0{suffix}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]


def bidirectional_from(backward_input, backward_output, suffix="_reverse", order="forward first"):
    """A bidirectional pass built from the reference loop, with one step done the way a slip does it."""

    def bidirectional_pass(x, rnn):
        forward, forward_h = run_one_direction(x, *direction_weights(rnn))
        backward, backward_h = run_one_direction(backward_input(x), *direction_weights(rnn, suffix))
        halves = [forward, backward_output(backward)]
        return torch.cat(halves if order == "forward first" else halves[::-1], -1), torch.stack([forward_h, backward_h])

    return bidirectional_pass


def flip(x):
    return x.flip(1)


def keep(x):
    return x


def with_h_n(make_h_n):
    """The reference output with h_n built by `make_h_n(output, H)`."""

    def bidirectional_pass(x, rnn):
        output, _ = SOLVED["bidirectional_pass"](x, rnn)
        return output, make_h_n(output, rnn.hidden_size)

    return bidirectional_pass


# --- run_one_direction -------------------------------------------------------------------------


def test_the_reference_one_direction_passes():
    report = check_run_one_direction(run_one_direction)
    assert report.status == PASSED, str(report)


def no_memory(x, W_ih, W_hh, b_ih, b_hh):
    states = torch.tanh(x @ W_ih.T + b_ih + b_hh)
    return states, states[:, -1]


def one_bias(x, W_ih, W_hh, b_ih, b_hh):
    return run_one_direction(x, W_ih, W_hh, b_ih, torch.zeros_like(b_hh))


def time_first(x, W_ih, W_hh, b_ih, b_hh):
    outputs, h = run_one_direction(x, W_ih, W_hh, b_ih, b_hh)
    return outputs.transpose(0, 1), h


def relu_cell(x, W_ih, W_hh, b_ih, b_hh):
    h, states = x.new_zeros(x.shape[0], W_hh.shape[0]), []
    for t in range(x.shape[1]):
        h = torch.relu(x[:, t] @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
        states.append(h)
    return torch.stack(states, 1), h


def first_state_as_last(x, W_ih, W_hh, b_ih, b_hh):
    outputs, _ = run_one_direction(x, W_ih, W_hh, b_ih, b_hh)
    return outputs, outputs[:, 0]


@pytest.mark.parametrize(
    "slip, explanation",
    [
        (no_memory, "Every step ignored the state before it"),
        (one_bias, "without b_hh: nn.RNN adds both biases"),
        (time_first, "laid out (L, N, H_out): stack the steps on dim 1"),
        (relu_cell, "nn.RNN uses tanh, not relu"),
        (first_state_as_last, "h_last is the state after the LAST step"),
    ],
    ids=lambda v: getattr(v, "__name__", "")[:40],
)
def test_a_one_direction_slip_fails_with_its_explanation(slip, explanation):
    assert_fails_explaining(check_run_one_direction(slip), explanation)


def test_a_wrong_value_is_located_with_expected_and_got():
    text = str(check_run_one_direction(no_memory))
    assert (
        "[FAIL] x (3, 6, 4), H_out=5: the first result (outputs) has the right shape (3, 6, 5) but wrong values: "
        "at [sequence 0, step 1"
    ) in text
    assert "expected " in text and ", got " in text


def test_a_one_step_sequence_cannot_tell_a_missing_recurrence():
    report = check_run_one_direction(no_memory)
    assert [case.passed for case in report.cases] == [False, True, False, False]


# --- bidirectional_pass ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "slip, explanation",
    [
        (bidirectional_from(flip, keep), "you forgot to flip the backward outputs back"),
        (bidirectional_from(keep, keep), "read the sequence left to right: run the _reverse weights over x.flip(1)"),
        (bidirectional_from(flip, flip, suffix=""), "used the forward weights"),
        (bidirectional_from(flip, flip, order="backward first"), "The halves are swapped"),
        (
            with_h_n(lambda out, H: torch.stack([out[:, -1, :H], out[:, -1, H:]])),
            "its final state is output[:, 0, H_out:]",
        ),
        (with_h_n(lambda out, H: torch.stack([out[:, 0, H:], out[:, -1, :H]])), "h_n[0] is the forward one"),
        (with_h_n(lambda out, H: torch.stack([out[:, -1, :H], out[:, 0, H:]], 1)), "stack on dim 0"),
    ],
    ids=[
        "not re-reversed",
        "not reversed",
        "forward weights",
        "swapped",
        "h_n from output[:, -1]",
        "h_n swapped",
        "h_n stacked on dim 1",
    ],
)
def test_a_bidirectional_slip_fails_with_its_explanation(slip, explanation):
    assert_fails_explaining(check_bidirectional_pass(slip), explanation)


def test_forgetting_the_flip_back_passes_only_the_one_step_case():
    report = check_bidirectional_pass(bidirectional_from(flip, keep))
    assert [case.name for case in report.cases if case.passed] == ["one step: x (2, 1, 3), H_out=2"]


@pytest.mark.parametrize("answer", [None, lambda *args: 3, lambda x: x], ids=["None", "returns 3", "one argument"])
@pytest.mark.parametrize("check", [check_run_one_direction, check_bidirectional_pass])
def test_a_check_reports_any_wrong_answer_instead_of_raising(check, answer):
    report = check(answer)
    assert report.status == FAILED
    assert "Traceback" not in str(report)
