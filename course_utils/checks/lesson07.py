"""Checks for exercise 07 (speaker identification): a masked mean, a packed classifier, and training it.

`check_mean_pool(fn)`: `fn(x (N, L, H_in), lengths (N,)) -> (N, H_in)`, the average of each
sequence's valid steps. One case pads with -1 instead of 0, so only the lengths can
tell real steps from pads.

`check_classifier_forward(classifier_class)`: `classifier_class(input_size, hidden_size, num_classes, cell,
num_layers)` builds `.rnn` (a bidirectional, batch-first nn.RNN/GRU/LSTM) and `.head`
(nn.Linear(D*H_out, C)); its `forward(x, lengths) -> logits (N, C)` must equal the head
applied to each sequence's own final states `[h_n[-2], h_n[-1]]`, computed by running
every sequence alone, without padding. What the forward feeds `.rnn` is recorded, so a
batch packed time-first (`batch_first` left out) is named as such.

`check_speaker_training(classifier_class)`: first runs Task 2's cases on the class (a forward that
reads the pads fails here too, pointing to Task 2, however well it would score), then trains
`classifier_class(12, 32, 9, cell="gru")` with the lesson's recipe on the 216 utterances
`make_vowel_validation_loaders` leaves for training and scores it on the 54 it holds out.
The test split is never read: the lesson uses it once, at the end, and a check a learner
may run many times must not.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypedDict

import torch
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from ..lessons.speaker_id import N_COEFFICIENTS, N_SPEAKERS, make_vowel_validation_loaders
from ..tensors import step_mask
from ..training import evaluate, train
from .common import seeded
from .comparators import Mismatch, expect_close, explaining_errors
from .report import CheckReport
from .runner import run_check
from .tracebacks import describe_error

ATOL = 1e-5
FEATURES = 4
CLASSES = 3
# (steps L, lengths, padding value) of each mean_pool case
POOL_CASES = {
    "x (3, 5, 4), lengths [5, 2, 4], zero padding": (5, [5, 2, 4], 0.0),
    "x (2, 6, 4), lengths [3, 1] (no sequence fills L)": (6, [3, 1], 0.0),
    "x (3, 4, 4), lengths [2, 4, 3], padded with -1, not 0": (4, [2, 4, 3], -1.0),
    "batch of 1: x (1, 3, 4), lengths [3]": (3, [3], 0.0),
}
# (cell, num_layers, hidden size H_out, steps L, lengths) of each forward case
FORWARD_CASES = {
    "gru, x (3, 5, 4), lengths [5, 2, 4] (not sorted)": ("gru", 1, 3, 5, [5, 2, 4]),
    "2-layer lstm, x (3, 6, 4), lengths [3, 6, 1]": ("lstm", 2, 2, 6, [3, 6, 1]),
    "rnn, x (2, 6, 4), lengths [3, 2] (no sequence fills L)": ("rnn", 1, 3, 6, [3, 2]),
    "batch of 1: gru, x (1, 4, 4), lengths [4]": ("gru", 1, 2, 4, [4]),
    "lstm, x (4, 5, 4), lengths [2, 5, 1, 4] (not sorted)": ("lstm", 1, 2, 5, [2, 5, 1, 4]),
}

MEAN_CONCEPT = (
    "average only each sequence's real steps: leave the pads out of the sum and divide by the sequence's own "
    "length, since the lengths, not the values, tell pads from real steps (lesson 07, section 'The classic "
    "mistakes, measured': the mean-pooled baseline; a mask of the real steps: lesson 04, section 'Masking the "
    "loss on pad steps')"
)
FORWARD_CONCEPT = (
    "pack the padded batch so that neither direction reads a pad, then summarise each sequence by its last "
    "layer's final states in h_n, the forward h_n[-2] beside the backward h_n[-1], and give that summary to the "
    "head (lesson 07, section 'The classifier, stage by stage'; lesson 04, sections 'Packing: hand the RNN only "
    "the real steps' and 'A sequence classifier: read `h_n`, not `output[:, -1]`')"
)
TRAINING_CONCEPT = (
    "a model is judged on utterances it never trained on: while you work, a validation split carved from the "
    "training data; the test split only once, at the end. And the training is only as sound as Task 2's "
    "forward, which must read each utterance alone (lesson 07, section 'Choosing the settings without the test "
    "split')"
)

# The forward's slips recognised by the error they raise (the message torch or Python gives).
LENGTHS_AXIS = (
    "lengths (N,) lines up with the last axis of what it meets, not with the sequences: give it an axis of its "
    "own, lengths[:, None] (N, 1), to compare it with torch.arange(L) (the steps) or to divide a (N, H_in) sum "
    "by it"
)
ONE_SLICE_PER_SEQUENCE = (
    "lengths holds one length per sequence, and a slice takes one number: loop over the sequences "
    "(x[n, :lengths[n]]) or build a mask of the real steps, (N, L), from the lengths"
)
BATCH_FIRST = (
    "pack_padded_sequence read x as time-first, (L, N, H_in), its default, but x is batch-first (N, L, H_in): "
    "it took steps for sequences, so the packed batch does not fit the lengths (torch says so only later, at the "
    "RNN). Pass batch_first=True to pack_padded_sequence"
)
ANY_ORDER = (
    "the lengths come in any order, and pack_padded_sequence expects them longest first unless you pass "
    "enforce_sorted=False: then it sorts the batch itself and gives h_n back in the batch's own order"
)
LSTM_PAIR = (
    "An nn.LSTM returns (output, (h_n, c_n)): its second item is a pair, not one tensor. Unpack the pair first, "
    "`_, (h_n, c_n) = self.rnn(packed)` for an LSTM (an nn.RNN or nn.GRU returns h_n itself), then read h_n[-2] "
    "and h_n[-1]"
)
NO_RETURN = "Your function returned None: does it end with a `return`?"
NOT_A_PAIR = (
    "Only an nn.LSTM returns a pair (h_n, c_n): an nn.GRU or nn.RNN returns h_n itself, (D*num_layers, N, H_out), so "
    "its [0] (or `h_n, c_n = hidden`) is one direction's states of the first layer. Take hidden[0] only when "
    "isinstance(self.rnn, nn.LSTM)"
)
PACKED_OUTPUT = (
    "a packed run's output is a PackedSequence, a tuple with no steps to index (and an nn.LSTM's second result "
    "is the tuple (h_n, c_n)): read the summary from h_n, the RNN's second result, taken out of the LSTM's pair"
)
HEAD_WIDTH = (
    "self.head takes (N, 2*hidden_size): each sequence's forward and backward final states side by side, "
    "torch.cat([h_n[-2], h_n[-1]], dim=-1), one row per sequence"
)
NO_GRADIENT = (
    "Task 2's check passed because it runs your forward without gradients, as evaluation does; training needs "
    "them: keep torch.no_grad() for evaluation, outside forward, and leave the layers trainable (no "
    "requires_grad_(False) in __init__)"
)
_FORWARD_ERRORS = (
    (re.compile(r"start \(\d+\) \+ length \(\d+\) exceeds dimension size"), BATCH_FIRST),
    (re.compile(r"must be sorted in decreasing order"), ANY_ORDER),
    (re.compile(r"'PackedSequence' object is not subscriptable|tuple indices must be integers"), PACKED_OUTPUT),
    (re.compile(r"mat1 and mat2 shapes cannot be multiplied"), HEAD_WIDTH),
)


class _Recipe(TypedDict):
    """How the training check trains: the classifier's units and cell, and `train`'s epochs, rate and batch size."""

    hidden_size: int
    cell: str
    epochs: int
    lr: float
    batch_size: int


# The training check: the lesson's recipe (20 epochs, lr 0.01, batches of 16) with 32 units instead of 64, to keep
# the check quick, on the lesson's validation split (216 utterances train, 54 are held out); a correct forward
# scores about 0.94 to 0.96 there (51 or 52 of 54), so the bar leaves room for another machine's rounding.
RECIPE: _Recipe = {"hidden_size": 32, "cell": "gru", "epochs": 20, "lr": 0.01, "batch_size": 16}
ACCURACY_BAR = 0.85


def _padded_batch(steps, lengths, pad_value):
    """x `(N, L, H_in)` seeded, with `pad_value` at every padded step, and lengths `(N,)`."""
    lengths = torch.tensor(lengths)
    with seeded(0):
        x = torch.randn(len(lengths), steps, FEATURES)
    padded = ~step_mask(lengths, steps)  # (N, L)
    return x.masked_fill(padded.unsqueeze(-1), pad_value), lengths


def _explain_pooling_error(error: Exception) -> str:
    text = str(error)
    if "must match the size of tensor" in text:
        return LENGTHS_AXIS
    if "converted to an index" in text or "only integer tensors of a single element" in text:
        return ONE_SLICE_PER_SEQUENCE
    return ""


def check_mean_pool(mean_pool: Callable[..., Any]) -> CheckReport:
    """Check `mean_pool(x, lengths)` against the mean of each sequence's valid steps."""

    def case(steps, lengths, pad_value):
        def run():
            x, lengths_t = _padded_batch(steps, lengths, pad_value)
            expected = torch.stack([x[n, :length].mean(0) for n, length in enumerate(lengths)])
            valid = step_mask(lengths_t, steps).unsqueeze(-1)  # (N, L, 1)
            one_more = step_mask(lengths_t + 1, steps).unsqueeze(-1)  # (N, L, 1): also the first pad
            with explaining_errors(_explain_pooling_error):
                got = mean_pool(x.clone(), lengths_t.clone())
            expect_close(
                got,
                expected,
                "mean (N, H_in)",
                ("sequence", "feature"),
                ATOL,
                [
                    (
                        x.mean(1),
                        "That is x.mean(dim=1): it averages over all L steps, pads included. Sum the valid "
                        "steps only and divide by each sequence's length.",
                    ),
                    (
                        x.sum(1) / lengths_t.unsqueeze(1),
                        "The division by the length is right, but the sum includes the padded steps: here they are not "
                        "zero. Mask them out (steps t >= lengths[n]) before summing.",
                    ),
                    (
                        (x * valid).sum(1) / steps,
                        "The pads are masked out, but you divided by L: divide by each sequence's own length.",
                    ),
                    ((x * valid).sum(1), "That is the sum of the valid steps: divide it by each sequence's length."),
                    (
                        (x * one_more).sum(1) / lengths_t.unsqueeze(1),
                        "Your mask keeps one step too many, the first pad: steps count from 0, so step t is real "
                        "when t < lengths[n], not t <= lengths[n].",
                    ),
                    (x.mean(2), "That averaged the features (dim=2): average over time, dim=1."),
                    (
                        lambda result: (
                            isinstance(result, torch.Tensor) and tuple(result.shape) == (len(lengths), 1, FEATURES)
                        ),
                        "A step axis of size 1 is left (keepdim=True, or a lengths of shape (N, 1, 1)): return one "
                        "row per sequence, (N, H_in).",
                    ),
                    (lambda result: result is None, NO_RETURN),
                ],
            )

        return run

    return run_check(
        "mean_pool",
        {name: case(*args) for name, args in POOL_CASES.items()},
        hint="build a mask (N, L, 1) of the valid steps from torch.arange(L) < lengths[:, None], "
        "sum x * mask over dim 1, then divide by lengths[:, None].",
        concept=MEAN_CONCEPT,
    )


class _ForwardCase:
    """One padded batch, the learner's model built from a seed, and the results of every way of reading it."""

    def __init__(self, classifier_class, cell, num_layers, hidden, steps, lengths):
        with seeded(0):
            self.model = classifier_class(FEATURES, hidden, CLASSES, cell=cell, num_layers=num_layers)
        self.model.eval().requires_grad_(False)
        self.cell, self.hidden, self.layers = cell, hidden, num_layers
        self.x, self.lengths = _padded_batch(steps, lengths, 0.0)
        rnn, head = self.model.rnn, self.model.head
        self.alone = [self._h(rnn(self.x[n : n + 1, :length])[1]) for n, length in enumerate(lengths)]
        packed_output, packed_hidden = rnn(
            pack_padded_sequence(self.x, self.lengths, batch_first=True, enforce_sorted=False)
        )
        padded_output, padded_hidden = rnn(self.x)
        self.output = pad_packed_sequence(packed_output, batch_first=True, total_length=steps)[0]  # (N, L, D*H_out)
        self.padded_output = padded_output
        self.h_n, self.padded_h_n = self._h(packed_hidden), self._h(padded_hidden)
        self.c_n = packed_hidden[1] if cell == "lstm" else None
        self.head = head
        self.summary = torch.cat([torch.cat([h[-2], h[-1]], -1) for h in self.alone])  # (N, D*H_out)
        self.expected = head(self.summary)  # (N, C)
        self.fed: list[object] = []  # what the learner's forward gives the rnn, in order
        rnn.register_forward_pre_hook(lambda module, inputs: self.fed.append(inputs[0] if inputs else None))

    def _h(self, hidden):
        return hidden[0] if self.cell == "lstm" else hidden

    def logits(self):
        """The learner's logits for fresh copies of the batch, their known errors explained."""
        with explaining_errors(self.explain_error):
            return self.model(self.x.clone(), self.lengths.clone())

    def packed_time_first(self) -> bool:
        """Whether the forward gave the rnn this batch packed as if it were time-first (`batch_first` left out).

        Packed that way, each step's rows come from x[t] (a sequence, not a step): where a length exceeds N
        the rows run short of the lengths' sum (torch fails only at the rnn), and elsewhere they hold the
        wrong entries of x.
        """
        try:
            time_first = pack_padded_sequence(self.x, self.lengths, enforce_sorted=False).data
        except (RuntimeError, ValueError):
            time_first = None
        rows = int(self.lengths.sum())
        for fed in self.fed:
            if not isinstance(fed, PackedSequence):
                continue
            lengths_kept = int(fed.batch_sizes.sum()) == rows  # packed by these lengths
            if lengths_kept and fed.data.shape[0] != rows:
                return True
            if time_first is not None and fed.data.shape == time_first.shape and torch.equal(fed.data, time_first):
                return True
        return False

    def explain_error(self, error: Exception) -> str:
        """The explanation of an error the learner's forward raised, or "" when it is not a known slip."""
        if self.packed_time_first():
            return BATCH_FIRST
        text = str(error)
        if self.cell == "lstm" and isinstance(error, AttributeError) and "'tuple' object" in text:
            return LSTM_PAIR  # a tensor's method called on (h_n, c_n)
        if self.cell != "lstm" and re.search(r"out of bounds for dimension 0|values to unpack", text):
            return NOT_A_PAIR  # hidden[0] of a GRU's h_n has no row -2 in a batch of 1; a 2-layer one unpacks 4
        return next((why for pattern, why in _FORWARD_ERRORS if pattern.search(text)), "")

    def mistakes(self):
        """(result, explanation) of each classic slip, as logits through the same head."""
        n = len(self.lengths)
        last_valid = self.output[torch.arange(n), self.lengths - 1]
        slips = [
            (
                self.padded_output[:, -1],
                "That is the head on output[:, -1] of the padded batch fed unpacked: the forward half ran on through "
                "the pads, and the backward half is where the backward direction starts (on a pad), not where it "
                "ends. Pack, then read h_n.",
            ),
            (
                self.output[:, -1],
                "That is the head on output[:, -1] after unpacking: for a sequence shorter than L it is a pad (zeros), "
                "and its backward half is where the backward direction starts. Read the final states from h_n.",
            ),
            (
                last_valid,
                "That is the head on the output at each sequence's last valid step: the forward half is right, but "
                "the backward half there is where the backward direction starts, not its summary. The backward "
                "summary is h_n[-1].",
            ),
            (
                torch.cat([self.padded_h_n[-2], self.padded_h_n[-1]], -1),
                "That is h_n of the padded batch fed unpacked: the forward direction read the pads after the real "
                "steps and the backward one started on them. Pack the batch with pack_padded_sequence first.",
            ),
            (
                torch.cat([self.h_n[-1], self.h_n[-2]], -1),
                "The two halves are swapped: the head expects the forward state h_n[-2] first.",
            ),
            (
                torch.cat([self.h_n[0], self.h_n[1]], -1),
                "h_n[0] and h_n[1] are the first layer's states: the last layer's are h_n[-2] and h_n[-1].",
            ),
        ]
        if self.c_n is not None:
            slips.append(
                (
                    torch.cat([self.c_n[-2], self.c_n[-1]], -1),
                    "Those are the LSTM's cell states c_n: an nn.LSTM returns (output, (h_n, c_n)); use h_n.",
                )
            )
        explained = [(self.head(summary), why) for summary, why in slips]
        by_length = torch.sort(self.lengths, descending=True, stable=True).indices  # longest first
        explained += [
            (
                self.expected[by_length],
                "Each sequence's logits are right but sit in another row: they came back sorted by length. If you "
                "sort the batch, put the rows back in x's order with the inverse of the sort's order "
                "(order.argsort()); or pass enforce_sorted=False and let packing sort and unsort for you.",
            ),
            (
                self.expected[by_length][by_length],
                "Each sequence's logits are right but sit in another row: the rows were sorted by length, then put "
                "back with the sort's order itself. Undo a sort with the inverse of its order, order.argsort() "
                "(logits[order.argsort()]); or pass enforce_sorted=False and let packing unsort for you.",
            ),
            (
                self.expected.softmax(-1),
                "Those are probabilities (softmax of the logits): return the logits; the "
                "cross-entropy loss applies its own softmax.",
            ),
            (
                lambda got: isinstance(got, torch.Tensor) and tuple(got.shape) == (n, 2 * self.hidden),
                "That is the summary (N, D*H_out) itself: pass it through self.head to get the logits (N, C).",
            ),
            (
                lambda got: (
                    self.cell == "lstm"
                    and isinstance(got, torch.Tensor)
                    and tuple(got.shape) == (2 * self.layers, n, CLASSES)
                ),
                LSTM_PAIR + ". Indexed as one tensor, the pair's [-2] and [-1] are the whole h_n and the whole c_n: "
                "the head ran on both, giving logits (D*num_layers, N, C).",
            ),
            (
                lambda got: self.cell != "lstm" and isinstance(got, torch.Tensor) and tuple(got.shape) == (CLASSES,),
                NOT_A_PAIR + ". Here that gave one row of logits, (C,), for the whole batch.",
            ),
            (lambda got: self.packed_time_first(), BATCH_FIRST + "."),
            (lambda got: isinstance(got, tuple), "forward must return one tensor, the logits (N, C), not a tuple."),
            (lambda got: got is None, NO_RETURN),
        ]
        return explained


def _forward_cases(classifier_class: Callable[..., Any]) -> dict[str, Callable[[], object]]:
    """Task 2's cases: each builds the learner's classifier and compares its logits with each sequence run alone."""

    def case(*args):
        def run():
            c = _ForwardCase(classifier_class, *args)
            got = c.logits()
            expect_close(got, c.expected, f"logits (N, C={CLASSES})", ("sequence", "class"), ATOL, c.mistakes())

        return run

    return {name: case(*args) for name, args in FORWARD_CASES.items()}


def check_classifier_forward(classifier_class: Callable[..., Any]) -> CheckReport:
    """Check `classifier_class(...).forward(x, lengths)` against each sequence's own final states and the head."""
    return run_check(
        "SpeakerClassifier.forward",
        _forward_cases(classifier_class),
        hint="pack x with pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False), "
        "run self.rnn on it, take h_n (an LSTM returns (h_n, c_n)), concatenate h_n[-2] and "
        "h_n[-1], and return self.head of that.",
        concept=FORWARD_CONCEPT,
    )


def _require_forward(classifier_class: Callable[..., Any]) -> None:
    """Raise Mismatch, pointing to Task 2, unless `classifier_class`'s forward passes Task 2's cases (a stub's
    NotImplementedError passes through, so an unfinished forward leaves this task "not attempted")."""
    for name, case in _forward_cases(classifier_class).items():
        try:
            case()
        except NotImplementedError:
            raise
        except Mismatch as wrong:
            detail = str(wrong)
        except Exception as error:
            detail = describe_error(error)
        else:
            continue
        raise Mismatch(
            f"not trained: your forward fails Task 2's check (case {name!r}: {detail}). Make "
            "check_classifier_forward pass first. A forward that reads the pads can still score well here, and "
            "yet give an utterance another speaker depending on its batch mates"
        )


def check_speaker_training(classifier_class: Callable[..., Any]) -> CheckReport:
    """Run Task 2's cases on `classifier_class`, then train `classifier_class(12, 32, 9, cell="gru")` with the lesson's
    recipe (32 units) on the validation split's 216 training utterances; report its accuracy on the 54 held out."""

    def run():
        _require_forward(classifier_class)
        fit_loader, val_loader = make_vowel_validation_loaders(batch_size=RECIPE["batch_size"], seed=0)
        with seeded(0):
            model = classifier_class(
                N_COEFFICIENTS, RECIPE["hidden_size"], N_SPEAKERS, cell=RECIPE["cell"], num_layers=1
            )
            try:
                train(model, fit_loader, epochs=RECIPE["epochs"], lr=RECIPE["lr"], seed=0, progress=False)
            except (RuntimeError, ValueError) as error:  # train's own words for a model it cannot train
                if not re.search(r"autograd|does not require grad|requires_grad=False", str(error)):
                    raise
                said = str(error).rstrip()
                end = "" if said.endswith((".", "?", "!")) else "."
                raise Mismatch(f"training could not start: {said}{end} {NO_GRADIENT}") from None
        accuracy = evaluate(model, val_loader)["acc"]
        total = sum(len(speakers) for _, speakers, _ in val_loader)  # the held-out utterances
        right = round(accuracy * total)
        if accuracy < ACCURACY_BAR:
            raise Mismatch(
                f"validation accuracy {accuracy:.4f} ({right} of {total}), below {ACCURACY_BAR}: your forward "
                "passes Task 2, so look at what differs in training: does forward do something in training mode "
                "only (self.training: dropout, noise), or use a layer not built in __init__, which the optimizer "
                "never updates?"
            )
        return f"validation accuracy {accuracy:.4f} ({right} of {total})"

    name = (
        f"{RECIPE['cell']}, H_out={RECIPE['hidden_size']}, {RECIPE['epochs']} epochs on 216 training utterances, "
        f"scored on the 54 held out from the training split (the test split stays unused): accuracy >= {ACCURACY_BAR}"
    )
    return run_check(
        "training on Japanese Vowels",
        {name: run},
        hint="make check_classifier_forward pass first; this check uses your forward as it is.",
        slow=True,
        concept=TRAINING_CONCEPT,
    )
