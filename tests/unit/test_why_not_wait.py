"""Specification of course_utils.lessons.why_not_wait: the window task, the one-way taggers, the comparison."""

import math

import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.figure import Figure
from torch.utils.data import DataLoader, TensorDataset

from course_utils.data import make_loaders
from course_utils.lessons.why_not_wait import (
    BackwardTagger,
    DelayedTagger,
    DelayResults,
    MergedTagger,
    class_edges,
    compare_delays,
    information_limit,
    make_window_data,
    merge_limit,
    plot_delay_results,
    to_classes,
    window_parts,
    window_target,
    window_weights,
)
from course_utils.models import SequenceTagger, count_parameters, one_way_hidden_size
from course_utils.training import evaluate, train


def inputs(n=3, seq_len=8, features=1, seed=0):
    return torch.randn(n, seq_len, features, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))


def double(model, seed=0):
    torch.manual_seed(seed)
    return model.double().eval()


def plain_copy(tagger):
    """A forward-only SequenceTagger with the same weights as `tagger`."""
    plain = (
        SequenceTagger(
            tagger.rnn.input_size,
            tagger.rnn.hidden_size,
            tagger.head.out_features,
            cell=tagger.cell,
            bidirectional=False,
        )
        .double()
        .eval()
    )
    plain.load_state_dict(tagger.state_dict())
    return plain


def steps_read(model, x, step):
    """The input steps whose change moves the model's output for `step` (sequence 0)."""
    base = model(x)[0, step]
    moved = []
    for s in range(x.shape[1]):
        nudged = x.clone()
        nudged[0, s] += 1.0
        if not torch.allclose(model(nudged)[0, step], base, atol=0, rtol=0):
            moved.append(s)
    return moved


# --- the window task ----------------------------------------------------------------


def test_window_weights_are_equal_and_their_squares_sum_to_one():
    weights = window_weights(past=3, future=6)
    assert weights.shape == (10,)
    assert torch.allclose(weights, torch.full((10,), weights[0].item()))
    assert float((weights**2).sum()) == pytest.approx(1.0)


def test_the_target_of_step_t_reads_exactly_the_window_from_t_minus_past_to_t_plus_future():
    X = inputs(1, 20)
    changed = X.clone()
    changed[0, 10, 0] += 1.0  # move input 10: targets t with t - 3 <= 10 <= t + 6 change
    moved = (window_target(changed, past=3, future=6) != window_target(X, past=3, future=6))[0]
    assert moved.nonzero().flatten().tolist() == list(range(10 - 6, 10 + 3 + 1))


def test_the_target_is_the_weighted_sum_and_inputs_outside_the_sequence_count_as_zero():
    X = inputs(1, 12)
    target = window_target(X, past=2, future=3)[0]
    x = X[0, :, 0]
    assert float(target[5]) == pytest.approx(float(x[3:9].sum()) / math.sqrt(6))
    assert float(target[0]) == pytest.approx(float(x[0:4].sum()) / math.sqrt(6))  # x_-2, x_-1 are 0
    assert float(target[11]) == pytest.approx(float(x[9:12].sum()) / math.sqrt(6))  # x_12.. are 0


def test_window_parts_are_the_weighted_inputs_of_each_steps_window():
    X = inputs(2, 9)
    parts = window_parts(X, past=1, future=2)  # (2, 9, 4): offsets -1, 0, 1, 2
    w = 1 / math.sqrt(4)
    assert parts.shape == (2, 9, 4)
    assert parts[1, 4].tolist() == pytest.approx((w * X[1, 3:7, 0]).tolist())
    assert parts[1, 0, 0] == 0 and parts[1, 8, 2] == 0  # x_-1 and x_9 lie outside
    assert torch.allclose(parts.sum(-1), window_target(X, past=1, future=2))


def test_window_target_rejects_inputs_with_several_features():
    with pytest.raises(ValueError, match=r"one input per step, shape \(N, L, 1\)"):
        window_target(inputs(2, 5, features=3))


def test_class_edges_split_a_standard_normal_into_equally_likely_bins():
    assert class_edges(2).tolist() == [0.0]
    assert class_edges(3).tolist() == pytest.approx([-0.4307, 0.4307], abs=1e-4)
    assert to_classes(torch.tensor([-1.0, 0.0, 1.0]), 3).tolist() == [0, 1, 2]


def test_make_window_data_returns_inputs_target_and_its_bins():
    X, target, labels = make_window_data(n_sequences=2000, seq_len=15, seed=4)
    assert (X.shape, target.shape, labels.shape) == ((2000, 15, 1), (2000, 15), (2000, 15))
    assert X.dtype == target.dtype == torch.float32 and labels.dtype == torch.int64
    assert torch.equal(target, window_target(X)) and torch.equal(labels, to_classes(target, 3))
    shares = torch.bincount(labels[:, 3:9].flatten(), minlength=3) / labels[:, 3:9].numel()  # away from the edges
    assert shares.tolist() == pytest.approx([1 / 3] * 3, abs=0.02)


def test_make_window_data_is_seeded():
    first, second, other = (make_window_data(50, seed=s)[0] for s in (1, 1, 2))
    assert torch.equal(first, second) and not torch.equal(first, other)


# --- the information limit ------------------------------------------------------------


def test_limit_of_the_sign_of_two_steps_seen_one_is_three_quarters_inside():
    # y = (x_t + x_t+1) / sqrt 2; knowing x_t, the best sign guess is right 3/4 of the time;
    # at the last step x_t+1 is a known 0, so the guess is sure.
    limit = information_limit(delay=0, seq_len=10, past=0, future=1, n_classes=2)
    assert limit["acc"] == pytest.approx((9 * 0.75 + 1) / 10, abs=1e-6)  # exact to 6 decimals
    assert limit["mse"] == pytest.approx(9 * 0.5 / 10)


def test_limit_rises_with_the_delay_until_the_window_is_covered_then_stays_perfect():
    accs = [information_limit(d, seq_len=20, past=3, future=6)["acc"] for d in range(9)]
    assert accs[:7] == sorted(accs[:7]) and accs[5] < 1
    assert accs[6:] == [1.0, 1.0, 1.0]


def test_limit_mse_is_the_share_of_the_window_not_yet_read():
    # far from the edges, a forward model with delay d misses future - d of the 10 inputs
    long = information_limit(delay=2, seq_len=2000, past=3, future=6)
    assert long["mse"] == pytest.approx(4 / 10, abs=2e-3)
    assert information_limit(direction="both")["mse"] == 0 and information_limit(direction="both")["acc"] == 1


def test_limit_rejects_a_delayed_backward_model_and_unknown_directions():
    with pytest.raises(ValueError, match="a backward model has no delay"):
        information_limit(delay=2, direction="backward")
    with pytest.raises(ValueError, match="direction must be one of"):
        information_limit(direction="sideways")


def test_merging_perfect_members_costs_half_of_each_unread_part():
    # far from the edges: forward misses 6 of 10 inputs, backward 3; the average's error is (U_f + U_b) / 2
    assert merge_limit(seq_len=2000, n_sequences=2)["mse"] == pytest.approx((6 + 3) / 10 / 4, abs=1e-3)
    limit = merge_limit(n_sequences=2000)
    members = [information_limit(direction=d)["acc"] for d in ("forward", "backward")]
    assert max(members) < limit["acc"] < 1


def test_a_merge_is_perfect_when_one_member_reads_the_whole_window():
    # past=0: the backward member reads x_t and x_t+1, all of the window, and is sure of the sign
    limit = merge_limit(seq_len=10, past=0, future=1, n_classes=2, n_sequences=500)
    assert limit["acc"] == 1.0
    assert limit["mse"] == pytest.approx(9 * 0.5 / 10 / 4)  # the forward member's unread x_t+1, halved


# --- DelayedTagger ----------------------------------------------------------------------


def test_delay_zero_is_the_plain_forward_tagger_with_the_same_weights():
    delayed = double(DelayedTagger(1, 5, 3, delay=0))
    x = inputs()
    assert torch.equal(delayed(x), plain_copy(delayed)(x))


def test_with_delay_two_the_output_for_step_t_is_the_plain_output_at_t_plus_two_of_the_padded_input():
    delayed = double(DelayedTagger(1, 5, 3, delay=2))
    x = inputs(seq_len=8)
    padded = torch.cat([x, torch.zeros(3, 2, 1, dtype=x.dtype)], dim=1)  # (3, 10, 1)
    plain = plain_copy(delayed)(padded)  # (3, 10, 3)
    output = delayed(x)
    assert output.shape == (3, 8, 3)
    assert torch.equal(output, plain[:, 2:])


def test_the_output_for_step_t_has_read_exactly_the_inputs_up_to_t_plus_delay():
    x = inputs(1, 10)
    assert steps_read(double(DelayedTagger(1, 4, 2, delay=3)), x, step=4) == list(range(0, 8))
    assert steps_read(double(DelayedTagger(1, 4, 2, delay=3)), x, step=8) == list(range(0, 10))


def test_with_lengths_each_sequence_gets_its_own_zero_steps_whatever_the_padding_holds():
    delayed = double(DelayedTagger(1, 4, 3, delay=2))
    x, lengths = inputs(3, 7), torch.tensor([7, 4, 2])
    garbage = x.clone()
    for n, length in enumerate(lengths.tolist()):
        garbage[n, length:] = 50.0
    batched = delayed(garbage, lengths)
    for n, length in enumerate(lengths.tolist()):
        alone = delayed(x[n : n + 1, :length])
        assert torch.allclose(batched[n : n + 1, :length], alone, atol=1e-12)


def test_delayed_tagger_trains_with_train_and_evaluate():
    X, _, labels = make_window_data(48, seq_len=8)
    train_loader, val_loader = make_loaders(X, labels, batch_size=16)
    torch.manual_seed(0)
    history = train(DelayedTagger(1, 4, 3, delay=2), train_loader, val_loader, epochs=1, progress=False)
    assert 0 <= history.last["val_acc"] <= 1


@pytest.mark.parametrize(
    "build, error, words",
    [
        (lambda: DelayedTagger(1, 4, 3, delay=-1), ValueError, "delay must be >= 0"),
        (lambda: DelayedTagger(1, 4, 3, delay=1.5), TypeError, "delay must be an int"),
    ],
)
def test_delayed_tagger_rejects_a_bad_delay(build, error, words):
    with pytest.raises(error, match=words):
        build()


def test_delayed_tagger_rejects_a_two_dimensional_input_before_padding_it():
    with pytest.raises(ValueError, match=r"x must be 3-D \(N, L, H_in\)"):
        DelayedTagger(1, 4, 3, delay=2)(torch.randn(8, 1))


# --- BackwardTagger ---------------------------------------------------------------------


def test_backward_tagger_is_a_forward_tagger_on_the_reversed_sequence_flipped_back():
    backward = double(BackwardTagger(1, 5, 3))
    x = inputs()
    assert torch.equal(backward(x), plain_copy(backward)(x.flip(1)).flip(1))


def test_the_backward_output_for_step_t_has_read_exactly_steps_t_to_the_end():
    assert steps_read(double(BackwardTagger(1, 4, 2)), inputs(1, 9), step=3) == list(range(3, 9))


def test_backward_tagger_with_lengths_reverses_each_sequence_within_its_own_length():
    backward = double(BackwardTagger(1, 4, 3))
    x, lengths = inputs(3, 6), torch.tensor([6, 3, 1])
    batched = backward(x, lengths)
    for n, length in enumerate(lengths.tolist()):
        assert torch.allclose(batched[n : n + 1, :length], backward(x[n : n + 1, :length]), atol=1e-12)


# --- MergedTagger -----------------------------------------------------------------------


def merged_pair(classes=3, average="probabilities"):
    return MergedTagger(double(DelayedTagger(1, 4, classes)), double(BackwardTagger(1, 4, classes), seed=1), average)


def test_merged_probabilities_are_the_average_of_the_two_taggers_probabilities():
    merged, x = merged_pair(), inputs()
    expected = (merged.forward_tagger(x).softmax(-1) + merged.backward_tagger(x).softmax(-1)) / 2
    assert torch.allclose(merged(x).softmax(-1), expected, atol=1e-12)
    assert torch.allclose(merged(x).exp(), expected, atol=1e-12)  # the output is log p itself


def test_merged_outputs_for_regression_are_the_plain_mean():
    merged, x = merged_pair(classes=1, average="outputs"), inputs()
    assert torch.allclose(merged(x), (merged.forward_tagger(x) + merged.backward_tagger(x)) / 2)


def test_merged_tagger_passes_lengths_to_both_taggers():
    merged, x, lengths = merged_pair(), inputs(2, 5), torch.tensor([5, 2])
    expected = (merged.forward_tagger(x, lengths).softmax(-1) + merged.backward_tagger(x, lengths).softmax(-1)) / 2
    assert torch.allclose(merged(x, lengths).exp(), expected, atol=1e-12)


def test_merged_tagger_is_scored_by_evaluate_like_any_tagger():
    X, _, labels = make_window_data(32, seq_len=6)
    loader = DataLoader(TensorDataset(X.double(), labels), batch_size=16)
    result = evaluate(merged_pair(), loader)
    assert result["loss"] > 0 and 0 <= result["acc"] <= 1


def test_averaging_probabilities_of_one_output_per_step_is_refused():
    with pytest.raises(ValueError, match="for regression use average='outputs'"):
        merged_pair(classes=1)(inputs())


def test_merged_tagger_rejects_bad_members_and_averages():
    with pytest.raises(TypeError, match="forward_tagger must be a torch.nn.Module"):
        MergedTagger("forward", BackwardTagger(1, 4, 3))
    with pytest.raises(ValueError, match="average must be one of"):
        MergedTagger(DelayedTagger(1, 4, 3), BackwardTagger(1, 4, 3), average="geometric")
    with pytest.raises(ValueError, match=r"disagree on the output shape: \(3, 8, 3\) and \(3, 8, 2\)"):
        MergedTagger(double(DelayedTagger(1, 4, 3)), double(BackwardTagger(1, 4, 2)))(inputs())


# --- parameter budgets ------------------------------------------------------------------


@pytest.mark.parametrize("classes, expected", [(3, 12), (1, 12)])
def test_one_way_hidden_size_matches_the_bidirectional_budget(classes, expected):
    hidden = one_way_hidden_size(8, input_size=1, num_classes=classes)
    assert hidden == expected
    bidirectional = count_parameters(SequenceTagger(1, 8, classes))
    one_way = count_parameters(DelayedTagger(1, hidden, classes))
    for h in (hidden - 1, hidden + 1):  # no other size comes closer
        assert abs(one_way - bidirectional) <= abs(count_parameters(DelayedTagger(1, h, classes)) - bidirectional)


# --- compare_delays and its table and figure ---------------------------------------------

TINY = {"delays": (0, 2), "seeds": (0, 1), "epochs": 1, "progress": False, "n_sequences": 40, "seq_len": 8}


@pytest.fixture(scope="module")
def classification():
    return compare_delays(**TINY)


@pytest.mark.slow
def test_compare_delays_scores_every_model_for_every_seed(classification):
    models = [(r["model"], r["delay"], r["seed"]) for r in classification.records]
    for seed in (0, 1):
        expected = [("forward", 0), ("forward", 2), ("backward", None), ("merged", None), ("bidirectional", None)]
        assert [(m, d) for m, d, s in models if s == seed] == expected
    assert all(0 <= r["score"] <= 1 for r in classification.records)


@pytest.mark.slow
def test_compare_delays_matches_budgets_and_counts_both_members_of_the_merge(classification):
    sizes = {r["model"]: r["parameters"] for r in classification.records}
    assert abs(sizes["forward"] - sizes["bidirectional"]) <= 10
    assert sizes["merged"] == sizes["forward"] + sizes["backward"]


@pytest.mark.slow
def test_compare_delays_is_repeatable(classification):
    assert compare_delays(**TINY).records == classification.records


def test_compare_delays_regression_reports_mean_squared_errors():
    results = compare_delays(task="regression", **TINY)
    assert results.metric == "mse" and all(r["score"] > 0 for r in results.records)
    assert "MSE mean ± std" in results.to_text()


@pytest.mark.parametrize(
    "kwargs, words",
    [({"delays": (2, 4)}, "including 0"), ({"task": "ranking"}, "task must be one of"), ({"seeds": ()}, "seeds")],
)
def test_compare_delays_rejects_bad_arguments(kwargs, words):
    with pytest.raises(ValueError, match=words):
        compare_delays(**{**TINY, **kwargs})


def fake_results():
    records = [
        {"model": model, "delay": delay, "seed": seed, "parameters": 10, "score": score + seed / 100}
        for seed in (0, 1)
        for model, delay, score in [
            ("forward", 0, 0.5),
            ("forward", 3, 0.8),
            ("forward", 6, 0.7),
            ("backward", None, 0.6),
            ("merged", None, 0.7),
            ("bidirectional", None, 0.9),
        ]
    ]
    return DelayResults("classification", records, {"seq_len": 10, "past": 1, "future": 3, "n_classes": 3})


def test_results_give_mean_spread_and_the_best_delay():
    results = fake_results()
    assert results.delays == [0, 3, 6]
    assert results.mean("forward", 3) == pytest.approx(0.805)
    assert results.std("forward", 3) == pytest.approx(0.01 / math.sqrt(2))
    assert results.best_delay() == 3


def test_head_to_head_compares_bidirectional_with_each_seeds_best_delay():
    lines = fake_results().head_to_head().splitlines()
    assert lines == [
        "seed 0: bidirectional 0.9000, best forward delay d=3 0.8000: bidirectional better",
        "seed 1: bidirectional 0.9100, best forward delay d=3 0.8100: bidirectional better",
    ]
    lower_is_better = DelayResults("regression", fake_results().records, fake_results().data)
    assert lower_is_better.head_to_head().splitlines()[0].endswith("d=0 0.5000: the delay is as good or better")


def test_seed_by_seed_gives_each_seeds_best_delay_and_the_bidirectional_margin():
    rows = fake_results().seed_by_seed()
    assert [(row["seed"], row["delay"]) for row in rows] == [(0, 3), (1, 3)]
    assert [row["margin"] for row in rows] == pytest.approx([0.1, 0.1])
    lower_is_better = DelayResults("regression", fake_results().records, fake_results().data)
    assert [(row["delay"], row["margin"]) for row in lower_is_better.seed_by_seed()] == [
        (0, pytest.approx(-0.4)),
        (0, pytest.approx(-0.4)),
    ]


def test_results_table_has_one_line_per_model_with_its_limit():
    lines = fake_results().to_text().splitlines()
    assert lines[0].split()[:3] == ["model", "delay", "params"] and len(lines) == 1 + 6 + 1
    assert lines[2].split() == ["forward", "3", "10", "0.8050", "±", "0.0071", "0.8000", "0.8100", "1.0000"]
    assert "<table>" in fake_results()._repr_html_()


def test_results_table_marks_the_merges_limit_as_no_bound():
    text, html = fake_results().to_text(), fake_results()._repr_html_()
    merged = next(line for line in text.splitlines() if line.startswith("merged"))
    assert merged.split()[-1] == f"{merge_limit(10, 1, 3, 3)['acc']:.4f}*"  # two perfect members, averaged
    assert text.splitlines()[-1] == "* merged: two members each perfect alone, averaged; not a bound on every merge"
    assert "not a bound on every merge</p>" in html


def test_plot_delay_results_draws_the_delays_and_a_line_per_other_model():
    fig = plot_delay_results(fake_results())
    assert isinstance(fig, Figure) and not plt.get_fignums()
    labels = [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
    assert labels[0] == "forward, delay d"
    assert [label.split()[0] for label in labels[1:4]] == ["backward", "merged", "bidirectional"]
    assert labels[-2:] == ["best possible, forward reading up to t + d", "perfect members averaged (not a bound)"]
    assert fig.png().startswith(b"\x89PNG")


def test_plot_delay_results_says_how_the_forward_curve_goes_and_where_the_lines_are():
    assert plot_delay_results(fake_results()).description == (
        "Classification with target window t-1 .. t+3: validation accuracy against the output delay d = 0 to 6, "
        "mean over 2 seeds. Forward with delay d: rises from 0.51 to 0.70, best 0.81 at d = 3. "
        "Horizontal lines: backward 0.605, merged 0.705, bidirectional 0.905. Dashed, the best possible for a "
        "forward model reading up to t + d: rises from 0.61 to 1.00. Dashed purple, two one-way members each "
        f"perfect alone, averaged (not a bound on every merge): {merge_limit(10, 1, 3, 3)['acc']:.3f}."
    )
    assert (
        "validation MSE (lower is better)"
        in plot_delay_results(
            DelayResults("regression", fake_results().records, fake_results().data), show_limit=False
        ).description
    )


def test_plot_delay_results_rejects_other_input():
    with pytest.raises(TypeError, match="results must be a DelayResults"):
        plot_delay_results({"forward": [0.5]})


# --- bad input is named (issue 16) -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name, value, error",
    [
        ("past", None, TypeError),
        ("future", float("nan"), TypeError),
        ("past", -1, ValueError),
        ("seq_len", 0, ValueError),
    ],
)
def test_information_limit_names_a_bad_window(name, value, error):
    with pytest.raises(error, match=f"{name} must be"):
        information_limit(**{name: value})


@pytest.mark.parametrize("name, value", [("past", [1]), ("seq_len", {}), ("n_sequences", 2.5)])
def test_merge_limit_names_a_bad_argument_before_caching_it(name, value):
    with pytest.raises(TypeError, match=f"{name} must be an int"):
        merge_limit(**{name: value})


def test_to_classes_refuses_nan_targets():
    with pytest.raises(ValueError, match="target holds NaN or inf"):
        to_classes(torch.tensor([0.1, float("nan")]))
