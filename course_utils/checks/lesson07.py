"""Checks for exercise 07 (speaker identification): a masked mean, a packed classifier, and training it.

`check_mean_pool(fn)`: `fn(x (N, L, H_in), lengths (N,)) -> (N, H_in)`, the average of each
sequence's valid steps. One case pads with -1 instead of 0, so only the lengths can
tell real steps from pads.

`check_classifier_forward(cls)`: `cls(input_size, hidden_size, num_classes, cell, num_layers)`
builds `.rnn` (a bidirectional, batch-first nn.RNN/GRU/LSTM) and `.head`
(nn.Linear(D*H_out, C)); its `forward(x, lengths) -> logits (N, C)` must equal the head
applied to each sequence's own final states `[h_n[-2], h_n[-1]]`, computed by running
every sequence alone, without padding.

`check_speaker_training(cls)`: trains `cls(12, 32, 9, cell="gru")` on the Japanese
Vowels training split with the lesson's recipe and scores it on the test split.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ..lessons.speaker_id import N_COEFFICIENTS, N_SPEAKERS, make_vowel_loaders
from ..tensors import step_mask
from ..training import evaluate, train
from .common import seeded
from .comparators import Mismatch, expect_close
from .report import CheckReport
from .runner import run_check

ATOL = 1e-5
FEATURES = 4
CLASSES = 3
# (steps L, lengths, padding value) of each mean_pool case
POOL_CASES = {
    "x (3, 5, 4), lengths [5, 2, 4], zero padding": (5, [5, 2, 4], 0.0),
    "x (2, 6, 4), lengths [3, 1] (no sequence fills L)": (6, [3, 1], 0.0),
    "x (3, 4, 4), lengths [2, 4, 3], padded with -1, not 0": (4, [2, 4, 3], -1.0),
    "batch of 1: x (1, 3, 4), lengths [3]": (3, [3], 0.0),
}
# (cell, num_layers, hidden size H_out, steps L, lengths) of each forward case
FORWARD_CASES = {
    "gru, x (3, 5, 4), lengths [5, 2, 4] (not sorted)": ("gru", 1, 3, 5, [5, 2, 4]),
    "2-layer lstm, x (3, 6, 4), lengths [3, 6, 1]": ("lstm", 2, 2, 6, [3, 6, 1]),
    "rnn, x (2, 6, 4), lengths [3, 2] (no sequence fills L)": ("rnn", 1, 3, 6, [3, 2]),
    "batch of 1: gru, x (1, 4, 4), lengths [4]": ("gru", 1, 2, 4, [4]),
}


class _Recipe(TypedDict):
    """How the training check trains: the classifier's units and cell, and `train`'s epochs, rate and batch size."""

    hidden_size: int
    cell: str
    epochs: int
    lr: float
    batch_size: int


# The training check: the lesson's recipe (20 epochs, lr 0.01, batches of 16) with 32 units instead of 64, to keep
# the check quick, and the accuracy a correct forward reaches with it.
RECIPE: _Recipe = {"hidden_size": 32, "cell": "gru", "epochs": 20, "lr": 0.01, "batch_size": 16}
ACCURACY_BAR = 0.95


def _padded_batch(steps, lengths, pad_value):
    """x `(N, L, H_in)` seeded, with `pad_value` at every padded step, and lengths `(N,)`."""
    lengths = torch.tensor(lengths)
    with seeded(0):
        x = torch.randn(len(lengths), steps, FEATURES)
    padded = ~step_mask(lengths, steps)  # (N, L)
    return x.masked_fill(padded.unsqueeze(-1), pad_value), lengths


def check_mean_pool(mean_pool: Callable[..., Any]) -> CheckReport:
    """Check `mean_pool(x, lengths)` against the mean of each sequence's valid steps."""

    def case(steps, lengths, pad_value):
        def run():
            x, lengths_t = _padded_batch(steps, lengths, pad_value)
            expected = torch.stack([x[n, :length].mean(0) for n, length in enumerate(lengths)])
            valid = step_mask(lengths_t, steps).unsqueeze(-1)
            got = mean_pool(x.clone(), lengths_t.clone())
            expect_close(
                got,
                expected,
                "mean (N, H_in)",
                ("sequence", "feature"),
                ATOL,
                [
                    (
                        x.mean(1),
                        "That is x.mean(dim=1): it averages over all L steps, pads included. Sum the valid "
                        "steps only and divide by each sequence's length.",
                    ),
                    (
                        x.sum(1) / lengths_t.unsqueeze(1),
                        "The division by the length is right, but the sum includes the padded steps: here they are not "
                        "zero. Mask them out (steps t >= lengths[n]) before summing.",
                    ),
                    (
                        (x * valid).sum(1) / steps,
                        "The pads are masked out, but you divided by L: divide by each sequence's own length.",
                    ),
                    ((x * valid).sum(1), "That is the sum of the valid steps: divide it by each sequence's length."),
                    (x.mean(2), "That averaged the features (dim=2): average over time, dim=1."),
                ],
            )

        return run

    return run_check(
        "mean_pool",
        {name: case(*args) for name, args in POOL_CASES.items()},
        hint="build a mask (N, L, 1) of the valid steps from torch.arange(L) < lengths[:, None], "
        "sum x * mask over dim 1, then divide by lengths[:, None].",
    )


class _ForwardCase:
    """One padded batch, the learner's model built from a seed, and the results of every way of reading it."""

    def __init__(self, classifier_class, cell, num_layers, hidden, steps, lengths):
        with seeded(0):
            self.model = classifier_class(FEATURES, hidden, CLASSES, cell=cell, num_layers=num_layers)
        self.model.eval().requires_grad_(False)
        self.cell, self.hidden = cell, hidden
        self.x, self.lengths = _padded_batch(steps, lengths, 0.0)
        rnn, head = self.model.rnn, self.model.head
        self.alone = [self._h(rnn(self.x[n : n + 1, :length])[1]) for n, length in enumerate(lengths)]
        packed_output, packed_hidden = rnn(
            pack_padded_sequence(self.x, self.lengths, batch_first=True, enforce_sorted=False)
        )
        padded_output, padded_hidden = rnn(self.x)
        self.output = pad_packed_sequence(packed_output, batch_first=True, total_length=steps)[0]  # (N, L, D*H_out)
        self.padded_output = padded_output
        self.h_n, self.padded_h_n = self._h(packed_hidden), self._h(padded_hidden)
        self.c_n = packed_hidden[1] if cell == "lstm" else None
        self.head = head
        self.summary = torch.cat([torch.cat([h[-2], h[-1]], -1) for h in self.alone])  # (N, D*H_out)
        self.expected = head(self.summary)  # (N, C)

    def _h(self, hidden):
        return hidden[0] if self.cell == "lstm" else hidden

    def mistakes(self):
        """(result, explanation) of each classic slip, as logits through the same head."""
        n = len(self.lengths)
        last_valid = self.output[torch.arange(n), self.lengths - 1]
        slips = [
            (
                self.padded_output[:, -1],
                "That is the head on output[:, -1] of the padded batch fed unpacked: the forward half ran on through "
                "the pads, and the backward half is where the backward direction starts (on a pad), not where it "
                "ends. Pack, then read h_n.",
            ),
            (
                self.output[:, -1],
                "That is the head on output[:, -1] after unpacking: for a sequence shorter than L it is a pad (zeros), "
                "and its backward half is where the backward direction starts. Read the final states from h_n.",
            ),
            (
                last_valid,
                "That is the head on the output at each sequence's last valid step: the forward half is right, but "
                "the backward half there is where the backward direction starts, not its summary. The backward "
                "summary is h_n[-1].",
            ),
            (
                torch.cat([self.padded_h_n[-2], self.padded_h_n[-1]], -1),
                "That is h_n of the padded batch fed unpacked: the forward direction read the pads after the real "
                "steps and the backward one started on them. Pack the batch with pack_padded_sequence first.",
            ),
            (
                torch.cat([self.h_n[-1], self.h_n[-2]], -1),
                "The two halves are swapped: the head expects the forward state h_n[-2] first.",
            ),
            (
                torch.cat([self.h_n[0], self.h_n[1]], -1),
                "h_n[0] and h_n[1] are the first layer's states: the last layer's are h_n[-2] and h_n[-1].",
            ),
        ]
        if self.c_n is not None:
            slips.append(
                (
                    torch.cat([self.c_n[-2], self.c_n[-1]], -1),
                    "Those are the LSTM's cell states c_n: an nn.LSTM returns (output, (h_n, c_n)); use h_n.",
                )
            )
        explained = [(self.head(summary), why) for summary, why in slips]
        explained += [
            (
                self.expected.softmax(-1),
                "Those are probabilities (softmax of the logits): return the logits; the "
                "cross-entropy loss applies its own softmax.",
            ),
            (
                lambda got: isinstance(got, torch.Tensor) and tuple(got.shape) == (n, 2 * self.hidden),
                "That is the summary (N, D*H_out) itself: pass it through self.head to get the logits (N, C).",
            ),
            (lambda got: isinstance(got, tuple), "forward must return one tensor, the logits (N, C), not a tuple."),
        ]
        return explained


def check_classifier_forward(classifier_class: Callable[..., Any]) -> CheckReport:
    """Check `classifier_class(...).forward(x, lengths)` against each sequence's own final states and the head."""

    def case(*args):
        def run():
            c = _ForwardCase(classifier_class, *args)
            got = c.model(c.x.clone(), c.lengths.clone())
            expect_close(got, c.expected, f"logits (N, C={CLASSES})", ("sequence", "class"), ATOL, c.mistakes())

        return run

    return run_check(
        "SpeakerClassifier.forward",
        {name: case(*args) for name, args in FORWARD_CASES.items()},
        hint="pack x with pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False), "
        "run self.rnn on it, take h_n (an LSTM returns (h_n, c_n)), concatenate h_n[-2] and "
        "h_n[-1], and return self.head of that.",
    )


def check_speaker_training(classifier_class: Callable[..., Any]) -> CheckReport:
    """Train `classifier_class(12, 32, 9, cell="gru")` with the lesson's recipe (32 units); report its test accuracy."""
    runs = {}

    def run():
        train_loader, test_loader = make_vowel_loaders(batch_size=RECIPE["batch_size"], seed=0)
        with seeded(0):
            model = classifier_class(
                N_COEFFICIENTS, RECIPE["hidden_size"], N_SPEAKERS, cell=RECIPE["cell"], num_layers=1
            )
            train(model, train_loader, epochs=RECIPE["epochs"], lr=RECIPE["lr"], seed=0, progress=False)
        runs["acc"] = evaluate(model, test_loader)["acc"]
        if runs["acc"] < ACCURACY_BAR:
            raise Mismatch(
                f"test accuracy {runs['acc']:.4f}, below {ACCURACY_BAR}: does "
                "check_classifier_forward pass? Each utterance must be summarised by its own final "
                "states, whatever its batch mates"
            )
        return f"test accuracy {runs['acc']:.4f}"

    name = (
        f"{RECIPE['cell']}, H_out={RECIPE['hidden_size']}, {RECIPE['epochs']} epochs on the 270 training "
        f"utterances, then the 370 test ones: accuracy >= {ACCURACY_BAR}"
    )
    return run_check(
        "training on Japanese Vowels",
        {name: run},
        hint="make check_classifier_forward pass first; this check uses your forward as it is.",
        slow=True,
    )
