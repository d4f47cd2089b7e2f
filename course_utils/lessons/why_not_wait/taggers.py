"""The one-way alternatives to a bidirectional tagger: wait for the future, read backwards, or average two.

All map x `(N, L, H_in)` (and optional lengths `(N,)`) to one output per step
`(N, L, C)`, so `training.train`, `evaluate` and `predict` work with them
unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ...models import SequenceTagger, check_module
from ...tensors import check_input, check_lengths, reverse_within_lengths, step_mask
from ...validation import check_int, describe


class DelayedTagger(SequenceTagger):
    """A forward-only tagger that answers for step t at step t + delay: x `(N, L, H_in)` -> `(N, L, C)`.

    The input gets `delay` zero steps appended at the end (after each
    sequence's own last step when `lengths` are given), the forward RNN reads
    all L + delay steps, and the output of step t + delay becomes the output
    for step t. So the answer for step t has read x_0 .. x_{t+delay}: `delay`
    steps of the future, paid for by remembering the past `delay` steps longer.
    delay=0 is the plain forward tagger (the same weights give the same output).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_classes: int,
        delay: int = 0,
        cell: str = "rnn",
        num_layers: int = 1,
        dropout: float = 0.0,
    ):
        super().__init__(input_size, hidden_size, num_classes, cell, False, num_layers, dropout)
        self.delay = check_int("delay", delay, minimum=0)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | Sequence[int] | None = None) -> torch.Tensor:
        check_input(x, self.rnn.input_size, dtype=self.head.weight.dtype)
        seq_len, delay = x.shape[1], self.delay
        waited = F.pad(x, (0, 0, 0, delay))  # (N, L + delay, H_in): zero steps at the end
        if lengths is not None:
            lengths = check_lengths(lengths, x.shape[0], seq_len)
            # the zero steps must follow each sequence's own last step, not the batch's padding
            valid = step_mask(lengths, seq_len + delay)  # (N, L + delay)
            waited = waited * valid.unsqueeze(-1).to(waited)
            lengths = lengths + delay
        return super().forward(waited, lengths)[:, delay:]  # (N, L, C): step t read at t + delay

    def extra_repr(self) -> str:
        return f"delay={self.delay}"


class BackwardTagger(SequenceTagger):
    """A backward-only tagger: x `(N, L, H_in)` -> `(N, L, C)`, the output for step t has read x_t .. x_{L-1}.

    It is a forward tagger run on each sequence reversed (within its own
    length when `lengths` are given), with the outputs reversed back so that
    output t belongs to step t.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_classes: int,
        cell: str = "rnn",
        num_layers: int = 1,
        dropout: float = 0.0,
    ):
        super().__init__(input_size, hidden_size, num_classes, cell, False, num_layers, dropout)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | Sequence[int] | None = None) -> torch.Tensor:
        check_input(x, self.rnn.input_size, dtype=self.head.weight.dtype)
        full = torch.full((x.shape[0],), x.shape[1], dtype=torch.int64)
        steps = full if lengths is None else check_lengths(lengths, x.shape[0], x.shape[1])
        output = super().forward(reverse_within_lengths(x, steps), lengths)  # (N, L, C), reversed order
        return reverse_within_lengths(output, steps)


class MergedTagger(nn.Module):
    """The average of two separately trained taggers (a forward and a backward one): x `(N, L, H_in)` -> `(N, L, C)`.

    average="probabilities" (classification): the class probabilities of the
    two are averaged, p = (softmax(a) + softmax(b)) / 2, and the model returns
    log p. Log-probabilities are valid logits: softmax(log p) = p, and argmax
    and `cross_entropy` give the same as for any logits with those
    probabilities, so `evaluate` and `predict` work unchanged.
    average="outputs" (regression, one value per step): the plain mean (a + b) / 2.
    It is meant to be evaluated, not trained: the members are trained first, on their own.
    """

    AVERAGES = ("probabilities", "outputs")

    def __init__(self, forward_tagger: nn.Module, backward_tagger: nn.Module, average: str = "probabilities"):
        super().__init__()
        for name, member in (("forward_tagger", forward_tagger), ("backward_tagger", backward_tagger)):
            check_module(name, member, "a trained tagger")
        if average not in self.AVERAGES:
            raise ValueError(f"average must be one of {self.AVERAGES}, got {describe(average)}")
        self.forward_tagger, self.backward_tagger, self.average = forward_tagger, backward_tagger, average

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | Sequence[int] | None = None) -> torch.Tensor:
        a, b = (m(x) if lengths is None else m(x, lengths) for m in (self.forward_tagger, self.backward_tagger))
        if a.shape != b.shape:
            raise ValueError(f"the two taggers disagree on the output shape: {tuple(a.shape)} and {tuple(b.shape)}")
        if self.average == "outputs":
            return (a + b) / 2
        if a.shape[-1] < 2:
            raise ValueError(
                "average='probabilities' needs class scores (C >= 2) but the taggers return one value per step: "
                "for regression use average='outputs'"
            )
        # log((p_a + p_b) / 2), computed stably from the log-probabilities
        return torch.logaddexp(a.log_softmax(-1), b.log_softmax(-1)) - math.log(2)

    def extra_repr(self) -> str:
        return f"average={self.average!r}"
