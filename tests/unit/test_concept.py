"""Specification of course_utils.lessons.concept (scratch part): a hand-written bidirectional RNN that equals nn.RNN."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from course_utils.lessons.concept import ScratchBiRNN, run_direction

PROPERTY = settings(max_examples=25, deadline=None, derandomize=True, database=None)


@st.composite
def cases(draw):
    """(seed, N, T, input_size, hidden_size, lengths) with every length in [1, T]."""
    n, seq_len = draw(st.integers(1, 5)), draw(st.integers(1, 8))
    sizes = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    lengths = draw(st.lists(st.integers(1, seq_len), min_size=n, max_size=n))
    return draw(st.integers(0, 2**16)), n, seq_len, *sizes, lengths


def copied_pair(input_size, hidden_size, seed=0):
    """A float64 nn.RNN(bidirectional=True, batch_first=True) and a ScratchBiRNN holding its weights."""
    torch.manual_seed(seed)
    rnn = nn.RNN(input_size, hidden_size, bidirectional=True, batch_first=True).double()
    return rnn, ScratchBiRNN(input_size, hidden_size).copy_from(rnn)


def torch_packed(rnn, x, lengths):
    """nn.RNN's (output, h_n) for a padded batch, run packed and padded back to x's T."""
    packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
    output, h_n = rnn(packed)
    return pad_packed_sequence(output, batch_first=True, total_length=x.shape[1])[0], h_n


def random_input(n, seq_len, input_size, seed=0):
    return torch.randn(n, seq_len, input_size, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))


@PROPERTY
@given(case=cases())
def test_scratch_matches_nn_rnn_output_and_h_n(case):
    seed, n, seq_len, input_size, hidden_size, _ = case
    rnn, scratch = copied_pair(input_size, hidden_size, seed)
    x = random_input(n, seq_len, input_size, seed)
    (output, h_n), (expected_output, expected_h_n) = scratch(x), rnn(x)
    assert torch.allclose(output, expected_output, rtol=0, atol=1e-6)
    assert torch.allclose(h_n, expected_h_n, rtol=0, atol=1e-6)


@PROPERTY
@given(case=cases())
def test_scratch_with_lengths_matches_nn_rnn_on_a_packed_batch(case):
    seed, n, seq_len, input_size, hidden_size, lengths = case
    rnn, scratch = copied_pair(input_size, hidden_size, seed)
    x = random_input(n, seq_len, input_size, seed)
    (output, h_n), (expected_output, expected_h_n) = scratch(x, torch.tensor(lengths)), torch_packed(rnn, x, lengths)
    assert torch.allclose(output, expected_output, rtol=0, atol=1e-6)
    assert torch.allclose(h_n, expected_h_n, rtol=0, atol=1e-6)


def test_scratch_output_is_zero_at_padded_steps():
    _, scratch = copied_pair(3, 4)
    output, _ = scratch(random_input(2, 6, 3), [2, 6])
    assert output[0, 2:].eq(0).all() and output[1].ne(0).any()


def test_scratch_h_n_holds_each_sequences_own_final_states():
    _, scratch = copied_pair(3, 4)
    output, h_n = scratch(random_input(2, 6, 3), [2, 6])
    assert torch.equal(h_n[0], output[[0, 1], [1, 5], :4])  # forward: at the last valid step
    assert torch.equal(h_n[1], output[:, 0, 4:])  # backward: at step 0


def test_scratch_ignores_what_the_padding_holds():
    _, scratch = copied_pair(3, 4)
    x = random_input(2, 6, 3)
    noisy = x.clone()
    noisy[0, 2:] = 100.0
    assert all(torch.equal(a, b) for a, b in zip(scratch(x, [2, 6]), scratch(noisy, [2, 6])))


def test_scratch_gradients_reach_every_parameter():
    _, scratch = copied_pair(3, 4)
    output, h_n = scratch(random_input(2, 5, 3), [5, 3])
    (output.sum() + h_n.sum()).backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in scratch.parameters())


def test_copy_from_copies_every_parameter_and_returns_the_model():
    rnn, scratch = copied_pair(3, 4)
    assert all(torch.equal(p, getattr(rnn, name)) for name, p in scratch.named_parameters())
    assert len(list(scratch.parameters())) == 8


def test_copy_from_accepts_a_time_first_float32_rnn():
    torch.manual_seed(0)
    rnn = nn.RNN(3, 4, bidirectional=True)
    scratch = ScratchBiRNN(3, 4).copy_from(rnn)
    x = random_input(2, 5, 3)
    assert torch.allclose(scratch(x)[0].float(), rnn(x.float().transpose(0, 1))[0].transpose(0, 1), atol=1e-5)


# --- run_direction --------------------------------------------------------------------------


def direction_weights(input_size=3, hidden_size=4):
    generator = torch.Generator().manual_seed(1)
    shapes = ((hidden_size, input_size), (hidden_size, hidden_size), (hidden_size,), (hidden_size,))
    return [torch.randn(shape, dtype=torch.float64, generator=generator) * 0.5 for shape in shapes]


def test_backward_direction_is_the_forward_loop_over_the_reversed_sequence_re_reversed():
    x = random_input(2, 5, 3)
    backward, _ = run_direction(x, *direction_weights(), reverse=True)
    forward_over_reversed, _ = run_direction(x.flip(1), *direction_weights())
    assert torch.equal(backward, forward_over_reversed.flip(1))


def test_backward_direction_starts_at_each_sequences_own_last_step():
    x = random_input(2, 6, 3)
    backward, h_last = run_direction(x, *direction_weights(), reverse=True, lengths=[3, 6])
    alone, alone_last = run_direction(x[:1, :3], *direction_weights(), reverse=True)
    # A batch of 2 and a batch of 1 may take different BLAS kernels, so equal only up to float64 rounding.
    assert torch.allclose(backward[:1, :3], alone, rtol=0, atol=1e-12)
    assert torch.allclose(h_last[:1], alone_last, rtol=0, atol=1e-12)


def test_forward_h_last_is_the_output_at_the_last_valid_step():
    outputs, h_last = run_direction(random_input(2, 6, 3), *direction_weights(), lengths=torch.tensor([4, 6]))
    assert torch.equal(h_last, outputs[[0, 1], [3, 5]])


def test_run_direction_rejects_a_recurrent_weight_of_the_wrong_shape_naming_it():
    W_ih, _, b_ih, b_hh = direction_weights()
    with pytest.raises(ValueError, match=r"W_hh must have shape \(4, 4\) \(H_out = W_ih.shape\[0\] = 4\)"):
        run_direction(random_input(2, 5, 3), W_ih, torch.zeros(4, 3, dtype=torch.float64), b_ih, b_hh)


def test_run_direction_rejects_a_bias_of_another_dtype_naming_it():
    W_ih, W_hh, b_ih, b_hh = direction_weights()
    with pytest.raises(TypeError, match="b_hh must have W_ih's dtype torch.float64"):
        run_direction(random_input(2, 5, 3), W_ih, W_hh, b_ih, b_hh.float())


def test_run_direction_rejects_input_whose_features_do_not_fit_w_ih():
    with pytest.raises(ValueError, match="x has 2 features on its last axis but the RNN was built with input_size=3"):
        run_direction(random_input(2, 5, 2), *direction_weights())


def test_run_direction_rejects_lengths_longer_than_the_input():
    with pytest.raises(ValueError, match="lengths go up to 6 .* only L=5 steps"):
        run_direction(random_input(2, 5, 3), *direction_weights(), lengths=[6, 1])


# --- bad arguments -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rnn, error, match",
    [
        (nn.GRU(3, 4, bidirectional=True), TypeError, "rnn must be an nn.RNN .*, got GRU"),
        (nn.RNN(3, 4), ValueError, "rnn must be built with bidirectional=True to match"),
        (nn.RNN(3, 4, num_layers=2, bidirectional=True), ValueError, "num_layers=1"),
        (nn.RNN(3, 4, nonlinearity="relu", bidirectional=True), ValueError, "nonlinearity='tanh'"),
        (nn.RNN(3, 5, bidirectional=True), ValueError, "hidden_size=4"),
        (nn.RNN(2, 4, bidirectional=True), ValueError, "input_size=3"),
    ],
)
def test_copy_from_rejects_an_rnn_that_does_not_match(rnn, error, match):
    with pytest.raises(error, match=match):
        ScratchBiRNN(3, 4).copy_from(rnn)


def test_scratch_rejects_float32_input_to_float64_weights():
    with pytest.raises(TypeError, match=r"x is torch.float32 but the model's weights are torch.float64"):
        ScratchBiRNN(3, 4)(torch.randn(2, 5, 3))


def test_scratch_rejects_a_2d_input_suggesting_unsqueeze():
    with pytest.raises(ValueError, match=r"x must be 3-D \(N, L, H_in\).*x.unsqueeze\(0\)"):
        ScratchBiRNN(3, 4)(random_input(1, 5, 3)[0])


def test_scratch_rejects_an_integer_dtype_argument():
    with pytest.raises(TypeError, match="dtype must be a floating torch dtype"):
        ScratchBiRNN(3, 4, dtype=torch.int64)


def test_scratch_rejects_a_zero_hidden_size_naming_it():
    with pytest.raises(ValueError, match="hidden_size must be >= 1"):
        ScratchBiRNN(3, 0)


@pytest.mark.parametrize("reverse", ["yes", 1, None, [True]])
def test_run_direction_reverse_must_be_true_or_false(reverse):
    with pytest.raises(TypeError, match="reverse must be True or False"):
        run_direction(random_input(2, 5, 3), *direction_weights(), reverse=reverse)
