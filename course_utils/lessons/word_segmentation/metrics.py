"""The capstone's scores: precision, recall and F1 of the predicted spaces, and which word ends a model misses."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from torch import nn

from .batching import CharVocab
from .corpus import PUNCTUATION, space_labels
from .segmentation import predict_spaces


def boundary_scores(true_labels: Sequence[Sequence[int]], predicted_labels: Sequence[Sequence[int]]) -> dict:
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
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn, "characters": characters}


def evaluate_segmenter(model: nn.Module, vocab: CharVocab, sentences: Sequence[str]) -> dict:
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


def word_end_recall(
    sentences: Sequence[str], predicted_labels: Sequence[Sequence[int]], known_words: Iterable[str]
) -> dict:
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


def missed_word_ends(sentences: Sequence[str], predicted_labels: Sequence[Sequence[int]]) -> Counter:
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


def known_words(sentences: Sequence[str]) -> set[str]:
    """The words of `sentences` without the punctuation around them: `"(see" -> "see"`."""
    return {word.strip(PUNCTUATION) for sentence in sentences for word in sentence.split()} - {""}
