"""Lesson 01 (concept): a bidirectional RNN written by hand, and a viewer of the pipeline stage by stage.

`ScratchBiRNN` and `run_direction` are a bidirectional RNN written with plain
tensor operations, to check against `nn.RNN`.

One direction is one loop: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh),
starting from h = 0. The backward direction is the same loop run over each
sequence reversed, with its outputs reversed back so that step t of both
directions lines up before they are concatenated.
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Sequence
from typing import NamedTuple

import ipywidgets as widgets
import torch
from torch import nn

from ..display import image_html
from ..models import SequenceTagger, eval_mode
from ..tables import html_table, text_table
from ..tensors import check_input, check_lengths, check_tensor, reverse_within_lengths, step_mask
from ..text_box import TextBox
from ..validation import check_bool, check_int, describe

# Names and order of one direction's parameters in nn.RNN; the backward
# direction's carry the suffix "_reverse".
PARAMETER_NAMES = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


def run_direction(
    x: torch.Tensor,
    W_ih: torch.Tensor,
    W_hh: torch.Tensor,
    b_ih: torch.Tensor,
    b_hh: torch.Tensor,
    reverse: bool = False,
    lengths: torch.Tensor | Sequence[int] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run one tanh RNN direction over batch-first `x` `(N, L, H_in)`.

    Weights: `W_ih` `(H_out, H_in)`, `W_hh` `(H_out, H_out)`, `b_ih` and `b_hh` `(H_out,)`, all of x's dtype.
    Returns `(outputs (N, L, H_out), h_last (N, H_out))`, outputs in the original step
    order. `reverse=True` reads each sequence from its last valid step back to
    step 0. With `lengths` `(N,)`, steps from `lengths[n]` on are padding: they
    output 0 and leave the state alone, so h_last is each sequence's own final
    state (after its last valid step forwards, after step 0 backwards).
    """
    check_bool("reverse", reverse)
    check_tensor("W_ih", W_ih, dim=2, floating=True)
    hidden_size, input_size = W_ih.shape
    check_input(x, input_size, dtype=W_ih.dtype)
    for name, value, shape in (
        ("W_hh", W_hh, (hidden_size, hidden_size)),
        ("b_ih", b_ih, (hidden_size,)),
        ("b_hh", b_hh, (hidden_size,)),
    ):
        check_tensor(name, value)
        if tuple(value.shape) != shape:
            raise ValueError(
                f"{name} must have shape {shape} (H_out = W_ih.shape[0] = {hidden_size}), got {describe(value)}"
            )
        if value.dtype != W_ih.dtype:
            raise TypeError(f"{name} must have W_ih's dtype {W_ih.dtype}, got {describe(value)}")
    batch_size, seq_len = x.shape[:2]
    if lengths is None:
        lengths = torch.full((batch_size,), seq_len, dtype=torch.int64)
    lengths = check_lengths(lengths, batch_size, seq_len)
    valid = step_mask(lengths, seq_len).to(x.device).unsqueeze(-1)  # (N, L, 1)
    if reverse:
        x = reverse_within_lengths(x, lengths)
    h = x.new_zeros(batch_size, hidden_size)
    steps = []
    for t in range(seq_len):
        candidate = torch.tanh(x[:, t] @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
        # Padding must not move the state: a sequence that has ended keeps its
        # final state, and in reverse a padded sequence starts from 0 at its own last step.
        h = torch.where(valid[:, t], candidate, h)
        steps.append(h.masked_fill(~valid[:, t], 0.0))  # padded steps read 0, as pad_packed_sequence gives
    outputs = torch.stack(steps, dim=1)  # (N, L, H_out)
    if reverse:
        outputs = reverse_within_lengths(outputs, lengths)  # back to the original step order
    return outputs, h


class ScratchBiRNN(nn.Module):
    """Single-layer bidirectional tanh RNN from plain tensor ops, batch-first.

    `forward(x (N, L, H_in), lengths=None) -> (output (N, L, D*H_out), h_n (2, N, H_out))`:
    output is `[forward, backward]` per step, h_n[0] the forward and h_n[1]
    the backward final state, exactly as nn.RNN(bidirectional=True) lays them
    out. Parameters carry nn.RNN's names and shapes, so `copy_from` copies them one by one.
    """

    def __init__(self, input_size: int, hidden_size: int, dtype: torch.dtype = torch.float64):
        super().__init__()
        self.input_size = check_int("input_size", input_size)
        self.hidden_size = check_int("hidden_size", hidden_size)
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise TypeError(f"dtype must be a floating torch dtype such as torch.float64, got {describe(dtype)}")
        shapes = ((hidden_size, input_size), (hidden_size, hidden_size), (hidden_size,), (hidden_size,))
        bound = 1 / math.sqrt(hidden_size)  # nn.RNN's initialisation: uniform in [-1/sqrt(H_out), 1/sqrt(H_out)]
        for suffix in ("", "_reverse"):
            for name, shape in zip(PARAMETER_NAMES, shapes):
                weight = torch.empty(shape, dtype=dtype).uniform_(-bound, bound)
                self.register_parameter(name + suffix, nn.Parameter(weight))

    def copy_from(self, rnn: nn.RNNBase) -> ScratchBiRNN:
        """Copy the weights of a matching `nn.RNN(input_size, hidden_size, bidirectional=True)`; returns self.

        The RNN may be batch-first or not: the weights are the same either way.
        """
        if not isinstance(rnn, nn.RNN):
            raise TypeError(f"rnn must be an nn.RNN (a tanh RNN, not a GRU or LSTM), got {describe(rnn)}")
        required = (
            (rnn.bidirectional, "bidirectional=True"),
            (rnn.num_layers == 1, "num_layers=1"),
            (rnn.nonlinearity == "tanh", "nonlinearity='tanh'"),
            (rnn.bias, "bias=True"),
            (rnn.input_size == self.input_size, f"input_size={self.input_size}"),
            (rnn.hidden_size == self.hidden_size, f"hidden_size={self.hidden_size}"),
        )
        missing = [text for ok, text in required if not ok]
        if missing:
            raise ValueError(f"rnn must be built with {', '.join(missing)} to match this ScratchBiRNN, got {rnn}")
        with torch.no_grad():
            for name, parameter in self.named_parameters():
                parameter.copy_(getattr(rnn, name))  # copy_ converts float32 weights to our dtype
        return self

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor | Sequence[int] | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        forward_out, forward_h = run_direction(x, *self._direction(""), lengths=lengths)
        backward_out, backward_h = run_direction(x, *self._direction("_reverse"), reverse=True, lengths=lengths)
        output = torch.cat([forward_out, backward_out], dim=-1)  # (N, L, D*H_out)
        return output, torch.stack([forward_h, backward_h])  # h_n: (2, N, H_out)

    def _direction(self, suffix: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """W_ih, W_hh, b_ih, b_hh of the forward ("") or backward ("_reverse") direction."""
        W_ih, W_hh, b_ih, b_hh = (getattr(self, name + suffix) for name in PARAMETER_NAMES)
        return W_ih, W_hh, b_ih, b_hh


# --------------------------------------------------------------------------- pipeline viewer

TEXT_WIDTH = 96


class PipelineStage(NamedTuple):
    """One stage of the tagging pipeline: its name, its axes, what it does, and the tensor it produces."""

    name: str
    axes: str
    description: str
    tensor: torch.Tensor


def pipeline_stages(model: SequenceTagger, x: torch.Tensor) -> list[PipelineStage]:
    """Run `x` `(N, L, H_in)` through a `SequenceTagger` and keep the tensor after every stage.

    Returns four stages: the input `(N, L, H_in)`, the RNN output `(N, L, D*H_out)`
    (D = 2 when bidirectional), the linear layer's logits `(N, L, C)` and the
    softmax probabilities `(N, L, C)`, whose C values at each step sum to 1.
    Runs without gradients, in eval mode (the model's mode is restored after).
    """
    if not isinstance(model, SequenceTagger):
        raise TypeError(f"model must be a course_utils.models.SequenceTagger, got {describe(model)}")
    weight = model.head.weight
    check_input(x, model.rnn.input_size, dtype=weight.dtype)
    rnn = model.rnn
    directions, hidden = (2 if rnn.bidirectional else 1), rnn.hidden_size
    kind = "bidirectional" if rnn.bidirectional else "forward-only"
    reads = (
        f"one {model.cell.upper()} reads each sequence forwards, another backwards, {hidden} hidden units each; "
        "the two states of each step are concatenated"
        if rnn.bidirectional
        else f"one {model.cell.upper()} reads each sequence forwards with {hidden} hidden units"
    )
    with eval_mode(model), torch.no_grad():
        x = x.to(weight.device)
        output = rnn(x)[0]  # (N, L, D*H_out); an LSTM's second item is (h_n, c_n), a GRU's h_n
        logits = model.head(output)  # (N, L, C)
    classes = logits.shape[-1]
    return [
        PipelineStage(
            "input", "(N, L, H_in)", "N sequences of L steps with H_in features each, as the data holds them", x
        ),
        PipelineStage(
            f"{kind} {model.cell.upper()}", "(N, L, D*H_out)" if directions == 2 else "(N, L, H_out)", reads, output
        ),
        PipelineStage(
            "linear layer",
            "(N, L, C)",
            f"the same nn.Linear({directions * hidden}, {classes}) maps every step's "
            f"{directions * hidden} features to {classes} class scores (logits)",
            logits,
        ),
        PipelineStage(
            "softmax",
            "(N, L, C)",
            f"turns each step's {classes} logits into probabilities that sum to 1",
            logits.softmax(dim=-1),
        ),
    ]


class PipelineViewer(TextBox):
    """Step through a tagger's pipeline stage by stage: each stage's shape and a heat map of one sequence.

    `PipelineViewer(model, x, sequence=0)`: `model` a SequenceTagger, `x` `(N, L, H_in)`.
    Controls: `.stage` (toggle buttons, value 0..3), `.previous` and `.next`
    (buttons), `.sequence` (number box 0..N-1, the sequence shown in the heat
    map). Views: `.info` (HTML: all stages' shapes, the current one shaded, and
    what it does) and `.image` (HTML: the PNG heat map of the current stage's
    tensor for that sequence, `(L, K)` with L steps and K features or classes,
    whose alt text says what it shows).

    Every control has an accessible name and works from the keyboard in
    JupyterLab: Tab moves between them, Enter or Space presses a button, the
    arrow keys step the sequence. The sequence is a number box rather than a
    slider because ipywidgets' slider handle cannot be given a name.
    """

    def __init__(self, model: SequenceTagger, x: torch.Tensor, sequence: int = 0):
        stages = pipeline_stages(model, x)
        check_int("sequence", sequence, minimum=0)
        if sequence >= len(x):
            raise ValueError(f"sequence must be the index of a sequence of x, 0..{len(x) - 1}, got {sequence}")
        self.stages = stages
        self._split = model.rnn.hidden_size if model.rnn.bidirectional else None
        self._images: dict[
            tuple[int, int], str
        ] = {}  # (stage, sequence) -> the <img> HTML, for the sequence on show only
        self.stage = widgets.ToggleButtons(
            options=[(f"{i + 1} {s.name}", i) for i, s in enumerate(stages)],
            description="stage",
            tooltips=[f"Show stage {i + 1}, {s.name}" for i, s in enumerate(stages)],
        )
        self.previous = widgets.Button(
            description="previous stage", icon="arrow-left", tooltip="Go to the previous stage"
        )
        self.next = widgets.Button(description="next stage", icon="arrow-right", tooltip="Go to the next stage")
        self.sequence = widgets.BoundedIntText(
            value=sequence,
            min=0,
            max=len(x) - 1,
            description="sequence",
            tooltip=f"The sequence of x the heat map shows, 0 to {len(x) - 1}",
            layout=widgets.Layout(width="200px"),
        )
        self.info = widgets.HTML()
        self.image = widgets.HTML()
        self.previous.on_click(lambda _: self._move(-1))
        self.next.on_click(lambda _: self._move(1))
        self.stage.observe(lambda _: self._update(), names="value")
        self.sequence.observe(lambda _: self._update(), names="value")
        super().__init__(
            [
                self.stage,
                widgets.HBox([self.previous, self.next, self.sequence]),
                self.info,
                self.image,
            ]
        )
        self.add_class("birnn-pipeline-viewer")  # names the box for the browser tests
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
            html_table(("stage", "shape", "axes"), self._rows(), code=True, align_left=True, highlight=index)
            + f"<p><b>{html.escape(current.name)}</b>: {html.escape(current.description)}.<br>"
            f"Heat map: sequence {sequence}, i.e. <code>tensor[{sequence}]</code> of shape "
            f"<code>{tuple(current.tensor.shape[1:])}</code> (time steps down, "
            f"{'features' if index < 2 else 'classes'} across).</p>"
        )
        self.image.value = self._heatmap(index, sequence)

    def _heatmap(self, index: int, sequence: int) -> str:
        """HTML `<img>` of the (L, K) tensor of one sequence at one stage, with the figure's description as alt.

        The four stages of the sequence on show are cached, so stepping back and
        forth is instant; choosing another sequence empties the cache.
        """
        if any(key[1] != sequence for key in self._images):
            self._images.clear()
        if (index, sequence) not in self._images:
            from ..plots import plot_tensor_heatmap  # here: building the stages needs no matplotlib

            stage = self.stages[index]
            figure = plot_tensor_heatmap(
                stage.tensor[sequence],
                f"stage {index + 1}, {stage.name}: sequence {sequence}, shape {tuple(stage.tensor.shape[1:])}",
                split=self._split if index == 1 else None,
                xlabel="class c" if index >= 2 else "feature d",  # logits and probabilities: a column per class
            )
            self._images[index, sequence] = image_html(figure.png(), figure.description, max_width="720px")
        return self._images[index, sequence]

    def text(self) -> str:
        index, sequence = self.stage.value, self.sequence.value
        marks = ["->" if i == index else "" for i in range(len(self.stages))]
        current = self.stages[index]
        lines = [
            f"Pipeline viewer: stage {index + 1} of {len(self.stages)}, "
            f"heat map of sequence {sequence} of {len(current.tensor)}"
        ]
        lines.append(text_table(("stage", "shape", "axes"), self._rows(), markers=marks))
        lines.append(textwrap.fill(f"{index + 1} {current.name}: {current.description}.", TEXT_WIDTH))
        return "\n".join(lines)
