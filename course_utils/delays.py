"""Why not just wait? The alternatives to a bidirectional RNN, compared on one task.

Before bidirectional RNNs, a recurrent model got future context by waiting:
it gave the label of step t only at step t + d, after reading d more steps.
Schuster and Paliwal's paper on bidirectional RNNs (1997) compared that with
a backward-only model, with the average of a forward and a backward model,
and with the bidirectional model, on artificial data. This module rebuilds
that comparison at laptop size.

The data (our own parameters, in the style of the paper's experiment): every
step carries one standard normal input x_t, and the target of step t is a
weighted sum of the inputs in a window reaching `past` steps back and
`future` steps ahead,

    y_t = sum_{k=-past..future} w_k * x_{t+k},   w_k = 1 / sqrt(past + future + 1),

with inputs outside the sequence counting as 0. Equal weights mean every step
of the window carries the same share of the target, and their scale makes
y_t standard normal away from the edges. The regression task predicts y_t;
the classification task predicts its bin among `n_classes` bins of equal
probability under N(0, 1) (2 classes: its sign).

The models, all one label per step `(N, T, C)` (C = 1 for regression), all
usable with `training.train` and `training.evaluate`:

* `DelayedTagger`: a forward-only tagger whose output for step t is read at step t + d;
* `BackwardTagger`: a forward tagger run on the time-reversed sequence;
* `MergedTagger`: the average of a trained forward and a trained backward tagger;
* the bidirectional `models.SequenceTagger`.

`information_limit` computes, exactly, the best score any model can reach
with the inputs it has read, `merge_limit` the best a merge of two one-way
models can reach; `compare_delays` trains them all over several seeds, and
`plot_delay_results` draws the comparison.
"""

from __future__ import annotations

import functools
import html
import math
import statistics
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from .data import make_loaders, step_mask
from .env import seed_everything
from .models import SequenceTagger, count_parameters, one_way_hidden_size
from .plots import _finish, _subplots
from .scratch import _reverse_within_lengths
from .shapes import _check_input
from .training import evaluate, train
from .validation import check_int, check_lengths, check_tensor, describe

TASKS = ("classification", "regression")
DIRECTIONS = ("forward", "backward", "both")


# --- data -----------------------------------------------------------------------------


def window_weights(past=3, future=6) -> torch.Tensor:
    """The weights `(past + future + 1,)` of the target's window; entry i belongs to offset i - past.

    All equal to 1 / sqrt(past + future + 1): their squares sum to 1.
    """
    check_int("past", past, minimum=0)
    check_int("future", future, minimum=0)
    size = past + future + 1
    return torch.full((size,), 1 / math.sqrt(size))


def window_parts(X, past=3, future=6) -> torch.Tensor:
    """The terms of each step's target: `(N, T, past + future + 1)`, entry `[n, t, i]` = w_k * x_{t+k}, k = i - past.

    X is `(N, T, 1)`; inputs outside the sequence count as 0. Summing the last
    axis gives the target; summing part of it gives what a model that has read
    only those steps could know.
    """
    check_tensor("X (N, T, 1)", X, dim=3, floating=True)
    if X.shape[2] != 1:
        raise ValueError(f"X must hold one input per step, shape (N, T, 1), got {describe(X)}")
    weights = window_weights(past, future).to(X.dtype)
    seq_len = X.shape[1]
    padded = F.pad(X[..., 0], (past, future))  # (N, past + T + future): zeros outside the sequence
    # padded[:, t + past + k] is x_{t+k}, so offset k = i - past reads the slice starting at i.
    return torch.stack([padded[:, i : i + seq_len] for i in range(len(weights))], dim=-1) * weights


def window_target(X, past=3, future=6) -> torch.Tensor:
    """The regression target `(N, T)` of inputs `X` `(N, T, 1)`: y_t = sum_{k=-past..future} w_k x_{t+k}."""
    return window_parts(X, past, future).sum(-1)


def class_edges(n_classes=3) -> torch.Tensor:
    """The `n_classes - 1` edges of bins of equal probability under N(0, 1), e.g. (-0.4307, 0.4307) for 3."""
    check_int("n_classes", n_classes, minimum=2)
    return torch.special.ndtri(torch.arange(1, n_classes, dtype=torch.float64) / n_classes).float()


def to_classes(target, n_classes=3) -> torch.Tensor:
    """Bin a real target (any shape) into classes `0..n_classes-1` (int64) by `class_edges`."""
    check_tensor("target", target, floating=True)
    return torch.bucketize(target, class_edges(n_classes).to(target.dtype)).long()


def make_window_data(n_sequences=1000, seq_len=20, past=3, future=6, n_classes=3, seed=0):
    """Make the window task: returns `(X, target, labels)`.

    X float32 `(N, T, 1)` standard normal; target float32 `(N, T)` from
    `window_target` (the regression task); labels int64 `(N, T)` its bins,
    `to_classes(target, n_classes)` (the classification task). With the
    defaults about a third of the labels fall in each class.
    """
    check_int("n_sequences", n_sequences)
    check_int("seq_len", seq_len)
    check_int("seed", seed, minimum=0)
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(n_sequences, seq_len, 1, generator=generator)
    target = window_target(X, past, future)
    return X, target, to_classes(target, n_classes)


# --- the best any model can do -------------------------------------------------------


def information_limit(delay=0, direction="forward", seq_len=20, past=3, future=6, n_classes=3) -> dict:
    """The best expected scores of any model that has read only some of the inputs, exactly.

    direction "forward": the model has read steps up to t + delay when it labels
    step t (a `DelayedTagger`); "backward": steps t to T-1 (delay must be 0);
    "both": everything. Returns `{"acc": ..., "mse": ...}`, each a mean over the
    T positions: the highest accuracy on the classification task and the lowest
    mean squared error on the regression task. The unread part of the window
    is a normal variable independent of what was read, so at each step the best
    guess has error variance equal to the unread weights' squares, and the best
    class is the most likely bin given what was read.
    """
    check_int("delay", delay, minimum=0)
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {describe(direction)}")
    if direction == "backward" and delay:
        raise ValueError(f"a backward model has no delay: pass delay=0 with direction='backward', got {delay}")
    check_int("n_classes", n_classes, minimum=2)
    read_var, unread_var = _split_variance(_reader(direction, past, future, delay), seq_len, past, future)
    acc = sum(
        _best_bin_accuracy(round(float(r), 12), round(float(u), 12), n_classes)  # rounded: equal steps share a cache entry
        for r, u in zip(read_var, unread_var)
    )
    return {"acc": acc / seq_len, "mse": float(unread_var.mean())}


@functools.lru_cache(maxsize=None)
def merge_limit(seq_len=20, past=3, future=6, n_classes=3, n_sequences=20000, seed=0) -> dict:
    """The scores of a `MergedTagger` whose two members are perfect: what averaging itself costs.

    The perfect forward tagger (delay 0) knows, at each step t, the exact
    distribution of the target given x_0 .. x_t; the perfect backward one given
    x_t .. x_{T-1}. Averaging their class probabilities (their predicted
    values, for regression) as `MergedTagger` does gives `{"acc": ..., "mse": ...}`:
    "mse" exactly (the two unread parts, on either side of t, are independent,
    so the error variance is their sum over 4); "acc" estimated on
    `n_sequences` sequences drawn with `seed` (about 0.001 from the exact value).
    """
    check_int("n_sequences", n_sequences)
    X, target, labels = make_window_data(n_sequences, seq_len, past, future, n_classes, seed)
    parts = window_parts(X, past, future).double()  # (N, T, W)
    bounds = torch.cat([torch.tensor([-math.inf]), class_edges(n_classes).double(), torch.tensor([math.inf])])
    probs, unread = 0, 0
    for direction in ("forward", "backward"):
        read = _reader(direction, past, future)
        _, unread_var = _split_variance(read, seq_len, past, future)
        known = parts[..., read].sum(-1)  # (N, T): the perfect prediction of the regression target
        cdf = torch.special.ndtr((bounds - known.unsqueeze(-1)) / unread_var.clamp(min=1e-24).sqrt().unsqueeze(-1))
        probs = probs + (cdf[..., 1:] - cdf[..., :-1]) / 2  # (N, T, C): the average of the two posteriors
        unread = unread + unread_var
    return {"acc": float((probs.argmax(-1) == labels).double().mean()), "mse": float((unread / 4).mean())}


def _reader(direction, past, future, delay=0) -> torch.Tensor:
    """Which offsets k = -past .. future of the window a model has read at step t: bool `(W,)`."""
    offsets = torch.arange(-past, future + 1)
    return {"forward": offsets <= delay, "backward": offsets >= 0, "both": offsets == offsets}[direction]


def _split_variance(read, seq_len, past, future):
    """The target's variance from the read and from the unread inputs at each step: two float64 `(T,)`.

    Offsets that fall outside the sequence hold known zeros: they count as neither.
    """
    check_int("seq_len", seq_len)
    squares = window_weights(past, future).double() ** 2  # (W,)
    steps = torch.arange(seq_len).unsqueeze(1) + torch.arange(-past, future + 1)  # (T, W): t + k
    inside = (steps >= 0) & (steps < seq_len)
    return (squares * (inside & read)).sum(-1), (squares * (inside & ~read)).sum(-1)


@functools.lru_cache(maxsize=None)
def _best_bin_accuracy(read_var, unread_var, n_classes, points=4001) -> float:
    """P(the best guess of the bin is right) for y = S + U with S ~ N(0, read_var) known, U ~ N(0, unread_var) not.

    Cached: the steps away from the sequence's edges all ask the same question.
    """
    if unread_var == 0:
        return 1.0
    read_sd, unread_sd = math.sqrt(read_var), math.sqrt(unread_var)
    edges = class_edges(n_classes).double()
    z = torch.linspace(-8, 8, points, dtype=torch.float64)
    density = torch.exp(-0.5 * z**2)
    density = density / density.sum()  # quadrature weights of S = read_sd * z
    bounds = torch.cat([edges.new_tensor([-math.inf]), edges, edges.new_tensor([math.inf])])
    cdf = torch.special.ndtr((bounds.unsqueeze(0) - read_sd * z.unsqueeze(1)) / unread_sd)  # (points, C + 1)
    best = (cdf[:, 1:] - cdf[:, :-1]).max(dim=1).values  # probability of the most likely bin at each S
    return float((density * best).sum())


# --- models ---------------------------------------------------------------------------


class DelayedTagger(SequenceTagger):
    """A forward-only tagger that answers for step t at step t + delay: x `(N, T, F)` -> `(N, T, C)`.

    The input gets `delay` zero steps appended at the end (after each
    sequence's own last step when `lengths` are given), the forward RNN reads
    all T + delay steps, and the output of step t + delay becomes the output
    for step t. So the answer for step t has read x_0 .. x_{t+delay}: `delay`
    steps of the future, paid for by remembering the past `delay` steps longer.
    delay=0 is the plain forward tagger (the same weights give the same output).
    """

    def __init__(self, input_size, hidden_size, num_classes, delay=0, cell="rnn", num_layers=1, dropout=0.0):
        super().__init__(input_size, hidden_size, num_classes, cell, False, num_layers, dropout)
        self.delay = check_int("delay", delay, minimum=0)

    def forward(self, x, lengths=None):
        _check_input(x, self.rnn.input_size, dtype=self.head.weight.dtype)
        seq_len, delay = x.shape[1], self.delay
        waited = F.pad(x, (0, 0, 0, delay))  # (N, T + delay, F): zero steps at the end
        if lengths is not None:
            lengths = check_lengths(lengths, x.shape[0], seq_len)
            # the zero steps must follow each sequence's own last step, not the batch's padding
            valid = step_mask(lengths, seq_len + delay)  # (N, T + delay)
            waited = waited * valid.unsqueeze(-1).to(waited)
            lengths = lengths + delay
        return super().forward(waited, lengths)[:, delay:]  # (N, T, C): step t read at t + delay

    def extra_repr(self) -> str:
        return f"delay={self.delay}"


class BackwardTagger(SequenceTagger):
    """A backward-only tagger: x `(N, T, F)` -> `(N, T, C)`, the output for step t has read x_t .. x_{T-1}.

    It is a forward tagger run on each sequence reversed (within its own
    length when `lengths` are given), with the outputs reversed back so that
    output t belongs to step t.
    """

    def __init__(self, input_size, hidden_size, num_classes, cell="rnn", num_layers=1, dropout=0.0):
        super().__init__(input_size, hidden_size, num_classes, cell, False, num_layers, dropout)

    def forward(self, x, lengths=None):
        _check_input(x, self.rnn.input_size, dtype=self.head.weight.dtype)
        full = torch.full((x.shape[0],), x.shape[1], dtype=torch.int64)
        steps = full if lengths is None else check_lengths(lengths, x.shape[0], x.shape[1])
        output = super().forward(_reverse_within_lengths(x, steps), lengths)  # (N, T, C), reversed order
        return _reverse_within_lengths(output, steps)


class MergedTagger(nn.Module):
    """The average of two separately trained taggers (a forward and a backward one): x `(N, T, F)` -> `(N, T, C)`.

    average="probabilities" (classification): the class probabilities of the
    two are averaged, p = (softmax(a) + softmax(b)) / 2, and the model returns
    log p. Log-probabilities are valid logits: softmax(log p) = p, and argmax
    and `cross_entropy` give the same as for any logits with those
    probabilities, so `evaluate` and `predict` work unchanged.
    average="outputs" (regression, one value per step): the plain mean (a + b) / 2.
    It is meant to be evaluated, not trained: the members are trained first, on their own.
    """

    AVERAGES = ("probabilities", "outputs")

    def __init__(self, forward_tagger, backward_tagger, average="probabilities"):
        super().__init__()
        for name, member in (("forward_tagger", forward_tagger), ("backward_tagger", backward_tagger)):
            if not isinstance(member, nn.Module):
                raise TypeError(f"{name} must be a torch.nn.Module (a trained tagger), got {describe(member)}")
        if average not in self.AVERAGES:
            raise ValueError(f"average must be one of {self.AVERAGES}, got {describe(average)}")
        self.forward_tagger, self.backward_tagger, self.average = forward_tagger, backward_tagger, average

    def forward(self, x, lengths=None):
        a, b = (m(x) if lengths is None else m(x, lengths) for m in (self.forward_tagger, self.backward_tagger))
        if a.shape != b.shape:
            raise ValueError(f"the two taggers disagree on the output shape: {tuple(a.shape)} and {tuple(b.shape)}")
        if self.average == "outputs":
            return (a + b) / 2
        if a.shape[-1] < 2:
            raise ValueError(
                "average='probabilities' needs class scores (C >= 2) but the taggers return one value per step: "
                "for regression use average='outputs'"
            )
        # log((p_a + p_b) / 2), computed stably from the log-probabilities
        return torch.logaddexp(a.log_softmax(-1), b.log_softmax(-1)) - math.log(2)

    def extra_repr(self) -> str:
        return f"average={self.average!r}"


# --- the experiment -------------------------------------------------------------------


@dataclass
class DelayResults:
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

    def scores(self, model, delay=None) -> list[float]:
        """The scores of one model (one per seed, in seed order), e.g. `scores("forward", delay=4)`."""
        found = [r["score"] for r in self.records if r["model"] == model and r["delay"] == delay]
        if not found:
            raise ValueError(f"no results for model={model!r}, delay={delay!r}")
        return found

    def mean(self, model, delay=None) -> float:
        """Mean score of one model over the seeds."""
        return statistics.fmean(self.scores(model, delay))

    def std(self, model, delay=None) -> float:
        """Sample standard deviation of one model's scores over the seeds (0 for one seed)."""
        values = self.scores(model, delay)
        return statistics.stdev(values) if len(values) > 1 else 0.0

    def best_delay(self) -> int:
        """The delay whose forward model has the best mean score (highest accuracy, lowest MSE)."""
        sign = 1 if self.metric == "acc" else -1
        return max(self.delays, key=lambda d: sign * self.mean("forward", d))

    def limit(self, model, delay=None):
        """The best score possible for one model on this data: `information_limit`, or `merge_limit` for "merged"."""
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
                "model": model, "delay": delay, "parameters": sizes[model, delay],
                "mean": self.mean(model, delay), "std": self.std(model, delay),
                "scores": self.scores(model, delay), "limit": self.limit(model, delay),
            }
            for model, delay in keys
        ]

    def seeds(self) -> list[int]:
        """The seeds, in the order they were run (the order of every `scores` list)."""
        return list(dict.fromkeys(r["seed"] for r in self.records))

    def head_to_head(self) -> str:
        """One line per seed: the bidirectional score against that seed's best forward delay."""
        accuracy = self.metric == "acc"
        lines = []
        for i, seed in enumerate(self.seeds()):
            forward = {d: self.scores("forward", d)[i] for d in self.delays}
            best = (max if accuracy else min)(forward, key=forward.get)
            both = self.scores("bidirectional")[i]
            wins = both > forward[best] if accuracy else both < forward[best]
            lines.append(
                f"seed {seed}: bidirectional {both:.4f}, best forward delay d={best} {forward[best]:.4f}: "
                + ("bidirectional better" if wins else "the delay is as good or better")
            )
        return "\n".join(lines)

    def _cells(self) -> tuple[list[str], list[list[str]]]:
        seeds = self.seeds()
        name = "accuracy" if self.metric == "acc" else "MSE"
        header = ["model", "delay", "params", f"{name} mean ± std", *[f"seed {s}" for s in seeds], "best possible"]
        body = [
            [
                row["model"], "-" if row["delay"] is None else str(row["delay"]), str(row["parameters"]),
                f"{row['mean']:.4f} ± {row['std']:.4f}", *[f"{v:.4f}" for v in row["scores"]],
                f"{row['limit']:.4f}",
            ]
            for row in self.rows()
        ]
        return header, body

    def to_text(self) -> str:
        """A fixed-width table, one line per model (validation scores)."""
        header, body = self._cells()
        widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
        lines = [header, *body]
        return "\n".join(
            "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths)))
            .rstrip()
            for line in lines
        )

    __repr__ = __str__ = to_text

    def _repr_html_(self) -> str:
        header, body = self._cells()
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in line) + "</tr>" for line in body)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def compare_delays(
    delays=(0, 2, 4, 6, 8, 10),
    seeds=(0, 1, 2),
    task="classification",
    hidden_size=8,
    cell="rnn",
    epochs=5,
    lr=0.03,
    batch_size=32,
    progress=True,
    **data_kwargs,
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

            def fit(build, **record):
                seed_everything(seed)
                model = build()
                train(model, *loaders, epochs=epochs, lr=lr, device="cpu", progress=False, seed=seed, loss=loss)
                _record(results, model, loaders[1], loss, seed=seed, **record)
                bar.update(1)
                return model

            for delay in sorted(set(delays)):
                model = fit(lambda: DelayedTagger(1, one_way, outputs, delay, cell), model="forward", delay=delay)
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
        {"delay": None, **record, "parameters": count_parameters(trained),
         "score": scores["loss"] if loss == "mse" else scores["acc"]}
    )


# --- the figure -----------------------------------------------------------------------

OTHER_MODELS = {"backward": "tab:orange", "merged": "tab:purple", "bidirectional": "tab:green"}


def plot_delay_results(results, show_limit=True):
    """Score against the output delay d: forward models as points with error bars (mean ± std over
    seeds), the backward, merged and bidirectional models as horizontal lines with a band of ± std.

    show_limit: also draw, dashed, `information_limit` of the forward models (grey): what a
    model that has read up to step t + d could reach at best, and `merge_limit` (purple): what
    averaging two perfect one-way models reaches. Returns the Figure.
    """
    if not isinstance(results, DelayResults) or not results.records:
        raise TypeError(f"results must be a DelayResults from compare_delays, got {describe(results)}")
    delays = results.delays
    fig, ax = _subplots(figsize=(9.5, 4.4))
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
        handles.append(ax.axhline(results.limit("merged"), color=OTHER_MODELS["merged"], linestyle="--",
                                  linewidth=1.2, label="best possible, merge of perfect members"))
    accuracy = results.metric == "acc"
    past, future = results.data["past"], results.data["future"]
    ax.axvline(future, color="black", linestyle=":", linewidth=1)
    ax.text(future, 1.01, f"d = {future}: window covered", transform=ax.get_xaxis_transform(),
            ha="center", va="bottom", fontsize="small")
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
    return _finish(fig)
