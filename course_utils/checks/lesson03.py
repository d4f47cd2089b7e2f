"""Checks for exercise 03 (batch_first): catch the silent bug, then fix it.

`check_mixes_sequences(fn)`: `fn(model, x (N, L, H_in)) -> bool` (or a NumPy or one-element tensor bool),
True when changing sequence 0 of x changes the model's logits for any other sequence. The check records
the inputs the model is run on, so a wrong answer is explained by what the learner changed (step 0 of every
sequence, other sequences, nothing) before how they compared.

`check_fixed_tagger(cls)`: `cls()` builds a tagger `x (N, L, 8) -> logits (N, L, 5)` with the script's
sizes (an RNN of 10 units per direction); it must keep sequences apart, read each sequence both ways, and
learn the course's task (validation accuracy >= 0.85 after 5 epochs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from ..batches import first_index
from ..data import make_tagging_loaders
from ..models import SequenceTagger
from ..training import train
from ..validation import short_repr
from .common import seeded
from .comparators import Mismatch, expect_finite, expect_shape, explaining_errors
from .report import CheckReport
from .runner import run_check

FEATURES, HIDDEN, CLASSES = 8, 10, 5  # the script's sizes
ACCURACY_BAR = 0.85
SAME = 1e-6  # logits that moved less than this did not move


def _tagger(bidirectional=True, batch_first=True):
    """A seeded SequenceTagger; batch_first=False reproduces the script's bug (the RNN reads x as (L, N, H_in))."""
    with seeded(0):
        model = SequenceTagger(FEATURES, HIDDEN, CLASSES, bidirectional=bidirectional).eval()
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
    """`answer` as a bool if it is one (a Python or NumPy bool, or a one-element bool tensor), else raise Mismatch."""
    if isinstance(answer, bool):
        return answer
    numpy_bool = type(answer).__module__ == "numpy" and type(answer).__name__ in ("bool", "bool_")
    if numpy_bool or (isinstance(answer, torch.Tensor) and answer.numel() == 1 and answer.dtype == torch.bool):
        return bool(answer)
    number = isinstance(answer, (int, float)) or (isinstance(answer, torch.Tensor) and answer.numel() == 1)
    raise Mismatch(
        f"expected True or False, got {short_repr(answer)}"
        + (": that is a number, not a yes or no; return the comparison's result, a bool" if number else "")
    )


def _recording(model):
    """`model` with a hook that keeps a copy of every input it is run on; returns (model, the list of copies)."""
    inputs: list[torch.Tensor] = []
    model.register_forward_pre_hook(lambda module, args: inputs.append(args[0].detach().clone()) if args else None)
    return model, inputs


def _sequences(indices):
    return ", ".join(str(int(i)) for i in indices)


def _edit_slip(x, inputs):
    """What the learner's runs of the model show went wrong in making the changed copy of `x`, or "" when
    one run got x with sequence 0 changed and nothing else (the slip is then in the comparison)."""
    if not inputs:
        return (
            "Your function never ran the model: run it on x and on a copy of x with sequence 0 changed, "
            "then compare the logits of the other sequences"
        )
    whole = [given for given in inputs if given.shape == x.shape]
    if not whole:
        shapes = ", ".join(str(tuple(given.shape)) for given in inputs)
        return (
            f"Your function ran the model on parts of the batch only ({shapes}), never on all of x "
            f"{tuple(x.shape)}: the mixing happens inside one batch, so run the model on the whole batch, "
            "once as it is and once with sequence 0 changed"
        )
    edited = [given for given in whole if not torch.equal(given, x)]
    if not edited:
        return (
            f"Every run of the model got x unchanged, and the logits have the right shape {(*x.shape[:2], CLASSES)} "
            "either way, so a shape check cannot see this bug: make a copy of x, change sequence 0 of the copy, "
            "and run the model on both"
        )
    if len(edited) == len(whole) and len(whole) > 1 and all(torch.equal(given, edited[0]) for given in whole):
        return (
            "Every run of the model got the same input, already changed: `x_changed = x` gives the same tensor "
            "a second name, so changing it changes x too. Change a copy (x.clone())"
        )
    moved = (edited[0] != x).any(-1)  # (N, L): the steps your change touched
    n, steps = moved.shape
    if n > 1 and bool(moved[:, 0].all()) and not bool(moved[:, 1:].any()):
        return (
            "Your change touched step 0 of every sequence (x[:, 0]), not sequence 0: x is (N, L, H_in), so the "
            "sequences are on axis 0 and sequence 0 is x[0], all its steps. A change to every sequence moves "
            "every sequence's logits, in any model"
        )
    others = moved[1:].any(-1).nonzero().flatten() + 1
    named = f"sequence{'s' if len(others) > 1 else ''} {_sequences(others)}"
    if len(others) and bool(moved[0].any()):
        return (
            f"Your change touched sequence 0 and {named}: the logits of a sequence you changed move in any "
            "model. Change sequence 0 only (x[0]) and compare the others"
        )
    if len(others):
        return (
            f"Your change left sequence 0 alone and touched {named}: change sequence 0 (x[0]) and compare the "
            "others. It must be sequence 0: a model that reads the batch axis as time carries a change forward "
            "only, to the sequences after it"
        )
    return ""


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
            x = _batch((*batch_and_steps, FEATURES))
            model, inputs = _recording(_tagger(**model_kwargs))
            got = _as_bool(mixes_sequences(model, x.clone()))
            if got == expected:
                return None
            verdict = f"expected {expected}, got {got}: this model {'mixes' if expected else 'keeps'} sequences"
            verdict += " (changing sequence 0 changes the others' logits)" if expected else " apart"
            slip = _edit_slip(x, inputs)
            if slip:
                raise Mismatch(f"{verdict}. {slip}")
            if expected:
                with torch.no_grad():
                    shape = tuple(model(x).shape)
                raise Mismatch(
                    f"{verdict}. The logits have the right shape {shape}, so a shape check cannot see this bug; "
                    "you changed sequence 0 only, so compare the logits of sequences 1..N-1 before and after"
                )
            raise Mismatch(
                f"{verdict}. You changed sequence 0 only, as you should, but sequence 0's own logits always "
                "change when you change it: compare only sequences 1..N-1 (a batch of 1 has none to compare)"
            )

        return run

    return run_check(
        "mixes_sequences",
        {name: case(*args) for name, args in MIX_CASES.items()},
        concept="In a correct model the sequences of a batch are computed independently, so a behavioural test "
        "changes one sequence and watches whether the others move; shapes cannot show it (lesson 03, sections "
        "'Proof: the samples leak into each other' and 'Catching the silent case').",
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
        with torch.no_grad(), explaining_errors(_tagger_error):
            logits = build()(x)
        expect_shape(logits, (3, 7, CLASSES), what="logits")
        return "the script's model passes this too: shapes alone cannot show the bug"

    def sizes():
        layers = [module for module in build().modules() if isinstance(module, nn.RNNBase)]
        if not layers:
            raise Mismatch("the model has no recurrent layer (nn.RNN): the script's tagger reads x with one")
        rnn = layers[0]
        if (rnn.input_size, rnn.hidden_size) != (FEATURES, HIDDEN):
            raise Mismatch(
                f"its recurrent layer reads {rnn.input_size} features with {rnn.hidden_size} hidden units per "
                f"direction; the script's reads {FEATURES} with {HIDDEN} (FixedTagger's defaults). Keep the script's "
                "sizes, so that the fix is the only change and its score compares with the script's"
            )

    def sequences_apart():
        model = build()
        moved = _largest_change(model, _batch((5, 5, FEATURES)), lambda x: x[0].add_(1.0))[1:]
        if (moved > SAME).any():
            other = first_index(moved > SAME)[0] + 1  # moved leaves out sequence 0
            found = f"changing sequence 0 changed the logits of sequence {other} (by up to {float(moved.max()):.3f})"
            if all(layer.batch_first for layer in model.modules() if isinstance(layer, nn.RNNBase)):
                raise Mismatch(
                    f"{found}, although its RNN is built with batch_first=True: something in forward moves numbers "
                    "between sequences, such as a transpose the layer does not need, or view or reshape, which "
                    "re-cut the tensor in memory order (swap axes with transpose only)"
                )
            raise Mismatch(
                f"{found}: the RNN reads axis 0 of x as time, so the sequences run through it one after another. "
                "nn.RNN expects (L, N, H_in) unless it is built with batch_first=True (swapping x's axes with view "
                "or reshape does not help: they re-cut the numbers in memory order; transpose swaps them)"
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

    def explained(case):
        def run():
            with explaining_errors(_tagger_error):
                return case()

        return run

    return run_check(
        "FixedTagger",
        {
            "logits for x (3, 7, 8) have shape (3, 7, 5)": shape,
            f"the script's sizes: an RNN reading {FEATURES} features with {HIDDEN} units per direction": sizes,
            "changing sequence 0 leaves sequences 1-4 alone, x (5, 5, 8)": explained(sequences_apart),
            "step 3's logits depend on steps 2 and 4, batch of 1, x (1, 7, 8)": explained(both_ways),
            f"after 5 epochs of train() on the course data: val acc >= {ACCURACY_BAR}": explained(learns),
        },
        concept="A recurrent layer reads (L, N, H_in), time first, unless it is built to read the batch first; "
        "fed (N, L, H_in) it runs without an error along the wrong axes (lesson 03, sections 'The mistake' and "
        "'Checklist').",
        hint="forward() passes x as (N, L, H_in); build the RNN so that it reads axis 0 as the batch "
        "(batch_first=True), and keep it bidirectional.",
        slow=True,
    )


def _tagger_error(error: Exception) -> str:
    """What an error raised while building or running a FixedTagger usually means, or ""."""
    text = str(error)
    if "mat1 and mat2 shapes cannot be multiplied" in text:
        return (
            "The head reads the RNN's output, D*H_out features per step: 2*10 = 20 for a bidirectional RNN of "
            "10 units per direction, as in the script."
        )
    if "before Module.__init__() call" in text:
        return "An nn.Module's __init__ must call super().__init__() first, before it assigns any layer."
    if "input.size(-1) must be equal to input_size" in text:
        return f"The RNN reads x (N, L, {FEATURES}): {FEATURES} features per step, on the last axis, as in the script."
    return ""


def _step_unmoved(model, x, changed_step, read_step):
    """True if editing `changed_step` of sequence 0 leaves the logits at `read_step` unchanged."""
    edited = x.clone()
    edited[0, changed_step] += 1.0
    return bool(((_logits(model, edited) - _logits(model, x))[0, read_step].abs() <= SAME).all())
