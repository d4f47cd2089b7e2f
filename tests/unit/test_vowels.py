"""Specification of course_utils.vowels: the shipped Japanese Vowels recordings."""

import pytest
import torch

from course_utils.data import collate_padded
from course_utils.vowels import load_japanese_vowels, make_vowel_loaders, read_ts


def test_official_split_sizes_and_labels():
    train_x, train_y = load_japanese_vowels("train")
    test_x, test_y = load_japanese_vowels("test")
    assert len(train_x) == len(train_y) == 270
    assert len(test_x) == len(test_y) == 370
    assert train_y.bincount().tolist() == [30] * 9
    assert set(test_y.tolist()) == set(range(9))


def test_utterances_are_7_to_29_frames_of_12_coefficients():
    series, _ = load_japanese_vowels("train")
    series += load_japanese_vowels("test")[0]
    assert all(s.dtype == torch.float32 and s.dim() == 2 and s.shape[1] == 12 for s in series)
    lengths = [s.shape[0] for s in series]
    assert min(lengths) == 7 and max(lengths) == 29


def test_first_training_utterance_matches_the_file():
    series, labels = load_japanese_vowels("train")
    # the first values of the first line of JapaneseVowels_TRAIN.ts, dims 1 and 2
    assert series[0][0, 0].item() == pytest.approx(1.860936)
    assert series[0][1, 0].item() == pytest.approx(1.891651)
    assert series[0][0, 1].item() == pytest.approx(-0.207383)
    assert labels[0].item() == 0


def test_loads_are_independent_copies():
    series, labels = load_japanese_vowels("train")
    series[0].zero_()
    labels[0] = 5
    again, labels_again = load_japanese_vowels("train")
    assert again[0].abs().sum() > 0 and labels_again[0] == 0


def test_unknown_split_is_rejected_with_the_choices():
    with pytest.raises(ValueError, match=r"split must be one of \('train', 'test'\)"):
        load_japanese_vowels("validation")


def test_loaders_pad_batches_and_return_lengths():
    train, test = make_vowel_loaders(batch_size=16)
    x, y, lengths = next(iter(test))
    assert x.shape[0] == 16 and x.shape[2] == 12 and x.shape[1] == int(lengths.max())
    assert y.shape == (16,) and lengths.dtype == torch.int64
    for n in range(16):
        assert torch.all(x[n, lengths[n]:] == 0)
    assert len(train.dataset) == 270 and len(test.dataset) == 370


def test_loader_shuffle_is_seeded():
    first = next(iter(make_vowel_loaders(seed=3)[0]))[1]
    second = next(iter(make_vowel_loaders(seed=3)[0]))[1]
    assert torch.equal(first, second)


def test_read_ts_reports_unequal_dimensions_with_the_line(tmp_path):
    bad = tmp_path / "bad.ts"
    bad.write_text("@classLabel true a b\n@data\n1,2:3:a\n")
    with pytest.raises(ValueError, match="bad.ts, line 3: the 2 dimensions differ in length"):
        read_ts(bad)


def test_read_ts_reports_unknown_labels(tmp_path):
    bad = tmp_path / "bad.ts"
    bad.write_text("@classLabel true a b\n@data\n1,2:3,4:c\n")
    with pytest.raises(ValueError, match="label 'c' is not in @classLabel"):
        read_ts(bad)


def test_read_ts_maps_string_labels_to_their_header_position(tmp_path):
    good = tmp_path / "good.ts"
    good.write_text("# comment\n@classLabel true a b\n@data\n1,2:3,4:b\n")
    series, labels = read_ts(good)
    assert series[0].tolist() == [[1.0, 3.0], [2.0, 4.0]] and labels.tolist() == [1]


def test_collate_is_reused_for_sequence_labels():
    series, labels = load_japanese_vowels("test")
    X, Y, lengths = collate_padded(list(zip(series[:3], labels[:3])))
    assert Y.tolist() == labels[:3].tolist()
