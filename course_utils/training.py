"""Training and evaluation of the course's models: `train`, `evaluate`, `predict` and the `History` of a run.

One loop serves both kinds of model the course builds:

* taggers: logits `(N, L, C)` against labels `(N, L)`, padded steps labelled
  `PAD_LABEL` (-100) and left out of the loss and the accuracy;
* classifiers: logits `(N, C)` against labels `(N,)`.

With `loss="mse"` the same loop fits real-valued targets instead: the model
returns one value per target (`(N, L, 1)` or `(N, L)` against float targets
`(N, L)`, NaN marking padded steps), the loss is the mean squared error and
there is no accuracy (None in the History).

Batches are `(x, y)` or `(x, y, lengths)`; with lengths the model is called as
`model(x, lengths)`. Every batch is checked as it streams (`batches`: form,
sizes, finite inputs, label range, the model's output against the labels), and
a loss that is not finite stops training at once: each error names the batch
and what to do, not a traceback from inside torch.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Iterable, Sequence

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from .batches import (
    check_batch_values,
    check_loader,
    check_model_output,
    check_not_probabilities,
    first_index,
    position,
    split_batch,
)
from .env import pick_device, repeatable_on_gpu, seed_everything
from .models import check_finite_weights, check_module, check_trainable, eval_mode, model_device
from .perturbation import nudge_weights, perturbation, shuffle_seed
from .samplers import LengthGroupedBatchSampler
from .tables import TableView
from .tensors import PAD_LABEL, check_lengths, check_tensor
from .validation import check_bool, check_choice, check_int, check_positive_number, describe

COLUMNS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc")
LOSSES = ("cross_entropy", "mse")


class History(TableView):
    """Per-epoch record of a training run.

    `.rows` is a list of dicts with keys `epoch, train_loss, train_acc,
    val_loss, val_acc, seconds` (the val entries are None without a validation
    loader, the acc entries None for a model trained with `loss="mse"`). The
    text form (`str`, `repr`, `.to_text()`) leaves out the seconds so that it
    is the same on every run with the same seed.
    """

    def __init__(self, rows: Iterable[dict] | None = None):
        self.rows = list(rows or [])

    def add(self, **row: object) -> None:
        """Append one epoch's row (keyword arguments: the keys listed in the class docstring)."""
        self.rows.append(row)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def last(self) -> dict:
        """The last epoch's row."""
        if not self.rows:
            raise ValueError("this History is empty: no epoch has been recorded yet")
        return self.rows[-1]

    def column(self, name: str) -> list:
        """All epochs' values of one column, e.g. `history.column("val_acc")`."""
        if name not in COLUMNS + ("seconds",):
            raise ValueError(f"name must be one of {COLUMNS + ('seconds',)}, got {name!r}")
        return [row[name] for row in self.rows]

    def best(self, metric: str = "val_acc") -> dict:
        """The row with the best value of `metric`: the lowest loss or the highest accuracy.

        Epochs whose value is NaN or inf (a run that diverged) never count as best.
        """
        check_choice("metric", metric, COLUMNS[1:])
        values = self.column(metric)
        if not values or any(v is None for v in values):
            raise ValueError(
                f"no {metric} values to compare in this History (val_ columns need a validation loader, acc "
                f"columns loss='cross_entropy'): {values}"
            )
        finite = [v for v in values if math.isfinite(v)]
        if not finite:
            raise ValueError(f"every epoch's {metric} is NaN or inf: training diverged, so no epoch is best")
        return self.rows[values.index(min(finite) if metric.endswith("loss") else max(finite))]

    def table_cells(self) -> tuple[tuple[str, ...], list[list[str]]]:
        """One row per epoch, without the timings (so the text form is stable)."""
        return COLUMNS, [[_format_cell(name, row[name]) for name in COLUMNS] for row in self.rows]

    def text_align(self, columns: int) -> str:
        return ">"


class TrainingStopped(Exception):
    """Raised by `train` when its `stop` event is set (by another thread) before a batch."""


def _format_cell(name, value) -> str:
    if value is None:
        return "-"
    return str(value) if name == "epoch" else f"{value:.4f}"


def train(
    model: nn.Module,
    train_loader: Iterable,
    val_loader: Iterable | None = None,
    epochs: int = 5,
    lr: float = 0.03,
    device: str | torch.device | None = None,
    progress: bool = True,
    seed: int | None = None,
    weight_decay: float = 0.0,
    loss: str = "cross_entropy",
    *,
    stop: threading.Event | None = None,
) -> History:
    """Train `model` with Adam and cross entropy (or squared error); return its per-epoch History.

    Works for taggers (logits `(N, L, C)`, labels `(N, L)`, padded steps
    `-100` ignored) and classifiers (logits `(N, C)`, labels `(N,)`). Loss and
    accuracy of an epoch are means over all its labelled steps, so short and
    long batches weigh by how many steps they hold.

    loss: "cross_entropy" (the default, as above) or "mse" for regression: the
        model returns one value per target (`(N, L, 1)` or `(N, L)` against float
        targets `(N, L)`; `(N, 1)` or `(N,)` against `(N,)`), NaN targets mark
        padded steps, and the History's acc columns are None.

    device: None follows the course's device policy (`pick_device`: the CPU unless BIRNN_COURSE_DEVICE
    names another); the model is moved there.
    progress: one tqdm bar over the epochs (a widget in Jupyter, text on stderr in a
        terminal) showing the last epoch's metrics; False prints nothing.
    seed: when given, `seed_everything(seed)` runs first and the training loader's
        own shuffle generator (`train_loader.generator`, as `make_loaders` builds)
        is reseeded with `seed` (a `LengthGroupedBatchSampler` starts over at epoch
        0 with `seed`), so the same call gives the same History. A loader
        without its own generator shuffles from torch's global one, seeded too.
        With BIRNN_COURSE_PERTURB=k set, the weights are nudged and the shuffle
        starts from another seed, so training takes another path as on another
        CPU (`course_utils.perturbation`); the same call still repeats itself.

    stop: a `threading.Event` another thread may set to stop this training
        before its next batch (`TrainingStopped` is raised): how a second thread
        training beside this one stops on Ctrl-C.

    Every batch is checked as it comes (its form, sizes, label range, finite
    inputs; labels of a narrower integer type, such as NumPy's int32, are used
    as int64: `course_utils.batches`), and a loss that is not finite stops
    training at once, before the step that would spread it into the weights:
    each error names the epoch or batch. The model is left in eval mode, ready for predictions, however
    training ends (an error and Ctrl-C included).

    Stopped early (Ctrl-C, an error, `stop`), the finished epochs are not lost:
    the exception carries their History as `error.history` (also when no epoch
    finished: then it is empty), and when at least one epoch finished a note on
    the exception and one printed line say so. In a notebook, after Ctrl-C:
    `import sys; history = sys.last_value.history`.
    """
    check_module("model", model)
    check_int("epochs", epochs)
    check_positive_number("lr", lr)
    check_positive_number("weight_decay", weight_decay, allow_zero=True)
    check_bool("progress", progress)
    check_choice("loss", loss, LOSSES)
    if stop is not None and not isinstance(stop, threading.Event):
        raise TypeError(f"stop must be a threading.Event or None, got {describe(stop)}")
    check_loader("train_loader", train_loader)
    if val_loader is not None:
        check_loader("val_loader", val_loader)
    check_trainable(model)
    device = pick_device(device)
    if device.type != "cpu":
        repeatable_on_gpu()
    perturb = perturbation()  # 0 unless BIRNN_COURSE_PERTURB asks for another path (course_utils.perturbation)
    if seed is not None:
        seed_everything(seed)
        _reseed_shuffle(train_loader, shuffle_seed(seed, perturb))
    nudge_weights(model, perturb)
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    history = History()
    try:
        with tqdm(total=epochs, desc="train", unit="epoch", leave=True, disable=not progress) as bar:
            for epoch in range(1, epochs + 1):
                start = time.perf_counter()
                model.train()
                train_loss, train_acc = _run_epoch(
                    model, train_loader, device, "train_loader", loss, _Step(optimizer, epoch, lr), stop
                )
                val = _score(model, val_loader, device, "val_loader", loss, stop) if val_loader is not None else {}
                history.add(
                    epoch=epoch,
                    train_loss=train_loss,
                    train_acc=train_acc,
                    val_loss=val.get("loss"),
                    val_acc=val.get("acc"),
                    seconds=time.perf_counter() - start,
                )
                bar.set_postfix_str(_postfix(history.last), refresh=False)
                bar.update(1)
    except BaseException as error:  # Ctrl-C included: hand over the finished epochs, then let it go on
        _hand_over(error, history, epochs)
        raise
    finally:
        model.eval()
    return history


def _hand_over(error: BaseException, history: History, epochs: int) -> None:
    """Attach the History of the finished epochs to `error`; with at least one, add a note and print a line."""
    try:
        error.history = history  # type: ignore[attr-defined]
    except AttributeError:  # an exception class with __slots__: nothing can be attached
        return
    if not history:
        return
    n = len(history)
    what = f"the History of the {n} finished epoch{'s' if n > 1 else ''}"
    if hasattr(error, "add_note"):  # Python 3.11+
        error.add_note(f"train() stopped in epoch {n + 1} of {epochs}: {what} is error.history")
    if not isinstance(error, TrainingStopped):  # a thread stopped on purpose need not say so
        print(
            f"train() stopped in epoch {n + 1} of {epochs} ({type(error).__name__}); {what} is kept on the "
            "exception: `import sys; history = sys.last_value.history` (in a notebook), or `error.history` "
            "in an `except` block",
            file=sys.stderr,
        )


class _Step:
    """What a training pass needs besides the batches: the optimizer, and the epoch and lr for messages."""

    def __init__(self, optimizer: torch.optim.Optimizer, epoch: int, lr: float):
        self.optimizer, self.epoch, self.lr = optimizer, epoch, lr


def _postfix(row) -> str:
    names = [n for n in COLUMNS[1:] if row[n] is not None]
    return ", ".join(f"{n}={row[n]:.4f}" for n in names)


def evaluate(
    model: nn.Module, loader: Iterable, device: str | torch.device | None = None, loss: str = "cross_entropy"
) -> dict:
    """Mean loss and accuracy of `model` over `loader`'s labelled steps: `{"loss": float, "acc": float}`.

    Runs without gradients in eval mode (the model's mode is restored after).
    device: None uses the device the model's parameters are on.
    loss: "cross_entropy" or "mse", as in `train`; with "mse", "loss" is the
        mean squared error and "acc" is None.
    Every batch is checked as in `train`; weights or outputs that are not
    finite raise ValueError instead of giving a NaN loss.
    """
    check_module("model", model)
    check_choice("loss", loss, LOSSES)
    check_loader("loader", loader)
    check_finite_weights(model)
    device = model_device(model) if device is None else pick_device(device)
    return _score(model.to(device), loader, device, "loader", loss)


def _score(model, loader, device, name, loss_name, stop: threading.Event | None = None) -> dict:
    """`evaluate` after its checks; `name` is the loader's name in error messages."""
    with eval_mode(model), torch.no_grad():
        loss, acc = _run_epoch(model, loader, device, name, loss_name, stop=stop)
    return {"loss": loss, "acc": acc}


def _run_epoch(
    model,
    loader,
    device,
    name,
    loss_name="cross_entropy",
    step: _Step | None = None,
    stop: threading.Event | None = None,
):
    """One pass over `loader`; a training step per batch when `step` is given; `TrainingStopped` once `stop` is set.

    Returns `(mean loss, accuracy)` over the labelled steps (accuracy None for
    "mse"). Each batch is checked before its loss is computed; the checks and
    the finite-loss test cost two small host syncs per batch.
    """
    batch_terms = _mse_terms if loss_name == "mse" else _cross_entropy_terms
    loss_sum = correct = count = 0
    index = -1
    for index, batch in enumerate(loader):
        where = f"batch {index} (counting from 0) of {name}"
        if stop is not None and stop.is_set():
            raise TrainingStopped(f"training stopped before {where}: another thread asked it to stop")
        x, y, lengths = split_batch(batch, where, loss_name)
        x, y = x.to(device), y.to(device)
        output = model(x) if lengths is None else model(x, lengths)
        check_batch_values(x, y, output, where, loss_name)
        if index == 0 and loss_name != "mse":
            check_not_probabilities(output)
        loss, labelled, hits = batch_terms(output, y)
        if not bool(torch.isfinite(loss.detach())):
            raise _non_finite_loss(float(loss.detach()), where, step)
        if step is not None:
            if index == 0 and not loss.requires_grad:
                raise RuntimeError(
                    "the loss does not depend on the model's weights through autograd, so there is nothing to "
                    "train: does forward() run under torch.no_grad(), or call .detach(), .item() or .numpy() on "
                    "what it returns, or build its result with torch.tensor(...)?"
                )
            step.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            step.optimizer.step()
        loss_sum = loss_sum + loss.detach() * labelled
        correct = correct + hits
        count = count + labelled
    if index < 0:
        raise ValueError(
            f"{name} yielded no batches: it needs at least one (x, y) batch (a generator runs out after "
            "one pass; pass a DataLoader or a list of batches, which can be read every epoch)"
        )
    count = int(count)
    if count == 0:
        padding = "NaN" if loss_name == "mse" else PAD_LABEL
        raise ValueError(f"every label in {name} is padding ({padding}): there is nothing to score")
    return float(loss_sum) / count, None if loss_name == "mse" else int(correct) / count


def _non_finite_loss(value: float, where: str, step: _Step | None) -> ValueError:
    """The error for a NaN or inf loss of a batch whose inputs and labels are finite (those are caught before)."""
    if step is None:
        return ValueError(
            f"the loss on {where} is {value} although its inputs are finite: the model's outputs are not finite, so "
            "its weights probably hold huge values from a training run that diverged. Build it again and train it "
            "with a lower learning rate"
        )
    return ValueError(
        f"training stopped: the loss became {value} in epoch {step.epoch}, {where}, although that batch's inputs "
        f"and labels are finite, so training diverged. The usual cause is a learning rate too high for this "
        f"model (lr={step.lr:g}: try lr={step.lr / 10:g}); exploding gradients over long sequences are another. "
        "The model keeps the weights of the last good step (this one was not taken)"
    )


def _cross_entropy_terms(logits, y):
    """`(mean cross entropy, number of labelled steps, number predicted right)` for one batch."""
    loss = F.cross_entropy(logits.flatten(0, -2), y.flatten(), ignore_index=PAD_LABEL)
    # argmax is never PAD_LABEL, so padded steps can never count as correct
    return loss, (y != PAD_LABEL).sum(), (logits.detach().argmax(-1) == y).sum()


def _mse_terms(output, y):
    """`(mean squared error, number of labelled steps, 0)` for one batch; NaN targets are left out."""
    if output.dim() > y.dim():
        output = output.squeeze(-1)  # one value per target: (N, L, 1) -> (N, L)
    labelled = ~torch.isnan(y)
    # A batch of padding only adds 0 (its weight in the epoch's mean is 0 anyway).
    loss = F.mse_loss(output[labelled], y[labelled]) if labelled.any() else output.sum() * 0.0
    return loss, labelled.sum(), 0


def predict(
    model: nn.Module, x: torch.Tensor, lengths: torch.Tensor | Sequence[int] | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Class probabilities and predicted classes for `x`: features `(N, L, H_in)`, or token ids `(N, L)`.

    Token ids (an integer tensor) are for a model that embeds them itself, as `train` accepts them.
    Returns `(probs, preds)` on the CPU: softmax over the class axis, `(N, L, C)`
    and `(N, L)` for a tagger, `(N, C)` and `(N,)` for a classifier. Runs in eval
    mode without gradients (the model's mode is restored after). x must be finite.
    """
    check_module("model", model)
    if isinstance(x, torch.Tensor) and not x.is_floating_point() and x.dtype != torch.bool:
        check_tensor("x (N, L) of token ids", x, dim=2)
    else:
        check_tensor("x (N, L, H_in)", x, dim=3, floating=True)
    if lengths is not None:
        lengths = check_lengths(lengths, batch_size=x.shape[0], max_len=x.shape[1])
    broken = ~torch.isfinite(x) if x.is_floating_point() else torch.zeros(x.shape, dtype=torch.bool)
    if bool(broken.any()):
        index = first_index(broken)
        raise ValueError(
            f"x holds {float(x[index])} at {position(index)}: a prediction from it would be NaN. Replace or drop the "
            "broken values first (e.g. torch.nan_to_num(x))"
        )
    x = x.to(model_device(model))
    with eval_mode(model), torch.no_grad():
        logits = model(x) if lengths is None else model(x, lengths)
    check_model_output(logits)
    probs = logits.softmax(dim=-1).cpu()
    return probs, probs.argmax(dim=-1)


def _reseed_shuffle(loader, seed) -> None:
    """Restart a DataLoader's shuffle from `seed`: its generator(s) reseeded, a length-grouped batch sampler reset."""
    for owner in (loader, getattr(loader, "sampler", None)):
        generator = getattr(owner, "generator", None)
        if isinstance(generator, torch.Generator):
            generator.manual_seed(seed)
    batch_sampler = getattr(loader, "batch_sampler", None)
    if isinstance(batch_sampler, LengthGroupedBatchSampler):
        batch_sampler.reseed(seed)
