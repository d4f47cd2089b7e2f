"""Exercise 06, tasks 1 and 3: a delayed answer, the delay that covers the window, and training with it."""

from __future__ import annotations

import functools
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
from ..comparators import Mismatch, expect_close, explaining_errors, with_explanation
from ..report import CheckReport
from ..runner import run_check
from ..tracebacks import describe_error

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
    "no past: L=20, past 0, future 5": (20, 0, 5),
    "a sequence just long enough, L = future + 1: L=7, past 3, future 6": (7, 3, 6),
    "a sequence one step shorter: L=6, past 3, future 6": (6, 3, 6),
    "a sequence shorter than the window: L=4, past 3, future 6": (4, 3, 6),
    "one step: L=1, past 3, future 6": (1, 3, 6),
}
# Every (seq_len, past, future) of the grid case: sequences from 1 step to well past the window, futures from 0 on
GRID = [(seq_len, past, future) for seq_len in range(1, 13) for past in (0, 3) for future in range(9)]
GRID_CASE = f"{len(GRID)} windows: L = 1 .. 12, past 0 or 3, future 0 .. 8"
ATOL = 1e-5
DELAY_CONCEPT = (
    "an output delay is a shift in time: with d zero steps appended, a forward tagger answers for step t at step "
    "t + d, after reading x_0 .. x_{t+d} (lesson 06, section 'Waiting: a forward tagger with an output delay')"
)
COVER_CONCEPT = (
    "answering for step t at step t + d, a forward tagger has read x_0 .. x_{t+d}: the past part of the window is "
    "read anyway, the delay has to reach its last input, and a sequence ends at step L - 1: the window's inputs "
    "beyond it are known zeros, nothing to wait for (lesson 06, sections 'What each model could know at best' and "
    "'Why waiting helps, then hurts', the cell that counts the window inputs read)"
)
TRAINING_CONCEPT = (
    "with the delay that covers the window, a forward tagger has read everything its target depends on before it "
    "answers; what it still gets wrong is what it failed to learn and keep, not what it could not see (lesson 06, "
    "sections 'What each model could know at best' and 'Why waiting helps, then hurts')"
)


class _Recipe(TypedDict):
    """How the training check trains: its one-way tagger's units, and `train`'s epochs and learning rate."""

    hidden_size: int
    epochs: int
    lr: float


# The training check: the lesson's data, one-way budget and recipe, and the accuracy a correct delay reaches.
WINDOW = {"seq_len": 20, "past": 3, "future": 6, "n_classes": 3}
RECIPE: _Recipe = {"hidden_size": one_way_hidden_size(8, input_size=1, num_classes=3), "epochs": 5, "lr": 0.03}
ACCURACY_BAR = 0.80
UNTRAINABLE = (
    "your delayed_logits returns the right numbers, but cut off from the tagger's weights, so training cannot "
    "change them: run the tagger without torch.no_grad() and return its output itself (no .detach(), .numpy() or "
    "torch.tensor(...) around it)"
)


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


def _zeros_misshaped(error: Exception) -> str:
    """The explanation of torch.cat refusing zero steps whose batch or feature size differs from x's, or ""."""
    if "must match except in dimension 1" not in str(error):
        return ""
    return (
        "The zero steps must have x's batch size and features, (N, delay, H_in), to be joined to x on the step "
        "axis: take both sizes from x (x.shape[0], x.shape[2]) instead of writing them as numbers."
    )


def _delay_cases(delayed_logits: Callable[..., Any]) -> dict[str, Callable[[], object]]:
    """The cases of `check_delayed_logits`, by name (the training check runs them too, as its prerequisite)."""

    def case(*args):
        def run():
            c = _DelayCase(*args)
            with explaining_errors(_zeros_misshaped):
                got = delayed_logits(*c.arguments())
            expect_close(
                got, c.expected, f"logits (N, L, C={CLASSES})", ("sequence", "step", "class"), ATOL, c.mistakes()
            )

        return run

    return {name: case(*args) for name, args in DELAY_CASES.items()}


def check_delayed_logits(delayed_logits: Callable[..., Any]) -> CheckReport:
    """Check `delayed_logits(tagger, x, delay)` against a `DelayedTagger` with the tagger's weights."""
    return run_check(
        "delayed_logits",
        _delay_cases(delayed_logits),
        hint="append delay zero steps at the end of x (torch.cat with x.new_zeros(N, delay, H_in) on "
        "dim 1), run the tagger on all L + delay steps, and keep outputs[:, delay:].",
        concept=DELAY_CONCEPT,
    )


# --- Task 3: the delay that covers the window, and training with it ---------------------------


def covering(seq_len: int, future: int) -> int:
    """The smallest delay at which a forward tagger has read every input its targets depend on: min(future, L - 1).

    The target of step t needs x_{t+future}, or x_{L-1} where that lies beyond the sequence (the rest are known
    zeros); answering at step t + d the tagger has read up to x_{t+d}, so step t waits min(future, L - 1 - t)
    steps, and step 0 longest. The unit tests prove it equal to the search over `information_limit`.
    """
    return min(future, seq_len - 1)


# Each usual wrong formula, as a function of (seq_len, past, future), with what is wrong with it.
DELAY_SLIPS: list[tuple[Callable[[int, int, int], int], str]] = [
    (
        lambda seq_len, past, future: past + future,
        "That is past + future, the window's width less one: the past inputs x_{t-past} .. x_{t-1} are read "
        "before step t anyway; the delay only has to reach the inputs after t.",
    ),
    (
        lambda seq_len, past, future: min(past + future, seq_len - 1),
        "That waits for the past inputs too (past + future, capped at the sequence's end): the inputs "
        "x_{t-past} .. x_{t-1} are read before step t anyway; the delay only has to reach the inputs after t.",
    ),
    (
        lambda seq_len, past, future: future,
        "That is `future`, right for long sequences; but a tagger cannot read beyond the sequence's last step, "
        "L - 1, and the window's inputs after it are known zeros: in a short sequence it has read all there is "
        "sooner. Which step t has to wait longest, and for which input?",
    ),
    (
        lambda seq_len, past, future: min(future, seq_len),
        "One step too long at the end of the sequence: its last step is L - 1, not L, so a tagger answering for "
        "step 0 has read all there is once it has waited L - 1 steps.",
    ),
    (
        lambda seq_len, past, future: min(future + 1, seq_len - 1),
        "One step too long: at step t + future the tagger has just read x_{t+future}, the window's last input.",
    ),
    (
        lambda seq_len, past, future: future + 1,
        "One step too long: at step t + future the tagger has just read x_{t+future}, the window's last input "
        "(and no sequence lets it read beyond its last step, L - 1).",
    ),
    (
        lambda seq_len, past, future: min(future - 1, seq_len - 1),
        "One step short: at step t + future - 1 the window's last input, x_{t+future}, is still unread.",
    ),
    (
        lambda seq_len, past, future: future - 1,
        "One step short: at step t + future - 1 the window's last input, x_{t+future}, is still unread.",
    ),
    (
        lambda seq_len, past, future: past,
        "That is `past`: it counts the inputs before t, which a forward tagger has read anyway: the delay must "
        "cover the inputs after t.",
    ),
    (
        lambda seq_len, past, future: seq_len - 1,
        "That waits for the end of the sequence: it covers the window, but it is not the smallest delay that does.",
    ),
]


def _as_delay(got: object, arguments: tuple[int, int, int]) -> int:
    """`got` as an int (any integer type: int, a NumPy integer, a one-element integer tensor), else Mismatch."""
    call = _call(arguments)
    try:
        value = operator.index(got)  # type: ignore[arg-type]
    except TypeError:
        raise Mismatch(
            f"{call} returned {short_repr(got)}: a delay is a whole number of steps, so return an int "
            "(the delayed tagger appends that many zero steps)"
        ) from None
    if value < 0:
        raise Mismatch(f"{call} returned {value}: a delay is never negative (d = 0 is no waiting)")
    return value


def _wrong_delay(arguments: tuple[int, int, int], value: int, expected: int) -> str:
    """The message for a wrong delay, naming the slip that gives `value` there when one does."""
    why = next((text for slip, text in DELAY_SLIPS if slip(*arguments) == value), "")
    return with_explanation(f"{_call(arguments)} gave {value}, expected d = {expected}", why)


def _call(arguments: tuple[int, int, int]) -> str:
    """The learner's call for one window: `covering_delay(seq_len=4, past=3, future=6)`."""
    return "covering_delay(seq_len={}, past={}, future={})".format(*arguments)


def _raised_for(arguments: tuple[int, int, int], error: Exception) -> str:
    """Which window of the grid made the learner's covering_delay raise `error`."""
    return f"(It raised it for {_call(arguments)}.)"


def _cover_cases(covering_delay: Callable[..., Any]) -> dict[str, Callable[[], object]]:
    """The cases of `check_covering_delay`, by name (the training check runs them too, as its prerequisite)."""

    def case(seq_len, past, future):
        def run():
            arguments = (seq_len, past, future)
            value = _as_delay(covering_delay(*arguments), arguments)
            expected = covering(seq_len, future)
            if value != expected:
                raise Mismatch(_wrong_delay(arguments, value, expected))
            return f"d = {expected}"

        return run

    def grid():
        got = {}
        for arguments in GRID:
            with explaining_errors(functools.partial(_raised_for, arguments)):
                result = covering_delay(*arguments)
            got[arguments] = _as_delay(result, arguments)
        wrong = [arguments for arguments in GRID if got[arguments] != covering(arguments[0], arguments[2])]
        if not wrong:
            return "all right"
        # The slip whose formula gives every answer explains best; else the first wrong window with a past, where
        # fewer formulas coincide (with past 0, past + future is future).
        first = min(wrong, key=lambda arguments: arguments[1] == 0)
        formula = next((text for slip, text in DELAY_SLIPS if all(slip(*a) == got[a] for a in GRID)), None)
        expected = covering(first[0], first[2])
        if formula is None:
            message = _wrong_delay(first, got[first], expected)
        else:
            message = with_explanation(f"{_call(first)} gave {got[first]}, expected d = {expected}", formula)
        raise Mismatch(f"{message} (wrong for {len(wrong)} of the {len(GRID)} windows)")

    cases = {name: case(*args) for name, args in COVER_CASES.items()}
    cases[GRID_CASE] = grid
    return cases


def check_covering_delay(covering_delay: Callable[..., Any]) -> CheckReport:
    """Check `covering_delay(seq_len, past, future)` against min(future, seq_len - 1) on many windows and lengths."""
    return run_check(
        "covering_delay",
        _cover_cases(covering_delay),
        hint="the target of step t needs x_{t+future}, or x_{L-1} where that lies beyond the sequence; answering at "
        "step t + d the tagger has read up to x_{t+d}, so step t needs d >= min(future, L - 1 - t), and step 0 "
        "needs the most: return min(future, seq_len - 1).",
        concept=COVER_CONCEPT,
    )


def _prerequisites(delayed_logits: Callable[..., Any], covering_delay: Callable[..., Any]) -> None:
    """Raise Mismatch naming the first case of check_covering_delay or check_delayed_logits that fails.

    An exercise stub's NotImplementedError passes through, so the training check is "not attempted" until both
    functions are written.
    """
    for check, cases in (
        ("check_covering_delay", _cover_cases(covering_delay)),
        ("check_delayed_logits", _delay_cases(delayed_logits)),
    ):
        for name, case in cases.items():
            try:
                case()
            except NotImplementedError:
                raise
            except Exception as error:
                what = str(error) if isinstance(error, Mismatch) else describe_error(error)
                raise Mismatch(
                    f"{check} does not pass yet (its case {name!r}: {what}): make it pass first, since this check "
                    "trains a tagger through your functions as they are"
                ) from None


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
    expected_delay = covering(WINDOW["seq_len"], WINDOW["future"])

    def run():
        _prerequisites(delayed_logits, covering_delay)
        delay = operator.index(covering_delay(*window))
        X, _, labels = make_window_data(seed=0, **WINDOW)
        loaders = make_loaders(X, labels, batch_size=32, seed=0)
        try:
            waited = _trained_accuracy(delayed_logits, delay, loaders)
        except RuntimeError as error:
            if "does not depend on the model's weights" not in str(error):
                raise
            raise Mismatch(UNTRAINABLE) from None
        if waited < ACCURACY_BAR:
            raise Mismatch(
                f"validation accuracy {waited:.4f}, below {ACCURACY_BAR:.2f}, although your functions pass their "
                f"checks: with delay {delay} the answer for step t must come from step t + {delay}, and training "
                "learns only through what your delayed_logits returns"
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
        concept=TRAINING_CONCEPT,
        slow=True,
    )
