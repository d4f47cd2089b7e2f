"""Specification of tools.bench at tiny sizes: what it measures, not how fast (timings flake)."""

import pytest

from tools import bench

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
    assert speed["ratio"] == pytest.approx(speed["train_s"] / speed["minimal_s"])


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
    assert accuracy["gap"] == pytest.approx(accuracy["bidirectional"] - accuracy["forward"])
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
