"""The capstone's text: prose sentences from Python's documentation, their space labels, and the split.

The text is a shipped copy of `pydoc_data.topics` from Python 3.11.7, so every
Python gives the same sentences (see the package docstring for the filter).
"""

from __future__ import annotations

import gzip
import json
import re
import statistics
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import torch

from ...files import damaged, reading
from ...plots import CourseFigure, finish_figure, subplots
from ...validation import check_int, describe

MIN_LEN, MAX_LEN = 20, 120  # sentence lengths kept, in characters with spaces
ASSET_DIR = Path(__file__).resolve().parents[2] / "assets" / "word_segmentation"
TOPICS_PATH = ASSET_DIR / "pydoc_topics.json.gz"  # {"python": version, "topics": {name: text}}
RESTORE = "restore the course's copy with `git checkout -- course_utils/assets/word_segmentation`"
TOPICS_FIX = f"{RESTORE}, or write it again with `python -m tools.write_corpus --write-corpus`"

_PROSE = re.compile(r"[A-Z\"][A-Za-z0-9 ,;:'\"()\-_]*[.:]")
PUNCTUATION = ",;:'\"()-_."
_STRAIGHT_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


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
    with reading(TOPICS_PATH, "copy of Python's documentation topics", TOPICS_FIX) as path:
        with gzip.open(path, "rt", encoding="utf-8") as file:
            content = json.load(file)
    topics = content.get("topics") if isinstance(content, dict) else None
    if (
        not isinstance(topics, dict)
        or not topics
        or not all(isinstance(name, str) and isinstance(text, str) for name, text in topics.items())
    ):
        raise damaged(
            TOPICS_PATH, "expected {'python': version, 'topics': {name: text, ...}} with at least one topic", TOPICS_FIX
        )
    return content


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


def forget_cached_text() -> None:
    """Drop the text and sentences read so far, so the next call reads the shipped file again (after a rewrite)."""
    _shipped_topics.cache_clear()
    _corpus.cache_clear()


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


def split_sentences(
    sentences: Sequence[str], val_fraction: float = 0.1, test_fraction: float = 0.1, seed: int = 0
) -> dict:
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
        "train": shuffled[n_val + n_test :],
        "val": shuffled[:n_val],
        "test": shuffled[n_val : n_val + n_test],
    }


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


def insert_spaces(chars: str, labels: Iterable[int]) -> str:
    """Undo `space_labels`: put a space after every character labelled 1 (except the last)."""
    if not isinstance(chars, str):
        raise TypeError(f"chars must be a str, got {describe(chars)}")
    labels = [int(label) for label in labels]
    if len(labels) != len(chars):
        raise ValueError(f"need one label per character: {len(chars)} characters, {len(labels)} labels")
    pieces = [ch + " " if label == 1 and i < len(chars) - 1 else ch for i, (ch, label) in enumerate(zip(chars, labels))]
    return "".join(pieces)


def plot_length_histogram(splits: dict) -> CourseFigure:
    """Histogram of the sentences' lengths (characters without spaces, the steps the model reads), per split."""
    fig, ax = subplots(figsize=(7, 3.6))
    lengths = {part: [len(space_labels(s)[0]) for s in sentences] for part, sentences in splits.items()}
    shortest = min(min(values) for values in lengths.values())
    longest = max(max(values) for values in lengths.values())
    bins = range(shortest - shortest % 5, longest + 6, 5)  # 5 characters wide, on multiples of 5
    ax.hist(list(lengths.values()), bins=bins, stacked=True, label=list(lengths))
    ax.set(title="Sentence lengths", xlabel="characters (spaces removed) = time steps L", ylabel="sentences")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    in_words = "; ".join(
        f"{part} {len(values)} sentences of {min(values)} to {max(values)} characters, "
        f"median {statistics.median(values):g}"
        for part, values in lengths.items()
    )
    description = (
        f"Histogram of sentence lengths in characters without spaces (the time steps L), bins of 5 characters, "
        f"splits stacked: {in_words}."
    )
    return finish_figure(fig, description)
