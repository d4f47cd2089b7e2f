"""How fast each way of batching variable lengths trains on a CPU, and how exact it is.

`time_packed_vs_padded` times packing against padding every sequence to the
longest on one batch: a forward pass and a training step.

`BatchingComparison` trains one epoch of a bidirectional LSTM tagger over the
same data in each way of `BATCHINGS`: padding every batch to the data's
longest sequence or to the batch's own longest, packing, or running each
direction within each sequence's length (`bidirectional.run_within_lengths`),
on random batches or on batches of similar lengths
(`samplers.LengthGroupedBatchSampler`). It times the epochs (interleaved, so
that a busy machine slows every contender alike) and measures, in float64,
how far each way's outputs are from running every sequence alone.
`batching_table` prints the result; the benchmark (`tools/bench.py`) adds
peak memory.

Everything is batch-first: x `(N, L, H_in)`, lengths `(N,)`.
"""

from __future__ import annotations

import copy
import math
import statistics
import time
from collections.abc import Callable, Sequence
from functools import partial

import torch
import torch.nn.functional as F

from ...bidirectional import run_within_lengths
from ...data import count_on_neighbours
from ...env import seed_everything
from ...models import SequenceTagger, pack_batch, unpack_batch
from ...samplers import LengthGroupedBatchSampler
from ...tables import text_table
from ...tensors import PAD_LABEL, step_mask
from ...validation import check_choice, check_int
from .alone import run_each_alone

# name -> (how the LSTM runs, which batches, padded length): the table and the exact method
BATCHINGS = {
    "pad every batch to the longest sequence, random batches": ("padded", "random", "data"),
    "pad to the batch's longest, random batches": ("padded", "random", "batch"),
    "packed, random batches": ("packed", "random", "batch"),
    "pad to the batch's longest, similar lengths": ("padded", "similar", "batch"),
    "packed, similar lengths": ("packed", "similar", "batch"),
    "exact method, similar lengths": ("within lengths", "similar", "batch"),
    "exact method with an exact c_n, similar lengths": ("within lengths, c_n", "similar", "batch"),
    "exact method, random batches": ("within lengths", "random", "batch"),
}
REFERENCE = "packed, random batches"  # the ratios' denominator: the textbook way


def log_uniform_lengths(n_sequences: int, max_len: int, generator: torch.Generator) -> torch.Tensor:
    """`(n,)` int64 lengths, log-uniform in `[1, max_len]` (most short, a few long), the first `max_len`."""
    lengths = (torch.rand(n_sequences, generator=generator) * math.log(max_len)).exp().round().long()
    lengths = lengths.clamp(1, max_len)
    lengths[0] = max_len
    return lengths


def time_packed_vs_padded(
    n_sequences: int = 128, max_len: int = 200, hidden_size: int = 128, repeats: int = 5, seed: int = 0
) -> dict:
    """Packed vs padded-to-max bidirectional LSTM tagger on one batch of widely varying lengths.

    Lengths are log-uniform between 1 and `max_len` (most sequences short, a
    few long; the first is `max_len`): the wide spread where packing should
    pay, as padding makes every sequence cost `max_len` steps. Times a forward pass without gradients
    and a training step (forward + backward), each the median of `repeats`. The
    exactness check runs in float64: the largest difference, over all valid
    steps, between each way and running every sequence alone.
    Returns `{"max_len", "mean_length", "forward": {...}, "training_step": {...}, "packed_error", "padded_error"}`.
    """
    generator = torch.Generator().manual_seed(seed)
    lengths = log_uniform_lengths(n_sequences, max_len, generator)
    X = torch.randn(n_sequences, max_len, 8, generator=generator) * step_mask(lengths, max_len).unsqueeze(-1)
    seed_everything(seed)
    model = SequenceTagger(8, hidden_size, 5, cell="lstm")

    def forward(way):
        with torch.no_grad():
            tagger_logits(model, X, lengths, way)

    def training_step(way):
        model.zero_grad()
        tagger_logits(model, X, lengths, way).sum().backward()

    timings = {}
    for name, step in (("forward", forward), ("training_step", training_step)):
        times, _ = time_alternately({"packed": partial(step, "packed"), "padded": partial(step, "padded")}, repeats)
        timings[name] = {**times, "ratio": times["packed"] / times["padded"]}
    model = model.double()
    packed_error, padded_error = (_error_to_alone(model, X.double(), lengths, way) for way in ("packed", "padded"))
    return {
        "max_len": max_len,
        "mean_length": float(lengths.float().mean()),
        **timings,
        "packed_error": packed_error,
        "padded_error": padded_error,
    }


WAYS = ("padded", "packed", "within lengths", "within lengths, c_n")


def rnn_output(model: SequenceTagger, x: torch.Tensor, lengths: torch.Tensor, way: str) -> torch.Tensor:
    """The tagger's RNN output `(N, L, D*H_out)` run one of `WAYS`: padded (pads read), packed, or within lengths."""
    check_choice("way", way, WAYS)
    if way == "padded":
        return model.rnn(x)[0]
    if way == "packed":
        return unpack_batch(model.rnn(pack_batch(x, lengths))[0], x.shape[1])[0]
    return run_within_lengths(model.rnn, x, lengths, cell_state=way.endswith("c_n"))[0]


def tagger_logits(model: SequenceTagger, x: torch.Tensor, lengths: torch.Tensor, way: str) -> torch.Tensor:
    """The tagger's logits `(N, L, C)` with its RNN run `way` (see `rnn_output`)."""
    return model.head(model.dropout(rnn_output(model, x, lengths, way)))


class BatchingComparison:
    """One training epoch of a BiLSTM tagger on one data set, batched each way of `BATCHINGS` (or `names`).

    The data: `n_sequences` sequences of 8 features, lengths log-uniform in
    `[1, max_len]`, labelled as in the course's tagging task (5 classes). The
    model: `SequenceTagger(8, hidden_size, 5, cell="lstm")`, Adam (lr 1e-3),
    cross entropy over the valid steps; every epoch starts from the same
    weights. Random batches: one seeded permutation cut into `batch_size`;
    similar lengths: `LengthGroupedBatchSampler`'s epoch 0.
    """

    def __init__(
        self,
        n_sequences: int = 1024,
        max_len: int = 200,
        hidden_size: int = 64,
        batch_size: int = 32,
        seed: int = 0,
        names: Sequence[str] = tuple(BATCHINGS),
    ):
        for name, value in (("n_sequences", n_sequences), ("max_len", max_len), ("hidden_size", hidden_size)):
            check_int(name, value)
        check_int("batch_size", batch_size)
        check_int("seed", seed, minimum=0)
        for name in names:
            check_choice("each name", name, tuple(BATCHINGS))
        self.names = list(names)
        generator = torch.Generator().manual_seed(seed)
        self.lengths = log_uniform_lengths(n_sequences, max_len, generator)
        valid = step_mask(self.lengths, max_len)
        self.X = torch.randn(n_sequences, max_len, 8, generator=generator) * valid.unsqueeze(-1)
        self.y = count_on_neighbours(self.X, self.lengths)
        order = torch.randperm(n_sequences, generator=generator).tolist()
        self.batches = {
            "random": [order[i : i + batch_size] for i in range(0, n_sequences, batch_size)],
            "similar": LengthGroupedBatchSampler(self.lengths, batch_size, seed=seed).batches(0),
        }
        seed_everything(seed)
        self.model = SequenceTagger(8, hidden_size, 5, cell="lstm")
        self.initial = copy.deepcopy(self.model.state_dict())

    def train_epoch(self, name: str) -> None:
        """One epoch of training from the initial weights, batched the way `name` says."""
        way, batches, padded_to = BATCHINGS[check_choice("name", name, tuple(BATCHINGS))]
        self.model.load_state_dict(self.initial)
        optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        for x, y, lengths in self._batches(batches, padded_to, self.X):
            logits = tagger_logits(self.model, x, lengths, way)
            loss = F.cross_entropy(logits.flatten(0, 1), y.flatten(), ignore_index=PAD_LABEL)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    def time_epochs(self, repeats: int = 5) -> dict[str, list[float]]:
        """Seconds of each way's epoch, `repeats` times, the ways alternating; `{name: [seconds, ...]}`."""
        seconds, _ = timed_runs({name: partial(self.train_epoch, name) for name in self.names}, repeats)
        return seconds

    def errors_to_alone(self) -> dict[str, float]:
        """In float64 and from the initial weights: each way's largest |difference| to every sequence run alone.

        Over the RNN's outputs at every valid step, `(N, L, D*H_out)`; packing and
        the exact method should give about 1e-16, padding without packing far more.
        """
        model = copy.deepcopy(self.model).double()
        model.load_state_dict(self.initial)
        X = self.X.double()
        with torch.no_grad():
            alone, _ = run_each_alone(model.rnn, X, self.lengths)
            errors = {}
            for name in self.names:
                way, batches, padded_to = BATCHINGS[name]
                errors[name] = 0.0
                for (x, _, lengths), rows in zip(self._batches(batches, padded_to, X), self.batches[batches]):
                    gap = (rnn_output(model, x, lengths, way) - alone[rows, : x.shape[1]]).abs()
                    valid = step_mask(lengths, x.shape[1]).unsqueeze(-1)
                    errors[name] = max(errors[name], float(gap.masked_fill(~valid, 0.0).max()))
        return errors

    def _batches(self, batches: str, padded_to: str, X: torch.Tensor):
        for rows in self.batches[batches]:
            lengths = self.lengths[rows]
            steps = X.shape[1] if padded_to == "data" else int(lengths.max())
            yield X[rows, :steps], self.y[rows, :steps], lengths


def batching_table(
    seconds: dict[str, list[float]], errors: dict[str, float], peak_mib: dict[str, float] | None = None
) -> str:
    """The comparison as text: per way, the median seconds per epoch, their spread, the speed-up over
    packing random batches, the largest difference to each sequence alone, and peak memory if given."""
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    reference = medians.get(REFERENCE)
    header = ["batching", "s/epoch", "min-max", f"vs {REFERENCE}", "max |diff| alone"]
    header += ["peak MiB"] if peak_mib is not None else []
    rows = []
    for name, median in medians.items():
        speedup = "-" if reference is None else f"{reference / median:.1f}x"
        row = [name, f"{median:.3f}", f"{min(seconds[name]):.2f}-{max(seconds[name]):.2f}", speedup]
        row.append(f"{errors[name]:.1e}")
        if peak_mib is not None:
            row.append("n/a" if peak_mib.get(name) is None else f"{peak_mib[name]:.0f}")
        rows.append(row)
    return text_table(header, rows, align=("<",) + (">",) * (len(header) - 1))


def _error_to_alone(model: SequenceTagger, X: torch.Tensor, lengths: torch.Tensor, way: str) -> float:
    """Largest |difference| of the tagger's logits over valid steps: batch run `way` vs each sequence alone."""
    with torch.no_grad():
        batch = tagger_logits(model, X, lengths, way)
        return max(
            float((batch[n, :length] - model(X[n : n + 1, :length])[0]).abs().max())
            for n, length in enumerate(lengths.tolist())
        )


def timed_runs(
    contenders: dict[str, Callable[[], object]], repeats: int
) -> tuple[dict[str, list[float]], dict[str, object]]:
    """Run each contender `repeats` times, alternating; return (all seconds, last result) by name.

    Alternating the contenders means a busy machine slows them alike.
    """
    check_int("repeats", repeats)
    seconds: dict[str, list[float]] = {name: [] for name in contenders}
    results = {}
    for _ in range(repeats):
        for name, run in contenders.items():
            start = time.perf_counter()
            results[name] = run()
            seconds[name].append(time.perf_counter() - start)
    return seconds, results


def time_alternately(
    contenders: dict[str, Callable[[], object]], repeats: int
) -> tuple[dict[str, float], dict[str, object]]:
    """`timed_runs`, with the median seconds of each contender."""
    seconds, results = timed_runs(contenders, repeats)
    return {name: statistics.median(values) for name, values in seconds.items()}, results
