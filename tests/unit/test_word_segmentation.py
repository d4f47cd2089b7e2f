"""Specification of course_utils.lessons.word_segmentation: the capstone's data, model, scores and segmenter."""

import gzip
import json
import os
import platform
import re
import threading
import zipfile
from types import SimpleNamespace

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from course_utils.checkpoints import DIGEST_TAG
from course_utils.data import PAD_LABEL
from course_utils.files import DamagedFileError
from course_utils.lessons import word_segmentation as capstone
from course_utils.lessons.word_segmentation import (
    PAD_ID,
    TOPICS_PATH,
    UNK_ID,
    CapstoneData,
    CharTagger,
    CharVocab,
    Segmenter,
    boundary_scores,
    build_segmenter,
    capstone_data,
    collate_ids,
    corpus,
    corpus_sentences,
    encode_sentences,
    forward_hidden_size,
    get_capstones,
    insert_spaces,
    load_capstone,
    load_topics,
    make_segmentation_loaders,
    missed_word_ends,
    plot_length_histogram,
    predict_spaces,
    segment,
    space_labels,
    split_sentences,
    train_capstone,
    train_capstones,
    word_end_recall,
)
from course_utils.lessons.word_segmentation import model as model_module
from course_utils.models import count_parameters
from course_utils.plots import CourseFigure
from course_utils.samplers import LengthGroupedBatchSampler

TINY = [
    "The cat sat on the mat.",
    "A dog ran in the park.",
    "It is a test of this code.",
    "We read both ways here.",
    "Spaces go back in.",
    "Short one here.",
]


@pytest.fixture(scope="module")
def data():
    return capstone_data()


def tiny_data(batch_size=2):
    splits = {"train": TINY[:4], "val": TINY[4:]}
    vocab = CharVocab.from_sentences(TINY, min_count=1)
    return CapstoneData(splits, vocab, *make_segmentation_loaders(splits, vocab, batch_size=batch_size))


# --- corpus and splits ------------------------------------------------------


def test_corpus_is_prose_sentences_of_20_to_120_characters_each_once():
    sentences = corpus_sentences()
    assert len(sentences) > 1500
    assert len(set(sentences)) == len(sentences)
    assert all(20 <= len(s) <= 120 for s in sentences)
    assert all(re.fullmatch(r"[A-Za-z0-9 ,;:'\"()\-_.]+", s) and "  " not in s for s in sentences)


def test_corpus_is_the_same_on_every_call_and_a_copy():
    first = corpus_sentences()
    first.clear()
    assert corpus_sentences() == corpus_sentences() != []


def test_the_shipped_text_is_the_pydoc_topics_of_the_python_it_names():
    shipped = json.loads(gzip.decompress(TOPICS_PATH.read_bytes()))
    assert load_topics() == shipped["topics"] and len(shipped["topics"]) > 50
    if shipped["python"] != platform.python_version():
        pytest.skip(f"the shipped text is from Python {shipped['python']}, this is {platform.python_version()}")
    from pydoc_data import topics

    assert shipped["topics"] == topics.topics


def test_load_topics_returns_a_copy():
    load_topics().clear()
    assert load_topics()


def test_corpus_rejects_a_max_len_below_min_len():
    with pytest.raises(ValueError, match="max_len must be >= 50"):
        corpus_sentences(min_len=50, max_len=40)


def test_split_is_deterministic_disjoint_and_80_10_10():
    sentences = [f"sentence {i}" for i in range(100)]
    splits = split_sentences(sentences, seed=3)
    assert splits == split_sentences(sentences, seed=3)
    assert [len(splits[k]) for k in ("train", "val", "test")] == [80, 10, 10]
    assert sorted(splits["train"] + splits["val"] + splits["test"]) == sorted(sentences)
    assert split_sentences(sentences, seed=4) != splits


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"val_fraction": 0}, "val_fraction must be a number between 0 and 1"),
        ({"test_fraction": 1.5}, "test_fraction must be a number between 0 and 1"),
        ({"val_fraction": 0.6, "test_fraction": 0.4}, "leave an empty part"),
    ],
)
def test_split_rejects_fractions_that_leave_nothing(kwargs, message):
    with pytest.raises(ValueError, match=message):
        split_sentences([f"s{i}" for i in range(10)], **kwargs)


def test_split_rejects_a_single_string():
    with pytest.raises(TypeError, match="sentences must be a list of strings"):
        split_sentences("the cat sat")


# --- labels -----------------------------------------------------------------


def test_space_labels_mark_characters_followed_by_a_space():
    assert space_labels("the cat sat") == ("thecatsat", [0, 0, 1, 0, 0, 1, 0, 0, 0])


def test_space_labels_treat_runs_of_whitespace_as_one_space_and_ignore_the_ends():
    assert space_labels("  a \t bc\n") == ("abc", [1, 0, 0])


def test_space_labels_of_an_empty_string_are_empty():
    assert space_labels("") == ("", [])


def test_space_labels_reject_non_strings():
    with pytest.raises(TypeError, match="sentence must be a str, got int 3"):
        space_labels(3)


@pytest.mark.parametrize("sentence", ["the cat sat", "One.", "A b c d.", 'It is "x" (or y).'])
def test_insert_spaces_undoes_space_labels(sentence):
    assert insert_spaces(*space_labels(sentence)) == sentence


def test_insert_spaces_never_adds_a_trailing_space():
    assert insert_spaces("ab", [1, 1]) == "a b"


def test_insert_spaces_needs_one_label_per_character():
    with pytest.raises(ValueError, match="3 characters, 2 labels"):
        insert_spaces("abc", [0, 1])


# --- vocabulary -------------------------------------------------------------


def test_vocab_reserves_0_for_padding_and_1_for_unknown_characters():
    vocab = CharVocab("abc")
    assert len(vocab) == 5
    assert vocab.encode("cab") == [4, 2, 3]
    assert vocab.encode("aé") == [2, UNK_ID]
    assert vocab.decode([4, UNK_ID, PAD_ID, PAD_ID]) == "c<unk>"


def test_vocab_from_sentences_keeps_characters_seen_min_count_times_most_frequent_first():
    vocab = CharVocab.from_sentences(["aab", "ba c"], min_count=2)
    assert vocab.chars == "ab"  # 'c' is seen once: it becomes unknown
    assert vocab.encode("c") == [UNK_ID]


def test_vocab_survives_a_save_and_load(tmp_path):
    vocab = CharVocab("xyz\"'")
    assert CharVocab.load(vocab.save(tmp_path / "vocab.json")) == vocab


@pytest.mark.parametrize(
    "chars, error, message",
    [
        ("aba", ValueError, "distinct, non-space"),
        ("a b", ValueError, "distinct, non-space"),
        (["a"], TypeError, "chars must be a str"),
    ],
)
def test_vocab_rejects_bad_alphabets(chars, error, message):
    with pytest.raises(error, match=message):
        CharVocab(chars)


def test_vocab_encode_rejects_non_strings_and_decode_unknown_ids():
    with pytest.raises(TypeError, match="text must be a str"):
        CharVocab("ab").encode(["a"])
    with pytest.raises(ValueError, match=r"ids must be in \[0, 3\]"):
        CharVocab("ab").decode([9])


@pytest.mark.slow
def test_shipped_vocab_is_the_one_this_corpus_gives(data):
    assert load_capstone()[1] == data.vocab


# --- batches ----------------------------------------------------------------


def test_encoded_sentences_leave_the_last_character_out_of_the_loss():
    ((ids, labels),) = encode_sentences(["ab cd"], CharVocab("abcd"))
    assert ids.tolist() == [2, 3, 4, 5]
    assert labels.tolist() == [0, 1, 0, PAD_LABEL]


def test_encoding_rejects_a_sentence_of_only_spaces():
    with pytest.raises(ValueError, match=r"sentences\[1\] has no characters"):
        encode_sentences(["ab", "   "], CharVocab("ab"))


def test_collate_pads_ids_with_0_and_labels_with_minus_100():
    batch = [(torch.tensor([2, 3, 4]), torch.tensor([0, 1, PAD_LABEL])), (torch.tensor([5]), torch.tensor([PAD_LABEL]))]
    ids, labels, lengths = collate_ids(batch)
    assert ids.dtype == torch.int64 and ids.tolist() == [[2, 3, 4], [5, 0, 0]]
    assert labels.tolist() == [[0, 1, PAD_LABEL], [PAD_LABEL] * 3]
    assert lengths.tolist() == [3, 1]


def test_loaders_batch_sentences_of_similar_length():
    data = tiny_data(batch_size=2)
    lengths = sorted(sorted(int(n) for n in batch[2]) for batch in data.train_loader)
    assert lengths == [[17, 18], [19, 20]]  # the four training sentences, spaces removed, in pairs of neighbours
    assert isinstance(data.train_loader.batch_sampler, LengthGroupedBatchSampler)
    assert data.train_loader.batch_sampler.shuffle and not data.val_loader.batch_sampler.shuffle


def test_loaders_give_padded_variable_length_batches():
    data = tiny_data(batch_size=3)
    ids, labels, lengths = next(iter(data.val_loader))
    assert ids.shape == labels.shape == (2, int(lengths.max()))
    assert sorted(lengths.tolist()) == sorted(len(space_labels(s)[0]) for s in TINY[4:])


def test_loaders_need_the_splits_dict():
    with pytest.raises(ValueError, match="splits must be split_sentences"):
        make_segmentation_loaders(["a b"], CharVocab("ab"))


# --- the model --------------------------------------------------------------


def test_char_tagger_maps_ids_to_two_logits_per_character():
    model = CharTagger(vocab_size=10, embed_dim=4, hidden_size=3)
    logits = model(torch.randint(0, 10, (2, 7)), torch.tensor([7, 4]))
    assert logits.shape == (2, 7, 2)
    assert model.tagger.rnn.bidirectional and model.embed.padding_idx == PAD_ID


def test_char_tagger_ignores_padding_when_given_lengths():
    model = CharTagger(10, 4, 3)
    alone = model(torch.tensor([[2, 3, 4]]))
    padded = model(torch.tensor([[2, 3, 4, 0, 0], [5, 6, 7, 8, 9]]), torch.tensor([3, 5]))
    assert torch.allclose(padded[0, :3], alone[0], atol=1e-6)


@pytest.mark.parametrize(
    "ids, error, message",
    [
        (torch.tensor([[2.0, 1.0]]), TypeError, r"integer tensor of character ids \(e.g. ids.long\(\)\)"),
        (torch.tensor([[3, 12]]), ValueError, r"ids must be in \[0, 9\].*from 3 to 12"),
        (torch.zeros(1, 2, 3, dtype=torch.long), ValueError, r"2 axes \(N, L\)"),
        (torch.tensor([[True]]), TypeError, "tensor of character ids"),
        ([[1, 2]], TypeError, "tensor of character ids"),
    ],
)
def test_char_tagger_rejects_bad_ids_with_a_clear_message(ids, error, message):
    with pytest.raises(error, match=message):
        CharTagger(10, 4, 3)(ids)


def test_forward_only_segmenter_has_about_the_bidirectional_parameter_count():
    both, forward = build_segmenter(72, True), build_segmenter(72, False)
    assert not forward.tagger.rnn.bidirectional
    assert forward.tagger.rnn.hidden_size == forward_hidden_size()
    assert abs(count_parameters(forward) - count_parameters(both)) / count_parameters(both) < 0.01


def test_forward_hidden_size_leaves_the_random_state_alone():
    torch.manual_seed(0)
    forward_hidden_size()
    after = torch.rand(1)
    torch.manual_seed(0)
    assert torch.equal(after, torch.rand(1))


def test_training_on_the_loaders_is_deterministic():
    first, history = train_capstone(tiny_data(), epochs=2, progress=False)
    second, _ = train_capstone(tiny_data(), epochs=2, progress=False)
    assert len(history) == 2
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), second.state_dict().values()))


def test_train_capstone_needs_capstone_data():
    with pytest.raises(TypeError, match="data must be the CapstoneData"):
        train_capstone([("x", "y")])
    with pytest.raises(TypeError, match="data must be the CapstoneData"):
        train_capstones([("x", "y")])


@pytest.mark.parametrize("side_by_side", [True, False])
def test_both_models_trained_together_are_bit_for_bit_the_ones_trained_alone(side_by_side):
    together = train_capstones(tiny_data(), epochs=2, progress=False, side_by_side=side_by_side)
    for bidirectional in (True, False):
        alone, alone_history = train_capstone(tiny_data(), bidirectional, epochs=2, progress=False)
        model, history = together[bidirectional]
        assert model.tagger.rnn.bidirectional is bidirectional and not model.training
        assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), alone.state_dict().values()))
        assert history.column("val_loss") == alone_history.column("val_loss")


def test_side_by_side_training_uses_a_second_thread(monkeypatch):
    threads = []
    monkeypatch.setattr(model_module, "train", lambda *args, **kwargs: threads.append(threading.current_thread()))
    train_capstones(tiny_data(), epochs=1, progress=False, side_by_side=True)
    assert len(set(threads)) == 2 and threading.main_thread() in threads


def test_ctrl_c_while_training_side_by_side_stops_the_second_thread_within_a_batch_or_two(monkeypatch):
    forward_calls = {True: 0, False: 0}  # per model: bidirectional or forward-only
    at_stop = []  # the forward-only model's calls when the second thread was told to stop
    original_forward = CharTagger.forward

    def forward(self, ids, lengths=None):
        bidirectional = self.tagger.rnn.bidirectional
        forward_calls[bidirectional] += 1
        if bidirectional and forward_calls[True] == 7:  # Ctrl-C in this thread, in epoch 3
            raise KeyboardInterrupt
        return original_forward(self, ids, lengths)

    class RecordedEvent(threading.Event):
        def set(self):
            at_stop.append(forward_calls[False])
            super().set()

    monkeypatch.setattr(CharTagger, "forward", forward)
    monkeypatch.setattr(model_module, "threading", SimpleNamespace(Event=RecordedEvent))
    with pytest.raises(KeyboardInterrupt) as stopped:
        train_capstones(tiny_data(), epochs=300, progress=False, side_by_side=True)  # 3 calls an epoch: 900 each
    assert len(stopped.value.history) == 2  # the bidirectional model's 2 finished epochs
    assert at_stop and forward_calls[False] - at_stop[0] <= 2


def test_side_by_side_must_be_a_bool_or_none():
    with pytest.raises(TypeError, match="side_by_side"):
        train_capstones(tiny_data(), side_by_side="yes")


# --- scores and error analysis -----------------------------------------------


def test_boundary_f1_of_the_quiz_example_is_two_thirds():
    # the quiz's 9 characters come from a longer text: one more character ends the sentence
    truth, guess = [0, 0, 1, 0, 0, 1, 0, 0, 1, 0], [0, 0, 1, 0, 1, 0, 0, 0, 1, 0]
    scores = boundary_scores([truth], [guess])
    assert (scores["tp"], scores["fp"], scores["fn"]) == (2, 1, 1)
    assert scores["f1"] == pytest.approx(2 / 3)


def test_boundary_scores_leave_out_each_sentence_last_character():
    scores = boundary_scores([[0, 1, 0], [1]], [[0, 1, 1], [0]])
    assert (scores["tp"], scores["fp"], scores["fn"], scores["characters"]) == (1, 0, 0, 2)
    assert scores["f1"] == 1.0


def test_boundary_scores_are_zero_without_boundaries_and_check_lengths():
    assert boundary_scores([[0, 0]], [[0, 0]])["f1"] == 0.0
    with pytest.raises(ValueError, match="sentence 0: 2 true labels but 3 predicted"):
        boundary_scores([[0, 0]], [[0, 0, 0]])


def test_word_end_recall_sorts_ends_by_what_reveals_them():
    sentences = ["in time, we go"]
    # labels for "intime,wego": ends after "in" (could go on: "instance"), "time," (punctuation), "we" (cannot)
    predicted = [[0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0]]
    recall = word_end_recall(sentences, predicted, known_words={"instance", "time", "we"})
    assert recall == {
        "after punctuation": (1.0, 1),
        "after a letter, could go on": (0.0, 1),
        "after a letter, cannot go on": (1.0, 1),
    }
    assert missed_word_ends(sentences, predicted) == {"in": 1}


def test_word_end_recall_needs_one_prediction_per_sentence():
    with pytest.raises(ValueError, match="2 sentences but predictions for 1"):
        missed_word_ends(["a b", "c d"], [[1, 0]])


# --- the shipped checkpoints and segment() -----------------------------------


@pytest.mark.slow
def test_shipped_checkpoints_meet_the_capstone_targets_on_held_out_sentences(data):
    test = data.splits["test"]
    both = capstone.evaluate_segmenter(load_capstone(True)[0], data.vocab, test)["f1"]
    forward = capstone.evaluate_segmenter(load_capstone(False)[0], data.vocab, test)["f1"]
    assert both >= 0.95
    assert both - forward >= 0.10


def test_shipped_checkpoints_are_small():
    assert sum(capstone.checkpoint_path(bidirectional).stat().st_size for bidirectional in (True, False)) < 200_000
    assert capstone.TOPICS_PATH.stat().st_size < 200_000


@pytest.mark.slow
def test_loading_instead_of_training_gives_the_recorded_history(data):
    loaded = get_capstones(data, train_from_scratch=False)
    for bidirectional, (model, history) in loaded.items():
        assert not model.training and model.tagger.rnn.bidirectional is bidirectional
        assert len(history) == capstone.EPOCHS and history.last["seconds"] is None


@pytest.mark.slow
def test_loading_refuses_a_corpus_with_another_vocabulary(data):
    other = CapstoneData(data.splits, CharVocab("abc"), data.train_loader, data.val_loader)
    with pytest.raises(ValueError, match="train from scratch instead"):
        get_capstones(other, train_from_scratch=False)


@pytest.mark.slow
def test_segment_restores_spaces_in_a_held_out_sentence(data):
    sentence = data.splits["test"][0]
    assert segment(sentence.replace(" ", "")).replace(" ", "") == sentence.replace(" ", "")
    assert segment("Thefunctionreturnsanewobject.") == "The function returns a new object."


def test_segment_of_an_empty_or_blank_string_is_empty():
    assert segment("") == "" == segment("  \n")


def test_segment_keeps_characters_it_has_never_seen():
    result = segment("Thecafé§isopen.")
    assert result.replace(" ", "") == "Thecafé§isopen."


def test_segment_rejects_non_strings():
    with pytest.raises(TypeError, match="text must be a str, got bytes"):
        segment(b"thecat")


def test_predict_spaces_wants_a_list():
    with pytest.raises(TypeError, match="wrap one text in a list"):
        predict_spaces(load_capstone()[0], load_capstone()[1], "a b")


class SpaceAfterX(nn.Module):
    """A stand-in tagger: class 1 exactly where the id is `x_id`."""

    def __init__(self, x_id):
        super().__init__()
        self.x_id = x_id

    def forward(self, ids, lengths=None):
        hit = (ids == self.x_id).float()
        return torch.stack([1 - hit, hit], dim=-1)


def test_long_text_is_windowed_without_losing_or_moving_a_space():
    vocab = CharVocab("abx")
    segmenter = Segmenter(SpaceAfterX(vocab.encode("x")[0]), vocab, window=10, margin=2)
    words = [("ab" * (i % 4)) + "x" for i in range(200)]
    assert segmenter("".join(words)) == " ".join(words)


def test_segmenter_window_must_leave_room_beyond_its_margins():
    with pytest.raises(ValueError, match="window must be >= 41"):
        Segmenter(SpaceAfterX(2), CharVocab("ab"), window=40, margin=20)


def test_length_histogram_is_one_course_figure():
    figure = plot_length_histogram({"train": TINY, "test": TINY[:2]})
    assert isinstance(figure, CourseFigure)
    assert figure.description.endswith(
        "splits stacked: train 6 sentences of 13 to 20 characters, median 17.5; "
        "test 2 sentences of 17 to 18 characters, median 17.5."
    )


# --- damaged shipped files and vocabularies are named, with what to do (issue 16) -----------------


@pytest.mark.parametrize(
    "content, words",
    [
        ("", "is damaged or cut short, not a readable vocabulary file"),
        ('{"pad_id": 0, "unk_id":', "is damaged or cut short"),
        ("[1, 2]", "expected a JSON object with a 'chars' string, got list"),
        ('{"pad_id": 0, "unk_id": 1}', "expected a JSON object with a 'chars' string"),
        ('{"pad_id": 3, "unk_id": 1, "chars": "ab"}', r"it numbers padding and unknown characters \(3, 1\)"),
        ('{"pad_id": 0, "unk_id": 1, "chars": "aab"}', "chars must hold distinct, non-space characters"),
    ],
)
def test_a_damaged_or_foreign_vocabulary_file_is_named(tmp_path, content, words):
    path = tmp_path / "vocab.json"
    path.write_text(content)
    with pytest.raises(DamagedFileError, match=words) as caught:
        CharVocab.load(path)
    assert str(path) in str(caught.value) and "CharVocab.save" in str(caught.value)


def test_a_missing_vocabulary_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no vocabulary file at .*none.json: write it with CharVocab.save"):
        CharVocab.load(tmp_path / "none.json")


def test_saving_a_vocabulary_interrupted_leaves_the_old_file(tmp_path, monkeypatch):
    path = CharVocab("abc").save(tmp_path / "vocab.json")
    before = path.read_text()

    def interrupted(source, target):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        CharVocab("abcdef").save(path)
    assert path.read_text() == before and CharVocab.load(path) == CharVocab("abc")


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_saving_over_a_read_only_vocabulary_is_refused_and_names_it(tmp_path):
    path = CharVocab("abc").save(tmp_path / "vocab.json")
    path.chmod(0o444)
    with pytest.raises(PermissionError, match=f"{path} is read-only"):
        CharVocab("abcdef").save(path)
    assert CharVocab.load(path) == CharVocab("abc")


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(chars=st.text(min_size=0, max_size=30).map(lambda t: "".join(dict.fromkeys(c for c in t if not c.isspace()))))
def test_any_vocabulary_survives_a_save_and_load(tmp_path_factory, chars):
    path = tmp_path_factory.mktemp("vocab") / "vocab.json"
    assert CharVocab.load(CharVocab(chars).save(path)) == CharVocab(chars)


@pytest.mark.parametrize(
    "content, words",
    [
        (b"plain text", "is damaged or cut short, not a readable copy of Python's documentation topics"),
        (gzip.compress(b'{"python": "3", "topics": {"a": "b"}}', mtime=0)[:20], "is damaged or cut short"),
        (gzip.compress(b'{"python": "3"}', mtime=0), "expected {'python': version, 'topics'"),
        (gzip.compress(b'{"python": "3", "topics": {"a": 1}}', mtime=0), "expected {'python': version, 'topics'"),
        (gzip.compress(b'{"python": "3", "topics": {}}', mtime=0), "with at least one topic"),
    ],
)
def test_a_damaged_shipped_text_is_named_with_how_to_restore_it(tmp_path, monkeypatch, content, words):
    path = tmp_path / "topics.json.gz"
    path.write_bytes(content)
    monkeypatch.setattr(corpus, "TOPICS_PATH", path)
    corpus.forget_cached_text()
    try:
        with pytest.raises(DamagedFileError, match=words) as caught:
            corpus.load_topics()
        assert str(path) in str(caught.value) and "git checkout -- course_utils/assets/word_segmentation" in str(
            caught.value
        )
    finally:
        monkeypatch.undo()
        corpus.forget_cached_text()


@pytest.mark.parametrize("content", ["{", '{"bidirectional": []}', '{"bidirectional": [{"epoch": 1}]}'])
def test_a_damaged_histories_file_is_named(tmp_path, monkeypatch, content, data):
    path = tmp_path / "histories.json"
    path.write_text(content)
    monkeypatch.setattr(model_module, "HISTORIES_PATH", path)
    with pytest.raises(DamagedFileError, match="histories.json") as caught:
        get_capstones(data, train_from_scratch=False, progress=False)
    assert "write_corpus --write-checkpoint" in str(caught.value)


@pytest.mark.parametrize("vocab", [None, "abc", {"a": 2}])
def test_a_vocab_that_is_not_a_char_vocab_is_named(vocab):
    with pytest.raises(TypeError, match="vocab must be a CharVocab"):
        encode_sentences(["a b"], vocab)
    with pytest.raises(TypeError, match="vocab must be a CharVocab"):
        predict_spaces(build_segmenter(10), vocab, ["a b"])


def test_a_model_that_is_not_a_module_is_named():
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        predict_spaces("model", CharVocab("ab"), ["a b"])


@pytest.mark.parametrize("texts", [None, 3, {"a": 1}])
def test_texts_that_are_not_a_list_are_named(texts):
    with pytest.raises(TypeError, match="must be a list of strings"):
        predict_spaces(build_segmenter(10), CharVocab("ab"), texts)
    with pytest.raises(TypeError, match="must be a list of strings"):
        encode_sentences(texts, CharVocab("ab"))


@pytest.mark.parametrize("bidirectional", [True, False])
def test_the_shipped_checkpoints_carry_the_checksum_of_their_weights(bidirectional):
    with zipfile.ZipFile(capstone.checkpoint_path(bidirectional)) as archive:
        assert archive.testzip() is None and archive.comment.decode().startswith(DIGEST_TAG)
