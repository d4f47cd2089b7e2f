"""Specification of exercise 03's checks: the batch_first detector and the fixed tagger.

Each slip and the message it gets is a learner attempt in test_attempts_03_batch_first.py.
"""

import pytest
from exercise_code import solution
from test_attempts_03_batch_first import tagger

from course_utils.checks import FAILED, PASSED
from course_utils.checks.lesson03 import check_fixed_tagger, check_mixes_sequences

SOLVED = solution("03_batch_first")


def test_the_reference_detector_passes():
    report = check_mixes_sequences(SOLVED["mixes_sequences"])
    assert report.status == PASSED, str(report)


@pytest.mark.slow
def test_the_reference_fix_passes_and_notes_its_accuracy():
    report = check_fixed_tagger(SOLVED["FixedTagger"])
    assert report.status == PASSED, str(report)
    assert "val acc 0.9" in str(report)


@pytest.mark.slow
def test_the_unfixed_script_passes_only_the_shape_and_size_cases():
    report = str(check_fixed_tagger(SOLVED["ScriptTagger"]))
    assert report.startswith("FixedTagger: 2 of 5 cases passed")
    assert "[ok] logits for x (3, 7, 8) have shape (3, 7, 5)" in report
    assert "[ok] the script's sizes" in report


@pytest.mark.slow
def test_a_forward_only_tagger_keeps_sequences_apart_but_misses_the_future():
    report = str(check_fixed_tagger(tagger({"batch_first": True})))
    assert "[ok] changing sequence 0 leaves sequences 1-4 alone" in report
    assert "[FAIL] step 3's logits depend on steps 2 and 4" in report


def test_a_tagger_that_cannot_be_built_is_reported_not_raised():
    report = check_fixed_tagger(lambda: None)
    assert report.status == FAILED and "Traceback" not in str(report)
