"""A bidirectional RNN written with plain tensor operations, to check against `nn.RNN`.

One direction is one loop: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh),
starting from h = 0. The backward direction is the same loop run over each
sequence reversed, with its outputs reversed back so that step t of both
directions lines up before they are concatenated.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .data import step_mask
from .shapes import _check_input
from .validation import check_int, check_lengths, check_tensor, describe

# Names and order of one direction's parameters in nn.RNN; the backward
# direction's carry the suffix "_reverse".
PARAMETER_NAMES = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


def run_direction(x, W_ih, W_hh, b_ih, b_hh, reverse=False, lengths=None):
    """Run one tanh RNN direction over batch-first `x` `(N, T, F)`.

    Weights: `W_ih` `(H, F)`, `W_hh` `(H, H)`, `b_ih` and `b_hh` `(H,)`, all of x's dtype.
    Returns `(outputs (N, T, H), h_last (N, H))`, outputs in the original step
    order. `reverse=True` reads each sequence from its last valid step back to
    step 0. With `lengths` `(N,)`, steps from `lengths[n]` on are padding: they
    output 0 and leave the state alone, so h_last is each sequence's own final
    state (after its last valid step forwards, after step 0 backwards).
    """
    check_tensor("W_ih", W_ih, dim=2, floating=True)
    hidden_size, input_size = W_ih.shape
    _check_input(x, input_size, dtype=W_ih.dtype)
    for name, value, shape in (
        ("W_hh", W_hh, (hidden_size, hidden_size)), ("b_ih", b_ih, (hidden_size,)), ("b_hh", b_hh, (hidden_size,)),
    ):
        check_tensor(name, value)
        if tuple(value.shape) != shape:
            raise ValueError(
                f"{name} must have shape {shape} (H = W_ih.shape[0] = {hidden_size}), got {describe(value)}"
            )
        if value.dtype != W_ih.dtype:
            raise TypeError(f"{name} must have W_ih's dtype {W_ih.dtype}, got {describe(value)}")
    batch_size, seq_len = x.shape[:2]
    if lengths is None:
        lengths = torch.full((batch_size,), seq_len, dtype=torch.int64)
    lengths = check_lengths(lengths, batch_size, seq_len)
    valid = step_mask(lengths, seq_len).to(x.device).unsqueeze(-1)  # (N, T, 1)
    if reverse:
        x = _reverse_within_lengths(x, lengths)
    h = x.new_zeros(batch_size, hidden_size)
    outputs = []
    for t in range(seq_len):
        candidate = torch.tanh(x[:, t] @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
        # Padding must not move the state: a sequence that has ended keeps its
        # final state, and in reverse a padded sequence starts from 0 at its own last step.
        h = torch.where(valid[:, t], candidate, h)
        outputs.append(h.masked_fill(~valid[:, t], 0.0))  # padded steps read 0, as pad_packed_sequence gives
    outputs = torch.stack(outputs, dim=1)  # (N, T, H)
    if reverse:
        outputs = _reverse_within_lengths(outputs, lengths)  # back to the original step order
    return outputs, h


class ScratchBiRNN(nn.Module):
    """Single-layer bidirectional tanh RNN from plain tensor ops, batch-first.

    `forward(x (N, T, F), lengths=None) -> (output (N, T, 2H), h_n (2, N, H))`:
    output is `[forward, backward]` per step, h_n[0] the forward and h_n[1]
    the backward final state, exactly as nn.RNN(bidirectional=True) lays them
    out. Parameters carry nn.RNN's names and shapes, so `copy_from` copies them one by one.
    """

    def __init__(self, input_size, hidden_size, dtype=torch.float64):
        super().__init__()
        self.input_size = check_int("input_size", input_size)
        self.hidden_size = check_int("hidden_size", hidden_size)
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise TypeError(f"dtype must be a floating torch dtype such as torch.float64, got {describe(dtype)}")
        shapes = ((hidden_size, input_size), (hidden_size, hidden_size), (hidden_size,), (hidden_size,))
        bound = 1 / math.sqrt(hidden_size)  # nn.RNN's initialisation: uniform in [-1/sqrt(H), 1/sqrt(H)]
        for suffix in ("", "_reverse"):
            for name, shape in zip(PARAMETER_NAMES, shapes):
                weight = torch.empty(shape, dtype=dtype).uniform_(-bound, bound)
                self.register_parameter(name + suffix, nn.Parameter(weight))

    def copy_from(self, rnn) -> "ScratchBiRNN":
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

    def forward(self, x, lengths=None):
        forward_out, forward_h = run_direction(x, *self._direction(""), lengths=lengths)
        backward_out, backward_h = run_direction(x, *self._direction("_reverse"), reverse=True, lengths=lengths)
        output = torch.cat([forward_out, backward_out], dim=-1)  # (N, T, 2H)
        return output, torch.stack([forward_h, backward_h])  # h_n: (2, N, H)

    def _direction(self, suffix: str) -> list[torch.Tensor]:
        """W_ih, W_hh, b_ih, b_hh of the forward ("") or backward ("_reverse") direction."""
        return [getattr(self, name + suffix) for name in PARAMETER_NAMES]


def _reverse_within_lengths(x, lengths):
    """Reverse the first `lengths[n]` steps of each sequence of `x` `(N, T, *)`; padding stays in place."""
    seq_len = x.shape[1]
    steps = torch.arange(seq_len).expand(len(lengths), seq_len)  # (N, T)
    last = lengths.unsqueeze(1) - 1
    source = torch.where(steps <= last, last - steps, steps).to(x.device)
    return x.gather(1, source.view(*source.shape, *[1] * (x.dim() - 2)).expand_as(x))
