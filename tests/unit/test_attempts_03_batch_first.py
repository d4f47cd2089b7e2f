"""Learner attempts at exercise 03 (the silent batch_first bug), each through the real check.

Right answers are written unlike the worked solution (any edit of sequence 0, any fair comparison, a
NumPy or tensor bool; a fix by transposing); wrong ones are the slips a learner makes here, each with the
key words of the message it must get. The stubs must not hand over the answer.
"""

import pytest
import torch
from attempt_suite import assert_first_failure_gives_the_idea_not_the_code, assert_quotes_sections_of
from attempts import assert_answer, not_attempted, params, right, stub_hints, wrong
from exercise_code import exercise, solution
from torch import nn

from course_utils.checks.lesson03 import check_fixed_tagger, check_mixes_sequences

SOLVED = solution("03_batch_first")
STUBS = exercise("03_batch_first")


# --- mixes_sequences ----------------------------------------------------------------------------------


def detector(edit, compare, copy=True):
    """A mixes_sequences that edits a copy of x (or x itself) with `edit` and returns `compare(before, after)`."""

    def mixes_sequences(model, x):
        changed = x.clone() if copy else x
        edit(changed)
        with torch.no_grad():
            return compare(model(x), model(changed))

    return mixes_sequences


def sequence_0(x):
    x[0] = torch.randn_like(x[0])


def others_moved(before, after):
    return not torch.allclose(before[1:], after[1:])


def in_place_after_the_first_run(model, x):
    with torch.no_grad():
        before = model(x)
        x[0] *= -1.0
        after = model(x)
    return bool((before[1:] - after[1:]).abs().max() > 1e-6) if len(x) > 1 else False


def one_by_one(model, x):
    changed = x.clone()
    changed[0] = 0.0
    with torch.no_grad():
        before, after = model(x), model(changed)
    return any(not torch.equal(before[n], after[n]) for n in range(1, len(x)))


def as_bool_tensor(model, x):
    changed = x.clone()
    changed[0] += 3.0
    with torch.no_grad():
        before, after = model(x), model(changed)
    return (before[1:] != after[1:]).any()  # a one-element bool tensor


def last_sequence(model, x):
    changed = x.clone()
    changed[-1] += 3.0
    with torch.no_grad():
        before, after = model(x), model(changed)
    return bool((before[:-1] != after[:-1]).any())


def parts_only(model, x):
    changed = x.clone()
    changed[0] += 1.0
    with torch.no_grad():
        return not torch.allclose(model(x[1:]), model(changed[1:])) if len(x) > 1 else False


def shapes_only(model, x):
    with torch.no_grad():
        return model(x).shape[:2] != x.shape[:2]


def largest_change(model, x):
    changed = x.clone()
    changed[0] += 1.0
    with torch.no_grad():
        return (model(x) - model(changed))[1:].abs().sum()


MIXES = [
    right("a random sequence 0, allclose", detector(sequence_0, others_moved)),
    right("x changed in place after the first run", in_place_after_the_first_run),
    right("sequence by sequence with torch.equal", one_by_one),
    right("a bool tensor", as_bool_tensor),
    right("one step of sequence 0 changed", detector(lambda x: x[0, 0].sub_(2.0), others_moved)),
    right(
        "a NumPy bool",
        detector(sequence_0, lambda before, after: (before[1:] != after[1:]).numpy().any()),
    ),
    not_attempted("the exercise's stub", STUBS["mixes_sequences"]),
    wrong(
        "x[:, 0] changed: step 0 of every sequence",
        detector(lambda x: x[:, 0].add_(1.0), others_moved),
        "expected False, got True",
        "Your change touched step 0 of every sequence (x[:, 0]), not sequence 0",
        "sequence 0 is x[0], all its steps",
        never_says=("compare only sequences 1..N-1",),
    ),
    wrong(
        "sequence 1 changed, sequences 1.. compared",
        detector(lambda x: x[1].add_(1.0), others_moved),
        "Your change left sequence 0 alone and touched sequence 1",
    ),
    wrong(
        "sequences 0 and 1 changed",
        detector(lambda x: x[:2].add_(1.0), others_moved),
        "Your change touched sequence 0 and sequence 1",
        "Change sequence 0 only (x[0])",
    ),
    wrong(
        "the last sequence changed",
        last_sequence,
        "expected True, got False",
        "Your change left sequence 0 alone and touched sequence 3",
        "carries a change forward only",
    ),
    wrong(
        "every sequence compared",
        detector(sequence_0, lambda before, after: not torch.allclose(before, after)),
        "You changed sequence 0 only, as you should",
        "compare only sequences 1..N-1",
    ),
    wrong(
        "the copy is x itself",
        detector(sequence_0, others_moved, copy=False),
        "expected True, got False",
        "`x_changed = x` gives the same tensor a second name",
        "x.clone()",
    ),
    wrong(
        "nothing changed",
        detector(lambda x: None, others_moved),
        "Every run of the model got x unchanged",
    ),
    wrong(
        "shapes compared",
        shapes_only,
        "a shape check cannot see this bug",
    ),
    wrong(
        "a part of the batch run",
        parts_only,
        "Your function ran the model on parts of the batch only",
    ),
    wrong(
        "a number returned",
        largest_change,
        "expected True or False, got tensor(",
        "that is a number, not a yes or no",
    ),
    wrong("a word returned", lambda model, x: "yes", "expected True or False, got 'yes'"),
    wrong("nothing returned", lambda model, x: None, "expected True or False, got None"),
    wrong(
        "the check given a result",
        True,
        "check_mixes_sequences(...) needs your function itself",
        "check_mixes_sequences(mixes_sequences)",
    ),
]


@pytest.mark.parametrize("attempt", params(MIXES))
def test_each_mixes_sequences_attempt_gets_its_verdict_and_message(attempt):
    assert_answer(check_mixes_sequences, attempt)


# --- FixedTagger --------------------------------------------------------------------------------------


class Tagger(nn.Module):
    """The script's forward; subclasses build `rnn` and `head` as a learner might."""

    def forward(self, x):
        output, _ = self.rnn(x)
        return self.head(output)


class Keywords(Tagger):
    def __init__(self, input_size=8, hidden_size=10, num_classes=5):
        super().__init__()
        self.rnn = nn.RNN(input_size=input_size, hidden_size=hidden_size, batch_first=True, bidirectional=True)
        self.head = nn.Linear(self.rnn.hidden_size * 2, num_classes)


class Transposing(nn.Module):
    """Keeps the time-first RNN and swaps the axes on the way in and out, as lesson 03 allows."""

    def __init__(self, input_size=8, hidden_size=10, num_classes=5):
        super().__init__()
        self.rnn = nn.RNN(input_size, hidden_size, bidirectional=True)
        self.head = nn.Linear(2 * hidden_size, num_classes)

    def forward(self, x):
        output, _ = self.rnn(x.transpose(0, 1))
        return self.head(output.transpose(0, 1))


def tagger(rnn_options=None, hidden=10, head_inputs=None):
    """A Tagger whose RNN is nn.RNN(8, hidden, **rnn_options) and head nn.Linear(head_inputs, 5)."""
    options = {"bidirectional": True, "batch_first": True} if rnn_options is None else rnn_options

    class Variant(Tagger):
        def __init__(self, input_size=8, hidden_size=10, num_classes=5):
            super().__init__()
            self.rnn = nn.RNN(input_size, hidden, **options)
            directions = 2 if self.rnn.bidirectional else 1
            self.head = nn.Linear(head_inputs or directions * hidden, num_classes)

    return Variant


class Viewing(Transposing):
    """Swaps the axes with view, which re-cuts the numbers in memory order."""

    def forward(self, x):
        n, steps, features = x.shape
        output, _ = self.rnn(x.view(steps, n, features))
        return self.head(output.view(n, steps, -1))


class TransposedTwice(Keywords):
    def forward(self, x):
        output, _ = self.rnn(x.transpose(0, 1))  # batch_first=True already reads x as it is
        return self.head(output.transpose(0, 1))


class NoSuper(Tagger):
    def __init__(self, input_size=8, hidden_size=10, num_classes=5):
        self.rnn = nn.RNN(input_size, hidden_size, bidirectional=True, batch_first=True)
        self.head = nn.Linear(2 * hidden_size, num_classes)


class NoDefaults(Keywords):
    def __init__(self, input_size, hidden_size, num_classes):
        super().__init__(input_size, hidden_size, num_classes)


FIXED = [
    right("keyword arguments, head from rnn.hidden_size", Keywords),
    right("a time-first RNN with transposes", Transposing),
    not_attempted("the exercise's stub", STUBS["FixedTagger"]),
    wrong(
        "the script unchanged",
        SOLVED["ScriptTagger"],
        "changing sequence 0 changed the logits of sequence 1",
        "nn.RNN expects (L, N, H_in) unless it is built with batch_first=True",
        "validation accuracy after 5 epochs is 0.3",
    ),
    wrong(
        "bidirectional dropped",
        tagger({"batch_first": True}),
        "changing step 4 left step 3's logits unchanged: the model does not read the future",
    ),
    wrong(
        "a head for one direction",
        tagger(head_inputs=10),
        "mat1 and mat2 shapes cannot be multiplied",
        "The head reads the RNN's output, D*H_out features per step",
    ),
    wrong("32 hidden units", tagger(hidden=32), "32 hidden units per direction; the script's reads 8 with 10"),
    wrong(
        "axes swapped with view",
        Viewing,
        "changing sequence 0 changed the logits of sequence",
        "view or reshape",
    ),
    wrong(
        "batch_first=True and transposes too",
        TransposedTwice,
        "although its RNN is built with batch_first=True",
        "a transpose",
    ),
    wrong("super().__init__() left out", NoSuper, "call super().__init__() first"),
    wrong("__init__ without defaults", NoDefaults, "Keep the parameters of the task's `def` line"),
    wrong(
        "the check given a model",
        Keywords(),
        "check_fixed_tagger(...) needs your class itself",
        "an object built from one, a Keywords",
        "check_fixed_tagger(Keywords)",
        never_says=("the check could not use what your code returned",),
    ),
]


@pytest.mark.parametrize("attempt", params(FIXED))
def test_each_fixed_tagger_attempt_gets_its_verdict_and_message(attempt):
    assert_answer(check_fixed_tagger, attempt)


def test_no_stub_states_the_answer():
    mixes, fixed = stub_hints("03_batch_first")
    assert not any(code in mixes for code in ("allclose", "[1:]", "no_grad", "clone"))
    assert "batch_first" not in fixed


@pytest.mark.parametrize(
    "check, task",
    [
        (lambda: check_mixes_sequences(shapes_only), "mixes_sequences"),
        (lambda: check_fixed_tagger(NoSuper), "FixedTagger"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_a_first_failure_names_a_section_of_lesson_03_and_withholds_the_code(check, task):
    report = assert_first_failure_gives_the_idea_not_the_code(check, task)
    assert_quotes_sections_of(report.concept, "03_batch_first")
