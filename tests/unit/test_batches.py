"""Specification of course_utils.batches' first-wrong-entry helpers, shared with the exercise checks."""

import pytest
import torch

from course_utils.batches import first_index, position


def test_first_index_is_the_first_true_entry_in_row_major_order():
    mask = torch.zeros(2, 3, 4, dtype=torch.bool)
    mask[1, 0, 3] = mask[1, 2, 0] = True
    assert first_index(mask) == (1, 0, 3)


@pytest.mark.parametrize(
    "index, axes, words",
    [
        ((2, 5, 0), None, "[sequence 2, step 5, feature 0]"),
        ((2, 5), None, "[sequence 2, step 5]"),
        ((1, 2, 3, 4), None, "[axis 0 1, axis 1 2, axis 2 3, axis 3 4]"),
        ((0, 3), ("sequence", "class"), "[sequence 0, class 3]"),
        ((0, 3), (), "[axis 0 0, axis 1 3]"),
    ],
)
def test_position_names_each_number_by_its_axis_or_by_its_place(index, axes, words):
    assert (position(index) if axes is None else position(index, axes)) == words
