"""Hidden grading cases for exercise 01 (concept): one RNN direction, then a bidirectional pass, by hand.

The learner's checks build every layer from seed 0, so an answer that rebuilds the layer from that seed
instead of reading the weights it is given passes them. These cases use other seeds and sizes (a single
step and a single sequence, a long sequence, one input feature, inputs large enough to saturate tanh,
an input that is a non-contiguous view) and compare with torch's own nn.RNN.
"""

import torch
from torch import nn

from course_utils.checks import Mismatch
from course_utils.checks.common import seeded
from course_utils.checks.comparators import expect_close


def hidden_run_one_direction(run_one_direction):
    """Cases for `run_one_direction(x, W_ih, W_hh, b_ih, b_hh) -> (outputs (N, L, H_out), h_last (N, H_out))`."""

    def case(n, steps, features, hidden, seed, scale=1.0, transposed=False):
        def run():
            with seeded(seed):
                rnn = nn.RNN(features, hidden, batch_first=True).requires_grad_(False)
                x = scale * torch.randn(n, steps, features)
            if transposed:  # the same values, stored (L, N, H_in) and handed over as a view
                x = x.transpose(0, 1).contiguous().transpose(0, 1)
            expected_outputs, expected_h = rnn(x)  # (N, L, H_out), (1, N, H_out)
            weights = (rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0)
            result = run_one_direction(x, *weights)
            if not isinstance(result, (tuple, list)) or len(result) != 2:
                raise Mismatch(f"expected a pair (outputs, h_last), got {type(result).__name__}")
            expect_close(result[0], expected_outputs, "first result (outputs)", ("sequence", "step", "unit"))
            expect_close(result[1], expected_h[0], "second result (h_last)", ("sequence", "unit"))

        return run

    return {
        "one sequence of one step (N = 1, L = 1), H_in = 3, H_out = 2, seed 7": case(1, 1, 3, 2, seed=7),
        "x (2, 30, 4), H_out = 7, seed 11: a long sequence": case(2, 30, 4, 7, seed=11),
        "one input feature: x (5, 4, 1), H_out = 3, seed 3": case(5, 4, 1, 3, seed=3),
        "inputs scaled by 10 (tanh saturates): x (3, 5, 2), H_out = 4, seed 5": case(3, 5, 2, 4, seed=5, scale=10.0),
        "x a non-contiguous view, (4, 6, 3), H_out = 5, seed 2": case(4, 6, 3, 5, seed=2, transposed=True),
    }


def hidden_bidirectional_pass(bidirectional_pass):
    """Cases for `bidirectional_pass(x, rnn) -> (output (N, L, 2*H_out), h_n (2, N, H_out))`, rnn refusing calls."""

    class ByHandOnly(nn.RNN):
        """A bidirectional nn.RNN that refuses to be called: the pass must be computed from its weights."""

        def forward(self, *args, **kwargs):
            raise Mismatch("your bidirectional_pass called rnn(...): compute the pass by hand from its weights")

    def case(n, steps, features, hidden, seed):
        def run():
            with seeded(seed):
                rnn = ByHandOnly(features, hidden, batch_first=True, bidirectional=True).requires_grad_(False)
                x = torch.randn(n, steps, features)
            expected_output, expected_h_n = nn.RNN.forward(rnn, x)  # torch's answer, past the refusal
            result = bidirectional_pass(x, rnn)
            if not isinstance(result, (tuple, list)) or len(result) != 2:
                raise Mismatch(f"expected a pair (output, h_n), got {type(result).__name__}")
            expect_close(result[0], expected_output, "output", ("sequence", "step", "unit"))
            expect_close(result[1], expected_h_n, "h_n", ("direction", "sequence", "unit"))

        return run

    return {
        "one sequence of one step (N = 1, L = 1), H_in = 2, H_out = 3, seed 7": case(1, 1, 2, 3, seed=7),
        "x (2, 12, 3), H_out = 5, seed 11: a longer sequence": case(2, 12, 3, 5, seed=11),
        "one input feature and one hidden unit: x (4, 5, 1), H_out = 1, seed 3": case(4, 5, 1, 1, seed=3),
        "x (6, 2, 4), H_out = 2, seed 13: more sequences than steps": case(6, 2, 4, 2, seed=13),
    }


# The bidirectional pass asks for more: both directions, the backward one re-reversed, and h_n built from them.
POINTS: dict[str, int] = {"run_one_direction": 4, "bidirectional_pass": 6}
HIDDEN = {"run_one_direction": hidden_run_one_direction, "bidirectional_pass": hidden_bidirectional_pass}
