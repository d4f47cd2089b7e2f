"""Lesson 06, why not just wait? The alternatives to a bidirectional RNN, compared on one task.

Before bidirectional RNNs, a recurrent model got future context by waiting:
it gave the label of step t only at step t + d, after reading d more steps.
Schuster and Paliwal's paper on bidirectional RNNs (1997) compared that with
a backward-only model, with the average of a forward and a backward model,
and with the bidirectional model, on artificial data. This module rebuilds
that comparison at laptop size.

The data (our own parameters, in the style of the paper's experiment): every
step carries one standard normal input x_t, and the target of step t is a
weighted sum of the inputs in a window reaching `past` steps back and
`future` steps ahead,

    y_t = sum_{k=-past..future} w_k * x_{t+k},   w_k = 1 / sqrt(past + future + 1),

with inputs outside the sequence counting as 0. Equal weights mean every step
of the window carries the same share of the target, and their scale makes
y_t standard normal away from the edges. The regression task predicts y_t;
the classification task predicts its bin among `n_classes` bins of equal
probability under N(0, 1) (2 classes: its sign).

The models, all one label per step `(N, L, C)` (C = 1 for regression), all
usable with `training.train` and `training.evaluate`:

* `DelayedTagger`: a forward-only tagger whose output for step t is read at step t + d;
* `BackwardTagger`: a forward tagger run on the time-reversed sequence;
* `MergedTagger`: the average of a trained forward and a trained backward tagger;
* the bidirectional `models.SequenceTagger`.

`information_limit` computes, exactly, the best score any model can reach
with the inputs it has read; `merge_limit` the score of averaging two one-way
models that are each perfect alone (not a bound on every merge: members
trained for the average can do better); `compare_delays` trains them all over
several seeds, and
`plot_delay_results` draws the comparison.
"""

from .comparison import DelayResults, compare_delays, plot_delay_results
from .taggers import BackwardTagger, DelayedTagger, MergedTagger
from .window import (
    class_edges,
    information_limit,
    make_window_data,
    merge_limit,
    to_classes,
    window_parts,
    window_target,
    window_weights,
)

__all__ = [
    "BackwardTagger",
    "DelayResults",
    "DelayedTagger",
    "MergedTagger",
    "class_edges",
    "compare_delays",
    "information_limit",
    "make_window_data",
    "merge_limit",
    "plot_delay_results",
    "to_classes",
    "window_parts",
    "window_target",
    "window_weights",
]
