"""The form of a batch and of a model's output, checked on every batch by `training` and `metrics`.

Batches are `(x, y)` or `(x, y, lengths)`: x float features `(N, L, H_in)` (or
integer ids for a model that embeds them), y integer labels (`(N, L)` per step,
padded with `PAD_LABEL`, or `(N,)` per sequence) or float targets for
`loss="mse"`. Every batch is checked as it streams (its form and sizes, then,
with the model's output, finite inputs and labels in range): a mismatch stops
with a message that names the batch, what was expected and what to do, not a
traceback from inside torch. The value checks cost one small host sync per batch.

Labels of a narrower integer type (int32, NumPy's default on Windows; int16,
int8, uint8, uint16, uint32) are widened to the int64 that torch's cross
entropy needs, which changes no value, so they train as they are; uint64
labels, which int64 cannot always hold, are refused with the fix `y.long()`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .tensors import PAD_LABEL, check_lengths, check_not_meta
from .validation import describe

# Integer types every value of which int64 holds: labels of these types are widened (y.long()) as they stream.
_LOSSLESS_TO_INT64 = tuple(
    dtype
    for dtype in (
        torch.int8,
        torch.int16,
        torch.int32,
        torch.uint8,
        getattr(torch, "uint16", None),
        getattr(torch, "uint32", None),
    )
    if dtype is not None
)


def split_batch(
    batch: object, where: str, loss_name: str = "cross_entropy"
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Split a batch `(x, y)` or `(x, y, lengths)` into `(x, y, lengths or None)` after checking its form.

    Checks x (features or ids), y (labels, or float targets for `loss_name="mse"`),
    that they share N, and the lengths; `where` names the batch in error messages,
    e.g. "batch 3 (counting from 0) of train_loader". Integer labels come back
    as int64 (a narrower type widened, see the module's docstring).
    """
    if not isinstance(batch, (tuple, list)) or len(batch) not in (2, 3):
        raise TypeError(f"{where} must be (x, y) or (x, y, lengths), got {describe(batch)}")
    x, y = batch[0], batch[1]
    lengths = batch[2] if len(batch) == 3 else None
    if not isinstance(x, torch.Tensor) or x.dtype == torch.bool or x.is_complex():
        raise TypeError(
            f"x (the first item of {where}) must be a float tensor of features "
            f"or an integer tensor of ids (for a model that embeds them), got {describe(x)}"
        )
    if loss_name == "mse":
        if not isinstance(y, torch.Tensor) or not y.is_floating_point():
            raise TypeError(
                f"targets y (the second item of {where}) must be a float tensor for loss='mse' "
                f"(e.g. y.float()), got {describe(y)}"
            )
    elif not isinstance(y, torch.Tensor) or y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
        raise TypeError(
            f"labels y (the second item of {where}) must be an integer tensor of class "
            f"indices (e.g. y.long()), got {describe(y)}"
        )
    elif y.dtype in _LOSSLESS_TO_INT64:
        y = y.long()
    elif y.dtype != torch.int64:
        raise TypeError(
            f"labels y (the second item of {where}) are {y.dtype}, which torch's cross entropy does not take and "
            "which int64 cannot hold in every case: convert them with y.long() (class indices fit)"
        )
    check_not_meta(f"x (the first item of {where})", x)
    check_not_meta(f"y (the second item of {where})", y)
    if x.dim() == 0 or y.shape[:1] != x.shape[:1]:
        raise ValueError(
            f"x and y of {where} must share their first axis N (one row of labels per sequence), got "
            f"{describe(x)} and {describe(y)}: do the inputs and labels come from the same samples?"
        )
    if lengths is not None:
        lengths = check_lengths(lengths, batch_size=x.shape[0], max_len=x.shape[1] if x.dim() > 1 else None)
    return x, y, lengths


def check_batch_values(
    x: torch.Tensor, y: torch.Tensor, output: object, where: str, loss_name: str = "cross_entropy"
) -> None:
    """Check the model's `output` against y, then the values: x finite, labels in 0..C-1 (or PAD_LABEL).

    With loss_name "mse", y may hold NaN (padded steps) but not inf.
    """
    if loss_name == "mse":
        check_regression_output(output, y, where)
    else:
        check_logits(output, y, where)
    assert isinstance(output, torch.Tensor)  # for mypy: checked just above
    num_classes = output.shape[-1]
    bad_x = ~torch.isfinite(x) if x.is_floating_point() else torch.zeros((), dtype=torch.bool, device=x.device)
    bad_y = torch.isinf(y) if loss_name == "mse" else ((y < 0) & (y != PAD_LABEL)) | (y >= num_classes)
    x_broken, y_broken = torch.stack([bad_x.any(), bad_y.any()]).tolist()  # one host sync for both
    if x_broken:
        index = first_index(bad_x)
        raise ValueError(
            f"x of {where} holds {float(x[index])} at {position(index)}: the data has missing or broken values, "
            "and one NaN or inf turns every weight into NaN. Replace or drop them before training "
            "(e.g. torch.nan_to_num(x), or leave those sequences out)"
        )
    if y_broken and loss_name == "mse":
        index = first_index(bad_y)
        raise ValueError(
            f"targets y of {where} hold {float(y[index])} at {position(index)}: targets must be finite "
            "(NaN marks a padded step; inf is not allowed)"
        )
    if y_broken:
        check_label_range(y, num_classes, where)


def check_label_range(y: torch.Tensor, num_classes: int, where: str) -> None:
    """Raise ValueError naming the first label outside 0..num_classes-1 that is not PAD_LABEL, if any."""
    bad = ((y < 0) & (y != PAD_LABEL)) | (y >= num_classes)
    if not bool(bad.any()):
        return
    index = first_index(bad)
    label = int(y[index])
    fix = "Fix the labels"
    if label >= num_classes:
        fix += (
            f", or build the model with num_classes={int(y[y != PAD_LABEL].max()) + 1} if the data has that many "
            "classes"
        )
    raise ValueError(
        f"label {label} at {position(index)} of {where} is outside 0..{num_classes - 1}: the model outputs "
        f"{num_classes} classes ({PAD_LABEL} marks padded steps). {fix}"
    )


def check_not_probabilities(output: torch.Tensor) -> None:
    """Refuse an output that is clearly probabilities (all in [0, 1], each row summing to 1), not logits.

    A one-hot output (only 0s and 1s) passes: it is valid logits too.
    """
    if output.shape[-1] < 2 or output.numel() == 0:
        return
    output = output.detach()
    in_unit_range = bool(((output >= 0) & (output <= 1)).all()) and bool(((output > 0) & (output < 1)).any())
    if in_unit_range and bool(torch.allclose(output.sum(-1), torch.ones_like(output.sum(-1)), atol=1e-4)):
        raise ValueError(
            "the model returns probabilities (every value is in [0, 1] and each row sums to 1), but training and "
            "evaluation need logits: remove the softmax at the end of forward(). Cross entropy applies its own "
            "(log-)softmax, and a second one flattens the loss so the model barely learns; predict() gives "
            "probabilities when you want them"
        )


BATCH_AXES = ("sequence", "step", "feature")  # the axes of a batch tensor x (N, L, H_in), in words


def first_index(mask: torch.Tensor) -> tuple[int, ...]:
    """The index of the first True entry of a boolean tensor that has one (the first wrong or broken entry)."""
    return tuple(int(i) for i in mask.nonzero()[0])


def position(index: tuple[int, ...], axes: Sequence[str] = BATCH_AXES) -> str:
    """An index in words, each number named by its axis: `[sequence 2, step 5, feature 0]`.

    axes: the name of each axis (a batch tensor's by default); when there are fewer names than numbers,
    every number is named `axis i`.
    """
    names = axes if len(axes) >= len(index) else tuple(f"axis {i}" for i in range(len(index)))
    return "[" + ", ".join(f"{name} {i}" for name, i in zip(names, index)) + "]"


def check_logits(logits: object, y: torch.Tensor, where: str) -> None:
    """Check that `logits` fits the labels `y` of `where`: shape `y.shape + (C,)`."""
    check_model_output(logits)
    assert isinstance(logits, torch.Tensor)  # for mypy: checked just above
    if logits.dim() == 3 and y.dim() == 1:
        raise ValueError(
            f"{where}: the model returned per-step logits (N, L, C) = {tuple(logits.shape)} but the labels are one per "
            f"sequence (N,) = {tuple(y.shape)}: use a sequence classifier returning (N, C), or per-step labels (N, L)"
        )
    if logits.dim() == 2 and y.dim() == 2:
        raise ValueError(
            f"{where}: the model returned one row of logits per sequence (N, C) = {tuple(logits.shape)} but the labels "
            f"are per step (N, L) = {tuple(y.shape)}: use a tagger returning (N, L, C), "
            "or one label per sequence (N,)"
        )
    if logits.dim() == 0 or logits.shape[:-1] != y.shape:
        raise ValueError(
            f"{where}: the model's logits {tuple(logits.shape)} do not fit the labels {tuple(y.shape)}: expected the "
            f"labels' shape plus a class axis, ({', '.join(map(str, y.shape))}, C)"
        )


def check_regression_output(output: object, y: torch.Tensor, where: str) -> None:
    """Check that the model gives one value per target of `where`: shape `y.shape` or `y.shape + (1,)`."""
    check_model_output(output)
    assert isinstance(output, torch.Tensor)  # for mypy: checked just above
    if tuple(output.shape) not in (tuple(y.shape), tuple(y.shape) + (1,)):
        raise ValueError(
            f"{where}: with loss='mse' the model must return one value per target, shape {tuple(y.shape)} or "
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
