"""Hidden grading cases of exercise 06 (why not just wait?).

What they add to the learner's checks: delayed answers from taggers with 4 or 5 classes, more than one layer or
float64 weights, on one-step sequences and with a delay as long as the sequence; merges with one class, in
float64 (where log 2 must be exact) and with one tagger far surer than the other; covering delays for windows
and sequences far longer than the check's grid; and a tagger trained through both functions on another
window (L = 12, past 1, future 4, 4 classes) from another seed.
"""

import math

import torch

from course_utils.checks import Mismatch, expect_equal, expect_tensor
from course_utils.checks.common import seeded
from course_utils.data import make_loaders
from course_utils.lessons.why_not_wait import DelayedTagger, make_window_data
from course_utils.models import SequenceTagger
from course_utils.training import evaluate, train


def hidden_delayed_logits(delayed_logits):
    """Taggers and inputs the check does not use, each compared with a DelayedTagger holding the same weights."""

    def case(cell, layers, classes, shape, delay, dtype=torch.float32):
        def run():
            n, steps, features = shape
            with seeded(steps + delay):
                tagger = SequenceTagger(features, 5, classes, cell, bidirectional=False, num_layers=layers)
                x = torch.randn(shape, dtype=dtype)
            reference = DelayedTagger(features, 5, classes, delay, cell, num_layers=layers)
            reference.load_state_dict(tagger.state_dict())
            tagger, reference = tagger.to(dtype).eval(), reference.to(dtype).eval()
            with torch.no_grad():
                expected = reference(x)  # (N, L, C)
            got = delayed_logits(tagger, x.clone(), delay)
            expect_tensor(got, expected, f"logits (N={n}, L={steps}, C={classes}) for delay {delay}", atol=1e-5)

        return run

    return {
        "one step, no waiting: gru, 4 classes, x (4, 1, 3), delay 0": case("gru", 1, 4, (4, 1, 3), 0),
        "one step, a long wait: rnn, 5 classes, x (2, 1, 2), delay 4": case("rnn", 1, 5, (2, 1, 2), 4),
        "a delay equal to L: 2-layer lstm, 4 classes, x (3, 6, 2), delay 6": case("lstm", 2, 4, (3, 6, 2), 6),
        "float64: rnn, 2 classes, x (2, 5, 3), delay 2": case("rnn", 1, 2, (2, 5, 3), 2, torch.float64),
        "batch of 1: gru, 6 classes, x (1, 9, 1), delay 1": case("gru", 1, 6, (1, 9, 1), 1),
    }


def hidden_merge_probabilities(merge_probabilities):
    """One class, float64 logits (log 2 checked to 1e-6), one confident and one unsure tagger, a batch of 1."""

    def case(shape, forward_scale, backward_scale, dtype=torch.float32, atol=1e-4):
        def run():
            with seeded(sum(shape)):
                forward = (torch.randn(shape, dtype=torch.float64) * forward_scale).to(dtype)
                backward = (torch.randn(shape, dtype=torch.float64) * backward_scale).to(dtype)
            log_p_forward, log_p_backward = forward.double().log_softmax(-1), backward.double().log_softmax(-1)
            expected = torch.logaddexp(log_p_forward, log_p_backward) - math.log(2)  # in float64
            got = merge_probabilities(forward.clone(), backward.clone())
            expect_tensor(got, expected, f"merged log-probabilities (N, L, C={shape[-1]})", atol=atol)

        return run

    return {
        "one class: logits (2, 3, 1), log 1 = 0 everywhere": case((2, 3, 1), 1.0, 1.0),
        "float64 logits (4, 9, 6): right to 1e-6": case((4, 9, 6), 1.0, 1.0, torch.float64, 1e-6),
        "one tagger sure (logits in the thousands), the other unsure: (2, 4, 3)": case((2, 4, 3), 1000.0, 0.1),
        "batch of 1, 20 steps, 2 classes: logits (1, 20, 2)": case((1, 20, 2), 3.0, 3.0),
    }


def hidden_covering_delay(covering_delay):
    """Windows and sequences far beyond the check's grid (futures up to 100, sequences up to 500 steps)."""

    def case(seq_len, past, future):
        def run():
            got = covering_delay(seq_len, past, future)
            try:
                value = got.__index__()  # ints, NumPy integers and one-element integer tensors have it
            except (AttributeError, TypeError):
                raise Mismatch(
                    f"covering_delay({seq_len}, {past}, {future}) returned {got!r:.60}: a delay is a whole number"
                ) from None
            expect_equal(value, min(future, seq_len - 1), f"delay for L={seq_len}, past {past}, future {future}")
            return f"d = {value}"

        return run

    return {
        "a long sequence and a wide window: L=500, past 10, future 40": case(500, 10, 40),
        "L = future + 1 with a far future: L=41, past 0, future 40": case(41, 0, 40),
        "L = future: L=40, past 5, future 40": case(40, 5, 40),
        "two steps, a future of 100: L=2, past 0, future 100": case(2, 0, 100),
        "one step, no window at all: L=1, past 0, future 0": case(1, 0, 0),
        "a past longer than the future: L=30, past 25, future 12": case(30, 25, 12),
    }


def hidden_waiting_training(delayed_logits, covering_delay):
    """A forward tagger trained through both functions on another window and seed: L = 12, past 1, future 4,
    4 classes, seed 1. Measured: 0.80 to 0.85 over seeds 1-4 at the right delay 4 (0.68 to 0.74 at delay 3)."""
    window = {"seq_len": 12, "past": 1, "future": 4, "n_classes": 4}

    class WaitingTagger(torch.nn.Module):
        """A one-way tagger of 12 units answering through the learner's delayed_logits: (N, L, 1) -> (N, L, 4)."""

        def __init__(self, delay):
            super().__init__()
            self.tagger = SequenceTagger(1, 12, window["n_classes"], bidirectional=False)
            self.delay = delay

        def forward(self, x):
            return delayed_logits(self.tagger, x, self.delay)

    def run():
        delay = covering_delay(window["seq_len"], window["past"], window["future"])
        X, _, labels = make_window_data(seed=1, **window)
        loaders = make_loaders(X, labels, batch_size=32, seed=1)
        with seeded(1):
            model = WaitingTagger(delay)
            train(model, *loaders, epochs=5, lr=0.03, progress=False, seed=1)
        accuracy = evaluate(model, loaders[1])["acc"]
        if accuracy < 0.74:
            raise Mismatch(
                f"validation accuracy {accuracy:.4f} at your delay {delay}, below 0.74 (a right pair of functions "
                "reaches about 0.80 to 0.85 here)"
            )
        return f"validation accuracy {accuracy:.4f} at delay {delay}"

    return {"window L=12, past 1, future 4, 4 classes, seed 1: validation accuracy >= 0.74": run}


POINTS: dict[str, int] = {
    "delayed_logits": 3,
    "merge_probabilities": 2,
    "covering_delay": 2,
    "waiting for the window": 3,
}
HIDDEN = {
    "delayed_logits": hidden_delayed_logits,
    "merge_probabilities": hidden_merge_probabilities,
    "covering_delay": hidden_covering_delay,
    "waiting for the window": hidden_waiting_training,
}
SLOW: frozenset[str] = frozenset({"waiting for the window"})
