"""Checks for exercise 02 (shapes): predict shapes, count parameters, split h_n by direction.

`check_predict_shapes(fn)`: `fn(cell, batch_size, seq_len, input_size, hidden_size, num_layers,
bidirectional, batch_first) -> {"output": shape, "h_n": shape}` (plus "c_n" for an LSTM).

`check_count_parameters(fn)`: `fn(cell, input_size, hidden_size, num_layers, bidirectional) -> int`.

`check_split_by_direction(fn)`: `fn(h_n (D*num_layers, N, H_out), num_layers) ->
(forward (num_layers, N, H_out), backward (num_layers, N, H_out))`.

Every expected value comes from building the torch layer and running it.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import torch

from ..models import CELLS
from ..shapes import GATES
from ..validation import short_repr
from .common import seeded
from .comparators import Mismatch, expect_close, expect_pair, explaining_errors, with_explanation
from .report import CheckReport
from .runner import run_check

# (cell, batch_size, seq_len, input_size, hidden_size, num_layers, bidirectional, batch_first)
SHAPE_CASES = {
    "the card's layer: rnn, x (4, 7, 5) batch-first, H_out=3, bidirectional": ("rnn", 4, 7, 5, 3, 1, True, True),
    "time-first gru: x (10, 5, 8) read as L=10, N=5, H_out=4, bidirectional": ("gru", 5, 10, 8, 4, 1, True, False),
    "2-layer lstm, x (4, 7, 3) batch-first, H_out=6, bidirectional": ("lstm", 4, 7, 3, 6, 2, True, True),
    "3-layer rnn, one direction, x (2, 9, 4) batch-first, H_out=5": ("rnn", 2, 9, 4, 5, 3, False, True),
    "batch of 1, one step: gru, x (1, 1, 2) batch-first, H_out=3, bidirectional": ("gru", 1, 1, 2, 3, 1, True, True),
}
# (cell, input_size, hidden_size, num_layers, bidirectional)
COUNT_CASES = {
    "rnn(8, 10), bidirectional (the course's layer)": ("rnn", 8, 10, 1, True),
    "gru(10, 20), bidirectional (the card's quiz)": ("gru", 10, 20, 1, True),
    "lstm(3, 6), 2 layers, bidirectional": ("lstm", 3, 6, 2, True),
    "gru(5, 4), 3 layers, one direction": ("gru", 5, 4, 3, False),
    "rnn(1, 1), one direction": ("rnn", 1, 1, 1, False),
}
ARTICLED = {"rnn": "an RNN", "gru": "a GRU", "lstm": "an LSTM"}
# (cell, num_layers, batch_size, hidden_size)
SPLIT_CASES = {
    "gru, 1 layer, h_n (2, 3, 4)": ("gru", 1, 3, 4),
    "rnn, 3 layers, h_n (6, 2, 5)": ("rnn", 3, 2, 5),
    "lstm, 2 layers, h_n (4, 3, 2)": ("lstm", 2, 3, 2),
    "batch of 1: rnn, 2 layers, h_n (4, 1, 3)": ("rnn", 2, 1, 3),
}


def _build(cell, input_size, hidden_size, num_layers, bidirectional, batch_first=True):
    """A seeded torch layer without gradients."""
    with seeded(0):
        return CELLS[cell](
            input_size, hidden_size, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first
        ).requires_grad_(False)


def _measured_shapes(cell, batch_size, seq_len, input_size, hidden_size, num_layers, bidirectional, batch_first):
    """The shapes torch returns, from running the layer on a zero input."""
    layer = _build(cell, input_size, hidden_size, num_layers, bidirectional, batch_first)
    x = torch.zeros((batch_size, seq_len, input_size) if batch_first else (seq_len, batch_size, input_size))
    output, hidden = layer(x)
    states = {"h_n": hidden[0], "c_n": hidden[1]} if cell == "lstm" else {"h_n": hidden}
    return {"output": tuple(output.shape), **{name: tuple(s.shape) for name, s in states.items()}}


def _shape_mistake(
    name, got, expected, batch_size, seq_len, input_size, hidden_size, num_layers, bidirectional, batch_first
):
    """Explain a wrong predicted shape of `name` ("output", "h_n", "c_n"), or ""."""
    directions = 2 if bidirectional else 1
    if name == "output":
        first_two = expected[:2]
        if got == (*first_two, hidden_size) and bidirectional:
            return "A bidirectional layer puts both directions side by side: the last size is D*H_out = 2*H_out."
        if got == (*first_two[::-1], expected[2]):
            return (
                f"batch_first={batch_first} puts the {'batch' if batch_first else 'time'} axis first; "
                "the output follows the input's layout."
            )
        if got == (*first_two, directions * num_layers * hidden_size) and num_layers > 1:
            return "output holds the LAST layer's states only: its last size is D*H_out, whatever num_layers is."
        if got[:2] == first_two and got[2] in (input_size, directions * input_size) and input_size != hidden_size:
            return (
                f"output holds the hidden states, H_out = {hidden_size} per direction, not the input's "
                f"H_in = {input_size} features."
            )
        return ""
    if got == (batch_size, directions * num_layers, hidden_size) and batch_first:
        return f"{name} is never batch-first, even with batch_first=True: it is (D*num_layers, N, H_out)."
    if got == (num_layers, batch_size, hidden_size) and bidirectional:
        return f"{name} has one entry per layer AND direction: D*num_layers = {directions * num_layers}."
    if got == (directions, batch_size, hidden_size) and num_layers > 1:
        return f"{name} keeps every layer's final state: D*num_layers = {directions * num_layers} entries."
    if got[:2] == expected[:2] and got[2] == directions * hidden_size:
        return f"{name} keeps the directions apart on axis 0, so its last size is H_out = {hidden_size}."
    if got == (directions * num_layers, seq_len, hidden_size) and seq_len != batch_size:
        return (
            f"{name} holds one final state per sequence, so its axis 1 is the batch, N = {batch_size}, "
            f"not the number of steps, L = {seq_len}."
        )
    if got == (directions * num_layers, hidden_size):
        return f"for a batch, {name} keeps the batch axis: (D*num_layers, N, H_out)."
    return ""


def _as_shape(value):
    """A predicted shape as a tuple of ints (from a tuple, list, torch.Size or NumPy array of whole numbers),
    else `value` unchanged."""
    if not (isinstance(value, (tuple, list, torch.Size)) or type(value).__name__ == "ndarray"):
        return value
    return tuple(_whole(size) for size in value)


def _whole(size):
    """`size` as an int when it is a whole number (an int, a NumPy integer, 4.0), else unchanged."""
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        return int(size)
    if isinstance(size, float) and size.is_integer():
        return int(size)
    return size


def check_predict_shapes(predict_shapes: Callable[..., Any]) -> CheckReport:
    """Check `predict_shapes(...)` against the shapes torch returns for each case."""

    def case(cell, batch_size, seq_len, input_size, hidden_size, num_layers, bidirectional, batch_first):
        def run():
            got = predict_shapes(
                cell, batch_size, seq_len, input_size, hidden_size, num_layers, bidirectional, batch_first
            )
            if not isinstance(got, dict):
                raise Mismatch(f"expected a dict like {{'output': (...), 'h_n': (...)}}, got {type(got).__name__}")
            expected = _measured_shapes(
                cell, batch_size, seq_len, input_size, hidden_size, num_layers, bidirectional, batch_first
            )
            for name, shape in expected.items():
                if name not in got:
                    extra = " (an LSTM returns (h_n, c_n))" if name == "c_n" else ""
                    raise Mismatch(f"the dict has no key {name!r}{extra}; it has {sorted(got, key=str)}")
                predicted = _as_shape(got[name])
                if predicted != shape:
                    why = (
                        _shape_mistake(
                            name,
                            predicted,
                            shape,
                            batch_size,
                            seq_len,
                            input_size,
                            hidden_size,
                            num_layers,
                            bidirectional,
                            batch_first,
                        )
                        if isinstance(predicted, tuple) and len(predicted) in (2, 3)
                        else ""
                    )
                    raise Mismatch(with_explanation(f"expected {name} {shape}, got {short_repr(predicted)}", why))
            # A key the layer does not return is wrong, unless it says so with None (e.g. "c_n": None for a GRU).
            unexpected = sorted((key for key in set(got) - set(expected) if got[key] is not None), key=str)
            if unexpected:
                only = ": only an LSTM returns c_n" if "c_n" in unexpected else ""
                raise Mismatch(f"unexpected keys {unexpected}{only}")

        return run

    return run_check(
        "predict_shapes",
        {name: case(*args) for name, args in SHAPE_CASES.items()},
        concept="Each size a recurrent layer returns has one source: the input's layout (batch_first), the number "
        "of directions, the number of layers, or the hidden size; output and h_n do not follow the same rules "
        "(lesson 02, sections 'One layer: `output` and `h_n`' and 'Two layers: directions and layers interleave').",
        hint="output is (N, L, D*H_out) with batch_first=True, else (L, N, D*H_out); for a batched input h_n (and c_n) "
        "are (D*num_layers, N, H_out), whatever batch_first says; D = 2 when bidirectional.",
    )


def _count_variants(cell, input_size, hidden_size, num_layers, bidirectional):
    """Counts that the usual slips give, keyed by what each slip means."""

    def count(gates=GATES[cell], biases=2, directions=2 if bidirectional else 1, deep_input=None, layers=None):
        deep_input = directions * hidden_size if deep_input is None else deep_input
        total = 0
        for layer in range(num_layers if layers is None else layers):
            layer_input = input_size if layer == 0 else deep_input
            total += directions * (gates * hidden_size * (layer_input + hidden_size + biases))
        return total

    variants = {
        "torch keeps two bias vectors per layer and direction, b_ih and b_hh: you counted one.": count(biases=1),
        "you left out the biases (2 vectors of gates*H_out per layer and direction).": count(biases=0),
        **{
            f"{ARTICLED[cell]} stacks {GATES[cell]} gate block{'s' if GATES[cell] > 1 else ''} in every weight "
            f"and bias, not {gates}.": count(gates=gates)
            for gates in (1, 3, 4)
            if gates != GATES[cell]
        },
        "layers after the first read the previous layer's output, D*H_out features, not H_out.": count(
            deep_input=hidden_size
        ),
        "layers after the first read the previous layer's output, D*H_out features, not input_size.": count(
            deep_input=input_size
        ),
    }
    if num_layers > 1:
        variants["you counted the first layer only: every layer has weights of its own."] = count(layers=1)
    if bidirectional:
        full = count()
        variants["a bidirectional layer has a full second set of weights: count both directions."] = full // 2
        variants["a bidirectional layer doubles the recurrent weights, it does not halve them."] = full // 4
    return variants


def check_count_parameters(count_parameters: Callable[..., Any]) -> CheckReport:
    """Check `count_parameters(cell, input_size, hidden_size, num_layers, bidirectional)` against torch."""

    def case(cell, input_size, hidden_size, num_layers, bidirectional):
        def run():
            got = count_parameters(cell, input_size, hidden_size, num_layers, bidirectional)
            layer = _build(cell, input_size, hidden_size, num_layers, bidirectional)
            expected = sum(p.numel() for p in layer.parameters())
            if got != expected:
                slips = _count_variants(cell, input_size, hidden_size, num_layers, bidirectional)
                why = next((text for text, value in slips.items() if value == got and value != expected), "")
                raise Mismatch(f"expected {expected} parameters, got {short_repr(got)}" + (f": {why}" if why else ""))
            return f"{expected} parameters"

        return run

    return run_check(
        "count_parameters",
        {name: case(*args) for name, args in COUNT_CASES.items()},
        concept="Each layer and direction has weights of its own: input weights, recurrent weights and two biases, "
        "each made of one block of H_out rows per gate; a layer after the first reads the output of the layer "
        "below (lesson 02, sections 'How many parameters' and 'Stacking layers').",
        hint="per layer and direction: G*H_out*(I + H_out) weights plus 2*G*H_out biases (with the default bias=True "
        "and no proj_size), with G gates (rnn 1, gru 3, lstm 4) and I = input_size for layer 0, D*H_out after it.",
    )


def check_split_by_direction(split_by_direction: Callable[..., Any]) -> CheckReport:
    """Check `split_by_direction(h_n, num_layers)` on h_n from real layers."""

    def case(cell, num_layers, batch_size, hidden_size):
        def run():
            layer = _build(cell, 3, hidden_size, num_layers, bidirectional=True)
            with seeded(1):
                x = torch.randn(batch_size, 4, 3)
            _, hidden = layer(x)
            h_n = hidden[0] if cell == "lstm" else hidden
            with explaining_errors(lambda error: _split_error(error, num_layers)):
                result = split_by_direction(h_n.clone(), num_layers)
            if isinstance(result, torch.Tensor) and result.dim() == 4 and result.shape[0] == 2:
                result = tuple(result)  # (2, num_layers, N, H_out) unpacks as (forward, backward) too
            got = expect_pair(result, "(forward, backward)")
            forward, backward = h_n[0::2], h_n[1::2]
            by_layer = h_n.view(num_layers, 2, batch_size, hidden_size)
            blocked = (
                "torch interleaves layers and directions along axis 0 (layer 0 forward, layer 0 "
                "backward, layer 1 forward, ...), it does not put all forward states first."
            )
            swapped = "forward and backward are swapped: entry 0 of each layer is the forward direction."
            one_state = (
                lambda got: isinstance(got, torch.Tensor) and tuple(got.shape) == (batch_size, hidden_size),
                "That is one state per sequence, (N, H_out): the result keeps a layer axis, (num_layers, N, H_out), "
                "one entry per layer (even when num_layers is 1).",
            )
            axes = ("layer", "sequence", "unit")
            expect_close(
                got[0],
                forward,
                "first result (forward states)",
                axes,
                mistakes=[
                    (by_layer[0], _layer_not_direction(0)),
                    (h_n[:num_layers], blocked),
                    (backward, swapped),
                    one_state,
                ],
            )
            second_layer = [(by_layer[1], _layer_not_direction(1))] if num_layers > 1 else []
            expect_close(
                got[1],
                backward,
                "second result (backward states)",
                axes,
                mistakes=[*second_layer, (h_n[num_layers:], blocked), (forward, swapped), one_state],
            )

        return run

    return run_check(
        "split_by_direction",
        {name: case(*args) for name, args in SPLIT_CASES.items()},
        concept="Along h_n's first axis the final states go layer by layer, and within a layer forward then "
        "backward; a view can give layers and directions an axis each, and then the direction is picked on its "
        "own axis (lesson 02, section 'Two layers: directions and layers interleave').",
        hint="h_n.view(num_layers, 2, N, H_out) puts layers on axis 0 and directions on axis 1; "
        "take [:, 0] and [:, 1].",
    )


def _layer_not_direction(layer):
    """The sentence for a result that holds one layer's two directions instead of one direction of every layer."""
    return (
        f"Those are layer {layer}'s forward and backward states, not one direction of every layer: along h_n's "
        "axis 0 the entries go layer by layer, forward then backward. In h_n.view(num_layers, 2, N, H_out) the "
        f"first axis is the layer and the second the direction: indexing the first axis ([{layer}]) picks a layer."
    )


def _split_error(error, num_layers):
    """What an IndexError in split_by_direction means when h_n.view(num_layers, 2, ...) was indexed by layer."""
    if isinstance(error, IndexError) and f"dimension 0 with size {num_layers}" in str(error):
        return (
            f"Axis 0 of h_n.view(num_layers, 2, N, H_out) is the layer axis, of size num_layers = {num_layers} "
            "here: indexing it asks for a layer that is not there. The two directions are on axis 1, the "
            "direction axis."
        )
    return ""
