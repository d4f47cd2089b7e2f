"""Learner attempts at exercise 01 (a bidirectional RNN by hand), each through the real check.

Right answers are written unlike the worked solution; wrong ones are the slips a learner makes here, each
with the key words of the message it must get. The stubs must not hand over the answer.
"""

import pytest
import torch
from attempt_suite import assert_first_failure_gives_the_idea_not_the_code, assert_quotes_sections_of
from attempts import assert_answer, not_attempted, params, right, stub_hints, wrong
from exercise_code import exercise, solution

from course_utils.checks.lesson01 import check_bidirectional_pass, check_run_one_direction

SOLVED = solution("01_concept")
STUBS = exercise("01_concept")
run_one_direction = SOLVED["run_one_direction"]


# --- run_one_direction: right, written another way ------------------------------------------------


def preallocated(x, W_ih, W_hh, b_ih, b_hh):
    n, steps, _ = x.shape
    outputs = x.new_empty(n, steps, W_hh.shape[0])
    h = torch.zeros(n, W_hh.shape[0])
    for t in range(steps):
        h = torch.tanh(x[:, t] @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
        outputs[:, t] = h
    return outputs, h


def projected_first(x, W_ih, W_hh, b_ih, b_hh):
    inputs = torch.nn.functional.linear(x, W_ih, b_ih + b_hh)  # every step's input term at once
    h, states = None, []
    for t in range(x.shape[1]):
        h = torch.tanh(inputs[:, t] if h is None else inputs[:, t] + h @ W_hh.T)
        states.append(h.unsqueeze(1))
    return [torch.cat(states, dim=1), states[-1].squeeze(1)]  # a list is a pair too


def in_float64(x, W_ih, W_hh, b_ih, b_hh):
    outputs, h = run_one_direction(x.double(), W_ih.double(), W_hh.double(), b_ih.double(), b_hh.double())
    return outputs.float(), h.float()


# --- run_one_direction: the slips -------------------------------------------------------------------


def loop_with(step, keep_before=False):
    """A one-direction loop whose step is `step(x_t, h, W_ih, W_hh, b_ih, b_hh)`."""

    def run(x, W_ih, W_hh, b_ih, b_hh):
        h, states = x.new_zeros(x.shape[0], W_hh.shape[0]), []
        for t in range(x.shape[1]):
            new = step(x[:, t], h, W_ih, W_hh, b_ih, b_hh)
            states.append(h if keep_before else new)
            h = new
        return torch.stack(states, dim=1), h

    return run


def results(change):
    """The reference results with `change(outputs, h_last)` returned instead."""

    def run(x, W_ih, W_hh, b_ih, b_hh):
        return change(*run_one_direction(x, W_ih, W_hh, b_ih, b_hh))

    return run


def time_indexed(x, W_ih, W_hh, b_ih, b_hh):
    h, states = torch.zeros(x.shape[0], W_hh.shape[0]), []
    for t in range(x.shape[1]):
        h = torch.tanh(x[t] @ W_ih.T + b_ih + h @ W_hh.T + b_hh)  # x[t] is sequence t, not step t
        states.append(h)
    return torch.stack(states, dim=1), h


def right_to_left(x, W_ih, W_hh, b_ih, b_hh):
    h, states = torch.zeros(x.shape[0], W_hh.shape[0]), []
    for t in reversed(range(x.shape[1])):
        h = torch.tanh(x[:, t] @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
        states.append(h)
    return torch.stack(states, dim=1), h


def cat_states(x, W_ih, W_hh, b_ih, b_hh):
    h, states = torch.zeros(x.shape[0], W_hh.shape[0]), []
    for t in range(x.shape[1]):
        h = torch.tanh(x[:, t] @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
        states.append(h)
    return torch.cat(states, dim=1), h


def three_parameters(x, W_ih, W_hh, b):
    return run_one_direction(x, W_ih, W_hh, b, b)


def rnn_step(x_t, h, W_ih, W_hh, b_ih, b_hh):
    return torch.tanh(x_t @ W_ih.T + b_ih + h @ W_hh.T + b_hh)


no_memory = loop_with(lambda x_t, h, W_ih, W_hh, b_ih, b_hh: torch.tanh(x_t @ W_ih.T + b_ih + b_hh))


X, WEIGHTS = torch.randn(2, 3, 4), [torch.randn(5, 4), torch.randn(5, 5), torch.randn(5), torch.randn(5)]

ONE_DIRECTION = [
    right("preallocated outputs", preallocated),
    right("input terms first, a list returned", projected_first),
    right("computed in float64", in_float64),
    not_attempted("the exercise's stub", STUBS["run_one_direction"]),
    wrong("no recurrence", no_memory, "Every step ignored the state before it"),
    wrong(
        "b_hh left out",
        loop_with(lambda x_t, h, W_ih, W_hh, b_ih, b_hh: torch.tanh(x_t @ W_ih.T + b_ih + h @ W_hh.T)),
        "without b_hh: nn.RNN adds both biases",
    ),
    wrong(
        "no biases",
        loop_with(lambda x_t, h, W_ih, W_hh, b_ih, b_hh: torch.tanh(x_t @ W_ih.T + h @ W_hh.T)),
        "without biases: nn.RNN adds both",
    ),
    wrong(
        "relu",
        loop_with(lambda x_t, h, W_ih, W_hh, b_ih, b_hh: torch.relu(x_t @ W_ih.T + b_ih + h @ W_hh.T + b_hh)),
        "nn.RNN uses tanh",
    ),
    wrong(
        "sigmoid",
        loop_with(lambda x_t, h, W_ih, W_hh, b_ih, b_hh: torch.sigmoid(x_t @ W_ih.T + b_ih + h @ W_hh.T + b_hh)),
        "nn.RNN uses tanh, not relu or sigmoid",
    ),
    wrong(
        "weights not transposed",
        loop_with(lambda x_t, h, W_ih, W_hh, b_ih, b_hh: torch.tanh(x_t @ W_ih + b_ih + h @ W_hh + b_hh)),
        "mat1 and mat2 shapes cannot be multiplied",
        "multiplies by the transposed weights",
    ),
    wrong("the state before each step kept", loop_with(rnn_step, keep_before=True), "state from BEFORE that step"),
    wrong("x[t] for step t", time_indexed, "step t of every sequence is x[:, t]"),
    wrong("read right to left", right_to_left, "this direction reads left to right"),
    wrong("states joined with torch.cat", cat_states, "(N, L*H_out)", "stacking them adds the step axis"),
    wrong("steps stacked on dim 0", results(lambda out, h: (out.transpose(0, 1), h)), "laid out (L, N, H_out)"),
    wrong("h_last from step 0", results(lambda out, h: (out, out[:, 0])), "h_last is the state after the LAST step"),
    wrong("h_last with a layer axis", results(lambda out, h: (out, h.unsqueeze(0))), "without nn.RNN's leading"),
    wrong("h_last = outputs[-1]", results(lambda out, h: (out, out[-1])), "every step of the last sequence"),
    wrong("results swapped", results(lambda out, h: (h, out)), "the results come in the order (outputs, h_last)"),
    wrong("outputs only", results(lambda out, h: out), "expected a pair (outputs, h_last), got a Tensor"),
    wrong(
        "the states not stacked",
        results(lambda out, h: (list(out.unbind(1)), h)),
        "not a list of each step's state",
    ),
    wrong("nothing returned", lambda x, W_ih, W_hh, b_ih, b_hh: None, "expected a pair (outputs, h_last)"),
    wrong("a parameter short", three_parameters, "Keep the parameters of the task's `def` line"),
    wrong(
        "the check given a result",
        run_one_direction(X, *WEIGHTS),
        "check_run_one_direction(...) needs your function itself",
        "check_run_one_direction(run_one_direction)",
        never_says=("the check could not use what your code returned",),
    ),
]


@pytest.mark.parametrize("attempt", params(ONE_DIRECTION))
def test_each_one_direction_attempt_gets_its_verdict_and_message(attempt):
    assert_answer(check_run_one_direction, attempt)


# --- bidirectional_pass -------------------------------------------------------------------------------


def directions(x, rnn):
    """{"": forward weights, "_reverse": backward weights} read by name, as a learner might."""
    names = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
    return {suffix: [getattr(rnn, name + suffix) for name in names] for suffix in ("", "_reverse")}


def by_index(x, rnn):
    weights = directions(x, rnn)
    steps = torch.arange(x.shape[1] - 1, -1, -1)
    forward, _ = run_one_direction(x, *weights[""])
    backward_read, _ = run_one_direction(x[:, steps], *weights["_reverse"])
    backward = backward_read[:, steps]
    h_n = torch.cat([forward[:, -1].unsqueeze(0), backward[:, 0].unsqueeze(0)])
    return [torch.cat((forward, backward), dim=2), h_n]


def via_named_parameters(x, rnn):
    params_by_name = dict(rnn.named_parameters())
    halves, finals = [], []
    for suffix, seq in (("", x), ("_reverse", torch.flip(x, dims=[1]))):
        names = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
        out, h = run_one_direction(seq, *(params_by_name[name + suffix] for name in names))
        halves.append(out if suffix == "" else torch.flip(out, dims=[1]))
        finals.append(h)
    return torch.cat(halves, -1), torch.stack(finals)


def passing(backward_input, backward_output, suffix="_reverse", join=lambda f, b: torch.cat([f, b], -1)):
    """A bidirectional pass built from the reference loop, with one step done the way a slip does it."""

    def bidirectional_pass(x, rnn):
        weights = directions(x, rnn)
        forward, forward_h = run_one_direction(x, *weights[""])
        backward, backward_h = run_one_direction(backward_input(x), *weights[suffix])
        return join(forward, backward_output(backward)), torch.stack([forward_h, backward_h])

    return bidirectional_pass


def with_h_n(make_h_n):
    """The reference output with h_n built by `make_h_n(output, H_out)`."""

    def bidirectional_pass(x, rnn):
        output, _ = SOLVED["bidirectional_pass"](x, rnn)
        return output, make_h_n(output, rnn.hidden_size)

    return bidirectional_pass


def flip(x):
    return x.flip(1)


def keep(x):
    return x


def torchs_answer(x, rnn):
    return rnn(x)


BIDIRECTIONAL = [
    right("indices reversed by hand, a list returned", by_index),
    right("weights from named_parameters, torch.flip", via_named_parameters),
    not_attempted("the exercise's stub", STUBS["bidirectional_pass"]),
    wrong("backward outputs not flipped back", passing(flip, keep), "you forgot to flip the backward outputs back"),
    wrong("backward never reversed", passing(keep, keep), "run the _reverse weights over x.flip(1)"),
    wrong(
        "flip(0) for the steps",
        passing(lambda x: x.flip(0), lambda b: b.flip(0)),
        "Its backward half read the sequence left to right",
    ),
    wrong("forward weights both ways", passing(flip, flip, suffix=""), "used the forward weights"),
    wrong(
        "halves swapped",
        passing(flip, flip, join=lambda f, b: torch.cat([b, f], -1)),
        "The halves are swapped",
    ),
    wrong(
        "units interleaved",
        passing(flip, flip, join=lambda f, b: torch.stack([f, b], 3).flatten(2)),
        "interleaved",
    ),
    wrong(
        "halves joined along the steps",
        passing(flip, flip, join=lambda f, b: torch.cat([f, b], 1)),
        "joined along the steps, (N, 2*L, H_out)",
    ),
    wrong("forward half only", passing(flip, flip, join=lambda f, b: f), "That is one direction only"),
    wrong(
        "h_n from output[:, -1] split",
        with_h_n(lambda out, H: torch.stack([out[:, -1, :H], out[:, -1, H:]])),
        "its final state is output[:, 0, H_out:]",
    ),
    wrong(
        "h_n directions swapped",
        with_h_n(lambda out, H: torch.stack([out[:, 0, H:], out[:, -1, :H]])),
        "h_n[0] is the forward one",
    ),
    wrong(
        "h_n stacked on dim 1",
        with_h_n(lambda out, H: torch.stack([out[:, -1, :H], out[:, 0, H:]], 1)),
        "stack on dim 0",
    ),
    wrong(
        "h_n concatenated",
        with_h_n(lambda out, H: torch.cat([out[:, -1, :H], out[:, 0, H:]], -1)),
        "h_n keeps them apart, (2, N, H_out)",
    ),
    wrong("h_n = output[:, -1]", with_h_n(lambda out, H: out[:, -1]), "That is output[:, -1], (N, D*H_out)"),
    wrong(
        "h_n as a tuple",
        with_h_n(lambda out, H: (out[:, -1, :H], out[:, 0, H:])),
        "h_n is one tensor, (2, N, H_out), not a list or tuple",
    ),
    wrong("torch's own answer", torchs_answer, "your bidirectional_pass called rnn(...)", "Compute it by hand"),
    wrong(
        "the check given a result",
        SOLVED["bidirectional_pass"](X, torch.nn.RNN(4, 3, bidirectional=True, batch_first=True)),
        "check_bidirectional_pass(...) needs your function itself",
        "check_bidirectional_pass(bidirectional_pass)",
    ),
]


@pytest.mark.parametrize("attempt", params(BIDIRECTIONAL))
def test_each_bidirectional_attempt_gets_its_verdict_and_message(attempt):
    assert_answer(check_bidirectional_pass, attempt)


def test_no_stub_states_the_answer():
    one_direction, bidirectional = stub_hints("01_concept")
    assert not any(code in one_direction for code in ("tanh(", "W_hh.T", "torch.stack", "dim=1"))
    assert not any(code in bidirectional for code in ("flip(1)", "torch.cat", "_reverse", "torch.stack"))


@pytest.mark.parametrize(
    "check, task",
    [
        (lambda: check_run_one_direction(no_memory), "run_one_direction"),
        (lambda: check_bidirectional_pass(passing(flip, keep)), "bidirectional_pass"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_a_first_failure_names_a_section_of_lesson_01_and_withholds_the_code(check, task):
    report = assert_first_failure_gives_the_idea_not_the_code(check, task)
    assert_quotes_sections_of(report.concept, "01_concept")
