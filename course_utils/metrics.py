"""Metrics beyond a loss and an accuracy: accuracy at each time step, the confusion matrix, and where doubt falls.

Labels of padded steps are `PAD_LABEL` (-100) and never count.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
import torch.nn.functional as F
from torch import nn

from .batches import check_label_range, check_loader, check_logits, split_batch
from .models import check_module
from .tensors import PAD_LABEL, check_tensor
from .training import predict
from .validation import check_int, describe


def accuracy_by_position(model: nn.Module, loader: Iterable) -> torch.Tensor:
    """Accuracy of a tagger at each time step, over every labelled step of `loader`.

    Returns a float tensor `(L,)` with L the longest batch's length; a position
    no sequence reaches is NaN. Runs on the model's device, without gradients.
    Every batch is checked: per-step labels, each in 0..C-1 or PAD_LABEL.
    """
    check_module("model", model)
    check_loader("loader", loader)
    correct = count = torch.zeros(0)
    for index, batch in enumerate(loader):
        where = f"batch {index} (counting from 0) of loader"
        x, y, lengths = split_batch(batch, where)
        if y.dim() != 2:
            raise ValueError(f"accuracy_by_position needs per-step labels (N, L), got labels {describe(y)} in {where}")
        probs, preds = predict(model, x, lengths)
        y = y.cpu()
        check_logits(probs, y, where)
        check_label_range(y, probs.shape[-1], where)  # an out-of-range label would silently count as wrong
        labelled = y != PAD_LABEL
        correct = _add_ragged(correct, ((preds == y) & labelled).sum(0).float())
        count = _add_ragged(count, labelled.sum(0).float())
    if len(count) == 0:
        raise ValueError("loader yielded no batches: it needs at least one (x, y) batch")
    return correct / count


def _add_ragged(a, b):
    """Add two 1-D tensors of possibly different lengths, zero-padding the shorter one."""
    width = max(len(a), len(b))
    return F.pad(a, (0, width - len(a))) + F.pad(b, (0, width - len(b)))


def confusion_matrix(y_true: torch.Tensor, y_pred: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Count matrix `(C, C)` int64: entry `[i, j]` counts steps of true class i predicted as j.

    `y_true` and `y_pred` are integer tensors of the same shape (any); steps
    whose true label is `PAD_LABEL` are left out.
    """
    check_int("num_classes", num_classes)
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        check_tensor(name, values, floating=False)
        if values.dtype == torch.bool or values.is_complex():
            raise TypeError(f"{name} must be an integer tensor of class indices (e.g. .long()), got {describe(values)}")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, got {describe(y_true)} and {describe(y_pred)}")
    keep = y_true != PAD_LABEL
    y_true, y_pred = y_true[keep].long().cpu(), y_pred[keep].long().cpu()
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        if values.numel() and (values.min() < 0 or values.max() >= num_classes):
            raise ValueError(
                f"{name} holds values from {int(values.min())} to {int(values.max())} but num_classes={num_classes} "
                f"allows 0..{num_classes - 1} (and {PAD_LABEL} for padding in y_true)"
            )
    flat = torch.bincount(y_true * num_classes + y_pred, minlength=num_classes * num_classes)
    return flat.view(num_classes, num_classes)


def runner_up_is_neighbour(probs: torch.Tensor) -> torch.Tensor:
    """For class scores `(..., C)` of counts in order: True where the runner-up class is next to the top one.

    Returns a bool tensor `(...)`: `|top class - second class| == 1` at each position. C must be at least 2.
    """
    check_tensor("probs (..., C)", probs, floating=True)
    if probs.dim() == 0 or probs.shape[-1] < 2:
        raise ValueError(f"probs needs a class axis of 2 or more scores last, got {describe(probs)}")
    top_two = probs.topk(2, dim=-1).indices  # (..., 2): best and runner-up class
    return (top_two[..., 0] - top_two[..., 1]).abs() == 1
