"""Benchmark of the course's claims, measured in one run: `python -m tools.bench` (or `make bench`).

It prints one table:

* the cost of `training.train` against a minimal hand-written loop doing the same
  work (same seed, same batches, same per-epoch metrics) on the reference
  pipeline, and checks both give the same numbers;
* packed against padded-to-max bidirectional LSTM on one batch whose lengths
  vary widely, timed for a forward pass and for a training step, with how far
  each is from running every sequence alone (packing is exact, padding is not);
* the from-scratch bidirectional RNN against `nn.RNN`;
* validation accuracy of the bidirectional tagger and of a forward-only tagger
  of about the same size, next to the forward-only ceiling;
* peak memory.

Then a second table: one training epoch of a bidirectional LSTM tagger (64
units, batches of 32) over 1024 sequences whose lengths are log-uniform in
1-200, batched each way of `lessons.packing.BATCHINGS` (padded, packed, or run
within lengths by the course's exact method; random batches or similar
lengths), with seconds per epoch, the speed-up over packing random batches,
the largest difference to running each sequence alone (float64) and the peak
memory each epoch adds; its goals; and the exact method's largest difference
to each sequence alone for every cell and 1 or 2 layers.

Between the two, lesson 08's two trainings (`train_capstones`), side by side on
two cores and one after the other, with the bidirectional model's test F1 and
its gap to the forward-only one, against their goals. Last, on Linux, how much
CPU time the hypervisor took from the machine meanwhile (timings on a busy host
vary with it).

Everything runs on the CPU with the course's seeded settings (one torch
thread, see `env.seed_everything`). Timings are the median of a few repeats,
alternating the contenders so that a busy machine slows them alike; the goals
of issue 19 are judged on the fastest repeat, with the median beside it
(`fastest_and_median`).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

import torch
import torch.nn.functional as F

from course_utils.bidirectional import run_within_lengths
from course_utils.data import make_tagging_loaders
from course_utils.env import seed_everything, usable_cpus
from course_utils.lessons.packing import (
    REFERENCE,
    BatchingComparison,
    batching_table,
    log_uniform_lengths,
    run_each_alone,
    time_alternately,
    time_packed_vs_padded,
    timed_runs,
)
from course_utils.lessons.training import accuracy_targets
from course_utils.lessons.word_segmentation import capstone_data, evaluate_segmenter, train_capstones
from course_utils.models import SequenceTagger
from course_utils.tables import text_table
from course_utils.tensors import PAD_LABEL, step_mask
from course_utils.training import train
from tools.memory import fix_allocator_threshold, peak_growth_mib

DEVICE = torch.device("cpu")


def time_train_vs_minimal(epochs=5, repeats=5, n_sequences=1000, seed=0) -> dict:
    """Seconds for `epochs` epochs of the reference pipeline: `train` (with its progress
    bar, drawn into a buffer) against `minimal_loop`, each the median of `repeats` runs.

    Returns `{"train_s", "minimal_s", "ratio", "max_metric_difference"}`; the last
    compares the per-epoch metrics of the two, which should agree.
    """
    train_loader, val_loader = make_tagging_loaders(seed=seed, n_sequences=n_sequences)
    seed_everything(seed)
    model = SequenceTagger(8, 10, 5, cell="rnn")
    initial = {k: v.clone() for k, v in model.state_dict().items()}

    def with_train():
        model.load_state_dict(initial)
        with contextlib.redirect_stderr(io.StringIO()):  # the bar is drawn, but not on screen
            history = train(model, train_loader, val_loader, epochs=epochs, device=DEVICE, seed=seed)
        return [[row[k] for k in ("train_loss", "train_acc", "val_loss", "val_acc")] for row in history.rows]

    def with_minimal_loop():
        model.load_state_dict(initial)
        seed_everything(seed)
        train_loader.generator.manual_seed(seed)  # what train(seed=...) does to the shuffle
        return minimal_loop(model, train_loader, val_loader, epochs=epochs)

    times, results = time_alternately({"train": with_train, "minimal": with_minimal_loop}, repeats)
    with_rows, minimal_rows = results["train"], results["minimal"]
    assert isinstance(with_rows, list) and isinstance(minimal_rows, list)  # for mypy: both return metric rows
    difference = max(abs(a - b) for row_a, row_b in zip(with_rows, minimal_rows) for a, b in zip(row_a, row_b))
    return {
        "train_s": times["train"],
        "minimal_s": times["minimal"],
        "ratio": times["train"] / times["minimal"],
        "max_metric_difference": difference,
    }


def minimal_loop(model, train_loader, val_loader, epochs=5, lr=0.03) -> list[list[float]]:
    """The plainest loop a learner would write for the same job as `train`.

    Adam, cross entropy on `(x, y)` batches, and per epoch the mean train and
    validation loss and accuracy over labelled steps. Returns one
    `[train_loss, train_acc, val_loss, val_acc]` list per epoch.
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    rows = []
    for _ in range(epochs):
        model.train()
        row = []
        for loader, learn in ((train_loader, True), (val_loader, False)):
            total_loss = correct = count = 0
            with torch.set_grad_enabled(learn):
                for x, y in loader:
                    logits = model(x)
                    loss = F.cross_entropy(logits.flatten(0, 1), y.flatten(), ignore_index=PAD_LABEL)
                    if learn:
                        optimizer.zero_grad()
                        loss.backward()
                        optimizer.step()
                    labelled = (y != PAD_LABEL).sum().item()
                    total_loss += loss.item() * labelled
                    correct += (logits.argmax(-1) == y).sum().item()
                    count += labelled
            row += [total_loss / count, correct / count]
            model.eval()
        rows.append(row)
    return rows


def time_scratch_vs_nn(n_sequences=1000, seq_len=10, hidden_size=10, repeats=5, seed=0):
    """Forward pass of `lessons.concept.ScratchBiRNN` against `nn.RNN` with the same weights, both float64.

    Returns `{"scratch_s", "nn_s", "ratio", "max_difference"}`, or None when
    `course_utils.lessons.concept` is not available.
    """
    try:
        from course_utils.lessons.concept import ScratchBiRNN
    except ImportError:
        return None
    seed_everything(seed)
    rnn = torch.nn.RNN(8, hidden_size, batch_first=True, bidirectional=True).double()
    scratch = ScratchBiRNN(8, hidden_size).copy_from(rnn)
    x = torch.randn(n_sequences, seq_len, 8, dtype=torch.float64)
    with torch.no_grad():
        times, outputs = time_alternately({"scratch": lambda: scratch(x)[0], "nn": lambda: rnn(x)[0]}, repeats)
    scratch_out, nn_out = outputs["scratch"], outputs["nn"]
    assert isinstance(scratch_out, torch.Tensor) and isinstance(nn_out, torch.Tensor)  # for mypy: both are outputs
    return {
        "scratch_s": times["scratch"],
        "nn_s": times["nn"],
        "ratio": times["scratch"] / times["nn"],
        "max_difference": float((scratch_out - nn_out).abs().max()),
    }


def peak_memory_mib():
    """Peak resident memory of this process so far, in MiB (None where `resource` is missing, e.g. Windows).

    `resource.getrusage(...).ru_maxrss` is the kernel's high-water mark of the
    whole process, so it includes tensors, which torch allocates outside
    Python's allocator, where `tracemalloc` cannot see them. It also includes
    torch's own libraries, so the baseline after importing torch is printed too.
    """
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux


EXACT, PADDED = "exact method, similar lengths", "pad to the batch's longest, similar lengths"


def compare_batching(repeats=5, memory_rounds=2, **sizes) -> dict:
    """Time, check and measure one epoch of every way of `BATCHINGS` on one data set (`BatchingComparison`).

    Returns `{"seconds": {name: [s, ...]}, "errors": {name: max |diff|}, "peak_mib": {name: MiB or None}}`:
    `repeats` interleaved epochs each, then `memory_rounds` more to measure the
    peak memory an epoch adds (`peak_growth_mib`; the smallest of the rounds).
    The epochs are timed with the allocator as a learner has it; only the
    memory rounds fix its threshold (`fix_allocator_threshold`: every large
    block then costs a fresh mapping, page faults included, which would slow
    every contender by how much it allocates).
    `sizes` go to `BatchingComparison` (n_sequences, max_len, hidden_size, batch_size, seed).
    """
    comparison = BatchingComparison(**sizes)
    seconds = comparison.time_epochs(repeats)
    errors = comparison.errors_to_alone()
    fix_allocator_threshold()
    rounds: dict[str, list[float | None]] = {name: [] for name in comparison.names}
    for _ in range(memory_rounds):
        for name in comparison.names:
            rounds[name].append(peak_growth_mib(partial(comparison.train_epoch, name)))
    peak = {
        name: None if None in values else min(value for value in values if value is not None)
        for name, values in rounds.items()
    }
    return {"seconds": seconds, "errors": errors, "peak_mib": peak}


def batching_goals(batching) -> str:
    """The issue's goals for the exact method, checked against `compare_batching`'s result.

    Timing goals are judged on each way's fastest epoch (`fastest_and_median`).
    """
    times = {name: fastest_and_median(values) for name, values in batching["seconds"].items()}
    speedup = [reference / exact for reference, exact in zip(times[REFERENCE], times[EXACT])]  # fastest, median
    of_padding = [exact / padded for exact, padded in zip(times[EXACT], times[PADDED])]
    exact_error = max(error for name, error in batching["errors"].items() if name.startswith("exact"))
    rows = [
        (
            f"exact method, similar lengths, vs {REFERENCE}",
            f"{speedup[0]:.1f}x (median {speedup[1]:.1f}x)",
            ">= 12x",
            speedup[0] >= 12,
        ),
        (
            "exact method / padding, both similar lengths",
            f"{of_padding[0]:.2f}x (median {of_padding[1]:.2f}x)",
            "<= 1.2x",
            of_padding[0] <= 1.2,
        ),
        ("exact method vs each sequence alone, max |diff|", f"{exact_error:.1e}", "<= 1e-12", exact_error <= 1e-12),
    ]
    return goal_table(rows)


def fastest_and_median(seconds: list[float]) -> tuple[float, float]:
    """The fastest of the repeats, on which the timing goals are judged, and their median.

    On a shared or virtual machine other work only ever adds time (the
    hypervisor can take a virtual CPU away for seconds), so the fastest run is
    the least disturbed measure of the code itself; the median says what a
    run met in practice, and is shown beside it.
    """
    return min(seconds), statistics.median(seconds)


def goal_table(rows) -> str:
    """`(what, value, target, met or None)` rows as a table with a yes/NO column (blank where no goal)."""
    cells = [(what, value, target, "" if met is None else "yes" if met else "NO") for what, value, target, met in rows]
    return text_table(("goal", "value", "target", "met"), cells, align=("<", ">", "<", "<"))


CAPSTONE_WAYS = {"side by side": True, "one after the other": False}


def capstone_trainings(repeats=3) -> dict:
    """Wall seconds of lesson 08's two trainings (`train_capstones`: the bidirectional model and the
    forward-only one, `EPOCHS` each), side by side and one after the other, alternating, `repeats`
    times each; and the test F1 of the bidirectional model and its gap to the forward-only one (the
    same either way: the weights are bit for bit equal).

    Returns `{"seconds": {way: [s, ...]}, "f1": float, "gap": float, "cpus": int}`.
    """
    data = capstone_data()
    runs: dict[str, Callable[[], object]] = {
        way: partial(train_capstones, data, progress=False, side_by_side=flag) for way, flag in CAPSTONE_WAYS.items()
    }
    seconds, results = timed_runs(runs, repeats)
    trained = results["side by side"]
    assert isinstance(trained, dict)  # for mypy: train_capstones' {bidirectional: (model, history)}
    f1 = {
        bidirectional: evaluate_segmenter(trained[bidirectional][0], data.vocab, data.splits["test"])["f1"]
        for bidirectional in (True, False)
    }
    return {"seconds": seconds, "f1": f1[True], "gap": f1[True] - f1[False], "cpus": usable_cpus()}


def capstone_goals(capstone) -> str:
    """The issue's goals for lesson 08's trainings, checked against `capstone_trainings`' result
    (the time on the fastest run, as in `batching_goals`)."""
    (side, side_median), (after, after_median) = (fastest_and_median(capstone["seconds"][way]) for way in CAPSTONE_WAYS)
    rows = [
        (
            f"lesson 08's two trainings, side by side ({capstone['cpus']} CPUs)",
            f"{side:.1f} s (median {side_median:.1f} s)",
            "<= 15 s",
            side <= 15,
        ),
        ("  the same, one after the other", f"{after:.1f} s (median {after_median:.1f} s)", "", None),
        ("bidirectional F1 on the test sentences", f"{capstone['f1']:.4f}", ">= 0.95", capstone["f1"] >= 0.95),
        ("  gap to the forward-only model", f"{capstone['gap']:.3f}", ">= 0.10", capstone["gap"] >= 0.10),
    ]
    return goal_table(rows)


def stolen_cpu_seconds() -> float | None:
    """CPU seconds the hypervisor has taken from this (virtual) machine since boot; None where unknown (not Linux).

    Timings on a virtual machine slow down while its host runs other guests:
    the "steal" column of /proc/stat counts that time.
    """
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()
    except OSError:
        return None
    return int(fields[8]) / os.sysconf("SC_CLK_TCK") if fields[0] == "cpu" and len(fields) > 8 else None


def exactness_by_cell(n_sequences=64, max_len=60, hidden_size=16, seed=0) -> dict:
    """The exact method's largest |difference| to each sequence alone, float64, per cell and 1 or 2 layers.

    Bidirectional, batch-first, lengths log-uniform in `[1, max_len]`; over the
    outputs at every valid step and the final states (c_n included for an LSTM).
    Returns `{(cell, layers): difference}`.
    """
    generator = torch.Generator().manual_seed(seed)
    lengths = log_uniform_lengths(n_sequences, max_len, generator)
    x = torch.randn(n_sequences, max_len, 8, generator=generator, dtype=torch.float64)
    valid = step_mask(lengths, max_len).unsqueeze(-1)
    differences = {}
    for cell, module in (("rnn", torch.nn.RNN), ("gru", torch.nn.GRU), ("lstm", torch.nn.LSTM)):
        for layers in (1, 2):
            torch.manual_seed(seed)
            rnn = module(8, hidden_size, num_layers=layers, bidirectional=True, batch_first=True).double()
            with torch.no_grad():
                output, hidden = run_within_lengths(rnn, x, lengths)
                alone_output, _ = run_each_alone(rnn, x, lengths)
                worst = float((output - alone_output).masked_fill(~valid, 0.0).abs().max())
                for n, length in enumerate(lengths.tolist()):
                    alone_states = rnn(x[n : n + 1, :length])[1]
                    for mine, theirs in zip(_states(hidden), _states(alone_states)):
                        worst = max(worst, float((mine[:, n] - theirs[:, 0]).abs().max()))
            differences[(cell, layers)] = worst
    return differences


def _states(hidden):
    return list(hidden) if isinstance(hidden, tuple) else [hidden]


def exactness_table(differences) -> str:
    cells = [
        (cell, str(layers), f"{value:.1e}", "yes" if value <= 1e-12 else "NO")
        for (cell, layers), value in differences.items()
    ]
    return text_table(("cell", "layers", "max |diff| alone", "<= 1e-12"), cells, align=("<", ">", ">", "<"))


def format_report(speed, packing, scratch, accuracy, memory) -> str:
    """The benchmark's table, one measured line each: what, value, target and whether it is met."""
    rows = [
        (
            "5 epochs of the reference pipeline with train()",
            f"{speed['train_s']:.3f} s",
            "about 1 s or less",
            speed["train_s"] <= 1.2,
        ),
        ("the same with a minimal hand-written loop", f"{speed['minimal_s']:.3f} s", "", None),
        ("  train / minimal loop", f"{speed['ratio']:.2f}x", "<= 1.10x", speed["ratio"] <= 1.10),
        (
            "  largest difference of their metrics",
            f"{speed['max_metric_difference']:.1e}",
            "< 1e-6",
            speed["max_metric_difference"] < 1e-6,
        ),
        (
            f"packed / padded BiLSTM, forward pass (mean length {packing['mean_length']:.0f} of {packing['max_len']})",
            f"{packing['forward']['ratio']:.2f}x",
            "< 1 (faster)",
            packing["forward"]["ratio"] < 1,
        ),
        (
            "packed / padded BiLSTM, training step",
            f"{packing['training_step']['ratio']:.2f}x",
            "< 1 (faster)",
            packing["training_step"]["ratio"] < 1,
        ),
        (
            "  packed vs each sequence alone, max |diff|",
            f"{packing['packed_error']:.1e}",
            "~0 (exact)",
            packing["packed_error"] < 1e-9,
        ),
        (
            "  padded vs each sequence alone, max |diff|",
            f"{packing['padded_error']:.1e}",
            "> 0 (not exact)",
            packing["padded_error"] > 1e-6,
        ),
    ]
    if scratch is None:
        rows.append(("from-scratch BiRNN / nn.RNN", "n/a", "course_utils.lessons.concept missing", None))
    else:
        rows += [
            ("from-scratch BiRNN / nn.RNN, forward pass", f"{scratch['ratio']:.1f}x", "", None),
            (
                "  max |diff| of their outputs (float64)",
                f"{scratch['max_difference']:.1e}",
                "~0",
                scratch["max_difference"] < 1e-9,
            ),
        ]
    n_seeds = len(accuracy["per_seed"])
    rows += [
        (
            f"bidirectional val acc at epoch 5 ({accuracy['parameters'][0]} params, mean of {n_seeds} seeds)",
            f"{accuracy['bidirectional']:.3f}",
            ">= 0.90",
            accuracy["bidirectional"] >= 0.90,
        ),
        (
            f"forward-only val acc at epoch 5 ({accuracy['parameters'][1]} params)",
            f"{accuracy['forward']:.3f}",
            f"ceiling {accuracy['ceiling']:.3f}",
            None,
        ),
        ("  gap bidirectional - forward-only", f"{accuracy['gap']:.3f}", ">= 0.15", accuracy["gap"] >= 0.15),
    ]
    if memory is not None:
        rows.append(
            (
                "peak memory (max RSS of this process)",
                f"{memory['peak']:.0f} MiB",
                f"{memory['baseline']:.0f} MiB of it after importing torch",
                None,
            )
        )
    cells = [
        (what, value, target, "" if met is None else ("yes" if met else "NO")) for what, value, target, met in rows
    ]
    return text_table(("measure", "value", "target", "met"), cells, align=("<", ">", "<", "<"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per contender (median is shown)")
    args = parser.parse_args(argv)
    baseline, stolen_at_start = peak_memory_mib(), stolen_cpu_seconds()
    print(f"tools.bench: torch {torch.__version__}, CPU, {args.repeats} repeats, medians", flush=True)
    speed = time_train_vs_minimal(repeats=args.repeats)
    packing = time_packed_vs_padded(repeats=args.repeats)
    scratch = time_scratch_vs_nn(repeats=args.repeats)
    accuracy = accuracy_targets()
    peak = peak_memory_mib()
    memory = None if peak is None else {"baseline": baseline, "peak": peak}
    print(format_report(speed, packing, scratch, accuracy, memory))
    print(
        f"(torch threads: {torch.get_num_threads()}; per-seed val acc (bidirectional, forward-only): "
        + ", ".join(f"({b:.3f}, {f:.3f})" for b, f in accuracy["per_seed"])
        + ")"
    )
    # before compare_batching, which fixes the allocator's threshold for its memory rounds: with it,
    # two threads training side by side wait on each other's fresh mappings
    capstone_repeats = min(args.repeats, 3)
    print(f"\nLesson 08's two trainings, {capstone_repeats} times each way, alternating:", flush=True)
    print(capstone_goals(capstone_trainings(capstone_repeats)))
    print("\nOne training epoch, BiLSTM-64 tagger, 1024 sequences of 1-200 steps, batches of 32:", flush=True)
    batching = compare_batching(repeats=args.repeats)
    print(batching_table(batching["seconds"], batching["errors"], batching["peak_mib"]))
    print("(s/epoch: median of the repeats, alternating the ways; min-max: their spread; max |diff| alone:")
    print(" float64, the BiLSTM's outputs vs each sequence run alone; peak MiB: what one epoch adds to the")
    print(" process's peak resident memory, Linux only)")
    print(batching_goals(batching))
    print("\nThe exact method vs each sequence alone, float64, outputs and final states:")
    print(exactness_table(exactness_by_cell()))
    stolen = stolen_cpu_seconds()
    if stolen is not None and stolen_at_start is not None:
        print(f"(CPU time the hypervisor took from this machine during the run: {stolen - stolen_at_start:.0f} s)")


if __name__ == "__main__":
    main()
