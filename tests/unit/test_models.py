"""Specification of course_utils.models: tagger, classifier, packing helpers, parameter budgets."""

import warnings

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from course_utils.models import (
    SequenceClassifier,
    SequenceTagger,
    build_tagger_pair,
    check_module,
    count_parameters,
    last_layer_states,
    pack_batch,
    unpack_batch,
    validate_lengths,
)
from course_utils.shapes import rnn_parameter_count

CELLS = ["rnn", "gru", "lstm"]
PROPERTY = settings(max_examples=25, deadline=None, derandomize=True, database=None)


@st.composite
def padded_batches(draw):
    """(seed, N, T, lengths) with every length in [1, T]."""
    n, seq_len = draw(st.integers(1, 4)), draw(st.integers(1, 6))
    lengths = draw(st.lists(st.integers(1, seq_len), min_size=n, max_size=n))
    return draw(st.integers(0, 2**16)), n, seq_len, lengths


def double_model(model_class, cell, seed=0, **kwargs):
    torch.manual_seed(seed)
    return model_class(3, 4, 5, cell=cell, **kwargs).double().eval()


def padded_input(lengths, seq_len, seed=0):
    """A float64 batch (N, T, 3) whose padded steps hold large values, so reading them shows."""
    x = torch.randn(len(lengths), seq_len, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    padding = torch.arange(seq_len) >= torch.tensor(lengths).unsqueeze(1)
    return x.masked_fill(padding.unsqueeze(-1), 50.0)


# --- SequenceTagger -----------------------------------------------------------------------


@pytest.mark.parametrize("cell", CELLS)
def test_tagger_returns_one_logit_vector_per_step(cell):
    assert SequenceTagger(8, 10, 5, cell=cell)(torch.randn(4, 7, 8)).shape == (4, 7, 5)


def test_tagger_reference_pipeline_shapes():
    model = SequenceTagger(8, 10, 5)
    assert model.rnn.batch_first and model.rnn(torch.randn(1000, 10, 8))[0].shape == (1000, 10, 20)
    assert model.head.in_features == 20 and model.head.out_features == 5


def test_forward_only_tagger_head_reads_h_features():
    assert SequenceTagger(8, 10, 5, bidirectional=False).head.in_features == 10


@pytest.mark.parametrize("cell", CELLS)
@PROPERTY
@given(batch=padded_batches())
def test_packed_tagger_gives_each_sequence_the_logits_it_gets_alone(cell, batch):
    seed, _, seq_len, lengths = batch
    model = double_model(SequenceTagger, cell, seed)
    x = padded_input(lengths, seq_len, seed)
    logits = model(x, torch.tensor(lengths))
    for n, length in enumerate(lengths):
        alone = model(x[n : n + 1, :length])[0]
        assert torch.allclose(logits[n, :length], alone, atol=1e-10)


def test_packed_tagger_gives_padded_steps_the_heads_bias():
    model = double_model(SequenceTagger, "gru")
    logits = model(padded_input([2, 5], 5), torch.tensor([2, 5]))
    assert torch.allclose(logits[0, 2:], model.head.bias.expand(3, 5))


def test_tagger_accepts_lengths_as_a_list():
    model = double_model(SequenceTagger, "rnn")
    x = padded_input([3, 1], 4)
    assert torch.equal(model(x, [3, 1]), model(x, torch.tensor([3, 1])))


def test_unpacked_padding_changes_the_backward_states():
    """Why the tagger packs: run unpacked, the backward direction reads the padding first."""
    model = double_model(SequenceTagger, "rnn")
    x = padded_input([2, 5], 5)
    assert not torch.allclose(model(x)[0, :2], model(x, [2, 5])[0, :2])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_tagger_on_cuda_takes_cuda_lengths_and_cpu_input():
    model = SequenceTagger(3, 4, 5).cuda()
    lengths = torch.tensor([2, 4], device="cuda")
    assert model(torch.randn(2, 4, 3), lengths).device.type == "cuda"


# --- dropout --------------------------------------------------------------------------------------


def test_one_layer_model_passes_no_dropout_to_the_rnn_and_torch_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = SequenceTagger(8, 10, 5, dropout=0.3)
    assert model.rnn.dropout == 0.0 and model.dropout.p == 0.3


def test_stacked_model_passes_dropout_between_layers():
    assert SequenceTagger(8, 10, 5, num_layers=2, dropout=0.3).rnn.dropout == 0.3


def test_dropout_acts_on_a_one_layer_model_in_training_mode():
    torch.manual_seed(0)
    model = SequenceTagger(8, 10, 5, dropout=0.5).train()
    x = torch.randn(4, 7, 8)
    assert not torch.equal(model(x), model(x))


# --- SequenceClassifier ---------------------------------------------------------------------


def summary_from_output(output, lengths, hidden_size):
    """[forward half at each sequence's last valid step, backward half at step 0]: (N, 2H)."""
    last = torch.tensor(lengths) - 1
    forward_last = output[torch.arange(len(lengths)), last, :hidden_size]
    return torch.cat([forward_last, output[:, 0, hidden_size:]], dim=-1)


@pytest.mark.parametrize("cell", CELLS)
def test_classifier_returns_one_logit_vector_per_sequence(cell):
    assert SequenceClassifier(8, 10, 5, cell=cell)(torch.randn(4, 7, 8)).shape == (4, 5)


@pytest.mark.parametrize("cell", CELLS)
def test_classifier_head_reads_forward_last_step_and_backward_first_step(cell):
    model = double_model(SequenceClassifier, cell, num_layers=2)
    lengths = [3, 6, 1]
    x = padded_input(lengths, 6)
    output, _ = model.rnn(nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths), True, False))
    output, _ = nn.utils.rnn.pad_packed_sequence(output, batch_first=True, total_length=6)
    expected = model.head(summary_from_output(output, lengths, 4))
    assert torch.allclose(model(x, lengths), expected, atol=1e-12)


def test_classifier_differs_from_a_head_over_the_last_output_step():
    model = double_model(SequenceClassifier, "lstm")
    x = padded_input([6, 6], 6)
    assert not torch.allclose(model(x), model.head(model.rnn(x)[0][:, -1]))


@pytest.mark.parametrize("cell", CELLS)
def test_packed_classifier_gives_each_sequence_the_logits_it_gets_alone(cell):
    model = double_model(SequenceClassifier, cell, num_layers=2)
    lengths = [4, 1, 6]
    x = padded_input(lengths, 6)
    logits = model(x, torch.tensor(lengths))
    for n, length in enumerate(lengths):
        assert torch.allclose(logits[n], model(x[n : n + 1, :length])[0], atol=1e-12)


# --- last_layer_states --------------------------------------------------------------------------


def test_last_layer_states_of_a_stacked_bidirectional_lstm():
    torch.manual_seed(0)
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    output, (h_n, _) = lstm(torch.randn(2, 5, 3))
    assert torch.allclose(last_layer_states(h_n, 2, True), summary_from_output(output, [5, 5], 4))


def test_last_layer_states_of_a_forward_only_rnn_is_the_last_output_step():
    torch.manual_seed(0)
    rnn = nn.GRU(3, 4, num_layers=3, batch_first=True)
    output, h_n = rnn(torch.randn(2, 5, 3))
    assert torch.allclose(last_layer_states(h_n, 3, False), output[:, -1])


def test_last_layer_states_rejects_the_lstm_tuple_with_a_hint():
    states = (torch.randn(2, 4, 3), torch.randn(2, 4, 3))
    with pytest.raises(TypeError, match=r"an LSTM returns \(h_n, c_n\), so pass its first element"):
        last_layer_states(states, 1, True)


def test_last_layer_states_rejects_a_layer_count_that_does_not_fit_h_n():
    with pytest.raises(ValueError, match=r"h_n must have D\*num_layers = 2\*2 = 4 entries"):
        last_layer_states(torch.randn(2, 4, 3), 2, True)


def test_last_layer_states_rejects_a_non_bool_bidirectional():
    with pytest.raises(TypeError, match="bidirectional must be True or False"):
        last_layer_states(torch.randn(2, 4, 3), 1, 2)


# --- bad arguments and inputs -------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"cell": "transformer"}, ValueError, "cell must be one of 'rnn', 'gru', 'lstm'"),
        ({"hidden_size": 0}, ValueError, "hidden_size must be >= 1, got 0"),
        ({"input_size": 8.0}, TypeError, "input_size must be an int"),
        ({"num_classes": True}, TypeError, "num_classes must be an int"),
        ({"num_layers": 0}, ValueError, "num_layers must be >= 1"),
        ({"bidirectional": "both"}, TypeError, "bidirectional must be True or False"),
        ({"dropout": 1.5}, ValueError, r"dropout must be in \[0, 1\), got 1.5"),
        ({"dropout": "0.1"}, TypeError, "dropout must be a number"),
    ],
)
@pytest.mark.parametrize("model_class", [SequenceTagger, SequenceClassifier])
def test_models_reject_bad_arguments_naming_them(model_class, kwargs, error, match):
    with pytest.raises(error, match=match):
        model_class(**{"input_size": 8, "hidden_size": 10, "num_classes": 5, **kwargs})


@pytest.mark.parametrize(
    "x, error, match",
    [
        (torch.randn(7, 8), ValueError, r"x must be 3-D \(N, L, H_in\).*use x.unsqueeze\(0\)"),
        (torch.randn(2, 3, 4, 8), ValueError, r"x \(N, L, H_in\) must have 3 axes"),
        (torch.randn(4, 7, 6), ValueError, "6 features on its last axis but the RNN was built with input_size=8"),
        (torch.ones(4, 7, 8, dtype=torch.int64), TypeError, r"must be a floating-point tensor \(e.g. .float\(\)\)"),
        (torch.randn(4, 7, 8, dtype=torch.float64), TypeError, r"x is torch.float64 but the model's weights are"),
        (torch.randn(0, 7, 8), ValueError, "x must hold at least one sequence"),
        ([[0.0] * 8], TypeError, "x must be a torch.Tensor, got list"),
    ],
)
def test_tagger_rejects_bad_input_naming_x(x, error, match):
    with pytest.raises(error, match=match):
        SequenceTagger(8, 10, 5)(x)


def test_tagger_rejects_a_packed_sequence_input():
    packed = pack_batch(torch.randn(2, 7, 8), [7, 3])
    with pytest.raises(TypeError, match="x must be a padded tensor"):
        SequenceTagger(8, 10, 5)(packed)


@pytest.mark.parametrize(
    "lengths, error, match",
    [
        ([7, 3], ValueError, "lengths has 2 entries but the batch has 4 sequences"),
        ([7, 3, 8, 1], ValueError, "lengths go up to 8 .* only L=7 steps"),
        ([7, 0, 2, 1], ValueError, "every length must be >= 1"),
        (torch.ones(4, 1, dtype=torch.int64), ValueError, "lengths must be 1-D"),
        (torch.ones(4), TypeError, "lengths must be an integer tensor"),
        ([], ValueError, "lengths is empty"),
    ],
)
def test_models_reject_bad_lengths_naming_lengths(lengths, error, match):
    with pytest.raises(error, match=match):
        SequenceClassifier(8, 10, 5)(torch.randn(4, 7, 8), lengths)


# --- packing helpers -------------------------------------------------------------------------------


def test_pack_then_unpack_restores_the_valid_steps_and_zeroes_padding():
    x = padded_input([3, 5, 1], 6)
    padded, lengths = unpack_batch(pack_batch(x, [3, 5, 1]), total_length=6)
    assert lengths.tolist() == [3, 5, 1]
    assert torch.equal(padded, x.masked_fill(x == 50.0, 0.0))


def test_pack_batch_accepts_unsorted_int32_lengths():
    packed = pack_batch(torch.randn(3, 4, 2), torch.tensor([1, 4, 2], dtype=torch.int32))
    assert packed.batch_sizes.tolist() == [3, 2, 1, 1]


def test_pack_batch_rejects_lengths_longer_than_the_padded_input():
    with pytest.raises(ValueError, match="lengths go up to 5 .* only L=4 steps"):
        pack_batch(torch.randn(2, 4, 3), [5, 2])


def test_pack_batch_rejects_a_1d_x():
    with pytest.raises(ValueError, match=r"x must be a padded batch \(N, L, \*\)"):
        pack_batch(torch.randn(4), [1])


def test_unpack_batch_rejects_a_padded_tensor_naming_packed():
    with pytest.raises(TypeError, match="packed must be a PackedSequence"):
        unpack_batch(torch.randn(2, 4, 3), 4)


def test_unpack_batch_rejects_a_total_length_shorter_than_the_longest_sequence():
    with pytest.raises(ValueError, match="total_length must be >= the longest sequence \\(4 steps\\), got 3"):
        unpack_batch(pack_batch(torch.randn(2, 4, 3), [4, 2]), 3)


def test_validate_lengths_returns_cpu_int64():
    lengths = validate_lengths(torch.tensor([3, 1], dtype=torch.int32), batch_size=2, max_len=3)
    assert lengths.dtype == torch.int64 and lengths.device.type == "cpu"


# --- parameter counts --------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", CELLS)
def test_count_parameters_is_the_rnn_closed_form_plus_the_head(cell):
    model = SequenceTagger(8, 10, 5, cell=cell, num_layers=2)
    assert count_parameters(model) == rnn_parameter_count(cell, 8, 10, 2, True) + 20 * 5 + 5


def test_count_parameters_rejects_a_tensor():
    with pytest.raises(TypeError, match="module must be a torch.nn.Module"):
        count_parameters(torch.randn(3))


def test_check_module_names_the_argument_what_it_should_be_and_what_it_got():
    check_module("model", torch.nn.Linear(2, 2))
    wrong = r"^tagger must be a torch.nn.Module \(a trained tagger\), got a torch.float32 tensor"
    with pytest.raises(TypeError, match=wrong):
        check_module("tagger", torch.zeros(2), "a trained tagger")
    with pytest.raises(TypeError, match=r"^model must be a torch.nn.Module, got"):
        check_module("model", "tagger")


def test_reference_tagger_pair_has_505_and_501_parameters():
    bidirectional, forward_only = build_tagger_pair()
    assert (count_parameters(bidirectional), count_parameters(forward_only)) == (505, 501)
    assert forward_only.rnn.hidden_size == 16 and not forward_only.rnn.bidirectional


@pytest.mark.parametrize("cell", CELLS)
def test_tagger_pair_forward_hidden_size_gives_the_closest_count(cell):
    bidirectional, forward_only = build_tagger_pair(cell=cell)
    target, hidden = count_parameters(bidirectional), forward_only.rnn.hidden_size
    gap = abs(count_parameters(forward_only) - target)
    for other in (hidden - 1, hidden + 1):
        assert abs(count_parameters(SequenceTagger(8, other, 5, cell=cell, bidirectional=False)) - target) >= gap
