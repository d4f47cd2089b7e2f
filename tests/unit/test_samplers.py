"""Specification of course_utils.samplers: batches of similar lengths, a new deterministic order each epoch."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.data import DataLoader

from course_utils.data import collate_padded
from course_utils.models import SequenceTagger
from course_utils.samplers import LengthGroupedBatchSampler
from course_utils.training import train

PROPERTY = settings(max_examples=40, deadline=None, derandomize=True, database=None)
LENGTHS = [int(n) for n in torch.randint(1, 30, (103,), generator=torch.Generator().manual_seed(0))]


def epochs(sampler, count):
    return [list(sampler) for _ in range(count)]


def test_every_index_comes_exactly_once_per_epoch():
    for batches in epochs(LengthGroupedBatchSampler(LENGTHS, batch_size=10), 3):
        assert sorted(i for batch in batches for i in batch) == list(range(len(LENGTHS)))
        assert [len(batch) for batch in batches].count(3) == 1 and len(batches) == 11


def test_a_batch_holds_neighbouring_lengths():
    batches = list(LengthGroupedBatchSampler(LENGTHS, batch_size=10))
    spans = sorted((min(LENGTHS[i] for i in batch), max(LENGTHS[i] for i in batch)) for batch in batches)
    assert all(longest <= next_shortest for (_, longest), (next_shortest, _) in zip(spans, spans[1:]))


def test_the_same_seed_gives_the_same_epochs_and_each_epoch_differs():
    first, second = (epochs(LengthGroupedBatchSampler(LENGTHS, batch_size=10, seed=3), 3) for _ in range(2))
    assert first == second
    assert first[0] != first[1] != first[2] != first[0]
    assert epochs(LengthGroupedBatchSampler(LENGTHS, batch_size=10, seed=4), 1)[0] != first[0]


def test_sequences_of_equal_length_meet_different_batch_mates_across_epochs():
    sampler = LengthGroupedBatchSampler([5] * 20, batch_size=4, seed=0)
    mates = [{frozenset(batch) for batch in batches} for batches in epochs(sampler, 2)]
    assert mates[0] != mates[1]


def test_set_epoch_chooses_the_epoch_and_iteration_counts_on_from_it():
    sampler = LengthGroupedBatchSampler(LENGTHS, batch_size=10, seed=1)
    run = epochs(sampler, 3)
    sampler.set_epoch(1)
    assert list(sampler) == run[1] and list(sampler) == run[2]
    assert sampler.batches(0) == run[0]


def test_reseed_starts_over_at_epoch_0_with_the_new_seed():
    sampler = LengthGroupedBatchSampler(LENGTHS, batch_size=10, seed=1)
    epochs(sampler, 2)
    sampler.reseed(5)
    assert epochs(sampler, 2) == epochs(LengthGroupedBatchSampler(LENGTHS, batch_size=10, seed=5), 2)


def test_train_with_a_seed_replays_the_same_batches():
    samples = [(torch.randn(n, 2), torch.randint(0, 2, (n,))) for n in LENGTHS]
    loader = DataLoader(samples, batch_sampler=LengthGroupedBatchSampler(LENGTHS, 16), collate_fn=collate_padded)
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = SequenceTagger(2, 3, 2)
        runs.append(train(model, loader, epochs=2, progress=False, seed=0).column("train_loss"))
    assert runs[0] == runs[1]


def test_without_shuffling_the_batches_come_in_order_of_length_every_epoch():
    sampler = LengthGroupedBatchSampler(LENGTHS, batch_size=10, shuffle=False)
    first, second = epochs(sampler, 2)
    assert first == second
    flat = [i for batch in first for i in batch]
    assert flat == sorted(range(len(LENGTHS)), key=lambda i: (LENGTHS[i], i))


def test_drop_last_leaves_out_the_short_batch():
    sampler = LengthGroupedBatchSampler(LENGTHS, batch_size=10, drop_last=True)
    batches = list(sampler)
    assert len(sampler) == len(batches) == 10 and all(len(batch) == 10 for batch in batches)


@PROPERTY
@given(
    lengths=st.lists(st.integers(1, 50), min_size=1, max_size=60),
    batch_size=st.integers(1, 12),
    seed=st.integers(0, 2**20),
)
def test_any_lengths_give_a_partition_of_the_indices_into_batch_sized_groups(lengths, batch_size, seed):
    sampler = LengthGroupedBatchSampler(lengths, batch_size=batch_size, seed=seed)
    batches = list(sampler)
    assert sorted(i for batch in batches for i in batch) == list(range(len(lengths)))
    assert len(batches) == len(sampler) and all(1 <= len(batch) <= batch_size for batch in batches)
    assert sum(len(batch) < batch_size for batch in batches) <= 1


def test_a_plain_dataloader_batches_with_it_and_gets_a_new_order_each_epoch():
    samples = [(torch.full((n, 2), float(i)), torch.zeros(n, dtype=torch.int64)) for i, n in enumerate(LENGTHS)]
    loader = DataLoader(samples, batch_sampler=LengthGroupedBatchSampler(LENGTHS, 16), collate_fn=collate_padded)
    orders = []
    for _ in range(2):
        seen = []
        for x, _, lengths in loader:
            assert x.shape[1] == int(lengths.max()) and int(lengths.max() - lengths.min()) <= 10  # of 1..29
            seen += x[:, 0, 0].long().tolist()
        assert sorted(seen) == list(range(len(LENGTHS)))
        orders.append(seen)
    assert orders[0] != orders[1]


@pytest.mark.parametrize(
    ("arguments", "error", "words"),
    [
        ({"lengths": [3, 0, 2]}, ValueError, "every length must be >= 1"),
        ({"lengths": [[3, 2]]}, TypeError, "lengths must hold ints"),
        ({"lengths": []}, ValueError, "lengths is empty"),
        ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
        ({"batch_size": 2.0}, TypeError, "batch_size must be an int"),
        ({"seed": -1}, ValueError, "seed must be >= 0"),
        ({"shuffle": "yes"}, TypeError, "shuffle must be True or False"),
        ({"drop_last": None}, TypeError, "drop_last must be True or False"),
    ],
)
def test_bad_arguments_are_named(arguments, error, words):
    with pytest.raises(error) as raised:
        LengthGroupedBatchSampler(**{"lengths": [3, 1, 2], "batch_size": 2, **arguments})
    assert words in str(raised.value)


def test_a_bad_epoch_is_named():
    with pytest.raises(ValueError, match="epoch must be >= 0"):
        LengthGroupedBatchSampler([3, 1], 1).set_epoch(-1)
