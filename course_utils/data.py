"""Data for the course: a tagging task that needs context from both sides.

The task ("count the on-neighbours"): every step carries `n_features` random
numbers; a step is *on* when its feature 0 is positive. The label of step t is
how many of its k left neighbours and k right neighbours are on (the step
itself does not count), with k = (n_classes - 1) // 2. For the reference
pipeline (5 classes) the window is t-2, t-1, t+1, t+2 and labels are 0..4.

Half of the evidence for each label lies in the future, so a model that reads
only left to right cannot know it: the best it can do is guess the most likely
count of the unseen neighbours. `forward_ceiling` computes that limit exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import comb
from typing import Any

import torch
from torch.utils.data import DataLoader, TensorDataset

from .tensors import PAD_LABEL, check_lengths, check_tensor, step_mask
from .validation import check_int, describe


def tagging_window(n_classes: int = 5) -> tuple[int, ...]:
    """Offsets of the neighbours that decide a label, e.g. (-2, -1, 1, 2) for 5 classes."""
    _check_n_classes(n_classes)
    k = (n_classes - 1) // 2
    return tuple(range(-k, 0)) + tuple(range(1, k + 1))


def make_tagging_data(
    n_sequences: int = 1000, seq_len: int = 10, n_features: int = 8, n_classes: int = 5, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Make the reference tagging data set.

    Returns `X` float32 `(N, L, H_in)` (standard normal) and `y` int64 `(N, L)`
    with values in `0..n_classes-1`: the number of on-neighbours of each step.
    """
    for name, value in (("n_sequences", n_sequences), ("seq_len", seq_len), ("n_features", n_features)):
        check_int(name, value)
    check_int("seed", seed, minimum=0)
    _check_n_classes(n_classes)
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(n_sequences, seq_len, n_features, generator=generator)
    lengths = torch.full((n_sequences,), seq_len, dtype=torch.int64)
    return X, count_on_neighbours(X, lengths, n_classes)


def make_variable_length_data(
    n_sequences: int = 1000, min_len: int = 3, max_len: int = 20, n_features: int = 8, n_classes: int = 5, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Make the tagging task with lengths drawn uniformly from `[min_len, max_len]`.

    Returns `X` float32 `(N, max_len, H_in)` zero-padded, `y` int64 `(N, max_len)`
    padded with `PAD_LABEL` (-100), and `lengths` int64 `(N,)`. Labels only count
    neighbours inside each sequence's own length.
    """
    for name, value in (("n_sequences", n_sequences), ("min_len", min_len), ("n_features", n_features)):
        check_int(name, value)
    check_int("max_len", max_len, minimum=min_len)
    check_int("seed", seed, minimum=0)
    _check_n_classes(n_classes)
    generator = torch.Generator().manual_seed(seed)
    lengths = torch.randint(min_len, max_len + 1, (n_sequences,), generator=generator)
    X = torch.randn(n_sequences, max_len, n_features, generator=generator)
    X = X * step_mask(lengths, max_len).unsqueeze(-1)
    return X, count_on_neighbours(X, lengths, n_classes), lengths


def count_on_neighbours(X: torch.Tensor, lengths: torch.Tensor | Sequence[int], n_classes: int = 5) -> torch.Tensor:
    """Label each step of `X` `(N, L, H_in)` with its number of on-neighbours.

    `lengths` `(N,)` marks the valid steps; labels of padded steps are `PAD_LABEL`.
    """
    check_tensor("X (N, L, H_in)", X, dim=3, floating=True)
    if not bool(torch.isfinite(X).all()):
        raise ValueError(f"X holds NaN or inf ({describe(X)}): whether a step is on (feature 0 > 0) means nothing then")
    n, seq_len, _ = X.shape
    valid = step_mask(check_lengths(lengths, max_len=seq_len), seq_len)
    on = (X[..., 0] > 0) & valid
    counts = torch.zeros(n, seq_len, dtype=torch.int64)
    for offset in tagging_window(n_classes):
        # counts[:, t] += on[:, t + offset] wherever t + offset is inside [0, L)
        if offset > 0:
            counts[:, :-offset] += on[:, offset:]
        else:
            counts[:, -offset:] += on[:, :offset]
    return counts.masked_fill(~valid, PAD_LABEL)


def ceiling_by_position(seq_len: int = 10, n_classes: int = 5) -> list[float]:
    """Best expected accuracy at each step for a model that sees only steps <= t.

    At step t the right-hand neighbours t+1..t+k that exist are unseen; each is
    on with probability 1/2, so their count is Binomial(u, 1/2), and the best
    guess (the mode) is right with probability max_j C(u, j) / 2**u.
    """
    check_int("seq_len", seq_len)
    k = len(tagging_window(n_classes)) // 2
    ceilings = []
    for t in range(seq_len):
        unseen = min(k, seq_len - 1 - t)
        ceilings.append(max(comb(unseen, j) for j in range(unseen + 1)) / 2**unseen)
    return ceilings


def forward_ceiling(seq_len: int = 10, n_classes: int = 5) -> float:
    """Exact best expected accuracy of any forward-only model (0.55 for L=10, 5 classes).

    By symmetry a backward-only model has the same ceiling.
    """
    per_step = ceiling_by_position(seq_len, n_classes)
    return sum(per_step) / len(per_step)


def collate_padded(
    batch: Sequence[tuple[torch.Tensor, torch.Tensor]],
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pad a list of `(x_i (L_i, H_in), y_i)` samples into one batch for a DataLoader.

    `y_i` is either `(L_i,)` per-step labels (padded with `PAD_LABEL`) or a 0-d
    sequence label. Returns `X (N, L_max, H_in)`, `Y (N, L_max)` or `(N,)`, and
    `lengths (N,)` int64 on the CPU.
    """
    if not isinstance(batch, (list, tuple)) or len(batch) == 0:
        raise ValueError(f"batch must be a non-empty list of (x, y) samples, got {describe(batch)}")
    xs, ys = [], []
    for i, sample in enumerate(batch):
        if not isinstance(sample, (list, tuple)) or len(sample) != 2:
            raise ValueError(f"batch[{i}] must be an (x, y) pair, got {describe(sample)}")
        x, y = (torch.as_tensor(part) for part in sample)
        if x.dim() != 2 or x.shape[0] == 0:
            raise ValueError(f"batch[{i}] x must have shape (L_i, H_in) with L_i >= 1, got {tuple(x.shape)}")
        xs.append(x)
        ys.append(y)
    if len({x.shape[1] for x in xs}) != 1:
        raise ValueError(f"all samples need the same feature size H_in, got {sorted({x.shape[1] for x in xs})}")
    lengths = torch.tensor([x.shape[0] for x in xs], dtype=torch.int64)
    X = torch.nn.utils.rnn.pad_sequence(xs, batch_first=True)
    if all(y.dim() == 0 for y in ys):
        return X, torch.stack(ys).long(), lengths
    for i, (x, y) in enumerate(zip(xs, ys)):
        if y.shape != x.shape[:1]:
            raise ValueError(
                f"batch[{i}] y must be a 0-d class label or have shape (L_i,) = ({x.shape[0]},), got {tuple(y.shape)}"
            )
    Y = torch.nn.utils.rnn.pad_sequence([y.long() for y in ys], batch_first=True, padding_value=PAD_LABEL)
    return X, Y, lengths


def split_train_val(
    *tensors: torch.Tensor, val_fraction: float = 0.2, seed: int = 0
) -> tuple[tuple[torch.Tensor, ...], tuple[torch.Tensor, ...]]:
    """Split tensors that share their first axis into a shuffled train and validation part.

    Returns `(train_tensors, val_tensors)`, two tuples in the order given.
    """
    if not tensors:
        raise ValueError("split_train_val needs at least one tensor")
    for index, tensor in enumerate(tensors):
        check_tensor(f"tensors[{index}]", tensor)
    check_int("seed", seed, minimum=0)
    n = len(tensors[0])
    if any(len(t) != n for t in tensors):
        raise ValueError(f"all tensors must share their first size, got {[len(t) for t in tensors]}")
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1 (exclusive), got {val_fraction!r}")
    n_val = round(n * val_fraction)
    if n_val == 0 or n_val == n:
        raise ValueError(f"val_fraction={val_fraction} leaves an empty part of {n} samples")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    val_idx, train_idx = order[:n_val], order[n_val:]
    return tuple(t[train_idx] for t in tensors), tuple(t[val_idx] for t in tensors)


def make_loaders(
    X: torch.Tensor,
    y: torch.Tensor,
    lengths: torch.Tensor | Sequence[int] | None = None,
    val_fraction: float = 0.2,
    batch_size: int = 32,
    seed: int = 0,
) -> tuple[DataLoader, DataLoader]:
    """Split `X`, `y` (and `lengths`) and wrap them in train/validation DataLoaders.

    Batches are `(x, y)`, or `(x, y, lengths)` when lengths are given. The
    training order is shuffled by a generator seeded with `seed`.
    """
    check_int("batch_size", batch_size)
    tensors = (X, y) if lengths is None else (X, y, lengths)
    train, val = split_train_val(*tensors, val_fraction=val_fraction, seed=seed)
    shuffle_gen = torch.Generator().manual_seed(seed)
    train_loader = DataLoader(TensorDataset(*train), batch_size=batch_size, shuffle=True, generator=shuffle_gen)
    val_loader = DataLoader(TensorDataset(*val), batch_size=batch_size)
    return train_loader, val_loader


def make_tagging_loaders(batch_size: int = 32, seed: int = 0, **data_kwargs: Any) -> tuple[DataLoader, DataLoader]:
    """Loaders of the reference pipeline: 1000 x 10 x 8 data, 5 classes, an 800/200 split."""
    X, y = make_tagging_data(seed=seed, **data_kwargs)
    return make_loaders(X, y, batch_size=batch_size, seed=seed)


def _check_n_classes(n_classes):
    if not isinstance(n_classes, int) or n_classes < 3 or n_classes % 2 == 0:
        raise ValueError(
            f"n_classes must be an odd int >= 3 (the label counts k neighbours on each side, "
            f"so there are 2k + 1 classes), got {n_classes!r}"
        )
