"""The capstone's model: character embeddings into an LSTM tagger, its training, and the shipped weights."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader

from ...checkpoints import load_checkpoint
from ...env import seed_everything, usable_cpus
from ...files import damaged, reading
from ...models import SequenceTagger, one_way_hidden_size
from ...samplers import LengthGroupedBatchSampler
from ...training import COLUMNS, History, train
from ...validation import check_bool, check_int, describe
from .batching import BATCH_SIZE, PAD_ID, CharVocab, make_segmentation_loaders
from .corpus import ASSET_DIR, corpus_sentences, split_sentences

NUM_CLASSES = 2  # 0: no space follows the character, 1: a space follows it
# The capstone's settings, shared by the notebook and the checkpoint writer (tools/write_corpus.py).
EMBED_DIM, HIDDEN_SIZE = 16, 40
EPOCHS, LR = 12, 0.015
VOCAB_PATH = ASSET_DIR / "vocab.json"
HISTORIES_PATH = ASSET_DIR / "histories.json"  # the training curves behind the shipped weights
CHECKPOINTS_FIX = (
    "restore the course's copy with `git checkout -- course_utils/assets/word_segmentation`, or write it again "
    "with `python -m tools.write_corpus --write-checkpoint`"
)
CHECKPOINT_NAMES = {True: "bidirectional_lstm.pt", False: "forward_lstm.pt"}
MODEL_NAMES = {True: "bidirectional", False: "forward-only"}


class CharTagger(nn.Module):
    """Character ids `(N, L)` -> logits `(N, L, 2)`: "does a space follow this character?".

    `.embed`: nn.Embedding(vocab_size, embed_dim, padding_idx=PAD_ID), ids to
    vectors `(N, L, H_in)`, H_in = embedding_dim; `.tagger`: the course's `SequenceTagger` (an LSTM run
    within each sentence's length when lengths are given, and a linear head), `(N, L, H_in)` ->
    `(N, L, 2)`. The ids may be an integer tensor or a float tensor of whole
    numbers (what `collate_ids` makes for `train`).
    """

    def __init__(
        self, vocab_size: int, embed_dim: int = EMBED_DIM, hidden_size: int = HIDDEN_SIZE, bidirectional: bool = True
    ):
        super().__init__()
        check_int("vocab_size", vocab_size, minimum=2)
        check_int("embed_dim", embed_dim)
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD_ID)
        self.tagger = SequenceTagger(embed_dim, hidden_size, NUM_CLASSES, cell="lstm", bidirectional=bidirectional)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor | Sequence[int] | None = None) -> torch.Tensor:
        ids = self._check_ids(ids)  # (N, L) int64
        return self.tagger(self.embed(ids), lengths)  # (N, L, H_in) -> (N, L, 2)

    def _check_ids(self, ids) -> torch.Tensor:
        if not isinstance(ids, torch.Tensor) or ids.dtype == torch.bool:
            raise TypeError(f"ids must be a tensor of character ids (N, L), got {describe(ids)}")
        if ids.dim() != 2:
            raise ValueError(f"ids must have 2 axes (N, L): one id per character, got {describe(ids)}")
        if ids.is_floating_point() or ids.is_complex():
            raise TypeError(f"ids must be an integer tensor of character ids (e.g. ids.long()), got {describe(ids)}")
        size = self.embed.num_embeddings
        if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= size):
            raise ValueError(
                f"ids must be in [0, {size - 1}] for this vocabulary of {size}, "
                f"got values from {int(ids.min())} to {int(ids.max())}"
            )
        return ids.to(self.embed.weight.device)


def forward_hidden_size(embed_dim: int = EMBED_DIM, hidden_size: int = HIDDEN_SIZE) -> int:
    """Hidden size of a forward-only LSTM tagger with about the parameters of a bidirectional one of `hidden_size`."""
    return one_way_hidden_size(hidden_size, embed_dim, NUM_CLASSES, cell="lstm")


def build_segmenter(vocab_size: int, bidirectional: bool = True) -> CharTagger:
    """The capstone's CharTagger; the forward-only one gets `forward_hidden_size()` units to match the parameters."""
    hidden = HIDDEN_SIZE if bidirectional else forward_hidden_size()
    return CharTagger(vocab_size, EMBED_DIM, hidden, bidirectional=bidirectional)


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


def train_capstone(
    data: CapstoneData,
    bidirectional: bool = True,
    epochs: int = EPOCHS,
    lr: float = LR,
    seed: int = 0,
    progress: bool = True,
) -> tuple[CharTagger, History]:
    """Build (seeded) and train one capstone model on `data`; return `(model, history)`.

    Deterministic for a given machine and torch: seeds, one thread, a seeded
    batch order. `train_capstones`, which the notebook and `--write-checkpoint`
    call, trains both models to the same weights as two calls of this.
    """
    model = _seeded_segmenter(data, bidirectional, seed)
    return model, _fit(model, (data.train_loader, data.val_loader), epochs, lr, seed, progress)


def _seeded_segmenter(data: CapstoneData, bidirectional: bool, seed: int) -> CharTagger:
    """The capstone model for `data` (checked first), its initial weights drawn from `seed`."""
    if not isinstance(data, CapstoneData):
        raise TypeError(f"data must be the CapstoneData from capstone_data(), got {describe(data)}")
    seed_everything(seed)
    return build_segmenter(len(data.vocab), bidirectional)


def _fit(
    model: CharTagger,
    loaders: tuple[DataLoader, DataLoader],
    epochs: int,
    lr: float,
    seed: int,
    progress: bool,
    stop: threading.Event | None = None,
) -> History:
    """The course's `train` on `(train_loader, val_loader)`, on the CPU, its batch order reseeded with `seed`."""
    return train(model, *loaders, epochs=epochs, lr=lr, progress=progress, seed=seed, stop=stop)


def checkpoint_path(bidirectional: bool = True) -> Path:
    """Where the shipped weights of the bidirectional (or forward-only) capstone model are."""
    return ASSET_DIR / CHECKPOINT_NAMES[bool(bidirectional)]


def load_capstone(bidirectional: bool = True) -> tuple[CharTagger, CharVocab]:
    """The shipped, trained capstone model (weights only, in eval mode) and its vocabulary."""
    vocab = CharVocab.load(VOCAB_PATH)
    model = load_checkpoint(build_segmenter(len(vocab), bidirectional), checkpoint_path(bidirectional))
    return model.eval(), vocab


def train_capstones(
    data: CapstoneData,
    epochs: int = EPOCHS,
    lr: float = LR,
    seed: int = 0,
    progress: bool = True,
    side_by_side: bool | None = None,
) -> dict[bool, tuple[CharTagger, History]]:
    """Train both capstone models; return `{True: (bidirectional model, History), False: (forward-only, History)}`.

    side_by_side: True trains the forward-only model in a second thread while
        the bidirectional one trains in this one (torch lets go of Python's
        lock inside its operations, so the two trainings use two CPU cores);
        False trains them one after the other; None (the default) picks True
        when this process may use 2 or more CPUs.
    progress: a bar per model trained in this thread (side by side, the
        forward-only one trains quietly beside the bidirectional one's bar).
    Ctrl-C (or an error) in this thread stops the second one too, before its
    next batch; the History of the finished epochs is on the exception (`train`).
    Either way the weights are bit for bit those of two `train_capstone`
    calls: both models are built from `seed` before either trains, each trains
    on loaders of its own, and training draws no random numbers (the models
    have no dropout, and each loader shuffles with its own sampler).
    """
    if side_by_side is None:
        side_by_side = usable_cpus() >= 2
    check_bool("side_by_side", side_by_side)
    # both built before either trains, each from `seed`, as train_capstone builds it
    models = {bidirectional: _seeded_segmenter(data, bidirectional, seed) for bidirectional in (True, False)}
    sampler = data.train_loader.batch_sampler
    assert isinstance(sampler, LengthGroupedBatchSampler)  # for mypy: make_segmentation_loaders made the loaders
    batch_size = sampler.batch_size
    # the forward-only model gets loaders of its own: a sampler counts its epochs, so two trainings can't share one
    loaders = {
        True: (data.train_loader, data.val_loader),
        False: make_segmentation_loaders(data.splits, data.vocab, batch_size, seed),
    }

    def fit(bidirectional: bool, bar: bool, stop: threading.Event | None = None) -> History:
        return _fit(models[bidirectional], loaders[bidirectional], epochs, lr, seed, bar, stop)

    if side_by_side:
        stop = threading.Event()  # set when this thread stops early: the second one then stops before its next batch
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="forward-only") as beside:
            forward = beside.submit(fit, False, False, stop)
            try:
                bidirectional_history = fit(True, progress)
            except BaseException:  # Ctrl-C included: leaving the `with` waits for the second thread
                stop.set()
                raise
            histories = {True: bidirectional_history, False: forward.result()}
    else:
        histories = {True: fit(True, progress), False: fit(False, progress)}
    return {bidirectional: (models[bidirectional], histories[bidirectional]) for bidirectional in (True, False)}


def get_capstones(
    data: CapstoneData, train_from_scratch: bool = True, progress: bool = True
) -> dict[bool, tuple[CharTagger, History]]:
    """Both capstone models and their Histories, `{True: bidirectional, False: forward-only}`: trained now
    (`train_capstones`, side by side where 2 CPUs are free), or the shipped ones loaded.

    Loading needs no training time and gives the models `--write-checkpoint`
    trained with the same code, so their scores are the ones training gives;
    the Histories are the ones recorded then (their `seconds` are None). Raises
    ValueError if `data`'s vocabulary is not the shipped one (another Python's
    documentation can give another corpus): train from scratch then.
    """
    check_bool("train_from_scratch", train_from_scratch)
    if train_from_scratch:
        return train_capstones(data, progress=progress)
    loaded = {}
    for bidirectional in (True, False):
        model, vocab = load_capstone(bidirectional)
        if vocab != data.vocab:
            raise ValueError(
                f"the shipped model's vocabulary {vocab} differs from this corpus's {data.vocab} (a different "
                "Python ships different documentation): train from scratch instead"
            )
        history = History([dict(row, seconds=None) for row in _shipped_history(bidirectional)])
        loaded[bidirectional] = (model, history)
    return loaded


def _shipped_history(bidirectional: bool) -> list[dict]:
    """The training rows recorded with the shipped checkpoint of one model, checked."""
    name = MODEL_NAMES[bool(bidirectional)]
    with reading(HISTORIES_PATH, "training histories file", CHECKPOINTS_FIX) as path:
        content = json.loads(path.read_text(encoding="utf-8"))
    rows = content.get(name) if isinstance(content, dict) else None
    if (
        not isinstance(rows, list)
        or not rows
        or not all(isinstance(r, dict) and set(COLUMNS) <= r.keys() for r in rows)
    ):
        raise damaged(
            HISTORIES_PATH,
            f"expected a list of epochs, each with {', '.join(COLUMNS)}, under {name!r}",
            CHECKPOINTS_FIX,
        )
    return rows
