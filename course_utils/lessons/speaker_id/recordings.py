"""The Japanese Vowels recordings: the reader, standardization and the loaders of the official split.

Nine speakers, 640 utterances of 7-29 frames x 12 LPC cepstrum coefficients,
shipped in `course_utils/assets/japanese_vowels/` (CC BY 4.0; see the README
there). The official split is 270 training and 370 test utterances.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import torch
from torch.utils.data import DataLoader

from ...data import collate_padded
from ...files import damaged, reading
from ...tensors import check_tensor
from ...validation import check_bool, check_int, describe

DATA_DIR = Path(__file__).resolve().parents[2] / "assets" / "japanese_vowels"
N_SPEAKERS = 9
N_COEFFICIENTS = 12
SPLITS = ("train", "test")


TS_FIX = (
    "restore the course's copy with `git checkout -- course_utils/assets/japanese_vowels`, or fix the file: "
    "each data line is dim_1:...:dim_D:label, every dim a comma-separated series of numbers"
)


def read_ts(path: str | Path) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Read a multivariate `.ts` file (UEA/UCR archive format) with one class label per series.

    Each data line is `dim_1:dim_2:...:dim_D:label`, each dim a comma-separated
    series of the same length L_i, every value a finite number. Returns a list of
    float32 `(L_i, H_in)` tensors (H_in = the number of dims) and int64 labels `(N,)` as written in the file
    (strings mapped to their 0-based position in the header's `@classLabel`
    list). Every problem raises an error naming the file and the line.
    """
    with reading(path, ".ts recording file", TS_FIX) as path:
        text = path.read_text(encoding="utf-8")
    classes, series, labels = None, [], []
    in_data, width = False, None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not in_data:
            if line.lower().startswith("@classlabel"):
                classes = line.split()[2:]  # "@classLabel true 1 2 3 ..."
            in_data = line.lower() == "@data"
            continue
        if classes is None:
            raise damaged(path, f"line {number}: data before any `@classLabel true <labels>` header line", TS_FIX)
        *dims, label = line.split(":")
        if label not in classes:
            raise damaged(
                path,
                f"line {number}: label {label[:20]!r} is not in @classLabel {classes} (is the line cut short?)",
                TS_FIX,
            )
        rows = [_ts_numbers(dim, path, number, d) for d, dim in enumerate(dims)]
        if len({len(r) for r in rows}) != 1:
            raise damaged(
                path,
                f"line {number}: its {len(rows)} dimensions have different lengths {sorted({len(r) for r in rows})}",
                TS_FIX,
            )
        if width is not None and len(rows) != width:
            raise damaged(path, f"line {number}: {len(rows)} dimensions, but the lines before have {width}", TS_FIX)
        width = len(rows)
        series.append(torch.tensor(rows, dtype=torch.float32).T)  # (L_i, H_in)
        labels.append(classes.index(label))
    if not series:
        raise damaged(path, "no data lines after @data (is the file empty or cut short?)", TS_FIX)
    return series, torch.tensor(labels, dtype=torch.int64)


def _ts_numbers(dim: str, path: Path, number: int, d: int) -> list[float]:
    """The values of one dimension of a `.ts` data line; each must be a finite number."""
    values = []
    for position, text in enumerate(dim.split(",")):
        try:
            value = float(text)
        except ValueError:
            raise damaged(
                path,
                f"line {number}, dimension {d}, value {position}: {text[:20]!r} is not a number "
                "(missing values are not supported)",
                TS_FIX,
            ) from None
        if not math.isfinite(value):
            raise damaged(
                path, f"line {number}, dimension {d}, value {position}: {text!r} is not a finite number", TS_FIX
            )
        values.append(value)
    return values


@cache
def _load_split(split: str):
    return read_ts(DATA_DIR / f"JapaneseVowels_{split.upper()}.ts")


def load_japanese_vowels(split: str = "train", standardized: bool = False) -> tuple[list[torch.Tensor], torch.Tensor]:
    """The official `"train"` (270) or `"test"` (370) utterances.

    Returns a list of float32 `(L_i, 12)` tensors (L_i from 7 to 29 frames)
    and speaker labels int64 `(N,)` in 0..8. The tensors are fresh copies, so
    changing them does not change later loads.
    standardized: when True, every coefficient is standardized with the mean
        and standard deviation of the *training* split (`coefficient_stats`),
        for the test split too, so that nothing is learnt from the test data.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    check_bool("standardized", standardized)
    series, labels = _load_split(split)
    if standardized:
        return standardize(series, coefficient_stats(_load_split("train")[0])), labels.clone()
    return [s.clone() for s in series], labels.clone()


def coefficient_stats(series: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and standard deviation `(H_in,)` of each coefficient over every frame of `series`.

    series: a non-empty list of float `(L_i, H_in)` tensors, e.g. the training
    split. Every frame counts once, so long utterances weigh more.
    """
    frames = torch.cat(check_series(series))  # (sum of L_i, H_in)
    if len(frames) < 2:
        raise ValueError(f"series must hold at least 2 frames to estimate a spread, got {len(frames)}")
    return frames.mean(dim=0), frames.std(dim=0)


def standardize(series: Sequence[torch.Tensor], stats: tuple[torch.Tensor, torch.Tensor]) -> list[torch.Tensor]:
    """`(x - mean) / std` for every frame: a new list of `(L_i, H_in)` tensors.

    stats: `(mean (H_in,), std (H_in,))` as `coefficient_stats` returns; take them
    from the training data and apply them to every split.
    """
    series = check_series(series)
    if not isinstance(stats, (tuple, list)) or len(stats) != 2:
        raise TypeError(
            f"stats must be a pair (mean (H_in,), std (H_in,)) from coefficient_stats, got {describe(stats)}"
        )
    mean, std = stats
    width = series[0].shape[1]
    for name, value in (("mean", mean), ("std", std)):
        check_tensor(f"stats {name}", value, dim=1, floating=True)
        if value.shape[0] != width:
            raise ValueError(f"stats {name} must have one entry per coefficient ({width}), got {describe(value)}")
    if not bool((std > 0).all()):
        raise ValueError("stats std must be > 0 for every coefficient (a constant coefficient cannot be scaled)")
    return [(s - mean) / std for s in series]


def load_padded(split: str = "test", standardized: bool = True) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A whole split as one padded batch: `(x (N, L_max, 12), speakers (N,), lengths (N,))`.

    For predictions over the full split (`training.predict`) and for padding
    experiments; standardized as in `load_japanese_vowels`.
    """
    series, labels = load_japanese_vowels(split, standardized=standardized)
    return collate_padded(list(zip(series, labels)))


def make_vowel_loaders(batch_size: int = 32, seed: int = 0, standardized: bool = True) -> tuple[DataLoader, DataLoader]:
    """Train and test DataLoaders over the official split.

    Batches are `(x (N, L_max, 12) zero-padded, speakers (N,), lengths (N,))`
    from `collate_padded`: each batch is padded to its own longest utterance.
    The training order is shuffled by a seeded generator; the test order is
    the file's. standardized (True by default): both loaders use the
    training split's statistics, as in `load_japanese_vowels`.
    """
    check_int("batch_size", batch_size)
    check_int("seed", seed, minimum=0)
    train = load_japanese_vowels("train", standardized=standardized)
    test = load_japanese_vowels("test", standardized=standardized)
    return _loader(*train, batch_size, shuffle_seed=seed), _loader(*test, batch_size)


def make_vowel_validation_loaders(
    batch_size: int = 32, seed: int = 0, val_per_speaker: int = 6, standardized: bool = True, split_seed: int = 0
) -> tuple[DataLoader, DataLoader]:
    """Train and validation DataLoaders, both carved from the official *training* split.

    `val_per_speaker` utterances of each of the 9 speakers (drawn with
    `split_seed`) are held out for validation, the rest train: 216 / 54 by
    default. Use them to choose settings without looking at the test split.
    The standardization statistics come from the training part only. Batches
    as in `make_vowel_loaders`; `seed` shuffles the training order.
    """
    check_int("batch_size", batch_size)
    check_int("seed", seed, minimum=0)
    check_int("split_seed", split_seed, minimum=0)
    check_int("val_per_speaker", val_per_speaker)
    check_bool("standardized", standardized)
    series, labels = load_japanese_vowels("train")
    per_speaker = int(labels.bincount().min())
    if val_per_speaker >= per_speaker:
        raise ValueError(
            f"val_per_speaker must leave training utterances: each speaker has {per_speaker}, "
            f"got val_per_speaker={val_per_speaker}"
        )
    generator = torch.Generator().manual_seed(split_seed)
    held_out = torch.zeros(len(labels), dtype=torch.bool)
    for speaker in range(N_SPEAKERS):
        mine = (labels == speaker).nonzero().squeeze(1)
        held_out[mine[torch.randperm(len(mine), generator=generator)[:val_per_speaker]]] = True
    train_series = [s for s, out in zip(series, held_out.tolist()) if not out]
    val_series = [s for s, out in zip(series, held_out.tolist()) if out]
    if standardized:
        stats = coefficient_stats(train_series)
        train_series, val_series = standardize(train_series, stats), standardize(val_series, stats)
    return (
        _loader(train_series, labels[~held_out], batch_size, shuffle_seed=seed),
        _loader(val_series, labels[held_out], batch_size),
    )


def _loader(series, labels, batch_size, shuffle_seed=None) -> DataLoader:
    """A DataLoader of padded `(x, y, lengths)` batches; shuffled with a seeded generator when `shuffle_seed` is set."""
    generator = None if shuffle_seed is None else torch.Generator().manual_seed(shuffle_seed)
    return DataLoader(
        list(zip(series, labels)),  # type: ignore[arg-type]  # torch's stubs ask for a Dataset; any list indexes as one
        batch_size=batch_size,
        shuffle=generator is not None,
        generator=generator,
        collate_fn=collate_padded,
    )


def check_series(series: object) -> list[torch.Tensor]:
    """Return `series` if it is a non-empty list of float `(L_i, H_in)` tensors sharing H_in, else raise."""
    if not isinstance(series, (list, tuple)) or len(series) == 0:
        raise TypeError(f"series must be a non-empty list of (L_i, H_in) tensors, got {describe(series)}")
    for i, s in enumerate(series):
        check_tensor(f"series[{i}] (L_i, H_in)", s, dim=2, floating=True)
    widths = sorted({s.shape[1] for s in series})
    if len(widths) != 1:
        raise ValueError(f"all series need the same number of coefficients H_in, got {widths}")
    return list(series)
