"""Specification of course_utils.plots: each figure is returned, closed in pyplot, readable, and described."""

import base64
import html
import re

import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.figure import Figure

from course_utils.data import ceiling_by_position
from course_utils.plots import (
    describe_trend,
    finish_figure,
    plot_accuracy_by_position,
    plot_confusion_matrix,
    plot_direction_context,
    plot_history,
    plot_tensor_heatmap,
    subplots,
)
from course_utils.training import History


def history(val=True, epochs=3):
    rows = [
        {
            "epoch": e,
            "train_loss": 1 / e,
            "train_acc": 0.5 + e / 10,
            "seconds": 0.1,
            "val_loss": 1.1 / e if val else None,
            "val_acc": 0.45 + e / 10 if val else None,
        }
        for e in range(1, epochs + 1)
    ]
    return History(rows)


def legend_texts(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


FIGURES = {
    "history": lambda: plot_history(history()),
    "accuracy_by_position": lambda: plot_accuracy_by_position({"bi": torch.rand(10)}, ceiling=0.55),
    "confusion_matrix": lambda: plot_confusion_matrix(torch.eye(3, dtype=torch.long) * 5),
    "direction_context": lambda: plot_direction_context(),
    "tensor_heatmap": lambda: plot_tensor_heatmap(torch.randn(10, 20), "output", split=10),
}


@pytest.mark.parametrize("name", FIGURES)
def test_every_plot_returns_a_figure_closed_in_pyplot_that_still_renders(name):
    plt.close("all")
    fig = FIGURES[name]()
    assert isinstance(fig, Figure)
    assert plt.get_fignums() == []  # a notebook shows it once: as the cell's value, not again at the end
    assert fig.png().startswith(b"\x89PNG")  # what Jupyter shows under any backend


@pytest.mark.parametrize("name", FIGURES)
def test_every_plot_shows_its_description_on_the_image_and_as_its_text(name):
    fig = FIGURES[name]()
    data, metadata = fig._repr_mimebundle_()
    assert len(fig.description) > 40  # a sentence saying what it shows, not a placeholder
    assert data["text/plain"] == fig.description  # text front ends, nbconvert's text exports, nbval
    img = re.fullmatch(r'<img alt="([^"]*)" src="data:image/png;base64,([^"]+)">', data["text/html"])
    assert html.unescape(img.group(1)) == fig.description  # what JupyterLab renders: the alt is on the image
    assert base64.b64decode(img.group(2)) == base64.b64decode(data["image/png"]) == fig.png()
    assert metadata == {"image/png": {"alt": fig.description}}


def test_a_figure_never_given_a_description_shows_as_a_plain_png():
    fig, _ = subplots()
    data, metadata = fig._repr_mimebundle_()
    plt.close(fig)
    assert set(data) == {"image/png", "text/plain"} and metadata == {}


def test_finish_figure_needs_a_description_and_a_course_figure():
    fig, _ = subplots()
    with pytest.raises(ValueError, match="description must be a non-empty str saying what the figure shows"):
        finish_figure(fig, " ")
    with pytest.raises(TypeError, match="fig must be a CourseFigure, made by plots.subplots"):
        finish_figure(plt.figure(), "a figure")
    plt.close("all")


@pytest.mark.parametrize(
    "values, metric, words",
    [
        ([0.55, 0.8, 0.94], "acc", "rises from 0.55 to 0.94"),
        ([0.45, 0.46, 0.455], "acc", "stays near 0.46"),
        ([0.5, 0.96, 0.9], "acc", "rises from 0.50 to 0.90, best 0.96 at epoch 2"),
        ([1.21, 0.5, 0.312], "loss", "falls from 1.21 to 0.312"),
        ([0.9, 0.4, 0.6], "loss", "falls from 0.9 to 0.6, best 0.4 at epoch 2"),
        ([0.7], "acc", "is 0.70 at epoch 1"),
    ],
)
def test_describe_trend_says_how_a_curve_goes(values, metric, words):
    assert describe_trend(values, list(range(1, len(values) + 1)), metric) == words


def test_describe_trend_needs_one_position_per_value():
    with pytest.raises(ValueError, match="one position per value"):
        describe_trend([0.1, 0.2], [1])


@pytest.mark.parametrize("name", FIGURES)
def test_every_plot_has_a_title_and_labelled_axes(name):
    main_axes = FIGURES[name]().axes[0]
    assert main_axes.get_title()
    assert main_axes.get_xlabel() or main_axes.get_xticklabels()


def test_history_plot_has_a_loss_and_an_accuracy_panel_with_train_and_validation():
    fig = plot_history(history())
    loss_ax, acc_ax = fig.axes
    assert (loss_ax.get_title(), acc_ax.get_title()) == ("Loss", "Accuracy")
    assert legend_texts(loss_ax) == ["train", "validation"]
    train_line, val_line = loss_ax.get_lines()
    assert train_line.get_linestyle() == "-" and val_line.get_linestyle() == "--"


def test_history_plot_compares_several_runs_by_name():
    fig = plot_history({"bidirectional": history(), "forward-only": history()}, metrics=("acc",))
    assert len(fig.axes) == 1
    assert legend_texts(fig.axes[0]) == [
        "bidirectional train",
        "bidirectional validation",
        "forward-only train",
        "forward-only validation",
    ]


def test_history_plot_without_validation_draws_train_only():
    assert legend_texts(plot_history(history(val=False)).axes[0]) == ["train"]


def test_history_description_follows_each_runs_validation_curve_or_else_its_train_curve():
    assert plot_history(history()).description == (
        "Training curves over 3 epochs, train solid and validation dashed. "
        "Loss: validation falls from 1.1 to 0.367. Accuracy: validation rises from 0.55 to 0.75."
    )
    runs = {"bidirectional": history(), "forward-only": history(val=False)}
    assert plot_history(runs, metrics=("acc",)).description.endswith(
        "Accuracy: bidirectional validation rises from 0.55 to 0.75; forward-only train rises from 0.60 to 0.80."
    )


def test_history_plot_rejects_unknown_metrics_and_non_histories():
    with pytest.raises(ValueError, match="metrics must be"):
        plot_history(history(), metrics=("accuracy",))
    with pytest.raises(TypeError, match="must be a History"):
        plot_history({"run": [0.1, 0.2]})


def test_accuracy_by_position_draws_one_line_per_model_and_a_per_step_ceiling():
    fig = plot_accuracy_by_position(
        {"bidirectional": torch.full((10,), 0.9), "forward-only": [0.5] * 10}, ceiling=ceiling_by_position()
    )
    ax = fig.axes[0]
    assert legend_texts(ax) == ["bidirectional", "forward-only", "forward-only ceiling"]
    assert list(ax.get_lines()[2].get_ydata()) == pytest.approx(ceiling_by_position())


def test_accuracy_by_position_description_names_the_steps_far_from_the_rest():
    curves = {"bidirectional": torch.linspace(0.93, 0.99, 10), "forward-only": [0.5] * 9 + [0.11]}
    assert plot_accuracy_by_position(curves, ceiling=ceiling_by_position()).description == (
        "Accuracy at each of 10 time steps, t = 0 to 9. bidirectional: between 0.93 and 0.99 at every step; "
        "forward-only: 0.11 at step 9, 0.50 at the other steps; "
        "forward-only ceiling (dashed): 1.00 at step 9, 0.50 at the other steps."
    )
    assert plot_accuracy_by_position({"bi": [0.9] * 4}, ceiling=0.55).description.endswith(
        "bi: 0.90 at every step; forward-only ceiling: 0.55 at every step."
    )


def test_accuracy_by_position_rejects_an_empty_dict_and_two_dimensional_curves():
    with pytest.raises(TypeError, match="non-empty dict"):
        plot_accuracy_by_position({})
    with pytest.raises(ValueError, match="must be a non-empty 1-D sequence"):
        plot_accuracy_by_position({"bi": torch.rand(2, 10)})


def test_confusion_matrix_writes_every_count_and_names_the_classes():
    cm = torch.tensor([[5, 1], [2, 7]])
    ax = plot_confusion_matrix(cm, class_names=["no", "yes"]).axes[0]
    assert sorted(text.get_text() for text in ax.texts) == ["1", "2", "5", "7"]
    assert [label.get_text() for label in ax.get_xticklabels()] == ["no", "yes"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted class", "true class")


def test_confusion_matrix_description_counts_the_diagonal_and_names_the_biggest_mistakes():
    cm = torch.tensor([[5, 1, 0], [2, 7, 0], [0, 0, 3]])
    assert plot_confusion_matrix(cm, class_names=["a", "b", "c"]).description == (
        "Confusion matrix of 3 classes (a, b, c) over 18 examples, rows the true class and columns the predicted "
        "one: 15 (83%) on the diagonal, predicted correctly. Most frequent mistakes: true b predicted as a (2 times), "
        "true a predicted as b (1 time)."
    )
    assert plot_confusion_matrix(torch.eye(2, dtype=torch.long)).description.endswith("No mistakes.")


def test_confusion_matrix_rejects_a_non_square_matrix_and_a_wrong_number_of_names():
    with pytest.raises(ValueError, match=r"must be square \(C, C\)"):
        plot_confusion_matrix(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="class_names needs 2 names"):
        plot_confusion_matrix(torch.zeros(2, 2), class_names=["a"])


def test_direction_context_colours_the_steps_each_state_has_read():
    seq_len, t = 10, 4
    patches = plot_direction_context(seq_len, t).axes[0].patches
    rows = [patches[i * seq_len : (i + 1) * seq_len] for i in range(3)]
    read = [[p.get_facecolor()[:3] != (1.0, 1.0, 1.0) for p in row] for row in rows]
    assert read[0] == [step <= t for step in range(seq_len)]  # forward: x_0..x_t
    assert read[1] == [step >= t for step in range(seq_len)]  # backward: x_t..x_{T-1}
    assert all(read[2])  # the concatenated output: everything


def test_direction_context_description_lists_what_each_state_has_read():
    assert plot_direction_context(10, 4).description == (
        "Inputs already read at step t=4 of a sequence of 10 inputs: the forward state has read x_0 to x_4, "
        "the backward state x_4 to x_9, and the output at t, both concatenated, all 10 inputs x_0 to x_9."
    )
    assert "the forward state has read x_0, the backward" in plot_direction_context(5, 0).description


def test_direction_context_rejects_a_step_outside_the_sequence():
    with pytest.raises(ValueError, match=r"t must be a step of the sequence, 0..9, got 10"):
        plot_direction_context(10, 10)


def test_tensor_heatmap_labels_the_two_directions_when_split():
    ax = plot_tensor_heatmap(torch.randn(6, 8), "h", split=4).axes[0]
    assert [text.get_text() for text in ax.texts] == ["forward", "backward"]


def test_tensor_heatmap_description_gives_the_axes_the_value_range_and_the_halves():
    tensor = torch.tensor([[-0.5, 0.25, 0.0], [0.125, 0.75, -1.0]])
    fig = plot_tensor_heatmap(tensor, "logits", split=2, xlabel="class c")
    assert fig.axes[0].get_xlabel() == "class c"
    assert fig.description == (
        "Heat map of logits: rows are time steps t = 0 to 1, columns class c = 0 to 2; colours from blue (negative) "
        "through white (0) to red (positive), values from -1.00 to 0.75. "
        "The forward direction fills columns 0 to 1, the backward one column 2."
    )


def test_tensor_heatmap_rejects_a_tensor_that_is_not_two_dimensional():
    with pytest.raises(ValueError, match=r"tensor \(L, K\) must have 2 axes"):
        plot_tensor_heatmap(torch.randn(2, 6, 8), "batch")


# --- bad input is named, not drawn (issue 16) ------------------------------------------------------


@pytest.mark.parametrize("ceiling", [True, float("nan"), float("inf"), -1, 1.5])
def test_a_ceiling_that_is_not_an_accuracy_is_refused(ceiling):
    with pytest.raises(ValueError, match="ceiling must be an accuracy in \\[0, 1\\]"):
        plot_accuracy_by_position({"bidirectional": [0.5, 0.6]}, ceiling=ceiling)


def test_a_ceiling_that_is_not_numbers_is_named():
    with pytest.raises(TypeError, match="ceiling must be a sequence of accuracies"):
        plot_accuracy_by_position({"bidirectional": [0.5, 0.6]}, ceiling="high")


@pytest.mark.parametrize(
    "cm, error, words",
    [
        (torch.full((2, 2), float("nan")), ValueError, "must hold counts"),
        (torch.full((2, 2), 0.5), ValueError, "must hold counts"),
        (torch.tensor([[1, -2], [0, 3]]), ValueError, "must hold counts"),
        (torch.eye(2, dtype=torch.bool), ValueError, "must hold counts"),
        (None, TypeError, "cm must be a \\(C, C\\) tensor of counts"),
    ],
)
def test_a_confusion_matrix_that_is_not_counts_is_refused(cm, error, words):
    with pytest.raises(error, match=words):
        plot_confusion_matrix(cm)


def test_class_names_given_as_one_string_are_refused():
    with pytest.raises(TypeError, match="class_names must be a list of 3 names"):
        plot_confusion_matrix(torch.eye(3, dtype=torch.long), class_names="abc")


@pytest.mark.parametrize("tensor", [torch.zeros(0, 3), torch.full((2, 3), float("nan")), torch.zeros(2, 3) + 1j])
def test_a_heatmap_of_nothing_or_of_non_finite_values_is_refused(tensor):
    with pytest.raises(ValueError, match="tensor must be a non-empty real \\(L, K\\) tensor of finite values"):
        plot_tensor_heatmap(tensor, "title")
