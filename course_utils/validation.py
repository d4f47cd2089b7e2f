"""Small argument checks shared by every module, so errors read the same everywhere.

Each check raises a ValueError or TypeError that names the argument, what was
expected and what was given.
"""

from __future__ import annotations

import torch


def describe(obj) -> str:
    """A short description of `obj` for error messages: dtype and shape for tensors."""
    if isinstance(obj, torch.Tensor):
        return f"a {obj.dtype} tensor of shape {tuple(obj.shape)}"
    text = f"{type(obj).__name__} {obj!r}"
    return text if len(text) <= 120 else text[:117] + "..."


def check_int(name: str, value, minimum: int = 1) -> int:
    """Return `value` if it is an int >= `minimum` (bools rejected), else raise."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {describe(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def check_tensor(name: str, value, dim: int | None = None, floating: bool | None = None) -> torch.Tensor:
    """Return `value` if it is a tensor with `dim` axes (and a float/int dtype if asked), else raise.

    `dim` and `floating` are checked only when given.
    """
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {describe(value)}")
    if dim is not None and value.dim() != dim:
        raise ValueError(f"{name} must have {dim} axes, got {describe(value)}")
    if floating is True and not value.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor (e.g. .float()), got {describe(value)}")
    if floating is False and value.is_floating_point():
        raise TypeError(f"{name} must be an integer tensor (e.g. .long()), got {describe(value)}")
    return value


def check_lengths(lengths, batch_size: int | None = None, max_len: int | None = None) -> torch.Tensor:
    """Return `lengths` as a 1-D int64 CPU tensor after checking it against the batch.

    Accepts a list or an integer tensor on any device. Every length must be in
    `[1, max_len]`; there must be one per sequence (`batch_size`) when given.
    """
    if isinstance(lengths, (list, tuple)):
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in lengths):
            raise TypeError(f"lengths must hold ints, got {describe(lengths)}")
        lengths = torch.tensor(lengths, dtype=torch.int64)
    check_tensor("lengths", lengths, floating=False)
    if lengths.dtype == torch.bool:
        raise TypeError(f"lengths must be an integer tensor, got {describe(lengths)}")
    if lengths.dim() != 1:
        raise ValueError(f"lengths must be 1-D, one length per sequence, got {describe(lengths)}")
    if len(lengths) == 0:
        raise ValueError("lengths is empty: a batch needs at least one sequence")
    if batch_size is not None and len(lengths) != batch_size:
        raise ValueError(f"lengths has {len(lengths)} entries but the batch has {batch_size} sequences")
    lengths = lengths.detach().to("cpu", torch.int64)
    if int(lengths.min()) < 1:
        raise ValueError(
            f"every length must be >= 1 (an empty sequence cannot be packed), got {int(lengths.min())} "
            f"at position {int(lengths.argmin())}"
        )
    if max_len is not None and int(lengths.max()) > max_len:
        raise ValueError(
            f"lengths go up to {int(lengths.max())} (position {int(lengths.argmax())}) but the padded "
            f"input has only T={max_len} steps"
        )
    return lengths
