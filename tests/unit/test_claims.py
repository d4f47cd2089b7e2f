"""Specification of course_utils.claims: one stable line per claim, only for real truth values."""

import numpy as np
import pytest
import torch

from course_utils.claims import claim


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
