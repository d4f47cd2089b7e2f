"""Task 3: a train/validation split, a training step and a validation pass of the learner's own, checked by
what they do.

`check_split_indices(fn)`: `fn(n, val_fraction, seed) -> (train_indices, val_indices)`: every index of
0..n-1 in exactly one part, about `val_fraction * n` of them for validation, the same split for the same
seed whatever the global random state, another split for another seed.

`check_train_step(fn)`: `fn(model, optimizer, x (N, L, H_in), y (N, L), lengths (N,)) -> loss`: one
step on a padded batch whose pad steps are labelled -100 (`PAD_LABEL`). It returns the mean cross
entropy over the real steps, its gradients are that loss's (up to a factor of at most 1: clipping is
welcome), the optimizer given steps once, the forward pass runs in train mode, the pad steps' inputs and
more pad steps change nothing, and a second step's gradients are its own batch's alone.

`check_validate(fn)`: `fn(model, loader) -> (loss, accuracy)` over a loader of `(x, y, lengths)`
batches: the loss and the accuracy over the real steps (pooled over the loader; the mean of the batches'
values, plain or weighted by their sequences, is accepted too), in eval mode, without a graph, with
the weights and their gradients left as they were.

NOTE [ what the training checks observe ]: the model is the lesson's bidirectional tagger, small
(`_Tagger`, a SequenceTagger), which notes how each forward pass ran: in train mode or not, building a
graph or not, given the lengths or not. The optimizer is plain SGD that notes every parameter's
gradient when it steps (`_RecordingSGD`). Every reference is computed on a copy of the model with the
same weights, before the learner's function runs, on a copy of the batch it is given.
"""

from __future__ import annotations

import copy
import random
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from ...models import SequenceTagger
from ...tensors import PAD_LABEL, step_mask
from ...validation import describe
from ..common import seeded
from ..comparators import Mismatch, expect_pair, explaining_errors, non_finite_message, with_explanation
from ..report import CheckReport
from ..runner import run_check
from .answers import indices

H_IN, HIDDEN, CLASSES = 8, 6, 5  # the check's tagger: the course's 8 features and 5 classes, 6 units a direction
LR = 0.1  # the recording optimizer's learning rate
STEP_LENGTHS = (7, 3, 1, 5, 2)  # one batch (N=5, L=7): a sequence with no pad, one of a single step
NEXT_LENGTHS = (4, 7, 2, 6, 3)  # the next batch, for a second step
EXTRA_PADS = 5  # pad steps added to a batch, to show that they change nothing
VAL_LENGTHS = (7, 3, 1, 5, 2, 6, 4, 7, 2, 3, 5)  # 11 validation sequences in batches of 4, 4 and 3
VAL_BATCH = 4
LOSS_RTOL = 1e-4  # a loss summed in another order differs in about the 7th digit
GRAD_RTOL, GRAD_ATOL = 1e-4, 1e-6
ACCURACY_ATOL = 1e-5  # an accuracy from .float().mean() is a float32 of the exact share

STEP_CONCEPT = (
    "a training step runs in train mode, computes a loss over the real steps only (pads carry the "
    "label -100) and applies this batch's gradients alone (lesson 04, section 'Masking the loss on pad "
    "steps'; lesson 05, section 'Two tools from practice: gradient clipping and dropout', where one step "
    "is written out)"
)
VALIDATE_CONCEPT = (
    "validation only measures: eval mode (dropout off), no graph (torch.no_grad()), no change to the "
    "weights, and the loss and accuracy over the real steps only (lesson 05, section 'Two tools from "
    "practice: gradient clipping and dropout'; lesson 04, section 'Masking the loss on pad steps')"
)
SPLIT_CONCEPT = (
    "split once, in a random order fixed by a seed, before training or tuning anything, so that no "
    "validation sequence ever reaches training (lesson 05, section 'The data: labels that need both sides', "
    "where make_tagging_loaders splits the data 800 / 200)"
)
# What each slip means, and its fix (the tests look for their key words).
READ_PADS = (
    "The model was called without the lengths, so it read the pad steps (its backward direction reads them "
    "first): call model(x, lengths)"
)
PADS_AS_CLASS = (
    "The pad steps were scored as class 0 (their -100 labels clamped or replaced): the pads are counted. Leave "
    "them out of the loss: ignore_index=-100 skips them (it is cross_entropy's default), or select the real "
    "steps with a mask"
)
ALL_STEPS_MEAN = (
    "That is the mean over all N*L steps, pads included: a pad's term is 0 but it still counts in the "
    "division (as reduction='none' then .mean() does). Divide by the number of real steps"
)
SUMMED = "That is the sum over the real steps; the loss is their mean (cross_entropy's default reduction)"
PER_SEQUENCE = (
    "That is the sum over the real steps divided by N, the number of sequences; the loss is the mean over the "
    "real steps"
)
LAST_STEP_DROPPED = (
    "The last real step of each sequence was left out: step t is real when t < length (a mask off by one?)"
)
PADS_COUNTED = (
    "The pad steps reach the loss: only the real steps may count. Pass the lengths to the model and leave the "
    "pads (label -100) out of the loss"
)
ACCUMULATED = (
    "The first step's gradients were still there when the second step's were added (backward() adds to "
    ".grad): clear them with optimizer.zero_grad() before every loss.backward()"
)
NO_STEP = (
    "The weights did not change: the optimizer never stepped. After loss.backward(), optimizer.step() applies "
    "the gradients"
)
OTHER_OPTIMIZER = (
    "The weights changed, but the optimizer passed in never stepped: use the optimizer argument. An optimizer "
    "made inside the step starts afresh every batch (Adam would lose its running averages)"
)
NO_GRADIENTS_AT_STEP = (
    "There were no gradients when optimizer.step() ran, so nothing moved: the step came before "
    "loss.backward(), or optimizer.zero_grad() came between them and erased them. The order is: zero_grad, "
    "backward, step"
)
ZERO_GRADIENTS_AT_STEP = (
    "The gradients were all zero when optimizer.step() ran: optimizer.zero_grad() came between "
    "loss.backward() and the step and erased them. Zero them before backward"
)
EVAL_IN_STEP = (
    "The forward pass ran in eval mode, so dropout was off while training: a model comes back from "
    "validate() in eval mode. Call model.train() at the start of every step"
)
VALIDATED_IN_TRAIN_MODE = (
    "Validation ran in train mode, so dropout still dropped units and the score changes from run to run: "
    "call model.eval() before validating"
)
VALIDATED_WITH_GRAPH = (
    "Validation built a graph for backward (gradients were on in the forward pass), which costs memory and "
    "time for nothing: run it under torch.no_grad()"
)
VALIDATION_GRADIENTS = (
    "Validation left gradients in the weights' .grad (it called backward()): validation only measures"
)
VALIDATION_UPDATES = (
    "Validation changed the weights: it only measures, with no optimizer step and no training on the validation batches"
)
ACCURACY_OVER_PADS = (
    "That accuracy counts the pad steps: a pad's label -100 never equals a prediction, so every pad counts as "
    "wrong. Count the right predictions and the steps where y != -100 only"
)
ACCURACY_PADS_AS_CLASS = (
    "That accuracy counts the pad steps as class 0, right wherever the model predicts 0 there: count the "
    "steps where y != -100 only"
)
SWAPPED_RESULT = "Those are the accuracy and the loss the other way round: return (loss, accuracy), in that order"
PERCENTAGE = "That is a percentage: return the accuracy as a share between 0 and 1"
CLASSES_AXIS = (
    "cross_entropy wants the classes on axis 1: flatten the logits (N, L, C) to (N*L, C) and the labels "
    "(N, L) to (N*L,), or move the classes with logits.transpose(1, 2)"
)
PAD_LABEL_AS_CLASS = (
    "A pad label, -100, reached the loss as a class: leave the pad steps out, with ignore_index=-100 (the "
    "course pads labels with -100) or a mask of the real steps"
)
NO_GRAPH_IN_STEP = (
    "The loss has no graph to go back through: the forward pass ran under torch.no_grad() (only validation "
    "does), or .item() or .detach() came before backward()"
)
ONE_NUMBER = (
    "The loss must be one number, the mean over the real steps: reduction='none' leaves one per step, and "
    "backward() needs a single number to start from"
)
BATCH_OF_THREE = "Each batch of the loader is (x, y, lengths): unpack three values, for x, y, lengths in loader"
SWAPPED_PARTS = "The parts are the other way round: return (train_indices, val_indices), the training part first"
NOT_FIXED = (
    "Two calls with the same seed gave different splits: the order came from the global random state, so every "
    "call (every rerun of the notebook) splits anew and sequences validated on before end up in training. "
    "Draw the order from a generator seeded with `seed`"
)
SEED_IGNORED = (
    "Seeds 0 and 1 gave the same split: the seed should choose the random order (a split in the order the "
    "data came in is only as random as that order)"
)


class _Call(NamedTuple):
    """How one forward pass of the check's model ran."""

    training: bool  # in train mode (dropout on)
    graph: bool  # with gradients on, building a graph for backward
    lengths: bool  # given the lengths


class _Tagger(SequenceTagger):
    """The lesson's bidirectional RNN tagger, small, noting how each forward pass ran in `calls`."""

    def __init__(self, dropout: float = 0.0):
        super().__init__(H_IN, HIDDEN, CLASSES, dropout=dropout)
        self.calls: list[_Call] = []

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | Sequence[int] | None = None) -> torch.Tensor:
        self.calls.append(_Call(self.training, torch.is_grad_enabled(), lengths is not None))
        return super().forward(x, lengths)


def _tagger(seed: int, dropout: float = 0.0) -> _Tagger:
    """The check's tagger with weights drawn from `seed`, in train mode."""
    with seeded(seed):
        return _Tagger(dropout)


class _RecordingSGD(torch.optim.SGD):
    """Plain SGD that notes every parameter's gradient (None where it has none) each time it steps."""

    def __init__(self, params: Any):
        super().__init__(params, lr=LR)
        self.gradients: list[list[torch.Tensor | None]] = []

    def step(self, closure: Any = None) -> Any:
        self.gradients.append([_copy(p.grad) for group in self.param_groups for p in group["params"]])
        return super().step(closure)


def _copy(tensor: torch.Tensor | None) -> torch.Tensor | None:
    return None if tensor is None else tensor.detach().clone()


Batch = tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # x (N, L, H_in), y (N, L), lengths (N,)


def _batch(lengths: Sequence[int], seed: int) -> Batch:
    """A batch as the course's data has it: x zero-padded, y with labels 0..C-1 and -100 at the pads."""
    lengths_tensor = torch.tensor(lengths)
    seq_len = max(lengths)
    with seeded(seed):
        x = torch.randn(len(lengths), seq_len, H_IN)
        y = torch.randint(0, CLASSES, (len(lengths), seq_len))
    real = step_mask(lengths_tensor, seq_len)
    return x * real.unsqueeze(-1), y.masked_fill(~real, PAD_LABEL), lengths_tensor


def _other_pads(batch: Batch) -> Batch:
    """`batch` with random inputs at its pad steps and `EXTRA_PADS` more pad steps (label -100)."""
    x, y, lengths = batch
    seq_len = x.shape[1] + EXTRA_PADS
    with seeded(99):
        noise = 3 * torch.randn(len(x), seq_len, H_IN)
    real = step_mask(lengths, seq_len).unsqueeze(-1)
    return (
        torch.where(real, F.pad(x, (0, 0, 0, EXTRA_PADS)), noise),
        F.pad(y, (0, EXTRA_PADS), value=PAD_LABEL),
        lengths,
    )


def _copied(batch: Batch) -> Batch:
    """A copy of `batch` for the learner's function, so that what it changes in place is its own."""
    x, y, lengths = batch
    return x.clone(), y.clone(), lengths.clone()


# --- losses: the task's, and those of the usual slips ----------------------------------------------


def _real_steps(logits: torch.Tensor, y: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """The task's loss: the mean cross entropy over the real steps."""
    return F.cross_entropy(logits.flatten(0, 1), y.flatten(), ignore_index=PAD_LABEL)


def _pads_as_class_0(logits: torch.Tensor, y: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits.flatten(0, 1), y.clamp(min=0).flatten())


def _all_steps_mean(logits: torch.Tensor, y: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits.flatten(0, 1), y.flatten(), ignore_index=PAD_LABEL, reduction="none").mean()


def _summed(logits: torch.Tensor, y: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits.flatten(0, 1), y.flatten(), ignore_index=PAD_LABEL, reduction="sum")


def _per_sequence(logits: torch.Tensor, y: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    return _summed(logits, y, lengths) / len(y)


def _last_step_dropped(logits: torch.Tensor, y: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    return _real_steps(logits, y.masked_fill(~step_mask(lengths - 1, y.shape[1]), PAD_LABEL), lengths)


LOSS_SLIPS = {
    PADS_AS_CLASS: _pads_as_class_0,
    ALL_STEPS_MEAN: _all_steps_mean,
    SUMMED: _summed,
    PER_SEQUENCE: _per_sequence,
    LAST_STEP_DROPPED: _last_step_dropped,
}
Loss = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


def _loss_and_gradients(model: _Tagger, batch: Batch, loss: Loss = _real_steps) -> tuple[float, list[torch.Tensor]]:
    """`loss` on `batch` at `model`'s weights, and its gradient, from a copy of the model (left unchanged)."""
    twin = copy.deepcopy(model).train()
    x, y, lengths = batch
    value = loss(twin(x, lengths), y, lengths)
    gradients = torch.autograd.grad(value, list(twin.parameters()), allow_unused=True)
    return float(value.detach()), [
        torch.zeros_like(p) if g is None else g for p, g in zip(twin.parameters(), gradients)
    ]


def _close(got: float, expected: float, rtol: float = LOSS_RTOL) -> bool:
    return abs(got - expected) <= rtol * max(abs(expected), 1e-6)


def _scale(got: Sequence[torch.Tensor | None], expected: Sequence[torch.Tensor]) -> float | None:
    """The factor c in (0, 1] with got = c * expected, parameter by parameter, or None when there is none.

    A factor below 1 is what clipping the gradient norm gives; 1 is the plain gradient.
    """
    if any(g is None for g in got):
        return None
    present = [g for g in got if g is not None]  # all of them; for mypy
    along = sum(float((g * e).sum()) for g, e in zip(present, expected))
    norm = sum(float((e * e).sum()) for e in expected)
    c = along / norm if norm else 1.0
    if not 0 < c <= 1 + GRAD_RTOL:
        return None
    fits = all(torch.allclose(g, c * e, rtol=GRAD_RTOL, atol=GRAD_ATOL) for g, e in zip(present, expected))
    return c if fits else None


def _same(got: Sequence[torch.Tensor | None], expected: Sequence[torch.Tensor | None]) -> bool:
    """Whether two lists of gradients are equal (None counting as zeros)."""
    return all(
        torch.allclose(
            torch.zeros(()) if a is None else a, torch.zeros(()) if b is None else b, rtol=GRAD_RTOL, atol=GRAD_ATOL
        )
        for a, b in zip(got, expected)
    )


def _number(value: object, what: str) -> float:
    """`value` (a Python number, a NumPy scalar or a one-element tensor) as a finite float, else Mismatch."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise Mismatch(
                f"the {what} is {describe(value)}; it should be one number, a mean over the real steps "
                "(did a loss keep reduction='none'?)"
            )
        value = value.detach().cpu().reshape(()).item()
    if isinstance(value, (bool, str, bytes)) or not hasattr(value, "__float__"):
        raise Mismatch(f"the {what} should be a number (e.g. loss.item()), got {describe(value)}")
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise Mismatch(non_finite_message(what, number))
    return number


def _explain_training_error(error: Exception) -> str:
    """The sentence for an error a training step or validation pass typically raises, or ""."""
    text = str(error)
    if "Expected target size" in text:
        return CLASSES_AXIS
    if ("-100" in text and "out of bounds" in text) or "Class values must be non-negative" in text:
        return PAD_LABEL_AS_CLASS
    if "does not require grad" in text:
        return NO_GRAPH_IN_STEP
    if "only for scalar outputs" in text:
        return ONE_NUMBER
    if isinstance(error, ValueError) and "values to unpack" in text:
        return BATCH_OF_THREE
    return ""


# --- the training step ---------------------------------------------------------------------------


@dataclass
class _StepRun:
    """One call of the learner's train_step: what it returned, and what the model and optimizer saw."""

    returned: object
    model: _Tagger
    optimizer: _RecordingSGD
    before: list[torch.Tensor]  # the weights before the call

    def loss(self) -> float:
        return _number(self.returned, "loss train_step returned")

    def gradients(self) -> list[torch.Tensor | None]:
        """The gradients the first optimizer step used; without a step with any, those left in .grad."""
        stepped = [g for g in self.optimizer.gradients[:1] if any(t is not None for t in g)]
        return stepped[0] if stepped else [_copy(p.grad) for p in self.model.parameters()]

    def read_pads(self) -> bool:
        return any(not call.lengths for call in self.model.calls)


def _step(train_step: Callable[..., Any], model: _Tagger, batch: Batch) -> _StepRun:
    """Call `train_step(model, optimizer, x, y, lengths)` with a recording optimizer."""
    optimizer = _RecordingSGD(model.parameters())
    before = [p.detach().clone() for p in model.parameters()]
    with explaining_errors(_explain_training_error):
        returned = train_step(model, optimizer, *_copied(batch))
    return _StepRun(returned, model, optimizer, before)


def _slip(run: _StepRun, batch: Batch, fits: Callable[[float, list[torch.Tensor]], bool]) -> str:
    """Why `run` is not the task's step, when a known slip explains it (`fits` its loss and gradients), or ""."""
    if run.read_pads():
        return READ_PADS
    for explanation, loss in LOSS_SLIPS.items():
        if fits(*_loss_and_gradients(_tagger(0), batch, loss)):
            return explanation
    return ""


def _largest_difference(got: Sequence[torch.Tensor | None], expected: Sequence[torch.Tensor], names: list[str]) -> str:
    gaps = [
        (float(((g if g is not None else torch.zeros_like(e)) - e).abs().max()), n)
        for g, e, n in zip(got, expected, names)
    ]
    gap, name = max(gaps)
    return f"largest difference {gap:.3g}, in the gradient of {name}"


def check_train_step(train_step: Callable[..., Any]) -> CheckReport:
    """Check `train_step(model, optimizer, x, y, lengths)` by what one step and two steps do (see the module)."""
    batch, next_batch = _batch(STEP_LENGTHS, seed=1), _batch(NEXT_LENGTHS, seed=2)
    n_real = sum(STEP_LENGTHS)
    names = [name for name, _ in _tagger(0).named_parameters()]
    runs: dict[str, _StepRun] = {}

    def first() -> _StepRun:
        if "first" not in runs:
            runs["first"] = _step(train_step, _tagger(0), batch)
        return runs["first"]

    def returns_the_loss() -> str:
        run = first()
        got, (expected, _) = run.loss(), _loss_and_gradients(_tagger(0), batch)
        if not _close(got, expected):
            message = f"expected {expected:.4f}, the mean cross entropy over the {n_real} real steps, got {got:.4f}"
            raise Mismatch(with_explanation(message, _slip(run, batch, lambda loss, _: _close(got, loss))))
        return f"{got:.4f}"

    def gradients_of_the_loss() -> str:
        run = first()
        got, (_, expected) = run.gradients(), _loss_and_gradients(_tagger(0), batch)
        if all(g is None for g in got):
            raise Mismatch(
                NO_GRADIENTS_AT_STEP
                if run.optimizer.gradients
                else "no gradient reached the weights: call loss.backward()"
            )
        scale = _scale(got, expected)
        if scale is None:
            message = (
                "the gradients are not those of the mean loss over the real steps ("
                + _largest_difference(got, expected, names)
                + ")"
            )
            explanation = _slip(run, batch, lambda _, gradients: _scale(got, gradients) is not None)
            raise Mismatch(with_explanation(message, explanation))
        return "" if scale > 1 - GRAD_RTOL else f"in the same direction, scaled by {scale:.2f}: clipped?"

    def weights_move() -> str:
        run = first()
        steps = len(run.optimizer.gradients)
        moved = any(not torch.equal(a, p.detach()) for a, p in zip(run.before, run.model.parameters()))
        if steps == 0:
            raise Mismatch(OTHER_OPTIMIZER if moved else NO_STEP)
        if steps > 1:
            raise Mismatch(f"optimizer.step() ran {steps} times in one call of train_step: one step per batch")
        gradients = run.optimizer.gradients[0]
        if all(g is None for g in gradients):
            raise Mismatch(NO_GRADIENTS_AT_STEP)
        if all(g is None or not bool(g.any()) for g in gradients):
            raise Mismatch(ZERO_GRADIENTS_AT_STEP)
        if not moved:
            raise Mismatch("optimizer.step() ran, but no weight changed: was its learning rate set to 0?")
        return "one step"

    def train_mode() -> str:
        model = _tagger(0, dropout=0.5).eval()  # as validate() leaves it
        _step(train_step, model, batch)
        if not model.calls:
            raise Mismatch("train_step never called the model: the loss comes from model(x, lengths)")
        training_calls = [call for call in model.calls if call.graph] or model.calls  # not a look under no_grad
        if not all(call.training for call in training_calls):
            raise Mismatch(EVAL_IN_STEP)
        return "dropout on"

    def pads_change_nothing() -> str:
        base, other = first(), _step(train_step, _tagger(0), _other_pads(batch))
        explanation = READ_PADS if other.read_pads() else PADS_COUNTED
        if not _close(base.loss(), other.loss()):
            raise Mismatch(f"the loss went from {base.loss():.4f} to {other.loss():.4f}. {explanation}")
        if not _same(base.gradients(), other.gradients()):
            raise Mismatch(f"the loss stayed the same, but the gradients changed. {explanation}")
        return "the same loss and gradients"

    def own_gradients() -> str:
        model = _tagger(0)
        optimizer = _RecordingSGD(model.parameters())
        with explaining_errors(_explain_training_error):
            train_step(model, optimizer, *_copied(batch))
        left = [_copy(p.grad) for p in model.parameters()]  # what the first step leaves in .grad
        twin = copy.deepcopy(model)
        for parameter in twin.parameters():
            parameter.grad = None
        fresh = _step(train_step, twin, next_batch).gradients()  # the same step with nothing left over
        with explaining_errors(_explain_training_error):
            train_step(model, optimizer, *_copied(next_batch))
        recorded = [g for g in optimizer.gradients[1:2] if any(t is not None for t in g)]
        second = recorded[0] if recorded else [_copy(p.grad) for p in model.parameters()]
        if _same(second, fresh):
            return "zeroed in between"
        summed = [None if f is None else f + (0 if a is None else a) for f, a in zip(fresh, left)]
        if _same(second, summed):
            raise Mismatch(ACCUMULATED)
        raise Mismatch(
            "the second step's gradients differ from those of the same step on a model with no gradients left "
            "over: each step's gradients must be its own batch's"
        )

    return run_check(
        "train_step",
        {
            f"one step on a padded batch (N=5, L=7, lengths {STEP_LENGTHS}): returns the mean loss over the "
            f"{n_real} real steps": returns_the_loss,
            "its gradients are those of that loss": gradients_of_the_loss,
            "the weights move, by one step of the optimizer passed in": weights_move,
            "a model left in eval mode (as validation leaves it) trains in train mode, dropout on": train_mode,
            f"other values at the pad steps and {EXTRA_PADS} more pad steps (label -100): the same loss and "
            "gradients": pads_change_nothing,
            "two steps in a row: the second step's gradients are its own batch's alone": own_gradients,
        },
        hint="model.train(); loss = F.cross_entropy(model(x, lengths).flatten(0, 1), y.flatten(), "
        "ignore_index=-100); optimizer.zero_grad(); loss.backward(); optimizer.step(); return loss.item()",
        concept=STEP_CONCEPT,
    )


# --- validation ----------------------------------------------------------------------------------


def _validation_loader() -> DataLoader:
    """The check's validation batches `(x, y, lengths)`: 11 sequences of 1 to 7 steps, in batches of 4, 4, 3."""
    x, y, lengths = _batch(VAL_LENGTHS, seed=3)
    return DataLoader(TensorDataset(x, y, lengths), batch_size=VAL_BATCH)


@dataclass
class _BatchScores:
    """One validation batch scored at the model's weights: the terms the task's values and the slips' are made of."""

    sequences: int
    steps: int  # N*L, pads included
    real: int
    loss: float  # the mean over the real steps
    right: int  # real steps predicted right
    loss_pads_as_class: float  # the mean over all steps, pads labelled class 0
    right_pads_as_class: int  # steps predicted right, pads labelled class 0


def _scores(model: _Tagger, loader: DataLoader) -> list[_BatchScores]:
    twin = copy.deepcopy(model).eval()
    scores = []
    with torch.no_grad():
        for x, y, lengths in loader:
            logits = twin(x, lengths)
            real = y != PAD_LABEL
            predicted = logits.argmax(-1)
            scores.append(
                _BatchScores(
                    sequences=len(y),
                    steps=y.numel(),
                    real=int(real.sum()),
                    loss=float(_real_steps(logits, y, lengths)),
                    right=int((predicted == y).sum()),
                    loss_pads_as_class=float(_pads_as_class_0(logits, y, lengths)),
                    right_pads_as_class=int((predicted == y.clamp(min=0)).sum()),
                )
            )
    return scores


def _summaries(values: list[float], weights: list[int], scores: list[_BatchScores]) -> list[float]:
    """A value per batch summed up the three ways learners do: weighted by `weights` (pooled over the
    steps), a plain mean over the batches, and weighted by the batches' sequences."""
    return [
        sum(v * w for v, w in zip(values, weights)) / sum(weights),
        sum(values) / len(values),
        sum(v * s.sequences for v, s in zip(values, scores)) / sum(s.sequences for s in scores),
    ]


def _accepted(scores: list[_BatchScores]) -> tuple[list[float], list[float]]:
    """The losses and the accuracies the task accepts (pooled first, the one the messages quote)."""
    real = [s.real for s in scores]
    losses = _summaries([s.loss for s in scores], real, scores)
    accuracies = _summaries([s.right / s.real for s in scores], real, scores)
    return losses, accuracies


def _loss_slips(scores: list[_BatchScores]) -> dict[str, list[float]]:
    steps = [s.steps for s in scores]
    return {
        PADS_AS_CLASS: _summaries([s.loss_pads_as_class for s in scores], steps, scores),
        ALL_STEPS_MEAN: _summaries([s.loss * s.real / s.steps for s in scores], steps, scores),
    }


def _accuracy_slips(scores: list[_BatchScores]) -> dict[str, list[float]]:
    steps = [s.steps for s in scores]
    return {
        ACCURACY_OVER_PADS: _summaries([s.right / s.steps for s in scores], steps, scores),
        ACCURACY_PADS_AS_CLASS: _summaries([s.right_pads_as_class / s.steps for s in scores], steps, scores),
    }


def _matches(value: float, candidates: list[float], atol: float = 0.0) -> bool:
    return any(_close(value, c) or abs(value - c) <= atol for c in candidates)


def check_validate(validate: Callable[..., Any]) -> CheckReport:
    """Check `validate(model, loader) -> (loss, accuracy)` by what it returns and does (see the module)."""
    runs: dict[str, tuple[_Tagger, float, float]] = {}

    def scored() -> tuple[_Tagger, float, float]:
        if "values" not in runs:
            model = _tagger(2)
            with explaining_errors(_explain_training_error):
                result = validate(model, _validation_loader())
            loss, accuracy = expect_pair(result, "(loss, accuracy)")
            runs["values"] = (model, _number(loss, "loss"), _number(accuracy, "accuracy"))
        return runs["values"]

    def values() -> str:
        model, loss, accuracy = scored()
        scores = _scores(_tagger(2), _validation_loader())
        losses, accuracies = _accepted(scores)
        n_real, n_right = sum(s.real for s in scores), sum(s.right for s in scores)
        read_pads = any(not call.lengths for call in model.calls)
        if _matches(loss, accuracies, ACCURACY_ATOL) and _matches(accuracy, losses):
            raise Mismatch(SWAPPED_RESULT)
        if not _matches(loss, losses):
            slip = (
                READ_PADS
                if read_pads
                else next((why for why, v in _loss_slips(scores).items() if _matches(loss, v)), "")
            )
            message = f"expected the loss {losses[0]:.4f}, the mean over the {n_real} real steps, got {loss:.4f}"
            raise Mismatch(with_explanation(message, slip))
        if not _matches(accuracy, accuracies, ACCURACY_ATOL):
            if _matches(accuracy / 100, accuracies, ACCURACY_ATOL):
                slip = PERCENTAGE
            elif read_pads:
                slip = READ_PADS
            else:
                slip = next(
                    (why for why, v in _accuracy_slips(scores).items() if _matches(accuracy, v, ACCURACY_ATOL)), ""
                )
            message = (
                f"expected the accuracy {accuracies[0]:.4f} ({n_right} of the {n_real} real steps right), "
                f"got {accuracy:.4f}"
            )
            raise Mismatch(with_explanation(message, slip))
        return f"loss {loss:.4f}, accuracy {accuracy:.4f}"

    def eval_mode() -> str:
        model = _tagger(2, dropout=0.5)  # in train mode, as a training step leaves it
        with explaining_errors(_explain_training_error):
            validate(model, _validation_loader())
        if not model.calls:
            raise Mismatch("validate never called the model")
        if any(call.training for call in model.calls):
            raise Mismatch(VALIDATED_IN_TRAIN_MODE)
        return "dropout off"

    def no_graph() -> str:
        model = scored()[0]
        if any(call.graph for call in model.calls):
            raise Mismatch(VALIDATED_WITH_GRAPH)
        return "no graph"

    def measures_only() -> str:
        model = scored()[0]
        if any(not torch.equal(a, b) for a, b in zip(_tagger(2).parameters(), model.parameters())):
            raise Mismatch(VALIDATION_UPDATES)
        if any(p.grad is not None and bool(p.grad.any()) for p in model.parameters()):
            raise Mismatch(VALIDATION_GRADIENTS)
        return "unchanged"

    return run_check(
        "validate",
        {
            f"loss and accuracy over the real steps of {len(VAL_LENGTHS)} sequences (lengths 1 to "
            f"{max(VAL_LENGTHS)}) in batches of {VAL_BATCH}": values,
            "a model left in train mode (dropout 0.5) is scored in eval mode, dropout off": eval_mode,
            "every forward pass runs without building a graph (torch.no_grad())": no_graph,
            "the weights stay as they were, with no gradients left in .grad": measures_only,
        },
        hint="model.eval(); with torch.no_grad(): for x, y, lengths in loader: add up F.cross_entropy(..., "
        "ignore_index=-100, reduction='sum'), the right predictions where y != -100 and the number of those "
        "steps; return (loss_sum / steps, right / steps)",
        concept=VALIDATE_CONCEPT,
    )


# --- the split -----------------------------------------------------------------------------------


@contextmanager
def _global_random_state(seed: int) -> Iterator[None]:
    """Run the block with torch's, Python's and NumPy's global generators seeded with `seed`, then put the
    learner's states back."""
    numpy = sys.modules.get("numpy")
    python_state = random.getstate()
    numpy_state = numpy.random.get_state() if numpy is not None else None
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        random.seed(seed)
        if numpy is not None:
            numpy.random.seed(seed)
        try:
            yield
        finally:
            random.setstate(python_state)
            if numpy is not None:
                numpy.random.set_state(numpy_state)


def _expect_partition(train: list[int], val: list[int], n: int) -> None:
    """Raise Mismatch unless every index of 0..n-1 is in exactly one of the two parts, once."""
    for part, what in ((train, "training part"), (val, "validation part")):
        outside = [i for i in part if not 0 <= i < n]
        if outside:
            raise Mismatch(f"the {what} holds {outside[0]}, which is not an index of 0..{n - 1}")
        if len(set(part)) != len(part):
            twice = next(i for i in part if part.count(i) > 1)
            raise Mismatch(f"index {twice} is in the {what} {part.count(twice)} times: each index once")
    both = sorted(set(train) & set(val))
    if both:
        raise Mismatch(
            f"{len(both)} indices are in both parts (the first: {both[0]}): a validation sequence the model also "
            "trains on makes the validation score look better than the model is. Each index in one part only"
        )
    neither = sorted(set(range(n)) - set(train) - set(val))
    if neither:
        raise Mismatch(
            f"{len(neither)} indices are in neither part (the first: {neither[0]}): every index 0..{n - 1} "
            "goes to exactly one part"
        )


def check_split_indices(split_indices: Callable[..., Any]) -> CheckReport:
    """Check `split_indices(n, val_fraction, seed) -> (train_indices, val_indices)` (see the module)."""

    def split(n: int, val_fraction: float, seed: int, state: int = 0) -> tuple[list[int], list[int]]:
        with _global_random_state(state):
            result = split_indices(n, val_fraction, seed)
        train, val = expect_pair(result, "(train_indices, val_indices)")
        return indices(train, n, "training part"), indices(val, n, "validation part")

    def sizes_and_partition(n: int, val_fraction: float) -> Callable[[], str]:
        def run() -> str:
            train, val = split(n, val_fraction, 0)
            wanted = n * val_fraction
            if abs(len(val) - wanted) >= 1:
                if abs(len(train) - wanted) < 1:
                    raise Mismatch(SWAPPED_PARTS)
                raise Mismatch(
                    f"expected {wanted:g} validation indices (val_fraction={val_fraction} of n={n}), got {len(val)}"
                )
            _expect_partition(train, val, n)
            return f"{len(train)} + {len(val)}"

        return run

    def fixed_by_seed() -> str:
        first, again = split(1000, 0.2, 0, state=1), split(1000, 0.2, 0, state=2)
        if set(first[1]) != set(again[1]) or set(first[0]) != set(again[0]):
            raise Mismatch(NOT_FIXED)
        return "the same split"

    def seed_chooses() -> str:
        if set(split(1000, 0.2, 0, state=3)[1]) == set(split(1000, 0.2, 1, state=4)[1]):
            raise Mismatch(SEED_IGNORED)
        return "another split"

    return run_check(
        "split_indices",
        {
            "n=1000, val_fraction=0.2: 800 training and 200 validation indices, each index in one part": (
                sizes_and_partition(1000, 0.2)
            ),
            "n=10, val_fraction=0.3: 7 and 3": sizes_and_partition(10, 0.3),
            "n=7, val_fraction=0.5: 3 or 4 each, none left out": sizes_and_partition(7, 0.5),
            "the same seed twice, with the global random state changed in between: the same split": fixed_by_seed,
            "seeds 0 and 1: two different splits": seed_chooses,
        },
        hint="order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)); n_val = round(n * "
        "val_fraction); return order[n_val:], order[:n_val]",
        concept=SPLIT_CONCEPT,
    )
