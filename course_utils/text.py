"""The capstone: put the spaces back into English text, one character at a time.

The task. Take a sentence, remove its spaces, and label every remaining
character 1 if a space followed it, else 0 (`space_labels`):

    "the cat sat"  ->  "thecatsat", labels 0 0 1 0 0 1 0 0 0

Whether a word ends at a character depends on what comes *after* it (`the`
ends in "the cat" but not in "there"), so a forward-only tagger must guess
where a bidirectional one can look.

The text. Prose from the Python documentation that every Python installs,
`pydoc_data.topics` (the text behind `help("assert")`): nothing to download.
That text changes a little between Python releases, so the course ships a
copy of it, taken from Python 3.11.7 (`assets/word_segmentation/
pydoc_topics.json.gz`; `load_topics`), and every learner gets the same
sentences, splits and figures whatever their Python.
`corpus_sentences` keeps only prose: paragraphs are joined, list bullets and
`*emphasis*` marks dropped, curly quotes made straight, then every sentence
made only of letters, digits, spaces and `, ; : ' " ( ) - _ .`, starting with a
capital or a quote and ending with `.` or `:`, is kept (code, grammar rules
and tables fail that test). Sentences longer than 120 characters
are cut at clause punctuation (`, ; :`); pieces of 20 to 120 characters are
kept, each once, in the order the topics sort.

The pieces: `split_sentences` (train/validation/test), `CharVocab` (ids, with
padding 0 and unknown 1), `make_segmentation_loaders` (variable-length
batches of similar lengths), `CharTagger` (embedding + the course's packed
`SequenceTagger`), `train_capstone`, `boundary_scores` (precision, recall, F1
of the predicted spaces), `word_end_recall` (error analysis), the shipped
checkpoints (`load_capstone`, `get_capstone`) and `segment(text)`.

The shipped files live in `assets/word_segmentation/`: the weights of both
models (state_dicts, about 80 KB each), the vocabulary and the training
histories. `python -m course_utils.text --write-checkpoint` rewrites them
with the same `train_capstone` the notebook calls (deterministic: seeds, one
thread), so they can be reproduced. `--write-corpus` replaces the shipped
text with the running Python's `pydoc_data.topics` (the checkpoints must then
be written again).
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import re
import sys
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from torch import nn
from torch.utils.data import DataLoader, Sampler

from .data import PAD_LABEL, collate_padded
from .env import seed_everything
from .models import SequenceTagger, one_way_hidden_size
from .plots import CourseFigure
from .training import History, load_checkpoint, save_checkpoint, train
from .validation import check_int, describe

PAD_ID, UNK_ID = 0, 1  # ids 0 and 1 are reserved; characters start at 2
PAD_TOKEN, UNK_TOKEN = "<pad>", "<unk>"
NUM_CLASSES = 2  # 0: no space follows the character, 1: a space follows it
MIN_LEN, MAX_LEN = 20, 120  # sentence lengths kept, in characters with spaces

# The capstone's settings, shared by the notebook and the checkpoint writer.
EMBED_DIM, HIDDEN_SIZE = 16, 40
BATCH_SIZE, EPOCHS, LR = 64, 14, 0.015
MIN_COUNT = 2  # a training character seen fewer times maps to the unknown id

ASSET_DIR = Path(__file__).resolve().parent / "assets" / "word_segmentation"
VOCAB_PATH = ASSET_DIR / "vocab.json"
HISTORIES_PATH = ASSET_DIR / "histories.json"  # the training curves behind the shipped weights
TOPICS_PATH = ASSET_DIR / "pydoc_topics.json.gz"  # {"python": version, "topics": {name: text}}
CHECKPOINT_NAMES = {True: "bidirectional_lstm.pt", False: "forward_lstm.pt"}
MODEL_NAMES = {True: "bidirectional", False: "forward-only"}

# Segmenting long text: windows of WINDOW characters; each keeps the
# predictions of its middle part and lends MARGIN characters of context on
# each side, so no prediction is made right at a window's cut.
WINDOW, MARGIN = 100, 20

_PROSE = re.compile(r"[A-Z\"][A-Za-z0-9 ,;:'\"()\-_]*[.:]")
PUNCTUATION = ",;:'\"()-_."
_STRAIGHT_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


# --- the corpus -------------------------------------------------------------

def corpus_sentences(min_len: int = MIN_LEN, max_len: int = MAX_LEN) -> list[str]:
    """Prose sentences of `min_len` to `max_len` characters from Python's own documentation.

    Read from the shipped copy of the text, so the same on every Python (see
    the module docstring for the filter). Returns a new list each call.
    """
    check_int("min_len", min_len)
    check_int("max_len", max_len, minimum=min_len)
    return list(_corpus(min_len, max_len))


def load_topics() -> dict[str, str]:
    """The shipped copy of `pydoc_data.topics.topics`: `{topic name: its text}` (a new dict each call)."""
    return dict(_shipped_topics()["topics"])


@lru_cache(maxsize=1)
def _shipped_topics() -> dict:
    with gzip.open(TOPICS_PATH, "rt", encoding="utf-8") as file:
        return json.load(file)


@lru_cache(maxsize=4)
def _corpus(min_len: int, max_len: int) -> tuple[str, ...]:
    topics = _shipped_topics()["topics"]
    kept: dict[str, None] = {}  # a dict keeps the first occurrence's order
    for key in sorted(topics):
        for paragraph in _paragraphs(topics[key]):
            for sentence in re.split(r"(?<=\.)\s+(?=[A-Z\"])", paragraph):
                if "  " in sentence or not _PROSE.fullmatch(sentence):
                    continue  # code and aligned tables keep double spaces
                for piece in _cut_long(sentence, max_len):
                    if min_len <= len(piece) <= max_len:
                        kept.setdefault(piece, None)
    return tuple(kept)


def write_topics() -> str:
    """Replace the shipped text with this Python's `pydoc_data.topics`; return this Python's version."""
    try:
        from pydoc_data import topics
    except ImportError as error:  # some Linux packages split the documentation topics out
        raise ImportError(
            "this Python lacks the standard library's pydoc_data.topics: install its full standard library "
            "(on Debian/Ubuntu, the libpythonX.Y-stdlib package)"
        ) from error
    version = platform.python_version()
    with gzip.GzipFile(TOPICS_PATH, "wb", mtime=0) as raw:  # mtime 0: the same text gives the same file
        raw.write(json.dumps({"python": version, "topics": topics.topics}, sort_keys=True).encode("utf-8"))
    return version


def _paragraphs(text: str):
    """The topic's blank-line-separated blocks, each as one line of tidied text."""
    text = re.sub(r"(?<=\w-)\n\s*", "", text.translate(_STRAIGHT_QUOTES))  # a word hyphenated at a line end
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in block.splitlines()]
        if any(re.fullmatch(r"[*=\-~^]{3,}", line) for line in lines):
            continue  # a heading and its underline
        paragraph = re.sub(r"^[*\-] ", "", " ".join(lines))  # a list bullet
        paragraph = re.sub(r"\*{1,2}([^*\s][^*]*?)\*{1,2}", r"\1", paragraph)  # *emphasis*, **strong**
        yield re.sub(r"\s*\[\d+\]", "", paragraph)  # footnote marks like [1]


def _cut_long(sentence: str, max_len: int) -> list[str]:
    """`sentence` itself if short enough, else pieces cut after `, ; :`, each as long as fits."""
    if len(sentence) <= max_len:
        return [sentence]
    pieces, current = [], ""
    for clause in re.split(r"(?<=[,;:])\s+", sentence):
        if current and len(current) + 1 + len(clause) > max_len:
            pieces.append(current)
            current = clause
        else:
            current = f"{current} {clause}" if current else clause
    return pieces + [current]


def split_sentences(sentences, val_fraction: float = 0.1, test_fraction: float = 0.1, seed: int = 0) -> dict:
    """Shuffle `sentences` with `seed` and cut them into `{"train", "val", "test"}` lists of strings.

    The same sentences and seed always give the same split.
    """
    if isinstance(sentences, str) or not isinstance(sentences, (list, tuple)):
        raise TypeError(f"sentences must be a list of strings, got {describe(sentences)}")
    check_int("seed", seed, minimum=0)
    for name, fraction in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not isinstance(fraction, (int, float)) or isinstance(fraction, bool) or not 0 < fraction < 1:
            raise ValueError(f"{name} must be a number between 0 and 1 (exclusive), got {fraction!r}")
    n_val, n_test = round(len(sentences) * val_fraction), round(len(sentences) * test_fraction)
    if min(n_val, n_test, len(sentences) - n_val - n_test) < 1:
        raise ValueError(
            f"{len(sentences)} sentences split with val_fraction={val_fraction} and "
            f"test_fraction={test_fraction} leave an empty part"
        )
    order = torch.randperm(len(sentences), generator=torch.Generator().manual_seed(seed)).tolist()
    shuffled = [sentences[i] for i in order]
    return {
        "train": shuffled[n_val + n_test:],
        "val": shuffled[:n_val],
        "test": shuffled[n_val:n_val + n_test],
    }


# --- labels -----------------------------------------------------------------

def space_labels(sentence: str) -> tuple[str, list[int]]:
    """The sentence without whitespace, and one label per character: 1 if a space followed it, else 0.

    `"the cat sat"` -> `("thecatsat", [0, 0, 1, 0, 0, 1, 0, 0, 0])`. Runs of
    whitespace count as one space; the last character's label is always 0.
    """
    if not isinstance(sentence, str):
        raise TypeError(f"sentence must be a str, got {describe(sentence)}")
    words = sentence.split()
    labels = [int(i == len(word) - 1) for word in words for i in range(len(word))]
    if labels:
        labels[-1] = 0  # nothing follows the last character
    return "".join(words), labels


def insert_spaces(chars: str, labels) -> str:
    """Undo `space_labels`: put a space after every character labelled 1 (except the last)."""
    if not isinstance(chars, str):
        raise TypeError(f"chars must be a str, got {describe(chars)}")
    labels = [int(label) for label in labels]
    if len(labels) != len(chars):
        raise ValueError(f"need one label per character: {len(chars)} characters, {len(labels)} labels")
    pieces = [ch + " " if label == 1 and i < len(chars) - 1 else ch for i, (ch, label) in enumerate(zip(chars, labels))]
    return "".join(pieces)


# --- the vocabulary ---------------------------------------------------------

class CharVocab:
    """Characters <-> integer ids. Id 0 pads, id 1 stands for any character not in the vocabulary.

    `CharVocab("abc")` gives `a`, `b`, `c` the ids 2, 3, 4. Build it from
    training text with `CharVocab.from_sentences`.
    """

    def __init__(self, chars: str):
        if not isinstance(chars, str):
            raise TypeError(f"chars must be a str of distinct characters, got {describe(chars)}")
        if len(set(chars)) != len(chars) or any(ch.isspace() for ch in chars):
            raise ValueError(f"chars must hold distinct, non-space characters, got {chars!r}")
        self.chars = chars
        self._ids = {ch: i for i, ch in enumerate(chars, start=2)}

    @classmethod
    def from_sentences(cls, sentences, min_count: int = MIN_COUNT) -> "CharVocab":
        """The characters seen at least `min_count` times in `sentences`, most frequent first (ties by code point)."""
        if isinstance(sentences, str):
            raise TypeError("sentences must be a list of strings, got one str (wrap it in a list)")
        check_int("min_count", min_count)
        counts = Counter(ch for sentence in sentences for ch in sentence if not ch.isspace())
        kept = sorted((ch for ch, n in counts.items() if n >= min_count), key=lambda ch: (-counts[ch], ch))
        return cls("".join(kept))

    def __len__(self) -> int:
        return len(self.chars) + 2

    def __eq__(self, other) -> bool:
        return isinstance(other, CharVocab) and other.chars == self.chars

    def __repr__(self) -> str:
        return f"CharVocab({len(self)} ids: 0 {PAD_TOKEN}, 1 {UNK_TOKEN}, then {len(self.chars)} characters)"

    def encode(self, text: str) -> list[int]:
        """One id per character of `text`; characters not in the vocabulary get UNK_ID (1)."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {describe(text)}")
        return [self._ids.get(ch, UNK_ID) for ch in text]

    def decode(self, ids) -> str:
        """The characters of `ids`, with `<unk>` for UNK_ID; padding ids are left out."""
        tokens = {PAD_ID: "", UNK_ID: UNK_TOKEN}
        ids = [int(i) for i in ids]
        if any(not 0 <= i < len(self) for i in ids):
            raise ValueError(f"ids must be in [0, {len(self) - 1}] for this vocabulary, got {ids}")
        return "".join(tokens[i] if i in tokens else self.chars[i - 2] for i in ids)

    def save(self, path) -> Path:
        """Write the vocabulary to a small JSON file and return its path."""
        path = Path(path)
        content = {"pad_id": PAD_ID, "unk_id": UNK_ID, "chars": self.chars}
        path.write_text(json.dumps(content, ensure_ascii=False) + "\n")
        return path

    @classmethod
    def load(cls, path) -> "CharVocab":
        """Read a vocabulary written by `save`."""
        return cls(json.loads(Path(path).read_text())["chars"])


# --- batches ----------------------------------------------------------------

def encode_sentences(sentences, vocab: CharVocab) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Each sentence as `(ids (T_i,) int64, labels (T_i,) int64)`, T_i its number of non-space characters.

    The labels are `space_labels`', except the last one, which is PAD_LABEL
    (-100): nothing can follow the last character, so there is no decision to
    learn there (and `boundary_scores` leaves it out too).
    """
    if isinstance(sentences, str):
        raise TypeError("sentences must be a list of strings, got one str (wrap it in a list)")
    encoded = []
    for index, sentence in enumerate(sentences):
        chars, labels = space_labels(sentence)
        if not chars:
            raise ValueError(f"sentences[{index}] has no characters besides spaces: {sentence!r}")
        encoded.append((torch.tensor(vocab.encode(chars)), torch.tensor(labels[:-1] + [PAD_LABEL])))
    return encoded


def collate_ids(batch):
    """Pad `(ids (T_i,), labels (T_i,))` samples into `(ids (N, T) int64, labels (N, T), lengths (N,))`.

    Padding: id PAD_ID (0) and label PAD_LABEL (-100).
    """
    ids, labels, lengths = collate_padded([(x.long().unsqueeze(1), y) for x, y in batch])
    return ids.squeeze(-1), labels, lengths  # (N, T), (N, T), (N,)


class LengthBuckets(Sampler):
    """Batches of sentences of similar length, visited in a shuffled order every epoch.

    The batches are fixed (consecutive runs of the sentences sorted by length,
    ties kept in order); `generator` shuffles their order on each pass, so
    reseeding it restarts the same sequence of epochs. Similar lengths mean
    little padding, so the RNN runs fewer steps per batch.
    """

    def __init__(self, lengths, batch_size: int, generator: torch.Generator | None = None):
        check_int("batch_size", batch_size)
        order = sorted(range(len(lengths)), key=lambda i: lengths[i])
        self.batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
        self.generator = generator

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self):
        if self.generator is None:
            yield from self.batches
            return
        for i in torch.randperm(len(self.batches), generator=self.generator).tolist():
            yield self.batches[i]


def make_segmentation_loaders(splits: dict, vocab: CharVocab, batch_size: int = BATCH_SIZE, seed: int = 0):
    """`(train_loader, val_loader)` over `splits["train"]` and `splits["val"]`.

    Batches are `(ids (N, T), labels (N, T), lengths (N,))` from `collate_ids`,
    N <= batch_size, T the longest sentence of the batch. Training batches come
    in a shuffled order (a generator seeded with `seed`, which `train(seed=...)`
    reseeds); validation batches in order of length.
    """
    check_int("seed", seed, minimum=0)
    if not isinstance(splits, dict) or not {"train", "val"} <= splits.keys():
        raise ValueError(f"splits must be split_sentences()'s dict, with 'train' and 'val', got {describe(splits)}")
    loaders = []
    for part, generator in (("train", torch.Generator().manual_seed(seed)), ("val", None)):
        samples = encode_sentences(splits[part], vocab)
        buckets = LengthBuckets([len(ids) for ids, _ in samples], batch_size, generator)
        # passing the generator to the DataLoader too lets train() find and reseed it
        loaders.append(DataLoader(samples, batch_sampler=buckets, collate_fn=collate_ids, generator=generator))
    return tuple(loaders)


# --- the model --------------------------------------------------------------

class CharTagger(nn.Module):
    """Character ids `(N, T)` -> logits `(N, T, 2)`: "does a space follow this character?".

    `.embed`: nn.Embedding(vocab_size, embed_dim, padding_idx=PAD_ID), ids to
    vectors `(N, T, E)`; `.tagger`: the course's `SequenceTagger` (an LSTM,
    packed when lengths are given, and a linear head), `(N, T, E)` ->
    `(N, T, 2)`. The ids may be an integer tensor or a float tensor of whole
    numbers (what `collate_ids` makes for `train`).
    """

    def __init__(self, vocab_size: int, embed_dim: int = EMBED_DIM, hidden_size: int = HIDDEN_SIZE,
                 bidirectional: bool = True):
        super().__init__()
        check_int("vocab_size", vocab_size, minimum=2)
        check_int("embed_dim", embed_dim)
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD_ID)
        self.tagger = SequenceTagger(embed_dim, hidden_size, NUM_CLASSES, cell="lstm", bidirectional=bidirectional)

    def forward(self, ids, lengths=None):
        ids = self._check_ids(ids)  # (N, T) int64
        return self.tagger(self.embed(ids), lengths)  # (N, T, E) -> (N, T, 2)

    def _check_ids(self, ids) -> torch.Tensor:
        if not isinstance(ids, torch.Tensor) or ids.dtype == torch.bool:
            raise TypeError(f"ids must be a tensor of character ids (N, T), got {describe(ids)}")
        if ids.dim() != 2:
            raise ValueError(f"ids must have 2 axes (N, T): one id per character, got {describe(ids)}")
        if ids.is_floating_point() or ids.is_complex():
            raise TypeError(f"ids must be an integer tensor of character ids (e.g. ids.long()), got {describe(ids)}")
        size = self.embed.num_embeddings
        if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= size):
            raise ValueError(f"ids must be in [0, {size - 1}] for this vocabulary of {size}, "
                             f"got values from {int(ids.min())} to {int(ids.max())}")
        return ids.to(self.embed.weight.device)


def forward_hidden_size(embed_dim: int = EMBED_DIM, hidden_size: int = HIDDEN_SIZE) -> int:
    """Hidden size of a forward-only LSTM tagger with about the parameters of a bidirectional one of `hidden_size`."""
    return one_way_hidden_size(hidden_size, embed_dim, NUM_CLASSES, cell="lstm")


def build_segmenter(vocab_size: int, bidirectional: bool = True) -> CharTagger:
    """The capstone's CharTagger; the forward-only one gets `forward_hidden_size()` units to match the parameters."""
    hidden = HIDDEN_SIZE if bidirectional else forward_hidden_size()
    return CharTagger(vocab_size, EMBED_DIM, hidden, bidirectional=bidirectional)


# --- training ---------------------------------------------------------------

@dataclass
class CapstoneData:
    """Everything the capstone trains and tests on: the split sentences, the vocabulary, the two loaders."""

    splits: dict
    vocab: CharVocab
    train_loader: DataLoader
    val_loader: DataLoader


def capstone_data(batch_size: int = BATCH_SIZE, seed: int = 0) -> CapstoneData:
    """The corpus split 80/10/10 with `seed`, a vocabulary of the training part, and its loaders."""
    splits = split_sentences(corpus_sentences(), seed=seed)
    vocab = CharVocab.from_sentences(splits["train"])
    return CapstoneData(splits, vocab, *make_segmentation_loaders(splits, vocab, batch_size, seed))


def train_capstone(data: CapstoneData, bidirectional: bool = True, epochs: int = EPOCHS, lr: float = LR,
                   seed: int = 0, progress: bool = True) -> tuple[CharTagger, History]:
    """Build (seeded) and train the capstone model on `data`; return `(model, history)`.

    Deterministic for a given machine and torch: seeds, one thread, a seeded
    batch order. The notebook and `--write-checkpoint` both call this, so
    the shipped weights are what the notebook trains.
    """
    if not isinstance(data, CapstoneData):
        raise TypeError(f"data must be the CapstoneData from capstone_data(), got {describe(data)}")
    seed_everything(seed)
    model = build_segmenter(len(data.vocab), bidirectional)
    history = train(model, data.train_loader, data.val_loader, epochs=epochs, lr=lr, device="cpu",
                    progress=progress, seed=seed)
    return model, history


def checkpoint_path(bidirectional: bool = True) -> Path:
    """Where the shipped weights of the bidirectional (or forward-only) capstone model are."""
    return ASSET_DIR / CHECKPOINT_NAMES[bool(bidirectional)]


def load_capstone(bidirectional: bool = True) -> tuple[CharTagger, CharVocab]:
    """The shipped, trained capstone model (weights only, in eval mode) and its vocabulary."""
    vocab = CharVocab.load(VOCAB_PATH)
    model = load_checkpoint(build_segmenter(len(vocab), bidirectional), checkpoint_path(bidirectional))
    return model.eval(), vocab


def get_capstone(data: CapstoneData, bidirectional: bool = True, train_from_scratch: bool = True,
                 progress: bool = True) -> tuple[CharTagger, History]:
    """The capstone model and its History: trained now (`train_capstone`), or the shipped ones loaded.

    Loading needs no training time and gives the model `--write-checkpoint`
    trained with the same code, so its scores are the ones training gives;
    the History is the one recorded then (its `seconds` are None). Raises
    ValueError if `data`'s vocabulary is not the shipped one (another Python's
    documentation can give another corpus): train from scratch then.
    """
    if not train_from_scratch:
        model, vocab = load_capstone(bidirectional)
        if vocab != data.vocab:
            raise ValueError(
                f"the shipped model's vocabulary {vocab} differs from this corpus's {data.vocab} (a different "
                "Python ships different documentation): train from scratch instead"
            )
        rows = json.loads(HISTORIES_PATH.read_text())[MODEL_NAMES[bool(bidirectional)]]
        return model, History([dict(row, seconds=None) for row in rows])
    return train_capstone(data, bidirectional, progress=progress)


# --- predictions and scores -------------------------------------------------

def predict_spaces(model: nn.Module, vocab: CharVocab, texts, batch_size: int = 256) -> list[list[int]]:
    """Predicted labels (1 = a space follows) for the characters of each text, whitespace removed first.

    Returns one list per text, of `len(space_labels(text)[0])` ints; an empty
    text gives an empty list.
    """
    if isinstance(texts, str):
        raise TypeError("texts must be a list of strings, got one str (wrap it in a list, or use segment())")
    return _predict_ids(model, [vocab.encode(space_labels(text)[0]) for text in texts], batch_size)


def _predict_ids(model, id_lists, batch_size) -> list[list[int]]:
    """Labels for each list of ids, run in packed batches of `batch_size` without gradients."""
    check_int("batch_size", batch_size)
    predictions: list[list[int]] = [[] for _ in id_lists]
    filled = [i for i, ids in enumerate(id_lists) if ids]  # an empty text has nothing to predict
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for start in range(0, len(filled), batch_size):
                chunk = filled[start:start + batch_size]
                samples = [(torch.tensor(id_lists[i]), torch.zeros(len(id_lists[i]), dtype=torch.int64)) for i in chunk]
                ids, _, lengths = collate_ids(samples)
                labels = model(ids, lengths).argmax(-1)  # (N, T)
                for row, i in enumerate(chunk):
                    predictions[i] = labels[row, :lengths[row]].tolist()
    finally:
        model.train(was_training)
    for labels in predictions:
        if labels:
            labels[-1] = 0  # no space after the last character
    return predictions


def boundary_scores(true_labels, predicted_labels) -> dict:
    """Precision, recall and F1 of the predicted word boundaries (label 1), over every sentence.

    Both arguments: one list of 0/1 labels per sentence, of equal lengths.
    Each sentence's last character is left out of the count (no space can
    follow it). Returns `{"precision", "recall", "f1", "tp", "fp", "fn",
    "characters"}`; a score with nothing to divide is 0.0.
    """
    if len(true_labels) != len(predicted_labels):
        raise ValueError(f"got labels for {len(true_labels)} sentences but predictions for {len(predicted_labels)}")
    tp = fp = fn = characters = 0
    for index, (truth, guess) in enumerate(zip(true_labels, predicted_labels)):
        if len(truth) != len(guess):
            raise ValueError(f"sentence {index}: {len(truth)} true labels but {len(guess)} predicted")
        for t, p in zip(truth[:-1], guess[:-1]):
            tp += t == 1 and p == 1
            fp += t != 1 and p == 1
            fn += t == 1 and p != 1
        characters += max(len(truth) - 1, 0)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn,
            "characters": characters}


def evaluate_segmenter(model: nn.Module, vocab: CharVocab, sentences) -> dict:
    """`boundary_scores` of `model`'s predictions on `sentences` (strings with their spaces)."""
    truth = [space_labels(sentence)[1] for sentence in sentences]
    return boundary_scores(truth, predict_spaces(model, vocab, sentences))


def format_scores(name: str, scores: dict) -> str:
    """One line: `name  precision 0.9634  recall 0.9512  F1 0.9573` (names padded to 22 characters)."""
    return f"{name:<22} precision {scores['precision']:.4f}  recall {scores['recall']:.4f}  F1 {scores['f1']:.4f}"


WORD_END_KINDS = (
    "after punctuation",  # `object,`: the character itself says the word ends
    "after a letter, could go on",  # `in`: also the start of `instance`, only the next letter tells
    "after a letter, cannot go on",  # no known word continues it
)


def word_end_recall(sentences, predicted_labels, known_words) -> dict:
    """Recall of the word ends in `sentences`, by kind of end (`WORD_END_KINDS`).

    A word ends after punctuation (`object,`) or after a letter or digit; then
    it "could go on" when it is a proper prefix of a word in `known_words`
    (`in` -> `instance`), which a model reading left to right cannot rule out
    before the next character. The last word of a sentence is not counted.
    Returns `{kind: (recall, count)}`.
    """
    prefixes = {word[:i] for word in known_words for i in range(1, len(word))}
    found = {kind: [0, 0] for kind in WORD_END_KINDS}
    for word, hit in _word_ends(sentences, predicted_labels):
        if not word[-1].isalnum():
            kind = WORD_END_KINDS[0]
        else:
            kind = WORD_END_KINDS[1] if word.lstrip(PUNCTUATION) in prefixes else WORD_END_KINDS[2]
        found[kind][0] += hit
        found[kind][1] += 1
    return {kind: (hits / count if count else 0.0, count) for kind, (hits, count) in found.items()}


def missed_word_ends(sentences, predicted_labels) -> Counter:
    """How often each word's end was missed (no space predicted after it), last words not counted."""
    return Counter(word for word, hit in _word_ends(sentences, predicted_labels) if not hit)


def _word_ends(sentences, predicted_labels):
    """`(word, whether a space was predicted after it)` for every word but each sentence's last."""
    if len(sentences) != len(predicted_labels):
        raise ValueError(f"got {len(sentences)} sentences but predictions for {len(predicted_labels)}")
    for sentence, labels in zip(sentences, predicted_labels):
        position = -1
        for word in sentence.split()[:-1]:
            position += len(word)  # the word's last character, counted without spaces
            yield word, labels[position] == 1


def known_words(sentences) -> set[str]:
    """The words of `sentences` without the punctuation around them: `"(see" -> "see"`."""
    return {word.strip(PUNCTUATION) for sentence in sentences for word in sentence.split()} - {""}


# --- segmenting any text ----------------------------------------------------

class Segmenter:
    """Put spaces back into text with a trained CharTagger and its vocabulary: `Segmenter(model, vocab)(text)`.

    Whitespace in the input is removed first. Characters the vocabulary lacks
    get the unknown id. Text longer than `window` characters is cut into
    overlapping windows, each giving its predictions away from its edges
    (`margin` characters of context on each side), so any length works.
    """

    def __init__(self, model: nn.Module, vocab: CharVocab, window: int = WINDOW, margin: int = MARGIN):
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {describe(model)}")
        if not isinstance(vocab, CharVocab):
            raise TypeError(f"vocab must be a CharVocab, got {describe(vocab)}")
        check_int("margin", margin, minimum=0)
        check_int("window", window, minimum=2 * margin + 1)
        self.model, self.vocab, self.window, self.margin = model, vocab, window, margin

    def __call__(self, text: str) -> str:
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {describe(text)}")
        chars = "".join(text.split())
        ids = self.vocab.encode(chars)
        core = self.window - 2 * self.margin  # characters each window decides
        starts = range(0, len(ids), core)
        spans = [(max(start - self.margin, 0), min(start + core + self.margin, len(ids))) for start in starts]
        predictions = _predict_ids(self.model, [ids[a:b] for a, b in spans], batch_size=256)
        labels = []
        for start, (a, _), predicted in zip(starts, spans, predictions):
            labels += predicted[start - a:start - a + core]
        if labels:
            labels[-1] = 0
        return insert_spaces(chars, labels)


@lru_cache(maxsize=1)
def default_segmenter() -> Segmenter:
    """A Segmenter on the shipped bidirectional checkpoint, loaded once."""
    return Segmenter(*load_capstone(bidirectional=True))


def segment(text: str, segmenter: Segmenter | None = None) -> str:
    """`text` with its spaces put back: `segment("thecatsat")` -> `"the cat sat"` (or the model's best guess).

    Uses the shipped bidirectional checkpoint unless `segmenter` is given.
    "" gives ""; unseen characters are read as unknown; long text is
    windowed; a non-string raises TypeError.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {describe(text)}")
    return (segmenter or default_segmenter())(text)


# --- figures ----------------------------------------------------------------

def plot_length_histogram(splits: dict):
    """Histogram of the sentences' lengths (characters without spaces, the steps the model reads), per split."""
    fig, ax = plt.subplots(figsize=(7, 3.6), FigureClass=CourseFigure)
    lengths = {part: [len(space_labels(s)[0]) for s in sentences] for part, sentences in splits.items()}
    shortest = min(min(values) for values in lengths.values())
    longest = max(max(values) for values in lengths.values())
    bins = range(shortest - shortest % 5, longest + 6, 5)  # 5 characters wide, on multiples of 5
    ax.hist(list(lengths.values()), bins=bins, stacked=True, label=list(lengths))
    ax.set(title="Sentence lengths", xlabel="characters (spaces removed) = time steps T", ylabel="sentences")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    plt.close(fig)
    return fig


# --- regenerating the shipped checkpoints -----------------------------------

def write_checkpoints(progress: bool = False) -> dict:
    """Train both capstone models; write their weights, the vocabulary and the histories under ASSET_DIR.

    Returns the test scores of both models, `{"bidirectional": scores, "forward-only": scores}`.
    """
    data = capstone_data()
    ASSET_DIR.mkdir(parents=True, exist_ok=True)
    data.vocab.save(VOCAB_PATH)
    scores, histories = {}, {}
    for bidirectional, name in MODEL_NAMES.items():
        model, history = train_capstone(data, bidirectional, progress=progress)
        save_checkpoint(model, checkpoint_path(bidirectional))
        histories[name] = [{key: value for key, value in row.items() if key != "seconds"} for row in history.rows]
        scores[name] = evaluate_segmenter(model, data.vocab, data.splits["test"])
    HISTORIES_PATH.write_text(json.dumps(histories, indent=1) + "\n")
    return scores


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="The word-segmentation capstone's shipped text and checkpoints.")
    parser.add_argument("--write-corpus", action="store_true",
                        help=f"replace {TOPICS_PATH.name} with this Python's pydoc_data.topics")
    parser.add_argument("--write-checkpoint", action="store_true",
                        help=f"train both models and write them, with the vocabulary, to {ASSET_DIR}")
    args = parser.parse_args(argv)
    if not (args.write_corpus or args.write_checkpoint):
        parser.print_help()
        return 1
    if args.write_corpus:
        print(f"wrote {TOPICS_PATH.name}: pydoc_data.topics of Python {write_topics()}")
        _shipped_topics.cache_clear()
        _corpus.cache_clear()
    if not args.write_checkpoint:
        return 0
    for name, scores in write_checkpoints(progress=True).items():
        print(format_scores(name, scores))
    written = [VOCAB_PATH.name, HISTORIES_PATH.name, *CHECKPOINT_NAMES.values()]
    print(f"wrote {', '.join(written)} in {ASSET_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
