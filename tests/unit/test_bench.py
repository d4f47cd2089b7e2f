"""Specification of tools.bench at tiny sizes: what it measures, not how fast (timings flake)."""

import pytest

from course_utils.lessons.packing import BATCHINGS, batching_table
from tools import bench
from tools.memory import peak_growth_mib

pytestmark = pytest.mark.slow  # every measure trains or times real models


@pytest.fixture(scope="module")
def results():
    return {
        "speed": bench.time_train_vs_minimal(epochs=1, repeats=1, n_sequences=40),
        "packing": bench.time_packed_vs_padded(n_sequences=6, max_len=8, hidden_size=3, repeats=1),
        "scratch": bench.time_scratch_vs_nn(n_sequences=4, seq_len=5, hidden_size=3, repeats=1),
        "accuracy": bench.accuracy_targets(seeds=(0, 1), epochs=1, n_sequences=40),
    }


def test_train_and_the_minimal_loop_compute_the_same_metrics(results):
    speed = results["speed"]
    assert speed["max_metric_difference"] < 1e-6
    assert speed["train_s"] > 0 and speed["minimal_s"] > 0, "both loops were timed"


def test_packing_matches_each_sequence_alone_and_padding_does_not(results):
    packing = results["packing"]
    assert packing["packed_error"] < 1e-12
    assert packing["padded_error"] > 1e-6
    assert set(packing["forward"]) == set(packing["training_step"]) == {"packed", "padded", "ratio"}


def test_the_scratch_rnn_matches_nn_rnn(results):
    assert results["scratch"]["max_difference"] < 1e-12


def test_accuracy_targets_average_both_taggers_over_the_seeds(results):
    accuracy = results["accuracy"]
    assert len(accuracy["per_seed"]) == 2
    assert all(0 <= score <= 1 for scores in accuracy["per_seed"] for score in scores)
    assert accuracy["bidirectional"] == pytest.approx(sum(b for b, _ in accuracy["per_seed"]) / 2)
    assert accuracy["forward"] == pytest.approx(sum(f for _, f in accuracy["per_seed"]) / 2)
    assert accuracy["ceiling"] == pytest.approx(0.55)


def test_peak_memory_is_a_positive_number_of_mebibytes():
    assert bench.peak_memory_mib() > 0


def test_the_report_has_one_line_per_measure_with_its_target(results):
    report = bench.format_report(**results, memory={"baseline": 200.0, "peak": 300.0})
    lines = report.splitlines()
    assert lines[0].split() == ["measure", "value", "target", "met"]
    for words in (
        "train / minimal loop",
        "training step",
        "padded vs each sequence alone",
        "from-scratch BiRNN / nn.RNN",
        "gap bidirectional - forward-only",
        "peak memory",
    ):
        assert sum(words in line for line in lines) == 1, words


def test_the_report_says_when_the_scratch_model_is_missing(results):
    report = bench.format_report(**{**results, "scratch": None}, memory=None)
    assert "course_utils.lessons.concept missing" in report


@pytest.fixture(scope="module")
def batching():
    sizes = {"n_sequences": 24, "max_len": 12, "hidden_size": 3, "batch_size": 6}
    return bench.compare_batching(repeats=2, memory_rounds=1, **sizes)


def test_every_way_of_batching_is_timed_checked_and_measured(batching):
    names = list(BATCHINGS)
    assert list(batching["seconds"]) == list(batching["errors"]) == list(batching["peak_mib"]) == names
    assert all(len(seconds) == 2 and min(seconds) > 0 for seconds in batching["seconds"].values())
    # A number wherever this machine can measure peak memory at all (Linux with /proc/self/clear_refs), else None.
    measurable = peak_growth_mib(lambda: None) is not None
    assert all((peak is not None and peak >= 0) == measurable for peak in batching["peak_mib"].values())


def test_packing_and_the_exact_method_match_each_sequence_alone_and_padding_does_not(batching):
    for name, error in batching["errors"].items():
        assert (error < 1e-12) == (not name.startswith("pad")), name


def test_the_batching_table_has_a_line_per_way_and_the_goals_a_line_per_goal(batching):
    table = batching_table(batching["seconds"], batching["errors"], batching["peak_mib"]).splitlines()
    assert table[0].split()[:2] == ["batching", "s/epoch"] and table[0].rstrip().endswith("peak MiB")
    assert len(table) == 1 + len(BATCHINGS)
    goals = bench.batching_goals(batching).splitlines()
    assert goals[0].split() == ["goal", "value", "target", "met"] and len(goals) == 4
    assert goals[3].split()[-1] == "yes"  # exact to 1e-12 whatever the timings


def test_the_exact_method_matches_each_sequence_alone_for_every_cell_and_depth():
    differences = bench.exactness_by_cell(n_sequences=6, max_len=7, hidden_size=3)
    assert set(differences) == {(cell, layers) for cell in ("rnn", "gru", "lstm") for layers in (1, 2)}
    assert max(differences.values()) < 1e-12
    assert len(bench.exactness_table(differences).splitlines()) == 7


def test_peak_growth_sees_a_large_allocation_on_linux():
    import torch

    growth = bench.peak_growth_mib(lambda: torch.ones(20_000_000).sum())  # 76 MiB, freed at once
    assert growth is None or growth > 50


def test_the_capstone_trainings_are_timed_both_ways_and_scored(monkeypatch):
    from course_utils.lessons import word_segmentation as capstone

    calls = []

    def untrained_pair(data, progress, side_by_side):  # stands in for the real training of each model
        calls.append(side_by_side)
        return {b: (capstone.build_segmenter(len(data.vocab), b), None) for b in (True, False)}

    monkeypatch.setattr(bench, "train_capstones", untrained_pair)
    result = bench.capstone_trainings(repeats=2)
    assert calls == [True, False, True, False]  # alternating, so a busy machine slows both ways alike
    assert {way: len(times) for way, times in result["seconds"].items()} == {way: 2 for way in bench.CAPSTONE_WAYS}
    assert 0 <= result["f1"] <= 1 and -1 <= result["gap"] <= 1 and result["cpus"] >= 1


@pytest.mark.parametrize(("side", "met"), [([12.0, 30.0, 31.0], "yes"), ([16.0, 15.5, 17.0], "NO")])
def test_the_capstone_goals_judge_the_fastest_run_and_show_the_median(side, met):
    result = {"seconds": {"side by side": side, "one after the other": [20.0, 21.0]}, "f1": 0.96, "gap": 0.18}
    lines = bench.capstone_goals(dict(result, cpus=2)).splitlines()
    assert lines[1].split()[-1] == met and "(2 CPUs)" in lines[1]
    assert f"{min(side):.1f} s (median {sorted(side)[1]:.1f} s)" in lines[1]
    assert lines[2].rstrip().endswith("20.0 s (median 20.5 s)")  # one after the other: shown, no goal of its own
    assert [line.split()[-1] for line in lines[3:]] == ["yes", "yes"]


def test_the_batching_goals_judge_the_fastest_epochs():
    seconds = {name: [1.0, 1.0, 1.0] for name in BATCHINGS}
    seconds[bench.REFERENCE] = [13.0, 13.0, 13.0]
    seconds[bench.EXACT] = [1.0, 1.5, 1.5]  # one undisturbed epoch, two slowed by other work
    errors = {name: 1e-16 for name in BATCHINGS}
    lines = bench.batching_goals({"seconds": seconds, "errors": errors}).splitlines()
    assert "13.0x (median 8.7x)" in lines[1] and lines[1].split()[-1] == "yes"
    assert "1.00x (median 1.50x)" in lines[2] and lines[2].split()[-1] == "yes"


def test_stolen_cpu_time_is_a_count_of_seconds_or_unknown():
    stolen = bench.stolen_cpu_seconds()
    assert stolen is None or stolen >= 0
