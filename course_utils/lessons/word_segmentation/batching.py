"""The capstone's batches: characters to ids (`CharVocab`), padded batches of ids, and loaders of similar lengths."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import torch
from torch.utils.data import DataLoader

from ...data import collate_padded
from ...files import atomic_write, damaged, reading
from ...samplers import LengthGroupedBatchSampler
from ...tensors import PAD_LABEL
from ...validation import check_int, describe
from .corpus import space_labels

PAD_ID, UNK_ID = 0, 1  # ids 0 and 1 are reserved; characters start at 2
VOCAB_FIX = (
    "write it with CharVocab.save(path); the shipped one: restore the course's copy with "
    "`git checkout -- course_utils/assets/word_segmentation`"
)
PAD_TOKEN, UNK_TOKEN = "<pad>", "<unk>"
BATCH_SIZE = 64
MIN_COUNT = 2  # a training character seen fewer times maps to the unknown id


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
    def from_sentences(cls, sentences: Sequence[str], min_count: int = MIN_COUNT) -> CharVocab:
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

    def decode(self, ids: torch.Tensor) -> str:
        """The characters of `ids`, with `<unk>` for UNK_ID; padding ids are left out."""
        tokens = {PAD_ID: "", UNK_ID: UNK_TOKEN}
        values = [int(i) for i in ids]
        if any(not 0 <= i < len(self) for i in values):
            raise ValueError(f"ids must be in [0, {len(self) - 1}] for this vocabulary, got {values}")
        return "".join(tokens[i] if i in tokens else self.chars[i - 2] for i in values)

    def save(self, path: str | Path) -> Path:
        """Write the vocabulary to a small JSON file (atomically: `files.atomic_write`) and return its path."""
        content = {"pad_id": PAD_ID, "unk_id": UNK_ID, "chars": self.chars}
        with atomic_write(path) as file:
            file.write(json.dumps(content, ensure_ascii=False) + "\n")
        return Path(path)

    @classmethod
    def load(cls, path: str | Path) -> CharVocab:
        """Read a vocabulary written by `save`; a damaged or foreign file raises an error naming it."""
        with reading(path, "vocabulary file", VOCAB_FIX) as checked:
            content = json.loads(checked.read_text(encoding="utf-8"))
        if not isinstance(content, dict) or not isinstance(content.get("chars"), str):
            raise damaged(checked, f"expected a JSON object with a 'chars' string, got {describe(content)}", VOCAB_FIX)
        if (content.get("pad_id"), content.get("unk_id")) != (PAD_ID, UNK_ID):
            raise damaged(
                checked,
                f"it numbers padding and unknown characters ({content.get('pad_id')!r}, {content.get('unk_id')!r}), "
                f"not as this course does ({PAD_ID}, {UNK_ID})",
                VOCAB_FIX,
            )
        try:
            return cls(content["chars"])
        except ValueError as error:
            raise damaged(checked, str(error), VOCAB_FIX) from None


def encode_sentences(sentences: Sequence[str], vocab: CharVocab) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Each sentence as `(ids (L_i,) int64, labels (L_i,) int64)`, L_i its number of non-space characters.

    The labels are `space_labels`', except the last one, which is PAD_LABEL
    (-100): nothing can follow the last character, so there is no decision to
    learn there (and `boundary_scores` leaves it out too).
    """
    if isinstance(sentences, str) or not isinstance(sentences, (list, tuple)):
        raise TypeError(f"sentences must be a list of strings, got {describe(sentences)} (wrap one str in a list)")
    if not isinstance(vocab, CharVocab):
        raise TypeError(f"vocab must be a CharVocab, got {describe(vocab)}")
    encoded = []
    for index, sentence in enumerate(sentences):
        chars, labels = space_labels(sentence)
        if not chars:
            raise ValueError(f"sentences[{index}] has no characters besides spaces: {sentence!r}")
        encoded.append((torch.tensor(vocab.encode(chars)), torch.tensor(labels[:-1] + [PAD_LABEL])))
    return encoded


def collate_ids(batch: Sequence[tuple[torch.Tensor, torch.Tensor]]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pad `(ids (L_i,), labels (L_i,))` samples into `(ids (N, L) int64, labels (N, L), lengths (N,))`.

    Padding: id PAD_ID (0) and label PAD_LABEL (-100).
    """
    ids, labels, lengths = collate_padded([(x.long().unsqueeze(1), y) for x, y in batch])
    return ids.squeeze(-1), labels, lengths  # (N, L), (N, L), (N,)


def make_segmentation_loaders(
    splits: dict, vocab: CharVocab, batch_size: int = BATCH_SIZE, seed: int = 0
) -> tuple[DataLoader, DataLoader]:
    """`(train_loader, val_loader)` over `splits["train"]` and `splits["val"]`.

    Batches are `(ids (N, L), labels (N, L), lengths (N,))` from `collate_ids`,
    N <= batch_size, L the longest sentence of the batch. Both loaders batch
    sentences of similar length (`samplers.LengthGroupedBatchSampler`), so a
    batch carries little padding: the training batches are regrouped and
    shuffled every epoch, from `seed` (which `train(seed=...)` resets); the
    validation batches come in order of length.
    """
    check_int("seed", seed, minimum=0)
    if not isinstance(splits, dict) or not {"train", "val"} <= splits.keys():
        raise ValueError(f"splits must be split_sentences()'s dict, with 'train' and 'val', got {describe(splits)}")
    loaders: list[DataLoader] = []
    for part, shuffle in (("train", True), ("val", False)):
        samples = encode_sentences(splits[part], vocab)
        sampler = LengthGroupedBatchSampler([len(ids) for ids, _ in samples], batch_size, seed=seed, shuffle=shuffle)
        # torch's stubs ask for a Dataset; any list indexes as one
        loaders.append(DataLoader(samples, batch_sampler=sampler, collate_fn=collate_ids))  # type: ignore[arg-type]
    return loaders[0], loaders[1]
