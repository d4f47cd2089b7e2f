"""Specification of exercise 04's checks: packed encoding and per-sequence summaries, each slip explained."""

import pytest
import torch
from exercise_code import assert_fails_explaining, solution
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from course_utils.checks.lesson04 import check_encode_packed, check_final_states

SOLVED = solution("04_packing")


def packed(rnn, x, lengths, **options):
    return rnn(pack_padded_sequence(x, lengths, batch_first=True, **{"enforce_sorted": False, **options}))


def h_of(hidden):
    return hidden[0] if isinstance(hidden, tuple) else hidden


# --- encode_packed -----------------------------------------------------------------------------


def padding_without_packing(rnn, x, lengths):
    return rnn(x)[0]


def zeroing_the_pads_afterwards(rnn, x, lengths):
    valid = torch.arange(x.shape[1]) < lengths.unsqueeze(1)
    return rnn(x)[0] * valid.unsqueeze(-1)


def without_total_length(rnn, x, lengths):
    return pad_packed_sequence(packed(rnn, x, lengths)[0], batch_first=True)[0]


def the_packed_sequence(rnn, x, lengths):
    return packed(rnn, x, lengths)[0]


def the_whole_unpacked_tuple(rnn, x, lengths):
    return pad_packed_sequence(packed(rnn, x, lengths)[0], batch_first=True, total_length=x.shape[1])


def sorted_lengths_assumed(rnn, x, lengths):
    output = packed(rnn, x, lengths, enforce_sorted=True)[0]
    return pad_packed_sequence(output, batch_first=True, total_length=x.shape[1])[0]


@pytest.mark.parametrize(
    "slip, explanation",
    [
        (
            padding_without_packing,
            "the backward direction of every shorter sequence started on the padding. "
            "Pack the batch with pack_padded_sequence",
        ),
        (zeroing_the_pads_afterwards, "the pads zeroed afterwards: too late"),
        (without_total_length, "stopped at the longest length: pass total_length=x.shape[1]"),
        (the_packed_sequence, "That is the PackedSequence itself"),
        (the_whole_unpacked_tuple, "pad_packed_sequence returns (output, lengths): return only the output"),
        (sorted_lengths_assumed, "unless you pass enforce_sorted=False"),
    ],
    ids=lambda v: getattr(v, "__name__", "")[:30],
)
def test_an_encoding_slip_fails_with_its_explanation(slip, explanation):
    assert_fails_explaining(check_encode_packed(slip), explanation)


def test_padding_without_packing_fails_at_a_short_sequence_and_passes_full_ones():
    report = check_encode_packed(padding_without_packing)
    assert [case.passed for case in report.cases] == [False, False, False, True, False]
    assert "at [sequence 1, step 0, unit 3]" in str(report)  # lengths [5, 2, 4]: the backward half of sequence 1


# --- final_states ------------------------------------------------------------------------------


def last_step_of_padded_output(rnn, x, lengths):
    return rnn(x)[0][:, -1]


def last_step_of_packed_output(rnn, x, lengths):
    return SOLVED["encode_packed"](rnn, x, lengths)[:, -1]


def output_at_last_valid_step(rnn, x, lengths):
    output = SOLVED["encode_packed"](rnn, x, lengths)
    return output[torch.arange(len(lengths)), lengths - 1]


def first_layer_states(rnn, x, lengths):
    h_n = h_of(packed(rnn, x, lengths)[1])
    return torch.cat([h_n[0], h_n[1]], -1)


def unpacked_h_n(rnn, x, lengths):
    h_n = h_of(rnn(x)[1])
    return torch.cat([h_n[-2], h_n[-1]], -1)


def cell_states_of_an_lstm(rnn, x, lengths):
    hidden = packed(rnn, x, lengths)[1]
    states = hidden[1] if isinstance(rnn, nn.LSTM) else hidden
    return torch.cat([states[-2], states[-1]], -1)


def backward_first(rnn, x, lengths):
    h_n = h_of(packed(rnn, x, lengths)[1])
    return torch.cat([h_n[-1], h_n[-2]], -1)


@pytest.mark.parametrize(
    "slip, explanation",
    [
        (last_step_of_padded_output, "That is output[:, -1] of the padded batch fed unpacked"),
        (last_step_of_packed_output, "for a sequence shorter than L it is a padded step (all zeros)"),
        (output_at_last_valid_step, "the backward half at the last valid step is where the backward direction starts"),
        (first_layer_states, "h_n[0] and h_n[1] are layer 0's states"),
        (unpacked_h_n, "h_n of the padded batch fed unpacked"),
        (cell_states_of_an_lstm, "Those are the cell states c_n"),
        (backward_first, "The halves are swapped"),
    ],
    ids=lambda v: getattr(v, "__name__", "")[:30],
)
def test_a_summary_slip_fails_with_its_explanation(slip, explanation):
    assert_fails_explaining(check_final_states(slip), explanation)


def test_layer_0_states_pass_for_one_layer_and_fail_for_two():
    report = check_final_states(first_layer_states)
    assert [case.passed for case in report.cases] == [True, False, True, True]
