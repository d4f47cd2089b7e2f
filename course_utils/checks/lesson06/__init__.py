"""Checks for exercise 06 (why not just wait?): a delayed answer, a merge of two taggers, the delay to choose.

`check_delayed_logits(fn)`: `fn(tagger, x (N, L, H_in), delay) -> logits (N, L, C)`: append
`delay` zero steps to x, run the forward-only tagger on all L + delay steps, and answer for
step t with its output at step t + delay; compared with `why_not_wait.DelayedTagger` holding the
same weights.

`check_merge_probabilities(fn)`: `fn(forward_logits, backward_logits) -> (N, L, C)`, the log
of the average of the two taggers' class probabilities, as `why_not_wait.MergedTagger` returns
it; one case has taggers so confident that float32 probabilities underflow to 0.

`check_covering_delay(fn)`: `fn(seq_len, past, future) -> int`, the smallest delay at which
a forward tagger has read every input its target depends on, in closed form
`min(future, seq_len - 1)` (`waiting.covering`; the unit tests prove it equal to the smallest
delay at which `why_not_wait.information_limit` reaches a mean squared error of 0). Checked by
behaviour on named windows and a grid of windows and lengths, so a search that gives the same
numbers passes too.

`check_waiting_training(delayed_logits, covering_delay)`: once both functions pass their own
checks' cases, trains a forward tagger that answers through the learner's `delayed_logits`, at
the learner's covering delay of the lesson's window, and scores it on the validation split.

Tasks 1 and 3 are checked in `waiting`, task 2 in `merging`.
"""

from .merging import check_merge_probabilities
from .waiting import check_covering_delay, check_delayed_logits, check_waiting_training

__all__ = ["check_covering_delay", "check_delayed_logits", "check_merge_probabilities", "check_waiting_training"]
