"""The hidden grading cases of exercises 01 to 04 (`tools/grading/hidden/lesson01.py` ... `lesson04_speed.py`).

For every task: the worked solution passes every hidden case, the generated stubs are "not attempted",
right answers written other ways pass, and a wrong answer that passes the learner's own check fails a
hidden case (so the hidden cases add something). The contract the nbgrader generator relies on (POINTS,
HIDDEN, the code it pastes) is tested for every module in test_nbgrader_course.py.
"""

from __future__ import annotations

import importlib
import inspect
import json
import textwrap

import pytest
import torch
from attempt_suite import define
from exercise_code import ROOT, exercise, hidden_report, solution
from test_attempts_01_concept import by_index, preallocated, projected_first, via_named_parameters
from test_attempts_02_shapes import (
    as_numpy,
    as_tensor,
    by_cases,
    by_slicing,
    direction_first,
    from_a_run,
    layer_by_layer,
    stacked_by_layer,
    unbound,
)
from test_attempts_03_batch_first import (
    Keywords,
    Transposing,
    as_bool_tensor,
    detector,
    in_place_after_the_first_run,
    one_by_one,
    others_moved,
    sequence_0,
)
from test_attempts_04_packing import ENCODE, SUMMARY
from test_attempts_04_packing import PRELUDE as PACKING_PRELUDE
from test_attempts_04_packing_speed import LAYER, REVERSE
from test_attempts_04_packing_speed import PRELUDE as SPEED_PRELUDE
from torch import nn

from course_utils.checks import FAILED, NOT_ATTEMPTED, PASSED
from course_utils.checks.lesson01 import check_bidirectional_pass, check_run_one_direction
from course_utils.checks.lesson02 import (
    COUNT_CASES,
    SHAPE_CASES,
    check_count_parameters,
    check_predict_shapes,
    check_split_by_direction,
)
from course_utils.checks.lesson03 import check_fixed_tagger, check_mixes_sequences
from course_utils.checks.lesson04 import check_encode_packed, check_final_states
from course_utils.checks.lesson04_speed import check_bidirectional_within_lengths, check_reverse_steps
from course_utils.course import lesson
from tools.grading.nbgrader_course import check_cells

# Each hidden-case module and the lesson whose exercise it grades.
LESSONS = {
    "lesson01": "01_concept",
    "lesson02": "02_shapes",
    "lesson03": "03_batch_first",
    "lesson04": "04_packing",
    "lesson04_speed": "04_packing_speed",
}


def hidden_module(name: str):
    return importlib.import_module(f"tools.grading.hidden.{name}")


def task_arguments(module: str) -> dict[str, tuple[str, ...]]:
    """{task: the names its check cell hands its check}, the tasks in the course's order (as the generator reads
    them: `check_cells`)."""
    stem = LESSONS[module]
    tasks = lesson(stem).exercise.tasks
    cells = check_cells(json.loads((ROOT / "solutions" / f"{stem}_exercise.ipynb").read_text()), stem)
    assert len(cells) == len(tasks), f"{stem}: {len(cells)} check cells for tasks {tasks}"
    return {task: cell.arguments for task, cell in zip(tasks, cells)}


TASKS = [(module, task) for module in LESSONS for task in task_arguments(module)]
TASK_IDS = [f"{module}:{task}" for module, task in TASKS]


# --- the worked solution, the stubs ------------------------------------------------------------------------


@pytest.mark.parametrize("module, task", TASKS, ids=TASK_IDS)
def test_the_worked_solution_passes_every_hidden_case(module, task):
    names = solution(LESSONS[module])
    report = hidden_report(hidden_module(module), task, *(names[name] for name in task_arguments(module)[task]))
    assert report.status == PASSED, str(report)
    assert len(report.cases) >= 3


@pytest.mark.parametrize("module, task", TASKS, ids=TASK_IDS)
def test_the_exercise_stubs_are_not_attempted(module, task):
    stubs = exercise(LESSONS[module])
    report = hidden_report(hidden_module(module), task, *(stubs[name] for name in task_arguments(module)[task]))
    assert report.status == NOT_ATTEMPTED, str(report)


# --- right answers written other ways --------------------------------------------------------------------


def through_nn_rnn(x, W_ih, W_hh, b_ih, b_hh):
    """run_one_direction by handing the weights to a one-way nn.RNN."""
    rnn = nn.RNN(W_ih.shape[1], W_ih.shape[0], batch_first=True)
    with torch.no_grad():
        for parameter, weight in zip(
            (rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0), (W_ih, W_hh, b_ih, b_hh)
        ):
            parameter.copy_(weight)
        outputs, h_n = rnn(x)
    return outputs, h_n[0]


def counted_by_torch(cell, input_size, hidden_size, num_layers=1, bidirectional=False):
    """count_parameters by building the layer and adding up its tensors."""
    layer = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell](
        input_size, hidden_size, num_layers=num_layers, bidirectional=bidirectional
    )
    return sum(parameter.numel() for parameter in layer.parameters())


def code_answers(attempts, prelude, name):
    """{attempt name: the function `name` its code defines} for each right attempt among `attempts`."""
    return {a.name: define(a, prelude)[name] for a in attempts if a.verdict == PASSED}


RIGHT = {
    ("lesson01", "run_one_direction"): {
        "preallocated outputs": preallocated,
        "input terms first, a list returned": projected_first,
        "the weights handed to a one-way nn.RNN": through_nn_rnn,
    },
    ("lesson01", "bidirectional_pass"): {
        "indices reversed by hand": by_index,
        "weights from named_parameters": via_named_parameters,
    },
    ("lesson02", "predict_shapes"): {"lists, torch.Size and c_n None": by_cases, "NumPy arrays from a run": from_a_run},
    ("lesson02", "count_parameters"): {
        "layer 0 and the later layers apart": layer_by_layer,
        "a NumPy integer": as_numpy,
        "a tensor": as_tensor,
        "the layer built and counted": counted_by_torch,
    },
    ("lesson02", "split_by_direction"): {
        "slices with a step": by_slicing,
        "reshape and unbind": unbound,
        "a (2, num_layers, N, H_out) tensor": direction_first,
        "stacked layer by layer, a list": stacked_by_layer,
    },
    ("lesson03", "mixes_sequences"): {
        "a random sequence 0, allclose": detector(sequence_0, others_moved),
        "x changed in place after the first run": in_place_after_the_first_run,
        "sequence by sequence with torch.equal": one_by_one,
        "a bool tensor": as_bool_tensor,
        "a NumPy bool": detector(sequence_0, lambda before, after: (before[1:] != after[1:]).numpy().any()),
    },
    ("lesson03", "FixedTagger"): {"keyword arguments": Keywords, "a time-first RNN with transposes": Transposing},
    ("lesson04", "encode_packed"): code_answers(ENCODE, PACKING_PRELUDE, "encode_packed"),
    ("lesson04", "final_states"): code_answers(SUMMARY, PACKING_PRELUDE, "final_states"),
    ("lesson04_speed", "reverse_steps"): code_answers(REVERSE, SPEED_PRELUDE, "reverse_steps"),
    ("lesson04_speed", "bidirectional_within_lengths"): code_answers(
        LAYER, SPEED_PRELUDE, "bidirectional_within_lengths"
    ),
}
RIGHT_ANSWERS = [
    pytest.param(module, task, answer, id=f"{task}: {name}")
    for (module, task), answers in RIGHT.items()
    for name, answer in answers.items()
]


def test_every_task_has_two_right_answers_or_more():
    assert set(RIGHT) == set(TASKS)
    assert all(len(answers) >= 2 for answers in RIGHT.values())


@pytest.mark.parametrize("module, task, answer", RIGHT_ANSWERS)
def test_a_right_answer_written_another_way_passes_every_hidden_case(module, task, answer):
    report = hidden_report(hidden_module(module), task, answer)
    assert report.status == PASSED, str(report)


# --- wrong answers that pass the learner's check -------------------------------------------------------------


def rebuilt_from_seed_0(x, W_ih, W_hh, b_ih, b_hh):
    """Ignores the weights it is given: rebuilds the layer the check builds, from the check's seed."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        twin = nn.RNN(W_ih.shape[1], W_ih.shape[0], batch_first=True).requires_grad_(False)
    outputs, h_n = twin(x)
    return outputs, h_n[0]


def bidirectional_rebuilt_from_seed_0(x, rnn):
    """Ignores the layer's weights: runs a twin built from the check's seed (calling rnn itself is refused)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        twin = nn.RNN(rnn.input_size, rnn.hidden_size, batch_first=True, bidirectional=True).requires_grad_(False)
    return twin(x)


def memorised(check_cases, answer):
    """An answer that knows the check's cases by heart (`answer`'s results on them) and nothing else."""
    table = {args[: len(inspect.signature(answer).parameters)]: answer(*args) for args in check_cases.values()}

    def recite(*args):
        return table[args]

    return recite


def three_layers_at_most(h_n, num_layers):
    """split_by_direction for 1 to 3 layers, written out row by row."""
    rows = {1: ([0], [1]), 2: ([0, 2], [1, 3]), 3: ([0, 2, 4], [1, 3, 5])}[num_layers]
    return h_n[rows[0]], h_n[rows[1]]


def reads_batch_first_flag(model, x):
    """Reads the RNN's flag instead of watching the logits."""
    return not model.rnn.batch_first


def compares_sequence_1_only(model, x):
    changed = x.clone()
    changed[0] += 1.0
    with torch.no_grad():
        before, after = model(x), model(changed)
    return not torch.allclose(before[1:2], after[1:2])


class DefaultSizesOnly(nn.Module):
    """FixedTagger with the script's sizes written in, whatever it is given."""

    def __init__(self, input_size=8, hidden_size=10, num_classes=5):
        super().__init__()
        self.rnn = nn.RNN(8, 10, bidirectional=True, batch_first=True)
        self.head = nn.Linear(20, 5)

    def forward(self, x):
        output, _ = self.rnn(x)
        return self.head(output)


PADS_FROM_ZEROS = """
def real_lengths(x):
    return (x != 0).any(-1).sum(1)  # the pads taken for the all-zero steps at the end, lengths ignored

def encode_packed(rnn, x, lengths):
    packed = pack_padded_sequence(x, real_lengths(x), batch_first=True, enforce_sorted=False)
    return pad_packed_sequence(rnn(packed)[0], batch_first=True, total_length=x.shape[1])[0]

def final_states(rnn, x, lengths):
    _, hidden = rnn(pack_padded_sequence(x, real_lengths(x), batch_first=True, enforce_sorted=False))
    h_n = hidden[0] if isinstance(hidden, tuple) else hidden
    return torch.cat([h_n[-2], h_n[-1]], -1)
"""

ZERO_PADS = """
from course_utils.tensors import reverse_within_lengths

def reverse_steps(x, lengths):
    out = torch.zeros_like(x)  # the pads rebuilt as zeros, not kept
    for n, k in enumerate(lengths.tolist()):
        out[n, :k] = x[n, :k].flip(0)
    return out

def bidirectional_within_lengths(forward_rnn, backward_rnn, x, lengths):
    real = (x != 0).any(-1, keepdim=True)  # the pads taken for the all-zero steps, lengths ignored
    forward = forward_rnn(x)[0]
    backward = reverse_within_lengths(backward_rnn(reverse_within_lengths(x, lengths))[0], lengths)
    return torch.cat([forward, backward], -1) * real
"""


def from_code(code, prelude):
    namespace: dict = {}
    exec(textwrap.dedent(prelude) + textwrap.dedent(code), namespace)
    return namespace


PADS = from_code(PADS_FROM_ZEROS, PACKING_PRELUDE)
ZEROS = from_code(ZERO_PADS, SPEED_PRELUDE)

# (module, task, the visible check, the wrong answer, what it gets wrong)
WRONG = [
    ("lesson01", "run_one_direction", check_run_one_direction, rebuilt_from_seed_0, "rebuilt from seed 0"),
    ("lesson01", "bidirectional_pass", check_bidirectional_pass, bidirectional_rebuilt_from_seed_0, "seed 0"),
    (
        "lesson02",
        "predict_shapes",
        check_predict_shapes,
        memorised(SHAPE_CASES, by_cases),
        "the check's five layers memorised",
    ),
    (
        "lesson02",
        "count_parameters",
        check_count_parameters,
        memorised(COUNT_CASES, layer_by_layer),
        "the check's five counts memorised",
    ),
    ("lesson02", "split_by_direction", check_split_by_direction, three_layers_at_most, "three layers at most"),
    ("lesson03", "mixes_sequences", check_mixes_sequences, reads_batch_first_flag, "reads model.rnn.batch_first"),
    ("lesson03", "mixes_sequences", check_mixes_sequences, compares_sequence_1_only, "compares sequence 1 only"),
    ("lesson04", "encode_packed", check_encode_packed, PADS["encode_packed"], "pads found as zeros"),
    ("lesson04", "final_states", check_final_states, PADS["final_states"], "pads found as zeros"),
    ("lesson04_speed", "reverse_steps", check_reverse_steps, ZEROS["reverse_steps"], "pads rebuilt as zeros"),
    (
        "lesson04_speed",
        "bidirectional_within_lengths",
        check_bidirectional_within_lengths,
        ZEROS["bidirectional_within_lengths"],
        "pads found as zeros",
    ),
]


def test_every_task_has_a_wrong_answer_that_only_the_hidden_cases_catch():
    assert {(module, task) for module, task, *_ in WRONG} | {("lesson03", "FixedTagger")} == set(TASKS)


@pytest.mark.parametrize(
    "module, task, check, answer", [pytest.param(*row[:4], id=f"{row[1]}: {row[4]}") for row in WRONG]
)
def test_a_wrong_answer_that_passes_the_check_fails_a_hidden_case(module, task, check, answer):
    assert check(answer).status == PASSED
    report = hidden_report(hidden_module(module), task, answer)
    assert report.status == FAILED, str(report)


@pytest.mark.slow
def test_a_tagger_with_the_script_sizes_written_in_passes_the_check_and_fails_a_hidden_case():
    assert check_fixed_tagger(DefaultSizesOnly).status == PASSED  # trains 5 epochs
    report = hidden_report(hidden_module("lesson03"), "FixedTagger", DefaultSizesOnly)
    assert report.status == FAILED, str(report)


def test_a_tagger_with_the_script_sizes_written_in_fails_a_hidden_case():
    report = hidden_report(hidden_module("lesson03"), "FixedTagger", DefaultSizesOnly)
    assert report.status == FAILED and "(input_size, hidden_size)" in str(report), str(report)
