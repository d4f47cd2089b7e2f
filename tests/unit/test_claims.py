"""Specification of course_utils.claims: one stable line per claim, only for real truth values."""

import json

import numpy as np
import pytest
import torch

from course_utils.claims import (
    CLAIMS_LOG_ENV_VAR,
    claim,
    claim_above,
    claim_at_least,
    claim_at_most,
    claim_below,
    print_error,
)


def test_a_true_claim_prints_its_text_and_true_and_returns_true(capsys):
    assert claim("bidirectional >= 0.90 on every seed", 0.93 >= 0.90) is True
    assert capsys.readouterr().out == "bidirectional >= 0.90 on every seed: True\n"


def test_a_false_claim_prints_false_and_returns_false(capsys):
    assert claim("forward-only above its ceiling", False) is False
    assert capsys.readouterr().out == "forward-only above its ceiling: False\n"


def test_a_zero_dimensional_bool_tensor_is_a_condition(capsys):
    scores = torch.tensor([0.91, 0.95])
    assert claim("every score >= 0.9", (scores >= 0.9).all()) is True
    assert capsys.readouterr().out == "every score >= 0.9: True\n"


def test_numpy_bools_are_conditions(capsys):
    assert claim("numpy scalar", np.float64(2.0) > 1) is True
    assert claim("numpy 0-d array", np.array(False)) is False
    assert capsys.readouterr().out == "numpy scalar: True\nnumpy 0-d array: False\n"


@pytest.mark.parametrize(
    "condition", [1, 0.5, None, "True", [True], torch.tensor([True, False]), torch.tensor(1.0), np.array([True])]
)
def test_anything_but_a_truth_value_is_refused_naming_the_claim(condition, capsys):
    with pytest.raises(TypeError, match="the condition of the claim 'gap >= 0.15' must be a bool"):
        claim("gap >= 0.15", condition)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("text", ["", "   ", None, 3])
def test_the_claim_text_must_be_a_non_empty_string(text):
    with pytest.raises(TypeError, match="text must be a non-empty str"):
        claim(text, True)


@pytest.mark.parametrize(
    ("function", "value", "bound", "verdict", "margin"),
    [
        (claim_at_least, 0.93, 0.90, True, 0.03),
        (claim_at_least, 0.90, 0.90, True, 0.0),
        (claim_above, 0.90, 0.90, False, 0.0),
        (claim_at_most, 0.12, 0.10, False, -0.02),
        (claim_below, 0.5, 0.55, True, 0.05),
    ],
)
def test_a_compared_claim_prints_its_line_and_logs_value_bound_and_margin(
    function, value, bound, verdict, margin, tmp_path, monkeypatch, capsys
):
    log = tmp_path / "claims.jsonl"
    monkeypatch.setenv(CLAIMS_LOG_ENV_VAR, str(log))
    assert function("the claim", value, bound) is verdict
    assert capsys.readouterr().out == f"the claim: {verdict}\n"
    (record,) = [json.loads(line) for line in log.read_text().splitlines()]
    assert record["text"] == "the claim" and record["verdict"] is verdict
    assert record["value"] == value and record["bound"] == bound
    assert record["margin"] == pytest.approx(margin)


def test_numbers_of_numpy_and_torch_are_values(capsys):
    assert claim_at_least("numpy", np.float32(0.95), 0.9) is True
    assert claim_below("tensor", torch.tensor([0.2, 0.4]).max(), np.int64(1)) is True
    assert capsys.readouterr().out == "numpy: True\ntensor: True\n"


@pytest.mark.parametrize("value", [True, "0.9", [0.9], torch.tensor([0.9, 0.8]), torch.tensor(True), None])
def test_a_value_that_is_no_real_number_is_refused_naming_the_claim(value, capsys):
    with pytest.raises(TypeError, match="the value of the claim 'score' must be a real number"):
        claim_at_least("score", value, 0.9)
    assert capsys.readouterr().out == ""


def test_a_nan_measurement_cannot_be_claimed():
    with pytest.raises(ValueError, match="the bound of the claim 'score' is NaN"):
        claim_at_most("score", 0.5, float("nan"))


def test_plain_claims_are_logged_without_a_margin(tmp_path, monkeypatch, capsys):
    log = tmp_path / "claims.jsonl"
    monkeypatch.setenv(CLAIMS_LOG_ENV_VAR, str(log))
    claim("an order", False)
    claim_above("a gap", 2, 1)
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert records[0] == {"text": "an order", "verdict": False}
    assert records[1]["margin"] == 1


def test_without_a_log_nothing_is_written(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(CLAIMS_LOG_ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)
    claim_at_least("score", 1, 0)
    assert list(tmp_path.iterdir()) == []


def test_a_log_that_is_not_a_regular_file_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(CLAIMS_LOG_ENV_VAR, str(tmp_path))  # a folder
    with pytest.raises(ValueError, match="is not a regular file"):
        claim("anything", True)


def test_print_error_shows_the_type_and_message_only(capsys):
    print_error(lambda: int("seven"))
    assert capsys.readouterr().out == "ValueError: invalid literal for int() with base 10: 'seven'\n"


def test_print_error_says_when_nothing_was_raised(capsys):
    print_error(lambda: 1)
    assert capsys.readouterr().out == "no error raised\n"


def test_print_error_refuses_what_it_cannot_call():
    with pytest.raises(TypeError, match="action must be a function to call"):
        print_error(int("7"))


def test_print_error_is_still_importable_from_the_checks():
    from course_utils import checks, claims

    assert checks.print_error is claims.print_error
