"""Figures for the course: training curves, accuracy per step, confusion matrix, context.

Every function returns a matplotlib Figure and closes it in pyplot, so a
notebook cell that ends with the call shows exactly one image (pyplot's inline
backend would otherwise draw it a second time when the cell finishes). The
figures carry a `_repr_png_`, so Jupyter draws them under any matplotlib
backend, e.g. with MPLBACKEND=Agg, where no inline display is set up.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from .tensors import check_tensor
from .validation import check_int, describe

if TYPE_CHECKING:  # for annotations only
    from .training import History

METRIC_LABELS = {"loss": "cross-entropy loss", "acc": "accuracy"}
METRIC_TITLES = {"loss": "Loss", "acc": "Accuracy"}
READ_COLOURS = {"forward": "tab:blue", "backward": "tab:orange", "both": "tab:green"}


class CourseFigure(Figure):
    """A matplotlib Figure that Jupyter can show as PNG whatever the backend."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


def plot_history(histories: History | dict[str, History], metrics: Sequence[str] = ("loss", "acc")) -> Figure:
    """Training curves: one panel per metric, train solid and validation dashed.

    histories: one History, or a dict `name -> History` to compare several runs
    (one colour per run). metrics: any of "loss" and "acc".
    """
    runs = _as_runs(histories)
    if isinstance(metrics, str) or not metrics or any(m not in METRIC_LABELS for m in metrics):
        raise ValueError(f"metrics must be a non-empty sequence of {tuple(METRIC_LABELS)}, got {metrics!r}")
    fig, axes = subplots(1, len(metrics), figsize=(5.2 * len(metrics), 3.8), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for colour, (name, history) in zip(_colours(len(runs)), runs.items()):
            prefix = f"{name} " if name else ""
            epochs = history.column("epoch")
            ax.plot(epochs, history.column(f"train_{metric}"), "-o", color=colour, label=f"{prefix}train")
            val = history.column(f"val_{metric}")
            if all(v is not None for v in val):
                ax.plot(epochs, val, "--s", color=colour, label=f"{prefix}validation", markerfacecolor="white")
        ax.set(title=METRIC_TITLES[metric], xlabel="epoch", ylabel=METRIC_LABELS[metric])
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    return finish_figure(fig)


def plot_accuracy_by_position(
    curves: dict[str, torch.Tensor | Sequence[float]], ceiling: float | Sequence[float] | torch.Tensor | None = None
) -> Figure:
    """Accuracy at each time step, one line per model (e.g. forward-only vs bidirectional).

    curves: dict `name -> accuracies (T,)` (tensor or list), e.g. from
    `accuracy_by_position`. ceiling: optional best accuracy of a forward-only
    model, a float (drawn flat) or one value per step (T,) (`ceiling_by_position`).
    """
    if not isinstance(curves, dict) or not curves:
        raise TypeError(f"curves must be a non-empty dict name -> accuracies (T,), got {describe(curves)}")
    fig, ax = subplots(figsize=(7, 4))
    longest = 0
    for colour, (name, values) in zip(_colours(len(curves)), curves.items()):
        values = _as_vector(f"curves[{name!r}]", values)
        longest = max(longest, len(values))
        ax.plot(range(len(values)), values, "-o", color=colour, label=name)
    if ceiling is not None:
        if isinstance(ceiling, bool) or (isinstance(ceiling, (int, float)) and not 0 <= ceiling <= 1):
            raise ValueError(f"ceiling must be an accuracy in [0, 1] or one per step (T,), got {describe(ceiling)}")
        if isinstance(ceiling, (int, float)):
            ax.axhline(ceiling, color="grey", linestyle="--", label=f"forward-only ceiling ({ceiling:.2f})")
        else:
            per_step = _as_vector("ceiling", ceiling)
            ax.plot(range(len(per_step)), per_step, "--", color="grey", label="forward-only ceiling")
    ax.set(
        title="Accuracy at each time step",
        xlabel="time step t",
        ylabel="accuracy",
        ylim=(0, 1.05),
        xticks=range(longest),
    )
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize="small")
    return finish_figure(fig)


def plot_confusion_matrix(
    cm: torch.Tensor | Sequence[Sequence[int]], class_names: Sequence[str] | None = None
) -> Figure:
    """Heat map of a confusion matrix `(C, C)` (rows: true class, columns: predicted).

    Cells show the counts; colours show each count as a share of its row, so
    classes with few examples stay readable.
    """
    try:
        cm = torch.as_tensor(cm)
    except (TypeError, ValueError, RuntimeError):
        raise TypeError(
            f"cm must be a (C, C) tensor of counts, e.g. from confusion_matrix, got {describe(cm)}"
        ) from None
    cm = check_tensor("cm (C, C)", cm, dim=2)
    n = cm.shape[0]
    if cm.shape[1] != n:
        raise ValueError(f"cm must be square (C, C), got {describe(cm)}")
    counts_ok = not (cm.dtype == torch.bool or cm.is_complex())
    if counts_ok and cm.numel():
        values = cm.detach().double()
        counts_ok = (
            bool(torch.isfinite(values).all()) and bool((values >= 0).all()) and bool((values == values.round()).all())
        )
    if not counts_ok:
        raise ValueError(f"cm must hold counts (whole numbers >= 0), as confusion_matrix returns, got {describe(cm)}")
    if class_names is not None and (isinstance(class_names, str) or not isinstance(class_names, Sequence)):
        raise TypeError(f"class_names must be a list of {n} names, got {describe(class_names)}")
    names = [str(i) for i in range(n)] if class_names is None else [str(c) for c in class_names]
    if len(names) != n:
        raise ValueError(f"class_names needs {n} names, one per class, got {len(names)}")
    counts = cm.detach().cpu().double()
    shares = counts / counts.sum(1, keepdim=True).clamp(min=1)
    fig, ax = subplots(figsize=(0.8 * n + 2.5, 0.7 * n + 1.8))
    image = ax.imshow(shares.numpy(), cmap="Blues", vmin=0, vmax=1)
    for i in range(n):
        for j in range(n):
            colour = "white" if shares[i, j] > 0.5 else "black"
            ax.text(j, i, f"{int(counts[i, j])}", ha="center", va="center", color=colour)
    ax.set(
        title="Confusion matrix",
        xlabel="predicted class",
        ylabel="true class",
        xticks=range(n),
        yticks=range(n),
        xticklabels=names,
        yticklabels=names,
    )
    fig.colorbar(image, ax=ax, label="share of the true class")
    return finish_figure(fig)


def plot_direction_context(seq_len: int = 10, t: int = 4) -> Figure:
    """Which input steps the forward state, the backward state and their concatenation have read at step `t`.

    The forward state at t has read x_0..x_t, the backward state x_t..x_{T-1},
    and the bidirectional output at t (both concatenated) the whole sequence.
    """
    check_int("seq_len", seq_len)
    check_int("t", t, minimum=0)
    if t >= seq_len:
        raise ValueError(f"t must be a step of the sequence, 0..{seq_len - 1}, got {t}")
    rows = {
        "forward": range(0, t + 1),
        "backward": range(t, seq_len),
        "both": range(0, seq_len),
    }
    labels = [
        "forward state\n(reads left to right)",
        "backward state\n(reads right to left)",
        "output at t\n(both concatenated)",
    ]
    fig, ax = subplots(figsize=(max(6.0, 0.7 * seq_len + 2.5), 3.4))
    for row, (name, read) in enumerate(rows.items()):
        y = 2 - row
        for step in range(seq_len):
            seen = step in read
            ax.add_patch(
                Rectangle(
                    (step - 0.42, y - 0.32),
                    0.84,
                    0.64,
                    facecolor=READ_COLOURS[name] if seen else "white",
                    alpha=0.85 if seen else 1.0,
                    edgecolor="black" if step == t else "lightgrey",
                    linewidth=2.5 if step == t else 1.0,
                )
            )
        if name != "both":
            start, end = (read.start, read.stop - 1) if name == "forward" else (read.stop - 1, read.start)
            if start != end:
                ax.annotate(
                    "",
                    xy=(end, y + 0.45),
                    xytext=(start, y + 0.45),
                    arrowprops={"arrowstyle": "->", "color": READ_COLOURS[name], "lw": 1.5},
                )
    ax.set(
        xlim=(-0.6, seq_len - 0.4),
        ylim=(-0.6, 2.7),
        xticks=range(seq_len),
        xticklabels=[f"$x_{{{s}}}$" for s in range(seq_len)],
        yticks=[2, 1, 0],
        yticklabels=labels,
        title=f"Inputs already read at step t={t} (outlined) of a sequence of {seq_len}",
    )
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return finish_figure(fig)


def plot_tensor_heatmap(tensor: torch.Tensor, title: str, split: int | None = None) -> Figure:
    """Heat map of a 2-D tensor `(T, D)`: time steps down, features across.

    Colours are centred on 0 (blue negative, red positive), as suits tanh
    states. split: optional H for a bidirectional output `(T, 2*H)`: a line
    then separates the forward half `[:, :H]` from the backward half `[:, H:]`,
    each labelled above the map.
    """
    tensor = check_tensor("tensor (T, D)", tensor, dim=2)
    if tensor.numel() == 0 or tensor.is_complex() or not bool(torch.isfinite(tensor.detach().float()).all()):
        raise ValueError(f"tensor must be a non-empty real (T, D) tensor of finite values, got {describe(tensor)}")
    tensor = tensor.detach().cpu().float()
    if split is not None:
        check_int("split", split)
        if split >= tensor.shape[1]:
            raise ValueError(f"split must be a column inside the D={tensor.shape[1]} columns, got {split}")
    limit = max(float(tensor.abs().max()), 1e-12)
    steps, width = tensor.shape
    fig, ax = subplots(figsize=(min(12.0, 0.35 * width + 3.0), min(8.0, 0.3 * steps + 1.8)))
    image = ax.imshow(tensor.numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    ax.set(xlabel="feature d", ylabel="time step t")
    ax.set_title(str(title), pad=18 if split is not None else 6)
    if split is not None:
        ax.axvline(split - 0.5, color="black", linewidth=2)
        for centre, name in (((split - 1) / 2, "forward"), ((split + width - 1) / 2, "backward")):
            ax.text(centre, 1.01, name, transform=ax.get_xaxis_transform(), ha="center", va="bottom")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    fig.colorbar(image, ax=ax, label="value")
    return finish_figure(fig)


def _is_history(obj) -> bool:
    """True for a `training.History` or anything with its `column` and `rows` (this module does not import
    training, which would load the training loop to draw a curve)."""
    return callable(getattr(obj, "column", None)) and isinstance(getattr(obj, "rows", None), list)


def _as_runs(histories) -> dict:
    """A dict `name -> History`; one History becomes `{"": history}` (no name in the legend)."""
    if _is_history(histories):
        histories = {"": histories}
    if not isinstance(histories, dict) or not histories:
        raise TypeError(f"histories must be a History or a non-empty dict name -> History, got {describe(histories)}")
    for name, history in histories.items():
        if not _is_history(history) or len(history.rows) == 0:
            raise TypeError(f"histories[{name!r}] must be a History with at least one epoch, got {describe(history)}")
    return histories


def _as_vector(name, values):
    try:
        values = torch.as_tensor(values, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        raise TypeError(f"{name} must be a sequence of accuracies (T,), got {describe(values)}") from None
    if values.dim() != 1 or len(values) == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence of accuracies (T,), got {describe(values)}")
    return values.numpy()


def _colours(count):
    return [plt.get_cmap("tab10")(i % 10) for i in range(count)]


def subplots(*args: Any, **kwargs: Any) -> tuple[CourseFigure, Any]:
    """`plt.subplots(...)` making a `CourseFigure`: returns `(fig, axes)` as pyplot does."""
    return plt.subplots(*args, FigureClass=CourseFigure, **kwargs)


def finish_figure(fig: Figure, tight: bool = True) -> Figure:
    """Lay out `fig` (unless `tight=False`), close it in pyplot so a cell shows it once, and return it."""
    if tight:
        fig.tight_layout()
    plt.close(fig)
    return fig
