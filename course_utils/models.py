"""The course's models: a per-step tagger and a per-sequence classifier on a (bi)directional RNN.

Everything is batch-first: x `(N, L, H_in)`, lengths `(N,)`. D = 2 when
bidirectional, else 1; H_out is the hidden size (hidden units per direction), C the number of
classes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from .bidirectional import run_within_lengths
from .shapes import rnn_parameter_count, split_directions
from .tensors import check_cell, check_input, check_lengths, check_tensor
from .validation import check_bool, check_int, describe

CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}

# The packing helpers check lengths exactly like the rest of the package:
# validate_lengths(lengths, batch_size, max_len) -> 1-D int64 CPU tensor, every value in [1, max_len].
validate_lengths = check_lengths


def pack_batch(x: torch.Tensor, lengths: torch.Tensor | Sequence[int]) -> PackedSequence:
    """Pack a padded batch-first `x` `(N, L, *)` whose sequence n has `lengths[n]` valid steps.

    `lengths` `(N,)` (list or int tensor, any device, any order) is checked
    and moved to the CPU as int64 (`pack_padded_sequence` requires the CPU and 1-D; int64 is our choice).
    """
    check_tensor("x", x)
    if x.dim() < 2:
        raise ValueError(f"x must be a padded batch (N, L, *) with at least 2 axes, got {describe(x)}")
    lengths = validate_lengths(lengths, x.shape[0], x.shape[1])
    return pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)


def unpack_batch(packed: PackedSequence, total_length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Undo `pack_batch`: return `(padded (N, total_length, *), lengths (N,))`, padding filled with 0.

    `total_length` is the padded length L you want back (at least the longest
    length), so the result lines up with the labels of the original batch.
    """
    if not isinstance(packed, PackedSequence):
        raise TypeError(f"packed must be a PackedSequence (from pack_batch), got {describe(packed)}")
    check_int("total_length", total_length)
    longest = int(packed.batch_sizes.numel())  # one entry per time step of the longest sequence
    if total_length < longest:
        raise ValueError(f"total_length must be >= the longest sequence ({longest} steps), got {total_length}")
    return pad_packed_sequence(packed, batch_first=True, total_length=total_length)


def check_module(name: str, value: object, kind: str = "") -> None:
    """Raise TypeError naming the argument unless `value` is a `torch.nn.Module`.

    kind: what the module should be, for the message (e.g. "a trained tagger").
    """
    if not isinstance(value, nn.Module):
        what = f" ({kind})" if kind else ""
        raise TypeError(f"{name} must be a torch.nn.Module{what}, got {describe(value)}")


def count_parameters(module: nn.Module) -> int:
    """Number of scalars in all of `module`'s parameters (trainable or not)."""
    check_module("module", module)
    return sum(p.numel() for p in module.parameters())


def model_device(model: nn.Module) -> torch.device:
    """Device of the model's first parameter (or buffer); CPU for a model without any."""
    for tensor in (*model.parameters(), *model.buffers()):
        return tensor.device
    return torch.device("cpu")


def check_trainable(model: nn.Module) -> None:
    """Raise unless `model` can be trained here: gradients on, at least one trainable parameter, finite weights."""
    if torch.is_inference_mode_enabled() or not torch.is_grad_enabled():
        raise RuntimeError(
            "train() was called with gradients turned off (inside `with torch.no_grad():` or "
            "`torch.inference_mode()`, or after torch.set_grad_enabled(False)), so no weight could change: call it "
            "outside that block. evaluate() and predict() turn gradients off by themselves"
        )
    parameters = list(model.parameters())
    if not parameters:
        raise ValueError(
            f"the model {type(model).__name__} has no parameters to train: does its __init__ create its layers "
            "(nn.Linear, nn.RNN, ...) as attributes of self, after super().__init__()?"
        )
    if not any(p.requires_grad for p in parameters):
        raise ValueError(
            f"every parameter of the model {type(model).__name__} has requires_grad=False (it is frozen, e.g. by "
            "requires_grad_(False)), so training would change nothing: unfreeze it with model.requires_grad_(True), "
            "or the part you want to train"
        )
    check_finite_weights(model)


def check_finite_weights(model: nn.Module) -> None:
    """Raise ValueError naming the first parameter of `model` that holds NaN or inf."""
    for name, parameter in model.named_parameters():
        if not bool(torch.isfinite(parameter.detach()).all()):
            raise ValueError(
                f"the model's weights {name!r} hold NaN or inf, so every output would too: they come from a training "
                "run that diverged (a NaN loss). Build the model again (or load a good checkpoint) and train it "
                "with a lower learning rate"
            )


@contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """Put `model` in eval mode for the `with` block, then restore the mode it had (training or not).

    `with eval_mode(model), torch.no_grad(): ...` is how the course predicts:
    dropout off, no gradients, and a model in the middle of training stays in training mode after.
    """
    check_module("model", model)
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


def last_layer_states(h_n: torch.Tensor, num_layers: int, bidirectional: bool) -> torch.Tensor:
    """The last layer's final states from `h_n` `(D*num_layers, N, H_out)`, as `(N, D*H_out)`.

    Bidirectional: `[forward state after the last step, backward state after
    step 0]`. For an LSTM pass h_n, the first element of `(h_n, c_n)`.
    """
    directions = 2 if check_bool("bidirectional", bidirectional) else 1
    last = split_directions(h_n, num_layers, num_directions=directions)[-1]  # (D, N, H_out)
    return torch.cat(tuple(last), dim=-1)


class _RecurrentModel(nn.Module):
    """Shared parts: `.rnn` (batch-first), `.dropout`, `.head` nn.Linear(D*H_out, C), and the run within lengths."""

    def __init__(self, input_size, hidden_size, num_classes, cell, bidirectional, num_layers, dropout):
        super().__init__()
        for name, value in (
            ("input_size", input_size),
            ("hidden_size", hidden_size),
            ("num_classes", num_classes),
            ("num_layers", num_layers),
        ):
            check_int(name, value)
        self.cell = check_cell(cell)
        check_bool("bidirectional", bidirectional)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)):
            raise TypeError(f"dropout must be a number in [0, 1), got {describe(dropout)}")
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        # torch drops out only *between* stacked layers, and warns when given
        # dropout with one layer; the inter-layer part is passed only when it has
        # an effect, and self.dropout covers the last layer's output either way.
        self.rnn = CELLS[self.cell](
            input_size,
            hidden_size,
            num_layers=num_layers,
            bidirectional=bidirectional,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear((2 if bidirectional else 1) * hidden_size, num_classes)

    def _run_rnn(self, x, lengths):
        """Run `.rnn` on x `(N, L, H_in)`, each sequence within its length when lengths are given.

        Returns `(output (N, L, D*H_out), h_n)`. With lengths the result is what
        packing gives (`run_within_lengths`: no pad reaches a valid step, pads
        output 0), computed without packing, which is faster on a CPU.
        """
        weight = self.head.weight
        check_input(x, self.rnn.input_size, dtype=weight.dtype)
        x = x.to(weight.device)
        if lengths is None:
            output, hidden = self.rnn(x)
        else:  # c_n is never read here, so an LSTM is spared the calls an exact c_n would cost
            output, hidden = run_within_lengths(self.rnn, x, lengths, cell_state=False)
        h_n = hidden[0] if self.cell == "lstm" else hidden  # an LSTM returns (h_n, c_n)
        return output, h_n


class SequenceTagger(_RecurrentModel):
    """One label per step: x `(N, L, H_in)` -> logits `(N, L, C)`.

    With `lengths` `(N,)` neither direction reads the padding: the result is
    packing's, computed faster (`bidirectional.run_within_lengths`); padded
    steps get the logits of an all-zero feature vector (the head's bias),
    which a loss with ignore_index=PAD_LABEL skips.
    `dropout` applies to the last layer's output (before the head) and, when
    num_layers > 1, between layers too.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_classes: int,
        cell: str = "rnn",
        bidirectional: bool = True,
        num_layers: int = 1,
        dropout: float = 0.0,
    ):
        super().__init__(input_size, hidden_size, num_classes, cell, bidirectional, num_layers, dropout)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | Sequence[int] | None = None) -> torch.Tensor:
        output, _ = self._run_rnn(x, lengths)  # (N, L, D*H_out)
        return self.head(self.dropout(output))  # (N, L, C)


class SequenceClassifier(_RecurrentModel):
    """One label per sequence: x `(N, L, H_in)` -> logits `(N, C)`.

    The head reads the last layer's final states from h_n: the forward state
    after each sequence's last valid step and the backward state after step 0.
    `output[:, -1]` would be wrong twice over: its backward half has only begun
    (in one layer it has read the last step alone; in a stack it reads a layer
    below that has seen every step, but it is still the backward pass's first
    step, not its summary), and with padding it is a pad position. `dropout` as
    in SequenceTagger.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_classes: int,
        cell: str = "lstm",
        bidirectional: bool = True,
        num_layers: int = 1,
        dropout: float = 0.0,
    ):
        super().__init__(input_size, hidden_size, num_classes, cell, bidirectional, num_layers, dropout)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | Sequence[int] | None = None) -> torch.Tensor:
        _, h_n = self._run_rnn(x, lengths)  # h_n: (D*num_layers, N, H_out)
        summary = last_layer_states(h_n, self.rnn.num_layers, self.rnn.bidirectional)  # (N, D*H_out)
        return self.head(self.dropout(summary))  # (N, C)


def build_tagger_pair(
    input_size: int = 8, hidden_size: int = 10, num_classes: int = 5, cell: str = "rnn"
) -> tuple[SequenceTagger, SequenceTagger]:
    """Return `(bidirectional tagger, forward-only tagger)` with about the same number of parameters.

    The forward-only tagger's hidden size is the one whose parameter count
    (head included) is closest to the bidirectional one's; for the reference
    sizes that is 16 units (501 parameters) against 2 x 10 (505).
    """
    forward_hidden = one_way_hidden_size(hidden_size, input_size, num_classes, cell)
    return (
        SequenceTagger(input_size, hidden_size, num_classes, cell=cell, bidirectional=True),
        SequenceTagger(input_size, forward_hidden, num_classes, cell=cell, bidirectional=False),
    )


def one_way_hidden_size(hidden_size: int, input_size: int, num_classes: int, cell: str = "rnn") -> int:
    """Hidden size of a one-way tagger with about as many parameters as a bidirectional one of `hidden_size`.

    Counts include the head: for 8 inputs and 5 classes, 16 units (501
    parameters) against 2 x 10 (505); for 1 input and 3 classes, 12 units (219)
    against 2 x 8 (227).
    """
    check_int("hidden_size", hidden_size)
    check_int("num_classes", num_classes)
    target = _tagger_parameter_count(cell, input_size, hidden_size, num_classes, bidirectional=True)
    # A forward-only layer of 2*H_out units has at least as many parameters of every
    # kind as a bidirectional one of H_out, so the best size lies in 1..2*H_out.
    return min(
        range(1, 2 * hidden_size + 1),
        key=lambda h: abs(_tagger_parameter_count(cell, input_size, h, num_classes, bidirectional=False) - target),
    )


def _tagger_parameter_count(cell, input_size, hidden_size, num_classes, bidirectional):
    """Parameters of a one-layer SequenceTagger: the RNN plus its (D*H_out, C) head."""
    features = (2 if bidirectional else 1) * hidden_size
    head = (features + 1) * num_classes
    return rnn_parameter_count(cell, input_size, hidden_size, bidirectional=bidirectional) + head
