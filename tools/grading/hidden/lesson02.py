"""Hidden grading cases for exercise 02 (shapes): predict shapes, count parameters, split h_n by direction.

The learner's checks try five layers per task; an answer that memorised their results passes them. These
cases try layers the checks do not: time-first LSTMs and one-way stacks, four layers, a GRU with two
bidirectional layers, a batch of one, hidden sizes larger than the input and the other way round. Every
expected value is measured on the torch layer itself.
"""

import numbers

import torch
from torch import nn

from course_utils.checks import Mismatch, expect_equal
from course_utils.checks.common import seeded
from course_utils.checks.comparators import expect_close


def hidden_predict_shapes(predict_shapes):
    """Cases for `predict_shapes(cell, batch_size, seq_len, input_size, hidden_size, num_layers, bidirectional,
    batch_first) -> {"output": shape, "h_n": shape}` (plus "c_n" for an LSTM)."""
    layers = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}

    def as_shape(value):
        """A predicted shape (tuple, list, torch.Size or NumPy array of whole numbers) as a tuple of ints."""
        if not (isinstance(value, (tuple, list, torch.Size)) or type(value).__name__ == "ndarray"):
            return value
        return tuple(
            int(size)
            if (isinstance(size, numbers.Integral) and not isinstance(size, bool))
            or (isinstance(size, float) and size.is_integer())
            else size
            for size in value
        )

    def case(cell, batch_size, seq_len, input_size, hidden_size, num_layers, bidirectional, batch_first):
        def run():
            layer = layers[cell](
                input_size, hidden_size, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first
            )
            x = torch.zeros((batch_size, seq_len, input_size) if batch_first else (seq_len, batch_size, input_size))
            output, hidden = layer(x)
            states = {"h_n": hidden[0], "c_n": hidden[1]} if cell == "lstm" else {"h_n": hidden}
            expected = {"output": tuple(output.shape), **{name: tuple(state.shape) for name, state in states.items()}}
            got = predict_shapes(
                cell, batch_size, seq_len, input_size, hidden_size, num_layers, bidirectional, batch_first
            )
            if not isinstance(got, dict):
                raise Mismatch(f"expected a dict like {{'output': (...), 'h_n': (...)}}, got {type(got).__name__}")
            for name, shape in expected.items():
                if name not in got:
                    raise Mismatch(f"the dict has no key {name!r}; it has {sorted(got, key=str)}")
                expect_equal(as_shape(got[name]), shape, f"{name} shape")
            unexpected = sorted((key for key in set(got) - set(expected) if got[key] is not None), key=str)
            if unexpected:
                raise Mismatch(f"unexpected keys {unexpected}: this layer returns only {sorted(expected)}")

        return run

    return {
        "time-first lstm, one direction: x (6, 2, 3) read as L = 6, N = 2, H_out = 4": case(
            "lstm", 2, 6, 3, 4, 1, False, False
        ),
        "4-layer gru, bidirectional, x (3, 5, 2) batch-first, H_out = 7": case("gru", 3, 5, 2, 7, 4, True, True),
        "2-layer rnn, bidirectional, time-first: x (8, 1, 6) read as L = 8, N = 1, H_out = 2": case(
            "rnn", 1, 8, 6, 2, 2, True, False
        ),
        "lstm, one direction, 3 layers, x (5, 5, 5) batch-first, H_out = 5 (all sizes equal)": case(
            "lstm", 5, 5, 5, 5, 3, False, True
        ),
    }


def hidden_count_parameters(count_parameters):
    """Cases for `count_parameters(cell, input_size, hidden_size, num_layers, bidirectional) -> int`."""
    layers = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}

    def case(cell, input_size, hidden_size, num_layers, bidirectional):
        def run():
            layer = layers[cell](input_size, hidden_size, num_layers=num_layers, bidirectional=bidirectional)
            expected = sum(parameter.numel() for parameter in layer.parameters())
            got = count_parameters(cell, input_size, hidden_size, num_layers, bidirectional)
            expect_equal(got, expected, "number of parameters")
            return f"{expected} parameters"

        return run

    return {
        "lstm(7, 3), 3 layers, bidirectional": case("lstm", 7, 3, 3, True),
        "rnn(2, 9), 2 layers, bidirectional": case("rnn", 2, 9, 2, True),
        "gru(12, 1), one layer, one direction": case("gru", 12, 1, 1, False),
        "lstm(4, 8), 2 layers, one direction": case("lstm", 4, 8, 2, False),
        "gru(6, 6), 4 layers, bidirectional": case("gru", 6, 6, 4, True),
    }


def hidden_split_by_direction(split_by_direction):
    """Cases for `split_by_direction(h_n (2*num_layers, N, H_out), num_layers) -> (forward, backward)`,
    each (num_layers, N, H_out)."""
    layers = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}

    def case(cell, num_layers, batch_size, hidden_size, seed):
        def run():
            with seeded(seed):
                layer = layers[cell](2, hidden_size, num_layers=num_layers, bidirectional=True, batch_first=True)
                x = torch.randn(batch_size, 3, 2)
            with torch.no_grad():
                _, hidden = layer(x)
            h_n = hidden[0] if cell == "lstm" else hidden  # (2*num_layers, N, H_out)
            result = split_by_direction(h_n.clone(), num_layers)
            if isinstance(result, torch.Tensor) and result.dim() == 4 and result.shape[0] == 2:
                result = tuple(result)  # a (2, num_layers, N, H_out) tensor unpacks as (forward, backward)
            if not isinstance(result, (tuple, list)) or len(result) != 2:
                raise Mismatch(f"expected a pair (forward, backward), got {type(result).__name__}")
            axes = ("layer", "sequence", "unit")
            expect_close(result[0], h_n[0::2], "first result (forward states)", axes)
            expect_close(result[1], h_n[1::2], "second result (backward states)", axes)

        return run

    return {
        "gru, 4 layers, h_n (8, 2, 3), seed 5": case("gru", 4, 2, 3, seed=5),
        "batch of 1, one layer: lstm, h_n (2, 1, 4), seed 7": case("lstm", 1, 1, 4, seed=7),
        "one hidden unit: rnn, 2 layers, h_n (4, 6, 1), seed 3": case("rnn", 2, 6, 1, seed=3),
        "lstm, 5 layers, h_n (10, 3, 2), seed 11": case("lstm", 5, 3, 2, seed=11),
    }


# predict_shapes covers output, h_n and c_n for every layout; the count and the split are one rule each.
POINTS: dict[str, int] = {"predict_shapes": 4, "count_parameters": 3, "split_by_direction": 3}
HIDDEN = {
    "predict_shapes": hidden_predict_shapes,
    "count_parameters": hidden_count_parameters,
    "split_by_direction": hidden_split_by_direction,
}
