"""Figures for the course: training curves, accuracy per step, confusion matrix, context.

Every function returns a matplotlib Figure and closes it in pyplot, so a
notebook cell that ends with the call shows exactly one image (pyplot's inline
backend would otherwise draw it a second time when the cell finishes).

Every figure also says in words what it shows (`figure.description`, built
from the data it draws): a learner who cannot see the picture reads the same
facts. Jupyter gets the figure as HTML `<img alt=description>`, as PNG, and as
the description in plain text; see `CourseFigure` and `course_utils.display`.
Any matplotlib backend works, e.g. MPLBACKEND=Agg, where no inline display is
set up. A lesson's own figure is made with `subplots` and handed back through
`finish_figure` with its description.
"""

from __future__ import annotations

import base64
import io
import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from .display import DescribedImage
from .tensors import check_tensor
from .validation import check_int, describe

if TYPE_CHECKING:  # for annotations only
    from .training import History

METRIC_LABELS = {"loss": "cross-entropy loss", "acc": "accuracy"}
METRIC_TITLES = {"loss": "Loss", "acc": "Accuracy"}
READ_COLOURS = {"forward": "tab:blue", "backward": "tab:orange", "both": "tab:green"}


class CourseFigure(Figure):
    """A matplotlib Figure that Jupyter shows as a picture with a text alternative, whatever the backend.

    `description` (set by `finish_figure`) says what the figure shows; a
    described figure displays as a `course_utils.display.DescribedImage` of its
    PNG: `<img alt=description>` as HTML, the PNG with the description as its
    `alt`, and the description as text/plain (what nbval compares). A figure
    never given a description shows as a plain PNG.
    """

    description: str = ""

    def png(self) -> bytes:
        """The figure as PNG bytes (tight bounding box)."""
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict, dict]:
        png = self.png()
        if not self.description:
            return {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": repr(self)}, {}
        return DescribedImage(png, self.description)._repr_mimebundle_(include, exclude)


def plot_history(histories: History | dict[str, History], metrics: Sequence[str] = ("loss", "acc")) -> CourseFigure:
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
    return finish_figure(fig, _history_description(runs, metrics))


def plot_accuracy_by_position(
    curves: dict[str, torch.Tensor | Sequence[float]], ceiling: float | Sequence[float] | torch.Tensor | None = None
) -> CourseFigure:
    """Accuracy at each time step, one line per model (e.g. forward-only vs bidirectional).

    curves: dict `name -> accuracies (L,)` (tensor or list), e.g. from
    `accuracy_by_position`. ceiling: optional best accuracy of a forward-only
    model, a float (drawn flat) or one value per step (L,) (`ceiling_by_position`).
    """
    if not isinstance(curves, dict) or not curves:
        raise TypeError(f"curves must be a non-empty dict name -> accuracies (L,), got {describe(curves)}")
    fig, ax = subplots(figsize=(7, 4))
    longest = 0
    summaries = []
    for colour, (name, values) in zip(_colours(len(curves)), curves.items()):
        values = _as_vector(f"curves[{name!r}]", values)
        longest = max(longest, len(values))
        ax.plot(range(len(values)), values, "-o", color=colour, label=name)
        summaries.append(f"{name}: {_steps_summary(values)}")
    if ceiling is not None:
        if isinstance(ceiling, bool) or (isinstance(ceiling, (int, float)) and not 0 <= ceiling <= 1):
            raise ValueError(f"ceiling must be an accuracy in [0, 1] or one per step (L,), got {describe(ceiling)}")
        if isinstance(ceiling, (int, float)):
            ax.axhline(ceiling, color="grey", linestyle="--", label=f"forward-only ceiling ({ceiling:.2f})")
            summaries.append(f"forward-only ceiling: {ceiling:.2f} at every step")
        else:
            per_step = _as_vector("ceiling", ceiling)
            ax.plot(range(len(per_step)), per_step, "--", color="grey", label="forward-only ceiling")
            summaries.append(f"forward-only ceiling (dashed): {_steps_summary(per_step)}")
    ax.set(
        title="Accuracy at each time step",
        xlabel="time step t",
        ylabel="accuracy",
        ylim=(0, 1.05),
        xticks=range(longest),
    )
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize="small")
    description = f"Accuracy at each of {longest} time steps, t = 0 to {longest - 1}. {'; '.join(summaries)}."
    return finish_figure(fig, description)


def plot_confusion_matrix(
    cm: torch.Tensor | Sequence[Sequence[int]], class_names: Sequence[str] | None = None
) -> CourseFigure:
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
    return finish_figure(fig, _confusion_description(counts, names))


def plot_direction_context(seq_len: int = 10, t: int = 4) -> CourseFigure:
    """Which input steps the forward state, the backward state and their concatenation have read at step `t`.

    The forward state at t has read x_0..x_t, the backward state x_t..x_{L-1},
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
    description = (
        f"Inputs already read at step t={t} of a sequence of {seq_len} inputs: the forward state has read "
        f"{_inputs(rows['forward'])}, the backward state {_inputs(rows['backward'])}, and the output at t, "
        f"both concatenated, all {seq_len} inputs {_inputs(rows['both'])}."
    )
    return finish_figure(fig, description)


def plot_tensor_heatmap(
    tensor: torch.Tensor, title: str, split: int | None = None, xlabel: str = "feature d"
) -> CourseFigure:
    """Heat map of a 2-D tensor `(L, K)`: its L time steps down, its K features across.

    Colours are centred on 0 (blue negative, red positive), as suits tanh
    states. split: optional H_out for a bidirectional output `(L, D*H_out)`: a line
    then separates the forward half `[:, :H_out]` from the backward half `[:, H_out:]`,
    each labelled above the map. xlabel: what a column is (e.g. "class c" for
    logits).
    """
    tensor = check_tensor("tensor (L, K)", tensor, dim=2)
    if tensor.numel() == 0 or tensor.is_complex() or not bool(torch.isfinite(tensor.detach().float()).all()):
        raise ValueError(f"tensor must be a non-empty real (L, K) tensor of finite values, got {describe(tensor)}")
    tensor = tensor.detach().cpu().float()
    if split is not None:
        check_int("split", split)
        if split >= tensor.shape[1]:
            raise ValueError(f"split must be a column inside the K={tensor.shape[1]} columns, got {split}")
    limit = max(float(tensor.abs().max()), 1e-12)
    steps, width = tensor.shape
    fig, ax = subplots(figsize=(min(12.0, 0.35 * width + 3.0), min(8.0, 0.3 * steps + 1.8)))
    image = ax.imshow(tensor.numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    ax.set(xlabel=xlabel, ylabel="time step t")
    ax.set_title(str(title), pad=18 if split is not None else 6)
    if split is not None:
        ax.axvline(split - 0.5, color="black", linewidth=2)
        for centre, name in (((split - 1) / 2, "forward"), ((split + width - 1) / 2, "backward")):
            ax.text(centre, 1.01, name, transform=ax.get_xaxis_transform(), ha="center", va="bottom")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    fig.colorbar(image, ax=ax, label="value")
    description = (
        f"Heat map of {title}: rows are time steps t = 0 to {steps - 1}, columns {xlabel} = 0 to {width - 1}; "
        f"colours from blue (negative) through white (0) to red (positive), "
        f"values from {float(tensor.min()):.2f} to {float(tensor.max()):.2f}."
    )
    if split is not None:
        description += (
            f" The forward direction fills {_columns(0, split - 1)}, the backward one {_columns(split, width - 1)}."
        )
    return finish_figure(fig, description)


def _number(value: float, metric: str = "acc") -> str:
    """An accuracy with 2 decimals; any other quantity (a loss) with 3 significant digits."""
    return f"{value:.2f}" if metric == "acc" else f"{value:.3g}"


def describe_trend(values: Sequence[float], positions: Sequence[int], metric: str = "acc", where: str = "epoch") -> str:
    """A curve in words: "rises from 0.55 to 0.94", "falls from 1.21 to 0.31" or "stays near 0.45", then its
    best point (highest accuracy, lowest anything else) where that is not the end.

    A change below 2% of the curve's scale (at least 0.02) counts as staying.
    """
    values = [float(v) for v in values]
    if not values or len(values) != len(positions):
        raise ValueError(f"need one position per value and at least one value, got {len(values)} and {len(positions)}")
    first, last = values[0], values[-1]
    if len(values) == 1:
        return f"is {_number(first, metric)} at {where} {positions[0]}"
    tolerance = 0.02 * max(1.0, abs(first), abs(last))
    if abs(last - first) < tolerance:
        words = f"stays near {_number(last, metric)}"
    else:
        words = f"{'rises' if last > first else 'falls'} from {_number(first, metric)} to {_number(last, metric)}"
    best = max(range(len(values)), key=lambda i: values[i] if metric == "acc" else -values[i])
    if abs(values[best] - last) >= tolerance:
        words += f", best {_number(values[best], metric)} at {where} {positions[best]}"
    return words


def _history_description(runs: dict, metrics: Sequence[str]) -> str:
    """The training curves in words: per metric, how each run's validation curve (else its train curve) goes."""
    lengths = sorted({len(history.rows) for history in runs.values()})
    span = f"{lengths[0]}" if len(lengths) == 1 else f"{lengths[0]} to {lengths[-1]}"
    sentences = [
        f"Training curves over {span} epoch{'s' if lengths[-1] > 1 else ''}, train solid and validation dashed."
    ]
    for metric in metrics:
        parts = []
        for name, history in runs.items():
            validation = history.column(f"val_{metric}")
            split, values = (
                ("validation", validation)
                if all(v is not None for v in validation)
                else ("train", history.column(f"train_{metric}"))
            )
            trend = describe_trend(values, history.column("epoch"), metric)
            parts.append(f"{name} {split} {trend}" if name else f"{split} {trend}")
        sentences.append(f"{METRIC_TITLES[metric]}: {'; '.join(parts)}.")
    return " ".join(sentences)


def _steps_summary(values: Sequence[float]) -> str:
    """Accuracies per step in words: their range, naming up to 3 steps more than 0.1 away from the median."""
    values = [float(v) for v in values]
    centre = statistics.median(values)
    apart = [t for t, v in enumerate(values) if abs(v - centre) > 0.1]

    def span(some: list[float]) -> str:
        low, high = _number(min(some)), _number(max(some))
        return low if low == high else f"between {low} and {high}"

    if not apart:
        return f"{span(values)} at every step"
    if len(apart) <= 3:
        named = ", ".join(f"{_number(values[t])} at step {t}" for t in apart)
        return f"{named}, {span([v for t, v in enumerate(values) if t not in apart])} at the other steps"
    low = min(range(len(values)), key=values.__getitem__)
    high = max(range(len(values)), key=values.__getitem__)
    return (
        f"{_number(values[0])} at step 0, {_number(values[-1])} at step {len(values) - 1}, "
        f"lowest {_number(values[low])} at step {low}, highest {_number(values[high])} at step {high}"
    )


def _confusion_description(counts: torch.Tensor, names: list[str]) -> str:
    """A confusion matrix in words: the examples on the diagonal and the three most frequent mistakes."""
    n, total, correct = counts.shape[0], int(counts.sum()), int(counts.diag().sum())
    share = f" ({correct / total:.0%})" if total else ""
    text = (
        f"Confusion matrix of {n} classes ({', '.join(names)}) over {total} examples, rows the true class and "
        f"columns the predicted one: {correct}{share} on the diagonal, predicted correctly."
    )
    mistakes = sorted(
        ((int(counts[i, j]), i, j) for i in range(n) for j in range(n) if i != j and counts[i, j] > 0),
        key=lambda mistake: (-mistake[0], mistake[1], mistake[2]),
    )
    if not mistakes:
        return text + " No mistakes."
    named = ", ".join(
        f"true {names[i]} predicted as {names[j]} ({count} time{'s' if count != 1 else ''})"
        for count, i, j in mistakes[:3]
    )
    return f"{text} Most frequent mistakes: {named}."


def _columns(first: int, last: int) -> str:
    """ "columns 0 to 9", or "column 4" for one."""
    return f"column {first}" if first == last else f"columns {first} to {last}"


def _inputs(read: range) -> str:
    """The inputs of a range of steps, e.g. "x_0 to x_4", or "x_9" for one step."""
    first, last = read.start, read.stop - 1
    return f"x_{first}" if first == last else f"x_{first} to x_{last}"


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
        raise TypeError(f"{name} must be a sequence of accuracies (L,), got {describe(values)}") from None
    if values.dim() != 1 or len(values) == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence of accuracies (L,), got {describe(values)}")
    return values.numpy()


def _colours(count):
    return [plt.get_cmap("tab10")(i % 10) for i in range(count)]


def subplots(*args: Any, **kwargs: Any) -> tuple[CourseFigure, Any]:
    """`plt.subplots(...)` making a `CourseFigure`: returns `(fig, axes)` as pyplot does."""
    return plt.subplots(*args, FigureClass=CourseFigure, **kwargs)


def finish_figure(fig: CourseFigure, description: str, tight: bool = True) -> CourseFigure:
    """Give `fig` its description, lay it out (unless `tight=False`), close it in pyplot so a cell shows it
    once, and return it.

    description: what the figure shows, in words, built from the data it draws (its text alternative; see
    `CourseFigure`): a sentence or a few, naming the quantities and the values a reader should take away.
    """
    if not isinstance(fig, CourseFigure):
        raise TypeError(f"fig must be a CourseFigure, made by plots.subplots, got {describe(fig)}")
    if not isinstance(description, str) or not description.strip():
        raise ValueError(
            f"description must be a non-empty str saying what the figure shows, got {describe(description)}"
        )
    fig.description = description
    if tight:
        fig.tight_layout()
    plt.close(fig)
    return fig
