"""Lesson 05 (training): the bidirectional tagger against a forward-only one of the same size, over seeds.

`validation_accuracy` trains one of `models.build_tagger_pair`'s two taggers
on one seed's data; `accuracy_targets` sets the pair against each other over
seeds, next to the forward-only ceiling (the lesson and `tools/bench.py` both
show it), and `learning_rate_sweep` trains the bidirectional one at several
learning rates, the lesson's evidence for `train`'s default.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import TypedDict

from tqdm.auto import tqdm

from ..data import forward_ceiling, make_tagging_loaders
from ..env import seed_everything
from ..models import build_tagger_pair, count_parameters
from ..training import train
from ..validation import check_bool, check_positive_number, describe


class _Rate(TypedDict, total=False):
    """`train`'s learning rate, when one is given (left out, `train` keeps its default)."""

    lr: float


def validation_accuracy(
    seed: int, epochs: int = 5, lr: float | None = None, n_sequences: int = 1000, forward_only: bool = False
) -> float:
    """Validation accuracy after `epochs` epochs of one of `build_tagger_pair`'s taggers on `seed`'s run.

    `seed` fixes the data (`make_tagging_loaders(seed=seed)`), the initial
    weights (the pair is built right after `seed_everything(seed)`) and the
    shuffle, so the same call gives the same number on one machine. The
    bidirectional tagger by default; `forward_only=True` trains its forward-only
    partner, built in the same pair and so with the same weights whichever one
    is trained. `lr=None` keeps `train`'s default learning rate.
    """
    check_bool("forward_only", forward_only)
    rate: _Rate = {} if lr is None else {"lr": lr}
    train_loader, val_loader = make_tagging_loaders(seed=seed, n_sequences=n_sequences)
    seed_everything(seed)
    bidirectional, forward = build_tagger_pair()
    model = forward if forward_only else bidirectional
    history = train(model, train_loader, val_loader, epochs=epochs, progress=False, seed=seed, **rate)
    return history.last["val_acc"]


def accuracy_targets(seeds: Sequence[int] = (0, 1, 2), epochs: int = 5, n_sequences: int = 1000) -> dict:
    """Validation accuracy after `epochs` epochs of `models.build_tagger_pair`'s two taggers.

    For each seed: that seed's data and initial weights, `train` with defaults
    (`validation_accuracy`). Returns means over the seeds, their gap, the
    forward-only ceiling, and per-seed values `[bidirectional, forward-only]`.
    """
    _check_seeds(seeds)
    per_seed = [
        [validation_accuracy(seed, epochs, n_sequences=n_sequences, forward_only=one_way) for one_way in (False, True)]
        for seed in seeds
    ]
    bidirectional = statistics.mean(a for a, _ in per_seed)
    forward = statistics.mean(f for _, f in per_seed)
    return {
        "bidirectional": bidirectional,
        "forward": forward,
        "gap": bidirectional - forward,
        "ceiling": forward_ceiling(),
        "parameters": [count_parameters(m) for m in build_tagger_pair()],
        "per_seed": per_seed,
    }


def learning_rate_sweep(
    rates: Sequence[float],
    seeds: Sequence[int] = (0, 1, 2),
    epochs: int = 5,
    n_sequences: int = 1000,
    progress: bool = False,
) -> dict[float, list[float]]:
    """The bidirectional tagger's validation accuracy after `epochs` epochs at each learning rate.

    Returns `{lr: [accuracy for each seed]}`, in the order of `rates` and
    `seeds`; each run is `validation_accuracy(seed, epochs, lr)`, so the row
    of `train`'s default rate repeats `accuracy_targets`' bidirectional scores.
    progress: one tqdm bar over the runs (rates x seeds).
    """
    if isinstance(rates, (str, bytes)) or not isinstance(rates, Sequence) or not rates:
        raise TypeError(
            f"rates must be a non-empty sequence of learning rates, such as (0.01, 0.03), got {describe(rates)}"
        )
    for index, lr in enumerate(rates):
        check_positive_number(f"rates[{index}]", lr)
    _check_seeds(seeds)
    check_bool("progress", progress)
    sweep: dict[float, list[float]] = {lr: [] for lr in rates}
    with tqdm(total=len(rates) * len(seeds), desc="runs", unit="run", disable=not progress) as bar:
        for lr in rates:
            for seed in seeds:
                sweep[lr].append(validation_accuracy(seed, epochs, lr, n_sequences))
                bar.update()
    return sweep


def _check_seeds(seeds):
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence) or not seeds:
        raise TypeError(f"seeds must be a non-empty sequence of ints, e.g. (0, 1, 2), got {describe(seeds)}")
