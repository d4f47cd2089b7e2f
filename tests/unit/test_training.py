"""Specification of course_utils.training: train, evaluate, predict, metrics, checkpoints."""

import os

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_utils.checkpoints import load_checkpoint, save_checkpoint
from course_utils.data import (
    PAD_LABEL,
    make_loaders,
    make_tagging_data,
    make_tagging_loaders,
    make_variable_length_data,
)
from course_utils.env import seed_everything
from course_utils.metrics import accuracy_by_position, confusion_matrix
from course_utils.models import SequenceClassifier, SequenceTagger
from course_utils.training import History, evaluate, predict, train

METRICS = ("train_loss", "train_acc", "val_loss", "val_acc")


class ConstantTagger(nn.Module):
    """Predicts class 0 at every step: logits (N, T, C) = [1, 0, 0, ...]; records the lengths it is given."""

    def __init__(self, num_classes=3):
        super().__init__()
        self.num_classes = num_classes
        self.seen_lengths = []

    def forward(self, x, lengths=None):
        self.seen_lengths.append(lengths)
        logits = torch.zeros(*x.shape[:2], self.num_classes)
        logits[..., 0] = 1.0
        return logits


def small_loaders(n_sequences=96, seed=0):
    return make_tagging_loaders(batch_size=16, seed=seed, n_sequences=n_sequences)


def fresh_tagger(seed=0):
    seed_everything(seed)
    return SequenceTagger(8, 6, 5)


def metrics(history):
    return [[row[name] for name in METRICS] for row in history.rows]


# --- train -------------------------------------------------------------------


def test_train_returns_one_row_per_epoch_with_losses_and_accuracies():
    train_loader, val_loader = small_loaders()
    history = train(fresh_tagger(), train_loader, val_loader, epochs=3, progress=False, device="cpu")
    assert isinstance(history, History) and len(history) == 3
    assert history.column("epoch") == [1, 2, 3]
    for row in history.rows:
        assert row["train_loss"] > 0 and row["val_loss"] > 0
        assert 0 <= row["train_acc"] <= 1 and 0 <= row["val_acc"] <= 1
        assert row["seconds"] > 0


@pytest.mark.slow
def test_train_with_defaults_learns_the_reference_task():
    train_loader, val_loader = make_tagging_loaders()
    seed_everything(0)
    history = train(SequenceTagger(8, 10, 5), train_loader, val_loader, progress=False, seed=0, device="cpu")
    assert history.last["val_acc"] > 0.85
    assert history.rows[-1]["train_loss"] < history.rows[0]["train_loss"]


def test_two_runs_with_the_same_seed_give_identical_histories():
    train_loader, val_loader = small_loaders()
    first = train(fresh_tagger(), train_loader, val_loader, epochs=2, progress=False, seed=3, device="cpu")
    second = train(fresh_tagger(), train_loader, val_loader, epochs=2, progress=False, seed=3, device="cpu")
    assert metrics(first) == metrics(second)
    assert first.to_text() == second.to_text()


def test_train_without_validation_loader_records_none_for_validation():
    train_loader, _ = small_loaders()
    history = train(fresh_tagger(), train_loader, epochs=1, progress=False, device="cpu")
    assert history.last["val_loss"] is None and history.last["val_acc"] is None


def test_train_leaves_the_model_in_eval_mode():
    train_loader, _ = small_loaders()
    model = fresh_tagger()
    train(model, train_loader, epochs=1, progress=False, device="cpu")
    assert not model.training


def test_train_passes_lengths_to_the_model_and_trains_on_variable_length_data():
    X, y, lengths = make_variable_length_data(64, min_len=2, max_len=9)
    train_loader, val_loader = make_loaders(X, y, lengths, batch_size=16)
    history = train(fresh_tagger(), train_loader, val_loader, epochs=1, progress=False, device="cpu")
    assert torch.isfinite(torch.tensor(metrics(history))).all()
    spy = ConstantTagger(5)
    evaluate(spy, val_loader)
    assert all(seen is not None and seen.dim() == 1 for seen in spy.seen_lengths)


def test_train_works_for_a_sequence_classifier():
    X = torch.randn(48, 6, 8)
    y = (X[:, :, 0].sum(1) > 0).long()  # (N,)
    train_loader, val_loader = make_loaders(X, y, batch_size=16)
    seed_everything(0)
    history = train(SequenceClassifier(8, 4, 2), train_loader, val_loader, epochs=2, progress=False, device="cpu")
    assert 0 <= history.last["val_acc"] <= 1


def test_progress_false_prints_nothing(capsys):
    train_loader, val_loader = small_loaders()
    train(fresh_tagger(), train_loader, val_loader, epochs=1, progress=False, device="cpu")
    assert capsys.readouterr() == ("", "")


def test_progress_bar_counts_epochs_and_shows_the_last_metrics_to_four_decimals(capsys):
    train_loader, val_loader = small_loaders()
    history = train(fresh_tagger(), train_loader, val_loader, epochs=2, progress=True, device="cpu")
    err = capsys.readouterr().err
    final = err.split("\r")[-1]
    assert final.startswith("train: 100%") and "2/2 [" in final
    assert f"train_loss={history.last['train_loss']:.4f}" in final
    assert f"val_acc={history.last['val_acc']:.4f}" in final


# --- loss and accuracy over labelled steps only ---------------------------------


def test_padded_steps_are_left_out_and_batches_weigh_by_their_labelled_steps():
    x = torch.zeros(2, 4, 1)
    # batch 1: one labelled step, predicted right; batch 2: three labelled steps, all wrong
    y = torch.tensor([[0, PAD_LABEL, PAD_LABEL, PAD_LABEL], [1, 2, 1, PAD_LABEL]])
    loader = DataLoader(TensorDataset(x, y), batch_size=1)
    result = evaluate(ConstantTagger(3), loader)
    assert result["acc"] == pytest.approx(1 / 4)  # pooled over 4 steps, not the mean of 1.0 and 0.0
    log_softmax = torch.tensor([1.0, 0.0, 0.0]).log_softmax(0)
    expected_loss = -(log_softmax[0] + 3 * log_softmax[1]) / 4
    assert result["loss"] == pytest.approx(float(expected_loss), rel=1e-6)


def test_evaluate_restores_the_models_training_mode():
    _, val_loader = small_loaders()
    model = fresh_tagger().train()
    evaluate(model, val_loader)
    assert model.training


# --- bad input -------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"model": "tagger"}, TypeError, "model must be a torch.nn.Module"),
        ({"epochs": 0}, ValueError, "epochs must be >= 1"),
        ({"lr": 0}, ValueError, "lr must be a finite number > 0"),
        ({"lr": -0.1}, ValueError, "lr must be a finite number > 0"),
        ({"lr": "0.03"}, TypeError, "lr must be a number"),
        ({"train_loader": []}, ValueError, "train_loader is empty"),
        ({"train_loader": torch.zeros(3)}, TypeError, "train_loader must be an iterable of batches"),
    ],
)
def test_train_rejects_bad_arguments_before_training(kwargs, error, words):
    train_loader, _ = small_loaders()
    arguments = {"model": fresh_tagger(), "train_loader": train_loader, "progress": False, **kwargs}
    with pytest.raises(error, match=words):
        train(**arguments)


def test_train_rejects_batches_that_are_not_x_y_pairs():
    loader = DataLoader(TensorDataset(torch.randn(8, 5, 8)), batch_size=4)  # batches (x,) only
    with pytest.raises(TypeError, match=r"must be \(x, y\) or \(x, y, lengths\)"):
        train(fresh_tagger(), loader, progress=False)


def test_train_rejects_boolean_inputs():
    loader = DataLoader(
        TensorDataset(torch.ones(8, 5, 8, dtype=torch.bool), torch.zeros(8, 5, dtype=torch.long)), batch_size=4
    )
    with pytest.raises(TypeError, match=r"x .* must be a float tensor of features or an integer tensor of ids"):
        train(fresh_tagger(), loader, progress=False)


class EmbeddingTagger(nn.Module):
    """Integer ids (N, T) -> logits (N, T, 5): the kind of model that needs integer inputs."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(6, 8)
        self.tagger = SequenceTagger(8, 4, 5)

    def forward(self, ids):
        return self.tagger(self.embed(ids))


def test_train_passes_integer_ids_to_a_model_that_embeds_them():
    torch.manual_seed(0)
    ids = torch.randint(0, 6, (16, 5))
    loader = DataLoader(TensorDataset(ids, ids % 5), batch_size=8)
    history = train(EmbeddingTagger(), loader, epochs=30, lr=0.05, progress=False, seed=0)
    assert history.rows[-1]["train_acc"] > history.rows[0]["train_acc"]


def test_train_rejects_float_labels():
    loader = DataLoader(TensorDataset(torch.randn(8, 5, 8), torch.rand(8, 5)), batch_size=4)
    with pytest.raises(TypeError, match="labels y .* must be an integer tensor of class indices"):
        train(fresh_tagger(), loader, progress=False)


def test_train_explains_per_step_logits_against_one_label_per_sequence():
    loader = DataLoader(TensorDataset(torch.randn(8, 5, 8), torch.zeros(8, dtype=torch.long)), batch_size=4)
    expected = r"per-step logits \(N, L, C\) = \(4, 5, 5\) but the labels are one per sequence"
    with pytest.raises(ValueError, match=expected):
        train(fresh_tagger(), loader, progress=False)


def test_train_explains_one_logit_row_per_sequence_against_per_step_labels():
    loader = DataLoader(TensorDataset(torch.randn(8, 5, 8), torch.zeros(8, 5, dtype=torch.long)), batch_size=4)
    expected = r"one row of logits per sequence \(N, C\) = \(4, 2\) but the labels are per step"
    with pytest.raises(ValueError, match=expected):
        train(SequenceClassifier(8, 3, 2), loader, progress=False)


def test_train_names_a_label_outside_the_models_classes():
    y = torch.zeros(8, 5, dtype=torch.long)
    y[2, 3] = 7
    loader = DataLoader(TensorDataset(torch.randn(8, 5, 8), y), batch_size=8)
    with pytest.raises(
        ValueError, match=r"label 7 at \[sequence 2, step 3\] of batch 0 .* outside 0..4: the model outputs 5 classes"
    ):
        train(fresh_tagger(), loader, progress=False)


def test_train_rejects_a_model_that_returns_a_tuple():
    loader = DataLoader(TensorDataset(torch.randn(8, 5, 8), torch.zeros(8, 5, dtype=torch.long)), batch_size=4)
    expected = r"got a tuple of 2 \(a torch.float32 tensor of shape \(4, 5, 5\), .*\(output, h_n\)"
    with pytest.raises(TypeError, match=expected):
        train(nn.RNN(8, 5, batch_first=True), loader, progress=False)


# --- loss="mse": regression -------------------------------------------------------


class ConstantRegressor(nn.Module):
    """Predicts `value` at every step, shaped (N, T, 1) or, with squeeze=True, (N, T)."""

    def __init__(self, value=1.0, squeeze=False):
        super().__init__()
        self.value, self.squeeze = value, squeeze

    def forward(self, x, lengths=None):
        output = torch.full((*x.shape[:2], 1), self.value)
        return output.squeeze(-1) if self.squeeze else output


def regression_loaders(n_sequences=96):
    X = torch.randn(n_sequences, 6, 2, generator=torch.Generator().manual_seed(0))
    y = X[..., 0] - 0.5 * X[..., 1]  # (N, T) float targets
    return make_loaders(X, y, batch_size=16)


def test_train_with_mse_fits_real_targets_and_records_no_accuracy():
    train_loader, val_loader = regression_loaders()
    seed_everything(0)
    history = train(
        SequenceTagger(2, 6, 1), train_loader, val_loader, epochs=4, progress=False, device="cpu", loss="mse"
    )
    assert history.last["val_loss"] < history.rows[0]["val_loss"]
    assert history.column("train_acc") == [None] * 4 and history.column("val_acc") == [None] * 4
    assert " - " in history.to_text()


@pytest.mark.parametrize("squeeze", [False, True], ids=["(N, T, 1)", "(N, T)"])
def test_evaluate_with_mse_is_the_mean_squared_error_over_all_steps(squeeze):
    y = torch.tensor([[0.0, 1.0, 3.0], [1.0, 1.0, -1.0]])
    loader = DataLoader(TensorDataset(torch.zeros(2, 3, 1), y), batch_size=1)
    result = evaluate(ConstantRegressor(1.0, squeeze), loader, loss="mse")
    assert result["acc"] is None
    assert result["loss"] == pytest.approx((1 + 0 + 4 + 0 + 0 + 4) / 6)


def test_mse_leaves_out_nan_targets_and_weighs_batches_by_their_labelled_steps():
    nan = float("nan")
    # batch 1: one labelled step, error 2; batch 2: three labelled steps, no error
    y = torch.tensor([[3.0, nan, nan, nan], [1.0, 1.0, 1.0, nan]])
    loader = DataLoader(TensorDataset(torch.zeros(2, 4, 1), y), batch_size=1)
    assert evaluate(ConstantRegressor(1.0), loader, loss="mse")["loss"] == pytest.approx(4 / 4)


def test_a_batch_of_nan_targets_only_adds_nothing():
    y = torch.tensor([[float("nan")] * 3, [2.0, 2.0, 2.0]])
    loader = DataLoader(TensorDataset(torch.zeros(2, 3, 1), y), batch_size=1)
    assert evaluate(ConstantRegressor(1.0), loader, loss="mse")["loss"] == pytest.approx(1.0)


def test_mse_rejects_integer_targets():
    loader = DataLoader(TensorDataset(torch.zeros(4, 3, 1), torch.zeros(4, 3, dtype=torch.long)), batch_size=2)
    with pytest.raises(TypeError, match=r"targets y .* must be a float tensor for loss='mse'"):
        evaluate(ConstantRegressor(), loader, loss="mse")


def test_mse_explains_a_model_with_several_outputs_per_step():
    loader = DataLoader(TensorDataset(torch.zeros(4, 3, 8), torch.zeros(4, 3)), batch_size=2)
    expected = r"one value per target, shape \(2, 3\) or \(2, 3, 1\) \(e.g. .*num_classes=1\), got \(2, 3, 5\)"
    with pytest.raises(ValueError, match=expected):
        train(fresh_tagger(), loader, progress=False, loss="mse")


@pytest.mark.parametrize("function", [train, evaluate])
def test_an_unknown_loss_is_rejected_by_name(function):
    train_loader, _ = small_loaders()
    with pytest.raises(ValueError, match=r"loss must be one of 'cross_entropy', 'mse', got str 'l1'"):
        function(fresh_tagger(), train_loader, loss="l1")


# --- History ------------------------------------------------------------------------


def reference_history():
    history = History()
    history.add(epoch=1, train_loss=1.23449, train_acc=0.4567, val_loss=1.1111, val_acc=0.5, seconds=0.31)
    history.add(epoch=2, train_loss=0.85, train_acc=0.62, val_loss=0.9, val_acc=0.6, seconds=0.29)
    return history


def test_history_text_is_a_fixed_width_table_without_timings():
    assert repr(reference_history()) == (
        "epoch  train_loss  train_acc  val_loss  val_acc\n"
        "    1      1.2345     0.4567    1.1111   0.5000\n"
        "    2      0.8500     0.6200    0.9000   0.6000"
    )


def test_history_shows_a_dash_where_there_is_no_validation():
    row = {"epoch": 1, "train_loss": 1.0, "train_acc": 0.5, "val_loss": None, "val_acc": None, "seconds": 1}
    history = History([row])
    assert history.to_text().splitlines()[1] == "    1      1.0000     0.5000         -        -"


def test_history_html_is_a_table_with_every_value():
    page = reference_history()._repr_html_()
    assert page.startswith("<table>") and page.count("<tr>") == 3 and "1.2345" in page and "0.6200" in page


def test_history_best_takes_the_lowest_loss_and_the_highest_accuracy():
    history = reference_history()
    assert history.best("val_loss")["epoch"] == 2
    assert history.best("train_acc")["epoch"] == 2
    with pytest.raises(ValueError, match="metric must be one of"):
        history.best("accuracy")


# --- predict, accuracy_by_position, confusion_matrix --------------------------------


def test_predict_returns_softmax_probabilities_and_their_argmax_without_gradients():
    model = fresh_tagger().train()
    probs, preds = predict(model, torch.randn(3, 7, 8))
    assert probs.shape == (3, 7, 5) and preds.shape == (3, 7)
    assert torch.allclose(probs.sum(-1), torch.ones(3, 7))
    assert torch.equal(preds, probs.argmax(-1))
    assert not probs.requires_grad
    assert model.training


def test_predict_runs_in_eval_mode():
    model = SequenceTagger(8, 6, 5, dropout=0.5).train()
    x = torch.randn(2, 4, 8)
    assert torch.equal(predict(model, x)[0], predict(model, x)[0])


def test_predict_rejects_a_two_dimensional_input():
    with pytest.raises(ValueError, match=r"x \(N, L, H_in\) must have 3 axes"):
        predict(fresh_tagger(), torch.randn(7, 8))


def test_accuracy_by_position_scores_each_step_over_labelled_sequences_only():
    x = torch.zeros(3, 3, 1)
    y = torch.tensor([[0, 1, PAD_LABEL], [0, 0, PAD_LABEL], [1, 0, PAD_LABEL]])
    loader = DataLoader(TensorDataset(x, y), batch_size=2)
    accuracy = accuracy_by_position(ConstantTagger(2), loader)
    assert accuracy[:2].tolist() == pytest.approx([2 / 3, 2 / 3])
    assert torch.isnan(accuracy[2])  # no sequence reaches step 2


def test_confusion_matrix_counts_true_rows_against_predicted_columns_skipping_padding():
    y_true = torch.tensor([[0, 1, 1, PAD_LABEL]])
    y_pred = torch.tensor([[0, 2, 1, 0]])
    assert confusion_matrix(y_true, y_pred, 3).tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 0]]


def test_confusion_matrix_rejects_classes_outside_the_range():
    with pytest.raises(ValueError, match="y_pred holds values from 0 to 3 but num_classes=3"):
        confusion_matrix(torch.tensor([0, 1]), torch.tensor([0, 3]), 3)


# --- checkpoints ------------------------------------------------------------------------


def test_a_saved_checkpoint_loads_back_the_same_weights(tmp_path):
    model = fresh_tagger(seed=1)
    path = save_checkpoint(model, tmp_path / "runs" / "tagger.pt")
    other = fresh_tagger(seed=2)
    load_checkpoint(other, path)
    for name, tensor in model.state_dict().items():
        assert torch.equal(other.state_dict()[name], tensor)


def test_a_failed_save_leaves_the_old_checkpoint_whole_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "tagger.pt"
    save_checkpoint(fresh_tagger(seed=1), path)
    before = path.read_bytes()

    def crash_half_way(obj, file):
        file.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", crash_half_way)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(fresh_tagger(seed=2), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["tagger.pt"]


def test_loading_a_missing_file_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint file at .*nothing.pt.*save_checkpoint"):
        load_checkpoint(fresh_tagger(), tmp_path / "nothing.pt")


def test_loading_another_architecture_names_the_mismatching_shapes(tmp_path):
    path = save_checkpoint(SequenceTagger(8, 6, 5), tmp_path / "small.pt")
    with pytest.raises(ValueError, match=r"shape differs: rnn.weight_ih_l0: checkpoint \(6, 8\), model \(12, 8\)"):
        load_checkpoint(SequenceTagger(8, 12, 5), path)


def test_loading_another_architecture_names_missing_keys(tmp_path):
    path = save_checkpoint(SequenceTagger(8, 6, 5, bidirectional=False), tmp_path / "forward.pt")
    with pytest.raises(ValueError, match="missing in checkpoint: rnn.weight_ih_l0_reverse"):
        load_checkpoint(SequenceTagger(8, 6, 5), path)


def test_loading_refuses_a_file_that_is_not_weights_only(tmp_path):
    path = tmp_path / "pickled.pt"
    torch.save({"model": SequenceTagger(8, 6, 5)}, path)  # a whole pickled module, not a state_dict
    with pytest.raises(ValueError, match="is not a weights-only checkpoint"):
        load_checkpoint(fresh_tagger(), path)


def test_reseeding_restarts_the_loaders_shuffle_even_after_it_was_used():
    X, y = make_tagging_data(40, seq_len=4)
    train_loader, _ = make_loaders(X, y, batch_size=8)
    first = train(fresh_tagger(), train_loader, epochs=1, progress=False, seed=5, device="cpu")
    next(iter(train_loader))  # advances the loader's generator
    second = train(fresh_tagger(), train_loader, epochs=1, progress=False, seed=5, device="cpu")
    assert metrics(first) == metrics(second)


def test_train_explains_a_loader_that_runs_out_after_one_epoch():
    train_loader, _ = small_loaders()
    one_pass = (batch for batch in train_loader)
    with pytest.raises(ValueError, match="train_loader yielded no batches: .*a generator runs out after one pass"):
        train(fresh_tagger(), one_pass, epochs=2, progress=False)


def test_validation_errors_name_the_validation_loader():
    train_loader, _ = small_loaders()
    bad_val = DataLoader(TensorDataset(torch.randn(4, 10, 8)), batch_size=2)
    with pytest.raises(TypeError, match=r"batch 0 \(counting from 0\) of val_loader must be \(x, y\)"):
        train(fresh_tagger(), train_loader, bad_val, epochs=1, progress=False)


class _EmbeddingTagger(nn.Module):
    """Token ids (N, L) in, logits (N, L, 3) out: the kind of model train accepts integer ids for."""

    def __init__(self):
        super().__init__()
        self.embed, self.head = nn.Embedding(7, 4), nn.Linear(4, 3)

    def forward(self, ids, lengths=None):
        return self.head(self.embed(ids))


def test_predict_takes_token_ids_as_train_does():
    torch.manual_seed(0)
    model, ids = _EmbeddingTagger(), torch.tensor([[1, 2, 3], [4, 5, 0]])
    probs, preds = predict(model, ids, [3, 2])
    assert probs.shape == (2, 3, 3) and torch.equal(preds, model(ids).argmax(-1))


def test_predict_names_token_ids_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"x \(N, L\) of token ids must have 2 axes"):
        predict(_EmbeddingTagger(), torch.tensor([1, 2, 3]))
