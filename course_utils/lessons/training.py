"""Lesson 05 (training): the bidirectional tagger against a forward-only one of the same size, over seeds.

`accuracy_targets` trains `models.build_tagger_pair`'s two taggers on each
seed's data and reports their validation accuracy next to the forward-only
ceiling; the lesson and the benchmark (`tools/bench.py`) both show it.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

import torch

from ..data import forward_ceiling, make_tagging_loaders
from ..env import seed_everything
from ..models import build_tagger_pair, count_parameters
from ..training import train

DEVICE = torch.device("cpu")  # the course's tiny taggers train fastest on the CPU


def accuracy_targets(seeds: Sequence[int] = (0, 1, 2), epochs: int = 5, n_sequences: int = 1000) -> dict:
    """Validation accuracy after `epochs` epochs of `models.build_tagger_pair`'s two taggers.

    For each seed: that seed's data and initial weights, `train` with defaults.
    Returns means over the seeds, their gap, the forward-only ceiling, and per-seed values.
    """
    per_seed = []
    for seed in seeds:
        train_loader, val_loader = make_tagging_loaders(seed=seed, n_sequences=n_sequences)
        seed_everything(seed)
        pair = build_tagger_pair()
        histories = [
            train(m, train_loader, val_loader, epochs=epochs, device=DEVICE, progress=False, seed=seed) for m in pair
        ]
        per_seed.append([history.last["val_acc"] for history in histories])
    bidirectional = statistics.mean(a for a, _ in per_seed)
    forward = statistics.mean(f for _, f in per_seed)
    return {
        "bidirectional": bidirectional,
        "forward": forward,
        "gap": bidirectional - forward,
        "ceiling": forward_ceiling(),
        "parameters": [count_parameters(m) for m in pair],
        "per_seed": per_seed,
    }
