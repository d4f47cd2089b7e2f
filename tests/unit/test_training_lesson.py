"""Specification of course_utils.lessons.training: seeded tagger runs, the targets, the learning-rate sweep."""

import inspect

import pytest

from course_utils.lessons.training import accuracy_targets, learning_rate_sweep, validation_accuracy
from course_utils.training import train

TINY = {"epochs": 1, "n_sequences": 40}  # a few milliseconds a run; what is checked is bookkeeping, not accuracy


def test_a_seeded_run_repeats_itself():
    assert validation_accuracy(3, **TINY) == validation_accuracy(3, **TINY)


def test_the_targets_are_the_two_taggers_runs_on_each_seed():
    targets = accuracy_targets(seeds=(0, 1), **TINY)
    assert targets["per_seed"] == [
        [validation_accuracy(seed, **TINY), validation_accuracy(seed, forward_only=True, **TINY)] for seed in (0, 1)
    ]
    assert targets["gap"] == pytest.approx(targets["bidirectional"] - targets["forward"])


def test_the_sweep_has_a_row_per_rate_in_order_and_a_value_per_seed():
    sweep = learning_rate_sweep((0.1, 0.001), seeds=(2, 0, 1), **TINY)
    assert list(sweep) == [0.1, 0.001]
    assert sweep[0.1] == [validation_accuracy(seed, lr=0.1, **TINY) for seed in (2, 0, 1)]


def test_the_sweep_row_at_trains_default_rate_repeats_the_targets():
    default_lr = inspect.signature(train).parameters["lr"].default
    sweep = learning_rate_sweep((default_lr,), seeds=(0, 1), **TINY)
    assert sweep[default_lr] == [bi for bi, _ in accuracy_targets(seeds=(0, 1), **TINY)["per_seed"]]


def test_the_learning_rate_reaches_the_training():
    sweep = learning_rate_sweep((1e-6, 0.1), seeds=(0,), epochs=2, n_sequences=100)
    assert sweep[1e-6] != sweep[0.1]


@pytest.mark.parametrize(
    ("rates", "error", "named"),
    [
        ((), TypeError, "rates"),
        (0.03, TypeError, "rates"),
        ((0.01, -1.0), ValueError, "rates[1]"),
        (("0.1",), TypeError, "rates[0]"),
    ],
)
def test_the_sweep_rejects_bad_rates_by_name(rates, error, named):
    with pytest.raises(error, match=named.replace("[", r"\[").replace("]", r"\]")):
        learning_rate_sweep(rates, seeds=(0,), **TINY)


@pytest.mark.parametrize("seeds", [(), 0, "012"])
def test_bad_seeds_are_rejected_by_name(seeds):
    with pytest.raises(TypeError, match="seeds"):
        accuracy_targets(seeds=seeds, **TINY)
    with pytest.raises(TypeError, match="seeds"):
        learning_rate_sweep((0.03,), seeds=seeds, **TINY)


def test_forward_only_must_be_a_bool():
    with pytest.raises(TypeError, match="forward_only"):
        validation_accuracy(0, forward_only=1, **TINY)


def test_the_sweep_shows_one_bar_over_its_runs_when_asked(capsys):
    learning_rate_sweep((0.1,), seeds=(0, 1), progress=True, **TINY)
    bar = capsys.readouterr().err  # outside Jupyter, tqdm's text bar on stderr
    assert "runs: 100%" in bar and "2/2" in bar
    learning_rate_sweep((0.1,), seeds=(0,), **TINY)
    assert capsys.readouterr().err == "", "no bar unless asked"
    with pytest.raises(TypeError, match="progress"):
        learning_rate_sweep((0.1,), seeds=(0,), progress="yes", **TINY)
