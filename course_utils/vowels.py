"""The Japanese Vowels recordings: real, variable-length sequences, one speaker label each.

Nine speakers, 640 utterances of 7-29 frames x 12 LPC cepstrum coefficients,
shipped in `course_utils/assets/japanese_vowels/` (CC BY 4.0; see the README
there). The official split is 270 training and 370 test utterances.

Besides the reader, the module standardizes the 12 coefficients with
training-split statistics (`coefficient_stats`, `standardize`; on by default
in the loaders), builds padded loaders for the official split and for a
validation split carved from the training data, and holds what lesson 07
(speaker identification) compares against the packed bidirectional
`SequenceClassifier`:

* `MeanPoolBaseline`: the average frame of each utterance and a linear
  layer (logistic regression), a model with no recurrence at all;
* `UnpackedMistake` and `LastOutputMistake`: two classifiers that are
  wrong ON PURPOSE, each reproducing one classic mistake so that its cost
  can be measured. They are teaching material; never copy them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from torch import nn
from torch.utils.data import DataLoader

from .data import collate_padded, step_mask
from .models import SequenceClassifier, build_tagger_pair
from .plots import _finish, _subplots
from .training import predict
from .validation import check_int, check_lengths, check_tensor, describe

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


def load_japanese_vowels(split: str = "train", standardized: bool = False) -> tuple[list[torch.Tensor], torch.Tensor]:
    """The official `"train"` (270) or `"test"` (370) utterances.

    Returns a list of float32 `(T_i, 12)` tensors (T_i from 7 to 29 frames)
    and speaker labels int64 `(N,)` in 0..8. The tensors are fresh copies, so
    changing them does not change later loads.
    standardized: when True, every coefficient is standardized with the mean
        and standard deviation of the *training* split (`coefficient_stats`),
        for the test split too, so that nothing is learnt from the test data.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    _check_flag("standardized", standardized)
    series, labels = _load_split(split)
    if standardized:
        return standardize(series, coefficient_stats(_load_split("train")[0])), labels.clone()
    return [s.clone() for s in series], labels.clone()


def coefficient_stats(series) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and standard deviation `(F,)` of each coefficient over every frame of `series`.

    series: a non-empty list of float `(T_i, F)` tensors, e.g. the training
    split. Every frame counts once, so long utterances weigh more.
    """
    frames = torch.cat(_check_series(series))  # (sum of T_i, F)
    if len(frames) < 2:
        raise ValueError(f"series must hold at least 2 frames to estimate a spread, got {len(frames)}")
    return frames.mean(dim=0), frames.std(dim=0)


def standardize(series, stats) -> list[torch.Tensor]:
    """`(x - mean) / std` for every frame: a new list of `(T_i, F)` tensors.

    stats: `(mean (F,), std (F,))` as `coefficient_stats` returns; take them
    from the training data and apply them to every split.
    """
    series = _check_series(series)
    if not isinstance(stats, (tuple, list)) or len(stats) != 2:
        raise TypeError(f"stats must be a pair (mean (F,), std (F,)) from coefficient_stats, got {describe(stats)}")
    mean, std = stats
    width = series[0].shape[1]
    for name, value in (("mean", mean), ("std", std)):
        check_tensor(f"stats {name}", value, dim=1, floating=True)
        if value.shape[0] != width:
            raise ValueError(f"stats {name} must have one entry per coefficient ({width}), got {describe(value)}")
    if not bool((std > 0).all()):
        raise ValueError("stats std must be > 0 for every coefficient (a constant coefficient cannot be scaled)")
    return [(s - mean) / std for s in series]


def load_padded(split: str = "test", standardized: bool = True):
    """A whole split as one padded batch: `(x (N, T_max, 12), speakers (N,), lengths (N,))`.

    For predictions over the full split (`training.predict`) and for padding
    experiments; standardized as in `load_japanese_vowels`.
    """
    series, labels = load_japanese_vowels(split, standardized=standardized)
    return collate_padded(list(zip(series, labels)))


def make_vowel_loaders(batch_size: int = 32, seed: int = 0, standardized: bool = True) -> tuple[DataLoader, DataLoader]:
    """Train and test DataLoaders over the official split.

    Batches are `(x (N, T_max, 12) zero-padded, speakers (N,), lengths (N,))`
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
    _check_flag("standardized", standardized)
    series, labels = load_japanese_vowels("train")
    per_speaker = int(labels.bincount().min())
    if val_per_speaker >= per_speaker:
        raise ValueError(f"val_per_speaker must leave training utterances: each speaker has {per_speaker}, "
                         f"got val_per_speaker={val_per_speaker}")
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
    return (_loader(train_series, labels[~held_out], batch_size, shuffle_seed=seed),
            _loader(val_series, labels[held_out], batch_size))


def _loader(series, labels, batch_size, shuffle_seed=None) -> DataLoader:
    """A DataLoader of padded `(x, y, lengths)` batches; shuffled with a seeded generator when `shuffle_seed` is set."""
    generator = None if shuffle_seed is None else torch.Generator().manual_seed(shuffle_seed)
    return DataLoader(list(zip(series, labels)), batch_size=batch_size, shuffle=generator is not None,
                      generator=generator, collate_fn=collate_padded)


def mean_pool(x, lengths) -> torch.Tensor:
    """The average of each sequence's valid frames: x `(N, T, F)` padded, lengths `(N,)` -> `(N, F)`.

    Padded frames, whatever their value, are left out of the sum and of the
    count, so an utterance has the same average in any batch and padding.
    """
    check_tensor("x (N, T, F)", x, dim=3, floating=True)
    lengths = check_lengths(lengths, batch_size=x.shape[0], max_len=x.shape[1])
    valid = step_mask(lengths, x.shape[1]).to(x.device, x.dtype)  # (N, T)
    return (x * valid.unsqueeze(-1)).sum(dim=1) / lengths.to(x.device, x.dtype).unsqueeze(1)


class MeanPoolBaseline(nn.Module):
    """A model without recurrence: the mean frame of each sequence, then one linear layer.

    x `(N, T, F)`, lengths `(N,)` -> logits `(N, C)`. Trained with cross
    entropy this is multinomial logistic regression on the mean frame
    (F*C + C parameters); it sees what is in an utterance, not in what order.
    """

    def __init__(self, input_size: int = N_COEFFICIENTS, num_classes: int = N_SPEAKERS):
        super().__init__()
        check_int("input_size", input_size)
        check_int("num_classes", num_classes)
        self.head = nn.Linear(input_size, num_classes)

    def forward(self, x, lengths):
        return self.head(mean_pool(x, lengths))  # (N, F) -> (N, C)


class UnpackedMistake(SequenceClassifier):
    """TEACHING MISTAKE, do not copy: a SequenceClassifier that ignores `lengths`.

    Called as `model(x, lengths)` it drops the lengths and runs the padded
    batch unpacked, so h_n includes the pad steps: the forward direction's
    final state comes after the last *pad* of each shorter utterance, and the
    backward direction starts on the pads before it reaches real frames. How
    many pads an utterance gets depends on the longest utterance in its
    batch, so its prediction can change with its batch mates. Same
    constructor and parameters as `SequenceClassifier`.
    """

    def forward(self, x, lengths=None):
        return super().forward(x)  # the mistake: lengths are ignored


class LastOutputMistake(SequenceClassifier):
    """TEACHING MISTAKE, do not copy: a classifier whose head reads `output[:, -1]` of the unpacked run.

    `output[:, -1]` is the output at the last padded step: for the forward
    half, the state after all frames *and* the pads; for the backward half,
    the state after reading only that one step, which for every utterance
    shorter than its batch's longest is a pad. `lengths` are ignored, as in
    `UnpackedMistake`. Same constructor and parameters as `SequenceClassifier`.
    """

    def forward(self, x, lengths=None):
        output, _ = self._run_rnn(x, None)  # (N, T, D*H): padded batch, unpacked
        return self.head(self.dropout(output[:, -1]))  # the mistake: the last step is no summary


def build_speaker_models(cell: str = "gru", hidden_size: int = 32, seed: int = 0) -> dict[str, nn.Module]:
    """The models lesson 07 compares, each built from `seed` (the learner's random state is left alone).

    Returns a dict name -> untrained model, inputs 12 coefficients, 9 speakers:
    "packed bidirectional" (`SequenceClassifier`), "no packing"
    (`UnpackedMistake`) and "output[:, -1]" (`LastOutputMistake`) with the
    same starting weights; "forward-only", a `SequenceClassifier` with
    `bidirectional=False` and the hidden size whose parameter count is
    closest to the bidirectional one's; and "mean-pooled baseline".
    """
    check_int("hidden_size", hidden_size)
    check_int("seed", seed, minimum=0)
    # A classifier has the parameters of a tagger of the same sizes (an RNN and a (D*H, C) head),
    # so the tagger pair's budget matching gives the forward-only hidden size.
    with torch.random.fork_rng(devices=[]):
        forward_hidden = build_tagger_pair(N_COEFFICIENTS, hidden_size, N_SPEAKERS, cell=cell)[1].rnn.hidden_size
    builders = {
        "packed bidirectional": lambda: SequenceClassifier(N_COEFFICIENTS, hidden_size, N_SPEAKERS, cell=cell),
        "no packing": lambda: UnpackedMistake(N_COEFFICIENTS, hidden_size, N_SPEAKERS, cell=cell),
        "output[:, -1]": lambda: LastOutputMistake(N_COEFFICIENTS, hidden_size, N_SPEAKERS, cell=cell),
        "forward-only": lambda: SequenceClassifier(N_COEFFICIENTS, forward_hidden, N_SPEAKERS, cell=cell,
                                                   bidirectional=False),
        "mean-pooled baseline": lambda: MeanPoolBaseline(N_COEFFICIENTS, N_SPEAKERS),
    }
    models = {}
    for name, build in builders.items():
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            models[name] = build()
    return models


def predictions_by_padding(model, split: str = "test", batch_size: int = 16) -> dict[str, torch.Tensor]:
    """A classifier's predicted speakers for every utterance of `split`, under three ways of padding it.

    Returns a dict of int64 `(N,)` tensors, in the split's order:
    "batches of <batch_size>" (each batch padded to its own longest
    utterance, as the test loader gives them), "all padded to <T_max>" (one
    batch, padded to the split's longest) and "each alone" (no padding). A
    classifier that packs (or pools only valid frames) gives the same
    predictions in all three; one that reads the padding need not.
    Inputs are standardized with the training statistics.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {describe(model)}")
    check_int("batch_size", batch_size)
    x, _, lengths = load_padded(split)  # (N, T_max, 12)
    batched = [predict(model, x[i:i + batch_size, :int(lengths[i:i + batch_size].max())], lengths[i:i + batch_size])[1]
               for i in range(0, len(x), batch_size)]
    alone = [predict(model, x[n:n + 1, :int(length)], lengths[n:n + 1])[1] for n, length in enumerate(lengths)]
    return {
        f"batches of {batch_size}": torch.cat(batched),
        f"all padded to {x.shape[1]}": predict(model, x, lengths)[1],
        "each alone": torch.cat(alone),
    }


def plot_lengths(lengths_by_split):
    """Bar chart of how many utterances have each length, one colour per split.

    lengths_by_split: dict name -> lengths (a list or 1-D int tensor), e.g.
    `{"train": ..., "test": ...}`. Returns the Figure (closed in pyplot, like
    every figure of `course_utils.plots`).
    """
    if not isinstance(lengths_by_split, dict) or not lengths_by_split:
        raise TypeError(f"lengths_by_split must be a non-empty dict name -> lengths, got {describe(lengths_by_split)}")
    counts = {}
    for name, lengths in lengths_by_split.items():
        counts[name] = check_lengths(torch.as_tensor(lengths)).bincount()
    longest = max(len(c) for c in counts.values())
    width = 0.8 / len(counts)
    fig, ax = _subplots(figsize=(8, 3.6))
    for index, (name, count) in enumerate(counts.items()):
        steps = torch.arange(len(count))
        shown = count > 0
        offset = (index - (len(counts) - 1) / 2) * width
        ax.bar((steps[shown] + offset).numpy(), count[shown].numpy(), width=width,
               label=f"{name} ({int(count.sum())} utterances)")
    ax.set(title="Utterance lengths", xlabel="length (frames)", ylabel="utterances",
           xticks=range(0, longest, 2))
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize="small")
    return _finish(fig)


def plot_utterances(series, titles):
    """A row of heat maps, one per utterance `(T_i, F)`: frames down, coefficients across.

    All maps share one colour scale centred on 0 (blue negative, red
    positive), so they can be compared; titles: one string per utterance.
    """
    series = _check_series(series)
    if not isinstance(titles, (list, tuple)) or len(titles) != len(series):
        raise ValueError(f"titles must be a list of {len(series)} strings, one per utterance, got {describe(titles)}")
    limit = max(float(s.abs().max()) for s in series) or 1.0
    longest = max(s.shape[0] for s in series)
    fig, axes = _subplots(1, len(series), figsize=(2.1 * len(series) + 1.2, 0.16 * longest + 1.8),
                          sharey=True, squeeze=False)
    for ax, utterance, title in zip(axes[0], series, titles):
        image = ax.imshow(utterance.detach().cpu().numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto",
                          extent=(-0.5, utterance.shape[1] - 0.5, utterance.shape[0] - 0.5, -0.5))
        ax.set(title=str(title), xlabel="coefficient", xticks=range(0, utterance.shape[1], 3),
               ylim=(longest - 0.5, -0.5))
    axes[0][0].set_ylabel("frame t")
    fig.colorbar(image, ax=list(axes[0]), label="value", fraction=0.04)
    plt.close(fig)
    return fig


def _check_series(series) -> list[torch.Tensor]:
    """Return `series` if it is a non-empty list of float `(T_i, F)` tensors sharing F, else raise."""
    if not isinstance(series, (list, tuple)) or len(series) == 0:
        raise TypeError(f"series must be a non-empty list of (T_i, F) tensors, got {describe(series)}")
    for i, s in enumerate(series):
        check_tensor(f"series[{i}] (T_i, F)", s, dim=2, floating=True)
    widths = sorted({s.shape[1] for s in series})
    if len(widths) != 1:
        raise ValueError(f"all series need the same number of coefficients F, got {widths}")
    return list(series)


def _check_flag(name, value) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {describe(value)}")
