"""Specification of course_utils.data: the count-the-on-neighbours tagging task."""

import itertools

import pytest
import torch

from course_utils.data import (
    PAD_LABEL,
    ceiling_by_position,
    collate_padded,
    count_on_neighbours,
    forward_ceiling,
    make_loaders,
    make_tagging_data,
    make_tagging_loaders,
    make_variable_length_data,
    split_train_val,
    tagging_window,
)
from course_utils.tensors import check_lengths, step_mask


def brute_force_labels(x, length, n_classes=5):
    """Label step t by counting on-steps at t+o for each window offset o, one by one."""
    return [sum(1 for o in tagging_window(n_classes) if 0 <= t + o < length and x[t + o, 0] > 0) for t in range(length)]


def test_reference_data_has_the_pipeline_shapes_and_dtypes():
    X, y = make_tagging_data()
    assert X.shape == (1000, 10, 8) and X.dtype == torch.float32
    assert y.shape == (1000, 10) and y.dtype == torch.int64
    assert set(y.unique().tolist()) == {0, 1, 2, 3, 4}


def test_label_counts_on_neighbours_two_steps_each_side_excluding_the_step_itself():
    X, y = make_tagging_data(n_sequences=20, seed=3)
    for n in range(20):
        assert y[n].tolist() == brute_force_labels(X[n], 10)


def test_label_ignores_the_step_itself():
    X, y = make_tagging_data(n_sequences=4, seed=1)
    X_flipped = X.clone()
    X_flipped[:, 4, 0] = -X_flipped[:, 4, 0]
    assert torch.equal(count_on_neighbours(X_flipped, torch.full((4,), 10))[:, 4], y[:, 4])


def test_a_future_neighbour_changes_the_label():
    X = torch.full((1, 10, 8), -1.0)
    lengths = torch.tensor([10])
    X[0, 6, 0] = 1.0  # two steps after t=4
    assert count_on_neighbours(X, lengths)[0, 4] == 1


def test_same_seed_same_data_other_seed_other_data():
    assert torch.equal(make_tagging_data(seed=5)[0], make_tagging_data(seed=5)[0])
    assert not torch.equal(make_tagging_data(seed=5)[0], make_tagging_data(seed=6)[0])


@pytest.mark.parametrize("n_classes, window", [(3, (-1, 1)), (5, (-2, -1, 1, 2)), (7, (-3, -2, -1, 1, 2, 3))])
def test_window_has_k_neighbours_each_side(n_classes, window):
    assert tagging_window(n_classes) == window


@pytest.mark.parametrize("bad", [4, 1, 2.0, "5"])
def test_even_or_non_int_class_counts_are_rejected_with_the_reason(bad):
    with pytest.raises(ValueError, match="n_classes must be an odd int"):
        make_tagging_data(n_classes=bad)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"n_sequences": 0}, "n_sequences"),
        ({"seq_len": -1}, "seq_len"),
        ({"n_features": 0}, "n_features"),
        ({"seed": -3}, "seed"),
    ],
)
def test_non_positive_sizes_are_rejected_naming_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        make_tagging_data(**kwargs)


def test_forward_ceiling_is_0_55_for_the_reference_sizes():
    assert ceiling_by_position(10, 5) == [0.5] * 9 + [1.0]
    assert forward_ceiling(10, 5) == pytest.approx(0.55)


def test_forward_ceiling_equals_the_best_causal_guess_enumerated_exhaustively():
    # Enumerate every on/off pattern of a short sequence: the best model that
    # sees steps <= t guesses, per visible prefix, the most common label.
    seq_len, n_classes = 5, 5
    correct = 0
    total = 0
    for t in range(seq_len):
        by_prefix = {}
        for bits in itertools.product([0, 1], repeat=seq_len):
            x = torch.tensor(bits, dtype=torch.float32).mul(2).sub(1).reshape(seq_len, 1)
            label = brute_force_labels(x, seq_len, n_classes)[t]
            by_prefix.setdefault(bits[: t + 1], []).append(label)
        for labels in by_prefix.values():
            correct += max(labels.count(v) for v in set(labels))
            total += len(labels)
    assert forward_ceiling(seq_len, n_classes) == pytest.approx(correct / total)


def test_variable_length_data_pads_inputs_with_zeros_and_labels_with_pad_label():
    X, y, lengths = make_variable_length_data(n_sequences=50, min_len=2, max_len=12, seed=1)
    assert X.shape == (50, 12, 8) and y.shape == (50, 12) and lengths.shape == (50,)
    assert int(lengths.min()) >= 2 and int(lengths.max()) <= 12
    for n in range(50):
        length = int(lengths[n])
        assert torch.all(X[n, length:] == 0)
        assert torch.all(y[n, length:] == PAD_LABEL)
        assert y[n, :length].tolist() == brute_force_labels(X[n], length)


def test_variable_length_rejects_max_len_below_min_len():
    with pytest.raises(ValueError, match="max_len must be >= 5"):
        make_variable_length_data(min_len=5, max_len=4)


@pytest.mark.parametrize(
    "lengths, message",
    [
        (torch.tensor([0, 3]), "every length must be >= 1"),
        (torch.tensor([3, 11]), "only L=10 steps"),
        (torch.tensor([[3, 3]]), "lengths must be 1-D"),
        (torch.tensor([3.0, 3.0]), "integer tensor"),
        (torch.tensor([], dtype=torch.int64), "lengths is empty"),
    ],
)
def test_count_on_neighbours_rejects_bad_lengths(lengths, message):
    with pytest.raises((ValueError, TypeError), match=message):
        count_on_neighbours(torch.zeros(2, 10, 8), lengths)


def test_collate_pads_tagging_samples_and_returns_cpu_lengths():
    samples = [(torch.ones(3, 2), torch.tensor([1, 2, 3])), (torch.ones(1, 2), torch.tensor([4]))]
    X, Y, lengths = collate_padded(samples)
    assert X.shape == (2, 3, 2) and torch.all(X[1, 1:] == 0)
    assert Y.tolist() == [[1, 2, 3], [4, PAD_LABEL, PAD_LABEL]]
    assert lengths.tolist() == [3, 1] and lengths.dtype == torch.int64 and lengths.device.type == "cpu"


def test_collate_stacks_sequence_labels():
    samples = [(torch.ones(3, 2), torch.tensor(7)), (torch.ones(5, 2), torch.tensor(1))]
    X, Y, lengths = collate_padded(samples)
    assert X.shape == (2, 5, 2) and Y.tolist() == [7, 1] and lengths.tolist() == [3, 5]


@pytest.mark.parametrize(
    "batch, message",
    [
        ([], "non-empty list"),
        ([torch.ones(3, 2)], r"batch\[0\] must be an \(x, y\) pair"),
        ([(torch.ones(3), torch.tensor(1))], r"batch\[0\] x must have shape \(L_i, H_in\)"),
        ([(torch.ones(3, 2), torch.tensor(1)), (torch.ones(3, 4), torch.tensor(1))], "same feature size"),
        ([(torch.ones(3, 2), torch.tensor([1, 2]))], r"batch\[0\] y must be a 0-d class label or have shape"),
    ],
)
def test_collate_rejects_malformed_batches(batch, message):
    with pytest.raises(ValueError, match=message):
        collate_padded(batch)


def test_split_is_disjoint_seeded_and_keeps_rows_together():
    X = torch.arange(10).float().unsqueeze(1)
    y = torch.arange(10)
    (X_tr, y_tr), (X_va, y_va) = split_train_val(X, y, val_fraction=0.3, seed=1)
    assert len(y_tr) == 7 and len(y_va) == 3
    assert sorted(y_tr.tolist() + y_va.tolist()) == list(range(10))
    assert torch.equal(X_tr.squeeze(1).long(), y_tr)
    assert torch.equal(split_train_val(X, y, val_fraction=0.3, seed=1)[1][1], y_va)


@pytest.mark.parametrize("fraction", [0.0, 1.0, 0.01])
def test_split_rejects_fractions_that_leave_a_part_empty(fraction):
    with pytest.raises(ValueError, match="val_fraction"):
        split_train_val(torch.zeros(10), val_fraction=fraction)


def test_reference_loaders_split_800_200_and_shuffle_reproducibly():
    train_a, val_a = make_tagging_loaders()
    train_b, _ = make_tagging_loaders()
    assert len(train_a.dataset) == 800 and len(val_a.dataset) == 200
    assert torch.equal(next(iter(train_a))[0], next(iter(train_b))[0])
    x, y = next(iter(val_a))
    assert x.shape == (32, 10, 8) and y.shape == (32, 10)


def test_loaders_yield_lengths_when_given():
    X, y, lengths = make_variable_length_data(n_sequences=40, seed=2)
    train, _ = make_loaders(X, y, lengths, batch_size=8)
    assert len(next(iter(train))) == 3


def test_step_mask_marks_the_steps_before_each_length():
    mask = step_mask(torch.tensor([3, 1, 4]), 4)
    assert mask.dtype == torch.bool
    assert mask.tolist() == [[True, True, True, False], [True, False, False, False], [True] * 4]


# --- bad input is named (issue 16) -----------------------------------------------------------------


def test_count_on_neighbours_refuses_non_finite_features():
    X = torch.zeros(1, 4, 2)
    X[0, 1, 0] = float("nan")
    with pytest.raises(ValueError, match="X holds NaN or inf"):
        count_on_neighbours(X, [4])


@pytest.mark.parametrize("seed, error", [(-1, ValueError), (1.5, TypeError)])
def test_split_train_val_seed_must_be_an_int_from_0(seed, error):
    with pytest.raises(error, match="seed must be"):
        split_train_val(torch.zeros(10, 2), seed=seed)


def test_split_train_val_names_what_is_not_a_tensor():
    with pytest.raises(TypeError, match=r"tensors\[1\] must be a torch.Tensor"):
        split_train_val(torch.zeros(10, 2), [0] * 10)


def test_lengths_must_not_be_complex():
    with pytest.raises(TypeError, match="lengths must be an integer tensor"):
        check_lengths(torch.tensor([2, 3]) + 0j)
