"""Specification of course_utils.perturbation: BIRNN_COURSE_PERTURB sends training down another path, nothing else."""

import pytest
import torch

from course_utils.data import make_tagging_loaders
from course_utils.env import seed_everything
from course_utils.models import SequenceTagger
from course_utils.perturbation import ENV_VAR, NUDGE, nudge_weights, perturbation, shuffle_seed
from course_utils.training import train


@pytest.mark.parametrize(("text", "k"), [(None, 0), ("", 0), ("0", 0), (" 2 ", 2), ("13", 13)])
def test_the_switch_reads_a_whole_number_and_is_off_when_unset(text, k):
    assert perturbation({} if text is None else {ENV_VAR: text}) == k


@pytest.mark.parametrize("text", ["yes", "-1", "1.5", "on"])
def test_anything_else_is_refused_with_the_fix(text):
    with pytest.raises(ValueError, match=f"{ENV_VAR}=.* is not a whole number: set it to 1, 2, 3"):
        perturbation({ENV_VAR: text})


def test_shuffle_seeds_differ_for_every_k_and_are_the_seed_itself_when_off():
    seeds = {shuffle_seed(0, k) for k in range(5)}
    assert shuffle_seed(5, 0) == 5 and len(seeds) == 5


def test_the_nudge_is_small_relative_to_each_weight_and_the_same_for_the_same_k():
    seed_everything(0)
    model = SequenceTagger(8, 6, 5)
    before = [p.detach().clone() for p in model.parameters()]
    nudge_weights(model, 1)
    nudged = [p.detach().clone() for p in model.parameters()]
    for old, new in zip(before, nudged):
        relative = (new - old).pow(2).mean().sqrt() / old.pow(2).mean().sqrt()
        assert 0.3 * NUDGE < relative < 3 * NUDGE
    for parameter, old in zip(model.parameters(), before):
        parameter.data.copy_(old)
    nudge_weights(model, 1)
    assert all(torch.equal(p, n) for p, n in zip(model.parameters(), nudged))
    nudge_weights(model, 0)  # off: nothing changes
    assert all(torch.equal(p, n) for p, n in zip(model.parameters(), nudged))


def trained(monkeypatch, k):
    if k:
        monkeypatch.setenv(ENV_VAR, str(k))
    else:
        monkeypatch.delenv(ENV_VAR, raising=False)
    train_loader, val_loader = make_tagging_loaders(batch_size=16, n_sequences=96)
    seed_everything(0)
    model = SequenceTagger(8, 6, 5)
    history = train(model, train_loader, val_loader, epochs=2, progress=False, seed=0, device="cpu")
    after = torch.rand(3)  # the next draw of torch's global generator
    batch = next(iter(val_loader))
    return [row["val_loss"] for row in history.rows], after, batch, model


def test_perturbed_training_ends_elsewhere_repeats_itself_and_leaves_data_and_global_draws_alone(monkeypatch):
    usual_losses, usual_after, usual_batch, _ = trained(monkeypatch, 0)
    losses, after, batch, model = trained(monkeypatch, 1)
    again_losses, _, _, again_model = trained(monkeypatch, 1)
    other_losses = trained(monkeypatch, 2)[0]
    assert losses != usual_losses and other_losses != losses  # another path for each k
    assert again_losses == losses and all(
        torch.equal(a, b) for a, b in zip(model.parameters(), again_model.parameters())
    )
    assert torch.equal(after, usual_after)  # later draws of the global generator are untouched
    assert all(torch.equal(a, b) for a, b in zip(batch, usual_batch))  # the data is the same
