"""Specification of course_utils.shapes: parameter counts, expected shapes, the shape table, the guard."""

import pytest
import torch
from torch import nn

from course_utils.shapes import (
    BatchFirstError,
    check_batch_first,
    expected_shapes,
    rnn_parameter_count,
    shape_table,
    split_directions,
)

MODULES = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


def numel(module):
    return sum(p.numel() for p in module.parameters())


# --- rnn_parameter_count ------------------------------------------------------


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_closed_form_count_equals_the_modules_numel(cell, num_layers, bidirectional):
    module = MODULES[cell](8, 10, num_layers=num_layers, bidirectional=bidirectional)
    assert rnn_parameter_count(cell, 8, 10, num_layers, bidirectional) == numel(module)


def test_closed_form_count_covers_layers_without_bias():
    module = nn.GRU(5, 4, num_layers=2, bidirectional=True, bias=False)
    assert rnn_parameter_count("gru", 5, 4, 2, True, bias=False) == numel(module)


def test_closed_form_count_covers_lstm_projections():
    module = nn.LSTM(5, 6, num_layers=2, bidirectional=True, proj_size=3)
    assert rnn_parameter_count("lstm", 5, 6, 2, True, proj_size=3) == numel(module)


def test_bidirectional_doubles_a_single_layer_count():
    assert rnn_parameter_count("rnn", 8, 10, bidirectional=True) == 2 * rnn_parameter_count("rnn", 8, 10) == 400


def test_count_accepts_upper_case_cell_names():
    assert rnn_parameter_count("LSTM", 8, 10) == rnn_parameter_count("lstm", 8, 10)


def test_unknown_cell_error_lists_the_valid_names():
    with pytest.raises(ValueError, match=r"cell must be one of 'rnn', 'gru', 'lstm', got str 'transformer'"):
        rnn_parameter_count("transformer", 8, 10)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"hidden_size": 0}, ValueError, "hidden_size must be >= 1, got 0"),
        ({"input_size": 2.5}, TypeError, "input_size must be an int"),
        ({"bidirectional": "both"}, TypeError, "bidirectional must be True or False"),
        ({"cell": "gru", "proj_size": 2}, ValueError, "proj_size must be 0, or smaller than hidden_size"),
        ({"proj_size": 10}, ValueError, "proj_size must be 0, or smaller than hidden_size=10"),
    ],
)
def test_count_rejects_bad_arguments_naming_them(kwargs, error, match):
    arguments = {"cell": "lstm", "input_size": 8, "hidden_size": 10, **kwargs}
    with pytest.raises(error, match=match):
        rnn_parameter_count(**arguments)


# --- expected_shapes ------------------------------------------------------------


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_expected_shapes_match_what_torch_returns(cell, bidirectional, batch_first):
    module = MODULES[cell](5, 3, num_layers=2, bidirectional=bidirectional, batch_first=batch_first)
    x = torch.randn((4, 7, 5) if batch_first else (7, 4, 5))
    output, hidden = module(x)
    states = {"h_n": hidden[0], "c_n": hidden[1]} if cell == "lstm" else {"h_n": hidden}
    actual = {"output": tuple(output.shape), **{name: tuple(s.shape) for name, s in states.items()}}
    assert expected_shapes(cell, 4, 7, 5, 3, 2, bidirectional, batch_first) == actual


def test_expected_shapes_of_the_quiz_example():
    assert expected_shapes("rnn", 4, 7, 5, 3, bidirectional=True, batch_first=True) == {
        "output": (4, 7, 6),
        "h_n": (2, 4, 3),
    }


def test_expected_shapes_rejects_a_zero_batch_naming_batch_size():
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        expected_shapes("rnn", 0, 7, 5, 3)


# --- split_directions -------------------------------------------------------------


def two_layer_birnn():
    torch.manual_seed(0)
    return nn.RNN(5, 3, num_layers=2, bidirectional=True, batch_first=True), torch.randn(4, 7, 5)


def test_split_directions_gives_layers_directions_batch_hidden():
    rnn, x = two_layer_birnn()
    assert split_directions(rnn(x)[1], num_layers=2).shape == (2, 2, 4, 3)


def test_split_directions_last_layer_forward_is_the_last_steps_forward_half():
    rnn, x = two_layer_birnn()
    output, h_n = rnn(x)
    assert torch.equal(split_directions(h_n, 2)[-1, 0], output[:, -1, :3])


def test_split_directions_last_layer_backward_is_the_first_steps_backward_half():
    rnn, x = two_layer_birnn()
    output, h_n = rnn(x)
    assert torch.equal(split_directions(h_n, 2)[-1, 1], output[:, 0, 3:])


def test_split_directions_first_layer_holds_the_first_layers_final_states():
    rnn, x = two_layer_birnn()
    first_layer = nn.RNN(5, 3, bidirectional=True, batch_first=True)
    first_layer.load_state_dict({k: v for k, v in rnn.state_dict().items() if "_l0" in k})
    assert torch.allclose(split_directions(rnn(x)[1], 2)[0], first_layer(x)[1], atol=1e-6)


def test_split_directions_is_a_view_with_layer_1_forward_at_h_n_2():
    h_n = torch.zeros(4, 2, 3)
    split_directions(h_n, 2)[1, 0] += 1
    assert h_n[2].eq(1).all() and h_n[[0, 1, 3]].eq(0).all()


def test_split_directions_rejects_a_first_axis_that_is_not_twice_num_layers():
    with pytest.raises(ValueError, match=r"h_n must have D\*num_layers = 2\*2 = 4 entries on axis 0"):
        split_directions(torch.randn(2, 4, 3), num_layers=2)


def test_split_directions_points_lstm_users_to_the_first_element():
    with pytest.raises(TypeError, match=r"h_n must be a tensor, got a tuple: an LSTM returns \(h_n, c_n\)"):
        split_directions((torch.randn(2, 4, 3), torch.randn(2, 4, 3)), num_layers=1)


def test_split_directions_rejects_a_2d_h_n():
    with pytest.raises(ValueError, match="h_n must have 3 axes"):
        split_directions(torch.randn(2, 3), num_layers=1)


# --- check_batch_first ---------------------------------------------------------------


def card_rnn(batch_first=False):
    """The card's example: nn.RNN(input_size=8, hidden_size=4, bidirectional=True)."""
    return nn.RNN(8, 4, bidirectional=True, batch_first=batch_first)


def test_guard_catches_the_silent_batch_first_mistake():
    with pytest.raises(BatchFirstError):
        check_batch_first(card_rnn(), torch.randn(5, 10, 8), batch_size=5)


def test_guard_message_explains_the_reading_and_both_fixes():
    with pytest.raises(BatchFirstError) as caught:
        check_batch_first(card_rnn(), torch.randn(5, 10, 8), batch_size=5)
    assert str(caught.value) == (
        "this RNN has batch_first=False, so it reads x (5, 10, 8) as 5 time steps of a batch of 10, "
        "but you said the batch has 5 sequences: build the RNN with batch_first=True, or pass x.transpose(0, 1)"
    )


def test_batch_first_error_is_a_value_error():
    assert issubclass(BatchFirstError, ValueError)


def test_guard_passes_a_batch_first_rnn_with_the_stated_batch():
    assert check_batch_first(card_rnn(batch_first=True), torch.randn(5, 10, 8), batch_size=5) is None


def test_guard_passes_a_time_first_rnn_given_time_first_data():
    assert check_batch_first(card_rnn(), torch.randn(10, 5, 8), batch_size=5) is None


def test_guard_raises_for_batch_first_layout_on_a_time_first_rnn():
    with pytest.raises(BatchFirstError, match="but you said x is laid out NTF: build the RNN with batch_first=True"):
        check_batch_first(card_rnn(), torch.randn(5, 10, 8), layout="NTF")


def test_guard_raises_for_time_first_layout_on_a_batch_first_rnn():
    with pytest.raises(BatchFirstError, match="reads x \\(10, 5, 8\\) as a batch of 10 sequences of 5 steps"):
        check_batch_first(card_rnn(batch_first=True), torch.randn(10, 5, 8), layout="TNF")


def test_guard_passes_a_matching_layout():
    assert check_batch_first(card_rnn(), torch.randn(5, 10, 8), layout="tnf") is None


def test_guard_cannot_tell_layouts_apart_when_both_axes_equal_the_batch_size():
    assert check_batch_first(card_rnn(), torch.randn(5, 5, 8), batch_size=5) is None


def test_guard_layout_decides_even_when_both_axes_equal_the_batch_size():
    with pytest.raises(BatchFirstError):
        check_batch_first(card_rnn(), torch.randn(5, 5, 8), layout="NTF")


def test_guard_rejects_a_batch_size_found_on_neither_axis():
    with pytest.raises(ValueError, match=r"batch_size=7 matches neither axis 0 nor axis 1 of x \(5, 10, 8\)"):
        check_batch_first(card_rnn(), torch.randn(5, 10, 8), batch_size=7)


def test_guard_rejects_a_layout_that_disagrees_with_batch_size():
    with pytest.raises(ValueError, match="the two statements disagree"):
        check_batch_first(card_rnn(), torch.randn(5, 10, 8), batch_size=5, layout="TNF")


def test_guard_needs_a_stated_batch_size_or_layout():
    with pytest.raises(TypeError, match="check_batch_first needs batch_size or layout"):
        check_batch_first(card_rnn(), torch.randn(5, 10, 8))


def test_guard_rejects_an_unknown_layout_listing_the_valid_ones():
    with pytest.raises(ValueError, match="layout must be 'NTF' .* or 'TNF'"):
        check_batch_first(card_rnn(), torch.randn(5, 10, 8), layout="BTF")


def test_guard_rejects_a_2d_input_suggesting_unsqueeze_on_the_batch_axis():
    with pytest.raises(ValueError, match=r"x must be 3-D \(L, N, H_in\).*use x.unsqueeze\(1\)"):
        check_batch_first(card_rnn(), torch.randn(10, 8), batch_size=1)


def test_guard_rejects_a_wrong_feature_size_naming_input_size():
    with pytest.raises(ValueError, match="x has 5 features on its last axis but the RNN was built with input_size=8"):
        check_batch_first(card_rnn(), torch.randn(5, 10, 5), batch_size=5)


def test_guard_points_out_features_that_are_not_last():
    with pytest.raises(ValueError, match="axis 1 has 8 entries: the features must be last"):
        check_batch_first(card_rnn(), torch.randn(5, 8, 10), batch_size=5)


def test_guard_rejects_an_integer_input_suggesting_float():
    with pytest.raises(TypeError, match=r"x \(L, N, H_in\) must be a floating-point tensor \(e.g. .float\(\)\)"):
        check_batch_first(card_rnn(), torch.ones(5, 10, 8, dtype=torch.int64), batch_size=5)


def test_guard_rejects_a_module_that_is_not_an_rnn():
    with pytest.raises(TypeError, match="rnn must be an nn.RNN, nn.GRU or nn.LSTM, got Linear"):
        check_batch_first(nn.Linear(8, 4), torch.randn(5, 10, 8), batch_size=5)


# --- shape_table -------------------------------------------------------------------------

QUIZ_TABLE = """\
RNN(5, 3, batch_first=True, bidirectional=True)
tensor                shape      axes                                     note
--------------------  ---------  ---------------------------------------  ---------------------------------------------
input x               (4, 7, 5)  (N=batch 4, L=steps 7, H_in=features 5)  batch first
output                (4, 7, 6)  (N=batch 4, L=steps 7, D*H_out=2*3)      last layer; forward half, then backward half
h_n                   (2, 4, 3)  (D*num_layers=2*1, N=batch 4, H_out=3)   never batch-first, even with batch_first=True
weight_ih_l0          (3, 5)     (H_out=3, H_in=5)                        layer 0, forward
weight_hh_l0          (3, 3)     (H_out=3, H_out=3)                       layer 0, forward
bias_ih_l0            (3,)       (H_out=3)                                layer 0, forward
bias_hh_l0            (3,)       (H_out=3)                                layer 0, forward
weight_ih_l0_reverse  (3, 5)     (H_out=3, H_in=5)                        layer 0, backward
weight_hh_l0_reverse  (3, 3)     (H_out=3, H_out=3)                       layer 0, backward
bias_ih_l0_reverse    (3,)       (H_out=3)                                layer 0, backward
bias_hh_l0_reverse    (3,)       (H_out=3)                                layer 0, backward
parameters: 60 in total"""


def quiz_table():
    return shape_table(nn.RNN(5, 3, bidirectional=True, batch_first=True), torch.randn(4, 7, 5))


def test_shape_table_text_of_the_quiz_example():
    assert str(quiz_table()) == QUIZ_TABLE


def test_shape_table_repr_is_its_stable_text():
    assert repr(quiz_table()) == str(quiz_table()) and "0x" not in repr(quiz_table())


def test_shape_table_html_is_a_table_with_every_row():
    page = quiz_table()._repr_html_()
    assert page.count("<tr>") == 1 + 3 + 8 and "<table>" in page


def test_shape_table_looks_rows_up_by_name():
    assert quiz_table()["output"].shape == (4, 7, 6)


def test_shape_table_lists_c_n_for_an_lstm():
    table = shape_table(nn.LSTM(8, 6, num_layers=2), torch.randn(7, 4, 8))
    assert table["c_n"].shape == (2, 4, 6) and table["c_n"].axes == "(D*num_layers=1*2, N=batch 4, H_cell=6)"


def test_shape_table_names_gate_blocks_of_a_gru():
    table = shape_table(nn.GRU(8, 4), torch.randn(7, 4, 8))
    assert table["weight_ih_l0"].axes == "(gates*H_out=3*4 [r|z|n], H_in=8)"


def test_shape_table_second_layer_reads_both_directions_outputs():
    table = shape_table(nn.LSTM(8, 6, num_layers=2, bidirectional=True), torch.randn(7, 4, 8))
    assert table["weight_ih_l1_reverse"].axes == "(gates*H_out=4*6 [i|f|g|o], D*H_out=2*6)"


def test_shape_table_reads_time_first_input_as_steps_then_batch():
    table = shape_table(nn.RNN(8, 4), torch.randn(5, 10, 8))
    assert table["input x"].axes == "(L=steps 5, N=batch 10, H_in=features 8)"


@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
def test_shape_table_has_a_row_for_every_parameter():
    rnn = nn.LSTM(8, 6, num_layers=2, bidirectional=True, proj_size=2)
    table = shape_table(rnn, torch.randn(7, 4, 8))
    assert {name: tuple(p.shape) for name, p in rnn.named_parameters()} == {
        row.name: row.shape for row in table.rows[4:]
    }


def test_shape_table_rejects_input_with_the_wrong_feature_size():
    with pytest.raises(ValueError, match="input_size=5"):
        shape_table(nn.RNN(5, 3), torch.randn(4, 7, 6))


def test_shape_table_rejects_a_module_that_is_not_an_rnn():
    with pytest.raises(TypeError, match="rnn must be an nn.RNN"):
        shape_table(nn.Linear(5, 3), torch.randn(4, 7, 5))
