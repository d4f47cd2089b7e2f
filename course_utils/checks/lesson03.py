"""Checks for exercise 03 (batch_first): catch the silent bug, then fix it.

`check_mixes_sequences(fn)`: `fn(model, x (N, L, H_in)) -> bool`, True when changing
sequence 0 of x changes the model's logits for any other sequence.

`check_fixed_tagger(cls)`: `cls()` builds a tagger `x (N, L, 8) -> logits (N, L, 5)`;
it must keep sequences apart, read each sequence both ways, and learn the course's
task (validation accuracy >= 0.85 after 5 epochs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ..batches import first_index
from ..data import make_tagging_loaders
from ..models import SequenceTagger
from ..training import train
from ..validation import short_repr
from .common import seeded
from .comparators import Mismatch, expect_finite, expect_shape
from .report import CheckReport
from .runner import run_check

FEATURES, CLASSES = 8, 5
ACCURACY_BAR = 0.85
SAME = 1e-6  # logits that moved less than this did not move


def _tagger(bidirectional=True, batch_first=True):
    """A seeded SequenceTagger; batch_first=False reproduces the script's bug (the RNN reads x as (L, N, H_in))."""
    with seeded(0):
        model = SequenceTagger(FEATURES, 10, CLASSES, bidirectional=bidirectional).eval()
    model.rnn.batch_first = batch_first
    return model


def _batch(shape, seed=1):
    with seeded(seed):
        return torch.randn(*shape)


def _largest_change(model, x, change):
    """Per-sequence largest change of the logits `(N,)` when `change(x_copy)` edits a copy of x."""
    edited = x.clone()
    change(edited)
    return (_logits(model, edited) - _logits(model, x)).abs().flatten(1).amax(1)


def _logits(model, x):
    """`model(x)` without gradients; NaN or inf logits fail here, as no comparison of them means anything."""
    with torch.no_grad():
        logits = model(x)
    expect_shape(logits, (*x.shape[:2], CLASSES), "logits")
    expect_finite(logits, "logits", ("sequence", "step", "class"))
    return logits


def _as_bool(answer):
    """`answer` as a bool if it is one (or a one-element tensor), else raise Mismatch."""
    if isinstance(answer, torch.Tensor) and answer.numel() == 1:
        return bool(answer)
    if not isinstance(answer, bool):
        raise Mismatch(f"expected True or False, got {short_repr(answer)}")
    return answer


MIX_CASES = {
    "the script's bug: bidirectional RNN without batch_first, x (4, 6, 8)": (dict(batch_first=False), (4, 6), True),
    "a batch-first bidirectional tagger, x (4, 6, 8)": (dict(), (4, 6), False),
    "the script's bug on a square batch, x (5, 5, 8)": (dict(batch_first=False), (5, 5), True),
    "a forward-only RNN without batch_first, x (4, 6, 8)": (dict(bidirectional=False, batch_first=False), (4, 6), True),
    "a batch-first tagger, batch of 1, x (1, 6, 8)": (dict(), (1, 6), False),
}


def check_mixes_sequences(mixes_sequences: Callable[..., Any]) -> CheckReport:
    """Check `mixes_sequences(model, x)` on buggy and correct taggers."""

    def case(model_kwargs, batch_and_steps, expected):
        def run():
            model, x = _tagger(**model_kwargs), _batch((*batch_and_steps, FEATURES))
            got = _as_bool(mixes_sequences(model, x.clone()))
            if got == expected:
                return None
            if expected:
                with torch.no_grad():
                    shape = tuple(model(x).shape)
                raise Mismatch(
                    f"expected True, got False: here changing sequence 0 does change the other sequences' logits. "
                    f"The logits have the right shape {shape}, so a shape check cannot see this bug; change "
                    "sequence 0 only and compare the logits of sequences 1..N-1 before and after"
                )
            raise Mismatch(
                "expected False, got True: this model keeps sequences apart. Sequence 0's own logits always "
                "change when you change it: compare only sequences 1..N-1 (a batch of 1 has none to compare)"
            )

        return run

    return run_check(
        "mixes_sequences",
        {name: case(*args) for name, args in MIX_CASES.items()},
        hint="with torch.no_grad(): compute model(x), then model(x_changed) where only x_changed[0] "
        "differs; return not torch.allclose(before[1:], after[1:]).",
    )


def check_fixed_tagger(tagger_class: Callable[..., Any]) -> CheckReport:
    """Check that `tagger_class()` keeps sequences apart, reads both ways, and learns the task."""

    def build():
        with seeded(0):
            return tagger_class().eval()

    def shape():
        x = _batch((3, 7, FEATURES))
        with torch.no_grad():
            expect_shape(build()(x), (3, 7, CLASSES), what="logits")
        return "the script's model passes this too: shapes alone cannot show the bug"

    def sequences_apart():
        moved = _largest_change(build(), _batch((5, 5, FEATURES)), lambda x: x[0].add_(1.0))[1:]
        if (moved > SAME).any():
            other = first_index(moved > SAME)[0] + 1  # moved leaves out sequence 0
            raise Mismatch(
                f"changing sequence 0 changed the logits of sequence {other} (by up to {float(moved.max()):.3f}): "
                "the RNN reads axis 0 of x as time, so the sequences run through it one after another. "
                "nn.RNN expects (L, N, H_in) unless it is built with batch_first=True"
            )

    def both_ways():
        model, x = build(), _batch((1, 7, FEATURES))
        unread = [step for step in (2, 4) if _step_unmoved(model, x, step, 3)]
        if unread == [2, 4]:
            raise Mismatch(
                "changing step 2 or step 4 left step 3's logits unchanged: the RNN does not read along "
                "the time axis (axis 1) of x, it takes that axis as the batch"
            )
        if unread:
            side = "future" if unread == [4] else "past"
            raise Mismatch(
                f"changing step {unread[0]} left step 3's logits unchanged: the model does not read the "
                f"{side}; a bidirectional RNN (bidirectional=True) reads both sides"
            )

    def learns():
        train_loader, val_loader = make_tagging_loaders(seed=0)
        with seeded(0):
            history = train(build(), train_loader, val_loader, epochs=5, seed=0, progress=False)
        accuracy = history.last["val_acc"]
        if accuracy < ACCURACY_BAR:
            raise Mismatch(f"validation accuracy after 5 epochs is {accuracy:.3f}, below {ACCURACY_BAR}")
        return f"val acc {accuracy:.3f}"

    return run_check(
        "FixedTagger",
        {
            "logits for x (3, 7, 8) have shape (3, 7, 5)": shape,
            "changing sequence 0 leaves sequences 1-4 alone, x (5, 5, 8)": sequences_apart,
            "step 3's logits depend on steps 2 and 4, batch of 1, x (1, 7, 8)": both_ways,
            f"after 5 epochs of train() on the course data: val acc >= {ACCURACY_BAR}": learns,
        },
        hint="forward() passes x as (N, L, H_in); build the RNN so that it reads axis 0 as the batch "
        "(batch_first=True), and keep it bidirectional.",
        slow=True,
    )


def _step_unmoved(model, x, changed_step, read_step):
    """True if editing `changed_step` of sequence 0 leaves the logits at `read_step` unchanged."""
    edited = x.clone()
    edited[0, changed_step] += 1.0
    return bool(((_logits(model, edited) - _logits(model, x))[0, read_step].abs() <= SAME).all())
