"""Checks for exercise 08 (the capstone): label a sentence for word segmentation, then tag its characters.

`check_space_labels(fn)`: `fn(sentence) -> (chars, labels)`, the sentence without
whitespace and one label per character, 1 when a space followed it, the last one
always 0 (`course_utils.lessons.word_segmentation.space_labels`).

`check_tag_characters(fn)`: `fn(embed, lstm, head, ids (N, L), lengths (N,)) -> logits
(N, L, 2)`: embed the ids, run the bidirectional batch-first LSTM packed, unpack to L
steps, apply the head. Only the valid steps are compared, against each sentence run alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence

from ..lessons.word_segmentation import PAD_ID, space_labels
from ..tensors import step_mask
from ..validation import short_repr
from .common import seeded
from .comparators import Mismatch, expect_close, expect_equal, expect_pair, with_explanation
from .report import CheckReport
from .runner import run_check

LABEL_CASES = {
    "'the cat sat'": "the cat sat",
    "punctuation: 'Return a copy.'": "Return a copy.",
    "one word: 'word'": "word",
    "two spaces in a row: 'a  b'": "a  b",
    "spaces at both ends: ' hi there '": " hi there ",
    "an empty sentence: ''": "",
}
VOCAB, EMBED, HIDDEN = 12, 4, 3
# (lengths, padded steps L) of each batch of ids
TAG_CASES = {
    "ids (3, 6), lengths [6, 2, 4] (not sorted)": ([6, 2, 4], 6),
    "ids (2, 5), lengths [3, 2] (no sentence fills L)": ([3, 2], 5),
    "a batch of 1: ids (1, 4), lengths [4]": ([4], 4),
}
ATOL = 1e-5


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
            chars, labels = expect_pair(space_labels_fn(sentence), "(chars, labels)")
            expected_chars, expected = space_labels(sentence)
            expect_equal(chars, expected_chars, what="characters (the sentence without its spaces)")
            if isinstance(labels, torch.Tensor):
                labels = labels.tolist()
            if not isinstance(labels, (list, tuple)) or not all(isinstance(v, int) for v in labels):
                raise Mismatch(f"expected the labels as a list of ints (0 or 1), got {short_repr(labels)}")
            if list(labels) != expected:
                slip = next((why for values, why in _label_slips(sentence) if list(labels) == values), "")
                message = f"expected the labels {expected}, got {list(labels)}"
                raise Mismatch(with_explanation(message, slip))

        return run

    return run_check(
        "space_labels",
        {name: case(sentence) for name, sentence in LABEL_CASES.items()},
        hint="split the sentence into words (sentence.split()); each word gives 0s and a 1 on its "
        "last character; then set the very last label to 0.",
    )


class _TagCase:
    """A seeded embedding, bidirectional LSTM and head, a padded batch of ids, and the expected logits."""

    def __init__(self, lengths, steps):
        with seeded(0):
            self.embed = nn.Embedding(VOCAB, EMBED, padding_idx=PAD_ID).requires_grad_(False)
            self.lstm = nn.LSTM(EMBED, HIDDEN, bidirectional=True, batch_first=True).requires_grad_(False)
            self.head = nn.Linear(2 * HIDDEN, 2).requires_grad_(False)
            ids = torch.randint(1, VOCAB, (len(lengths), steps))
        self.lengths = torch.tensor(lengths)
        self.valid = step_mask(self.lengths, steps)  # (N, L)
        self.ids = ids * self.valid  # padded with PAD_ID
        alone = [self._logits(self.ids[n : n + 1, :length])[0] for n, length in enumerate(lengths)]
        self.expected = torch.zeros(len(lengths), steps, 2)
        for n, logits in enumerate(alone):
            self.expected[n, : lengths[n]] = logits
        self.unpacked = self._logits(self.ids) * self.valid.unsqueeze(-1)  # the slip: padding read

    def _logits(self, ids):
        return self.head(self.lstm(self.embed(ids))[0])

    def arguments(self):
        """Fresh copies of the inputs, so a learner's in-place edit cannot change the expected values."""
        return self.embed, self.lstm, self.head, self.ids.clone(), self.lengths.clone()


def check_tag_characters(tag_characters: Callable[..., Any]) -> CheckReport:
    """Check `tag_characters(embed, lstm, head, ids, lengths)` against running each sentence alone."""

    def case(lengths, steps):
        def run():
            c = _TagCase(lengths, steps)
            got = tag_characters(*c.arguments())
            if isinstance(got, PackedSequence):
                raise Mismatch(
                    "that is a PackedSequence: unpack the LSTM's output with pad_packed_sequence("
                    f"..., batch_first=True, total_length={steps}) before the head"
                )
            if isinstance(got, tuple):
                raise Mismatch(
                    f"expected one tensor of logits (N, L, 2), got a tuple of {len(got)}: an LSTM and "
                    "pad_packed_sequence both return pairs; keep only the output"
                )
            if isinstance(got, torch.Tensor) and got.shape == (len(lengths), steps, 2 * HIDDEN):
                raise Mismatch(f"got the LSTM's output (N, L, D*H_out) = {tuple(got.shape)}: apply the head to it")
            if isinstance(got, torch.Tensor) and got.dim() == 3 and got.shape[1] == max(lengths) < steps:
                raise Mismatch(
                    f"got {got.shape[1]} steps instead of L={steps}: pad_packed_sequence stopped at "
                    f"the longest length; pass total_length=ids.shape[1]"
                )
            if isinstance(got, torch.Tensor) and got.shape == c.expected.shape:
                got = got * c.valid.unsqueeze(-1)  # padded steps are not compared
            expect_close(
                got,
                c.expected,
                "logits at the valid steps",
                ("sentence", "step", "class"),
                ATOL,
                [
                    (
                        c.unpacked,
                        "They equal the LSTM run on the padded ids: the backward direction of every shorter "
                        "sentence started on the padding. Pack the embedded batch before the LSTM.",
                    ),
                ],
            )

        return run

    return run_check(
        "tag_characters",
        {name: case(*args) for name, args in TAG_CASES.items()},
        hint="embed(ids) -> (N, L, H_in); pack_padded_sequence(..., lengths, batch_first=True, "
        "enforce_sorted=False); lstm; pad_packed_sequence(..., batch_first=True, "
        "total_length=L)[0]; head.",
    )
