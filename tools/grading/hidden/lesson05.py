"""Hidden grading cases of exercise 05 (training the bidirectional tagger).

What they add to the learner's checks: the ceiling for four and five unseen neighbours and with `k` left
at its default; a GRU tagger trained from two other seeds (each past the bar, and the seed must matter);
splits with fewer than one validation index expected, and other sizes and seeds; a training step on a GRU
tagger with 3 classes, on a batch of one single-step sequence, and with Adam; validation over 3 classes,
over a single sequence of one step and over batches of very different sizes.
"""

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from course_utils.checks import Mismatch, expect_equal
from course_utils.checks.common import seeded
from course_utils.checks.lesson05.answers import indices, real_numbers
from course_utils.data import ceiling_by_position, make_tagging_data
from course_utils.models import SequenceTagger
from course_utils.tensors import PAD_LABEL, step_mask
from course_utils.training import evaluate


def hidden_forward_ceiling_by_step(forward_ceiling_by_step):
    """Cases with more unseen neighbours than the check's (4 and 5), a long sequence, and the default k."""

    def case(seq_len, k=None):
        def run():
            answer = forward_ceiling_by_step(seq_len) if k is None else forward_ceiling_by_step(seq_len, k)
            got = real_numbers(answer, seq_len)
            expected = ceiling_by_position(seq_len, n_classes=2 * (2 if k is None else k) + 1)
            for t, (value, exact) in enumerate(zip(got, expected)):
                if abs(value - exact) > 1e-9:  # the ceilings are exact fractions
                    raise Mismatch(f"at step {t} expected {exact:.4f}, got {value:.4f}")
            return f"mean {sum(got) / seq_len:.3f}"

        return run

    return {
        "L=12, k=4 (four unseen neighbours)": case(12, 4),
        "L=9, k=5 (five unseen neighbours)": case(9, 5),
        "L=2, k=4 (a window longer than the sequence)": case(2, 4),
        "L=30, k=1": case(30, 1),
        "k left at its default: L=7": case(7),
    }


def hidden_train_gru_tagger(train_gru_tagger):
    """Two bidirectional runs from seeds 1 and 2: each past the bar on fresh data, and not the same model.

    Measured with the worked solution: 0.946 to 0.960 over seeds 1-6 on these 1000 fresh sequences (the bar is
    the check's 0.90), 0.4 to 2.7 s a run on a 2-core CPU."""
    runs = {}

    def trained(seed):
        if seed not in runs:  # each run trains once, whichever case needs it first
            with seeded(seed):  # an answer that leaves the seeding to the caller still differs by seed
                result = train_gru_tagger(True, seed=seed)
            if not isinstance(result, (tuple, list)) or len(result) != 2 or not isinstance(result[0], torch.nn.Module):
                raise Mismatch(
                    f"expected (model, history) from train_gru_tagger(True, seed={seed}), got {result!r:.80}"
                )
            runs[seed] = result[0]
        return runs[seed]

    def reaches_bar(seed):
        def run():
            X, y = make_tagging_data(n_sequences=1000, seed=2025)  # sequences no run trained on
            accuracy = evaluate(trained(seed), DataLoader(TensorDataset(X, y), batch_size=250))["acc"]
            if accuracy < 0.90:
                raise Mismatch(f"seed={seed}: accuracy on fresh data {accuracy:.3f}, below 0.90")
            return f"{accuracy:.3f}"

        return run

    def seed_matters():
        first, second = (list(trained(seed).state_dict().values()) for seed in (1, 2))
        if all(torch.equal(a, b) for a, b in zip(first, second)):
            raise Mismatch(
                "seeds 1 and 2 gave the very same weights: the seed argument must decide the run (seed the "
                "model's initial weights and the loaders' order from it, not from a fixed number)"
            )
        return "two different models"

    return {
        "bidirectional, seed=1: accuracy on 1000 fresh sequences >= 0.90": reaches_bar(1),
        "bidirectional, seed=2: accuracy on 1000 fresh sequences >= 0.90": reaches_bar(2),
        "seeds 1 and 2 train two different models": seed_matters,
    }


def hidden_split_indices(split_indices):
    """Other sizes and fractions, fewer than one validation index expected, and other seeds."""

    def parts(n, val_fraction, seed):
        result = split_indices(n, val_fraction, seed)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise Mismatch(f"expected a pair (train_indices, val_indices), got {type(result).__name__}")
        return indices(result[0], n, "training part"), indices(result[1], n, "validation part")

    def sizes(n, val_fraction, seed):
        def run():
            train, val = parts(n, val_fraction, seed)
            wanted = n * val_fraction
            if abs(len(val) - wanted) >= 1:
                raise Mismatch(
                    f"split_indices({n}, {val_fraction}, {seed}): expected about {wanted:g} validation indices "
                    f"(fewer than 1 away), got {len(val)}"
                )
            expect_equal(sorted(train + val), list(range(n)), f"indices of both parts together, sorted (n={n})")
            return f"{len(train)} + {len(val)}"

        return run

    def seeds_differ():
        splits = [sorted(parts(200, 0.25, seed)[1]) for seed in (5, 6, 7)]
        if splits[0] == splits[1] or splits[1] == splits[2] or splits[0] == splits[2]:
            raise Mismatch("seeds 5, 6 and 7 did not give three different validation parts: the seed must choose")
        return "three splits"

    def same_seed_same_split():
        first, again = parts(300, 0.1, 42), parts(300, 0.1, 42)
        expect_equal(sorted(again[1]), sorted(first[1]), "validation part of a second call with seed 42")
        return "the same split"

    return {
        "n=10, val_fraction=0.04: 0 or 1 validation index, every index in one part": sizes(10, 0.04, 0),
        "n=1, val_fraction=0.2: one index in all": sizes(1, 0.2, 3),
        "n=50, val_fraction=0.5, seed 7": sizes(50, 0.5, 7),
        "n=1000, val_fraction=0.1, seed 11": sizes(1000, 0.1, 11),
        "seeds 5, 6 and 7: three different splits (n=200)": seeds_differ,
        "seed 42 twice: the same split (n=300)": same_seed_same_split,
    }


def hidden_train_step(train_step):
    """A step on taggers and batches the check does not use: a GRU with 3 classes and no pads, a batch of one
    single-step sequence, and a 2-layer LSTM stepped by Adam."""

    def tagger(cell, classes, layers, seed):
        with seeded(seed):
            return SequenceTagger(4, 5, classes, cell=cell, num_layers=layers)

    def batch(lengths, classes, seed):
        lengths = torch.tensor(lengths)
        with seeded(seed):
            x = torch.randn(len(lengths), int(lengths.max()), 4)
            y = torch.randint(0, classes, (len(lengths), int(lengths.max())))
        real = step_mask(lengths, x.shape[1])  # (N, L): True on the real steps
        return x * real.unsqueeze(-1), y.masked_fill(~real, PAD_LABEL), lengths

    def reference(twin, x, y, lengths):
        """The mean negative log-likelihood over the real steps, and its gradient, at `twin`'s weights (a model
        built like the learner's, from the same seed)."""
        log_p = twin(x, lengths).log_softmax(-1)  # (N, L, C)
        real = y != PAD_LABEL
        loss = -log_p[real].gather(-1, y[real].unsqueeze(-1)).mean()
        return float(loss.detach()), torch.autograd.grad(loss, list(twin.parameters()), allow_unused=True)

    def as_number(loss):
        if isinstance(loss, torch.Tensor) and loss.numel() == 1:
            return float(loss.detach())
        if isinstance(loss, (int, float)) and not isinstance(loss, bool):
            return float(loss)
        raise Mismatch(f"expected the batch's loss as one number, got {loss!r:.80}")

    def sgd_step(cell, classes, layers, lengths, seed):
        def run():
            model = tagger(cell, classes, layers, seed)
            x, y, lengths_t = batch(lengths, classes, seed)
            expected_loss, gradients = reference(tagger(cell, classes, layers, seed), x, y, lengths_t)
            before = [p.detach().clone() for p in model.parameters()]
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            loss = as_number(train_step(model, optimizer, x.clone(), y.clone(), lengths_t.clone()))
            if abs(loss - expected_loss) > 1e-4 * max(abs(expected_loss), 1e-6):
                raise Mismatch(f"expected the loss {expected_loss:.4f}, the mean over the real steps, got {loss:.4f}")
            moves = [(b - p.detach()) / 0.1 for b, p in zip(before, model.parameters())]  # what SGD applied
            full = [torch.zeros_like(m) if g is None else g for m, g in zip(moves, gradients)]
            along = sum(float((m * g).sum()) for m, g in zip(moves, full))
            scale = along / sum(float((g * g).sum()) for g in full)  # 1, or below 1 where the norm was clipped
            if not 0 < scale <= 1 + 1e-4 or not all(
                torch.allclose(m, scale * g, rtol=1e-3, atol=1e-6) for m, g in zip(moves, full)
            ):
                raise Mismatch(
                    "the weights did not move by one optimizer step along the gradient of the mean loss over the "
                    "real steps (zero the old gradients, backward, then step the optimizer passed in, once)"
                )
            return f"loss {loss:.4f}"

        return run

    def adam_step():
        model = tagger("lstm", 4, 2, 5)
        x, y, lengths = batch([3, 6, 1], 4, 5)
        expected_loss, _ = reference(tagger("lstm", 4, 2, 5), x, y, lengths)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        loss = as_number(train_step(model, optimizer, x.clone(), y.clone(), lengths.clone()))
        if abs(loss - expected_loss) > 1e-4 * max(abs(expected_loss), 1e-6):
            raise Mismatch(f"expected the loss {expected_loss:.4f}, the mean over the real steps, got {loss:.4f}")
        steps = {int(state["step"]) for state in optimizer.state.values()}
        if len(optimizer.state) != len(list(model.parameters())) or steps != {1}:
            raise Mismatch(f"the Adam optimizer passed in should have stepped once for every weight, got steps {steps}")
        return f"loss {loss:.4f}"

    return {
        "gru tagger, 3 classes, N=4, L=6, no pads (lengths all 6), SGD": sgd_step("gru", 3, 1, [6, 6, 6, 6], 1),
        "batch of 1, one step (N=1, L=1), 7 classes, SGD": sgd_step("rnn", 7, 1, [1], 2),
        "rnn tagger, 2 classes, lengths [2, 9, 4, 1, 9, 3], SGD": sgd_step("rnn", 2, 1, [2, 9, 4, 1, 9, 3], 3),
        "2-layer lstm tagger, 4 classes, lengths [3, 6, 1], Adam: the loss, and one step of Adam": adam_step,
    }


def hidden_validate(validate):
    """Loss and accuracy over 3 classes, over one sequence of one step, and over batches of very different sizes
    (pooled over the real steps, or the plain or per-sequence mean of the batches' values, as the check allows)."""

    def loader(lengths, classes, batch_size, seed):
        lengths = torch.tensor(lengths)
        with seeded(seed):
            x = torch.randn(len(lengths), int(lengths.max()), 4)
            y = torch.randint(0, classes, (len(lengths), int(lengths.max())))
        real = step_mask(lengths, x.shape[1])
        dataset = TensorDataset(x * real.unsqueeze(-1), y.masked_fill(~real, PAD_LABEL), lengths)
        return DataLoader(dataset, batch_size=batch_size)

    def accepted(model, batches):
        """The losses and the accuracies the task accepts (each on its own, as the check does): pooled over the
        real steps first, then the plain mean of the batches' values, then their mean weighted by sequences."""
        model.eval()
        scores = []  # (sequences, real steps, summed loss, right) of each batch
        with torch.no_grad():
            for x, y, lengths in batches:
                logits = model(x, lengths)
                real = y != PAD_LABEL
                summed = float(F.cross_entropy(logits[real], y[real], reduction="sum"))
                right = int((logits.argmax(-1)[real] == y[real]).sum())
                scores.append((len(y), int(real.sum()), summed, right))

        def summaries(total):  # total: which entry of a batch's scores is summed (2: loss, 3: right steps)
            return [
                sum(s[total] for s in scores) / sum(s[1] for s in scores),
                sum(s[total] / s[1] for s in scores) / len(scores),
                sum(s[total] / s[1] * s[0] for s in scores) / sum(s[0] for s in scores),
            ]

        return summaries(2), summaries(3)

    def case(cell, classes, lengths, batch_size, seed):
        def run():
            with seeded(seed):
                model = SequenceTagger(4, 5, classes, cell=cell)
                twin = SequenceTagger(4, 5, classes, cell=cell)
            twin.load_state_dict(model.state_dict())
            batches = loader(lengths, classes, batch_size, seed)
            result = validate(model, batches)
            if not isinstance(result, (tuple, list)) or len(result) != 2:
                raise Mismatch(f"expected a pair (loss, accuracy), got {type(result).__name__}")
            loss, accuracy = (float(value) for value in result)
            losses, accuracies = accepted(twin, batches)
            if not any(abs(loss - wanted) <= 1e-4 * max(abs(wanted), 1e-6) for wanted in losses):
                raise Mismatch(f"expected the loss {losses[0]:.4f}, the mean over the real steps, got {loss:.4f}")
            if not any(abs(accuracy - wanted) <= 1e-5 for wanted in accuracies):
                raise Mismatch(
                    f"expected the accuracy {accuracies[0]:.4f}, the share of real steps right, got {accuracy:.4f}"
                )
            return f"loss {loss:.4f}, accuracy {accuracy:.4f}"

        return run

    return {
        "gru tagger, 3 classes, 9 sequences (lengths 1 to 8) in batches of 4": case(
            "gru", 3, [8, 1, 5, 3, 8, 2, 6, 4, 7], 4, 1
        ),
        "one sequence of one step (N=1, L=1), 6 classes": case("rnn", 6, [1], 1, 2),
        "batches of 7 and 1 sequence, no pads (lengths all 5), 2 classes": case("lstm", 2, [5] * 8, 7, 3),
    }


POINTS: dict[str, int] = {
    "forward_ceiling_by_step": 2,
    "train_gru_tagger": 2,
    "split_indices": 1,
    "train_step": 3,
    "validate": 2,
}
HIDDEN = {
    "forward_ceiling_by_step": hidden_forward_ceiling_by_step,
    "train_gru_tagger": hidden_train_gru_tagger,
    "split_indices": hidden_split_indices,
    "train_step": hidden_train_step,
    "validate": hidden_validate,
}
SLOW: frozenset[str] = frozenset({"train_gru_tagger"})
