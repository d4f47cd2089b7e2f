"""The notebooks' explorers, driven from Python by setting their controls as a learner would."""

import html
import re

import ipywidgets as widgets
import pytest
import torch

from course_utils.lessons.concept import PipelineViewer, pipeline_stages
from course_utils.lessons.shapes import ShapeExplorer
from course_utils.models import SequenceTagger

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
N, T, F, H, C = 6, 4, 3, 5, 7

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # the layers here are tiny


@pytest.fixture
def tagger():
    torch.manual_seed(0)
    return SequenceTagger(F, H, C)


@pytest.fixture
def x():
    return torch.randn(N, T, F, generator=torch.Generator().manual_seed(1))


@pytest.fixture
def viewer(tagger, x):
    return PipelineViewer(tagger, x)


def marked_line(text):
    return next(line for line in text.splitlines() if line.startswith("->"))


# ----------------------------------------------------------------- pipeline_stages


def test_pipeline_stages_have_the_reference_shapes(tagger, x):
    shapes = [tuple(stage.tensor.shape) for stage in pipeline_stages(tagger, x)]
    assert shapes == [(N, T, F), (N, T, 2 * H), (N, T, C), (N, T, C)]


def test_pipeline_logits_are_the_models_output(tagger, x):
    logits = pipeline_stages(tagger, x)[2].tensor
    with torch.no_grad():
        assert torch.allclose(logits, tagger(x))


def test_pipeline_probabilities_sum_to_one_at_every_step(tagger, x):
    probabilities = pipeline_stages(tagger, x)[3].tensor
    assert torch.allclose(probabilities.sum(-1), torch.ones(N, T))


def test_pipeline_of_a_forward_only_tagger_has_h_features():
    stages = pipeline_stages(SequenceTagger(F, H, C, bidirectional=False), torch.zeros(2, T, F))
    assert stages[1].tensor.shape[-1] == H and stages[1].axes == "(N, L, H_out)"


def test_pipeline_stages_leave_the_model_in_training_mode(tagger, x):
    tagger.train()
    pipeline_stages(tagger, x)
    assert tagger.training


def test_pipeline_stages_reject_a_model_that_is_not_a_tagger(x):
    with pytest.raises(TypeError, match="SequenceTagger"):
        pipeline_stages(torch.nn.RNN(F, H), x)


def test_pipeline_stages_reject_the_wrong_feature_size(tagger):
    with pytest.raises(ValueError, match="input_size=3"):
        pipeline_stages(tagger, torch.zeros(N, T, F + 1))


# ----------------------------------------------------------------- PipelineViewer


def test_viewer_starts_at_the_input_stage(viewer):
    marked = marked_line(viewer.text())
    assert marked.startswith("-> 1 input ") and f"({N}, {T}, {F})" in marked


def test_choosing_a_stage_moves_the_marker_and_redraws(viewer):
    before = viewer.image.value
    viewer.stage.value = 1
    assert "2 bidirectional RNN" in marked_line(viewer.text())
    assert f"({N}, {T}, {2 * H})" in marked_line(viewer.text())
    assert viewer.image.value != before and 'src="data:image/png;base64,iVBORw0KGgo' in viewer.image.value


def test_next_and_previous_step_through_the_stages(viewer):
    for _ in range(5):  # more clicks than stages: it stops at the last one
        viewer.next.click()
    assert viewer.stage.value == 3 and viewer.next.disabled and "softmax" in marked_line(viewer.text())
    viewer.previous.click()
    assert viewer.stage.value == 2 and not viewer.next.disabled


def test_previous_is_disabled_at_the_first_stage(viewer):
    viewer.previous.click()
    assert viewer.stage.value == 0 and viewer.previous.disabled


def test_choosing_another_sequence_redraws_the_heat_map(viewer):
    before = viewer.image.value
    viewer.sequence.value = 3
    assert viewer.image.value != before
    assert "heat map of sequence 3 of 6" in viewer.text() and "tensor[3]" in viewer.info.value


def test_viewer_info_shades_the_current_stage(viewer):
    viewer.stage.value = 2
    shaded = re.search(r"<tr style='background:[^']+'>(.*?)</tr>", viewer.info.value).group(1)
    assert "3 linear layer" in shaded


def test_viewer_text_plain_is_its_stable_text(viewer):
    bundle = viewer._repr_mimebundle_()
    assert bundle["text/plain"] == viewer.text() == repr(viewer)
    assert WIDGET_MIME in bundle
    assert not re.search(r"[0-9a-f]{32}|0x[0-9a-f]{6,}", bundle["text/plain"])


def alt_text(image_html):
    return html.unescape(re.fullmatch(r'<img alt="([^"]*)".*>', image_html).group(1))


def test_viewer_heat_map_says_what_it_shows_in_its_alt_text(viewer):
    first = alt_text(viewer.image.value)
    assert first.startswith("Heat map of stage 1, input: sequence 0, shape (4, 3): rows are time steps t = 0 to 3")
    assert "columns feature d = 0 to 2" in first
    viewer.stage.value = 1
    assert "The forward direction fills columns 0 to 4, the backward one columns 5 to 9." in alt_text(
        viewer.image.value
    )
    viewer.stage.value = 3
    assert "columns class c = 0 to 6" in alt_text(viewer.image.value)


def controls(box):
    """Every widget a learner can operate inside `box`, however deeply nested."""
    found = []
    for child in box.children:
        if isinstance(child, widgets.Box):
            found += controls(child)
        elif isinstance(child, (widgets.Button, widgets.ValueWidget)) and not isinstance(child, widgets.HTML):
            found.append(child)
    return found


def assert_named_and_keyboard_friendly(control):
    """Named for a screen reader, and not a kind whose keys JupyterLab takes or whose handle has no name."""
    assert not isinstance(control, (widgets.IntSlider, widgets.Dropdown)), type(control).__name__
    assert control.description
    if isinstance(control, widgets.ToggleButtons):  # each button is named by its label, and explained
        assert all(label for label in control._options_labels)
        assert len(control.tooltips) == len(control._options_labels)
    elif not isinstance(control, widgets.Button):
        assert isinstance(control, (widgets.BoundedIntText, widgets.Checkbox)), type(control).__name__


def test_every_control_of_the_viewer_is_named_and_works_from_the_keyboard(viewer):
    found = controls(viewer)
    assert {viewer.stage, viewer.previous, viewer.next, viewer.sequence} == set(found)
    for control in found:
        assert_named_and_keyboard_friendly(control)


def test_viewer_rejects_a_sequence_outside_the_batch(tagger, x):
    with pytest.raises(ValueError, match="0..5"):
        PipelineViewer(tagger, x, sequence=N)


# ----------------------------------------------------------------- ShapeExplorer


def rows_by_name(explorer):
    return {row[0]: row for row in explorer.rows()}


def test_explorer_predictions_match_torch_by_default():
    rows = ShapeExplorer().rows()
    assert all(row[4] == "yes" for row in rows), rows


def test_explorer_shows_lstm_shapes_with_c_n():
    rows = rows_by_name(ShapeExplorer(cell="lstm", batch=3, length=5, features=8, hidden=6, layers=2))
    assert rows["output"][3] == "(3, 5, 12)" and rows["h_n"][3] == "(4, 3, 6)" and rows["c_n"][3] == "(4, 3, 6)"


def test_turning_batch_first_off_swaps_the_output_axes_but_not_h_n():
    explorer = ShapeExplorer(cell="lstm", batch=3, length=5, features=8, hidden=6, layers=2)
    explorer.batch_first.value = False
    rows = rows_by_name(explorer)
    assert rows["output"][1:4] == ("(L, N, D*H_out)", "(5, 3, 12)", "(5, 3, 12)")
    assert rows["h_n"][3] == "(4, 3, 6)"
    assert "input x: (L, N, H_in) = (5, 3, 8)" in explorer.text()


def test_turning_bidirectional_off_halves_the_output_features_and_the_states():
    explorer = ShapeExplorer(hidden=6, layers=2)
    explorer.bidirectional.value = False
    rows = rows_by_name(explorer)
    assert rows["output"][3].endswith(", 6)") and rows["h_n"][3].startswith("(2,")


def test_changing_the_cell_to_rnn_drops_c_n_and_changes_the_count():
    explorer = ShapeExplorer(cell="lstm")
    lstm_count = rows_by_name(explorer)["parameters"][3]
    explorer.cell.value = "rnn"
    rows = rows_by_name(explorer)
    assert "c_n" not in rows and rows["parameters"][3] != lstm_count and rows["parameters"][4] == "yes"


def test_a_second_layer_reads_both_directions():
    explorer = ShapeExplorer(cell="gru", hidden=6, layers=1)
    assert "weight_ih_l1" not in rows_by_name(explorer)
    explorer.layers.value = 2
    assert rows_by_name(explorer)["weight_ih_l1"][2:] == ("(18, 12)", "(18, 12)", "yes")


def test_explorer_table_follows_every_number_box():
    explorer = ShapeExplorer()
    before = explorer.table.value
    settings = ((explorer.batch, 9), (explorer.length, 11), (explorer.features, 2), (explorer.hidden, 7))
    for box, value in settings:
        box.value = value
    assert explorer.table.value != before
    assert rows_by_name(explorer)["output"][3] == "(9, 11, 14)"
    assert "nn.LSTM(2, 7," in explorer.text()


def test_every_control_of_the_explorer_is_named_and_works_from_the_keyboard():
    explorer = ShapeExplorer()
    found = controls(explorer)
    assert len(found) == 8  # cell, five sizes, two checkboxes
    for control in found:
        assert_named_and_keyboard_friendly(control)
    assert [control.description for control in found[1:4]] == [
        "batch size N",
        "sequence length L",
        "input features H_in",
    ]


def test_explorer_leaves_the_global_random_state_alone():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    explorer = ShapeExplorer()
    explorer.hidden.value = 9
    assert torch.equal(torch.rand(3), expected)


def test_explorer_text_plain_is_its_stable_text():
    explorer = ShapeExplorer(cell="gru", features=8, hidden=6, layers=2)
    bundle = explorer._repr_mimebundle_()
    assert bundle["text/plain"] == explorer.text() == repr(explorer)
    assert explorer.text().startswith("Shape explorer\nlayer:   nn.GRU(8, 6, num_layers=2")


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"cell": "transformer"}, ValueError),
        ({"batch": 0}, ValueError),
        ({"layers": 5}, ValueError),
        ({"hidden": 2.5}, TypeError),
        ({"bidirectional": "yes"}, TypeError),
    ],
)
def test_explorer_rejects_bad_settings(kwargs, error):
    with pytest.raises(error):
        ShapeExplorer(**kwargs)


def test_viewer_keeps_heat_maps_of_one_sequence_only(viewer):
    viewer.next.click()
    viewer.sequence.value = 2
    viewer.next.click()
    assert sorted(viewer._images) == [(1, 2), (2, 2)]
