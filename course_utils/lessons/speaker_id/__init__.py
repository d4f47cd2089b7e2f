"""Lesson 07 (speaker identification) on the Japanese Vowels recordings: real sequences of varying length.

Nine speakers, 640 utterances of 7-29 frames x 12 LPC cepstrum coefficients,
shipped in `course_utils/assets/japanese_vowels/` (CC BY 4.0; see the README
there). The official split is 270 training and 370 test utterances.

Besides the reader, the module standardizes the 12 coefficients with
training-split statistics (`coefficient_stats`, `standardize`; on by default
in the loaders), builds padded loaders for the official split and for a
validation split carved from the training data, and holds what lesson 07
(speaker identification) compares against the bidirectional
`SequenceClassifier` (given lengths, it reads no pad):

* `MeanPoolBaseline`: the average frame of each utterance and a linear
  layer (logistic regression), a model with no recurrence at all;
* `UnpackedMistake` and `LastOutputMistake`: two classifiers that are
  wrong ON PURPOSE, each reproducing one classic mistake so that its cost
  can be measured. They are teaching material; never copy them.
"""

from .models import (
    LastOutputMistake,
    MeanPoolBaseline,
    UnpackedMistake,
    build_speaker_models,
    mean_pool,
    predictions_by_padding,
)
from .plots import plot_lengths, plot_utterances
from .recordings import (
    DATA_DIR,
    N_COEFFICIENTS,
    N_SPEAKERS,
    SPLITS,
    coefficient_stats,
    load_japanese_vowels,
    load_padded,
    make_vowel_loaders,
    make_vowel_validation_loaders,
    read_ts,
    standardize,
)

__all__ = [
    "DATA_DIR",
    "N_COEFFICIENTS",
    "N_SPEAKERS",
    "SPLITS",
    "LastOutputMistake",
    "MeanPoolBaseline",
    "UnpackedMistake",
    "build_speaker_models",
    "coefficient_stats",
    "load_japanese_vowels",
    "load_padded",
    "make_vowel_loaders",
    "make_vowel_validation_loaders",
    "mean_pool",
    "plot_lengths",
    "plot_utterances",
    "predictions_by_padding",
    "read_ts",
    "standardize",
]
