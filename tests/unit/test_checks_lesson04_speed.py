"""Specification of the checks of exercise 04 (optional): reversal within lengths, two one-way runs, slips explained."""

import pytest
import torch
from exercise_code import assert_fails_explaining, exercise, solution

from course_utils.checks import NOT_ATTEMPTED, PASSED
from course_utils.checks.lesson04_speed import check_bidirectional_within_lengths, check_reverse_steps
from course_utils.tensors import reverse_within_lengths

SOLVED = solution("04_packing_speed")
STUBS = exercise("04_packing_speed")


def real_steps(x, lengths):
    """(N, L, 1): True at the real steps of x (N, L, H_in)."""
    return (torch.arange(x.shape[1]) < lengths.unsqueeze(1)).unsqueeze(-1)


# --- reverse_steps -----------------------------------------------------------------------------


def test_the_worked_reverse_steps_passes():
    assert check_reverse_steps(SOLVED["reverse_steps"]).status == PASSED


def test_the_reverse_steps_stub_is_not_attempted():
    report = check_reverse_steps(STUBS["reverse_steps"])
    assert report.status == NOT_ATTEMPTED and "not attempted yet" in str(report)


def reversed_in_a_python_loop(x, lengths):
    result = x.clone()
    for n, length in enumerate(lengths.tolist()):
        for t in range(length):
            result[n, t] = x[n, length - 1 - t]
    return result


def reversed_by_flipping_each_row(x, lengths):
    rows = [torch.cat([x[n, :length].flip(0), x[n, length:]]) for n, length in enumerate(lengths.tolist())]
    return torch.stack(rows)


@pytest.mark.parametrize(
    "answer",
    [reversed_in_a_python_loop, reversed_by_flipping_each_row, reverse_within_lengths],
    ids=lambda f: f.__name__,
)
def test_a_right_reversal_written_differently_passes(answer):
    report = check_reverse_steps(answer)
    assert report.status == PASSED, str(report)


def the_whole_time_axis_flipped(x, lengths):
    return x.flip(1)


def the_original_order(x, lengths):
    return x.clone()


def the_first_length_for_every_sequence(x, lengths):
    result, length = x.clone(), int(lengths[0])
    result[:, :length] = x[:, :length].flip(1)
    return result


def only_the_real_steps_of_sequence_0(x, lengths):
    return x[0, : lengths[0]].flip(0)


def a_list_of_rows(x, lengths):
    return [x[n, :length].flip(0) for n, length in enumerate(lengths.tolist())]


def reversed_in_place(x, lengths):
    for n, length in enumerate(lengths.tolist()):
        x[n, :length] = x[n, :length].flip(0)
    return x


@pytest.mark.parametrize(
    "slip, explanation",
    [
        (the_whole_time_axis_flipped, "That is x.flip(1), the whole time axis reversed: a sequence shorter than L"),
        (the_original_order, "That is x in its original order"),
        (the_first_length_for_every_sequence, "reversed within the first sequence's length, lengths[0]"),
        (only_the_real_steps_of_sequence_0, "the result has x's shape (N, L, H_in)"),
        (a_list_of_rows, "return one tensor shaped like x, (N, L, H_in)"),
        (reversed_in_place, "changed the x it was given, in place"),
    ],
    ids=lambda v: getattr(v, "__name__", "")[:30],
)
def test_a_reversal_slip_fails_with_its_explanation(slip, explanation):
    assert_fails_explaining(check_reverse_steps(slip), explanation)


def test_flipping_the_whole_axis_fails_where_a_sequence_is_short_and_says_to_keep_the_pads_at_the_end():
    report = check_reverse_steps(the_whole_time_axis_flipped)
    assert not any(case.passed for case in report.cases)  # every case has a sequence shorter than L
    assert "leave its pads at the end" in str(report)


def test_reversing_in_place_passes_every_case_but_the_one_that_keeps_x():
    report = check_reverse_steps(reversed_in_place)
    assert [case.passed for case in report.cases] == [True, True, True, False]
    assert "x.clone()" in report.cases[-1].detail


def test_the_reversal_idea_points_to_the_lesson_and_its_code_level_hint_to_gather_or_a_loop():
    report = check_reverse_steps(the_whole_time_axis_flipped)
    assert "lesson 04_packing_speed" in report.concept and "gather" not in report.concept
    assert "gather" in report.hint and "flip(0)" in report.hint


# --- bidirectional_within_lengths ----------------------------------------------------------------


def test_the_worked_bidirectional_within_lengths_passes():
    assert check_bidirectional_within_lengths(SOLVED["bidirectional_within_lengths"]).status == PASSED


def test_the_bidirectional_within_lengths_stub_is_not_attempted():
    report = check_bidirectional_within_lengths(STUBS["bidirectional_within_lengths"])
    assert report.status == NOT_ATTEMPTED and "not attempted yet" in str(report)


def with_the_course_reversal_and_a_product_mask(forward_rnn, backward_rnn, x, lengths):
    forward = forward_rnn(x)[0]
    backward = reverse_within_lengths(backward_rnn(reverse_within_lengths(x, lengths))[0], lengths)
    return torch.cat([forward, backward], -1) * real_steps(x, lengths)


def one_sequence_at_a_time(forward_rnn, backward_rnn, x, lengths):
    output = torch.zeros(x.shape[0], x.shape[1], 2 * forward_rnn.hidden_size)
    for n, length in enumerate(lengths.tolist()):
        sequence = x[n : n + 1, :length]  # (1, length, H_in): no pads at all
        output[n, :length, : forward_rnn.hidden_size] = forward_rnn(sequence)[0][0]
        output[n, :length, forward_rnn.hidden_size :] = backward_rnn(sequence.flip(1))[0][0].flip(0)
    return output


@pytest.mark.parametrize(
    "answer", [with_the_course_reversal_and_a_product_mask, one_sequence_at_a_time], ids=lambda f: f.__name__
)
def test_a_right_layer_written_differently_passes(answer):
    report = check_bidirectional_within_lengths(answer)
    assert report.status == PASSED, str(report)


def joined(forward, backward, x, lengths, zero_pads=True):
    output = torch.cat([forward, backward], -1)
    return output * real_steps(x, lengths) if zero_pads else output


def backward_on_the_flipped_batch(forward_rnn, backward_rnn, x, lengths):
    return joined(forward_rnn(x)[0], backward_rnn(x.flip(1))[0].flip(1), x, lengths)


def backward_outputs_left_reversed(forward_rnn, backward_rnn, x, lengths):
    return joined(forward_rnn(x)[0], backward_rnn(reverse_within_lengths(x, lengths))[0], x, lengths)


def backward_outputs_flipped_back(forward_rnn, backward_rnn, x, lengths):
    return joined(forward_rnn(x)[0], backward_rnn(reverse_within_lengths(x, lengths))[0].flip(1), x, lengths)


def backward_run_on_x_unreversed(forward_rnn, backward_rnn, x, lengths):
    return joined(forward_rnn(x)[0], backward_rnn(x)[0], x, lengths)


def halves_swapped(forward_rnn, backward_rnn, x, lengths):
    backward = reverse_within_lengths(backward_rnn(reverse_within_lengths(x, lengths))[0], lengths)
    return joined(backward, forward_rnn(x)[0], x, lengths)


def pads_not_zeroed(forward_rnn, backward_rnn, x, lengths):
    backward = reverse_within_lengths(backward_rnn(reverse_within_lengths(x, lengths))[0], lengths)
    return joined(forward_rnn(x)[0], backward, x, lengths, zero_pads=False)


def joined_on_the_step_axis(forward_rnn, backward_rnn, x, lengths):
    backward = reverse_within_lengths(backward_rnn(reverse_within_lengths(x, lengths))[0], lengths)
    return torch.cat([forward_rnn(x)[0], backward], dim=1) * 1.0


def one_direction_only(forward_rnn, backward_rnn, x, lengths):
    return forward_rnn(x)[0] * real_steps(x, lengths)


def results_not_indexed(forward_rnn, backward_rnn, x, lengths):
    forward, backward = forward_rnn(x), backward_rnn(reverse_within_lengths(x, lengths))
    return torch.cat([forward, backward], -1)


def three_results_expected_of_an_lstm(forward_rnn, backward_rnn, x, lengths):
    forward, h_n, c_n = forward_rnn(x)
    return forward


def the_rnn_result_returned(forward_rnn, backward_rnn, x, lengths):
    return forward_rnn(x)


@pytest.mark.parametrize(
    "slip, explanation",
    [
        (backward_on_the_flipped_batch, "a backward run over x.flip(1): for a sequence shorter than L that run reads"),
        (backward_outputs_left_reversed, "The backward half is still in reversed order"),
        (backward_outputs_flipped_back, "put back in step order with flip(1)"),
        (backward_run_on_x_unreversed, "The backward rnn ran on x unreversed"),
        (halves_swapped, "The halves are swapped"),
        (pads_not_zeroed, "the pads are not zero"),
        (joined_on_the_step_axis, "joined on the wrong axis"),
        (one_direction_only, "one direction's"),
        (results_not_indexed, "expected Tensor as element 0 in argument 0, but got tuple"),
        (three_results_expected_of_an_lstm, "not enough values to unpack"),
        (the_rnn_result_returned, "That is a tuple (or list), not one tensor"),
    ],
    ids=lambda v: getattr(v, "__name__", "")[:30],
)
def test_a_layer_slip_fails_with_its_explanation(slip, explanation):
    assert_fails_explaining(check_bidirectional_within_lengths(slip), explanation)


def test_pads_not_zeroed_is_told_to_zero_them_with_a_mask_from_lengths():
    report = check_bidirectional_within_lengths(pads_not_zeroed)
    assert "Zero them with a mask from lengths" in str(report) and "as pad_packed_sequence does" in str(report)


@pytest.mark.parametrize("slip", [results_not_indexed, three_results_expected_of_an_lstm, the_rnn_result_returned])
def test_misreading_what_an_rnn_returns_names_the_lstm_tuple_in_the_lstm_case(slip):
    report = check_bidirectional_within_lengths(slip)
    lstm_case = next(case for case in report.cases if case.name.startswith("lstm"))
    assert not lstm_case.passed and "an nn.LSTM (output, (h_n, c_n))" in lstm_case.detail
    assert "item [0]" in lstm_case.detail


def test_an_error_that_is_not_about_the_rnn_result_is_reported_as_it_is():
    def wrong_mask_length(forward_rnn, backward_rnn, x, lengths):
        return SOLVED["bidirectional_within_lengths"](forward_rnn, backward_rnn, x, lengths) * torch.ones(7)

    report = check_bidirectional_within_lengths(wrong_mask_length)
    assert "your code raised RuntimeError" in str(report) and "nn.LSTM" not in str(report)


def test_the_layer_idea_points_to_the_lesson_and_its_hint_to_reverse_within_lengths():
    report = check_bidirectional_within_lengths(halves_swapped)
    assert "lesson 04_packing_speed" in report.concept and "run_within_lengths" in report.concept
    assert "reverse_within_lengths" in report.hint
