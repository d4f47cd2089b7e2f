"""The window task and what it allows: its data, and the best score any model can reach on it, exactly.

Every step carries one standard normal input x_t; the target of step t is
y_t = sum_{k=-past..future} w_k * x_{t+k} (inputs outside the sequence count
as 0), and its class is its bin among `n_classes` bins of equal probability
under N(0, 1). `information_limit` computes the best scores of a model that
has read only part of the window; `merge_limit` those of averaging two
one-way models that are each perfect alone.
"""

from __future__ import annotations

import functools
import math

import torch
import torch.nn.functional as F

from ...tensors import check_tensor
from ...validation import check_int, describe

DIRECTIONS = ("forward", "backward", "both")


def window_weights(past: int = 3, future: int = 6) -> torch.Tensor:
    """The weights `(past + future + 1,)` of the target's window; entry i belongs to offset i - past.

    All equal to 1 / sqrt(past + future + 1): their squares sum to 1.
    """
    check_int("past", past, minimum=0)
    check_int("future", future, minimum=0)
    size = past + future + 1
    return torch.full((size,), 1 / math.sqrt(size))


def window_parts(X: torch.Tensor, past: int = 3, future: int = 6) -> torch.Tensor:
    """The terms of each step's target: `(N, L, past + future + 1)`, entry `[n, t, i]` = w_k * x_{t+k}, k = i - past.

    X is `(N, L, 1)`; inputs outside the sequence count as 0. Summing the last
    axis gives the target; summing part of it gives what a model that has read
    only those steps could know.
    """
    check_tensor("X (N, L, 1)", X, dim=3, floating=True)
    if X.shape[2] != 1:
        raise ValueError(f"X must hold one input per step, shape (N, L, 1), got {describe(X)}")
    weights = window_weights(past, future).to(X.dtype)
    seq_len = X.shape[1]
    padded = F.pad(X[..., 0], (past, future))  # (N, past + T + future): zeros outside the sequence
    # padded[:, t + past + k] is x_{t+k}, so offset k = i - past reads the slice starting at i.
    return torch.stack([padded[:, i : i + seq_len] for i in range(len(weights))], dim=-1) * weights


def window_target(X: torch.Tensor, past: int = 3, future: int = 6) -> torch.Tensor:
    """The regression target `(N, L)` of inputs `X` `(N, L, 1)`: y_t = sum_{k=-past..future} w_k x_{t+k}."""
    return window_parts(X, past, future).sum(-1)


def class_edges(n_classes: int = 3) -> torch.Tensor:
    """The `n_classes - 1` edges of bins of equal probability under N(0, 1), e.g. (-0.4307, 0.4307) for 3."""
    check_int("n_classes", n_classes, minimum=2)
    return torch.special.ndtri(torch.arange(1, n_classes, dtype=torch.float64) / n_classes).float()


def to_classes(target: torch.Tensor, n_classes: int = 3) -> torch.Tensor:
    """Bin a real target (any shape) into classes `0..n_classes-1` (int64) by `class_edges`."""
    check_tensor("target", target, floating=True)
    if not bool(torch.isfinite(target).all()):
        raise ValueError(f"target holds NaN or inf ({describe(target)}): a bin of NaN means nothing; drop those steps")
    return torch.bucketize(target, class_edges(n_classes).to(target.dtype)).long()


def make_window_data(
    n_sequences: int = 1000, seq_len: int = 20, past: int = 3, future: int = 6, n_classes: int = 3, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Make the window task: returns `(X, target, labels)`.

    X float32 `(N, L, 1)` standard normal; target float32 `(N, L)` from
    `window_target` (the regression task); labels int64 `(N, L)` its bins,
    `to_classes(target, n_classes)` (the classification task). With the
    defaults about a third of the labels fall in each class.
    """
    check_int("n_sequences", n_sequences)
    check_int("seq_len", seq_len)
    check_int("seed", seed, minimum=0)
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(n_sequences, seq_len, 1, generator=generator)
    target = window_target(X, past, future)
    return X, target, to_classes(target, n_classes)


def information_limit(
    delay: int = 0,
    direction: str = "forward",
    seq_len: int = 20,
    past: int = 3,
    future: int = 6,
    n_classes: int = 3,
) -> dict:
    """The best expected scores of any model that has read only some of the inputs, exactly.

    direction "forward": the model has read steps up to t + delay when it labels
    step t (a `DelayedTagger`); "backward": steps t to L-1 (delay must be 0);
    "both": everything. Returns `{"acc": ..., "mse": ...}`, each a mean over the
    L positions: the highest accuracy on the classification task and the lowest
    mean squared error on the regression task. The unread part of the window
    is a normal variable independent of what was read, so at each step the best
    guess has error variance equal to the unread weights' squares, and the best
    class is the most likely bin given what was read.
    """
    check_int("delay", delay, minimum=0)
    check_int("seq_len", seq_len)
    check_int("past", past, minimum=0)
    check_int("future", future, minimum=0)
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {describe(direction)}")
    if direction == "backward" and delay:
        raise ValueError(f"a backward model has no delay: pass delay=0 with direction='backward', got {delay}")
    check_int("n_classes", n_classes, minimum=2)
    read_var, unread_var = _split_variance(_reader(direction, past, future, delay), seq_len, past, future)
    acc = sum(
        _best_bin_accuracy(
            round(float(r), 12), round(float(u), 12), n_classes
        )  # rounded: equal steps share a cache entry
        for r, u in zip(read_var, unread_var)
    )
    return {"acc": acc / seq_len, "mse": float(unread_var.mean())}


def merge_limit(
    seq_len: int = 20, past: int = 3, future: int = 6, n_classes: int = 3, n_sequences: int = 20000, seed: int = 0
) -> dict:
    """The scores of a `MergedTagger` whose two members are each perfect alone: what averaging them costs.

    Not a bound on every merge: members trained *for* the average (each poor
    alone) can make it exact. The perfect forward tagger (delay 0) knows, at each step t, the exact
    distribution of the target given x_0 .. x_t; the perfect backward one given
    x_t .. x_{L-1}. Averaging their class probabilities (their predicted
    values, for regression) as `MergedTagger` does gives `{"acc": ..., "mse": ...}`:
    "mse" exactly (the two unread parts, on either side of t, are independent,
    so the error variance is their sum over 4); "acc" estimated on
    `n_sequences` sequences drawn with `seed` (about 0.001 from the exact value).
    """
    for name, value, minimum in (
        ("seq_len", seq_len, 1),
        ("past", past, 0),
        ("future", future, 0),
        ("n_classes", n_classes, 2),
        ("n_sequences", n_sequences, 1),
        ("seed", seed, 0),
    ):
        check_int(name, value, minimum=minimum)  # before the cache, which needs hashable arguments
    return _merge_limit(seq_len, past, future, n_classes, n_sequences, seed)


@functools.cache
def _merge_limit(seq_len: int, past: int, future: int, n_classes: int, n_sequences: int, seed: int) -> dict:
    """`merge_limit` after its checks, computed once per set of arguments."""
    X, target, labels = make_window_data(n_sequences, seq_len, past, future, n_classes, seed)
    parts = window_parts(X, past, future).double()  # (N, L, W)
    bounds = torch.cat([torch.tensor([-math.inf]), class_edges(n_classes).double(), torch.tensor([math.inf])])
    probs = unread = torch.zeros((), dtype=torch.float64)  # 0 of the (N, L, C) and (L,) float64 sums below
    for direction in ("forward", "backward"):
        read = _reader(direction, past, future)
        _, unread_var = _split_variance(read, seq_len, past, future)
        known = parts[..., read].sum(-1)  # (N, L): the perfect prediction of the regression target
        cdf = torch.special.ndtr((bounds - known.unsqueeze(-1)) / unread_var.clamp(min=1e-24).sqrt().unsqueeze(-1))
        probs = probs + (cdf[..., 1:] - cdf[..., :-1]) / 2  # (N, L, C): the average of the two posteriors
        unread = unread + unread_var
    return {"acc": float((probs.argmax(-1) == labels).double().mean()), "mse": float((unread / 4).mean())}


def _reader(direction, past, future, delay=0) -> torch.Tensor:
    """Which offsets k = -past .. future of the window a model has read at step t: bool `(W,)`."""
    offsets = torch.arange(-past, future + 1)
    return {"forward": offsets <= delay, "backward": offsets >= 0, "both": offsets == offsets}[direction]


def _split_variance(read, seq_len, past, future):
    """The target's variance from the read and from the unread inputs at each step: two float64 `(L,)`.

    Offsets that fall outside the sequence hold known zeros: they count as neither.
    """
    check_int("seq_len", seq_len)
    squares = window_weights(past, future).double() ** 2  # (W,)
    steps = torch.arange(seq_len).unsqueeze(1) + torch.arange(-past, future + 1)  # (L, W): t + k
    inside = (steps >= 0) & (steps < seq_len)
    return (squares * (inside & read)).sum(-1), (squares * (inside & ~read)).sum(-1)


@functools.cache
def _best_bin_accuracy(read_var, unread_var, n_classes, points=4001) -> float:
    """P(the best guess of the bin is right) for y = S + U with S ~ N(0, read_var) known, U ~ N(0, unread_var) not.

    Cached: the steps away from the sequence's edges all ask the same question.
    """
    if unread_var == 0:
        return 1.0
    read_sd, unread_sd = math.sqrt(read_var), math.sqrt(unread_var)
    edges = class_edges(n_classes).double()
    z = torch.linspace(-8, 8, points, dtype=torch.float64)
    density = torch.exp(-0.5 * z**2)
    density = density / density.sum()  # quadrature weights of S = read_sd * z
    bounds = torch.cat([edges.new_tensor([-math.inf]), edges, edges.new_tensor([math.inf])])
    cdf = torch.special.ndtr((bounds.unsqueeze(0) - read_sd * z.unsqueeze(1)) / unread_sd)  # (points, C + 1)
    best = (cdf[:, 1:] - cdf[:, :-1]).max(dim=1).values  # probability of the most likely bin at each S
    return float((density * best).sum())
