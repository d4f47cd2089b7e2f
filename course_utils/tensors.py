"""Checks and small helpers for the tensors every module passes around: batches, lengths, masks.

Everything is batch-first: x `(N, L, H_in)` padded, lengths `(N,)`. Each check
raises a ValueError or TypeError naming the argument, what was expected and
what was given (see `course_utils.validation` for the checks of plain values).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch.nn.utils.rnn import PackedSequence

from .validation import describe

PAD_LABEL = -100  # the label of a padded step: the default ignore_index of torch's cross entropy
CELL_NAMES = ("rnn", "gru", "lstm")  # the recurrent cells the course builds (nn.RNN, nn.GRU, nn.LSTM)


def check_tensor(name: str, value: object, dim: int | None = None, floating: bool | None = None) -> torch.Tensor:
    """Return `value` if it is a tensor with values (not on the meta device) with `dim` axes (and a float/int
    dtype if asked), else raise.

    `dim` and `floating` are checked only when given.
    """
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {describe(value)}")
    check_not_meta(name, value)
    if dim is not None and value.dim() != dim:
        raise ValueError(f"{name} must have {dim} axes, got {describe(value)}")
    if floating is True and not value.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor (e.g. .float()), got {describe(value)}")
    if floating is False and value.is_floating_point():
        raise TypeError(f"{name} must be an integer tensor (e.g. .long()), got {describe(value)}")
    return value


def check_not_meta(name: str, value: torch.Tensor) -> None:
    """Raise ValueError if the tensor `value` is on the meta device: a shape and a dtype, but no values."""
    if value.device.type == "meta":
        raise ValueError(
            f"{name} is on the 'meta' device ({describe(value)}): a meta tensor has a shape and a dtype but no "
            "values, so nothing can be computed from it. It comes from device='meta' or `with torch.device('meta'):`; "
            "make it on the CPU instead (leave device out, or device='cpu')"
        )


def check_lengths(
    lengths: torch.Tensor | Sequence[int], batch_size: int | None = None, max_len: int | None = None
) -> torch.Tensor:
    """Return `lengths` as a 1-D int64 CPU tensor after checking it against the batch.

    Accepts a list or an integer tensor on any device. Every length must be in
    `[1, max_len]`; there must be one per sequence (`batch_size`) when given.
    """
    if isinstance(lengths, (list, tuple)):
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in lengths):
            raise TypeError(f"lengths must hold ints, got {describe(lengths)}")
        lengths = torch.tensor(lengths, dtype=torch.int64)
    lengths = check_tensor("lengths", lengths, floating=False)
    if lengths.dtype == torch.bool or lengths.is_complex():
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
            f"input has only L={max_len} steps"
        )
    return lengths


def check_input(
    x: torch.Tensor, input_size: int, batch_axis: int = 0, dtype: torch.dtype | None = None
) -> torch.Tensor:
    """Check that x is a padded 3-D float batch with `input_size` features last (and `dtype` if given)."""
    axes = "(N, L, H_in)" if batch_axis == 0 else "(L, N, H_in)"
    if isinstance(x, PackedSequence):
        raise TypeError(f"x must be a padded tensor {axes}, got a PackedSequence: pass the padded batch and lengths")
    check_tensor("x", x)
    if x.dim() == 2:
        raise ValueError(
            f"x must be 3-D {axes}, got {describe(x)}: for a single sequence of shape (L, H_in) "
            f"use x.unsqueeze({batch_axis})"
        )
    check_tensor(f"x {axes}", x, dim=3, floating=True)
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"x must hold at least one sequence of at least one step, got {describe(x)}")
    if x.shape[2] != input_size:
        hint = ""
        if input_size in x.shape[:2]:
            hint = f"; axis {list(x.shape).index(input_size)} has {input_size} entries: the features must be last"
        raise ValueError(
            f"x has {x.shape[2]} features on its last axis but the RNN was built with input_size={input_size}{hint}"
        )
    if dtype is not None and x.dtype != dtype:
        raise TypeError(
            f"x is {x.dtype} but the model's weights are {dtype}: convert with x.to({dtype}) "
            f"(or the model with model.to({x.dtype}))"
        )
    return x


def check_cell(cell: object) -> str:
    """Return the lower-case cell name after checking it is rnn, gru or lstm."""
    if not isinstance(cell, str) or cell.lower() not in CELL_NAMES:
        raise ValueError(f"cell must be one of 'rnn', 'gru', 'lstm', got {describe(cell)}")
    return cell.lower()


def step_mask(lengths: torch.Tensor, seq_len: int) -> torch.Tensor:
    """`(N, L)` bool mask, True at the valid steps `t < lengths[n]`, on `lengths`' device.

    `lengths` is a 1-D integer tensor already checked (`check_lengths`).
    """
    return torch.arange(seq_len, device=lengths.device) < lengths.unsqueeze(1)


def reverse_within_lengths(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse the first `lengths[n]` steps of each sequence of `x` `(N, L, *)`; padding stays in place.

    `lengths` is a checked 1-D int64 CPU tensor (`check_lengths`). Applied twice
    it gives `x` back. A backward direction run over the result reads each
    sequence from its own last step, and meets the pads only after step 0.
    """
    return reorder_steps(x, within_lengths_reversal(lengths, x.shape[1]))


def within_lengths_reversal(lengths: torch.Tensor, seq_len: int) -> torch.Tensor:
    """`(N*L,)` int64 row indices into `x.flatten(0, 1)` that reverse each sequence within its length.

    For `reorder_steps`: compute it once per batch and reverse as many tensors
    of that batch as needed. Row `n*L + t` takes row `n*L + lengths[n]-1-t` for
    a valid step t, and itself for a pad. `lengths`: as in `reverse_within_lengths`.
    """
    steps = torch.arange(seq_len).expand(len(lengths), seq_len)  # (N, L)
    last = lengths.unsqueeze(1) - 1
    source = torch.where(steps <= last, last - steps, steps)  # (N, L): the step each step takes
    return (source + seq_len * torch.arange(len(lengths)).unsqueeze(1)).flatten()


def reorder_steps(x: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
    """`x` `(N, L, *)` with its steps taken from `rows` (`within_lengths_reversal`), as one row copy.

    Copying whole `(*)` rows by index reads far less than `gather` with an
    index as big as `x`, in the forward pass and in its backward (`index_add`).
    """
    return x.flatten(0, 1).index_select(0, rows.to(x.device)).view(x.shape)
