"""Specification of what train, evaluate, predict and the metrics do with faulty data, models, settings (issue 16)."""

import threading

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_utils.data import make_tagging_data
from course_utils.env import pick_device
from course_utils.metrics import accuracy_by_position, confusion_matrix
from course_utils.models import SequenceTagger
from course_utils.training import History, TrainingStopped, evaluate, predict, train


def tagging_batches(n_sequences=64, batch_size=16):
    X, y = make_tagging_data(n_sequences=n_sequences)
    return X, y, batch_size


def loader(X, y, batch_size=16):
    return DataLoader(TensorDataset(X, y), batch_size=batch_size)


def tagger(seed=0):
    torch.manual_seed(seed)
    return SequenceTagger(8, 6, 5)


def quick_train(model, batches, **kwargs):
    return train(model, batches, epochs=kwargs.pop("epochs", 2), progress=False, device="cpu", **kwargs)


def one_pass(run, model, batches):
    """Train `model` on `batches` (run "train") or evaluate it on them (run "evaluate")."""
    return quick_train(model, batches) if run == "train" else evaluate(model, batches)


# --- item 2: the whole loader is checked, batch by batch ---------------------------------------


def later_bad_batch(kind):
    """Batches of 16 whose batch 2 holds label `kind` (an int) or, for kind "size", 24 inputs but 18 labels."""
    X, y, _ = tagging_batches()
    if kind == "size":
        words = r"x and y of batch 2 \(counting from 0\) of (train_)?loader must share their first axis N .* \(18, 10\)"
        return [(X[:16], y[:16]), (X[16:32], y[16:32]), (X[32:56], y[32:50])], words
    y[40, 3] = kind
    words = rf"label {kind} at \[sequence 8, step 3\] of batch 2 \(counting from 0\) of (train_)?loader is outside 0..4"
    return loader(X, y), words


@pytest.mark.parametrize("run", ["train", "evaluate"])
@pytest.mark.parametrize("kind", [8, -5, "size"])
def test_a_bad_batch_later_in_the_loader_is_named_with_the_fix(run, kind):
    batches, words = later_bad_batch(kind)
    with pytest.raises(ValueError, match=words):
        one_pass(run, tagger(), batches)


def test_a_label_beyond_the_classes_suggests_the_number_of_classes():
    X, y, _ = tagging_batches()
    y[40, 3] = 8
    with pytest.raises(ValueError, match="build the model with num_classes=9"):
        evaluate(tagger(), loader(X, y))


def test_float_labels_in_a_later_batch_are_named():
    X, y, _ = tagging_batches()
    batches = [(X[:16], y[:16]), (X[16:32], y[16:32].float())]
    with pytest.raises(
        TypeError,
        match=r"labels y \(the second item of batch 1 \(counting from 0\) of loader\) must be "
        r"an integer tensor",
    ):
        evaluate(tagger(), batches)


# --- item 3: NaN inputs, a NaN loss, History.best -----------------------------------------------


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_train_stops_at_a_non_finite_input_before_any_weight_changes(value):
    X, y, _ = tagging_batches()
    X[50, 2, 0] = value
    model = tagger()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(
        ValueError,
        match=rf"x of batch 3 \(counting from 0\) of train_loader holds {value} at "
        r"\[sequence 2, step 2, feature 0\].*torch.nan_to_num",
    ):
        quick_train(model, loader(X, y))
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert not torch.equal(before["head.weight"], model.state_dict()["head.weight"])  # batches 0-2 trained


def test_evaluate_refuses_a_nan_input_instead_of_returning_a_nan_loss():
    X, y, _ = tagging_batches()
    X[5, 0, 3] = float("nan")
    with pytest.raises(ValueError, match=r"x of batch 0 \(counting from 0\) of loader holds nan"):
        evaluate(tagger(), loader(X, y))


def test_a_diverging_loss_stops_training_naming_epoch_batch_and_learning_rate():
    class Exploding(nn.Module):
        """Finite for the first 3 steps, then its logits overflow to inf: what a too-high learning rate does."""

        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(torch.ones(()))
            self.calls = 0

        def forward(self, x):
            self.calls += 1
            logits = x[..., :5] * self.scale
            return logits * (float("inf") if self.calls > 3 else 1.0)

    X, y, _ = tagging_batches()
    model = Exploding()
    with pytest.raises(
        ValueError,
        match=r"training stopped: the loss became (nan|inf) in epoch 1, batch 3 \(counting "
        r"from 0\) of train_loader.*lr=0.03: try lr=0.003",
    ):
        quick_train(model, loader(X, y))
    assert torch.isfinite(model.scale).all()  # the step that would have spread it was not taken


def test_evaluate_refuses_a_model_whose_weights_are_nan():
    model = tagger()
    with torch.no_grad():
        model.head.weight[0, 0] = float("nan")
    X, y, _ = tagging_batches()
    with pytest.raises(ValueError, match="the model's weights 'head.weight' hold NaN or inf"):
        evaluate(model, loader(X, y))


def row(epoch, val_acc, val_loss):
    return dict(epoch=epoch, train_loss=1.0, train_acc=0.5, val_loss=val_loss, val_acc=val_acc, seconds=0.0)


@pytest.mark.parametrize("first_nan", [True, False])
def test_history_best_never_picks_a_nan_epoch(first_nan):
    rows = [row(1, float("nan"), float("nan")), row(2, 0.8, 0.4)]
    history = History(rows if first_nan else [row(1, 0.8, 0.4), row(2, float("nan"), float("nan"))])
    expected = 2 if first_nan else 1
    assert history.best("val_acc")["epoch"] == expected and history.best("val_loss")["epoch"] == expected


def test_history_best_of_only_nan_epochs_says_training_diverged():
    with pytest.raises(ValueError, match="every epoch's val_acc is NaN or inf: training diverged"):
        History([row(1, float("nan"), float("nan"))]).best()


@pytest.mark.parametrize("metric", ["epoch", "seconds", "accuracy", None])
def test_history_best_names_the_metric_argument(metric):
    with pytest.raises(ValueError, match="metric must be one of"):
        History([row(1, 0.5, 0.5)]).best(metric)


# --- item 10: accuracy_by_position, probabilities, no_grad, frozen models ---------------------


@pytest.mark.parametrize("shift", [10, -3])
def test_accuracy_by_position_refuses_labels_out_of_range(shift):
    X, y, _ = tagging_batches()
    with pytest.raises(ValueError, match=r"label -?\d+ at \[sequence 0, step 0\] of batch 0 .* is outside 0..4"):
        accuracy_by_position(tagger(), loader(X, y + shift))


class Softmaxed(nn.Module):
    def __init__(self):
        super().__init__()
        self.tagger = tagger()

    def forward(self, x, lengths=None):
        return self.tagger(x).softmax(-1)


@pytest.mark.parametrize("run", ["train", "evaluate"])
def test_a_model_that_returns_probabilities_is_told_to_return_logits(run):
    X, y, _ = tagging_batches()
    with pytest.raises(ValueError, match="the model returns probabilities .* remove the softmax"):
        one_pass(run, Softmaxed(), loader(X, y))


def test_log_probabilities_and_one_hot_logits_are_accepted_as_logits():
    class LogSoftmaxed(Softmaxed):
        def forward(self, x, lengths=None):
            return self.tagger(x).log_softmax(-1)

    class OneHot(nn.Module):
        def forward(self, x, lengths=None):
            return nn.functional.one_hot(torch.zeros(x.shape[:2], dtype=torch.long), 5).float()

    X, y, _ = tagging_batches()
    assert evaluate(LogSoftmaxed(), loader(X, y))["acc"] >= 0
    assert evaluate(OneHot(), loader(X, y))["acc"] >= 0


@pytest.mark.parametrize("block", [torch.no_grad, torch.inference_mode])
def test_train_with_gradients_turned_off_says_where_to_call_it(block):
    X, y, _ = tagging_batches()
    with block(), pytest.raises(RuntimeError, match=r"train\(\) was called with gradients turned off"):
        quick_train(tagger(), loader(X, y))


def test_train_on_a_frozen_model_says_how_to_unfreeze_it():
    X, y, _ = tagging_batches()
    with pytest.raises(ValueError, match=r"requires_grad=False .* model.requires_grad_\(True\)"):
        quick_train(tagger().requires_grad_(False), loader(X, y))


def test_train_on_a_model_without_parameters_says_so():
    class Empty(nn.Module):
        def forward(self, x):
            return torch.zeros(*x.shape[:2], 5)

    X, y, _ = tagging_batches()
    with pytest.raises(ValueError, match="has no parameters to train"):
        quick_train(Empty(), loader(X, y))


def test_a_forward_that_detaches_its_output_is_told_why_nothing_trains():
    class Detached(Softmaxed):
        def forward(self, x, lengths=None):
            return self.tagger(x).detach()

    X, y, _ = tagging_batches()
    with pytest.raises(RuntimeError, match="the loss does not depend on the model's weights"):
        quick_train(Detached(), loader(X, y))


@pytest.mark.parametrize("progress", ["yes", 1, None])
def test_train_progress_must_be_true_or_false(progress):
    X, y, _ = tagging_batches()
    with pytest.raises(TypeError, match="progress must be True or False"):
        train(tagger(), loader(X, y), epochs=1, progress=progress, device="cpu")


def test_predict_refuses_non_finite_inputs():
    x = torch.zeros(2, 4, 8)
    x[1, 2, 3] = float("nan")
    with pytest.raises(ValueError, match=r"x holds nan at \[sequence 1, step 2, feature 3\]"):
        predict(tagger(), x)


@pytest.mark.parametrize("dtype", [torch.bool, torch.complex64])
def test_confusion_matrix_refuses_bool_and_complex_labels(dtype):
    labels = torch.zeros(4, dtype=torch.long)
    with pytest.raises(TypeError, match="y_true must be an integer tensor"):
        confusion_matrix(labels.to(dtype), labels, 3)


# --- item 11: devices ------------------------------------------------------------------------


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without a CUDA GPU")
@pytest.mark.parametrize("device", ["cuda", "cuda:3", torch.device("cuda")])
@pytest.mark.parametrize("run", ["train", "evaluate"])
def test_asking_for_cuda_without_a_gpu_names_what_is_available(device, run):
    X, y, _ = tagging_batches()
    with pytest.raises(ValueError, match=r"is not available on this machine .*; available here: .*cpu"):
        if run == "train":
            train(tagger(), loader(X, y), epochs=1, progress=False, device=device)
        else:
            evaluate(tagger(), loader(X, y), device=device)


@pytest.mark.parametrize("device", ["gpu", "tpu", "cuda:x"])
def test_a_device_name_torch_does_not_know_is_named(device):
    with pytest.raises(ValueError, match=f"device '{device}' is not a device name"):
        pick_device(device)


@pytest.mark.parametrize("device", [0, 5, 1.5, True, ["cpu"]])
def test_a_device_that_is_not_a_name_is_refused(device):
    with pytest.raises(TypeError, match="device must be None, a device name"):
        pick_device(device)


def test_pick_device_accepts_the_cpu_and_none(monkeypatch):
    monkeypatch.delenv("BIRNN_COURSE_DEVICE", raising=False)
    assert pick_device("cpu") == pick_device(None) == torch.device("cpu")


# --- issue 27: training stopped by Ctrl-C or an error; narrow integer labels; meta tensors ------------------------


class StopsAt(nn.Module):
    """A tagger with dropout that raises `error` from forward at call `at` (counting from 1): Ctrl-C, simulated."""

    def __init__(self, at, error):
        super().__init__()
        self.inner = SequenceTagger(8, 6, 5, dropout=0.5, num_layers=2)
        self.at, self.error, self.calls = at, error, 0

    def forward(self, x):
        self.calls += 1
        if self.calls == self.at:
            raise self.error
        return self.inner(x)


def four_batches_and_one_for_validation():
    X, y, _ = tagging_batches(n_sequences=80)
    return loader(X[:64], y[:64]), loader(X[64:], y[64:])


def test_ctrl_c_in_train_hands_over_the_history_of_the_finished_epochs(capsys):
    train_batches, val_batches = four_batches_and_one_for_validation()
    torch.manual_seed(0)
    model = StopsAt(at=2 * 5 + 3, error=KeyboardInterrupt())  # 5 forward calls an epoch: batch 2 of epoch 3
    with pytest.raises(KeyboardInterrupt) as stopped:
        train(model, train_batches, val_batches, epochs=5, progress=False, device="cpu")
    history = stopped.value.history
    assert isinstance(history, History) and history.column("epoch") == [1, 2]
    assert "train() stopped in epoch 3 of 5: the History of the 2 finished epochs is error.history" in (
        stopped.value.__notes__
    )
    printed = capsys.readouterr().err.strip().splitlines()
    assert len(printed) == 1 and "sys.last_value.history" in printed[0] and "KeyboardInterrupt" in printed[0]


@pytest.mark.parametrize("error", [KeyboardInterrupt(), RuntimeError("out of memory")])
@pytest.mark.parametrize("at", [1, 8])
def test_train_ends_in_eval_mode_however_it_stops(error, at):
    train_batches, val_batches = four_batches_and_one_for_validation()
    model = StopsAt(at, error)
    with pytest.raises(type(error)):
        train(model, train_batches, val_batches, epochs=3, progress=False, device="cpu")
    assert not model.training and not model.inner.training  # dropout off


def test_an_error_before_any_epoch_finished_carries_an_empty_history_and_prints_nothing(capsys):
    X, y, _ = tagging_batches()
    y[40, 3] = 8  # a label out of range in batch 2 of epoch 1
    with pytest.raises(ValueError, match="label 8") as stopped:
        quick_train(tagger(), loader(X, y))
    assert len(stopped.value.history) == 0 and not getattr(stopped.value, "__notes__", [])
    assert capsys.readouterr().err == ""


def test_a_set_stop_event_stops_training_before_the_next_batch():
    stop = threading.Event()
    stop.set()
    model = tagger()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(TrainingStopped, match=r"before batch 0 \(counting from 0\) of train_loader"):
        train(model, loader(*tagging_batches()[:2]), epochs=2, progress=False, device="cpu", stop=stop)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


@pytest.mark.parametrize("dtype", [torch.int32, torch.int16, torch.int8, torch.uint8])
def test_narrower_integer_labels_train_and_score_exactly_as_int64(dtype):
    X, y = make_tagging_data(n_sequences=48)
    y[:, -1] = 3  # no PAD_LABEL (-100): uint8 cannot hold it
    runs = [quick_train(tagger(), loader(X, labels)) for labels in (y, y.to(dtype))]
    assert runs[0].column("train_loss") == runs[1].column("train_loss")
    assert evaluate(tagger(), loader(X, y.to(dtype))) == evaluate(tagger(), loader(X, y))


def test_int32_labels_with_padding_train_as_int64():
    X, y = make_tagging_data(n_sequences=48)
    y[:, -2:] = -100
    assert quick_train(tagger(), loader(X, y.int())).column("train_loss") == quick_train(tagger(), loader(X, y)).column(
        "train_loss"
    )


@pytest.mark.skipif(not hasattr(torch, "uint64"), reason="this torch has no uint64 (added in torch 2.3)")
def test_uint64_labels_are_refused_naming_the_batch_and_the_fix():
    X, y = make_tagging_data(n_sequences=32)
    batches = [(X[:16], y[:16]), (X[16:], y[16:].to(torch.uint64))]
    with pytest.raises(
        TypeError,
        match=r"labels y \(the second item of batch 1 \(counting from 0\) of loader\) are torch.uint64.*y.long\(\)",
    ):
        evaluate(tagger(), batches)


def test_a_meta_tensor_is_named_instead_of_torchs_bare_error():
    x = torch.empty(2, 5, 8, device="meta")
    with pytest.raises(ValueError, match=r"x \(N, L, H_in\) is on the 'meta' device .* no values"):
        predict(tagger(), x)
    with pytest.raises(ValueError, match=r"x is on the 'meta' device"):
        tagger()(x)
    X, y = make_tagging_data(n_sequences=16)
    with pytest.raises(ValueError, match=r"x \(the first item of batch 0 \(counting from 0\) of train_loader\) is on"):
        quick_train(tagger(), [(x, y[:2])])


def test_stop_must_be_a_threading_event():
    with pytest.raises(TypeError, match="stop must be a threading.Event or None, got bool True"):
        train(tagger(), loader(*tagging_batches()[:2]), progress=False, device="cpu", stop=True)
