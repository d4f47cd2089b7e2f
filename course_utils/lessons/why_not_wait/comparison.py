"""The comparison: every model of the lesson trained over several seeds, its results table and its figure."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from tqdm.auto import tqdm

from ...data import make_loaders
from ...env import seed_everything
from ...models import SequenceTagger, count_parameters, one_way_hidden_size
from ...plots import CourseFigure, describe_trend, finish_figure, subplots
from ...tables import TableView
from ...training import evaluate, train
from ...validation import describe
from .taggers import BackwardTagger, DelayedTagger, MergedTagger
from .window import information_limit, make_window_data, merge_limit

TASKS = ("classification", "regression")
# The merged row's last column is not a best possible like the others' (issue 15, item 10).
MERGE_FOOTNOTE = "* merged: two members each perfect alone, averaged; not a bound on every merge"


@dataclass(repr=False)  # repr: the table's text form (TableView)
class DelayResults(TableView):
    """Validation scores of every model and seed from `compare_delays`.

    `records`: one dict per model and seed with keys `model` ("forward",
    "backward", "merged", "bidirectional"), `delay` (an int for forward models,
    else None), `seed`, `parameters`, `score`: accuracy for classification,
    mean squared error for regression. `data`: the arguments of
    `make_window_data` used, for `limit`. Text via `str()`, HTML via `_repr_html_`.
    """

    task: str
    records: list = field(default_factory=list)
    data: dict = field(default_factory=dict)

    @property
    def metric(self) -> str:
        """ "acc" for classification, "mse" for regression."""
        return "acc" if self.task == "classification" else "mse"

    @property
    def delays(self) -> list[int]:
        """The delays of the forward models, in increasing order."""
        return sorted({r["delay"] for r in self.records if r["model"] == "forward"})

    def scores(self, model: str, delay: int | None = None) -> list[float]:
        """The scores of one model (one per seed, in seed order), e.g. `scores("forward", delay=4)`."""
        found = [r["score"] for r in self.records if r["model"] == model and r["delay"] == delay]
        if not found:
            raise ValueError(f"no results for model={model!r}, delay={delay!r}")
        return found

    def mean(self, model: str, delay: int | None = None) -> float:
        """Mean score of one model over the seeds."""
        return statistics.fmean(self.scores(model, delay))

    def std(self, model: str, delay: int | None = None) -> float:
        """Sample standard deviation of one model's scores over the seeds (0 for one seed)."""
        values = self.scores(model, delay)
        return statistics.stdev(values) if len(values) > 1 else 0.0

    def best_delay(self) -> int:
        """The delay whose forward model has the best mean score (highest accuracy, lowest MSE)."""
        sign = 1 if self.metric == "acc" else -1
        return max(self.delays, key=lambda d: sign * self.mean("forward", d))

    def limit(self, model: str, delay: int | None = None) -> float:
        """The table's last column for one model: `information_limit` (the best score possible with what it
        has read), or for "merged" `merge_limit` (two members each perfect alone, averaged: not a bound)."""
        if model == "merged":
            return merge_limit(**self.data)[self.metric]
        direction = {"forward": "forward", "backward": "backward", "bidirectional": "both"}[model]
        return information_limit(delay or 0, direction, **self.data)[self.metric]

    def rows(self) -> list[dict]:
        """One summary row per model: name, delay, parameters, mean, std, per-seed scores, limit."""
        keys = [("forward", d) for d in self.delays] + [(m, None) for m in ("backward", "merged", "bidirectional")]
        sizes = {(r["model"], r["delay"]): r["parameters"] for r in self.records}
        return [
            {
                "model": model,
                "delay": delay,
                "parameters": sizes[model, delay],
                "mean": self.mean(model, delay),
                "std": self.std(model, delay),
                "scores": self.scores(model, delay),
                "limit": self.limit(model, delay),
            }
            for model, delay in keys
        ]

    def seeds(self) -> list[int]:
        """The seeds, in the order they were run (the order of every `scores` list)."""
        return list(dict.fromkeys(r["seed"] for r in self.records))

    def seed_by_seed(self) -> list[dict]:
        """One dict per seed: the bidirectional score against the best forward delay of that seed.

        Keys: `seed`, `bidirectional` (its score), `delay` (that seed's best delay),
        `delay_score`, and `margin`: how much better the bidirectional tagger did
        (higher accuracy, or lower MSE), negative when the delay did better.
        """
        sign = 1 if self.metric == "acc" else -1
        rows = []
        for i, seed in enumerate(self.seeds()):
            forward = {d: self.scores("forward", d)[i] for d in self.delays}
            best = max(forward, key=lambda d: sign * forward[d])
            both = self.scores("bidirectional")[i]
            rows.append(
                {
                    "seed": seed,
                    "bidirectional": both,
                    "delay": best,
                    "delay_score": forward[best],
                    "margin": sign * (both - forward[best]),
                }
            )
        return rows

    def head_to_head(self) -> str:
        """One line per seed: the bidirectional score against that seed's best forward delay."""
        return "\n".join(
            f"seed {row['seed']}: bidirectional {row['bidirectional']:.4f}, best forward delay d={row['delay']} "
            f"{row['delay_score']:.4f}: "
            + ("bidirectional better" if row["margin"] > 0 else "the delay is as good or better")
            for row in self.seed_by_seed()
        )

    def table_cells(self) -> tuple[list[str], list[list[str]]]:
        """One row per model (validation scores, mean and per seed), then the best possible score."""
        seeds = self.seeds()
        name = "accuracy" if self.metric == "acc" else "MSE"
        header = ["model", "delay", "params", f"{name} mean ± std", *[f"seed {s}" for s in seeds], "best possible"]
        body = [
            [
                row["model"],
                "-" if row["delay"] is None else str(row["delay"]),
                str(row["parameters"]),
                f"{row['mean']:.4f} ± {row['std']:.4f}",
                *[f"{v:.4f}" for v in row["scores"]],
                f"{row['limit']:.4f}" + ("*" if row["model"] == "merged" else " "),
            ]
            for row in self.rows()
        ]
        return header, body

    def text_align(self, columns: int) -> list[str]:
        return ["<"] + [">"] * (columns - 1)

    def footnote(self) -> str:
        return MERGE_FOOTNOTE


def compare_delays(
    delays: Sequence[int] = (0, 2, 4, 6, 8, 10),
    seeds: Sequence[int] = (0, 1, 2),
    task: str = "classification",
    hidden_size: int = 8,
    cell: str = "rnn",
    epochs: int = 5,
    lr: float = 0.03,
    batch_size: int = 32,
    progress: bool = True,
    **data_kwargs: Any,
) -> DelayResults:
    """Train every model of the comparison on the window task, for each seed; return their validation scores.

    Per seed: `make_window_data(seed=seed, **data_kwargs)` split 80/20 by
    `make_loaders`; a bidirectional `SequenceTagger` with `hidden_size` units per
    direction; one-way taggers (a `DelayedTagger` for each delay, a
    `BackwardTagger`) with `one_way_hidden_size` units, so about the same
    number of parameters; and the `MergedTagger` of the delay-0 forward tagger
    and the backward one (not trained further; it has both members' parameters).
    Every model is trained by `train(..., seed=seed)` from weights drawn after
    `seed_everything(seed)`, on the CPU (these tiny models run faster there).
    task: "classification" (cross entropy, scored by accuracy) or "regression"
    (`loss="mse"`, one output per step, scored by mean squared error).
    progress: one bar over all the training runs.
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {describe(task)}")
    if isinstance(delays, (str, bytes)) or not all(isinstance(d, int) and d >= 0 for d in delays) or 0 not in delays:
        raise ValueError(
            f"delays must be ints >= 0 including 0 (the merged model uses the delay-0 forward tagger), got {delays!r}"
        )
    if isinstance(seeds, (str, bytes)) or not seeds:
        raise ValueError(f"seeds must be a non-empty sequence of ints, got {describe(seeds)}")
    regression = task == "regression"
    loss = "mse" if regression else "cross_entropy"
    data = {"seq_len": 20, "past": 3, "future": 6, "n_classes": 3, **data_kwargs}
    outputs = 1 if regression else data["n_classes"]
    one_way = one_way_hidden_size(hidden_size, 1, outputs, cell)
    results = DelayResults(task=task, data={k: data[k] for k in ("seq_len", "past", "future", "n_classes")})
    runs = len(seeds) * (len(set(delays)) + 2)
    with tqdm(total=runs, desc=task, unit="run", disable=not progress) as bar:
        for seed in seeds:
            X, target, labels = make_window_data(seed=seed, **data)
            loaders = make_loaders(X, target if regression else labels, batch_size=batch_size, seed=seed)

            # fit trains and scores one model of this seed, at once: the loop variables it reads are current
            def fit(build, **record):
                seed_everything(seed)  # noqa: B023
                model = build()
                train(model, *loaders, epochs=epochs, lr=lr, progress=False, seed=seed, loss=loss)  # noqa: B023
                _record(results, model, loaders[1], loss, seed=seed, **record)  # noqa: B023
                bar.update(1)
                return model

            for delay in sorted(set(delays)):
                model = fit(partial(DelayedTagger, 1, one_way, outputs, delay, cell), model="forward", delay=delay)
                if delay == 0:
                    forward = model
            backward = fit(lambda: BackwardTagger(1, one_way, outputs, cell), model="backward")
            merged = MergedTagger(forward, backward, average="outputs" if regression else "probabilities")
            _record(results, merged, loaders[1], loss, seed=seed, model="merged")
            fit(lambda: SequenceTagger(1, hidden_size, outputs, cell), model="bidirectional")
    return results


def _record(results, trained, val_loader, loss, **record) -> None:
    """Score the `trained` model on the validation loader and append its record to `results`."""
    scores = evaluate(trained, val_loader, loss=loss)
    results.records.append(
        {
            "delay": None,
            **record,
            "parameters": count_parameters(trained),
            "score": scores["loss"] if loss == "mse" else scores["acc"],
        }
    )


OTHER_MODELS = {"backward": "tab:orange", "merged": "tab:purple", "bidirectional": "tab:green"}


def plot_delay_results(results: DelayResults, show_limit: bool = True) -> CourseFigure:
    """Score against the output delay d: forward models as points with error bars (mean ± std over
    seeds), the backward, merged and bidirectional models as horizontal lines with a band of ± std.

    show_limit: also draw, dashed, `information_limit` of the forward models (grey): what a
    model that has read up to step t + d could reach at best, and `merge_limit` (purple): what
    averaging two one-way models that are each perfect alone reaches (members trained for the
    average can do better, so it is no bound). Returns the Figure.
    """
    if not isinstance(results, DelayResults) or not results.records:
        raise TypeError(f"results must be a DelayResults from compare_delays, got {describe(results)}")
    delays = results.delays
    fig, ax = subplots(figsize=(9.5, 4.4))
    means = [results.mean("forward", d) for d in delays]
    stds = [results.std("forward", d) for d in delays]
    handles = [ax.errorbar(delays, means, yerr=stds, fmt="-o", color="tab:blue", capsize=4, label="forward, delay d")]
    for model, colour in OTHER_MODELS.items():
        mean, std = results.mean(model), results.std(model)
        handles.append(ax.axhline(mean, color=colour, linewidth=2, label=f"{model} ({mean:.3f})"))
        ax.axhspan(mean - std, mean + std, color=colour, alpha=0.15, linewidth=0)
    if show_limit:
        limits = [results.limit("forward", d) for d in delays]
        handles += ax.plot(delays, limits, "--", color="grey", label="best possible, forward reading up to t + d")
        handles.append(
            ax.axhline(
                results.limit("merged"),
                color=OTHER_MODELS["merged"],
                linestyle="--",
                linewidth=1.2,
                label="perfect members averaged (not a bound)",
            )
        )
    accuracy = results.metric == "acc"
    past, future = results.data["past"], results.data["future"]
    ax.axvline(future, color="black", linestyle=":", linewidth=1)
    ax.text(
        future,
        1.01,
        f"d = {future}: window covered",
        transform=ax.get_xaxis_transform(),
        ha="center",
        va="bottom",
        fontsize="small",
    )
    ax.set(
        xlabel="output delay d (steps)",
        ylabel="validation accuracy" if accuracy else "validation MSE (lower is better)",
        xticks=delays,
    )
    ax.set_title(
        f"{results.task.capitalize()}: target window t-{past} .. t+{future}, "
        f"mean ± std over {len(results.seeds())} seeds",
        pad=16,
    )
    ax.grid(alpha=0.3)
    ax.legend(handles=handles, fontsize="small", loc="center left", bbox_to_anchor=(1.01, 0.5))
    return finish_figure(fig, _delay_description(results, means, show_limit))


def _delay_description(results: DelayResults, means: list[float], show_limit: bool) -> str:
    """The delay figure in words: the forward curve over the delays, the other models' lines, the limits."""
    metric, delays = results.metric, results.delays
    score = "validation accuracy" if metric == "acc" else "validation MSE (lower is better)"
    others = ", ".join(f"{model} {results.mean(model):.3f}" for model in OTHER_MODELS)
    text = (
        f"{results.task.capitalize()} with target window t-{results.data['past']} .. t+{results.data['future']}: "
        f"{score} against the output delay d = {delays[0]} to {delays[-1]}, mean over {len(results.seeds())} seeds. "
        f"Forward with delay d: {describe_trend(means, delays, metric, where='d =')}. "
        f"Horizontal lines: {others}."
    )
    if show_limit:
        limits = [results.limit("forward", d) for d in delays]
        text += (
            f" Dashed, the best possible for a forward model reading up to t + d: "
            f"{describe_trend(limits, delays, metric, where='d =')}. "
            f"Dashed purple, two one-way members each perfect alone, averaged (not a bound on every merge): "
            f"{results.limit('merged'):.3f}."
        )
    return text
