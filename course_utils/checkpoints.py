"""Checkpoints: save a model's weights atomically and load them back with a clear error when they do not fit.

Only the state_dict is stored, and it is read back with `weights_only=True`:
a checkpoint is plain tensors, never code. A checkpoint is verified before
its weights are loaded: the zip's CRC-32 of every member, then a SHA-256 of
the weights that `save_checkpoint` stores in the zip's comment (torch.load
ignores the comment). Both are needed: torch's zip reader trusts header
fields that neither CRC covers, and a one-byte change there loads other
weights (4 of the 4805 byte positions of a small tagger's checkpoint did).

Before either, nothing is unpacked until the sizes the zip declares fit the
model: a zip member may inflate a thousandfold (a 1 MB "zip bomb" would cost
gigabytes and many seconds before being refused), so the parts' unpacked sizes,
read from the zip's directory, must add up to at most what the model's own
weights take (`_unpacked_limit`: twice that, plus room for the pickled names).
Saving refuses to replace a read-only file (`files.atomic_write`).
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import re
import zipfile
import zlib
from pathlib import Path
from typing import TypeVar

import torch
from torch import nn

from .files import atomic_write, check_path, damaged, reading
from .models import check_module, model_device
from .validation import describe

DIGEST_TAG = "course_utils weights sha256 "  # the zip comment: this tag, then the weights' SHA-256
CHECKPOINT_FIX = "save it again with save_checkpoint(model, path), or restore the file (e.g. `git checkout -- <file>`)"
UPGRADE_FIX = "upgrade torch (`pip install --upgrade torch`, or `conda update pytorch`), then restart the kernel"
# torch's own words when a file's format `version` record is newer than it reads, e.g. "Attempted to read a
# PyTorch file with version 99, but the maximum supported version for reading is 10. The version of your
# PyTorch installation may be too old, ..."
_NEWER_FORMAT = re.compile(r"file with version (\d+), but the maximum supported version for reading is (\d+)")
ModuleT = TypeVar("ModuleT", bound=nn.Module)  # load_checkpoint returns the model it was given, of the same class


def save_checkpoint(model: nn.Module, path: str | os.PathLike) -> Path:
    """Save `model`'s weights (its state_dict only) to `path`; return the path.

    The write is atomic (`files.atomic_write`): `path` is either the complete
    new checkpoint or untouched, even after Ctrl-C or a full disk. Missing
    parent folders are created. A read-only file at `path` is not replaced
    (PermissionError naming it), nor a device, FIFO or folder.
    """
    check_module("model", model)
    path = check_path("path", path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = model.state_dict()
    buffer = io.BytesIO()
    torch.save(state, buffer)
    # The zip comment carries a checksum of the weights themselves: torch.load ignores it, and it catches
    # damage that the zip's own CRCs miss (torch's zip reader uses header fields Python's does not check).
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.comment = (DIGEST_TAG + _state_digest(state)).encode("ascii")
    with atomic_write(path, "wb") as file:
        file.write(buffer.getvalue())
    return path


def load_checkpoint(model: ModuleT, path: str | os.PathLike) -> ModuleT:
    """Load weights saved by `save_checkpoint` into `model` and return the model.

    The file is verified before anything is loaded: it must be a zip archive
    whose parts unpack to no more than the model's weights take (checked from
    the sizes the zip declares, before anything is unpacked), whose every member
    matches its stored CRC-32 checksum (so a damaged or
    cut-short file is refused, not loaded with altered weights), hold a
    state_dict of finite tensors, and fit the model's architecture. It is read
    with `torch.load(weights_only=True)` (plain tensors only, no code), onto
    the device the model is on. Raises FileNotFoundError for a missing file,
    `DamagedFileError` (a ValueError) for a damaged one (or one written by a
    newer torch than this one reads: its message says to upgrade torch), ValueError naming the
    missing, unexpected or differently shaped entries for another architecture.
    """
    check_module("model", model)
    with reading(path, "checkpoint file", "write one with save_checkpoint(model, path)") as path:
        stored_digest = _verify_zip(path, model.state_dict())
        try:
            state = torch.load(path, map_location=model_device(model), weights_only=True)
        except (
            pickle.UnpicklingError,
            RuntimeError,
            EOFError,
            OSError,
            KeyError,
            TypeError,
            ValueError,
            UnicodeDecodeError,
            IndexError,  # torch 2.2's weights-only unpickler, popping an empty stack in a damaged pickle
        ) as error:
            newer = _newer_torch_problem(error)
            if newer:
                raise damaged(path, newer, UPGRADE_FIX) from None
            raise damaged(
                path, f"it is not a weights-only checkpoint written by save_checkpoint ({error})", CHECKPOINT_FIX
            ) from None
    if not isinstance(state, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()
    ):
        raise damaged(path, f"it holds {describe(state)}, not a state_dict (names -> tensors)", CHECKPOINT_FIX)
    if stored_digest is not None and _state_digest(state) != stored_digest:
        raise damaged(
            path,
            "its weights do not match the checksum save_checkpoint stored with them: the file was "
            "damaged after it was written",
            CHECKPOINT_FIX,
        )
    for name, tensor in state.items():
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise ValueError(
                f"{path}: the weights {name!r} hold NaN or inf, so the model that was saved had diverged in training "
                "(a NaN loss, often a learning rate too high): train it again and save it then"
            )
    _check_state_fits(model.state_dict(), state, path)
    model.load_state_dict(state)
    return model


def _newer_torch_problem(error: BaseException) -> str | None:
    """What to say when torch.load refused a file because a newer torch wrote it; None for any other error."""
    text = str(error)
    found = _NEWER_FORMAT.search(text)
    if found is None and "installation may be too old" not in text:
        return None
    versions = f": the file's format version is {found[1]}, and this torch reads up to {found[2]}" if found else ""
    return (
        f"it was probably written by a newer version of torch than this one (this torch is {torch.__version__}"
        f"{versions}), so the file itself is likely fine"
    )


def _state_digest(state: dict) -> str:
    """SHA-256 of a state_dict's names, dtypes, shapes and values (on the CPU), as 64 hex digits."""
    digest = hashlib.sha256()
    for name in sorted(state):
        tensor = state[name].detach().cpu().contiguous()
        digest.update(f"{name}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
        digest.update(tensor.view(torch.uint8).numpy().tobytes() if tensor.numel() else b"")
    return digest.hexdigest()


def _unpacked_limit(expected: dict) -> tuple[int, int, int]:
    """(bytes the model's weights take, most bytes its checkpoint may unpack to, most parts it may have).

    torch.save writes one part per storage, plus the pickled names and a few small records;
    the room left (twice the weights, a MiB, 4 KiB a name) also lets a checkpoint of a somewhat
    larger architecture through, so its error names the shapes that differ.
    """
    weights = sum(t.numel() * t.element_size() for t in expected.values() if isinstance(t, torch.Tensor))
    return weights, 2 * weights + (1 << 20) + 4096 * len(expected), 2 * len(expected) + 64


def _size_problem(archive: zipfile.ZipFile, expected: dict) -> str | None:
    """Why a checkpoint would unpack to more than the model holds, from the sizes the zip's directory declares."""
    weights, limit, most_parts = _unpacked_limit(expected)
    parts = archive.infolist()
    if len(parts) > most_parts:
        return (
            f"it has {len(parts)} parts, and a checkpoint of this model has at most {most_parts}: it is not a "
            "checkpoint of this model; nothing was unpacked"
        )
    unpacked = sum(part.file_size for part in parts)
    if unpacked > limit:
        return (
            f"its parts would take {unpacked:,} bytes unpacked, but this model's weights take {weights:,} bytes: it is "
            "a checkpoint of a much larger model, or a file built to exhaust memory; nothing was unpacked"
        )
    return None


def _verify_zip(path: Path, expected: dict) -> str | None:
    """Refuse a file that is not a zip archive, would unpack to more than `expected` (the model's state_dict)
    holds, or whose members do not match their CRC-32 checksums.

    Returns the weights' checksum stored by save_checkpoint, or None for a checkpoint written otherwise.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            too_large = _size_problem(archive, expected)
            bad = None if too_large else archive.testzip()
            comment = archive.comment.decode("ascii", errors="replace")
    except (
        zipfile.BadZipFile,
        OSError,
        EOFError,
        ValueError,
        KeyError,
        zlib.error,
        NotImplementedError,
        UnicodeDecodeError,
    ) as error:
        raise damaged(
            path,
            f"it is not a complete checkpoint (a checkpoint is a zip archive; this one cannot be "
            f"read: {error}); the file is damaged, cut short or not a checkpoint",
            CHECKPOINT_FIX,
        ) from None
    if too_large:
        raise damaged(path, too_large, CHECKPOINT_FIX)
    if bad is not None:
        raise damaged(
            path,
            f"its part {bad!r} does not match its stored checksum: the file was damaged after it was written",
            CHECKPOINT_FIX,
        )
    return comment[len(DIGEST_TAG) :] if comment.startswith(DIGEST_TAG) else None


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
