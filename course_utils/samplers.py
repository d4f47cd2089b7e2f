"""Batches of similar lengths: little padding per batch, a new shuffled order every epoch.

A batch is padded to its longest sequence, so a batch that mixes short and
long sequences spends most of its steps on pads. `LengthGroupedBatchSampler`
sorts the sequences by length and cuts the sorted list into batches, so each
batch holds neighbouring lengths; the order of the batches, and which of the
sequences of equal length share a batch, change every epoch. Use it as a
DataLoader's `batch_sampler`:

    sampler = LengthGroupedBatchSampler(lengths, batch_size=32, seed=0)
    loader = DataLoader(dataset, batch_sampler=sampler, collate_fn=collate_padded)

Each epoch's batches are a function of `(seed, epoch)` only: iterating the
sampler (or the DataLoader) runs epoch 0, then 1, 2, ...; `set_epoch(e)`
chooses the epoch, as for torch's DistributedSampler, and `reseed(seed)`
starts over at epoch 0 (`training.train(seed=...)` calls it).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence

import torch
from torch.utils.data import Sampler

from .tensors import check_lengths
from .validation import check_bool, check_int


class LengthGroupedBatchSampler(Sampler[list[int]]):
    """Yields lists of dataset indices: batches of `batch_size` sequences of similar length.

    lengths: the length of every sequence in the dataset, `(n,)` (list or
        integer tensor), each >= 1; index i of the dataset has `lengths[i]` steps.
    batch_size: sequences per batch; the last, shorter batch is kept unless
        `drop_last`.
    seed: with the epoch, decides every shuffle (int >= 0).
    shuffle: False gives the batches in order of length, shortest first, ties
        in index order, the same every epoch (for validation).
    Every index appears exactly once per epoch (once at most with `drop_last`).
    """

    def __init__(
        self,
        lengths: torch.Tensor | Sequence[int],
        batch_size: int,
        seed: int = 0,
        shuffle: bool = True,
        drop_last: bool = False,
    ):
        self.lengths = check_lengths(lengths).tolist()
        self.batch_size = check_int("batch_size", batch_size)
        self.seed = check_int("seed", seed, minimum=0)
        self.shuffle = check_bool("shuffle", shuffle)
        self.drop_last = check_bool("drop_last", drop_last)
        self.epoch = 0

    def reseed(self, seed: int) -> None:
        """Start over from epoch 0 with `seed` (what `training.train(seed=...)` does to its loader)."""
        self.seed = check_int("seed", seed, minimum=0)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Make the next pass over the sampler epoch `epoch` (int >= 0); passes count up from there."""
        self.epoch = check_int("epoch", epoch, minimum=0)

    def batches(self, epoch: int) -> list[list[int]]:
        """The batches of epoch `epoch`, in the order they are yielded; the same for the same seed and epoch."""
        check_int("epoch", epoch, minimum=0)
        order = list(range(len(self.lengths)))
        rng = random.Random(f"{self.seed}/{epoch}")  # a str seed is hashed the same on every platform
        if self.shuffle:
            rng.shuffle(order)  # sequences of equal length meet different batch mates each epoch
        order.sort(key=self.lengths.__getitem__)  # stable: ties stay in the shuffled order
        batches = [order[start : start + self.batch_size] for start in range(0, len(order), self.batch_size)]
        if self.drop_last and batches and len(batches[-1]) < self.batch_size:
            batches.pop()
        if self.shuffle:
            rng.shuffle(batches)
        return batches

    def __iter__(self) -> Iterator[list[int]]:
        epoch = self.epoch
        self.epoch += 1
        return iter(self.batches(epoch))

    def __len__(self) -> int:
        full, rest = divmod(len(self.lengths), self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)

    def __repr__(self) -> str:
        return (
            f"LengthGroupedBatchSampler({len(self.lengths)} sequences, batch_size={self.batch_size}, "
            f"seed={self.seed}, shuffle={self.shuffle}, drop_last={self.drop_last}, next epoch {self.epoch})"
        )
