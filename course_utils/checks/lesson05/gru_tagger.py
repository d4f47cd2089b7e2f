"""Task 2: a GRU tagger of the sizes the task states, trained past the bar, and its forward-only twin under
the ceiling, both scored on fresh sequences."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from ...data import forward_ceiling, make_tagging_data
from ...models import eval_mode, model_device
from ...training import evaluate
from ..common import seeded
from ..comparators import Mismatch, expect_pair
from ..report import CheckReport
from ..runner import run_check

# The sizes the task states: 8 features in, 10 hidden units per direction, 5 classes out.
INPUT_SIZE, HIDDEN_SIZE, NUM_CLASSES = 8, 10, 5
ACCURACY_BAR, GAP_BAR, MAX_EPOCHS = 0.90, 0.15, 5
CEILING = forward_ceiling()  # 0.55 for L=10, 5 classes
CEILING_SLACK = 0.03  # sampling noise of an accuracy over 10 000 fresh steps is about 0.005
TEST_SEED = 2024  # fresh data: the training split uses seed 0
GRU_CONCEPT = (
    "the same tagger trained both ways on the same data and budget, then scored on sequences neither has seen: "
    "only the one that reads both ways can pass the forward-only ceiling (lesson 05, sections 'Training' and "
    "'RNN, GRU or LSTM?')"
)


def _fresh_loader() -> DataLoader:
    """1000 new sequences of the course's task, never seen in training."""
    X, y = make_tagging_data(n_sequences=1000, seed=TEST_SEED)
    return DataLoader(TensorDataset(X, y), batch_size=250)


def _hidden_size_message(gru: nn.GRU) -> str:
    """Why the GRU's hidden_size is not the task's 10 units per direction."""
    message = (
        f"the GRU has hidden_size={gru.hidden_size}; the task asks for 10 hidden units per direction, hidden_size=10"
    )
    if gru.bidirectional and gru.hidden_size == 2 * HIDDEN_SIZE:
        message += (
            ". hidden_size counts the units of one direction: a bidirectional GRU with hidden_size=10 already "
            "gives 2*10 = 20 features per step"
        )
    return message


def _expect_tagger(model: object, bidirectional: bool) -> None:
    """Raise Mismatch unless `model` is a GRU tagger of the task's sizes, reading the asked directions."""
    if not isinstance(model, nn.Module):
        raise Mismatch(f"expected the first item to be the trained model (an nn.Module), got {type(model).__name__}")
    grus = [m for m in model.modules() if isinstance(m, nn.GRU)]
    if not grus:
        found = sorted({type(m).__name__ for m in model.modules() if isinstance(m, nn.RNNBase)}) or "none"
        raise Mismatch(f"expected a GRU tagger (cell='gru'), but the model has no nn.GRU (recurrent layers: {found})")
    gru = grus[0]
    if gru.bidirectional != bidirectional:
        raise Mismatch(
            f"train_gru_tagger({bidirectional}) built a GRU with bidirectional={gru.bidirectional}: "
            "pass the bidirectional argument on to the model"
        )
    if gru.input_size != INPUT_SIZE:
        raise Mismatch(
            f"the GRU has input_size={gru.input_size}; the course's data has 8 features per step (input_size=8)"
        )
    if gru.hidden_size != HIDDEN_SIZE:
        raise Mismatch(_hidden_size_message(gru))
    with eval_mode(model), torch.no_grad():
        logits = model(torch.zeros(2, 10, INPUT_SIZE, device=model_device(model)))
    if tuple(logits.shape) != (2, 10, NUM_CLASSES):
        raise Mismatch(
            f"on a batch of shape (2, 10, 8) the model returned shape {tuple(logits.shape)}; a tagger for the "
            "course's 5 classes returns (N, L, 5), one score per class at every step"
        )


def check_train_gru_tagger(train_gru_tagger: Callable[..., Any]) -> CheckReport:
    """Check `train_gru_tagger(bidirectional)`: sizes, epochs, accuracy on fresh data, and the gap."""
    runs: dict[bool, object] = {}
    scores: dict[bool, float] = {}

    def trained(bidirectional: bool) -> tuple:
        if bidirectional not in runs:  # train each model once, however many cases look at it
            with seeded(0):  # the same result even if the learner's function does not seed
                runs[bidirectional] = train_gru_tagger(bidirectional, seed=0)
        return expect_pair(runs[bidirectional], "(model, history)")

    def accuracy(bidirectional: bool) -> float:
        if bidirectional not in scores:
            scores[bidirectional] = evaluate(trained(bidirectional)[0], _fresh_loader())["acc"]
        return scores[bidirectional]

    def structure(bidirectional: bool) -> Callable[[], str]:
        def run() -> str:
            model, history = trained(bidirectional)
            _expect_tagger(model, bidirectional)
            if not hasattr(history, "rows"):
                raise Mismatch(
                    f"expected the second item to be the History that train() returns, got {type(history).__name__}"
                )
            if len(history) > MAX_EPOCHS:
                raise Mismatch(f"it trained {len(history)} epochs; the task allows at most {MAX_EPOCHS}")
            return f"{len(history)} epochs"

        return run

    def reaches_bar() -> str:
        score = accuracy(True)
        if score < ACCURACY_BAR:
            raise Mismatch(
                f"accuracy on fresh data is {score:.3f}, below {ACCURACY_BAR:.2f}: train for {MAX_EPOCHS} "
                "epochs with train()'s default lr=0.03"
            )
        return f"{score:.3f}"

    def under_ceiling() -> str:
        score = accuracy(False)
        if score > CEILING + CEILING_SLACK:
            raise Mismatch(
                f"accuracy on fresh data is {score:.3f}, above the {CEILING:.2f} that any forward-only "
                "model can reach: this model must be reading the future"
            )
        return f"{score:.3f}"

    def gap() -> str:
        difference = accuracy(True) - accuracy(False)
        if difference < GAP_BAR:
            raise Mismatch(
                f"bidirectional {accuracy(True):.3f} - forward-only {accuracy(False):.3f} = "
                f"{difference:.3f}, below {GAP_BAR:.2f}"
            )
        return f"{accuracy(True):.3f} - {accuracy(False):.3f} = {difference:.3f}"

    sizes = "8 features, 10 hidden units per direction, 5 classes"
    return run_check(
        "train_gru_tagger",
        {
            f"bidirectional=True: a bidirectional GRU ({sizes}), at most {MAX_EPOCHS} epochs": structure(True),
            f"bidirectional=True: accuracy on 1000 fresh sequences >= {ACCURACY_BAR:.2f}": reaches_bar,
            f"bidirectional=False: a forward-only GRU ({sizes}), at most {MAX_EPOCHS} epochs": structure(False),
            f"bidirectional=False: accuracy stays under the forward-only ceiling {CEILING:.2f}": under_ceiling,
            f"bidirectional minus forward-only accuracy >= {GAP_BAR:.2f}": gap,
        },
        hint="SequenceTagger(8, 10, 5, cell='gru', bidirectional=bidirectional), the loaders from "
        "make_tagging_loaders(seed=seed), and train(model, train_loader, val_loader, epochs=5, seed=seed).",
        concept=GRU_CONCEPT,
        slow=True,
    )
