"""Learner attempts at exercise 02 (shapes, parameter counts, h_n by direction), each through the real check.

Right answers are written unlike the worked solution and in every reasonable form (lists, torch.Size,
NumPy arrays, floats, NumPy and tensor integers); wrong ones are the slips a learner makes here, each with
the key words of the message it must get. The stubs must not hand over the answer.
"""

import numpy as np
import pytest
import torch
from attempt_suite import assert_first_failure_gives_the_idea_not_the_code, assert_quotes_sections_of
from attempts import assert_answer, not_attempted, params, right, stub_hints, wrong
from exercise_code import exercise, solution

from course_utils.checks.lesson02 import check_count_parameters, check_predict_shapes, check_split_by_direction

SOLVED = solution("02_shapes")
STUBS = exercise("02_shapes")


# --- predict_shapes -----------------------------------------------------------------------------------


def by_cases(cell, batch_size, seq_len, input_size, hidden_size, num_layers=1, bidirectional=False, batch_first=False):
    features = hidden_size * (2 if bidirectional else 1)
    if batch_first:
        output = [batch_size, seq_len, features]
    else:
        output = [seq_len, batch_size, features]
    h_n = torch.Size([num_layers * (2 if bidirectional else 1), batch_size, hidden_size])
    shapes = {"output": output, "h_n": h_n}
    shapes["c_n"] = h_n if cell == "lstm" else None  # None: a GRU or RNN returns no c_n
    return shapes


def from_a_run(
    cell, batch_size, seq_len, input_size, hidden_size, num_layers=1, bidirectional=False, batch_first=False
):
    layer = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[cell](
        input_size, hidden_size, num_layers, bidirectional=bidirectional, batch_first=batch_first
    )
    x = torch.zeros((batch_size, seq_len, input_size) if batch_first else (seq_len, batch_size, input_size))
    output, hidden = layer(x)
    states = dict(zip(("h_n", "c_n"), hidden)) if cell == "lstm" else {"h_n": hidden}
    return {"output": np.array(output.shape), **{name: np.array(s.shape) for name, s in states.items()}}


def shapes_with(change):
    """The reference shapes with `change(shapes, sizes)` applied; sizes is a dict of the arguments."""

    def predict_shapes(
        cell, batch_size, seq_len, input_size, hidden_size, num_layers=1, bidirectional=False, batch_first=False
    ):
        sizes = dict(
            N=batch_size,
            L=seq_len,
            H_in=input_size,
            H=hidden_size,
            layers=num_layers,
            D=2 if bidirectional else 1,
            batch_first=batch_first,
        )
        shapes = SOLVED["predict_shapes"](
            cell, batch_size, seq_len, input_size, hidden_size, num_layers, bidirectional, batch_first
        )
        return change(dict(shapes), sizes)

    return predict_shapes


def replace(name, make):
    return shapes_with(lambda shapes, s: {**shapes, name: make(shapes, s)})


PREDICT = [
    right("lists, torch.Size and c_n None", by_cases),
    right("NumPy arrays from a run of the layer", from_a_run),
    not_attempted("the exercise's stub", STUBS["predict_shapes"]),
    wrong(
        "output one direction wide",
        replace("output", lambda shapes, s: (*shapes["output"][:2], s["H"])),
        "the last size is D*H_out = 2*H_out",
    ),
    wrong(
        "output always batch-first",
        replace("output", lambda shapes, s: (s["N"], s["L"], shapes["output"][2])),
        "batch_first=False puts the time axis first",
    ),
    wrong(
        "output as wide as every layer",
        replace("output", lambda shapes, s: (*shapes["output"][:2], s["D"] * s["layers"] * s["H"])),
        "output holds the LAST layer's states only",
    ),
    wrong(
        "output of input features",
        replace("output", lambda shapes, s: (*shapes["output"][:2], s["D"] * s["H_in"])),
        "output holds the hidden states",
        "not the input's H_in",
    ),
    wrong(
        "h_n batch-first",
        replace("h_n", lambda shapes, s: (s["N"], s["D"] * s["layers"], s["H"]) if s["batch_first"] else shapes["h_n"]),
        "h_n is never batch-first, even with batch_first=True",
    ),
    wrong(
        "h_n one entry per layer",
        replace("h_n", lambda shapes, s: (s["layers"], s["N"], s["H"])),
        "one entry per layer AND direction",
    ),
    wrong(
        "h_n one entry per direction",
        replace("h_n", lambda shapes, s: (s["D"], s["N"], s["H"])),
        "h_n keeps every layer's final state",
    ),
    wrong(
        "h_n as wide as output",
        replace("h_n", lambda shapes, s: (s["D"] * s["layers"], s["N"], s["D"] * s["H"])),
        "keeps the directions apart on axis 0",
    ),
    wrong(
        "h_n per step",
        replace("h_n", lambda shapes, s: (s["D"] * s["layers"], s["L"], s["H"])),
        "its axis 1 is the batch",
    ),
    wrong(
        "h_n without the batch",
        replace("h_n", lambda shapes, s: (s["D"] * s["layers"], s["H"])),
        "for a batch, h_n keeps the batch axis",
    ),
    wrong(
        "no c_n for the LSTM",
        shapes_with(lambda shapes, s: {k: v for k, v in shapes.items() if k != "c_n"}),
        "the dict has no key 'c_n' (an LSTM returns (h_n, c_n))",
    ),
    wrong(
        "c_n for every cell",
        shapes_with(lambda shapes, s: {**shapes, "c_n": shapes["h_n"]}),
        "unexpected keys ['c_n']: only an LSTM returns c_n",
    ),
    wrong(
        "a tuple instead of a dict",
        shapes_with(lambda shapes, s: (shapes["output"], shapes["h_n"])),
        "expected a dict like {'output': (...), 'h_n': (...)}, got tuple",
    ),
    wrong(
        "the check given a result",
        SOLVED["predict_shapes"]("rnn", 4, 7, 5, 3, 1, True, True),
        "check_predict_shapes(...) needs your function itself",
        "which cannot be called",
    ),
]


@pytest.mark.parametrize("attempt", params(PREDICT))
def test_each_predict_shapes_attempt_gets_its_verdict_and_message(attempt):
    assert_answer(check_predict_shapes, attempt)


# --- count_parameters ---------------------------------------------------------------------------------


GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def layer_by_layer(cell, input_size, hidden_size, num_layers=1, bidirectional=False):
    directions = 2 if bidirectional else 1
    gates = GATES[cell]
    first = gates * hidden_size * (input_size + hidden_size) + 2 * gates * hidden_size
    later = gates * hidden_size * (directions * hidden_size + hidden_size) + 2 * gates * hidden_size
    return directions * (first + (num_layers - 1) * later)


def as_float(cell, input_size, hidden_size, num_layers=1, bidirectional=False):
    return float(layer_by_layer(cell, input_size, hidden_size, num_layers, bidirectional))


def as_numpy(cell, input_size, hidden_size, num_layers=1, bidirectional=False):
    return np.int64(layer_by_layer(cell, input_size, hidden_size, num_layers, bidirectional))


def as_tensor(cell, input_size, hidden_size, num_layers=1, bidirectional=False):
    return torch.tensor(layer_by_layer(cell, input_size, hidden_size, num_layers, bidirectional))


def counted(gates=None, biases=2, deep_input=None, directions=None, layers=None):
    """A count written with one slip: a wrong number of gates, biases, a deep layer's input, directions or layers."""

    def count_parameters(cell, input_size, hidden_size, num_layers=1, bidirectional=False):
        g = gates(cell) if callable(gates) else GATES[cell]
        d = 2 if bidirectional else 1
        total = 0
        for layer in range(num_layers if layers is None else layers):
            reads = input_size if layer == 0 else (deep_input or d * hidden_size)
            total += g * hidden_size * (reads + hidden_size + biases)
        return int(total * (directions(d) if directions else d))

    return count_parameters


COUNT = [
    right("layer 0 and the later layers apart", layer_by_layer),
    right("a float", as_float),
    right("a NumPy integer", as_numpy),
    right("a tensor", as_tensor),
    not_attempted("the exercise's stub", STUBS["count_parameters"]),
    wrong("one bias vector", counted(biases=1), "two bias vectors per layer and direction"),
    wrong("no biases", counted(biases=0), "you left out the biases"),
    wrong("no gates", counted(gates=lambda cell: 1), "a GRU stacks 3 gate blocks in every weight and bias, not 1"),
    wrong(
        "GRU and LSTM gates mixed up",
        counted(gates=lambda cell: {"rnn": 1, "gru": 4, "lstm": 3}[cell]),
        "a GRU stacks 3 gate blocks in every weight and bias, not 4",
    ),
    wrong("later layers read H_out", counted(deep_input=6), "D*H_out features, not H_out"),
    wrong("one direction counted", counted(directions=lambda d: 1), "a full second set of weights"),
    wrong("bidirectional halves", counted(directions=lambda d: 1 / d), "it does not halve them"),
    wrong("the first layer only", counted(layers=1), "you counted the first layer only"),
    wrong("the count as text", lambda *args: str(layer_by_layer(*args)), "expected 400 parameters, got '400'"),
    wrong("the check given a result", layer_by_layer("rnn", 8, 10, 1, True), "needs your function itself"),
]


@pytest.mark.parametrize("attempt", params(COUNT))
def test_each_count_parameters_attempt_gets_its_verdict_and_message(attempt):
    assert_answer(check_count_parameters, attempt)


# --- split_by_direction ---------------------------------------------------------------------------------


def by_slicing(h_n, num_layers):
    return h_n[0::2], h_n[1::2]


def unbound(h_n, num_layers):
    return h_n.reshape(-1, 2, *h_n.shape[1:]).unbind(1)


def direction_first(h_n, num_layers):
    return h_n.view(num_layers, 2, *h_n.shape[1:]).transpose(0, 1)  # (2, num_layers, N, H_out): unpacks as a pair


def stacked_by_layer(h_n, num_layers):
    forward = torch.stack([h_n[2 * layer] for layer in range(num_layers)])
    backward = torch.stack([h_n[2 * layer + 1] for layer in range(num_layers)])
    return [forward, backward]


def indexed_by_layer(h_n, num_layers):
    v = h_n.view(num_layers, 2, *h_n.shape[1:])
    return v[0], v[1]


def blocked(h_n, num_layers):
    return h_n[:num_layers], h_n[num_layers:]


def viewed_direction_first(h_n, num_layers):
    v = h_n.view(2, num_layers, *h_n.shape[1:])
    return v[0], v[1]


def swapped(h_n, num_layers):
    return h_n[1::2], h_n[0::2]


def layer_axis_dropped(h_n, num_layers):
    return h_n[0], h_n[1]


def last_layer_only(h_n, num_layers):
    return h_n[-2], h_n[-1]


def second_half_by_layer(h_n, num_layers):
    v = h_n.view(num_layers, 2, *h_n.shape[1:])
    return v[:, 0], v[1]


SPLIT = [
    right("slices with a step", by_slicing),
    right("reshape and unbind", unbound),
    right("a (2, num_layers, N, H_out) tensor", direction_first),
    right("stacked layer by layer, a list", stacked_by_layer),
    not_attempted("the exercise's stub", STUBS["split_by_direction"]),
    wrong(
        "view(L, 2, N, H), then v[0] and v[1]",
        indexed_by_layer,
        "IndexError: index 1 is out of bounds for dimension 0 with size 1",
        "is the layer axis, of size num_layers = 1 here",
        "the direction axis",
        "Those are layer 0's forward and backward states",
        "indexing the first axis ([0]) picks a layer",
        never_says=("use h_n.view(num_layers, 2, N, H_out)",),
    ),
    wrong(
        "the second result indexed by layer", second_half_by_layer, "Those are layer 1's forward and backward states"
    ),
    wrong("forward states first, then backward", blocked, "torch interleaves layers and directions"),
    wrong("view(2, L, N, H)", viewed_direction_first, "torch interleaves layers and directions"),
    wrong("directions swapped", swapped, "forward and backward are swapped"),
    wrong("no layer axis", layer_axis_dropped, "the result keeps a layer axis, (num_layers, N, H_out)"),
    wrong("the last layer only", last_layer_only, "the result keeps a layer axis"),
    wrong("one tensor returned", lambda h_n, num_layers: h_n, "expected a pair (forward, backward), got a Tensor"),
    wrong("the check given a result", by_slicing(torch.zeros(2, 3, 4), 1), "needs your function itself"),
]


@pytest.mark.parametrize("attempt", params(SPLIT))
def test_each_split_by_direction_attempt_gets_its_verdict_and_message(attempt):
    assert_answer(check_split_by_direction, attempt)


def test_no_stub_states_the_answer():
    shapes, count, split = stub_hints("02_shapes")
    assert not any(code in shapes for code in ("D*H_out", "D*num_layers", "batch_first"))
    assert not any(code in count for code in ("G*H_out", "weight_ih (", "D*H_out"))
    assert not any(code in split for code in ("view(", "num_layers, 2", "[:, 0]"))


@pytest.mark.parametrize(
    "check, task",
    [
        (lambda: check_predict_shapes(lambda *args: {}), "predict_shapes"),
        (lambda: check_count_parameters(counted(biases=0)), "count_parameters"),
        (lambda: check_split_by_direction(blocked), "split_by_direction"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_a_first_failure_names_a_section_of_lesson_02_and_withholds_the_code(check, task):
    report = assert_first_failure_gives_the_idea_not_the_code(check, task)
    assert_quotes_sections_of(report.concept, "02_shapes")
