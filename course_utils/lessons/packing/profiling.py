"""Which operations a training step of a bidirectional LSTM runs: packed, within lengths, or padded.

`profile_training_step` runs one forward and one backward pass of a BiLSTM
tagger on one batch of widely varying lengths under torch's profiler, each
pass profiled on its own, and counts the operator calls of each. On a CPU
the packed step is slow for two reasons that the counts show:

* ATen runs a `PackedSequence` step by step, as separate operators on a
  batch that shrinks as sequences end (dozens of calls per step), where a
  padded float32 LSTM is one fused oneDNN call per direction;
* it projects the whole packed input at once, `(valid steps, 4*H_out)`, and cuts
  each step's rows out of it; the backward of every cut zero-fills a
  gradient the size of the whole projection (`aten::fill_`), and the
  autograd engine adds them up, once per step and direction.

`full_projection_fills` counts those fills. The exact method
(`bidirectional.run_within_lengths`) and padding run the fused kernel, or
ATen's padded loop where oneDNN is missing, and fill nothing of that size.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile
from tqdm.auto import tqdm

from ...env import seed_everything
from ...models import SequenceTagger
from ...tables import text_table
from ...tensors import PAD_LABEL, step_mask
from ...validation import check_bool, check_choice, check_int
from .speed import WAYS, log_uniform_lengths, tagger_logits

GATES = 4  # an LSTM's input projection has 4 gates of H_out rows each


@dataclass
class StepProfile:
    """Operator calls of one training step run one way: the forward pass and the backward pass on their own.

    `top_backward`: the backward pass's most expensive operators, as
    `(name, calls, share of the pass's self CPU time)`. `full_projection_fills`:
    backward zero-fills of a tensor shaped like the whole packed input
    projection, `(sum of lengths, 4*H_out)`.
    """

    way: str
    forward_calls: int
    backward_calls: int
    top_backward: list[tuple[str, int, float]]
    full_projection_fills: int


def profile_training_step(
    ways: tuple[str, ...] = ("packed", "within lengths", "padded"),
    n_sequences: int = 32,
    max_len: int = 200,
    hidden_size: int = 64,
    seed: int = 0,
    progress: bool = False,
) -> dict[str, StepProfile]:
    """Profile one training step of `SequenceTagger(8, hidden_size, 5, cell="lstm")` each of `ways` (see `WAYS`).

    One batch of `n_sequences` sequences, lengths log-uniform in `[1, max_len]`
    (the first `max_len` long), padded to `max_len`; loss: cross entropy over
    the valid steps. Each way runs once unprofiled first (warm-up).
    Returns `{way: StepProfile}`. progress: one tqdm bar over the ways.
    """
    for way in ways:
        check_choice("each way", way, WAYS)
    check_bool("progress", progress)
    for name, value in (("n_sequences", n_sequences), ("max_len", max_len), ("hidden_size", hidden_size)):
        check_int(name, value)
    generator = torch.Generator().manual_seed(seed)
    lengths = log_uniform_lengths(n_sequences, max_len, generator)
    valid = step_mask(lengths, max_len)
    x = torch.randn(n_sequences, max_len, 8, generator=generator) * valid.unsqueeze(-1)
    y = torch.randint(0, 5, (n_sequences, max_len), generator=generator).masked_fill(~valid, PAD_LABEL)
    seed_everything(seed)
    model = SequenceTagger(8, hidden_size, 5, cell="lstm")
    projection = [int(lengths.sum()), GATES * hidden_size]

    def loss_of(way):
        logits = tagger_logits(model, x, lengths, way)
        return F.cross_entropy(logits.flatten(0, 1), y.flatten(), ignore_index=PAD_LABEL)

    profiles = {}
    for way in tqdm(ways, desc="ways", unit="way", disable=not progress):
        loss_of(way).backward()  # warm-up: kernels chosen, memory allocated once
        model.zero_grad()
        with _quiet_stderr(), profile(activities=[ProfilerActivity.CPU]) as forward:
            loss = loss_of(way)
        with _quiet_stderr(), profile(activities=[ProfilerActivity.CPU], record_shapes=True) as backward:
            loss.backward()
        model.zero_grad()
        by_shape = backward.key_averages(group_by_input_shape=True)
        fills = sum(e.count for e in by_shape if e.key == "aten::zero_" and e.input_shapes[:1] == [projection])
        profiles[way] = StepProfile(
            way, _calls(forward), _calls(backward), _top(backward.key_averages()), full_projection_fills=fills
        )
    return profiles


def profile_table(profiles: dict[str, StepProfile]) -> str:
    """One line per way: operator calls forward and backward, the backward's top operator, the big fills."""
    rows = []
    for way, p in profiles.items():
        name, calls, share = p.top_backward[0]
        rows.append(
            [
                way,
                str(p.forward_calls),
                str(p.backward_calls),
                f"{name} ({calls} calls, {share:.0%})",
                str(p.full_projection_fills),
            ]
        )
    header = ["way", "forward calls", "backward calls", "backward's costliest operator", "fills of the projection"]
    return text_table(header, rows, align=("<", ">", ">", "<", ">"))


def _calls(prof: profile) -> int:
    return sum(event.count for event in prof.key_averages())


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Send what C++ code writes to file descriptor 2 to the null device for the block.

    torch's profiler writes a timestamped line to stderr when it starts and
    stops; in a notebook those lines would land in the cell's output.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _top(events, count: int = 3) -> list[tuple[str, int, float]]:
    """The `count` operators with the most self CPU time: `(name, calls, share of the total)`."""
    ranked = sorted(events, key=lambda event: -event.self_cpu_time_total)
    total = sum(event.self_cpu_time_total for event in ranked) or 1.0
    return [(event.key, event.count, event.self_cpu_time_total / total) for event in ranked[:count]]
