"""Learners' attempts at exercise 06 (why not wait?), right and wrong, with the verdict and the words each gets.

Task 1 `delayed_logits(tagger, x, delay)`, Task 2 `merge_probabilities(forward_logits, backward_logits)`,
Task 3 `covering_delay(seq_len, past, future)` in closed form, and the training check that uses tasks 1
and 3: see `course_utils.checks.lesson06`. A search over `information_limit` that gives the closed form's
numbers passes Task 3 too; the task text and its hints teach the formula.
"""

import pytest
from attempt_suite import (
    Attempt,
    assert_first_failure_gives_the_idea_not_the_code,
    assert_quotes_sections_of,
    assert_stubs_not_attempted,
    right,
    run_attempt,
    task_params,
    wrong,
)
from attempts import stub_hints

from course_utils.checks import NOT_ATTEMPTED
from course_utils.checks.lesson06 import (
    check_covering_delay,
    check_delayed_logits,
    check_merge_probabilities,
    check_waiting_training,
)
from course_utils.checks.lesson06.merging import MERGE_CONCEPT
from course_utils.checks.lesson06.waiting import COVER_CONCEPT, DELAY_CONCEPT, TRAINING_CONCEPT

PRELUDE = """
import math

import torch

from course_utils.lessons.why_not_wait import information_limit
"""

DELAY = [
    right(
        "zero steps added with F.pad",
        """
        import torch.nn.functional as F

        def delayed_logits(tagger, x, delay):
            return tagger(F.pad(x, (0, 0, 0, delay)))[:, delay:]
        """,
    ),
    right(
        "torch.zeros, then the last L outputs",
        """
        def delayed_logits(tagger, x, delay):
            N, L, H = x.shape
            logits = tagger(torch.cat((x, torch.zeros(N, delay, H)), dim=1))
            return logits[:, -L:]
        """,
    ),
    right(
        "zero steps repeated from a zero step",
        """
        def delayed_logits(tagger, x, delay):
            zeros = torch.zeros_like(x[:, :1]).repeat(1, delay, 1)  # (N, delay, H_in), empty for delay 0
            return tagger(torch.cat([x, zeros], dim=1))[:, delay : delay + x.shape[1]]
        """,
    ),
    wrong(
        "no waiting at all",
        """
        def delayed_logits(tagger, x, delay):
            return tagger(x)
        """,
        "no waiting",
        "outputs[:, delay:]",
    ),
    wrong(
        "the first L outputs cut with a negative slice",
        """
        def delayed_logits(tagger, x, delay):
            outputs = tagger(torch.cat([x, x.new_zeros(x.shape[0], delay, x.shape[2])], dim=1))
            return outputs[:, :-delay]
        """,
        "(-0 is 0)",
        "no waiting",
    ),
    wrong(
        "no zero steps appended",
        """
        def delayed_logits(tagger, x, delay):
            return tagger(x)[:, delay:]
        """,
        "Without zero steps appended",
    ),
    wrong(
        "every output of the longer run",
        """
        def delayed_logits(tagger, x, delay):
            return tagger(torch.cat([x, x.new_zeros(x.shape[0], delay, x.shape[2])], 1))
        """,
        "all L + delay outputs",
    ),
    wrong(
        "the zero steps in front",
        """
        def delayed_logits(tagger, x, delay):
            zeros = x.new_zeros(x.shape[0], delay, x.shape[2])
            return tagger(torch.cat([zeros, x], 1))[:, delay:]
        """,
        "went in front of the sequence",
    ),
    wrong(
        "one zero step too many",
        """
        def delayed_logits(tagger, x, delay):
            zeros = x.new_zeros(x.shape[0], delay + 1, x.shape[2])
            return tagger(torch.cat([x, zeros], 1))[:, delay + 1 :]
        """,
        "One step late",
    ),
    wrong(
        "the output one step before t + delay",
        """
        def delayed_logits(tagger, x, delay):
            L = x.shape[1]
            outputs = tagger(torch.cat([x, x.new_zeros(x.shape[0], delay, x.shape[2])], 1))
            start = max(delay - 1, 0)
            return outputs[:, start : start + L]
        """,
        "One step early",
    ),
    wrong(
        "the zero steps sliced from x",
        """
        def delayed_logits(tagger, x, delay):
            zeros = torch.zeros_like(x[:, -delay:])
            return tagger(torch.cat([x, zeros], 1))[:, delay:]
        """,
        "x[:, -delay:] is all of x",
    ),
    wrong(
        "zero steps with one feature",
        """
        def delayed_logits(tagger, x, delay):
            zeros = torch.zeros(x.shape[0], delay, 1)
            return tagger(torch.cat([x, zeros], dim=1))[:, delay:]
        """,
        "(N, delay, H_in)",
        "x.shape[2]",
    ),
]

MERGE = [
    right(
        "logsumexp over the two log-probabilities",
        """
        def merge_probabilities(forward_logits, backward_logits):
            both = torch.stack([forward_logits.log_softmax(-1), backward_logits.log_softmax(-1)])
            return torch.logsumexp(both, dim=0) - math.log(2)
        """,
    ),
    right(
        "logaddexp, halved by adding log(1/2)",
        """
        import torch.nn.functional as F

        def merge_probabilities(forward_logits, backward_logits):
            a = F.log_softmax(forward_logits, dim=2)
            b = F.log_softmax(backward_logits, dim=2)
            return torch.logaddexp(a, b) + math.log(0.5)
        """,
    ),
    right(
        "the probabilities in float64",
        """
        def merge_probabilities(forward_logits, backward_logits):
            p = (forward_logits.double().softmax(-1) + backward_logits.double().softmax(-1)) / 2
            return p.log()
        """,
    ),
    wrong(
        "the logits averaged",
        """
        def merge_probabilities(forward_logits, backward_logits):
            return (forward_logits + backward_logits) / 2
        """,
        "That averaged the logits",
    ),
    wrong(
        "log_softmax of the averaged logits",
        """
        def merge_probabilities(forward_logits, backward_logits):
            return torch.log_softmax((forward_logits + backward_logits) / 2, dim=-1)
        """,
        "averaging logits is not averaging probabilities",
    ),
    wrong(
        "the log-probabilities averaged",
        """
        def merge_probabilities(forward_logits, backward_logits):
            return (forward_logits.log_softmax(-1) + backward_logits.log_softmax(-1)) / 2
        """,
        "That averaged the log-probabilities",
    ),
    wrong(
        "the averaged probabilities, not their log",
        """
        def merge_probabilities(forward_logits, backward_logits):
            return (forward_logits.softmax(-1) + backward_logits.softmax(-1)) / 2
        """,
        "return their log",
    ),
    wrong(
        "the sum not halved",
        """
        def merge_probabilities(forward_logits, backward_logits):
            return torch.logaddexp(forward_logits.log_softmax(-1), backward_logits.log_softmax(-1))
        """,
        "the sum was not halved",
        "Subtract log 2",
    ),
    wrong(
        "logaddexp of the raw logits",
        """
        def merge_probabilities(forward_logits, backward_logits):
            return torch.logaddexp(forward_logits, backward_logits) - math.log(2)
        """,
        "logaddexp of the raw logits",
        "log_softmax(-1)",
    ),
    wrong(
        "the softmax over the steps",
        """
        def merge_probabilities(forward_logits, backward_logits):
            return torch.logaddexp(forward_logits.log_softmax(1), backward_logits.log_softmax(1)) - math.log(2)
        """,
        "The softmax ran over the time steps (dim 1)",
    ),
    wrong(
        "the log of float32 probabilities",
        """
        def merge_probabilities(forward_logits, backward_logits):
            p = (torch.softmax(forward_logits, -1) + torch.softmax(backward_logits, -1)) / 2
            return torch.log(p)
        """,
        "Some values are -inf",
        "torch.logaddexp",
    ),
    wrong(
        "the merged class of each step",
        """
        def merge_probabilities(forward_logits, backward_logits):
            p = forward_logits.softmax(-1) + backward_logits.softmax(-1)
            return p.argmax(-1)
        """,
        "Those look like class indices",
    ),
]

COVER = [
    right(
        "the closed form",
        """
        def covering_delay(seq_len, past, future):
            return min(future, seq_len - 1)
        """,
    ),
    right(
        "the closed form, as a condition",
        """
        def covering_delay(seq_len, past, future):
            if future <= seq_len - 1:
                return future
            return seq_len - 1
        """,
    ),
    right(
        "a search over information_limit",
        """
        def covering_delay(seq_len, past, future):
            d = 0
            while information_limit(d, "forward", seq_len, past, future)["mse"] > 0:
                d += 1
            return d
        """,
    ),
    right(
        "NumPy's minimum",
        """
        import numpy as np

        def covering_delay(seq_len, past, future):
            return np.minimum(future, seq_len - 1)
        """,
    ),
    wrong(
        "future alone",
        """
        def covering_delay(seq_len, past, future):
            return future
        """,
        "That is `future`, right for long sequences",
        "L - 1",
    ),
    wrong(
        "the whole window's width",
        """
        def covering_delay(seq_len, past, future):
            return past + future
        """,
        "That is past + future",
        "read before step t anyway",
    ),
    wrong(
        "the whole window, capped at the sequence's end",
        """
        def covering_delay(seq_len, past, future):
            return min(past + future, seq_len - 1)
        """,
        "waits for the past inputs too",
    ),
    wrong(
        "capped at L, not L - 1",
        """
        def covering_delay(seq_len, past, future):
            return min(future, seq_len)
        """,
        "its last step is L - 1, not L",
    ),
    wrong(
        "one step more than the window needs",
        """
        def covering_delay(seq_len, past, future):
            return min(future + 1, seq_len - 1)
        """,
        "One step too long",
    ),
    wrong(
        "a search that returns one step late",
        """
        def covering_delay(seq_len, past, future):
            d = 0
            while information_limit(d, "forward", seq_len, past, future)["mse"] > 0:
                d += 1
            return d + 1
        """,
        "One step too long",
    ),
    wrong(
        "one step short",
        """
        def covering_delay(seq_len, past, future):
            return max(min(future, seq_len - 1) - 1, 0)
        """,
        "One step short",
    ),
    wrong(
        "the past",
        """
        def covering_delay(seq_len, past, future):
            return past
        """,
        "That is `past`: it counts the inputs before t",
    ),
    wrong(
        "the end of the sequence",
        """
        def covering_delay(seq_len, past, future):
            return seq_len - 1
        """,
        "waits for the end of the sequence",
        "not the smallest delay",
    ),
    wrong(
        "a float",
        """
        def covering_delay(seq_len, past, future):
            return float(min(future, seq_len - 1))
        """,
        "a delay is a whole number of steps, so return an int",
    ),
    wrong(
        "future less past",
        """
        def covering_delay(seq_len, past, future):
            return future - past
        """,
        "a delay is never negative",
    ),
]

WAITING = [
    right(
        "both functions right",
        """
        def delayed_logits(tagger, x, delay):
            zeros = x.new_zeros(x.shape[0], delay, x.shape[2])
            return tagger(torch.cat([x, zeros], dim=1))[:, delay:]

        def covering_delay(seq_len, past, future):
            return min(future, seq_len - 1)
        """,
        slow=True,
    ),
    wrong(
        "a tagger that does not wait",
        """
        def delayed_logits(tagger, x, delay):
            return tagger(x)

        def covering_delay(seq_len, past, future):
            return min(future, seq_len - 1)
        """,
        "check_delayed_logits does not pass yet",
        "make it pass first",
    ),
    wrong(
        "a delay right only for long sequences",
        """
        def delayed_logits(tagger, x, delay):
            zeros = x.new_zeros(x.shape[0], delay, x.shape[2])
            return tagger(torch.cat([x, zeros], dim=1))[:, delay:]

        def covering_delay(seq_len, past, future):
            return future
        """,
        "check_covering_delay does not pass yet",
    ),
    wrong(
        "the right numbers, computed without gradients",
        """
        def delayed_logits(tagger, x, delay):
            with torch.no_grad():
                zeros = x.new_zeros(x.shape[0], delay, x.shape[2])
                return tagger(torch.cat([x, zeros], dim=1))[:, delay:]

        def covering_delay(seq_len, past, future):
            return min(future, seq_len - 1)
        """,
        "cut off from the tagger's weights",
        "torch.no_grad()",
    ),
    Attempt(
        "covering_delay not written yet",
        """
        def delayed_logits(tagger, x, delay):
            return tagger(torch.cat([x, x.new_zeros(x.shape[0], delay, x.shape[2])], dim=1))[:, delay:]

        def covering_delay(seq_len, past, future):
            raise NotImplementedError("your code here: a formula, no loop")
        """,
        NOT_ATTEMPTED,
    ),
]


TASKS = [
    (check_delayed_logits, ("delayed_logits",), DELAY),
    (check_merge_probabilities, ("merge_probabilities",), MERGE),
    (check_covering_delay, ("covering_delay",), COVER),
    (check_waiting_training, ("delayed_logits", "covering_delay"), WAITING),
]


@pytest.mark.parametrize("check, names, attempt", task_params(TASKS))
def test_an_attempt_gets_its_verdict(check, names, attempt):
    run_attempt(check, attempt, PRELUDE, *names)


def test_the_unfinished_exercise_is_not_attempted():
    assert_stubs_not_attempted("06_why_not_wait", TASKS)


def test_no_stub_hands_over_its_answer_line():
    delayed, merge, covering = stub_hints("06_why_not_wait")
    assert "outputs[:, delay:]" not in delayed and "new_zeros" not in delayed
    assert "logaddexp" not in merge and "math.log(2)" not in merge
    assert "formula" in covering and "min(" not in covering and "information_limit" not in covering


@pytest.mark.parametrize(
    "check, task, concept",
    [
        (lambda: check_delayed_logits(lambda tagger, x, delay: tagger(x)), "delayed_logits", DELAY_CONCEPT),
        (lambda: check_merge_probabilities(lambda a, b: (a + b) / 2), "merge_probabilities", MERGE_CONCEPT),
        (lambda: check_covering_delay(lambda seq_len, past, future: future), "covering_delay", COVER_CONCEPT),
        (
            lambda: check_waiting_training(lambda tagger, x, delay: tagger(x), lambda s, p, f: min(f, s - 1)),
            "waiting for the window",
            TRAINING_CONCEPT,
        ),
    ],
    ids=["delayed_logits", "merge_probabilities", "covering_delay", "waiting for the window"],
)
def test_a_first_failure_names_a_section_of_lesson_06_and_withholds_the_code(check, task, concept):
    report = assert_first_failure_gives_the_idea_not_the_code(check, task)
    assert report.concept == concept
    assert_quotes_sections_of(concept, "06_why_not_wait")
