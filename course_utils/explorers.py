"""Interactive explorers for the notebooks: a stage-by-stage pipeline viewer and a shape explorer.

Both are ipywidgets boxes. Their text form (`.text()`, `repr`, and the
`text/plain` part of their display) is a stable summary of what they show:
it holds no widget ids, so stored notebook outputs compare equal, and a front
end without widgets still shows something useful. Every control is a public
attribute, so a test (or a curious learner) can drive the view from code:
`viewer.stage.value = 2`, `explorer.batch_first.value = False`.
"""

from __future__ import annotations

import html
import textwrap
from typing import NamedTuple

import ipywidgets as widgets
import torch

from .models import CELLS, SequenceTagger
from .shapes import GATES, _check_cell, _check_input, expected_shapes, rnn_parameter_count
from .validation import check_int, describe

TEXT_WIDTH = 96


class _TextBox(widgets.VBox):
    """A VBox whose text form is `self.text()` rather than ipywidgets' repr of its children."""

    def text(self) -> str:  # each explorer says what it shows
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.text()

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = self.text()
        return bundle


def _text_table(header, rows, prefixes=None) -> list[str]:
    """Fixed-width lines of a table; `prefixes` puts a marker (e.g. "->") before chosen rows."""
    table = [header, *rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    prefixes = prefixes or [""] * len(rows)
    marker_width = max(len(p) for p in prefixes)
    lines = []
    for prefix, line in zip(["", *prefixes], table):
        cells = "  ".join(cell.ljust(width) for cell, width in zip(line, widths))
        marker = f"{prefix.ljust(marker_width)} " if marker_width else ""
        lines.append(f"{marker}{cells}".rstrip())
    return lines


def _html_table(header, rows, highlight=None) -> str:
    """An HTML table; row number `highlight` is shaded."""
    head = "".join(f"<th style='text-align:left; padding:2px 10px'>{html.escape(h)}</th>" for h in header)
    body = ""
    for index, row in enumerate(rows):
        shade = " style='background:#fff3c4'" if index == highlight else ""
        cells = "".join(f"<td style='padding:2px 10px'><code>{html.escape(c)}</code></td>" for c in row)
        body += f"<tr{shade}>{cells}</tr>"
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# --------------------------------------------------------------------------- pipeline viewer


class PipelineStage(NamedTuple):
    """One stage of the tagging pipeline: its name, its axes, what it does, and the tensor it produces."""

    name: str
    axes: str
    description: str
    tensor: torch.Tensor


def pipeline_stages(model, x) -> list[PipelineStage]:
    """Run `x` `(N, T, F)` through a `SequenceTagger` and keep the tensor after every stage.

    Returns four stages: the input `(N, T, F)`, the RNN output `(N, T, D*H)`
    (D = 2 when bidirectional), the linear layer's logits `(N, T, C)` and the
    softmax probabilities `(N, T, C)`, whose C values at each step sum to 1.
    Runs without gradients, in eval mode (the model's mode is restored after).
    """
    if not isinstance(model, SequenceTagger):
        raise TypeError(f"model must be a course_utils.models.SequenceTagger, got {describe(model)}")
    weight = model.head.weight
    _check_input(x, model.rnn.input_size, dtype=weight.dtype)
    rnn = model.rnn
    directions, hidden = (2 if rnn.bidirectional else 1), rnn.hidden_size
    kind = "bidirectional" if rnn.bidirectional else "forward-only"
    reads = (
        f"one {model.cell.upper()} reads each sequence forwards, another backwards, {hidden} hidden units each; "
        "the two states of each step are concatenated"
        if rnn.bidirectional
        else f"one {model.cell.upper()} reads each sequence forwards with {hidden} hidden units"
    )
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            x = x.to(weight.device)
            output = rnn(x)[0]  # (N, T, D*H); an LSTM's second item is (h_n, c_n), a GRU's h_n
            logits = model.head(output)  # (N, T, C)
    finally:
        model.train(was_training)
    classes = logits.shape[-1]
    return [
        PipelineStage("input", "(N, T, F)", "N sequences of T steps with F features each, as the data holds them", x),
        PipelineStage(f"{kind} {model.cell.upper()}", "(N, T, 2*H)" if directions == 2 else "(N, T, H)",
                      reads, output),
        PipelineStage("linear layer", "(N, T, C)",
                      f"the same nn.Linear({directions * hidden}, {classes}) maps every step's "
                      f"{directions * hidden} features to {classes} class scores (logits)", logits),
        PipelineStage("softmax", "(N, T, C)",
                      f"turns each step's {classes} logits into probabilities that sum to 1",
                      logits.softmax(dim=-1)),
    ]


class PipelineViewer(_TextBox):
    """Step through a tagger's pipeline stage by stage: each stage's shape and a heat map of one sequence.

    `PipelineViewer(model, x, sequence=0)`: `model` a SequenceTagger, `x` `(N, T, F)`.
    Controls: `.stage` (toggle buttons, value 0..3), `.previous` and `.next`
    (buttons), `.sequence` (slider 0..N-1, the sequence shown in the heat map).
    Views: `.info` (HTML: all stages' shapes, the current one shaded, and what
    it does) and `.image` (PNG heat map of the current stage's tensor for that
    sequence, `(T, D)`).
    """

    def __init__(self, model, x, sequence=0):
        stages = pipeline_stages(model, x)
        check_int("sequence", sequence, minimum=0)
        if sequence >= len(x):
            raise ValueError(f"sequence must be the index of a sequence of x, 0..{len(x) - 1}, got {sequence}")
        self.stages = stages
        self._split = model.rnn.hidden_size if model.rnn.bidirectional else None
        self._images = {}  # (stage, sequence) -> PNG, for the sequence on show only
        self.stage = widgets.ToggleButtons(
            options=[(f"{i + 1} {s.name}", i) for i, s in enumerate(stages)], description="stage"
        )
        self.previous = widgets.Button(description="◀ previous", tooltip="go to the previous stage")
        self.next = widgets.Button(description="next ▶", tooltip="go to the next stage")
        self.sequence = widgets.IntSlider(
            value=sequence, min=0, max=len(x) - 1, description="sequence", continuous_update=False
        )
        self.info = widgets.HTML()
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="720px"))
        self.previous.on_click(lambda _: self._move(-1))
        self.next.on_click(lambda _: self._move(1))
        self.stage.observe(lambda _: self._update(), names="value")
        self.sequence.observe(lambda _: self._update(), names="value")
        super().__init__([
            self.stage,
            widgets.HBox([self.previous, self.next, self.sequence]),
            self.info,
            self.image,
        ])
        self._update()

    def _move(self, step: int) -> None:
        self.stage.value = min(max(self.stage.value + step, 0), len(self.stages) - 1)

    def _rows(self) -> list[tuple[str, str, str]]:
        return [(f"{i + 1} {s.name}", str(tuple(s.tensor.shape)), s.axes) for i, s in enumerate(self.stages)]

    def _update(self) -> None:
        index, sequence = self.stage.value, self.sequence.value
        current = self.stages[index]
        self.previous.disabled = index == 0
        self.next.disabled = index == len(self.stages) - 1
        self.info.value = (
            _html_table(("stage", "shape", "axes"), self._rows(), highlight=index)
            + f"<p><b>{html.escape(current.name)}</b>: {html.escape(current.description)}.<br>"
            f"Heat map: sequence {sequence}, i.e. <code>tensor[{sequence}]</code> of shape "
            f"<code>{tuple(current.tensor.shape[1:])}</code> (time steps down, "
            f"{'features' if index < 2 else 'classes'} across).</p>"
        )
        self.image.value = self._heatmap(index, sequence)

    def _heatmap(self, index: int, sequence: int) -> bytes:
        """PNG of the (T, D) tensor of one sequence at one stage.

        The four stages of the sequence on show are cached, so stepping back and
        forth is instant; choosing another sequence empties the cache.
        """
        if any(key[1] != sequence for key in self._images):
            self._images.clear()
        if (index, sequence) not in self._images:
            from .plots import plot_tensor_heatmap  # here, so the shape explorer alone never loads matplotlib

            stage = self.stages[index]
            figure = plot_tensor_heatmap(
                stage.tensor[sequence],
                f"stage {index + 1}, {stage.name}: sequence {sequence}, shape {tuple(stage.tensor.shape[1:])}",
                split=self._split if index == 1 else None,
            )
            if index >= 2:  # logits and probabilities have one column per class
                figure.axes[0].set_xlabel("class c")
            self._images[index, sequence] = figure._repr_png_()
        return self._images[index, sequence]

    def text(self) -> str:
        index, sequence = self.stage.value, self.sequence.value
        marks = ["->" if i == index else "" for i in range(len(self.stages))]
        current = self.stages[index]
        lines = [f"Pipeline viewer: stage {index + 1} of {len(self.stages)}, "
                 f"heat map of sequence {sequence} of {len(current.tensor)}"]
        lines += _text_table(("stage", "shape", "axes"), self._rows(), marks)
        lines.append(textwrap.fill(f"{index + 1} {current.name}: {current.description}.", TEXT_WIDTH))
        return "\n".join(lines)


# --------------------------------------------------------------------------- shape explorer


class ShapeExplorer(_TextBox):
    """Sliders for an RNN's sizes; shows the shapes you should predict next to the ones torch returns.

    Controls (public attributes): `.cell` (rnn, gru, lstm), `.batch`, `.length`,
    `.features`, `.hidden`, `.layers` (sliders), `.bidirectional` and
    `.batch_first` (checkboxes). The predicted column comes from
    `expected_shapes` and `rnn_parameter_count`; the actual one from building
    the torch layer and running it on a zero input of the chosen layout. The
    global random state is left untouched, so using the explorer does not
    change later results of a notebook.
    """

    LIMITS = {"batch": 16, "length": 20, "features": 16, "hidden": 16, "layers": 4}

    def __init__(self, cell="lstm", batch=3, length=6, features=5, hidden=4, layers=1,
                 bidirectional=True, batch_first=True):
        values = {"batch": batch, "length": length, "features": features, "hidden": hidden, "layers": layers}
        for name, value in values.items():
            check_int(name, value)
            if value > self.LIMITS[name]:
                raise ValueError(f"{name} must be at most {self.LIMITS[name]} in the explorer, got {value}")
        for name, value in (("bidirectional", bidirectional), ("batch_first", batch_first)):
            if not isinstance(value, bool):
                raise TypeError(f"{name} must be True or False, got {describe(value)}")
        self.cell = widgets.Dropdown(options=list(CELLS), value=_check_cell(cell), description="cell")
        self.batch, self.length, self.features, self.hidden, self.layers = (
            widgets.IntSlider(value=values[name], min=1, max=self.LIMITS[name], description=label)
            for name, label in (("batch", "batch N"), ("length", "length L"), ("features", "features F"),
                                ("hidden", "hidden H"), ("layers", "layers"))
        )
        self.bidirectional = widgets.Checkbox(value=bidirectional, description="bidirectional")
        self.batch_first = widgets.Checkbox(value=batch_first, description="batch_first")
        self.table = widgets.HTML()
        controls = (self.cell, self.batch, self.length, self.features, self.hidden, self.layers,
                    self.bidirectional, self.batch_first)
        for control in controls:
            control.observe(lambda _: self._update(), names="value")
        super().__init__([
            widgets.HBox([widgets.VBox(list(controls[:4])), widgets.VBox(list(controls[4:]))]),
            self.table,
        ])
        self._update()

    def settings(self) -> dict:
        """The current control values, named like `expected_shapes`'s arguments."""
        return {
            "cell": self.cell.value, "batch_size": self.batch.value, "seq_len": self.length.value,
            "input_size": self.features.value, "hidden_size": self.hidden.value,
            "num_layers": self.layers.value, "bidirectional": self.bidirectional.value,
            "batch_first": self.batch_first.value,
        }

    def layer_code(self) -> str:
        """The torch call the current settings build, e.g. `nn.LSTM(8, 6, num_layers=2, ...)`."""
        s = self.settings()
        return (f"nn.{s['cell'].upper()}({s['input_size']}, {s['hidden_size']}, num_layers={s['num_layers']}, "
                f"bidirectional={s['bidirectional']}, batch_first={s['batch_first']})")

    def input_shape(self) -> tuple[int, int, int]:
        """The shape of x in the layer's layout: `(N, L, F)` with batch_first, else `(L, N, F)`."""
        s = self.settings()
        first_two = (s["batch_size"], s["seq_len"]) if s["batch_first"] else (s["seq_len"], s["batch_size"])
        return (*first_two, s["input_size"])

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        """One row per tensor: (name, axes, predicted shape, actual shape, "yes"/"NO")."""
        s = self.settings()
        predicted = expected_shapes(**s)
        actual, rnn = self._run()
        time_batch = "N, L" if s["batch_first"] else "L, N"
        axes = {"output": f"({time_batch}, D*H)", "h_n": "(D*num_layers, N, H)", "c_n": "(D*num_layers, N, H)"}
        table = [(name, axes[name], predicted[name], actual[name]) for name in predicted]
        if s["num_layers"] > 1:
            directions = 2 if s["bidirectional"] else 1
            table.append(("weight_ih_l1", "(gates*H, D*H)",
                          (GATES[s["cell"]] * s["hidden_size"], directions * s["hidden_size"]),
                          tuple(rnn.weight_ih_l1.shape)))
        table.append(("parameters", "closed form / numel", rnn_parameter_count(
            s["cell"], s["input_size"], s["hidden_size"], s["num_layers"], s["bidirectional"]
        ), sum(p.numel() for p in rnn.parameters())))
        return [(name, ax, str(p), str(a), "yes" if p == a else "NO") for name, ax, p, a in table]

    def _run(self):
        """Build the layer and run it on zeros: `({"output", "h_n"(, "c_n")} actual shapes, layer)`."""
        s = self.settings()
        with torch.random.fork_rng(devices=[]):  # the layer's random init must not move the global RNG
            rnn = CELLS[s["cell"]](s["input_size"], s["hidden_size"], num_layers=s["num_layers"],
                                   bidirectional=s["bidirectional"], batch_first=s["batch_first"])
        with torch.no_grad():
            output, hidden = rnn(torch.zeros(self.input_shape()))
        shapes = {"output": tuple(output.shape)}
        if s["cell"] == "lstm":
            shapes["h_n"], shapes["c_n"] = tuple(hidden[0].shape), tuple(hidden[1].shape)
        else:
            shapes["h_n"] = tuple(hidden.shape)
        return shapes, rnn

    def _header(self) -> list[str]:
        layout = "(N, L, F)" if self.batch_first.value else "(L, N, F)"
        return [f"layer:   {self.layer_code()}", f"input x: {layout} = {self.input_shape()}"]

    def _update(self) -> None:
        rows = self.rows()
        header = "".join(f"<code>{html.escape(line)}</code><br>" for line in self._header())
        self.table.value = header + _html_table(("tensor", "axes", "predicted", "actual", "match"), rows)

    def text(self) -> str:
        lines = ["Shape explorer", *self._header()]
        lines += _text_table(("tensor", "axes", "predicted", "actual", "match"), self.rows())
        return "\n".join(lines)
