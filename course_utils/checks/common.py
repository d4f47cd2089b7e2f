"""What the lesson checks build their cases from (public to the checks, not meant for notebooks).

* `seeded(seed)`: build a check's own layers and inputs from a fixed seed
  without touching the learner's random state.
* `run_packed`: the packed run of an RNN on a padded batch, the reference of
  the variable-length checks.

Comparing results is `course_utils.checks.comparators`; running the cases, `.runner`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run the block with torch's CPU generator seeded, then restore the learner's random state."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def run_packed(
    rnn: nn.RNNBase, x: torch.Tensor, lengths: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor | tuple[torch.Tensor, torch.Tensor]]:
    """Run a batch-first `rnn` on the padded batch `x` `(N, L, H_in)` packed by `lengths` `(N,)` (CPU int64).

    Returns `(output, hidden)`: output `(N, L, D*H_out)` unpacked to all L steps with zeros at the pads, as
    `pad_packed_sequence(..., total_length=L)` gives it; hidden is the rnn's h_n, or an LSTM's (h_n, c_n).
    """
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    packed_output, hidden = rnn(packed)
    output = pad_packed_sequence(packed_output, batch_first=True, total_length=x.shape[1])[0]
    return output, hidden
