"""Lesson 07's figures: how long the utterances are, and what a few of them look like."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from matplotlib.figure import Figure

from ...plots import finish_figure, subplots
from ...tensors import check_lengths
from ...validation import describe
from .recordings import check_series


def plot_lengths(lengths_by_split: dict[str, torch.Tensor | Sequence[int]]) -> Figure:
    """Bar chart of how many utterances have each length, one colour per split.

    lengths_by_split: dict name -> lengths (a list or 1-D int tensor), e.g.
    `{"train": ..., "test": ...}`. Returns the Figure (closed in pyplot, like
    every figure of `course_utils.plots`).
    """
    if not isinstance(lengths_by_split, dict) or not lengths_by_split:
        raise TypeError(f"lengths_by_split must be a non-empty dict name -> lengths, got {describe(lengths_by_split)}")
    counts = {}
    for name, lengths in lengths_by_split.items():
        counts[name] = check_lengths(torch.as_tensor(lengths)).bincount()
    longest = max(len(c) for c in counts.values())
    width = 0.8 / len(counts)
    fig, ax = subplots(figsize=(8, 3.6))
    for index, (name, count) in enumerate(counts.items()):
        steps = torch.arange(len(count))
        shown = count > 0
        offset = (index - (len(counts) - 1) / 2) * width
        ax.bar(
            (steps[shown] + offset).numpy(),
            count[shown].numpy(),
            width=width,
            label=f"{name} ({int(count.sum())} utterances)",
        )
    ax.set(title="Utterance lengths", xlabel="length (frames)", ylabel="utterances", xticks=range(0, longest, 2))
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize="small")
    return finish_figure(
        fig, f"Utterance lengths in frames, one bar per length and split: {_lengths_in_words(counts)}."
    )


def _lengths_in_words(counts: dict[str, torch.Tensor]) -> str:
    """Per split: how many utterances, the shortest and longest, and the most common length."""
    parts = []
    for name, count in counts.items():
        lengths = count.nonzero().flatten()
        shortest, longest = int(lengths.min()), int(lengths.max())
        span = f"{shortest}" if shortest == longest else f"{shortest} to {longest}"
        common = int(count.argmax())  # the shortest of the most common lengths
        parts.append(
            f"{name} {int(count.sum())} utterances of {span} frames, "
            f"most often {common} ({int(count[common])} utterances)"
        )
    return "; ".join(parts)


def plot_utterances(series: Sequence[torch.Tensor], titles: Sequence[str]) -> Figure:
    """A row of heat maps, one per utterance `(L_i, H_in)`: frames down, coefficients across.

    All maps share one colour scale centred on 0 (blue negative, red
    positive), so they can be compared; titles: one string per utterance.
    """
    series = check_series(series)
    if not isinstance(titles, (list, tuple)) or len(titles) != len(series):
        raise ValueError(f"titles must be a list of {len(series)} strings, one per utterance, got {describe(titles)}")
    limit = max(float(s.abs().max()) for s in series) or 1.0
    longest = max(s.shape[0] for s in series)
    fig, axes = subplots(
        1, len(series), figsize=(2.1 * len(series) + 1.2, 0.16 * longest + 1.8), sharey=True, squeeze=False
    )
    for ax, utterance, title in zip(axes[0], series, titles):
        image = ax.imshow(
            utterance.detach().cpu().numpy(),
            cmap="RdBu_r",
            vmin=-limit,
            vmax=limit,
            aspect="auto",
            extent=(-0.5, utterance.shape[1] - 0.5, utterance.shape[0] - 0.5, -0.5),
        )
        ax.set(
            title=str(title), xlabel="coefficient", xticks=range(0, utterance.shape[1], 3), ylim=(longest - 0.5, -0.5)
        )
    axes[0][0].set_ylabel("frame t")
    fig.colorbar(image, ax=list(axes[0]), label="value", fraction=0.04)
    description = (
        f"{len(series)} utterances as heat maps, frames t down and {series[0].shape[1]} coefficients across, on one "
        f"colour scale from blue (negative) through white (0) to red (positive): "
        + "; ".join(f"{title}, {utterance.shape[0]} frames" for utterance, title in zip(series, titles))
        + "."
    )
    return finish_figure(fig, description, tight=False)  # tight_layout would fight the colorbar shared by every map
