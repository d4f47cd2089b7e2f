"""Segmenting any text: the trained tagger's predictions, windowed for long text, turned back into words.

Segmenting long text: windows of WINDOW characters; each keeps the
predictions of its middle part and lends MARGIN characters of context on each
side, so no prediction is made right at a window's cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import torch
from torch import nn

from ...models import check_module
from ...training import predict
from ...validation import check_int, describe
from .batching import CharVocab, collate_ids
from .corpus import insert_spaces, space_labels
from .model import load_capstone

WINDOW, MARGIN = 100, 20


def predict_spaces(model: nn.Module, vocab: CharVocab, texts: Sequence[str], batch_size: int = 256) -> list[list[int]]:
    """Predicted labels (1 = a space follows) for the characters of each text, whitespace removed first.

    Returns one list per text, of `len(space_labels(text)[0])` ints; an empty
    text gives an empty list.
    """
    if isinstance(texts, str) or not isinstance(texts, (list, tuple)):
        raise TypeError(
            f"texts must be a list of strings, got {describe(texts)}: wrap one text in a list, or use segment()"
        )
    check_module("model", model, "a trained CharTagger")
    if not isinstance(vocab, CharVocab):
        raise TypeError(f"vocab must be a CharVocab, got {describe(vocab)}")
    return _predict_ids(model, [vocab.encode(space_labels(text)[0]) for text in texts], batch_size)


def _predict_ids(model, id_lists, batch_size) -> list[list[int]]:
    """Labels for each list of ids, from `training.predict` on padded batches of `batch_size` and their lengths."""
    check_int("batch_size", batch_size)
    predictions: list[list[int]] = [[] for _ in id_lists]
    filled = [i for i, ids in enumerate(id_lists) if ids]  # an empty text has nothing to predict
    for start in range(0, len(filled), batch_size):
        chunk = filled[start : start + batch_size]
        samples = [(torch.tensor(id_lists[i]), torch.zeros(len(id_lists[i]), dtype=torch.int64)) for i in chunk]
        ids, _, lengths = collate_ids(samples)
        predicted = predict(model, ids, lengths)[1]  # (N, L)
        for row, i in enumerate(chunk):
            predictions[i] = predicted[row, : lengths[row]].tolist()
    for labels in predictions:
        if labels:
            labels[-1] = 0  # no space after the last character
    return predictions


class Segmenter:
    """Put spaces back into text with a trained CharTagger and its vocabulary: `Segmenter(model, vocab)(text)`.

    Whitespace in the input is removed first. Characters the vocabulary lacks
    get the unknown id. Text longer than `window` characters is cut into
    overlapping windows, each giving its predictions away from its edges
    (`margin` characters of context on each side), so any length works.
    """

    def __init__(self, model: nn.Module, vocab: CharVocab, window: int = WINDOW, margin: int = MARGIN):
        check_module("model", model)
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
            labels += predicted[start - a : start - a + core]
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
