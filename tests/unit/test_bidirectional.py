"""Specification of course_utils.bidirectional: packing's results without packing, for every torch RNN.

"Exact" here means equal to packing, and to running each sequence alone, up to
float rounding: in float64 the largest difference must stay below TOLERANCE.
Different kernels and batch sizes sum in different orders, so bit equality is
not promised and not tested.
"""

import itertools

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from course_utils.bidirectional import run_within_lengths

TOLERANCE = 1e-12  # float64; the differences seen are about 1e-15
MODULES = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
PROPERTY = settings(max_examples=30, deadline=None, derandomize=True, database=None)
LENGTHS = [9, 1, 5, 5, 2, 8, 1, 4]  # ties, length 1, and the longest shorter than T


def build(cell, layers=1, batch_first=True, seed=0, **kwargs):
    torch.manual_seed(seed)
    return MODULES[cell](3, 4, num_layers=layers, bidirectional=True, batch_first=batch_first, **kwargs).double()


def padded(lengths, seq_len, seed=0, pad_value=float("nan"), features=3):
    """A float64 batch-first (N, T, features) batch whose pads hold `pad_value` (NaN: reading a pad shows)."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(len(lengths), seq_len, features, dtype=torch.float64, generator=generator)
    pads = torch.arange(seq_len) >= torch.tensor(lengths).unsqueeze(1)
    return x.masked_fill(pads.unsqueeze(-1), pad_value)


def packed_run(rnn, x, lengths, hx=None):
    """The reference: pack, run, unpack to x's T (pads of x are never read)."""
    output, hidden = rnn(pack_padded_sequence(x, torch.tensor(lengths), rnn.batch_first, enforce_sorted=False), hx)
    steps = x.shape[1 if rnn.batch_first else 0]
    return pad_packed_sequence(output, batch_first=rnn.batch_first, total_length=steps)[0], hidden


def states(hidden):
    """The final states as a list of tensors: [h_n] or [h_n, c_n]."""
    return list(hidden) if isinstance(hidden, tuple) else [hidden]


def largest_difference(a, b):
    return max(float((p - q).detach().abs().max()) for p, q in zip(a, b, strict=True))


# --- equal to packing and to each sequence alone ---------------------------------------------


@pytest.mark.parametrize(("cell", "layers", "batch_first"), list(itertools.product(MODULES, [1, 2, 3], [True, False])))
def test_outputs_and_final_states_equal_packing(cell, layers, batch_first):
    rnn = build(cell, layers, batch_first)
    x = padded(LENGTHS, 11)
    x = x if batch_first else x.transpose(0, 1)
    output, hidden = run_within_lengths(rnn, x, LENGTHS)
    packed_output, packed_hidden = packed_run(rnn, x, LENGTHS)
    assert output.shape == packed_output.shape
    assert largest_difference([output, *states(hidden)], [packed_output, *states(packed_hidden)]) < TOLERANCE


@pytest.mark.parametrize(("cell", "layers"), list(itertools.product(MODULES, [1, 2, 3])))
def test_each_sequence_gets_what_it_gets_alone(cell, layers):
    rnn = build(cell, layers)
    x = padded(LENGTHS, 11)
    output, hidden = run_within_lengths(rnn, x, LENGTHS)
    for n, length in enumerate(LENGTHS):
        alone_output, alone_hidden = rnn(x[n : n + 1, :length])
        assert largest_difference([output[n : n + 1, :length]], [alone_output]) < TOLERANCE
        batch_states = [state[:, n : n + 1] for state in states(hidden)]
        assert largest_difference(batch_states, states(alone_hidden)) < TOLERANCE


@pytest.mark.parametrize("cell", MODULES)
def test_pads_of_the_output_are_zero_whatever_the_input_pads_hold(cell):
    output, _ = run_within_lengths(build(cell, 2), padded(LENGTHS, 11, pad_value=float("nan")), LENGTHS)
    pads = torch.arange(11) >= torch.tensor(LENGTHS).unsqueeze(1)
    assert (output[pads] == 0).all() and not output.isnan().any()
    assert not output[pads].signbit().any()  # +0.0, as pad_packed_sequence gives (not -0.0, which prints "-0.")


@pytest.mark.parametrize("cell", MODULES)
def test_gradients_equal_packings(cell):
    rnn = build(cell, 2)
    x = padded(LENGTHS, 11, pad_value=0.0).requires_grad_()
    weights = torch.randn(len(LENGTHS), 11, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(1))

    def gradients(run):
        rnn.zero_grad()
        x.grad = None
        output, hidden = run(rnn, x, LENGTHS)
        ((output * weights).sum() + sum((state**2).sum() for state in states(hidden))).backward()
        return [x.grad.clone(), *(p.grad.clone() for p in rnn.parameters())]

    assert largest_difference(gradients(run_within_lengths), gradients(packed_run)) < TOLERANCE


@pytest.mark.parametrize(
    ("cell", "kwargs"),
    [
        ("rnn", {"nonlinearity": "relu"}),
        ("rnn", {"bias": False}),
        ("gru", {"bias": False}),
        ("lstm", {"bias": False}),
        ("lstm", {"proj_size": 2}),
    ],
)
def test_every_variant_of_the_modules_equals_packing(cell, kwargs):
    rnn = build(cell, 2, **kwargs)
    x = padded(LENGTHS, 11)
    output, hidden = run_within_lengths(rnn, x, LENGTHS)
    packed_output, packed_hidden = packed_run(rnn, x, LENGTHS)
    assert largest_difference([output, *states(hidden)], [packed_output, *states(packed_hidden)]) < TOLERANCE


def test_a_one_way_rnn_equals_packing_too():
    torch.manual_seed(0)
    rnn = nn.LSTM(3, 4, num_layers=2, batch_first=True).double()
    x = padded(LENGTHS, 11)
    output, hidden = run_within_lengths(rnn, x, LENGTHS)
    packed_output, packed_hidden = packed_run(rnn, x, LENGTHS)
    assert output.shape == (8, 11, 4)
    assert largest_difference([output, *states(hidden)], [packed_output, *states(packed_hidden)]) < TOLERANCE


@pytest.mark.parametrize("cell", MODULES)
def test_initial_states_start_each_direction_where_packing_starts_it(cell):
    rnn = build(cell, 2)
    generator = torch.Generator().manual_seed(2)
    h_0 = torch.randn(4, len(LENGTHS), 4, dtype=torch.float64, generator=generator)
    hx = (h_0, torch.randn(4, len(LENGTHS), 4, dtype=torch.float64, generator=generator)) if cell == "lstm" else h_0
    x = padded(LENGTHS, 11)
    output, hidden = run_within_lengths(rnn, x, LENGTHS, hx=hx)
    packed_output, packed_hidden = packed_run(rnn, x, LENGTHS, hx)
    assert largest_difference([output, *states(hidden)], [packed_output, *states(packed_hidden)]) < TOLERANCE


def test_without_cell_state_an_lstm_gives_the_same_output_and_h_n_and_no_c_n():
    rnn = build("lstm", 2)
    x = padded(LENGTHS, 11)
    output, (h_n, c_n) = run_within_lengths(rnn, x, LENGTHS, cell_state=False)
    exact_output, (exact_h_n, _) = run_within_lengths(rnn, x, LENGTHS)
    assert c_n is None
    assert largest_difference([output, h_n], [exact_output, exact_h_n]) < TOLERANCE


def test_a_relu_rnn_whose_state_would_explode_over_the_pads_keeps_finite_gradients():
    # The short sequence's state doubles at every step it would run over a pad (W_hh = 2I, no
    # bias), so 1999 pad steps would overflow to inf, and 0 * inf is NaN in the weights'
    # gradient. The long sequence's state stays 0 (its input is negative). No pad step may run.
    rnn = build("rnn", 1, nonlinearity="relu", bias=False)
    with torch.no_grad():
        for name, weight in rnn.named_parameters():
            weight.copy_(2.0 * torch.eye(4, dtype=torch.float64) if "hh" in name else torch.eye(4, 3))
    x = torch.full((2, 2000, 3), -1.0, dtype=torch.float64)
    x[1, 0] = 1.0
    output, _ = run_within_lengths(rnn, x, [2000, 1])
    output.sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in rnn.parameters())


def test_dropout_acts_between_layers_in_training_only():
    rnn = build("gru", 2, dropout=0.5)
    x = padded(LENGTHS, 11)
    packed_output, _ = packed_run(rnn.eval(), x, LENGTHS)
    evaluated, _ = run_within_lengths(rnn, x, LENGTHS)
    assert largest_difference([evaluated], [packed_output]) < TOLERANCE
    torch.manual_seed(0)
    trained, _ = run_within_lengths(rnn.train(), x, LENGTHS)
    assert float((trained - evaluated).detach().abs().max()) > 1e-3  # some of layer 0's outputs were dropped


def test_float32_lstm_on_the_fused_kernel_equals_packing_to_float32_rounding():
    torch.manual_seed(0)
    rnn = nn.LSTM(3, 16, num_layers=2, bidirectional=True, batch_first=True)
    x = padded(LENGTHS, 11).float()
    output, (h_n, c_n) = run_within_lengths(rnn, x, LENGTHS)
    packed_output, (packed_h_n, packed_c_n) = packed_run(rnn, x, LENGTHS)
    for mine, theirs in ((output, packed_output), (h_n, packed_h_n), (c_n, packed_c_n)):
        assert torch.allclose(mine, theirs, atol=1e-6)


@st.composite
def batches(draw):
    """(cell, layers, lengths, T) with every length in [1, T]."""
    seq_len = draw(st.integers(1, 7))
    lengths = draw(st.lists(st.integers(1, seq_len), min_size=1, max_size=6))
    return draw(st.sampled_from(list(MODULES))), draw(st.integers(1, 2)), lengths, seq_len


@PROPERTY
@given(batch=batches())
def test_any_batch_of_lengths_equals_packing(batch):
    cell, layers, lengths, seq_len = batch
    rnn = build(cell, layers)
    x = padded(lengths, seq_len)
    output, hidden = run_within_lengths(rnn, x, lengths)
    packed_output, packed_hidden = packed_run(rnn, x, lengths)
    assert largest_difference([output, *states(hidden)], [packed_output, *states(packed_hidden)]) < TOLERANCE


# --- the weights are the module's own -------------------------------------------------------------


def train_a_little(rnn, run, steps=3):
    """A few Adam steps on a fixed batch through `run` (run_within_lengths or packed_run)."""
    optimizer = torch.optim.Adam(rnn.parameters(), lr=0.05)
    x = padded(LENGTHS, 11, pad_value=0.0)
    for _ in range(steps):
        optimizer.zero_grad()
        run(rnn, x, LENGTHS)[0].pow(2).mean().backward()
        optimizer.step()


@pytest.mark.parametrize("trained_with", ["within lengths", "packing"])
def test_a_state_dict_moves_between_the_two_ways_of_running(trained_with):
    trained = build("lstm", 2, seed=0)
    train_a_little(trained, run_within_lengths if trained_with == "within lengths" else packed_run)
    fresh = nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True).double()
    fresh.load_state_dict(trained.state_dict())  # the same names: weight_ih_l0, ..., weight_hh_l1_reverse
    x = padded(LENGTHS, 11)
    other_way = packed_run if trained_with == "within lengths" else run_within_lengths
    mine, theirs = run_within_lengths(trained, x, LENGTHS), other_way(fresh, x, LENGTHS)
    assert largest_difference([mine[0], *states(mine[1])], [theirs[0], *states(theirs[1])]) < TOLERANCE


# --- bad arguments ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "error", "words"),
    [
        ({"rnn": nn.Linear(3, 4)}, TypeError, "rnn must be an nn.RNN, nn.GRU or nn.LSTM"),
        ({"x": torch.zeros(8, 11, 3)}, TypeError, "float64"),
        ({"x": torch.zeros(8, 11, 5, dtype=torch.float64)}, ValueError, "input_size=3"),
        ({"x": torch.zeros(11, 3, dtype=torch.float64)}, ValueError, "3-D"),
        ({"lengths": [9, 0, 5, 5, 2, 8, 1, 4]}, ValueError, "every length must be >= 1"),
        ({"lengths": [12, 1, 5, 5, 2, 8, 1, 4]}, ValueError, "L=11"),
        ({"lengths": [9, 1, 5]}, ValueError, "lengths has 3 entries but the batch has 8"),
        ({"hx": torch.zeros(2, 8, 4, dtype=torch.float64)}, TypeError, "pair (h_0, c_0)"),
        ({"hx": (torch.zeros(2, 8, 4), torch.zeros(2, 8, 4))}, ValueError, "(2, 8, 4)"),
        ({"hx": (torch.zeros(4, 8, 4), torch.zeros(4, 8, 4))}, TypeError, "h_0 must be torch.float64"),
        ({"cell_state": 1}, TypeError, "cell_state must be True or False"),
    ],
)
def test_bad_arguments_are_named(arguments, error, words):
    call = {"rnn": build("lstm", 2), "x": padded(LENGTHS, 11), "lengths": LENGTHS, **arguments}
    with pytest.raises(error, match=None) as raised:
        run_within_lengths(**call)
    assert words in str(raised.value)


def test_a_packed_sequence_is_refused_with_what_to_pass_instead():
    rnn = build("gru")
    packed = pack_padded_sequence(padded(LENGTHS, 11), torch.tensor(LENGTHS), batch_first=True, enforce_sorted=False)
    with pytest.raises(TypeError, match="pass the padded batch and lengths"):
        run_within_lengths(rnn, packed, LENGTHS)
