"""The hidden grading cases of exercises 05 to 08 (`tools/grading/hidden/lesson05.py` .. `lesson08.py`).

For every task: the worked solution passes every hidden case, the exercise's stubs are not attempted, the right
answers of the attempt suites pass, and a wrong answer that passes the learner's check fails a hidden case (for
`space_labels`, where no such slip was found, a wrong answer both fail). The contract the nbgrader generator
relies on (POINTS, HIDDEN, the code it pastes) is tested for every module in test_nbgrader_course.py.
"""

from __future__ import annotations

import inspect
import types

import pytest
import test_attempts_05_training as attempts_05
import test_attempts_06_why_not_wait as attempts_06
import test_attempts_07_speaker_id as attempts_07
import test_attempts_08_capstone_word_segmentation as attempts_08
import torch
import torch.nn.functional as F
from attempt_suite import define
from exercise_code import exercise, hidden_report, solution
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from course_utils.checks import FAILED, NOT_ATTEMPTED, PASSED
from course_utils.checks.lesson05 import (
    check_forward_ceiling_by_step,
    check_split_indices,
    check_train_gru_tagger,
    check_train_step,
    check_validate,
)
from course_utils.checks.lesson06 import (
    check_covering_delay,
    check_delayed_logits,
    check_merge_probabilities,
    check_waiting_training,
)
from course_utils.checks.lesson07 import check_classifier_forward, check_mean_pool, check_speaker_training
from course_utils.checks.lesson08 import check_label_long_text, check_space_labels
from course_utils.data import make_tagging_loaders
from course_utils.env import seed_everything
from course_utils.models import SequenceTagger
from course_utils.training import train
from tools.grading.hidden import lesson05, lesson06, lesson07, lesson08

MODULES = {
    "05_training": lesson05,
    "06_why_not_wait": lesson06,
    "07_speaker_id": lesson07,
    "08_capstone_word_segmentation": lesson08,
}
STEMS = {module: stem for stem, module in MODULES.items()}


def task_params(slow_marks: bool = True) -> list:
    """pytest parameters (module, task), one per task of the four exercises; tasks that train are marked slow."""
    return [
        pytest.param(
            module,
            task,
            id=f"{stem}: {task}",
            marks=[pytest.mark.slow] if slow_marks and task in getattr(module, "SLOW", ()) else [],
        )
        for stem, module in MODULES.items()
        for task in module.HIDDEN
    ]


def answers_for(module: types.ModuleType, task: str, names: dict) -> list:
    """What the hidden function of `task` is handed, by its parameter names, from `names`."""
    return [names[parameter] for parameter in inspect.signature(module.HIDDEN[task]).parameters]


# --- 1 and 2: the worked solution passes, the stubs are not attempted ---------------------------


@pytest.mark.parametrize("module, task", task_params())
def test_the_worked_solution_passes_every_hidden_case(module, task):
    report = hidden_report(module, task, *answers_for(module, task, solution(STEMS[module])))
    assert report.status == PASSED, str(report)


@pytest.mark.parametrize("module, task", task_params(slow_marks=False))
def test_the_exercise_stubs_are_not_attempted(module, task):
    report = hidden_report(module, task, *answers_for(module, task, exercise(STEMS[module])))
    assert report.status == NOT_ATTEMPTED, str(report)


# --- 3: right answers written otherwise pass ----------------------------------------------------


def code_rights(suite: types.ModuleType, attempts: list, task: str, names: tuple[str, ...]) -> list:
    """pytest parameters (task, the functions `names` each right code attempt of `suite` defines)."""
    return [
        pytest.param(
            task,
            attempt,
            lambda attempt=attempt: [define(attempt, suite.PRELUDE)[name] for name in names],
            id=f"{task}: {attempt.name}",
            marks=[pytest.mark.slow] if attempt.slow else [],
        )
        for attempt in attempts
        if attempt.verdict == PASSED
    ]


def object_rights(attempts: list, task: str) -> list:
    """pytest parameters (task, the answer of each right attempt given as an object)."""
    return [
        pytest.param(
            task,
            attempt,
            lambda attempt=attempt: [attempt.answer],
            id=f"{task}: {attempt.name}",
            marks=[pytest.mark.slow] if attempt.slow else [],
        )
        for attempt in attempts
        if attempt.verdict == PASSED
    ]


ANOTHER_WAITING_PAIR = attempts_06.right(
    "zeros by F.pad, the delay found by a search",
    """
    import torch.nn.functional as F

    def delayed_logits(tagger, x, delay):
        return tagger(F.pad(x, (0, 0, 0, delay)))[:, -x.shape[1]:]

    def covering_delay(seq_len, past, future):
        delay = 0
        while delay < future and delay < seq_len - 1:
            delay += 1
        return delay
    """,
    slow=True,
)
RIGHTS_05_06 = [
    *code_rights(attempts_05, attempts_05.CEILING, "forward_ceiling_by_step", ("forward_ceiling_by_step",)),
    *code_rights(attempts_05, attempts_05.GRU[:2], "train_gru_tagger", ("train_gru_tagger",)),
    *code_rights(attempts_05, attempts_05.SPLIT, "split_indices", ("split_indices",)),
    *code_rights(attempts_05, attempts_05.STEP, "train_step", ("train_step",)),
    *code_rights(attempts_05, attempts_05.VALIDATE, "validate", ("validate",)),
    *code_rights(attempts_06, attempts_06.DELAY, "delayed_logits", ("delayed_logits",)),
    *code_rights(attempts_06, attempts_06.MERGE, "merge_probabilities", ("merge_probabilities",)),
    *code_rights(attempts_06, attempts_06.COVER, "covering_delay", ("covering_delay",)),
    *code_rights(
        attempts_06,
        [*attempts_06.WAITING, ANOTHER_WAITING_PAIR],
        "waiting for the window",
        ("delayed_logits", "covering_delay"),
    ),
]
RIGHTS_07_08 = [
    *object_rights(attempts_07.MEAN_POOL, "mean_pool"),
    *object_rights(attempts_07.FORWARD, "SpeakerClassifier.forward"),
    *object_rights(attempts_07.TRAINING, "training on Japanese Vowels"),
    *object_rights(attempts_08.SPACE_LABELS, "space_labels"),
    *object_rights(attempts_08.LONG_TEXT, "label_long_text"),
]
TASK_MODULE = {task: module for module in MODULES.values() for task in module.HIDDEN}


@pytest.mark.parametrize("task, attempt, answers", RIGHTS_05_06 + RIGHTS_07_08)
def test_a_right_answer_passes_every_hidden_case(task, attempt, answers):
    report = hidden_report(TASK_MODULE[task], task, *answers())
    assert report.status == PASSED, f"{attempt.name}:\n{report}"


def test_every_task_has_at_least_two_right_answers_written_otherwise():
    counts = {task: 0 for task in TASK_MODULE}
    for param in RIGHTS_05_06 + RIGHTS_07_08:
        counts[param.values[0]] += 1
    assert all(count >= 2 for count in counts.values()), counts


# --- 4: wrong answers that pass the learner's check fail a hidden case -------------------------


def ceiling_from_a_table(seq_len, k=2):
    """Wrong: the ceilings written out for up to 3 unseen neighbours, all the check asks for."""
    table = {0: 1.0, 1: 0.5, 2: 0.5, 3: 0.375}
    return [table[min(k, seq_len - 1 - t)] for t in range(seq_len)]


def gru_tagger_ignoring_the_seed(bidirectional, seed=0):
    """Wrong: always trained from seed 0, whatever seed it is given."""
    seed_everything(0)
    model = SequenceTagger(8, 10, 5, cell="gru", bidirectional=bidirectional)
    return model, train(model, *make_tagging_loaders(seed=0), epochs=5, seed=0, progress=False)


def split_from_the_end(n, val_fraction=0.2, seed=0):
    """Wrong: the validation part sliced from the end, order[-n_val:], which is everything when n_val is 0."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    n_val = round(n * val_fraction)
    return order[:-n_val], order[-n_val:]


def step_for_five_classes(model, optimizer, x, y, lengths):
    """Wrong: the logits flattened to rows of 5, the check's number of classes."""
    model.train()
    loss = F.cross_entropy(model(x, lengths).reshape(-1, 5), y.reshape(-1), ignore_index=-100)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def validate_for_five_classes(model, loader):
    """Wrong: the logits flattened to rows of 5, the check's number of classes."""
    model.eval()
    loss_sum, right, steps = 0.0, 0, 0
    with torch.no_grad():
        for x, y, lengths in loader:
            logits, labels = model(x, lengths).reshape(-1, 5), y.reshape(-1)
            real = labels != -100
            loss_sum += F.cross_entropy(logits[real], labels[real], reduction="sum").item()
            right += (logits.argmax(-1)[real] == labels[real]).sum().item()
            steps += real.sum().item()
    return loss_sum / steps, right / steps


def delayed_for_three_classes(tagger, x, delay):
    """Wrong: the answers reshaped to 3 classes, the check's number."""
    outputs = tagger(torch.cat([x, x.new_zeros(x.shape[0], delay, x.shape[2])], dim=1))[:, delay:]
    return outputs.reshape(x.shape[0], x.shape[1], 3)


def merge_with_log_two_rounded(forward_logits, backward_logits):
    """Wrong: log 2 written as 0.6931, right to the check's tolerance in float32 only."""
    return torch.logaddexp(forward_logits.log_softmax(-1), backward_logits.log_softmax(-1)) - 0.6931


def delay_searched_up_to_nine(seq_len, past, future):
    """Wrong: a search over the delays 0..9 only, enough for the check's grid (futures up to 8)."""
    for delay in range(10):
        if delay >= min(future, seq_len - 1):
            return delay
    return 9


def right_delay(seq_len, past, future):
    return min(future, seq_len - 1)


def mean_of_four_features(x, lengths):
    """Wrong: the result allocated for 4 features, the check's number."""
    means = torch.zeros(len(x), 4, dtype=x.dtype)
    for n, length in enumerate(lengths.tolist()):
        means[n] = x[n, :length].mean(0)
    return means


class ReadsLayerTwoAtMost(attempts_07.Reference):
    """Wrong: the last layer's states found as layer 2 when there are two layers, else layer 1."""

    def forward(self, x, lengths):
        hidden = self.rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))[1]
        h_n = hidden[0] if isinstance(self.rnn, nn.LSTM) else hidden
        layer = 1 if self.rnn.num_layers > 1 else 0
        return self.head(torch.cat([h_n[2 * layer], h_n[2 * layer + 1]], -1))


class ReadsTheFirstLayerInTraining(attempts_07.Reference):
    """Wrong: in training mode the head reads the first layer's states, so a deeper rnn's last layer never trains."""

    def forward(self, x, lengths):
        hidden = self.rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))[1]
        h_n = hidden[0] if isinstance(self.rnn, nn.LSTM) else hidden
        first, second = (0, 1) if self.training else (-2, -1)
        return self.head(torch.cat([h_n[first], h_n[second]], -1))


def short_text_read_whole(tag, ids, window=100, margin=20):
    """Wrong: a text no longer than a window and a margin is tagged in one piece, which may exceed the window."""
    if 0 < len(ids) <= window + margin:
        return list(tag(ids))
    return attempts_08.windows_listed_first(tag, ids, window, margin)


# (task, the learner's check, the wrong answers as handed to it, whether it trains)
PASSES_THE_CHECK_ONLY = [
    ("forward_ceiling_by_step", check_forward_ceiling_by_step, (ceiling_from_a_table,), False),
    ("train_gru_tagger", check_train_gru_tagger, (gru_tagger_ignoring_the_seed,), True),
    ("split_indices", check_split_indices, (split_from_the_end,), False),
    ("train_step", check_train_step, (step_for_five_classes,), False),
    ("validate", check_validate, (validate_for_five_classes,), False),
    ("delayed_logits", check_delayed_logits, (delayed_for_three_classes,), False),
    ("merge_probabilities", check_merge_probabilities, (merge_with_log_two_rounded,), False),
    ("covering_delay", check_covering_delay, (delay_searched_up_to_nine,), False),
    ("waiting for the window", check_waiting_training, (delayed_for_three_classes, right_delay), True),
    ("mean_pool", check_mean_pool, (mean_of_four_features,), False),
    ("SpeakerClassifier.forward", check_classifier_forward, (ReadsLayerTwoAtMost,), False),
    ("training on Japanese Vowels", check_speaker_training, (ReadsTheFirstLayerInTraining,), True),
    ("label_long_text", check_label_long_text, (short_text_read_whole,), False),
]


@pytest.mark.parametrize(
    "task, check, wrong_answers",
    [
        pytest.param(task, check, answers, id=task, marks=[pytest.mark.slow] if trains else [])
        for task, check, answers, trains in PASSES_THE_CHECK_ONLY
    ],
)
def test_a_wrong_answer_that_passes_the_check_fails_a_hidden_case(task, check, wrong_answers):
    assert check(*wrong_answers).status == PASSED
    report = hidden_report(TASK_MODULE[task], task, *wrong_answers)
    assert report.status == FAILED, str(report)


def test_a_wrong_space_labels_fails_a_hidden_case():
    # No slip that passes check_space_labels was found; this one fails both (the last label set to 1).
    assert check_space_labels(attempts_08.labels_every_word_end).status == FAILED
    report = hidden_report(lesson08, "space_labels", attempts_08.labels_every_word_end)
    assert report.status == FAILED, str(report)


def test_every_task_has_a_wrong_answer_the_hidden_cases_fail():
    covered = {task for task, *_ in PASSES_THE_CHECK_ONLY} | {"space_labels"}
    assert covered == set(TASK_MODULE)
