"""Lesson 04 (packing): what padding does to an RNN, and how fast each exact way of avoiding it trains.

* `alone`: a batch run next to each sequence run alone (`run_each_alone`,
  `differences_from_alone`), so the lesson shows in numbers that an unpacked
  padded batch changes the backward direction while a packed one does not;
* `speed`: packing against padding on one batch (`time_packed_vs_padded`),
  and one training epoch batched every way, timed and checked for exactness
  (`BatchingComparison`, `batching_table`); the benchmark prints both;
* `profiling`: which operations a packed training step runs, against the
  exact method and padding (`profile_training_step`).
"""

from .alone import COLUMNS, AloneDifferences, differences_from_alone, run_each_alone
from .profiling import StepProfile, profile_table, profile_training_step
from .speed import (
    BATCHINGS,
    REFERENCE,
    WAYS,
    BatchingComparison,
    batching_table,
    log_uniform_lengths,
    rnn_output,
    tagger_logits,
    time_alternately,
    time_packed_vs_padded,
    timed_runs,
)

__all__ = [
    "BATCHINGS",
    "COLUMNS",
    "REFERENCE",
    "WAYS",
    "StepProfile",
    "AloneDifferences",
    "BatchingComparison",
    "batching_table",
    "differences_from_alone",
    "log_uniform_lengths",
    "profile_table",
    "profile_training_step",
    "rnn_output",
    "run_each_alone",
    "tagger_logits",
    "time_alternately",
    "time_packed_vs_padded",
    "timed_runs",
]
