"""What lesson 07 compares against the bidirectional `SequenceClassifier` (given lengths, it reads no pad).

* `MeanPoolBaseline`: the average frame of each utterance and a linear
  layer (logistic regression), a model with no recurrence at all;
* `UnpackedMistake` and `LastOutputMistake`: two classifiers that are
  wrong ON PURPOSE, each reproducing one classic mistake so that its cost
  can be measured. They are teaching material; never copy them.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ...models import SequenceClassifier, check_module, one_way_hidden_size
from ...tensors import check_lengths, check_tensor, step_mask
from ...training import predict
from ...validation import check_int
from .recordings import N_COEFFICIENTS, N_SPEAKERS, load_padded


def mean_pool(x: torch.Tensor, lengths: torch.Tensor | Sequence[int]) -> torch.Tensor:
    """The average of each sequence's valid frames: x `(N, L, H_in)` padded, lengths `(N,)` -> `(N, H_in)`.

    Padded frames, whatever their value, are left out of the sum and of the
    count, so an utterance has the same average in any batch and padding.
    """
    check_tensor("x (N, L, H_in)", x, dim=3, floating=True)
    lengths = check_lengths(lengths, batch_size=x.shape[0], max_len=x.shape[1])
    valid = step_mask(lengths, x.shape[1]).to(x.device, x.dtype)  # (N, L)
    return (x * valid.unsqueeze(-1)).sum(dim=1) / lengths.to(x.device, x.dtype).unsqueeze(1)


class MeanPoolBaseline(nn.Module):
    """A model without recurrence: the mean frame of each sequence, then one linear layer.

    x `(N, L, H_in)`, lengths `(N,)` -> logits `(N, C)`. Trained with cross
    entropy this is multinomial logistic regression on the mean frame
    (H_in*C + C parameters); it sees what is in an utterance, not in what order.
    """

    def __init__(self, input_size: int = N_COEFFICIENTS, num_classes: int = N_SPEAKERS):
        super().__init__()
        check_int("input_size", input_size)
        check_int("num_classes", num_classes)
        self.head = nn.Linear(input_size, num_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | Sequence[int]) -> torch.Tensor:
        return self.head(mean_pool(x, lengths))  # (N, H_in) -> (N, C)


class UnpackedMistake(SequenceClassifier):
    """TEACHING MISTAKE, do not copy: a SequenceClassifier that ignores `lengths`.

    Called as `model(x, lengths)` it drops the lengths and runs the padded
    batch unpacked, so h_n includes the pad steps: the forward direction's
    final state comes after the last *pad* of each shorter utterance, and the
    backward direction starts on the pads before it reaches real frames. How
    many pads an utterance gets depends on the longest utterance in its
    batch, so its prediction can change with its batch mates. Same
    constructor and parameters as `SequenceClassifier`.
    """

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | Sequence[int] | None = None) -> torch.Tensor:
        return super().forward(x)  # the mistake: lengths are ignored


class LastOutputMistake(SequenceClassifier):
    """TEACHING MISTAKE, do not copy: a classifier whose head reads `output[:, -1]` of the unpacked run.

    `output[:, -1]` is the output at the last padded step: for the forward
    half, the state after all frames *and* the pads; for the backward half,
    the state after reading only that one step, which for every utterance
    shorter than its batch's longest is a pad. `lengths` are ignored, as in
    `UnpackedMistake`. Same constructor and parameters as `SequenceClassifier`.
    """

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | Sequence[int] | None = None) -> torch.Tensor:
        output, _ = self._run_rnn(x, None)  # (N, L, D*H_out): padded batch, unpacked
        return self.head(self.dropout(output[:, -1]))  # the mistake: the last step is no summary


def build_speaker_models(cell: str = "gru", hidden_size: int = 32, seed: int = 0) -> dict[str, nn.Module]:
    """The models lesson 07 compares, each built from `seed` (the learner's random state is left alone).

    Returns a dict name -> untrained model, inputs 12 coefficients, 9 speakers:
    "bidirectional" (`SequenceClassifier`), "no packing"
    (`UnpackedMistake`) and "output[:, -1]" (`LastOutputMistake`) with the
    same starting weights; "forward-only", a `SequenceClassifier` with
    `bidirectional=False` and the hidden size whose parameter count is
    closest to the bidirectional one's; and "mean-pooled baseline".
    """
    check_int("hidden_size", hidden_size)
    check_int("seed", seed, minimum=0)
    # A classifier has the parameters of a tagger of the same sizes (an RNN and a (D*H_out, C) head),
    # so the tagger budget matching gives the forward-only hidden size.
    forward_hidden = one_way_hidden_size(hidden_size, N_COEFFICIENTS, N_SPEAKERS, cell=cell)
    builders = {
        "bidirectional": lambda: SequenceClassifier(N_COEFFICIENTS, hidden_size, N_SPEAKERS, cell=cell),
        "no packing": lambda: UnpackedMistake(N_COEFFICIENTS, hidden_size, N_SPEAKERS, cell=cell),
        "output[:, -1]": lambda: LastOutputMistake(N_COEFFICIENTS, hidden_size, N_SPEAKERS, cell=cell),
        "forward-only": lambda: SequenceClassifier(
            N_COEFFICIENTS, forward_hidden, N_SPEAKERS, cell=cell, bidirectional=False
        ),
        "mean-pooled baseline": lambda: MeanPoolBaseline(N_COEFFICIENTS, N_SPEAKERS),
    }
    models = {}
    for name, build in builders.items():
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            models[name] = build()
    return models


def predictions_by_padding(model: nn.Module, split: str = "test", batch_size: int = 16) -> dict[str, torch.Tensor]:
    """A classifier's predicted speakers for every utterance of `split`, under three ways of padding it.

    Returns a dict of int64 `(N,)` tensors, in the split's order:
    "batches of <batch_size>" (each batch padded to its own longest
    utterance, as the test loader gives them), "all padded to <L_max>" (one
    batch, padded to the split's longest) and "each alone" (no padding). A
    classifier that packs (or pools only valid frames) gives the same
    predictions in all three; one that reads the padding need not.
    Inputs are standardized with the training statistics.
    """
    check_module("model", model)
    check_int("batch_size", batch_size)
    x, _, lengths = load_padded(split)  # (N, L_max, 12)
    batched = [
        predict(model, x[i : i + batch_size, : int(lengths[i : i + batch_size].max())], lengths[i : i + batch_size])[1]
        for i in range(0, len(x), batch_size)
    ]
    alone = [predict(model, x[n : n + 1, : int(length)], lengths[n : n + 1])[1] for n, length in enumerate(lengths)]
    return {
        f"batches of {batch_size}": torch.cat(batched),
        f"all padded to {x.shape[1]}": predict(model, x, lengths)[1],
        "each alone": torch.cat(alone),
    }
