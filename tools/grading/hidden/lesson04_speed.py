"""Hidden grading cases for exercise 04 (optional, packing at speed): reverse within lengths, then two one-way
runs as one bidirectional layer.

The learner's checks pad with zeros, so an answer that finds the pads by looking for zeros, or that rebuilds
the pads as zeros, passes them. Here the pads hold other values, which `reverse_steps` must leave where
they were and which must not change `bidirectional_within_lengths`'s real steps; the cases also try batches
whose sequences all have one length (all of L, or one step each), a single step, more input features and
other seeds. The expected values come from `course_utils.tensors.reverse_within_lengths` and from the
bidirectional layer's packed run.
"""

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from course_utils.checks import Mismatch
from course_utils.checks.common import seeded
from course_utils.checks.comparators import expect_close
from course_utils.tensors import reverse_within_lengths


def hidden_reverse_steps(reverse_steps):
    """Cases for `reverse_steps(x (N, L, H_in), lengths (N,)) -> (N, L, H_in)`: each sequence's real steps
    reversed, its pads where they were, x left unchanged."""

    def case(steps, features, lengths, seed, pad_value=0.0):
        def run():
            lengths_t = torch.tensor(lengths)
            with seeded(seed):
                x = torch.randn(len(lengths), steps, features)
            pads = torch.arange(steps) >= lengths_t.unsqueeze(1)  # (N, L): True at the pads
            x = x.masked_fill(pads.unsqueeze(-1), pad_value)
            given = x.clone()
            got = reverse_steps(given, lengths_t.clone())
            if not torch.equal(given, x):
                raise Mismatch("reverse_steps changed the x it was given: build the result in a new tensor")
            expected = reverse_within_lengths(x, lengths_t)
            expect_close(got, expected, "result", ("sequence", "step", "feature"))

        return run

    return {
        "pads holding 5.0 stay where they were: x (3, 6, 2), lengths [2, 6, 4]": case(
            6, 2, [2, 6, 4], seed=5, pad_value=5.0
        ),
        "every sequence fills L (the whole time axis reversed): x (2, 5, 3), lengths [5, 5]": case(
            5, 3, [5, 5], seed=7
        ),
        "every sequence one step long (nothing moves), pads holding -2.0: x (3, 4, 1), lengths [1, 1, 1]": case(
            4, 1, [1, 1, 1], seed=3, pad_value=-2.0
        ),
        "one step (L = 1), batch of 1: x (1, 1, 4), lengths [1]": case(1, 4, [1], seed=11),
        "x (5, 7, 6), lengths [7, 3, 1, 6, 2], seed 13": case(7, 6, [7, 3, 1, 6, 2], seed=13),
    }


def hidden_bidirectional_within_lengths(bidirectional_within_lengths):
    """Cases for `bidirectional_within_lengths(forward_rnn, backward_rnn, x (N, L, H_in), lengths (N,))
    -> (N, L, 2*H_out)`: a bidirectional layer's packed output, zero at the pads."""
    layers = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}

    def case(cell, features, hidden, steps, lengths, seed, pad_value=0.0):
        def run():
            with seeded(seed):
                both = layers[cell](features, hidden, batch_first=True, bidirectional=True)
                forward_rnn = layers[cell](features, hidden, batch_first=True)
                backward_rnn = layers[cell](features, hidden, batch_first=True)
                x = torch.randn(len(lengths), steps, features)
            with torch.no_grad():  # the bidirectional layer's weights, one direction to each one-way layer
                for name, weight in both.named_parameters():
                    one_way = backward_rnn if name.endswith("_reverse") else forward_rnn
                    getattr(one_way, name.removesuffix("_reverse")).copy_(weight)
            for layer in (both, forward_rnn, backward_rnn):
                layer.requires_grad_(False)
            lengths_t = torch.tensor(lengths)
            pads = torch.arange(steps) >= lengths_t.unsqueeze(1)  # (N, L): True at the pads
            x = x.masked_fill(pads.unsqueeze(-1), pad_value)
            packed = pack_padded_sequence(x, lengths_t, batch_first=True, enforce_sorted=False)
            expected = pad_packed_sequence(both(packed)[0], batch_first=True, total_length=steps)[0]
            got = bidirectional_within_lengths(forward_rnn, backward_rnn, x.clone(), lengths_t.clone())
            expect_close(got, expected, "output (N, L, 2*H_out)", ("sequence", "step", "unit"))

        return run

    return {
        "pads holding 4.0, not zeros: gru, x (3, 5, 3), H_out = 2, lengths [2, 5, 3]": case(
            "gru", 3, 2, 5, [2, 5, 3], seed=5, pad_value=4.0
        ),
        "every sequence fills L: lstm, x (2, 4, 3), H_out = 3, lengths [4, 4]": case("lstm", 3, 3, 4, [4, 4], seed=7),
        "every sequence one step long: rnn, x (3, 3, 2), H_out = 2, lengths [1, 1, 1]": case(
            "rnn", 2, 2, 3, [1, 1, 1], seed=3
        ),
        "batch of 1, one step (N = 1, L = 1): gru, H_in = 4, H_out = 3": case("gru", 4, 3, 1, [1], seed=11),
        "lstm with 6 input features, pads holding -1.0: x (4, 6, 6), H_out = 4, lengths [6, 1, 4, 2]": case(
            "lstm", 6, 4, 6, [6, 1, 4, 2], seed=13, pad_value=-1.0
        ),
    }


# The layer needs the reversal twice, the mask and the order of the halves on top of reverse_steps.
POINTS: dict[str, int] = {"reverse_steps": 4, "bidirectional_within_lengths": 6}
HIDDEN = {
    "reverse_steps": hidden_reverse_steps,
    "bidirectional_within_lengths": hidden_bidirectional_within_lengths,
}
