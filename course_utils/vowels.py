"""The Japanese Vowels recordings: real, variable-length sequences, one speaker label each.

Nine speakers, 640 utterances of 7-29 frames x 12 LPC cepstrum coefficients,
shipped in `course_utils/assets/japanese_vowels/` (CC BY 4.0; see the README
there). The official split is 270 training and 370 test utterances.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import torch
from torch.utils.data import DataLoader

from .data import collate_padded
from .validation import check_int

DATA_DIR = Path(__file__).resolve().parent / "assets" / "japanese_vowels"
N_SPEAKERS = 9
N_COEFFICIENTS = 12
SPLITS = ("train", "test")


def read_ts(path) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Read a multivariate `.ts` file (UEA/UCR archive format) with one class label per series.

    Each data line is `dim_1:dim_2:...:dim_D:label`, each dim a comma-separated
    series of the same length T_i. Returns a list of float32 `(T_i, D)`
    tensors and int64 labels `(N,)` as written in the file (strings mapped to
    their 0-based position in the header's `@classLabel` list).
    """
    path = Path(path)
    classes, series, labels = None, [], []
    in_data = False
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not in_data:
            if line.lower().startswith("@classlabel"):
                classes = line.split()[2:]  # "@classLabel true 1 2 3 ..."
            in_data = line.lower() == "@data"
            continue
        *dims, label = line.split(":")
        rows = [[float(v) for v in dim.split(",")] for dim in dims]
        if len({len(r) for r in rows}) != 1:
            raise ValueError(f"{path.name}, line {number}: the {len(rows)} dimensions differ in length")
        if classes is None or label not in classes:
            raise ValueError(f"{path.name}, line {number}: label {label!r} is not in @classLabel {classes}")
        series.append(torch.tensor(rows, dtype=torch.float32).T)  # (T_i, D)
        labels.append(classes.index(label))
    if not series:
        raise ValueError(f"{path.name} holds no data lines after @data")
    return series, torch.tensor(labels, dtype=torch.int64)


@lru_cache(maxsize=None)
def _load_split(split: str):
    return read_ts(DATA_DIR / f"JapaneseVowels_{split.upper()}.ts")


def load_japanese_vowels(split: str = "train") -> tuple[list[torch.Tensor], torch.Tensor]:
    """The official `"train"` (270) or `"test"` (370) utterances.

    Returns a list of float32 `(T_i, 12)` tensors (T_i from 7 to 29 frames)
    and speaker labels int64 `(N,)` in 0..8. The tensors are fresh copies, so
    changing them does not change later loads.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    series, labels = _load_split(split)
    return [s.clone() for s in series], labels.clone()


def make_vowel_loaders(batch_size: int = 32, seed: int = 0) -> tuple[DataLoader, DataLoader]:
    """Train and test DataLoaders over the official split.

    Batches are `(x (N, T_max, 12) zero-padded, speakers (N,), lengths (N,))`
    from `collate_padded`; the training order is shuffled by a seeded generator.
    """
    check_int("batch_size", batch_size)
    check_int("seed", seed, minimum=0)
    loaders = []
    for split in SPLITS:
        series, labels = load_japanese_vowels(split)
        samples = list(zip(series, labels))
        generator = torch.Generator().manual_seed(seed) if split == "train" else None
        loaders.append(DataLoader(samples, batch_size=batch_size, shuffle=split == "train",
                                  generator=generator, collate_fn=collate_padded))
    return loaders[0], loaders[1]
