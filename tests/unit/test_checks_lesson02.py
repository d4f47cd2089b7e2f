"""Specification of exercise 02's checks: shapes, parameter counts and h_n split, each slip explained."""

import pytest
from exercise_code import assert_fails_explaining, solution

from course_utils.checks import FAILED
from course_utils.checks.lesson02 import check_count_parameters, check_predict_shapes, check_split_by_direction

SOLVED = solution("02_shapes")
CHECKS = {
    "predict_shapes": check_predict_shapes,
    "count_parameters": check_count_parameters,
    "split_by_direction": check_split_by_direction,
}


@pytest.mark.parametrize("name", CHECKS)
def test_a_function_returning_nothing_is_reported_not_raised(name):
    report = CHECKS[name](lambda *args: None)
    assert report.status == FAILED and "Traceback" not in str(report)


def shapes_with(change):
    """The reference shapes with `change(shapes, args)` applied."""

    def predict_shapes(
        cell, batch_size, seq_len, input_size, hidden_size, num_layers=1, bidirectional=False, batch_first=False
    ):
        args = dict(
            batch_size=batch_size,
            seq_len=seq_len,
            hidden_size=hidden_size,
            num_layers=num_layers,
            bidirectional=bidirectional,
            batch_first=batch_first,
        )
        shapes = SOLVED["predict_shapes"](
            cell, batch_size, seq_len, input_size, hidden_size, num_layers, bidirectional, batch_first
        )
        return change(shapes, args)

    return predict_shapes


def one_direction_output(shapes, a):
    return {**shapes, "output": (*shapes["output"][:2], a["hidden_size"])}


def batch_first_h_n(shapes, a):
    n, layers_and_directions, h = a["batch_size"], shapes["h_n"][0], a["hidden_size"]
    return {**shapes, "h_n": (n, layers_and_directions, h) if a["batch_first"] else shapes["h_n"]}


def layers_only_h_n(shapes, a):
    return {**shapes, "h_n": (a["num_layers"], *shapes["h_n"][1:])}


def no_c_n(shapes, a):
    return {k: v for k, v in shapes.items() if k != "c_n"}


def always_batch_first(shapes, a):
    n, t, features = a["batch_size"], a["seq_len"], shapes["output"][2]
    return {**shapes, "output": (n, t, features)}


@pytest.mark.parametrize(
    "change, explanation",
    [
        (one_direction_output, "both directions side by side: the last size is D*H_out = 2*H_out"),
        (batch_first_h_n, "h_n is never batch-first, even with batch_first=True"),
        (layers_only_h_n, "one entry per layer AND direction"),
        (no_c_n, "the dict has no key 'c_n' (an LSTM returns (h_n, c_n))"),
        (always_batch_first, "batch_first=False puts the time axis first"),
    ],
    ids=lambda v: getattr(v, "__name__", "")[:30],
)
def test_a_shape_slip_fails_with_its_explanation(change, explanation):
    assert_fails_explaining(check_predict_shapes(shapes_with(change)), explanation)


def test_a_wrong_shape_names_the_layer_expected_and_got():
    text = str(check_predict_shapes(shapes_with(one_direction_output)))
    assert (
        "[FAIL] the card's layer: rnn, x (4, 7, 5) batch-first, H_out=3, bidirectional: expected output (4, 7, 6), "
        "got (4, 7, 3)" in text
    )


def counting(gates=None, biases=2, deep_input=None, direction_factor=None):
    """A parameter count written with one slip."""

    def count_parameters(cell, input_size, hidden_size, num_layers=1, bidirectional=False):
        g = gates or {"rnn": 1, "gru": 3, "lstm": 4}[cell]
        d = 2 if bidirectional else 1
        factor = direction_factor if direction_factor and bidirectional else d
        total = 0
        for layer in range(num_layers):
            reads = input_size if layer == 0 else (deep_input or d * hidden_size)
            total += g * hidden_size * (reads + hidden_size + biases)
        return int(total * factor)

    return count_parameters


@pytest.mark.parametrize(
    "slip, explanation",
    [
        (counting(biases=1), "two bias vectors per layer and direction"),
        (counting(biases=0), "you left out the biases"),
        (counting(gates=1), "stacks 3 gate blocks"),
        (
            counting(deep_input=6),
            "layers after the first read the previous layer's output, D*H_out features, not H_out",
        ),
        (counting(direction_factor=1), "a full second set of weights: count both directions"),
        (counting(direction_factor=0.5), "doubles the recurrent weights, it does not halve them"),
    ],
    ids=["one bias", "no bias", "no gates", "deep input H", "one direction", "halved"],
)
def test_a_counting_slip_fails_with_its_explanation(slip, explanation):
    assert_fails_explaining(check_count_parameters(slip), explanation)


def test_a_wrong_count_shows_expected_and_got():
    assert "expected 400 parameters, got 200" in str(check_count_parameters(counting(direction_factor=1)))


def blocked(h_n, num_layers):
    return h_n[:num_layers], h_n[num_layers:]


def swapped(h_n, num_layers):
    forward, backward = SOLVED["split_by_direction"](h_n, num_layers)
    return backward, forward


@pytest.mark.parametrize(
    "slip, explanation",
    [
        (blocked, "torch interleaves layers and directions"),
        (swapped, "forward and backward are swapped"),
    ],
)
def test_a_split_slip_fails_with_its_explanation(slip, explanation):
    assert_fails_explaining(check_split_by_direction(slip), explanation)


def test_the_blocked_split_is_right_for_one_layer_only():
    report = check_split_by_direction(blocked)
    assert [case.passed for case in report.cases] == [True, False, False, False]
