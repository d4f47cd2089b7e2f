"""The form of a batch and of a model's output, checked once per pass by `training` and `metrics`.

Batches are `(x, y)` or `(x, y, lengths)`: x float features `(N, T, F)` (or
integer ids for a model that embeds them), y integer labels (`(N, T)` per step,
padded with `PAD_LABEL`, or `(N,)` per sequence) or float targets for
`loss="mse"`. A mismatch stops with a message that names what was expected,
not a traceback from inside torch.
"""

from __future__ import annotations

import torch

from .tensors import PAD_LABEL, check_lengths
from .validation import describe


def split_batch(
    batch: object, name: str, check: bool, loss_name: str = "cross_entropy"
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Split a batch `(x, y)` or `(x, y, lengths)` into `(x, y, lengths or None)`.

    With `check`, also check its form (x features or ids, y labels for `loss_name`,
    the same N, valid lengths); `name` names the loader in error messages.
    """
    if not isinstance(batch, (tuple, list)) or len(batch) not in (2, 3):
        raise TypeError(f"each batch of {name} must be (x, y) or (x, y, lengths), got {describe(batch)}")
    x, y = batch[0], batch[1]
    lengths = batch[2] if len(batch) == 3 else None
    if check:
        if not isinstance(x, torch.Tensor) or x.dtype == torch.bool or x.is_complex():
            raise TypeError(
                f"x (the first item of a batch of {name}) must be a float tensor of features "
                f"or an integer tensor of ids (for a model that embeds them), got {describe(x)}"
            )
        if loss_name == "mse":
            if not isinstance(y, torch.Tensor) or not y.is_floating_point():
                raise TypeError(
                    f"targets y (the second item of a batch of {name}) must be a float tensor for loss='mse' "
                    f"(e.g. y.float()), got {describe(y)}"
                )
        elif not isinstance(y, torch.Tensor) or y.is_floating_point() or y.dtype == torch.bool:
            raise TypeError(
                f"labels y (the second item of a batch of {name}) must be an integer tensor of class "
                f"indices (e.g. y.long()), got {describe(y)}"
            )
        if y.shape[:1] != x.shape[:1]:
            raise ValueError(
                f"x and y of a batch of {name} must share their first axis N, got {describe(x)} and {describe(y)}"
            )
        if lengths is not None:
            check_lengths(lengths, batch_size=x.shape[0], max_len=x.shape[1] if x.dim() > 1 else None)
    return x, y, lengths


def check_logits(logits: torch.Tensor, y: torch.Tensor) -> None:
    """Check that `logits` fits the labels `y`: shape `y.shape + (C,)` and every label in `[0, C)`."""
    check_model_output(logits)
    if logits.dim() == 3 and y.dim() == 1:
        raise ValueError(
            f"the model returned per-step logits (N, T, C) = {tuple(logits.shape)} but the labels are one per "
            f"sequence (N,) = {tuple(y.shape)}: use a sequence classifier returning (N, C), or per-step labels (N, T)"
        )
    if logits.dim() == 2 and y.dim() == 2:
        raise ValueError(
            f"the model returned one row of logits per sequence (N, C) = {tuple(logits.shape)} but the labels "
            f"are per step (N, T) = {tuple(y.shape)}: use a tagger returning (N, T, C), "
            "or one label per sequence (N,)"
        )
    if logits.shape[:-1] != y.shape:
        raise ValueError(
            f"the model's logits {tuple(logits.shape)} do not fit the labels {tuple(y.shape)}: expected the "
            f"labels' shape plus a class axis, ({', '.join(map(str, y.shape))}, C)"
        )
    num_classes = logits.shape[-1]
    labels = y[y != PAD_LABEL]
    if labels.numel() == 0:
        return
    low, high = int(labels.min()), int(labels.max())
    if high >= num_classes:
        raise ValueError(
            f"label {high} found but the model outputs {num_classes} classes "
            f"(labels must be 0..{num_classes - 1}, or {PAD_LABEL} for padded steps)"
        )
    if low < 0:
        raise ValueError(f"label {low} found: labels must be 0..{num_classes - 1}, or {PAD_LABEL} for padded steps")


def check_regression_output(output: torch.Tensor, y: torch.Tensor) -> None:
    """Check that the model gives one value per target: shape `y.shape` or `y.shape + (1,)`."""
    check_model_output(output)
    if tuple(output.shape) not in (tuple(y.shape), tuple(y.shape) + (1,)):
        raise ValueError(
            f"with loss='mse' the model must return one value per target, shape {tuple(y.shape)} or "
            f"{tuple(y.shape) + (1,)} (e.g. a tagger with num_classes=1), got {tuple(output.shape)}"
        )


def check_model_output(output: object) -> None:
    """Raise unless the model returned one floating-point tensor (not a tuple such as an RNN's `(output, h_n)`)."""
    if isinstance(output, tuple):
        parts = ", ".join(describe(part) for part in output)
        raise TypeError(
            f"the model must return one tensor of logits, got a tuple of {len(output)} ({parts}); "
            "an nn.RNN returns (output, h_n): put a head on it and return the head's logits"
        )
    if not isinstance(output, torch.Tensor) or not output.is_floating_point():
        raise TypeError(f"the model must return one floating-point tensor of logits, got {describe(output)}")


def check_loader(name: str, loader: object) -> None:
    """Raise unless `loader` is a non-empty iterable of batches (a DataLoader, a list of batches)."""
    if not hasattr(loader, "__iter__") or isinstance(loader, (torch.Tensor, str)):
        raise TypeError(f"{name} must be an iterable of batches such as a DataLoader, got {describe(loader)}")
    if hasattr(loader, "__len__") and len(loader) == 0:
        raise ValueError(f"{name} is empty (0 batches): it needs at least one (x, y) batch")
