"""Checks for exercise 05 (training): the forward-only ceiling by step, then a GRU tagger past a bar.

`check_forward_ceiling_by_step(fn)`: `fn(seq_len, k=2) -> list of seq_len floats`, the best
expected accuracy at each step of a model that reads only steps <= t, on the course's
task with k neighbours on each side (`course_utils.data.ceiling_by_position`).

`check_train_gru_tagger(fn)`: `fn(bidirectional, seed=0) -> (model, history)`, a GRU tagger
trained for at most 5 epochs on the course data. Scored on fresh sequences: the
bidirectional one must reach 0.90, the forward-only one cannot pass its ceiling
(0.55), and the gap must be at least 0.15.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from ..data import ceiling_by_position, forward_ceiling, make_tagging_data
from ..training import evaluate
from ..validation import short_repr
from .common import seeded
from .comparators import Mismatch, expect_pair, non_finite_message, precision_note, with_explanation
from .report import CheckReport
from .runner import run_check

# (seq_len, k) of each case
CEILING_CASES = {
    "L=10, k=2 (the course's data)": (10, 2),
    "one step: L=1, k=2": (1, 2),
    "L=3, k=2 (shorter than the window)": (3, 2),
    "L=6, k=3": (6, 3),
    "L=4, k=1": (4, 1),
}
ACCURACY_BAR, GAP_BAR, MAX_EPOCHS = 0.90, 0.15, 5
CEILING = forward_ceiling()  # 0.55 for L=10, 5 classes
CEILING_SLACK = 0.03  # sampling noise of an accuracy over 10 000 fresh steps is about 0.005
TEST_SEED = 2024  # fresh data: the training split uses seed 0


def _ceiling_variants(seq_len, k):
    """Per-step results of the usual slips, keyed by what each slip means."""
    n_classes = 2 * k + 1
    return {
        "Near the end fewer neighbours are unseen: at the last step none are, so a forward model can be sure "
        "there (1.0).": ceiling_by_position(seq_len + k, n_classes)[:seq_len],  # k unseen at every step
        "A forward model should guess the most likely count of the u unseen neighbours, not one fixed count: "
        "that is u // 2, right with probability C(u, u // 2) / 2**u.": [
            1 / 2 ** min(k, seq_len - 1 - t) for t in range(seq_len)
        ],
        # the backward-only model's ceilings
        "The past neighbours t-k..t-1 are already read by a forward model: "
        "only t+1..t+k are unseen.": ceiling_by_position(seq_len, n_classes)[::-1],
    }


def _as_floats(answer, seq_len):
    """`answer` as a list of floats (from a list, tuple or 1-D tensor), else raise Mismatch."""
    if isinstance(answer, (int, float)):
        raise Mismatch(
            f"expected a list with one value per step ({seq_len} values), got the single number "
            f"{float(answer):.4f}: return every step's ceiling, not their mean"
        )
    if isinstance(answer, torch.Tensor):
        answer = answer.tolist()
    if not isinstance(answer, (list, tuple)) or not all(isinstance(v, (int, float)) for v in answer):
        raise Mismatch(f"expected a list with one number per step ({seq_len} values), got {short_repr(answer)}")
    if len(answer) != seq_len:
        raise Mismatch(f"expected {seq_len} values, one per step, got {len(answer)}")
    for t, value in enumerate(answer):
        if not math.isfinite(value):  # NaN would pass every `abs(a - b) > tol` test
            raise Mismatch(non_finite_message("list of ceilings", float(value), f"step {t}"))
    return [float(v) for v in answer]


def check_forward_ceiling_by_step(forward_ceiling_by_step: Callable[..., Any]) -> CheckReport:
    """Check `forward_ceiling_by_step(seq_len, k)` against the exact ceilings."""

    def case(seq_len, k):
        def run():
            answer = forward_ceiling_by_step(seq_len, k)
            got = _as_floats(answer, seq_len)
            expected = ceiling_by_position(seq_len, n_classes=2 * k + 1)
            wrong = [t for t in range(seq_len) if abs(got[t] - expected[t]) > 1e-9]
            if wrong:
                t = wrong[0]
                slip = next(
                    (
                        why
                        for why, values in _ceiling_variants(seq_len, k).items()
                        if values != expected and all(abs(a - b) <= 1e-9 for a, b in zip(got, values))
                    ),
                    "",
                )
                message = f"at step {t} expected {expected[t]:.4f}, got {got[t]:.4f}"
                raise Mismatch(with_explanation(message, slip or precision_note(answer, torch.float32)))
            return f"mean {sum(got) / seq_len:.3f}"

        return run

    return run_check(
        "forward_ceiling_by_step",
        {name: case(*args) for name, args in CEILING_CASES.items()},
        hint="at step t, u = min(k, L-1-t) right neighbours are unseen; each is on with probability "
        "1/2, so their count is Binomial(u, 1/2) and the best guess is right with probability "
        "max_j C(u, j) / 2**u.",
    )


def _fresh_loader():
    """1000 new sequences of the course's task, never seen in training."""
    X, y = make_tagging_data(n_sequences=1000, seed=TEST_SEED)
    return DataLoader(TensorDataset(X, y), batch_size=250)


def _gru(model, bidirectional):
    """Raise Mismatch unless `model` holds an nn.GRU reading the asked directions."""
    if not isinstance(model, nn.Module):
        raise Mismatch(f"expected the first item to be the trained model (an nn.Module), got {type(model).__name__}")
    grus = [m for m in model.modules() if isinstance(m, nn.GRU)]
    if not grus:
        found = sorted({type(m).__name__ for m in model.modules() if isinstance(m, nn.RNNBase)}) or "none"
        raise Mismatch(f"expected a GRU tagger (cell='gru'), but the model has no nn.GRU (recurrent layers: {found})")
    if grus[0].bidirectional != bidirectional:
        raise Mismatch(
            f"train_gru_tagger({bidirectional}) built a GRU with bidirectional={grus[0].bidirectional}: "
            "pass the bidirectional argument on to the model"
        )


def check_train_gru_tagger(train_gru_tagger: Callable[..., Any]) -> CheckReport:
    """Check `train_gru_tagger(bidirectional)`: structure, epochs, accuracy on fresh data, and the gap."""
    runs, scores = {}, {}

    def trained(bidirectional):
        if bidirectional not in runs:  # train each model once, however many cases look at it
            with seeded(0):  # the same result even if the learner's function does not seed
                runs[bidirectional] = train_gru_tagger(bidirectional, seed=0)
        return expect_pair(runs[bidirectional], "(model, history)")

    def accuracy(bidirectional):
        if bidirectional not in scores:
            scores[bidirectional] = evaluate(trained(bidirectional)[0], _fresh_loader())["acc"]
        return scores[bidirectional]

    def structure(bidirectional):
        def run():
            model, history = trained(bidirectional)
            _gru(model, bidirectional)
            if not hasattr(history, "rows"):
                raise Mismatch(
                    f"expected the second item to be the History that train() returns, got {type(history).__name__}"
                )
            if len(history) > MAX_EPOCHS:
                raise Mismatch(f"it trained {len(history)} epochs; the task allows at most {MAX_EPOCHS}")
            return f"{len(history)} epochs"

        return run

    def reaches_bar():
        score = accuracy(True)
        if score < ACCURACY_BAR:
            raise Mismatch(
                f"accuracy on fresh data is {score:.3f}, below {ACCURACY_BAR:.2f}: train for {MAX_EPOCHS} "
                "epochs with train()'s default lr=0.03"
            )
        return f"{score:.3f}"

    def under_ceiling():
        score = accuracy(False)
        if score > CEILING + CEILING_SLACK:
            raise Mismatch(
                f"accuracy on fresh data is {score:.3f}, above the {CEILING:.2f} that any forward-only "
                "model can reach: this model must be reading the future"
            )
        return f"{score:.3f}"

    def gap():
        difference = accuracy(True) - accuracy(False)
        if difference < GAP_BAR:
            raise Mismatch(
                f"bidirectional {accuracy(True):.3f} - forward-only {accuracy(False):.3f} = "
                f"{difference:.3f}, below {GAP_BAR:.2f}"
            )
        return f"{accuracy(True):.3f} - {accuracy(False):.3f} = {difference:.3f}"

    return run_check(
        "train_gru_tagger",
        {
            f"bidirectional=True: a bidirectional GRU, at most {MAX_EPOCHS} epochs": structure(True),
            f"bidirectional=True: accuracy on 1000 fresh sequences >= {ACCURACY_BAR:.2f}": reaches_bar,
            f"bidirectional=False: a forward-only GRU, at most {MAX_EPOCHS} epochs": structure(False),
            f"bidirectional=False: accuracy stays under the forward-only ceiling {CEILING:.2f}": under_ceiling,
            f"bidirectional minus forward-only accuracy >= {GAP_BAR:.2f}": gap,
        },
        hint="SequenceTagger(8, 10, 5, cell='gru', bidirectional=bidirectional), the loaders from "
        "make_tagging_loaders(seed=seed), and train(model, train_loader, val_loader, epochs=5, seed=seed).",
        slow=True,
    )
