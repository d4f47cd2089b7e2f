"""Hidden grading cases for exercise 03 (batch_first): detect sequences that mix, then fix the tagger.

`mixes_sequences` is tried on models the learner's check does not use: the script's bug on a batch of one
(nothing to mix into) and on one-step sequences, a GRU and an LSTM of other sizes, and a batch-first model
that leaks sequence 0 into the last sequence only. An answer that reads `model.rnn.batch_first` instead of
watching the logits, or compares one neighbour of sequence 0 only, fails them.

`FixedTagger` is built with sizes other than its defaults (the check only builds the defaults), and run on
longer sequences, single steps and single sequences: each sequence's logits must equal its logits run
alone, and every step must depend on the first and the last step. No case trains a model.
"""

import numpy
import torch
from torch import nn

from course_utils.checks import Mismatch, expect_equal, expect_tensor
from course_utils.checks.common import seeded
from course_utils.models import SequenceTagger


def hidden_mixes_sequences(mixes_sequences):
    """Cases for `mixes_sequences(model, x (N, L, H_in)) -> bool`."""

    class LeaksIntoLastSequence(nn.Module):
        """A batch-first tagger whose last sequence's logits also get half of sequence 0's: it mixes sequences,
        but only into the last one."""

        def __init__(self, tagger):
            super().__init__()
            self.tagger = tagger

        def forward(self, x):
            logits = self.tagger(x)  # (N, L, C)
            leak = torch.zeros_like(logits)
            leak[-1] = 0.5 * logits[0]
            return logits + leak

    def as_bool(answer):
        """The answer as a bool (a Python, NumPy or one-element bool tensor), else Mismatch."""
        if isinstance(answer, (bool, numpy.bool_)):
            return bool(answer)
        if isinstance(answer, torch.Tensor) and answer.numel() == 1 and answer.dtype == torch.bool:
            return bool(answer)
        raise Mismatch(f"expected True or False, got {type(answer).__name__} {answer!r}")

    def case(n, steps, features, cell, batch_first, expected, leaks=False):
        def run():
            with seeded(3):
                model = SequenceTagger(features, 6, 3, cell=cell).eval()
                x = torch.randn(n, steps, features)
            model.rnn.batch_first = batch_first  # False: the script's bug, the RNN reads x as (L, N, H_in)
            got = as_bool(mixes_sequences(LeaksIntoLastSequence(model) if leaks else model, x))
            expect_equal(got, expected, f"answer for this model on x {(n, steps, features)}")

        return run

    return {
        "the script's bug on a batch of 1, x (1, 5, 8): no other sequence to mix into": case(
            1, 5, 8, "rnn", False, False
        ),
        "the script's bug on a batch of 2, x (2, 3, 8)": case(2, 3, 8, "rnn", False, True),
        "the script's bug with one step per sequence (L = 1), x (4, 1, 8)": case(4, 1, 8, "rnn", False, True),
        "a time-first GRU tagger, x (3, 4, 5)": case(3, 4, 5, "gru", False, True),
        "a batch-first LSTM tagger, x (3, 4, 5)": case(3, 4, 5, "lstm", True, False),
        "a batch-first tagger that leaks sequence 0 into the last sequence only, x (5, 4, 8)": case(
            5, 4, 8, "rnn", True, True, leaks=True
        ),
    }


def hidden_fixed_tagger(FixedTagger):
    """Cases for the class `FixedTagger(input_size=8, hidden_size=10, num_classes=5)`: x (N, L, H_in) ->
    logits (N, L, C), sequences kept apart, each read both ways."""

    def build(input_size, hidden_size, num_classes):
        with seeded(0):
            return FixedTagger(input_size=input_size, hidden_size=hidden_size, num_classes=num_classes).eval()

    def logits(model, x):
        with torch.no_grad():
            return model(x)

    def sizes_case(input_size, hidden_size, num_classes, n, steps):
        def run():
            model = build(input_size, hidden_size, num_classes)
            layers = [module for module in model.modules() if isinstance(module, nn.RNNBase)]
            if not layers:
                raise Mismatch("the model has no recurrent layer (nn.RNN)")
            expect_equal(
                (layers[0].input_size, layers[0].hidden_size),
                (input_size, hidden_size),
                f"(input_size, hidden_size) of the RNN of FixedTagger({input_size}, {hidden_size}, {num_classes})",
            )
            with seeded(1):
                x = torch.randn(n, steps, input_size)
            got = logits(model, x)
            if not isinstance(got, torch.Tensor) or tuple(got.shape) != (n, steps, num_classes):
                shape = tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__
                raise Mismatch(
                    f"expected logits of shape {(n, steps, num_classes)} for x {(n, steps, input_size)}, got {shape}"
                )

        return run

    def apart_case(input_size, hidden_size, num_classes, n, steps):
        def run():
            model = build(input_size, hidden_size, num_classes)
            with seeded(2):
                x = torch.randn(n, steps, input_size)
            together = logits(model, x)  # (N, L, C)
            for sequence in range(n):
                alone = logits(model, x[sequence : sequence + 1])  # (1, L, C)
                expect_tensor(
                    together[sequence : sequence + 1],
                    alone,
                    f"logits of sequence {sequence} in the batch (expected: its logits run alone)",
                    atol=1e-5,
                )

        return run

    def both_ways_case(input_size, hidden_size, num_classes, steps):
        def run():
            model = build(input_size, hidden_size, num_classes)
            with seeded(4):
                x = torch.randn(1, steps, input_size)
            before = logits(model, x)
            for changed, read in ((steps - 1, 0), (0, steps - 1)):
                edited = x.clone()
                edited[0, changed] += 1.0
                moved = (logits(model, edited) - before)[0, read].abs().max()
                if not moved > 1e-6:
                    raise Mismatch(
                        f"changing step {changed} left step {read}'s logits unchanged (L = {steps}): a "
                        "bidirectional RNN reads the whole sequence both ways"
                    )

        return run

    return {
        "FixedTagger(input_size=3, hidden_size=7, num_classes=4): RNN sizes and logits (2, 6, 4)": sizes_case(
            3, 7, 4, 2, 6
        ),
        "one step (L = 1), batch of 4, default sizes: logits (4, 1, 5)": sizes_case(8, 10, 5, 4, 1),
        "FixedTagger(input_size=4, hidden_size=6, num_classes=2): each of 3 sequences (L = 9) as if alone": apart_case(
            4, 6, 2, 3, 9
        ),
        "default sizes, x (6, 3, 8): each sequence's logits as if run alone": apart_case(8, 10, 5, 6, 3),
        "default sizes, one sequence of 12 steps: step 0 reads the last step and the last step reads step 0": (
            both_ways_case(8, 10, 5, 12)
        ),
    }


# mixes_sequences is the behavioural test the lesson teaches; the fix itself is one argument.
POINTS: dict[str, int] = {"mixes_sequences": 6, "FixedTagger": 4}
HIDDEN = {"mixes_sequences": hidden_mixes_sequences, "FixedTagger": hidden_fixed_tagger}
