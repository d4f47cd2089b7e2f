"""Learners' attempts at exercise 05 (training), right and wrong, each with the verdict and the words its check gives.

Task 1 `forward_ceiling_by_step(seq_len, k)`, Task 2 `train_gru_tagger(bidirectional, seed)`, Task 3
`split_indices(n, val_fraction, seed)`, `train_step(model, optimizer, x, y, lengths)` and
`validate(model, loader)`: see `course_utils.checks.lesson05`. The slips of issue 29 are here: a NumPy
array or a list of `Fraction`s for Task 1 (right answers), a GRU of 32 units for Task 2, and for the
training step and loop: pads counted in the loss (no ignore_index), optimizer.zero_grad forgotten,
validation in train mode or with a graph, an accuracy over the pads, a split shuffled anew on every call,
and parts that overlap.
"""

import textwrap

import pytest
from attempt_suite import (
    assert_first_failure_gives_the_idea_not_the_code,
    define,
    params,
    quoted_sections,
    right,
    run_attempt,
    section_names,
    wrong,
)
from attempts import stub_hints
from exercise_code import exercise

from course_utils.checks import FAILED, NOT_ATTEMPTED
from course_utils.checks.lesson05 import (
    check_forward_ceiling_by_step,
    check_split_indices,
    check_train_gru_tagger,
    check_train_step,
    check_validate,
)
from course_utils.checks.lesson05.ceiling import CEILING_CONCEPT
from course_utils.checks.lesson05.gru_tagger import GRU_CONCEPT
from course_utils.checks.lesson05.training_loop import SPLIT_CONCEPT, STEP_CONCEPT, VALIDATE_CONCEPT

PRELUDE = """
from math import comb

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from course_utils.data import make_tagging_loaders, make_variable_length_data
from course_utils.env import seed_everything
from course_utils.models import SequenceTagger
from course_utils.training import train
"""

# --- Task 1: forward_ceiling_by_step -----------------------------------------------------------

CEILING = [
    right(
        "a list of floats, by the binomial mode",
        """
        def forward_ceiling_by_step(seq_len, k=2):
            return [comb(u, u // 2) / 2**u for u in (min(k, seq_len - 1 - t) for t in range(seq_len))]
        """,
    ),
    right(
        "a list of Fractions",
        """
        from fractions import Fraction

        def forward_ceiling_by_step(seq_len, k=2):
            return [Fraction(comb(min(k, seq_len - 1 - t), min(k, seq_len - 1 - t) // 2), 2 ** min(k, seq_len - 1 - t))
                    for t in range(seq_len)]
        """,
    ),
    right(
        "a NumPy array",
        """
        import numpy as np

        def forward_ceiling_by_step(seq_len, k=2):
            unseen = np.minimum(k, seq_len - 1 - np.arange(seq_len))
            return np.array([comb(int(u), int(u) // 2) for u in unseen]) / 2.0**unseen
        """,
    ),
    right(
        "a float64 tensor",
        """
        def forward_ceiling_by_step(seq_len, k=2):
            unseen = (seq_len - 1 - torch.arange(seq_len)).clamp(max=k)
            return torch.tensor([comb(u, u // 2) for u in unseen.tolist()], dtype=torch.float64) / 2.0**unseen
        """,
    ),
    right(
        "a tuple, from the best of every count",
        """
        def forward_ceiling_by_step(seq_len, k=2):
            def best(u):
                return max(comb(u, j) for j in range(u + 1)) / 2**u
            return tuple(best(min(k, seq_len - 1 - t)) for t in range(seq_len))
        """,
    ),
    right(
        "a generator, by counting every pattern of the unseen neighbours",
        """
        from collections import Counter
        from itertools import product

        def forward_ceiling_by_step(seq_len, k=2):
            for t in range(seq_len):
                unseen = min(k, seq_len - 1 - t)
                counts = Counter(sum(bits) for bits in product((0, 1), repeat=unseen))
                yield max(counts.values()) / 2**unseen
        """,
    ),
    right(
        "a list of Decimals",
        """
        from decimal import Decimal

        def forward_ceiling_by_step(seq_len, k=2):
            return [Decimal(comb(u, u // 2)) / Decimal(2**u) for u in (min(k, seq_len - 1 - t) for t in range(seq_len))]
        """,
    ),
    right(
        "a list of one-element tensors",
        """
        def forward_ceiling_by_step(seq_len, k=2):
            return [torch.tensor(comb(u, u // 2) / 2**u) for u in (min(k, seq_len - 1 - t) for t in range(seq_len))]
        """,
    ),
    wrong(
        "k unseen neighbours at every step",
        """
        def forward_ceiling_by_step(seq_len, k=2):
            return [comb(k, k // 2) / 2**k] * seq_len
        """,
        "at step",
        "at the last step none are, so a forward model can be sure there (1.0)",
    ),
    wrong(
        "one fixed count guessed",
        """
        def forward_ceiling_by_step(seq_len, k=2):
            return [1 / 2 ** min(k, seq_len - 1 - t) for t in range(seq_len)]
        """,
        "the most likely count of the u unseen neighbours, not one fixed count",
    ),
    wrong(
        "the past taken as unseen",
        """
        def forward_ceiling_by_step(seq_len, k=2):
            return [comb(u, u // 2) / 2**u for u in (min(k, t) for t in range(seq_len))]
        """,
        "The past neighbours t-k..t-1 are already read by a forward model",
    ),
    wrong(
        "the mean instead of every step",
        """
        def forward_ceiling_by_step(seq_len, k=2):
            values = [comb(u, u // 2) / 2**u for u in (min(k, seq_len - 1 - t) for t in range(seq_len))]
            return sum(values) / seq_len
        """,
        "got the single number",
        "not their mean",
    ),
    wrong(
        "the mean as a 0-d tensor",
        """
        def forward_ceiling_by_step(seq_len, k=2):
            values = [comb(u, u // 2) / 2**u for u in (min(k, seq_len - 1 - t) for t in range(seq_len))]
            return torch.tensor(values).mean()
        """,
        "got the single number",
    ),
    wrong(
        "numbers as text",
        """
        def forward_ceiling_by_step(seq_len, k=2):
            return [f"{comb(u, u // 2) / 2**u:.3f}" for u in (min(k, seq_len - 1 - t) for t in range(seq_len))]
        """,
        "step 0 holds the text '",
        "return numbers, not strings",
    ),
    wrong(
        "the whole list printed to a string",
        """
        def forward_ceiling_by_step(seq_len, k=2):
            return str([comb(u, u // 2) / 2**u for u in (min(k, seq_len - 1 - t) for t in range(seq_len))])
        """,
        "got the text",
        "return numbers, not a string",
    ),
    wrong(
        "a nested list, one list per step",
        """
        def forward_ceiling_by_step(seq_len, k=2):
            return [[comb(u, u // 2) / 2**u] for u in (min(k, seq_len - 1 - t) for t in range(seq_len))]
        """,
        "a nested sequence",
        "one number per step, flat",
    ),
    wrong(
        "a (1, L) tensor",
        """
        def forward_ceiling_by_step(seq_len, k=2):
            return torch.tensor([[comb(u, u // 2) / 2**u for u in (min(k, seq_len - 1 - t) for t in range(seq_len))]])
        """,
        "with 2 axes: return a 1-D sequence",
        ".flatten()",
    ),
    wrong(
        "one value too many",
        """
        def forward_ceiling_by_step(seq_len, k=2):
            return [comb(u, u // 2) / 2**u for u in (min(k, seq_len - t) for t in range(seq_len + 1))]
        """,
        "one per step, got",
    ),
    wrong(
        "a dict by step",
        """
        def forward_ceiling_by_step(seq_len, k=2):
            return {t: comb(min(k, seq_len - 1 - t), min(k, seq_len - 1 - t) // 2) / 2 ** min(k, seq_len - 1 - t)
                    for t in range(seq_len)}
        """,
        "got a dict",
        "in order, as a list",
    ),
    wrong(
        "a set",
        """
        def forward_ceiling_by_step(seq_len, k=2):
            return {comb(u, u // 2) / 2**u for u in (min(k, seq_len - 1 - t) for t in range(seq_len))}
        """,
        "a set, which keeps no order",
    ),
    wrong(
        "True where the model can be sure",
        """
        def forward_ceiling_by_step(seq_len, k=2):
            return [t == seq_len - 1 for t in range(seq_len)]
        """,
        "a truth value",
    ),
    wrong(
        "0/0 at the last step",
        """
        def forward_ceiling_by_step(seq_len, k=2):
            unseen = [min(k, seq_len - 1 - t) for t in range(seq_len)]
            return [comb(u, u // 2) / 2**u if u else float("nan") for u in unseen]
        """,
        "holds NaN (not a number) at step",
    ),
]


@pytest.mark.parametrize("attempt", params(CEILING))
def test_a_forward_ceiling_attempt_gets_its_verdict(attempt):
    run_attempt(check_forward_ceiling_by_step, attempt, PRELUDE, "forward_ceiling_by_step")


# --- Task 2: train_gru_tagger ------------------------------------------------------------------

# Untrained models with a History of 5 rows: the size cases need no training (the accuracy cases then fail).
UNTRAINED = """
from course_utils.training import History

def untrained(model):
    return model, History([{"epoch": e} for e in range(1, 6)])
"""


def wrong_untrained(name: str, model: str, *says: str):
    """A wrong attempt that returns `model` (code that builds it) untrained: its size cases fail without training."""
    code = f"def train_gru_tagger(bidirectional, seed=0):\n    return untrained({model})\n"
    return wrong(name, textwrap.dedent(UNTRAINED) + code, *says)


GRU = [
    right(
        "the course's train, keyword arguments",
        """
        def train_gru_tagger(bidirectional, seed=0):
            seed_everything(seed)
            model = SequenceTagger(input_size=8, hidden_size=10, num_classes=5, cell="gru", bidirectional=bidirectional)
            history = train(model, *make_tagging_loaders(seed=seed), epochs=5, seed=seed, progress=False)
            return model, history
        """,
        slow=True,
    ),
    right(
        "a GRU tagger of the learner's own class",
        """
        from torch import nn

        class GRUTagger(nn.Module):
            def __init__(self, bidirectional):
                super().__init__()
                self.gru = nn.GRU(8, 10, batch_first=True, bidirectional=bidirectional)
                self.head = nn.Linear(20 if bidirectional else 10, 5)

            def forward(self, x):
                return self.head(self.gru(x)[0])

        def train_gru_tagger(bidirectional, seed=0):
            seed_everything(seed)
            model = GRUTagger(bidirectional)
            train_loader, val_loader = make_tagging_loaders(seed=seed)
            return model, train(model, train_loader, val_loader, epochs=5, seed=seed, progress=False)
        """,
        slow=True,
    ),
    wrong_untrained(
        "32 hidden units",
        'SequenceTagger(8, 32, 5, cell="gru", bidirectional=bidirectional)',
        "the GRU has hidden_size=32; the task asks for 10 hidden units per direction, hidden_size=10",
    ),
    wrong_untrained(
        "20 hidden units for both directions together",
        'SequenceTagger(8, 20 if bidirectional else 10, 5, cell="gru", bidirectional=bidirectional)',
        "hidden_size counts the units of one direction",
    ),
    wrong_untrained(
        "the default cell, a plain RNN",
        "SequenceTagger(8, 10, 5, bidirectional=bidirectional)",
        "expected a GRU tagger (cell='gru'), but the model has no nn.GRU (recurrent layers: ['RNN'])",
    ),
    wrong_untrained(
        "the bidirectional flag ignored",
        'SequenceTagger(8, 10, 5, cell="gru")',
        "train_gru_tagger(False) built a GRU with bidirectional=True: pass the bidirectional argument",
    ),
    wrong_untrained(
        "10 input features",
        'SequenceTagger(10, 10, 5, cell="gru", bidirectional=bidirectional)',
        "input_size=10",
        "8 features per step (input_size=8)",
    ),
    wrong_untrained(
        "4 classes",
        'SequenceTagger(8, 10, 4, cell="gru", bidirectional=bidirectional)',
        "returned shape (2, 10, 4)",
        "returns (N, L, 5)",
    ),
    wrong(
        "only the model returned",
        """
        def train_gru_tagger(bidirectional, seed=0):
            return SequenceTagger(8, 10, 5, cell="gru", bidirectional=bidirectional)
        """,
        "expected a pair (model, history), got a SequenceTagger",
    ),
    wrong(
        "the history's rows instead of the History",
        UNTRAINED
        + """
def train_gru_tagger(bidirectional, seed=0):
    model, history = untrained(SequenceTagger(8, 10, 5, cell="gru", bidirectional=bidirectional))
    return model, history.rows
""",
        "expected the second item to be the History that train() returns, got list",
    ),
    wrong(
        "ten epochs",
        """
        def train_gru_tagger(bidirectional, seed=0):
            seed_everything(seed)
            model = SequenceTagger(8, 10, 5, cell="gru", bidirectional=bidirectional)
            return model, train(model, *make_tagging_loaders(seed=seed), epochs=10, seed=seed, progress=False)
        """,
        "it trained 10 epochs; the task allows at most 5",
        slow=True,
    ),
    wrong(
        "one epoch at a tenth of the learning rate",
        """
        def train_gru_tagger(bidirectional, seed=0):
            seed_everything(seed)
            model = SequenceTagger(8, 10, 5, cell="gru", bidirectional=bidirectional)
            return model, train(model, *make_tagging_loaders(seed=seed), epochs=1, lr=0.003, seed=seed, progress=False)
        """,
        "below 0.90",
        slow=True,
    ),
]


@pytest.mark.parametrize("attempt", params(GRU))
def test_a_gru_tagger_attempt_gets_its_verdict(attempt):
    run_attempt(check_train_gru_tagger, attempt, PRELUDE, "train_gru_tagger")


# --- Task 3a: split_indices --------------------------------------------------------------------

# The lesson's split, part by part; an attempt below names only the parts it writes otherwise.
SPLIT_PARTS = {
    "order": "torch.randperm(n, generator=torch.Generator().manual_seed(seed))",
    "n_val": "round(n * val_fraction)",
    "returned": "order[n_val:], order[:n_val]",
}


def split_code(**parts: str) -> str:
    """A split_indices as a learner types it: the lesson's parts, with `parts` in place of those named."""
    chosen = {**SPLIT_PARTS, **parts}
    return (
        "def split_indices(n, val_fraction=0.2, seed=0):\n"
        f"    order = {chosen['order']}\n    n_val = {chosen['n_val']}\n    return {chosen['returned']}\n"
    )


SPLIT = [
    right(
        "a permutation from a seeded generator",
        split_code(),
    ),
    right(
        "Python lists shuffled by random.Random(seed)",
        """
        import random

        def split_indices(n, val_fraction=0.2, seed=0):
            order = list(range(n))
            random.Random(seed).shuffle(order)
            n_val = int(n * val_fraction)
            return sorted(order[n_val:]), sorted(order[:n_val])
        """,
    ),
    right(
        "NumPy's default_rng(seed)",
        """
        import numpy as np

        def split_indices(n, val_fraction=0.2, seed=0):
            order = np.random.default_rng(seed).permutation(n)
            n_val = int(np.ceil(n * val_fraction))
            return order[n_val:], order[:n_val]
        """,
    ),
    right(
        "the global generator, seeded first",
        """
        def split_indices(n, val_fraction=0.2, seed=0):
            torch.manual_seed(seed)
            order = torch.randperm(n)
            n_val = round(n * val_fraction)
            return order[n_val:].tolist(), order[:n_val].tolist()
        """,
    ),
    right(
        "two True/False masks",
        """
        def split_indices(n, val_fraction=0.2, seed=0):
            order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
            is_val = torch.zeros(n, dtype=torch.bool)
            is_val[order[: round(n * val_fraction)]] = True
            return ~is_val, is_val
        """,
    ),
    wrong(
        "shuffled anew on every call",
        split_code(order="torch.randperm(n)"),
        "Two calls with the same seed gave different splits",
        "global random state",
    ),
    wrong(
        "random.shuffle without a seed",
        """
        import random

        def split_indices(n, val_fraction=0.2, seed=0):
            order = list(range(n))
            random.shuffle(order)
            n_val = round(n * val_fraction)
            return order[n_val:], order[:n_val]
        """,
        "Two calls with the same seed gave different splits",
    ),
    wrong(
        "the training part is everything",
        """
        def split_indices(n, val_fraction=0.2, seed=0):
            order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
            return order, order[: round(n * val_fraction)]
        """,
        "indices are in both parts",
        "validation score look better than the model is",
    ),
    wrong(
        "the cut taken one too early for training",
        split_code(returned="order[n_val - 1 :], order[:n_val]"),
        "1 indices are in both parts",
    ),
    wrong(
        "the cut taken one too late for training",
        split_code(returned="order[n_val + 1 :], order[:n_val]"),
        "1 indices are in neither part",
    ),
    wrong(
        "validation first",
        split_code(returned="order[:n_val], order[n_val:]"),
        "return (train_indices, val_indices), the training part first",
    ),
    wrong(
        "no shuffle at all",
        """
        def split_indices(n, val_fraction=0.2, seed=0):
            n_val = round(n * val_fraction)
            return list(range(n - n_val)), list(range(n - n_val, n))
        """,
        "Seeds 0 and 1 gave the same split",
    ),
    wrong(
        "always 200 for validation",
        """
        def split_indices(n, val_fraction=0.2, seed=0):
            order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
            return order[200:], order[:200]
        """,
        "expected 3 validation indices (val_fraction=0.3 of n=10), got",
    ),
    wrong(
        "validation drawn with replacement",
        """
        def split_indices(n, val_fraction=0.2, seed=0):
            val = torch.randint(0, n, (round(n * val_fraction),), generator=torch.Generator().manual_seed(seed))
            train = [i for i in range(n) if i not in set(val.tolist())]
            return train, val
        """,
        "times: each index once",
    ),
    wrong(
        "float indices",
        split_code(order="torch.randperm(n, generator=torch.Generator().manual_seed(seed)).float()"),
        "indices are whole numbers",
    ),
    wrong(
        "sets of indices",
        split_code(
            order="torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()",
            returned="set(order[n_val:]), set(order[:n_val])",
        ),
        "a set, which keeps no order",
    ),
    wrong(
        "only the validation indices",
        """
        def split_indices(n, val_fraction=0.2, seed=0):
            return torch.randperm(n, generator=torch.Generator().manual_seed(seed))[: round(n * val_fraction)]
        """,
        "expected a pair (train_indices, val_indices)",
    ),
]


@pytest.mark.parametrize("attempt", params(SPLIT))
def test_a_split_attempt_gets_its_verdict(attempt):
    run_attempt(check_split_indices, attempt, PRELUDE, "split_indices")


# --- Task 3b: train_step -----------------------------------------------------------------------

# The lesson's step, part by part; an attempt below names only the parts it writes otherwise.
STEP_PARTS = {
    "mode": "model.train()",
    "prepare": "",
    "loss": "F.cross_entropy(model(x, lengths).flatten(0, 1), y.flatten(), ignore_index=-100)",
    "update": "optimizer.zero_grad(); loss.backward(); optimizer.step()",
    "returned": "loss.item()",
}


def step_code(**parts: str) -> str:
    """A train_step as a learner types it: the lesson's parts, with `parts` in place of those named ("" leaves one
    out; the update's statements are separated by "; ", and come one a line)."""
    chosen = {**STEP_PARTS, **parts}
    body = [chosen["mode"], chosen["prepare"], f"loss = {chosen['loss']}", *chosen["update"].split("; ")]
    body.append(f"return {chosen['returned']}" if chosen["returned"] else "")
    lines = ["def train_step(model, optimizer, x, y, lengths):"] + [f"    {line}" for line in body if line]
    return "\n".join(lines) + "\n"


STEP = [
    right("the lesson's step", step_code()),
    right(
        "the real steps selected by a mask from the lengths",
        """
        def train_step(model, optimizer, x, y, lengths):
            model.train()
            optimizer.zero_grad()
            logits = model(x, lengths)
            real = torch.arange(x.shape[1]) < lengths[:, None]
            loss = F.cross_entropy(logits[real], y[real])
            loss.backward()
            optimizer.step()
            return float(loss.detach())
        """,
    ),
    right(
        "the classes moved to axis 1, cross_entropy's default ignore_index",
        step_code(loss="F.cross_entropy(model(x, lengths).transpose(1, 2), y)"),
    ),
    right(
        "nn.CrossEntropyLoss, the model's own zero_grad",
        """
        from torch import nn

        criterion = nn.CrossEntropyLoss(ignore_index=-100)

        def train_step(model, optimizer, x, y, lengths):
            model.train()
            model.zero_grad(set_to_none=True)
            loss = criterion(model(x, lengths).flatten(0, 1), y.flatten())
            loss.backward()
            optimizer.step()
            return loss.item()
        """,
    ),
    right(
        "a masked log-likelihood by hand",
        """
        def train_step(model, optimizer, x, y, lengths):
            model.train()
            log_p = model(x, lengths).log_softmax(-1)
            real = y != -100
            picked = log_p.gather(-1, y.clamp(min=0).unsqueeze(-1)).squeeze(-1)
            loss = -(picked * real).sum() / real.sum()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss.item()
        """,
    ),
    right(
        "gradients cleared after the step instead of before",
        step_code(update="loss.backward(); optimizer.step(); optimizer.zero_grad()"),
    ),
    right(
        "the gradient norm clipped, lengths as a list, the loss tensor returned",
        step_code(
            loss="F.cross_entropy(model(x, lengths.tolist()).flatten(0, 1), y.flatten())",
            update="optimizer.zero_grad(); loss.backward(); "
            "torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.1); optimizer.step()",
            returned="loss.detach()",
        ),
    ),
    right(
        "the batch's accuracy looked at after the step, in eval mode under no_grad",
        """
        def train_step(model, optimizer, x, y, lengths):
            model.train()
            loss = F.cross_entropy(model(x, lengths).flatten(0, 1), y.flatten(), ignore_index=-100)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            model.eval()
            with torch.no_grad():
                real = y != -100
                accuracy = (model(x, lengths).argmax(-1)[real] == y[real]).float().mean()
            print(f"batch accuracy after the step: {accuracy:.2f}")
            return loss.item()
        """,
    ),
    wrong(
        "optimizer.zero_grad forgotten",
        step_code(update="loss.backward(); optimizer.step()"),
        "The first step's gradients were still there",
        "optimizer.zero_grad() before every loss.backward()",
    ),
    wrong(
        "pad labels clamped to class 0",
        step_code(loss="F.cross_entropy(model(x, lengths).flatten(0, 1), y.clamp(min=0).flatten())"),
        "scored as class 0",
        "the pads are counted",
        "ignore_index=-100",
    ),
    wrong(
        "pad labels replaced by 0 in place",
        step_code(prepare="y[y == -100] = 0"),
        "scored as class 0",
    ),
    wrong(
        "ignore_index set to the padding of x, 0",
        step_code(loss="F.cross_entropy(model(x, lengths).flatten(0, 1), y.flatten(), ignore_index=0)"),
        "Target -100 is out of bounds",
        "A pad label, -100, reached the loss as a class",
        "ignore_index=-100",
    ),
    wrong(
        "reduction='none', then the mean over every step",
        step_code(loss="F.cross_entropy(model(x, lengths).flatten(0, 1), y.flatten(), reduction='none').mean()"),
        "the mean over all N*L steps, pads included",
        "Divide by the number of real steps",
    ),
    wrong(
        "the sum over the real steps",
        step_code(loss="F.cross_entropy(model(x, lengths).flatten(0, 1), y.flatten(), reduction='sum')"),
        "That is the sum over the real steps",
    ),
    wrong(
        "a mask off by one",
        """
        def train_step(model, optimizer, x, y, lengths):
            model.train()
            logits = model(x, lengths)
            real = torch.arange(x.shape[1]) < (lengths - 1)[:, None]
            loss = F.cross_entropy(logits[real], y[real])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss.item()
        """,
        "The last real step of each sequence was left out",
    ),
    wrong(
        "the model called without the lengths",
        step_code(loss="F.cross_entropy(model(x).flatten(0, 1), y.flatten(), ignore_index=-100)"),
        "read the pad steps",
        "call model(x, lengths)",
    ),
    wrong("model.train() left out", step_code(mode=""), "The forward pass ran in eval mode", "model.train()"),
    wrong("model.eval() in the step", step_code(mode="model.eval()"), "The forward pass ran in eval mode"),
    wrong(
        "optimizer.step() before loss.backward()",
        step_code(update="optimizer.zero_grad(); optimizer.step(); loss.backward()"),
        "There were no gradients when optimizer.step() ran",
    ),
    wrong(
        "zero_grad between backward and step",
        step_code(update="loss.backward(); optimizer.zero_grad(set_to_none=False); optimizer.step()"),
        "The gradients were all zero when optimizer.step() ran",
    ),
    wrong(
        "optimizer.step() left out",
        step_code(update="optimizer.zero_grad(); loss.backward()"),
        "The weights did not change: the optimizer never stepped",
    ),
    wrong(
        "a new optimizer made in every step",
        step_code(prepare="optimizer = torch.optim.Adam(model.parameters(), lr=0.03)"),
        "the optimizer passed in never stepped: use the optimizer argument",
    ),
    wrong(
        "two optimizer steps",
        step_code(update="optimizer.zero_grad(); loss.backward(); optimizer.step(); optimizer.step()"),
        "optimizer.step() ran 2 times in one call",
    ),
    wrong(
        "the forward pass under torch.no_grad()",
        """
        def train_step(model, optimizer, x, y, lengths):
            model.train()
            with torch.no_grad():
                logits = model(x, lengths)
            loss = F.cross_entropy(logits.flatten(0, 1), y.flatten(), ignore_index=-100)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss.item()
        """,
        "The loss has no graph to go back through",
    ),
    wrong(
        "logits (N, L, C) against labels (N, L)",
        step_code(loss="F.cross_entropy(model(x, lengths), y, ignore_index=-100)"),
        "cross_entropy wants the classes on axis 1",
        "(in train_step, line",
    ),
    wrong(
        "one loss per step, never averaged",
        step_code(
            loss="F.cross_entropy(model(x, lengths).flatten(0, 1), y.flatten(), reduction='none')", returned="loss"
        ),
        "grad can be implicitly created only for scalar outputs",
        "The loss must be one number",
    ),
    wrong("nothing returned", step_code(returned=""), "should be a number (e.g. loss.item()), got NoneType"),
    wrong(
        "a batch argument instead of x, y, lengths",
        step_code().replace("x, y, lengths):", "batch):\n    x, y, lengths = batch"),
        "takes 3 positional arguments but 5 were given",
        "Keep the parameters",
    ),
]


@pytest.mark.parametrize("attempt", params(STEP))
def test_a_train_step_attempt_gets_its_verdict(attempt):
    run_attempt(check_train_step, attempt, PRELUDE, "train_step")


def test_the_step_template_writes_the_lessons_step():
    assert step_code() == (
        "def train_step(model, optimizer, x, y, lengths):\n"
        "    model.train()\n"
        "    loss = F.cross_entropy(model(x, lengths).flatten(0, 1), y.flatten(), ignore_index=-100)\n"
        "    optimizer.zero_grad()\n    loss.backward()\n    optimizer.step()\n"
        "    return loss.item()\n"
    )


# --- Task 3c: validate -------------------------------------------------------------------------

# The lesson's validation pass, part by part; an attempt below names only the parts it writes otherwise.
VALIDATE_PARTS = {
    "mode": "model.eval()",
    "context": "with torch.no_grad():",
    "logits": "model(x, lengths)",
    "loss": "F.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction='sum').item()",
    "right": "(logits.argmax(-1) == y).sum().item()",
    "steps": "(y != -100).sum().item()",
    "returned": "loss_sum / steps, right / steps",
}


def validate_code(**parts: str) -> str:
    """A validate as a learner types it: the lesson's parts, with `parts` in place of those named ("" leaves the
    mode or the context out)."""
    chosen = {**VALIDATE_PARTS, **parts}
    loop = [
        "for x, y, lengths in loader:",
        f"    logits = {chosen['logits']}",
        f"    loss_sum += {chosen['loss']}",
        f"    right += {chosen['right']}",
        f"    steps += {chosen['steps']}",
    ]
    if chosen["context"]:
        loop = [chosen["context"]] + [f"    {line}" for line in loop]
    body = [chosen["mode"], "loss_sum, right, steps = 0.0, 0, 0", *loop, f"return {chosen['returned']}"]
    return "\n".join(["def validate(model, loader):"] + [f"    {line}" for line in body if line]) + "\n"


VALIDATE = [
    right("the lesson's validation, pooled over the real steps", validate_code()),
    right(
        "the mean of the batches' values",
        """
        def validate(model, loader):
            model.eval()
            losses, accuracies = [], []
            with torch.no_grad():
                for x, y, lengths in loader:
                    logits = model(x, lengths)
                    real = y != -100
                    losses.append(F.cross_entropy(logits[real], y[real]).item())
                    accuracies.append((logits.argmax(-1)[real] == y[real]).float().mean().item())
            return sum(losses) / len(losses), sum(accuracies) / len(accuracies)
        """,
    ),
    right(
        "batch losses weighted by their sequences, under inference_mode",
        validate_code(
            context="with torch.inference_mode():",
            loss="F.cross_entropy(logits.flatten(0, 1), y.flatten()).item() * len(x)",
            returned="loss_sum / len(loader.dataset), right / steps",
        ),
    ),
    right(
        "the course's evaluate",
        """
        from course_utils.training import evaluate

        def validate(model, loader):
            scores = evaluate(model, loader)
            return scores["loss"], scores["acc"]
        """,
    ),
    right(
        "tensors returned, train mode restored after",
        """
        def validate(model, loader):
            model.eval()
            loss_sum, right, steps = torch.tensor(0.0), torch.tensor(0), torch.tensor(0)
            with torch.no_grad():
                for x, y, lengths in loader:
                    real = torch.arange(x.shape[1]) < lengths[:, None]
                    logits = model(x, lengths)[real]
                    loss_sum += F.cross_entropy(logits, y[real], reduction="sum")
                    right += (logits.argmax(-1) == y[real]).sum()
                    steps += real.sum()
            model.train()
            return loss_sum / steps, right / steps
        """,
    ),
    wrong(
        "accuracy over every step, pads included, batch by batch",
        """
        def validate(model, loader):
            model.eval()
            losses, accuracies = [], []
            with torch.no_grad():
                for x, y, lengths in loader:
                    logits = model(x, lengths)
                    losses.append(F.cross_entropy(logits.flatten(0, 1), y.flatten()).item())
                    accuracies.append((logits.argmax(-1) == y).float().mean().item())
            return sum(losses) / len(losses), sum(accuracies) / len(accuracies)
        """,
        "That accuracy counts the pad steps",
        "a pad's label -100 never equals a prediction",
    ),
    wrong(
        "accuracy pooled over every step",
        """
        def validate(model, loader):
            model.eval()
            loss_sum, right, real, everything = 0.0, 0, 0, 0
            with torch.no_grad():
                for x, y, lengths in loader:
                    logits = model(x, lengths)
                    loss_sum += F.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="sum").item()
                    right += (logits.argmax(-1) == y).sum().item()
                    real += (y != -100).sum().item()
                    everything += y.numel()
            return loss_sum / real, right / everything
        """,
        "That accuracy counts the pad steps",
    ),
    wrong(
        "pads scored as class 0",
        validate_code(
            loss="F.cross_entropy(logits.flatten(0, 1), y.clamp(min=0).flatten(), reduction='sum').item()",
            steps="y.numel()",
        ),
        "The pad steps were scored as class 0",
    ),
    wrong(
        "validated in train mode",
        validate_code(mode=""),
        "Validation ran in train mode",
        "call model.eval() before validating",
    ),
    wrong(
        "validated with a graph",
        validate_code(context=""),
        "Validation built a graph for backward",
        "torch.no_grad()",
    ),
    wrong(
        "the logits detached instead of no_grad",
        validate_code(context="", logits="model(x, lengths).detach()"),
        "Validation built a graph for backward",
    ),
    wrong(
        "backward in validation",
        validate_code(
            context="", loss="F.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction='sum').backward() or 0.0"
        ),
        "Validation left gradients in the weights' .grad",
    ),
    wrong(
        "trained on the validation batches",
        """
        def validate(model, loader):
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            loss_sum, right, steps = 0.0, 0, 0
            for x, y, lengths in loader:
                model.eval()
                with torch.no_grad():
                    logits = model(x, lengths)
                    loss_sum += F.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="sum").item()
                    right += (logits.argmax(-1) == y).sum().item()
                    steps += (y != -100).sum().item()
                model.train()
                loss = F.cross_entropy(model(x, lengths).flatten(0, 1), y.flatten())
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                optimizer.zero_grad()
            return loss_sum / steps, right / steps
        """,
        "Validation changed the weights",
    ),
    wrong(
        "accuracy and loss the other way round",
        validate_code(returned="right / steps, loss_sum / steps"),
        "return (loss, accuracy), in that order",
    ),
    wrong("accuracy as a percentage", validate_code(returned="loss_sum / steps, 100 * right / steps"), "a percentage"),
    wrong("the model called without the lengths", validate_code(logits="model(x)"), "call model(x, lengths)"),
    wrong(
        "batches unpacked as (x, y)",
        validate_code(logits="model(x)").replace("for x, y, lengths in loader", "for x, y in loader"),
        "too many values to unpack",
        "Each batch of the loader is (x, y, lengths)",
    ),
    wrong(
        "only the accuracy returned",
        validate_code(returned="right / steps"),
        "expected a pair (loss, accuracy), got a float",
    ),
]


@pytest.mark.parametrize("attempt", params(VALIDATE))
def test_a_validate_attempt_gets_its_verdict(attempt):
    run_attempt(check_validate, attempt, PRELUDE, "validate")


# --- across the tasks --------------------------------------------------------------------------

CHECKS = {
    "forward_ceiling_by_step": check_forward_ceiling_by_step,
    "train_gru_tagger": check_train_gru_tagger,
    "split_indices": check_split_indices,
    "train_step": check_train_step,
    "validate": check_validate,
}


def test_the_unfinished_exercise_is_not_attempted_in_any_task():
    stubs = exercise("05_training")
    for task, check in CHECKS.items():
        if task != "train_gru_tagger":  # it trains nothing when not attempted, but is covered by every_exercise
            assert check(stubs[task]).status == NOT_ATTEMPTED, task


@pytest.mark.parametrize(
    "task, answer",
    [
        ("forward_ceiling_by_step", "[0.5, 0.5, 1.0]"),
        ("split_indices", "(list(range(800)), list(range(800, 1000)))"),
        ("train_step", "0.5"),
        ("validate", "(0.7, 0.9)"),
    ],
)
def test_a_result_handed_to_a_check_says_to_pass_the_function_itself(task, answer):
    report = CHECKS[task](eval(answer))
    assert report.status == FAILED
    assert "cannot be called" in str(report) and f"check_{task}({task})" in str(report), str(report)


@pytest.mark.parametrize(
    "task, attempts, concept, lessons",
    [
        ("forward_ceiling_by_step", CEILING, CEILING_CONCEPT, ("05_training",)),
        ("split_indices", SPLIT, SPLIT_CONCEPT, ("05_training",)),
        ("train_step", STEP, STEP_CONCEPT, ("04_packing", "05_training")),
        ("validate", VALIDATE, VALIDATE_CONCEPT, ("04_packing", "05_training")),
    ],
    ids=["forward_ceiling_by_step", "split_indices", "train_step", "validate"],
)
def test_a_first_failure_names_the_lessons_sections_and_withholds_the_code(task, attempts, concept, lessons):
    first_wrong = next(attempt for attempt in attempts if attempt.verdict == FAILED)
    answer = define(first_wrong, PRELUDE)[task]
    assert_first_failure_gives_the_idea_not_the_code(lambda: CHECKS[task](answer), task)
    quoted = quoted_sections(concept)
    assert quoted and set(quoted) <= set().union(*(section_names(lesson) for lesson in lessons))


def test_the_gru_concept_quotes_sections_of_lesson_05():
    quoted = quoted_sections(GRU_CONCEPT)
    assert quoted and set(quoted) <= section_names("05_training")


CODE_OF_THE_ANSWERS = (
    "comb(",
    "cell=",
    "randperm",
    "manual_seed",
    "cross_entropy",
    "ignore_index",
    "zero_grad(",
    "no_grad",
)


def test_no_stub_hands_over_the_answer_line():
    hints = stub_hints("05_training")
    assert len(hints) == len(CHECKS)
    assert not [hint for hint in hints if any(code in hint for code in CODE_OF_THE_ANSWERS)], hints
