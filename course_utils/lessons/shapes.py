"""Lesson 02 (shapes): the shape explorer, controls for an RNN's sizes next to the shapes torch returns.

An ipywidgets box (`TextBox`) whose text form (`.text()`, `repr`, and the
`text/plain` part of its display) is a stable summary of what it shows: it
holds no widget ids, so stored notebook outputs compare equal, and a front end
without widgets still shows something useful. Every control is a public
attribute, so a test (or a curious learner) can drive it from code:
`explorer.batch_first.value = False`.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import torch

from ..models import CELLS
from ..shapes import GATES, expected_shapes, rnn_parameter_count
from ..tables import html_table, text_table
from ..tensors import check_cell
from ..text_box import TextBox
from ..validation import check_bool, check_int

COLUMNS = ("tensor", "axes", "predicted", "actual", "match")


class ShapeExplorer(TextBox):
    """Controls for an RNN's sizes; shows the shapes you should predict next to the ones torch returns.

    Controls (public attributes): `.cell` (toggle buttons rnn, gru, lstm),
    `.batch`, `.length`, `.features`, `.hidden`, `.layers` (number boxes),
    `.bidirectional` and `.batch_first` (checkboxes). Each has an accessible
    name (its text or its label) and works from the keyboard in JupyterLab:
    Tab moves between them, Enter or Space presses a button or ticks a box,
    the arrow keys step a number. (A dropdown would not: JupyterLab takes its
    arrow keys to move between cells; nor would sliders: ipywidgets' slider
    handle cannot be given a name.) The predicted column comes from
    `expected_shapes` and `rnn_parameter_count`; the actual one from building
    the torch layer and running it on a zero input of the chosen layout. The
    global random state is left untouched, so using the explorer does not
    change later results of a notebook.
    """

    LIMITS = {"batch": 16, "length": 20, "features": 16, "hidden": 16, "layers": 4}

    def __init__(
        self,
        cell: str = "lstm",
        batch: int = 3,
        length: int = 6,
        features: int = 5,
        hidden: int = 4,
        layers: int = 1,
        bidirectional: bool = True,
        batch_first: bool = True,
    ):
        values = {"batch": batch, "length": length, "features": features, "hidden": hidden, "layers": layers}
        for name, value in values.items():
            check_int(name, value)
            if value > self.LIMITS[name]:
                raise ValueError(f"{name} must be at most {self.LIMITS[name]} in the explorer, got {value}")
        check_bool("bidirectional", bidirectional)
        check_bool("batch_first", batch_first)
        self.cell = widgets.ToggleButtons(
            options=list(CELLS),
            value=check_cell(cell),
            description="cell",
            tooltips=[f"Build an nn.{name.upper()}" for name in CELLS],
            style={"button_width": "60px"},
        )
        self.batch, self.length, self.features, self.hidden, self.layers = (
            widgets.BoundedIntText(
                value=values[name],
                min=1,
                max=self.LIMITS[name],
                description=label,
                tooltip=f"{label}, 1 to {self.LIMITS[name]}",
                style={"description_width": "130px"},
                layout=widgets.Layout(width="220px"),
            )
            for name, label in (
                ("batch", "batch size N"),
                ("length", "sequence length L"),
                ("features", "input features H_in"),
                ("hidden", "hidden size H_out"),
                ("layers", "layers"),
            )
        )
        self.bidirectional = widgets.Checkbox(value=bidirectional, description="bidirectional")
        self.batch_first = widgets.Checkbox(value=batch_first, description="batch_first")
        self.table = widgets.HTML()
        controls = (
            self.cell,
            self.batch,
            self.length,
            self.features,
            self.hidden,
            self.layers,
            self.bidirectional,
            self.batch_first,
        )
        for control in controls:
            control.observe(lambda _: self._update(), names="value")
        super().__init__(
            [
                widgets.HBox([widgets.VBox(list(controls[:4])), widgets.VBox(list(controls[4:]))]),
                self.table,
            ]
        )
        self.add_class("birnn-shape-explorer")  # names the box for the browser tests
        self._update()

    def settings(self) -> dict:
        """The current control values, named like `expected_shapes`'s arguments."""
        return {
            "cell": self.cell.value,
            "batch_size": self.batch.value,
            "seq_len": self.length.value,
            "input_size": self.features.value,
            "hidden_size": self.hidden.value,
            "num_layers": self.layers.value,
            "bidirectional": self.bidirectional.value,
            "batch_first": self.batch_first.value,
        }

    def layer_code(self) -> str:
        """The torch call the current settings build, e.g. `nn.LSTM(8, 6, num_layers=2, ...)`."""
        s = self.settings()
        return (
            f"nn.{s['cell'].upper()}({s['input_size']}, {s['hidden_size']}, num_layers={s['num_layers']}, "
            f"bidirectional={s['bidirectional']}, batch_first={s['batch_first']})"
        )

    def input_shape(self) -> tuple[int, int, int]:
        """The shape of x in the layer's layout: `(N, L, H_in)` with batch_first, else `(L, N, H_in)`."""
        s = self.settings()
        first_two = (s["batch_size"], s["seq_len"]) if s["batch_first"] else (s["seq_len"], s["batch_size"])
        return (*first_two, s["input_size"])

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        """One row per tensor: (name, axes, predicted shape, actual shape, "yes"/"NO")."""
        s = self.settings()
        predicted = expected_shapes(**s)
        actual, rnn = self._run()
        time_batch = "N, L" if s["batch_first"] else "L, N"
        axes = {
            "output": f"({time_batch}, D*H_out)",
            "h_n": "(D*num_layers, N, H_out)",
            "c_n": "(D*num_layers, N, H_out)",
        }
        table = [(name, axes[name], predicted[name], actual[name]) for name in predicted]
        if s["num_layers"] > 1:
            directions = 2 if s["bidirectional"] else 1
            table.append(
                (
                    "weight_ih_l1",
                    "(gates*H_out, D*H_out)",
                    (GATES[s["cell"]] * s["hidden_size"], directions * s["hidden_size"]),
                    tuple(rnn.weight_ih_l1.shape),
                )
            )
        table.append(
            (
                "parameters",
                "closed form / numel",
                rnn_parameter_count(s["cell"], s["input_size"], s["hidden_size"], s["num_layers"], s["bidirectional"]),
                sum(p.numel() for p in rnn.parameters()),
            )
        )
        return [(name, ax, str(p), str(a), "yes" if p == a else "NO") for name, ax, p, a in table]

    def _run(self):
        """Build the layer and run it on zeros: `({"output", "h_n"(, "c_n")} actual shapes, layer)`."""
        s = self.settings()
        with torch.random.fork_rng(devices=[]):  # the layer's random init must not move the global RNG
            rnn = CELLS[s["cell"]](
                s["input_size"],
                s["hidden_size"],
                num_layers=s["num_layers"],
                bidirectional=s["bidirectional"],
                batch_first=s["batch_first"],
            )
        with torch.no_grad():
            output, hidden = rnn(torch.zeros(self.input_shape()))
        shapes = {"output": tuple(output.shape)}
        if s["cell"] == "lstm":
            shapes["h_n"], shapes["c_n"] = tuple(hidden[0].shape), tuple(hidden[1].shape)
        else:
            shapes["h_n"] = tuple(hidden.shape)
        return shapes, rnn

    def _header(self) -> list[str]:
        layout = "(N, L, H_in)" if self.batch_first.value else "(L, N, H_in)"
        return [f"layer:   {self.layer_code()}", f"input x: {layout} = {self.input_shape()}"]

    def _update(self) -> None:
        rows = self.rows()
        header = "".join(f"<code>{html.escape(line)}</code><br>" for line in self._header())
        self.table.value = header + html_table(COLUMNS, rows, code=True, align_left=True)

    def text(self) -> str:
        lines = ["Shape explorer", *self._header()]
        lines.append(text_table(COLUMNS, self.rows()))
        return "\n".join(lines)
