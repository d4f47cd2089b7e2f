"""Specification of the step reversal in course_utils.tensors that the exact bidirectional run is built on."""

import pytest
import torch

from course_utils.tensors import reorder_steps, reverse_within_lengths, within_lengths_reversal

LENGTHS = torch.tensor([3, 6, 1, 4])


def flipped_by_hand(x, lengths):
    """Each row's first `length` steps flipped, one row at a time: the meaning of the reversal."""
    out = x.clone()
    for n, length in enumerate(lengths.tolist()):
        out[n, :length] = x[n, :length].flip(0)
    return out


@pytest.mark.parametrize("trailing", [(), (5,), (2, 3)])
def test_reversal_flips_each_sequence_within_its_length_and_leaves_the_pads(trailing):
    x = torch.randn(4, 6, *trailing, generator=torch.Generator().manual_seed(0))
    assert torch.equal(reverse_within_lengths(x, LENGTHS), flipped_by_hand(x, LENGTHS))


def test_reversal_is_its_own_inverse():
    rows = within_lengths_reversal(LENGTHS, 7)
    assert rows.shape == (4 * 7,)
    assert torch.equal(rows[rows], torch.arange(4 * 7))


def test_gradient_through_the_reversal_is_the_reversed_gradient():
    x = torch.randn(4, 6, 5, requires_grad=True)
    weights = torch.randn(4, 6, 5)
    (reorder_steps(x, within_lengths_reversal(LENGTHS, 6)) * weights).sum().backward()
    assert torch.equal(x.grad, flipped_by_hand(weights, LENGTHS))


def test_a_batch_that_is_not_contiguous_is_reversed_too():
    x = torch.randn(6, 4, 5).transpose(0, 1)  # (N, T, F) as a view of a time-major tensor
    assert torch.equal(reverse_within_lengths(x, LENGTHS), flipped_by_hand(x, LENGTHS))
