"""Checks for exercise 05 (training): the forward-only ceiling, a GRU tagger past the bar, and a training step,
validation pass and split of the learner's own.

`check_forward_ceiling_by_step(fn)`: `fn(seq_len, k=2) -> seq_len real numbers` (any sequence: a list,
tuple, NumPy array or tensor, of floats or `Fraction`s), the best expected accuracy at each step of a
model that reads only steps <= t, on the course's task with k neighbours on each side
(`course_utils.data.ceiling_by_position`).

`check_train_gru_tagger(fn)`: `fn(bidirectional, seed=0) -> (model, history)`, a GRU tagger of the sizes
the task states (8 features, 10 hidden units per direction, 5 classes) trained for at most 5 epochs on
the course data. Scored on fresh sequences: the bidirectional one must reach 0.90, the forward-only one
cannot pass its ceiling (0.55), and the gap must be at least 0.15.

`check_split_indices(fn)`, `check_train_step(fn)`, `check_validate(fn)`: the training step and loop the
learner writes in full, for padded batches of different lengths, checked by what they do
(`training_loop`).

Task 1 is checked in `ceiling`, task 2 in `gru_tagger`, task 3 in `training_loop`; `answers` reads an
answer given in any reasonable form.
"""

from .ceiling import check_forward_ceiling_by_step
from .gru_tagger import check_train_gru_tagger
from .training_loop import check_split_indices, check_train_step, check_validate

__all__ = [
    "check_forward_ceiling_by_step",
    "check_split_indices",
    "check_train_gru_tagger",
    "check_train_step",
    "check_validate",
]
