"""Specification of exercise 08's checks: segmentation labels, and labelling a long text in windows.

What each check says to a learner's attempt, right or wrong, is
`test_attempts_08_capstone_word_segmentation.py`; here is how the checks work besides.
"""

import torch
from exercise_code import solution
from test_attempts_08_capstone_word_segmentation import windows_side_by_side

from course_utils.checks import PASSED
from course_utils.checks.lesson08 import (
    WINDOW_CASES,
    _ReachTagger,
    check_label_long_text,
    check_space_labels,
)

SOLVED = solution("08_capstone_word_segmentation")
label_long_text = SOLVED["label_long_text"]


def test_the_worked_solution_passes_both_checks():
    assert check_space_labels(SOLVED["space_labels"]).status == PASSED
    assert check_label_long_text(label_long_text).status == PASSED


def test_a_stand_in_taggers_label_depends_on_the_ids_within_its_reach_and_on_the_pieces_ends():
    tag = _ReachTagger(reach=2)
    ids = list(range(10, 40))
    whole = tag(ids)
    assert tag([1] * 4 + ids[10:20] + [1] * 4)[6:12] == whole[12:18]  # the ids beyond reach do not matter
    inner = tag(ids[10:20])  # cut: the two ids at each end lose part of their context
    assert inner[2:8] == whole[12:18]
    assert [inner[i] for i in (0, 1, 8, 9)] != [whole[i] for i in (10, 11, 18, 19)]


def test_windows_done_right_give_one_pass_over_the_whole_text_for_any_reach_up_to_the_margin():
    ids = torch.randint(2, 71, (300,), generator=torch.Generator().manual_seed(1)).tolist()
    for reach in range(0, 6):
        tag = _ReachTagger(reach)
        assert label_long_text(tag, ids, 30, 5) == tag(ids)


def test_windows_without_overlap_fail_every_case_with_a_cut_inside_the_text_and_a_reach_beyond_it():
    report = check_label_long_text(windows_side_by_side)
    cut_inside = [window < n and reach > 0 for n, window, _, reach in WINDOW_CASES.values()] + [True]  # + shipped
    assert [not case.passed for case in report.cases] == cut_inside


def test_the_last_ids_label_is_not_compared_nothing_follows_it():
    def sets_the_last_label_to_zero(tag, ids, window, margin):
        labels = list(label_long_text(tag, ids, window, margin))
        return labels[:-1] + [0] if labels else labels

    assert check_label_long_text(sets_the_last_label_to_zero).status == PASSED


def test_the_shipped_models_case_notes_its_f1_and_how_many_labels_differ_from_one_pass():
    report = check_label_long_text(label_long_text)
    assert "boundary F1 0.9" in report.cases[-1].detail
    assert "0 of 1452 labels differ from one pass over the whole text" in report.cases[-1].detail


def test_the_check_leaves_the_learners_random_state_alone():
    torch.manual_seed(0)
    expected = torch.rand(1)
    torch.manual_seed(0)
    check_label_long_text(label_long_text)
    assert torch.equal(torch.rand(1), expected)
