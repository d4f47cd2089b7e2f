"""Specification of course_utils.metrics.runner_up_is_neighbour."""

import pytest
import torch

from course_utils.metrics import runner_up_is_neighbour


def test_the_runner_up_next_to_the_top_class_is_a_neighbour_and_one_further_away_is_not():
    probs = torch.tensor([[0.1, 0.6, 0.3, 0.0], [0.5, 0.0, 0.4, 0.1], [0.0, 0.2, 0.1, 0.7]])
    assert runner_up_is_neighbour(probs).tolist() == [True, False, False]


def test_it_keeps_every_leading_axis():
    probs = torch.softmax(torch.randn(4, 10, 5, generator=torch.Generator().manual_seed(0)), dim=-1)
    assert runner_up_is_neighbour(probs).shape == (4, 10)


@pytest.mark.parametrize("probs", [torch.tensor([0.7]), torch.tensor(0.5), torch.tensor([[1, 2]])])
def test_scores_without_a_class_axis_of_two_floats_are_refused(probs):
    with pytest.raises((ValueError, TypeError), match="probs"):
        runner_up_is_neighbour(probs)
