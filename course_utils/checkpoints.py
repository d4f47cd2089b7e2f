"""Checkpoints: save a model's weights atomically and load them back with a clear error when they do not fit.

Only the state_dict is stored, and it is read back with `weights_only=True`:
a checkpoint is plain tensors, never code.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path

import torch
from torch import nn

from .models import model_device
from .validation import describe


def save_checkpoint(model: nn.Module, path: str | Path) -> Path:
    """Save `model`'s weights (its state_dict only) to `path`; return the path.

    The write is atomic: the weights go to a temporary file in the same folder,
    which then replaces `path` in one step, so `path` is either the complete new
    checkpoint or untouched. Missing parent folders are created.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {describe(model)}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            torch.save(model.state_dict(), file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def load_checkpoint(model: nn.Module, path: str | Path) -> nn.Module:
    """Load weights saved by `save_checkpoint` into `model` and return the model.

    Reads with `torch.load(weights_only=True)` (plain tensors only, no code), onto
    the device the model is on. Raises FileNotFoundError for a missing file and
    ValueError naming the missing, unexpected or differently shaped entries when
    the checkpoint belongs to another architecture.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {describe(model)}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no checkpoint file at {str(path)!r}: write one first with save_checkpoint(model, path)"
        )
    try:
        state = torch.load(path, map_location=model_device(model), weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError) as error:
        raise ValueError(
            f"{str(path)!r} is not a weights-only checkpoint written by save_checkpoint: {error}"
        ) from None
    if not isinstance(state, dict):
        raise ValueError(f"{str(path)!r} holds {describe(state)}, not a state_dict")
    _check_state_fits(model.state_dict(), state, path)
    model.load_state_dict(state)
    return model


def _check_state_fits(expected, state, path) -> None:
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    reshaped = [
        f"{k}: checkpoint {tuple(state[k].shape)}, model {tuple(expected[k].shape)}"
        for k in expected
        if k in state and tuple(state[k].shape) != tuple(expected[k].shape)
    ]
    problems = [
        f"{label}: {', '.join(items)}"
        for label, items in (
            ("missing in checkpoint", missing),
            ("not in model", unexpected),
            ("shape differs", reshaped),
        )
        if items
    ]
    if problems:
        raise ValueError(
            f"the checkpoint {str(path)!r} does not fit this model (was it saved from another architecture?); "
            + "; ".join(problems)
        )
