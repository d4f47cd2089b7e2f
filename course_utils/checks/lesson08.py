"""Checks for exercise 08 (the capstone): label a sentence for word segmentation, then label a long text in windows.

`check_space_labels(fn)`: `fn(sentence) -> (chars, labels)`, the sentence without
whitespace and one label per character, 1 when a space followed it, the last one
always 0 (`course_utils.lessons.word_segmentation.space_labels`). The labels may come in
any reasonable form: a list or tuple of ints or bools, a NumPy array, a tensor.

`check_label_long_text(fn)`: `fn(tag, ids, window, margin) -> labels`, one per id, for a text
of any length: `tag(piece)` labels one piece of ids, as a trained tagger would; the text
is cut into windows of at most `window` ids that overlap, each deciding only its middle,
with `margin` ids of context on each side. Checked by behaviour, not against one way of
cutting: with stand-in taggers whose every label depends on the ids within `margin` of it
(`_ReachTagger`), windows done right give exactly the labels of one pass over the whole
text; every piece must fit in a window, and the windows must not be many more than the
text needs. Last, the shipped bidirectional model labels held-out sentences run together.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import torch

from ..lessons.word_segmentation import (
    boundary_scores,
    corpus_sentences,
    load_capstone,
    space_labels,
    split_sentences,
)
from ..training import predict
from ..validation import describe, short_repr
from .common import seeded
from .comparators import Mismatch, expect_equal, expect_pair, explaining_errors, with_explanation
from .report import CheckReport
from .runner import run_check

LABEL_CASES = {
    "'the cat sat'": "the cat sat",
    "punctuation: 'Return a copy.'": "Return a copy.",
    "one word: 'word'": "word",
    "two spaces in a row: 'a  b'": "a  b",
    "spaces at both ends: ' hi there '": " hi there ",
    "an empty sentence: ''": "",
    "only spaces: '   '": "   ",
}
# (ids in the text, window, margin, reach of the stand-in tagger) of each windowing case; the text's ids are seeded.
WINDOW_CASES = {
    "1000 ids, window 100, margin 20": (1000, 100, 20, 20),
    "95 ids, window 10, margin 3 (the last window is short)": (95, 10, 3, 3),
    "64 ids, window 12, margin 2 (windows fill the text exactly)": (64, 12, 2, 2),
    "60 ids, shorter than one window of 100 (margin 20)": (60, 100, 20, 20),
    "35 ids, window 10, margin 0 (a tagger that reads each id alone)": (35, 10, 0, 0),
    "no ids at all: [] (window 100, margin 20)": (0, 100, 20, 20),
}
SHIPPED_SENTENCES = 25  # held-out sentences the last case runs together: 1453 characters without spaces
SHIPPED_WINDOW, SHIPPED_MARGIN = 100, 20  # as `segment()` cuts long text
SHIPPED_MOST_CHANGED = 0.002  # share of labels that may differ from one pass (another CPU's rounding)

LABELS_CONCEPT = (
    "the model reads the characters without the spaces and answers, for each, whether a space followed it: one "
    "label per remaining character, and the last one 0, since nothing follows it (lesson 08, section 'From a "
    "sentence to labels')"
)
WINDOWS_CONCEPT = (
    "a bidirectional model's label at a character depends on the characters on both sides, so a long text is "
    "cut into windows that overlap: each window reads `margin` ids of context on each side of the middle it "
    "decides, and the middles are joined; labels near a window's own edges are never kept (lesson 08, section "
    "'`segment()`: any text', the paragraph on long text)"
)

EMPTY_PIECE = (
    "a window gave the tagger no ids: a slice whose start is negative counts from the end of the list "
    "(ids[-20:80] is empty), so clamp the first window's start at 0, max(0, start - margin)"
)
EMPTY_SENTENCE = (
    "An empty sentence (or one of spaces only) leaves no characters, so there is no last label to set to 0: "
    "set it only when there are labels (`if labels:`)"
)


def _as_labels(value: object, what: str = "labels") -> list[int]:
    """`value` as a list of 0/1 ints, from any flat sequence of numbers equal to 0 or 1: a list or tuple of ints,
    bools or Fractions, a NumPy array, a tensor. Raises Mismatch saying what is wrong with anything else."""
    if value is None:
        raise Mismatch(f"expected the {what}, got None: does your function end with a `return`?")
    if isinstance(value, (str, bytes)):
        raise Mismatch(
            f"expected the {what} as numbers, one per character, got the text {short_repr(value)}: return a list "
            "of ints such as [0, 0, 1]"
        )
    dims = getattr(value, "ndim", 1)
    if dims != 1 or not hasattr(value, "__len__") or isinstance(value, dict):
        shape = f" of shape {tuple(value.shape)}" if hasattr(value, "shape") else ""
        raise Mismatch(f"expected the {what} as one flat sequence of 0s and 1s, got {describe(value)}{shape}")
    sequence: Any = value  # a flat sequence of some kind, as checked above
    items = sequence.tolist() if hasattr(sequence, "tolist") else list(sequence)  # arrays and tensors give numbers
    labels = []
    for position, item in enumerate(items):
        if isinstance(item, (list, tuple)):
            raise Mismatch(
                f"expected the {what} as one flat sequence, but item {position} is itself a {type(item).__name__}, "
                f"{short_repr(item)}: join the pieces into one list (labels += part, or labels.extend(part)), "
                "instead of appending each piece"
            )
        if isinstance(item, (str, bytes)) or not (item == 0 or item == 1):
            raise Mismatch(f"expected every one of the {what} to be 0 or 1, but item {position} is {short_repr(item)}")
        labels.append(int(item == 1))
    return labels


def _as_chars(value: object) -> str:
    """The characters as one string: a str as it is, or a list or tuple of one-character strings joined."""
    if isinstance(value, (list, tuple)) and all(isinstance(ch, str) and len(ch) == 1 for ch in value):
        return "".join(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple, torch.Tensor)) or hasattr(value, "ndim"):
        raise Mismatch(
            f"expected the pair (chars, labels), but its first item is {describe(value)}, not text: are the two "
            "swapped? Return chars (a str) first, then the labels"
        )
    raise Mismatch(f"expected the characters as a str (the sentence without its spaces), got {describe(value)}")


def _label_slips(sentence):
    """Labels of the usual slips for `sentence`, each with the sentence that explains it."""
    words = sentence.split()
    starts = [int(i == 0) for word in words for i in range(len(word))]
    every_end = [int(i == len(word) - 1) for word in words for i in range(len(word))]
    with_spaces = [int(i + 1 < len(sentence) and sentence[i + 1] == " ") for i in range(len(sentence))]
    return [
        (starts, "You marked where words start; the label marks the character a space follows, the last of a word."),
        (every_end, "The last character got a 1, but nothing follows it: its label is always 0."),
        (with_spaces, "The spaces got labels too: drop them, so there is one label per remaining character."),
    ]


def check_space_labels(space_labels_fn: Callable[..., Any]) -> CheckReport:
    """Check `space_labels_fn(sentence)` against the course's `space_labels`."""

    def case(sentence):
        def run():
            with explaining_errors(lambda error: EMPTY_SENTENCE if not sentence.strip() else ""):
                result = space_labels_fn(sentence)
            chars, labels = expect_pair(result, "(chars, labels)")
            expected_chars, expected = space_labels(sentence)
            expect_equal(_as_chars(chars), expected_chars, what="characters (the sentence without its spaces)")
            labels = _as_labels(labels)
            if labels != expected:
                slip = next((why for values, why in _label_slips(sentence) if labels == values), "")
                message = f"expected the labels {expected}, got {labels}"
                raise Mismatch(with_explanation(message, slip))

        return run

    return run_check(
        "space_labels",
        {name: case(sentence) for name, sentence in LABEL_CASES.items()},
        hint="split the sentence into words (sentence.split()); each word gives 0s and a 1 on its "
        "last character; then set the very last label to 0.",
        concept=LABELS_CONCEPT,
    )


def _context_label(piece: list[int], at: int, reach: int) -> int:
    """A label that depends on the ids within `reach` of position `at` of `piece`, and on where the piece ends."""
    context = [piece[j] if 0 <= j < len(piece) else -1 for j in range(at - reach, at + reach + 1)]
    return zlib.crc32(repr(context).encode()) & 1


class _Pieces:
    """The pieces the learner's code gives a tagger for a text of `n` ids, cut in windows of `window` with `margin`
    ids of context: `take(piece)` returns the piece's ids, and raises Mismatch at once (stopping the learner's
    loop) for a piece longer than a window, an empty piece, or more pieces than the text needs."""

    def __init__(self, n: int, window: int, margin: int):
        self.n, self.window, self.margin = n, window, margin
        self.needed = math.ceil(n / (window - 2 * margin)) if n else 0  # windows enough for the text
        self.lengths: list[int] = []

    def take(self, piece: object) -> list[int]:
        ids = _piece_ids(piece)
        self.lengths.append(len(ids))
        if len(ids) > self.window:
            raise Mismatch(
                f"your code gave the tagger a piece of {len(ids)} ids, more than the window of {self.window}: a "
                f"window's {self.window} ids include its margins, and it decides only the "
                f"{self.window - 2 * self.margin} in its middle"
            )
        if not ids and self.n:
            raise Mismatch(EMPTY_PIECE)
        if len(self.lengths) > self.needed + 1:
            raise Mismatch(
                f"your code called the tagger more than {self.needed + 1} times for {self.n} ids, where "
                f"{self.needed} windows are enough: each window decides {self.window - 2 * self.margin} ids (its "
                "middle), so step from one window to the next by that many"
            )
        return ids


class _ReachTagger:
    """A stand-in for a trained tagger, whose label at each id depends on the ids within `reach` of it (cut off at
    the piece's ends, as a model's context is); `pieces`, when given, checks each piece it is given."""

    def __init__(self, reach: int, pieces: _Pieces | None = None):
        self.reach, self.pieces = reach, pieces

    def __call__(self, piece: object) -> list[int]:
        ids = self.pieces.take(piece) if self.pieces else _piece_ids(piece)
        return [_context_label(ids, at, self.reach) for at in range(len(ids))]


def _piece_ids(piece: object) -> list[int]:
    """The ids of one piece the learner's code gives a tagger: any flat sequence of ints (list, tuple, tensor)."""
    if isinstance(piece, (int, str)) or not hasattr(piece, "__len__"):
        raise Mismatch(
            f"tag(piece) takes one piece of the text, a list of ids such as ids[a:b], but your code gave it "
            f"{describe(piece)}"
        )
    sequence: Any = piece  # a flat sequence of some kind, as checked above
    return [int(value) for value in (sequence.tolist() if hasattr(sequence, "tolist") else sequence)]


def _windows(n: int, window: int, margin: int, keep: str) -> list[tuple[int, int]]:
    """`(read_from, read_to)` of each window a slip reads: side by side, or overlapping as they should."""
    core = window - 2 * margin
    if keep == "side by side":
        return [(start, min(start + window, n)) for start in range(0, n, window)]
    return [(max(start - margin, 0), min(start + core + margin, n)) for start in range(0, n, core)]


def _stitched(tag: Callable[[list[int]], list[int]], ids: list[int], window: int, margin: int, keep: str) -> list[int]:
    """The labels a slip gives: windows side by side; each window's labels kept from `margin` (the first window's
    too); or each window's first labels kept."""
    core = window - 2 * margin
    labels: list[int] = []
    for read_from, read_to in _windows(len(ids), window, margin, keep):
        piece = tag(ids[read_from:read_to])
        if keep == "side by side":
            labels += piece
        elif keep == "from margin":
            labels += piece[margin : margin + core]
        else:  # "first labels"
            labels += piece[:core]
    return labels


SLIPS = {
    "side by side": (
        "Your windows lie side by side without overlapping, so the ids next to each cut were labelled without the "
        "context beyond it. Let each window read `margin` more ids on each side than it decides, and keep only "
        "its middle"
    ),
    "from margin": (
        "The first window starts at the text's own start, with no margin before its middle (nothing comes before "
        "id 0), but your code kept its labels from position `margin` on: keep each window's labels from the place "
        "its middle starts in the piece (start - read_from)"
    ),
    "first labels": (
        "You kept each window's first labels, those next to its left cut, decided with no context before them: "
        "keep its middle, from the place the middle starts in the piece (start - read_from)"
    ),
}


def check_label_long_text(label_long_text: Callable[..., Any]) -> CheckReport:
    """Check `label_long_text(tag, ids, window, margin)` with taggers of known reach, then with the shipped model."""

    def case(n, window, margin, reach):
        def run():
            ids = torch.randint(2, 71, (n,), generator=torch.Generator().manual_seed(n)).tolist()
            pieces = _Pieces(n, window, margin)
            got = _as_labels(label_long_text(_ReachTagger(reach, pieces), list(ids), window, margin))
            _expect_tagged(pieces)
            expected = _ReachTagger(reach)(ids)  # one pass over the whole text
            _expect_one_label_each(got, n)
            if got[:-1] != expected[:-1]:  # the last id's label is no decision: nothing follows it
                slip = next(
                    (
                        why
                        for keep, why in SLIPS.items()
                        if got[:-1] == _stitched(_ReachTagger(reach), ids, window, margin, keep)[:-1]
                    ),
                    "",
                )
                at = next(i for i, (a, b) in enumerate(zip(got, expected)) if a != b)
                raise Mismatch(
                    with_explanation(
                        "the labels differ from one pass over the whole text, although every label of this tagger "
                        f"needs only {reach} ids on each side: at id {at} expected {expected[at]}, got {got[at]}",
                        slip,
                    )
                )

        return run

    def shipped():
        with seeded(0):  # building the model draws from torch's generator: the learner's stays as it was
            model, vocab = load_capstone(bidirectional=True)
        text = " ".join(_held_out_sentences()[:SHIPPED_SENTENCES])
        chars, truth = space_labels(text)
        ids = vocab.encode(chars)
        pieces = _Pieces(len(ids), SHIPPED_WINDOW, SHIPPED_MARGIN)

        def tag(piece):  # one piece, so no padding: the model reads it whole
            return predict(model, torch.tensor([pieces.take(piece)]))[1][0].tolist()

        got = _as_labels(label_long_text(tag, list(ids), SHIPPED_WINDOW, SHIPPED_MARGIN))
        _expect_tagged(pieces)
        _expect_one_label_each(got, len(ids))
        whole = predict(model, torch.tensor([ids]))[1][0].tolist()
        changed = sum(a != b for a, b in zip(got[:-1], whole[:-1]))  # nothing follows the last character
        f1 = boundary_scores([truth], [got])["f1"]
        note = f"boundary F1 {f1:.4f}; {changed} of {len(ids) - 1} labels differ from one pass over the whole text"
        if changed > SHIPPED_MOST_CHANGED * len(ids):
            raise Mismatch(f"{note}, more than {SHIPPED_MOST_CHANGED:.1%}: are labels near a window's edge kept?")
        return note

    cases = {name: case(*args) for name, args in WINDOW_CASES.items()}
    cases[
        f"the shipped bidirectional model, {SHIPPED_SENTENCES} held-out sentences run together (window "
        f"{SHIPPED_WINDOW}, margin {SHIPPED_MARGIN}): the labels of one pass, but for at most "
        f"{SHIPPED_MOST_CHANGED:.1%}"
    ] = shipped
    return run_check(
        "label_long_text",
        cases,
        hint="core = window - 2 * margin; for start in range(0, len(ids), core): read ids[max(start - margin, 0) : "
        "start + core + margin], tag it, and keep its labels from start - max(start - margin, 0), core of them.",
        concept=WINDOWS_CONCEPT,
    )


def _expect_one_label_each(got: list[int], n: int) -> None:
    """Raise Mismatch unless there are `n` labels, saying what more or fewer labels mean."""
    if len(got) > n:
        raise Mismatch(
            f"expected {n} labels, one per id, got {len(got)}: some ids were labelled twice. Keep only each "
            "window's middle: its margins are the neighbouring windows' middles, decided there"
        )
    if len(got) < n:
        raise Mismatch(
            f"expected {n} labels, one per id, got {len(got)}: some ids got no label. The middles must cover the "
            "text, one after the other: step from one window to the next by the middle's size, window - 2 * margin, "
            "and let the last window take what is left"
        )


def _expect_tagged(pieces: _Pieces) -> None:
    """Raise Mismatch if a text with ids was never given to the tagger."""
    if pieces.n and not pieces.lengths:
        raise Mismatch("your code never gave the tagger an id: call tag(piece) on each window's ids")


@lru_cache(maxsize=1)
def _held_out_sentences() -> tuple[str, ...]:
    """The capstone's test sentences (the same split as lesson 08's)."""
    return tuple(split_sentences(corpus_sentences(), seed=0)["test"])
