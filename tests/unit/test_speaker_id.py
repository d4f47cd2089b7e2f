"""Specification of course_utils.lessons.speaker_id: the shipped Japanese Vowels recordings."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.data import collate_padded
from course_utils.files import DamagedFileError
from course_utils.lessons.speaker_id import (
    MeanPoolBaseline,
    build_speaker_models,
    coefficient_stats,
    load_japanese_vowels,
    load_padded,
    make_vowel_loaders,
    make_vowel_validation_loaders,
    mean_pool,
    plot_lengths,
    plot_utterances,
    predictions_by_padding,
    read_ts,
    standardize,
)


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
        assert torch.all(x[n, lengths[n] :] == 0)
    assert len(train.dataset) == 270 and len(test.dataset) == 370


def test_loader_shuffle_is_seeded():
    first = next(iter(make_vowel_loaders(seed=3)[0]))[1]
    second = next(iter(make_vowel_loaders(seed=3)[0]))[1]
    assert torch.equal(first, second)


def test_read_ts_maps_string_labels_to_their_header_position(tmp_path):
    good = tmp_path / "good.ts"
    good.write_text("# comment\n@classLabel true a b\n@data\n1,2:3,4:b\n")
    series, labels = read_ts(good)
    assert series[0].tolist() == [[1.0, 3.0], [2.0, 4.0]] and labels.tolist() == [1]


def test_collate_is_reused_for_sequence_labels():
    series, labels = load_japanese_vowels("test")
    X, Y, lengths = collate_padded(list(zip(series[:3], labels[:3])))
    assert Y.tolist() == labels[:3].tolist()


# --- standardization -----------------------------------------------------------------------------


def test_coefficient_stats_are_over_every_frame():
    series = [torch.tensor([[0.0, 1.0], [2.0, 1.0]]), torch.tensor([[4.0, 4.0]])]
    mean, std = coefficient_stats(series)
    assert mean.tolist() == [2.0, 2.0]
    assert std.tolist() == pytest.approx([2.0, 3**0.5])


def test_standardized_training_split_has_zero_mean_and_unit_spread():
    series, _ = load_japanese_vowels("train", standardized=True)
    frames = torch.cat(series)
    assert frames.mean(0).abs().max() < 1e-5
    assert (frames.std(0) - 1).abs().max() < 1e-5


def test_the_test_split_is_standardized_with_the_training_statistics():
    stats = coefficient_stats(load_japanese_vowels("train")[0])
    raw, _ = load_japanese_vowels("test")
    scaled, _ = load_japanese_vowels("test", standardized=True)
    assert torch.allclose(scaled[5], (raw[5] - stats[0]) / stats[1])
    assert torch.cat(scaled).mean(0).abs().max() > 1e-3  # not its own statistics


def test_standardize_rejects_statistics_of_another_width():
    series = [torch.randn(3, 12)]
    with pytest.raises(ValueError, match=r"stats mean must have one entry per coefficient \(12\)"):
        standardize(series, (torch.zeros(5), torch.ones(5)))


def test_standardize_rejects_a_zero_spread():
    with pytest.raises(ValueError, match="std must be > 0"):
        standardize([torch.randn(3, 2)], (torch.zeros(2), torch.tensor([1.0, 0.0])))


def test_series_must_be_a_list_of_2d_float_tensors():
    with pytest.raises(TypeError, match="series must be a non-empty list"):
        coefficient_stats(torch.randn(3, 12))
    with pytest.raises(ValueError, match=r"series\[1\] \(L_i, H_in\) must have 2 axes"):
        coefficient_stats([torch.randn(3, 12), torch.randn(12)])


def test_standardized_must_be_a_bool():
    with pytest.raises(TypeError, match="standardized must be True or False"):
        load_japanese_vowels("train", standardized="yes")


def test_loaders_standardize_by_default():
    x, _, lengths = next(iter(make_vowel_loaders(batch_size=270)[0]))
    frames = torch.cat([x[n, : lengths[n]] for n in range(len(lengths))])
    assert frames.mean(0).abs().max() < 1e-5


def test_load_padded_gives_the_whole_split_as_one_batch():
    x, y, lengths = load_padded("test")
    assert x.shape == (370, 29, 12) and y.shape == (370,) and lengths.shape == (370,)
    series, _ = load_japanese_vowels("test", standardized=True)
    assert torch.equal(x[7, : lengths[7]], series[7])


# --- validation split ----------------------------------------------------------------------------


def test_validation_loaders_hold_out_utterances_of_every_speaker():
    train, val = make_vowel_validation_loaders(val_per_speaker=6)
    val_speakers = torch.stack([y for _, y in val.dataset])
    assert len(train.dataset) == 216 and len(val.dataset) == 54
    assert val_speakers.bincount().tolist() == [6] * 9


def test_validation_utterances_are_not_in_the_training_part():
    train, val = make_vowel_validation_loaders(standardized=False)
    originals, _ = load_japanese_vowels("train")

    def positions(dataset):
        return {next(i for i, s in enumerate(originals) if torch.equal(s, x)) for x, _ in dataset}

    assert positions(train.dataset).isdisjoint(positions(val.dataset))


def test_validation_loaders_standardize_with_their_training_part_only():
    train, _ = make_vowel_validation_loaders(batch_size=216)
    x, _, lengths = next(iter(train))
    frames = torch.cat([x[n, : lengths[n]] for n in range(len(lengths))])
    assert frames.mean(0).abs().max() < 1e-5


def test_validation_split_changes_with_split_seed_only():
    def held_out(**kwargs):
        return [x.shape[0] for x, _ in make_vowel_validation_loaders(**kwargs)[1].dataset]

    assert held_out(seed=1) == held_out(seed=2)
    assert held_out(split_seed=1) != held_out(split_seed=2)


def test_validation_needs_training_utterances_left():
    with pytest.raises(ValueError, match="each speaker has 30, got val_per_speaker=30"):
        make_vowel_validation_loaders(val_per_speaker=30)


# --- baseline and the deliberate mistakes ------------------------------------------------------


def test_mean_pool_averages_only_the_valid_frames():
    x = torch.tensor([[[1.0], [3.0], [0.0]], [[2.0], [4.0], [6.0]]])
    assert mean_pool(x, torch.tensor([2, 3])).tolist() == [[2.0], [4.0]]


def test_mean_pool_checks_lengths_against_the_batch():
    with pytest.raises(ValueError, match="lengths go up to 4"):
        mean_pool(torch.zeros(2, 3, 1), torch.tensor([4, 1]))


def test_mean_pooled_baseline_is_logistic_regression_on_the_mean_frame():
    model = MeanPoolBaseline()
    x, _, lengths = load_padded("test")
    assert model(x[:4], lengths[:4]).shape == (4, 9)
    assert sum(p.numel() for p in model.parameters()) == 12 * 9 + 9


def test_a_classifier_given_lengths_does_not_depend_on_the_padding_but_the_mistakes_do():
    models = build_speaker_models(cell="gru", hidden_size=8)
    x, _, lengths = load_padded("test")
    x, lengths = x[:3], lengths[:3]
    more_pads = torch.cat([x, torch.zeros(3, 5, 12)], dim=1)
    with torch.no_grad():
        for name in ("bidirectional", "mean-pooled baseline"):
            assert torch.allclose(models[name](x, lengths), models[name](more_pads, lengths), atol=1e-6), name
        for name in ("no packing", "output[:, -1]"):
            assert not torch.allclose(models[name](x, lengths), models[name](more_pads, lengths), atol=1e-3), name


def test_the_no_packing_mistake_equals_the_classifier_run_without_lengths():
    models = build_speaker_models(cell="lstm", hidden_size=6)
    x, _, lengths = load_padded("test")
    with torch.no_grad():
        assert torch.equal(models["no packing"](x[:5], lengths[:5]), models["bidirectional"](x[:5]))


def test_the_last_output_mistake_reads_output_at_the_last_padded_step():
    model = build_speaker_models(cell="gru", hidden_size=6)["output[:, -1]"]
    x, _, lengths = load_padded("test")
    with torch.no_grad():
        output, _ = model.rnn(x[:5])
        assert torch.allclose(model(x[:5], lengths[:5]), model.head(output[:, -1]))


def test_the_compared_models_start_from_the_same_weights_and_a_similar_budget():
    models = build_speaker_models(cell="gru", hidden_size=32, seed=3)
    bi = models["bidirectional"].state_dict()
    for name in ("no packing", "output[:, -1]"):
        assert all(torch.equal(bi[k], v) for k, v in models[name].state_dict().items()), name
    forward_only = models["forward-only"]
    assert not forward_only.rnn.bidirectional
    counts = {name: sum(p.numel() for p in m.parameters()) for name, m in models.items()}
    assert abs(counts["forward-only"] - counts["bidirectional"]) / counts["bidirectional"] < 0.02


def test_building_the_models_leaves_the_random_state_alone():
    torch.manual_seed(0)
    expected = torch.rand(1)
    torch.manual_seed(0)
    build_speaker_models(hidden_size=4)
    assert torch.equal(torch.rand(1), expected)


# --- figure ------------------------------------------------------------------------------------------


def test_plot_lengths_draws_one_bar_group_per_split_and_is_closed():
    import matplotlib.pyplot as plt

    train_lengths = [s.shape[0] for s in load_japanese_vowels("train")[0]]
    test_lengths = [s.shape[0] for s in load_japanese_vowels("test")[0]]
    figure = plot_lengths({"train": train_lengths, "test": test_lengths})
    ax = figure.axes[0]
    assert figure.number not in plt.get_fignums()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train (270 utterances)", "test (370 utterances)"]
    assert sum(patch.get_height() for patch in ax.patches) == 640


def test_plot_lengths_says_per_split_how_many_how_long_and_the_most_common_length():
    assert plot_lengths({"train": [3, 4, 4, 7], "test": [5, 5]}).description == (
        "Utterance lengths in frames, one bar per length and split: train 4 utterances of 3 to 7 frames, "
        "most often 4 (2 utterances); test 2 utterances of 5 frames, most often 5 (2 utterances)."
    )


def test_plot_lengths_rejects_an_empty_dict():
    with pytest.raises(TypeError, match="lengths_by_split must be a non-empty dict"):
        plot_lengths({})


# --- predictions under three paddings ----------------------------------------------------------


@pytest.mark.slow
def test_a_classifier_given_lengths_predicts_the_same_under_every_padding():
    model = build_speaker_models(cell="gru", hidden_size=4)["bidirectional"]
    predictions = predictions_by_padding(model, batch_size=64)
    assert list(predictions) == ["batches of 64", "all padded to 29", "each alone"]
    first, *others = predictions.values()
    assert first.shape == (370,) and all(torch.equal(first, other) for other in others)


@pytest.mark.slow
def test_predictions_by_padding_reveal_a_model_that_reads_the_padding():
    torch.manual_seed(0)
    model = build_speaker_models(cell="rnn", hidden_size=4)["no packing"]
    with torch.no_grad():
        model.head.bias.zero_()
        model.head.weight.normal_(0, 10)  # amplify every difference in the final states
    predictions = predictions_by_padding(model)
    assert not torch.equal(predictions["batches of 16"], predictions["each alone"])


def test_predictions_by_padding_needs_a_model():
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        predictions_by_padding(lambda x, lengths: x)


def test_plot_utterances_shares_one_colour_scale_and_checks_titles():
    series = [torch.randn(5, 12), 3 * torch.randn(8, 12)]
    figure = plot_utterances(series, ["a", "b"])
    limits = {image.get_clim() for ax in figure.axes[:2] for image in ax.get_images()}
    assert len(limits) == 1 and [ax.get_title() for ax in figure.axes[:2]] == ["a", "b"]
    assert figure.description.startswith("2 utterances as heat maps, frames t down and 12 coefficients across")
    assert figure.description.endswith(": a, 5 frames; b, 8 frames.")
    with pytest.raises(ValueError, match="titles must be a list of 2 strings"):
        plot_utterances(series, ["a"])


# --- a damaged or foreign .ts file is named with its line and what to do (issue 16) ---------------

HEADER = "@problemName x\n@classLabel true a b\n@data\n"


@pytest.mark.parametrize(
    "data, words",
    [
        ("1,2:3:a\n", r"line 4: its 2 dimensions have different lengths \[1, 2\]"),
        ("1,2:3,4:c\n", r"line 4: label 'c' is not in @classLabel \['a', 'b'\]"),
        ("1,nan:3,4:a\n", r"line 4, dimension 0, value 1: 'nan' is not a finite number"),
        ("1,inf:3,4:a\n", r"line 4, dimension 0, value 1: 'inf' is not a finite number"),
        ("1,?:3,4:a\n", r"line 4, dimension 0, value 1: '\?' is not a number \(missing values"),
        ("1,,2:3,4,5:a\n", r"line 4, dimension 0, value 1: '' is not a number"),
        ("1,2:3,4:a\n1,2:a\n", r"line 5: 1 dimensions, but the lines before have 2"),
        ("1,2:3,4:a\n1,2:3,", r"line 5: label '3,' is not in @classLabel \['a', 'b'\] \(is the line cut short\?\)"),
        ("", r"no data lines after @data \(is the file empty or cut short\?\)"),
    ],
)
def test_a_broken_data_line_is_named_with_its_line(tmp_path, data, words):
    path = tmp_path / "bad.ts"
    path.write_text(HEADER + data)
    with pytest.raises(DamagedFileError, match=f"bad.ts: {words}.*git checkout -- course_utils/assets/japanese_vowels"):
        read_ts(path)


def test_data_without_a_class_label_header_and_binary_files_are_named(tmp_path):
    path = tmp_path / "bad.ts"
    path.write_text("@data\n1,2:3,4:a\n")
    with pytest.raises(DamagedFileError, match="line 2: data before any `@classLabel true <labels>` header line"):
        read_ts(path)
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    with pytest.raises(DamagedFileError, match="bad.ts is not UTF-8 text"):
        read_ts(path)


def test_a_missing_file_and_a_folder_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no .ts recording file at .*missing.ts"):
        read_ts(tmp_path / "missing.ts")
    with pytest.raises(IsADirectoryError, match="is a folder, not a .ts recording file"):
        read_ts(tmp_path)
    with pytest.raises(TypeError, match="path must be a file path"):
        read_ts(None)


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(
    series=st.lists(
        st.tuples(
            st.lists(
                st.lists(st.floats(-1e6, 1e6, allow_nan=False, width=32), min_size=3, max_size=3),
                min_size=1,
                max_size=6,
            ),
            st.sampled_from(["a", "b"]),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_what_a_ts_file_holds_is_read_back_exactly(tmp_path_factory, series):
    lines = [
        ":".join(",".join(repr(frame[d]) for frame in frames) for d in range(3)) + f":{label}"
        for frames, label in series
    ]
    path = tmp_path_factory.mktemp("ts") / "any.ts"
    path.write_text(HEADER + "\n".join(lines) + "\n")
    read, labels = read_ts(path)
    assert labels.tolist() == ["ab".index(label) for _, label in series]
    for tensor, (frames, _) in zip(read, series):
        assert torch.equal(tensor, torch.tensor(frames, dtype=torch.float32))


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(text=st.text(alphabet=st.sampled_from("0123456789.,:-e@abnif \n#?"), max_size=80))
def test_any_text_is_read_or_refused_with_a_damaged_file_error(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("ts") / "noise.ts"
    path.write_text(HEADER + text)
    try:
        series, labels = read_ts(path)
    except DamagedFileError as error:
        assert "noise.ts" in str(error)
    else:
        assert len(series) == len(labels) and all(torch.isfinite(s).all() for s in series)
