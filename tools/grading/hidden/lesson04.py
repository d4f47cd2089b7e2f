"""Hidden grading cases for exercise 04 (packing): encode a padded batch packed, then take each sequence's summary.

The learner's checks pad with zeros, so an answer that finds the pads by looking for zeros, instead of
reading `lengths`, passes them. Here the pads hold other values (what a pad holds must not matter) and a
real step may be all zeros; the cases also try batches whose sequences all have one length (all of L, or
one step each), two- and three-layer layers, a batch of one of a single step, and other seeds. Every
expected value is each sequence run alone, without padding, through torch's own layer.
"""

import torch
from torch import nn

from course_utils.checks.common import seeded
from course_utils.checks.comparators import expect_close


def _padded_batch(cell, num_layers, hidden, steps, lengths, seed, pad_value=0.0, zero_step=None):
    """A seeded bidirectional, batch-first layer and a batch x (N, L, 2) padded to `lengths` with `pad_value`
    (and, at `zero_step`, a real step whose features are all zero): (layer, x, lengths as a tensor)."""
    layers = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
    with seeded(seed):
        rnn = layers[cell](2, hidden, num_layers=num_layers, bidirectional=True, batch_first=True).requires_grad_(False)
        x = torch.randn(len(lengths), steps, 2)
    lengths_t = torch.tensor(lengths)
    pads = torch.arange(steps) >= lengths_t.unsqueeze(1)  # (N, L): True at the pads
    x = x.masked_fill(pads.unsqueeze(-1), pad_value)
    if zero_step is not None:
        x[zero_step] = 0.0
    return rnn, x, lengths_t


def hidden_encode_packed(encode_packed):
    """Cases for `encode_packed(rnn, x (N, L, H_in), lengths (N,)) -> output (N, L, 2*H_out)`, zero at the pads."""

    def case(cell, num_layers, hidden, steps, lengths, seed, pad_value=0.0, zero_step=None):
        def run():
            rnn, x, lengths_t = _padded_batch(cell, num_layers, hidden, steps, lengths, seed, pad_value, zero_step)
            expected = torch.zeros(len(lengths), steps, 2 * hidden)
            for n, length in enumerate(lengths):
                expected[n, :length] = rnn(x[n : n + 1, :length])[0][0]  # the sequence alone, no padding
            got = encode_packed(rnn, x.clone(), lengths_t.clone())
            expect_close(got, expected, "output", ("sequence", "step", "unit"))

        return run

    return {
        "pads holding 3.0, not zeros: gru, x (3, 5, 2), lengths [2, 5, 3]": case(
            "gru", 1, 3, 5, [2, 5, 3], seed=5, pad_value=3.0
        ),
        "a real step of zeros (sequence 0, step 1): rnn, x (2, 4, 2), lengths [3, 4]": case(
            "rnn", 1, 2, 4, [3, 4], seed=7, zero_step=(0, 1)
        ),
        "every sequence fills L: lstm, x (3, 4, 2), lengths [4, 4, 4]": case("lstm", 1, 2, 4, [4, 4, 4], seed=2),
        "every sequence one step long: gru, x (3, 4, 2), lengths [1, 1, 1]": case("gru", 1, 2, 4, [1, 1, 1], seed=3),
        "2-layer lstm, pads holding -1.0: x (4, 6, 2), lengths [6, 1, 4, 2]": case(
            "lstm", 2, 3, 6, [6, 1, 4, 2], seed=11, pad_value=-1.0
        ),
        "batch of 1, one step (N = 1, L = 1): rnn, lengths [1]": case("rnn", 1, 4, 1, [1], seed=13),
    }


def hidden_final_states(final_states):
    """Cases for `final_states(rnn, x (N, L, H_in), lengths (N,)) -> (N, 2*H_out)`: the last layer's forward
    state after each sequence's last real step, then its backward state after step 0."""

    def case(cell, num_layers, hidden, steps, lengths, seed, pad_value=0.0, zero_step=None):
        def run():
            rnn, x, lengths_t = _padded_batch(cell, num_layers, hidden, steps, lengths, seed, pad_value, zero_step)
            summaries = []
            for n, length in enumerate(lengths):
                _, hidden_state = rnn(x[n : n + 1, :length])  # the sequence alone, no padding
                h_n = hidden_state[0] if cell == "lstm" else hidden_state  # (2*num_layers, 1, H_out)
                summaries.append(torch.cat([h_n[-2], h_n[-1]], dim=-1))  # (1, 2*H_out)
            expected = torch.cat(summaries)  # (N, 2*H_out)
            got = final_states(rnn, x.clone(), lengths_t.clone())
            expect_close(got, expected, "summary (N, 2*H_out)", ("sequence", "unit"))

        return run

    return {
        "pads holding 3.0, not zeros: gru, x (3, 5, 2), lengths [2, 5, 3]": case(
            "gru", 1, 3, 5, [2, 5, 3], seed=5, pad_value=3.0
        ),
        "a real last step of zeros (sequence 1, step 2): lstm, x (2, 4, 2), lengths [4, 3]": case(
            "lstm", 1, 2, 4, [4, 3], seed=7, zero_step=(1, 2)
        ),
        "3-layer gru, every sequence fills L: x (3, 4, 2), lengths [4, 4, 4]": case("gru", 3, 2, 4, [4, 4, 4], seed=2),
        "2-layer rnn, pads holding -1.0: x (4, 6, 2), lengths [6, 1, 4, 2]": case(
            "rnn", 2, 3, 6, [6, 1, 4, 2], seed=11, pad_value=-1.0
        ),
        "batch of 1, one step (N = 1, L = 1): lstm, lengths [1]": case("lstm", 1, 4, 1, [1], seed=13),
    }


# Packing and unpacking, and reading the summary out of h_n, ask about as much as each other.
POINTS: dict[str, int] = {"encode_packed": 5, "final_states": 5}
HIDDEN = {"encode_packed": hidden_encode_packed, "final_states": hidden_final_states}
