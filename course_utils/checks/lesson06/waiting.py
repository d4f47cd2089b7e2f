"""Exercise 06, tasks 1 and 3: a delayed answer, the delay that covers the window, and training with it."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, TypedDict

import torch
from torch import nn
from torch.utils.data import DataLoader

from ...data import make_loaders
from ...lessons.why_not_wait import DelayedTagger, information_limit, make_window_data
from ...models import SequenceTagger, one_way_hidden_size
from ...training import evaluate, train
from ...validation import short_repr
from ..common import seeded
from ..comparators import Mismatch, expect_close, with_explanation
from ..report import CheckReport
from ..runner import run_check

HIDDEN, CLASSES = 4, 3
# (cell, batch N, steps L, features H_in, delay) of each delayed_logits case
DELAY_CASES = {
    "rnn, x (3, 8, 1), delay 2": ("rnn", 3, 8, 1, 2),
    "delay 0 (no waiting): rnn, x (2, 6, 1)": ("rnn", 2, 6, 1, 0),
    "gru with 2 features: x (2, 5, 2), delay 1": ("gru", 2, 5, 2, 1),
    "a delay longer than the sequence: rnn, x (2, 3, 1), delay 5": ("rnn", 2, 3, 1, 5),
    "batch of 1: lstm, x (1, 7, 1), delay 3": ("lstm", 1, 7, 1, 3),
}
# (seq_len, past, future) of each covering_delay case
COVER_CASES = {
    "the lesson's window: L=20, past 3, future 6": (20, 3, 6),
    "a symmetric window: L=20, past 2, future 2": (20, 2, 2),
    "a window into the past only: L=20, past 4, future 0": (20, 4, 0),
    "a sequence shorter than the window: L=4, past 3, future 6": (4, 3, 6),
    "one step: L=1, past 3, future 6": (1, 3, 6),
}
ATOL = 1e-5


class _Recipe(TypedDict):
    """How the training check trains: its one-way tagger's units, and `train`'s epochs and learning rate."""

    hidden_size: int
    epochs: int
    lr: float


# The training check: the lesson's data, one-way budget and recipe, and the accuracy a correct delay reaches.
WINDOW = {"seq_len": 20, "past": 3, "future": 6, "n_classes": 3}
RECIPE: _Recipe = {"hidden_size": one_way_hidden_size(8, input_size=1, num_classes=3), "epochs": 5, "lr": 0.03}
ACCURACY_BAR = 0.80


# --- Task 1: the delayed answer ----------------------------------------------------------------


class _DelayCase:
    """A seeded forward-only tagger, an input x, and the outputs of every way of shifting its answers."""

    def __init__(self, cell, n, steps, features, delay):
        with seeded(0):
            self.tagger = SequenceTagger(features, HIDDEN, CLASSES, cell, bidirectional=False).requires_grad_(False)
            self.x = torch.randn(n, steps, features)
            reference = DelayedTagger(features, HIDDEN, CLASSES, delay, cell).requires_grad_(False)
        reference.load_state_dict(self.tagger.state_dict())  # the same weights, answering late
        self.tagger.eval()
        self.delay = delay
        self.expected = reference(self.x)  # (N, L, C)

    def arguments(self):
        """(tagger, a copy of x, delay): a learner's in-place edit of x cannot change the expected values."""
        return self.tagger, self.x.clone(), self.delay

    def _run(self, x, zeros, at_end=True):
        """The tagger on x with `zeros` zero steps appended (or put in front): `(N, L + zeros, C)`."""
        pad = x.new_zeros(x.shape[0], zeros, x.shape[2])
        return self.tagger(torch.cat([x, pad] if at_end else [pad, x], dim=1))

    def mistakes(self):
        """(result, explanation) of each usual slip."""
        x, d, steps = self.x, self.delay, self.x.shape[1]
        appended, in_front = self._run(x, d), self._run(x, d, at_end=False)  # (N, L + d, C) each
        slips = [
            (
                self.tagger(x),
                "That is the tagger's output for step t at step t itself: no waiting (the first L outputs of the "
                "padded run are the same). The answer for step t is the output at step t + delay: outputs[:, delay:].",
            ),
            (
                self.tagger(x)[:, d:],
                "Without zero steps appended the run has only L steps, and only L - delay of them come after step "
                "delay. Append delay zero steps to x first, so that the last steps get an answer too.",
            ),
            (appended, "That is all L + delay outputs of the padded run: keep the last L, from step delay on."),
            (
                in_front[:, d:],
                "The zero steps went in front of the sequence: the tagger reads x_t at step t + delay and answers "
                "then, without having read anything after x_t. Append the zeros at the end of x.",
            ),
            (
                in_front[:, :steps],
                "That answers for step t having read only x_0 .. x_{t - delay}: with the zeros in front and the "
                "first L outputs kept, it waits the wrong way round. Append the zeros at the end, keep the last L.",
            ),
            (
                self._run(x, d + 1)[:, d + 1 :],
                "One step late: the answer for step t comes from step t + delay + 1. Append delay zero steps, "
                "not delay + 1.",
            ),
        ]
        if d >= 1:
            slips.append(
                (
                    appended[:, d - 1 : d - 1 + steps],
                    "One step early: the answer for step t comes from step t + delay - 1, before x_{t+delay} "
                    "is read. Take it from step t + delay: outputs[:, delay:].",
                )
            )
        else:  # -0 is 0: slices written for delay > 0 go wrong at delay 0
            slips += [
                (
                    appended[:, :0],
                    "That is empty: with delay 0, outputs[:, :-delay] is outputs[:, :0] (-0 is 0). Slice from the "
                    "front instead, outputs[:, delay:], which keeps every step when delay is 0.",
                ),
                (
                    self._run(x, steps),
                    "That is 2L outputs: with delay 0, x[:, -delay:] is all of x (-0 is 0), so L zero steps were "
                    "appended. Build the zeros from the sizes instead: x.new_zeros(N, delay, H_in).",
                ),
            ]
        return slips


def check_delayed_logits(delayed_logits: Callable[..., Any]) -> CheckReport:
    """Check `delayed_logits(tagger, x, delay)` against a `DelayedTagger` with the tagger's weights."""

    def case(*args):
        def run():
            c = _DelayCase(*args)
            got = delayed_logits(*c.arguments())
            expect_close(
                got, c.expected, f"logits (N, L, C={CLASSES})", ("sequence", "step", "class"), ATOL, c.mistakes()
            )

        return run

    return run_check(
        "delayed_logits",
        {name: case(*args) for name, args in DELAY_CASES.items()},
        hint="append delay zero steps at the end of x (torch.cat with x.new_zeros(N, delay, H_in) on "
        "dim 1), run the tagger on all L + delay steps, and keep outputs[:, delay:].",
    )


# --- Task 3: the delay that covers the window, and training with it ---------------------------


def _smallest_covering_delay(seq_len, past, future) -> int:
    """The smallest delay at which `information_limit` says a forward tagger misses nothing (MSE 0)."""
    return next(
        d for d in range(seq_len + future + 1) if information_limit(d, "forward", seq_len, past, future)["mse"] == 0
    )


def _delay_slips(seq_len, past, future, expected):
    """(value, explanation) of each usual wrong delay."""
    slips = [
        (
            past + future,
            "That is past + future, the window's width less one: the past inputs x_{t-past} .. x_{t-1} are read "
            "before step t anyway; the delay only has to reach the inputs after t.",
        )
    ]
    if expected == future:
        slips += [
            (
                future + 1,
                "One step too long: at step t + future the tagger has just read x_{t+future}, the window's last input.",
            ),
            (
                future - 1,
                "One step short: at step t + future - 1 the window's last input, x_{t+future}, is still unread.",
            ),
        ]
    else:
        slips.append(
            (
                future,
                f"That is `future`, right for long sequences; but this sequence has only L = {seq_len} "
                f"step{'s' if seq_len != 1 else ''} and the window's inputs after step L-1 are known zeros, "
                f"so by d = {expected} a tagger has read all there is. Let information_limit decide: it "
                "counts only inputs inside the sequence.",
            )
        )
    slips += [
        (
            past,
            "past counts the inputs before t, which a forward tagger has read anyway: the delay must cover "
            "the inputs after t.",
        ),
        (
            seq_len - 1,
            "That waits for the end of the sequence: it covers the window, but it is not the smallest delay that does.",
        ),
    ]
    return slips


def check_covering_delay(covering_delay: Callable[..., Any]) -> CheckReport:
    """Check `covering_delay(seq_len, past, future)` against the search over `information_limit`."""

    def case(seq_len, past, future):
        def run():
            got = covering_delay(seq_len, past, future)
            try:
                value = operator.index(got)
            except TypeError:
                raise Mismatch(f"expected a whole number of steps (an int), got {short_repr(got)}") from None
            expected = _smallest_covering_delay(seq_len, past, future)
            if value != expected:
                why = next((text for slip, text in _delay_slips(seq_len, past, future, expected) if slip == value), "")
                raise Mismatch(with_explanation(f"expected d = {expected}, got {value}", why))
            return f"d = {expected}"

        return run

    return run_check(
        "covering_delay",
        {name: case(*args) for name, args in COVER_CASES.items()},
        hint="try d = 0, 1, 2, ... and return the first d for which information_limit(d, 'forward', "
        "seq_len, past, future)['mse'] is 0: nothing the target depends on is unread.",
    )


class _WaitingTagger(nn.Module):
    """A forward-only tagger that answers through the learner's `delayed_logits`: x `(N, L, 1)` -> `(N, L, C)`."""

    def __init__(self, delayed_logits, delay):
        super().__init__()
        self.tagger = SequenceTagger(1, RECIPE["hidden_size"], WINDOW["n_classes"], bidirectional=False)
        self.delayed_logits, self.delay = delayed_logits, delay

    def forward(self, x):
        return self.delayed_logits(self.tagger, x, self.delay)


def _trained_accuracy(delayed_logits, delay, loaders: tuple[DataLoader, DataLoader]) -> float:
    """Validation accuracy of a `_WaitingTagger` trained with the lesson's recipe from seed 0."""
    with seeded(0):
        model = _WaitingTagger(delayed_logits, delay)
        train(model, *loaders, epochs=RECIPE["epochs"], lr=RECIPE["lr"], progress=False, seed=0)
    return evaluate(model, loaders[1])["acc"]


def check_waiting_training(delayed_logits: Callable[..., Any], covering_delay: Callable[..., Any]) -> CheckReport:
    """Train a forward tagger through `delayed_logits` at `covering_delay` of the lesson's window; score it."""
    window = (WINDOW["seq_len"], WINDOW["past"], WINDOW["future"])
    expected_delay = _smallest_covering_delay(*window)

    def run():
        delay = covering_delay(*window)
        if delay != expected_delay:
            raise Mismatch(
                f"covering_delay{window} gave {delay!r}, not {expected_delay}: make check_covering_delay pass first"
            )
        X, _, labels = make_window_data(seed=0, **WINDOW)
        loaders = make_loaders(X, labels, batch_size=32, seed=0)
        waited = _trained_accuracy(delayed_logits, delay, loaders)
        if waited < ACCURACY_BAR:
            raise Mismatch(
                f"validation accuracy {waited:.4f}, below {ACCURACY_BAR:.2f}: does check_delayed_logits "
                f"pass? With delay {delay} the answer for step t must come from step t + {delay}"
            )
        at_once = _trained_accuracy(delayed_logits, 0, loaders)
        limit = information_limit(delay, "forward", **WINDOW)["acc"]
        limit_at_once = information_limit(0, "forward", **WINDOW)["acc"]
        return (
            f"validation accuracy {waited:.4f} (best possible {limit:.4f}); the same tagger without waiting: "
            f"{at_once:.4f} (best possible {limit_at_once:.4f})"
        )

    name = (
        f"forward rnn tagger, {RECIPE['hidden_size']} units, delay {expected_delay}, {RECIPE['epochs']} epochs "
        f"on 800 sequences of the window task, then 200 more: accuracy >= {ACCURACY_BAR:.2f}"
    )
    return run_check(
        "waiting for the window",
        {name: run},
        hint="make check_delayed_logits and check_covering_delay pass first; this check uses your "
        "functions as they are.",
        slow=True,
    )
