"""The shared helpers that put a learner's value in an error message (issue 27, item 10)."""

import pytest

from course_utils.validation import check_choice, describe, short_repr


def test_short_values_are_shown_whole():
    assert short_repr("B") == "'B'" and short_repr([1, 2]) == "[1, 2]"
    assert describe("B") == "str 'B'" and describe(None) == "NoneType None"


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ("x" * 1_000_000, "str of 1,000,000 characters"),
        (b"x" * 5000, "bytes of 5,000 bytes"),
        (list(range(10_000)), "list of 10,000 items"),
    ],
)
def test_a_long_value_is_cut_to_a_bounded_length_with_its_full_size(value, size):
    for text in (describe(value), short_repr(value)):
        assert len(text) < 200 and size in text and "..." in text
    assert describe(value).startswith(size)


def test_an_unsized_value_with_a_long_repr_names_the_repr_length():
    class Loud:
        def __repr__(self):
            return "L" * 500

    assert "a repr of 500 characters" in describe(Loud()) and len(describe(Loud())) < 200


def test_check_choice_does_not_echo_a_huge_value():
    with pytest.raises(ValueError, match="str of 1,000,000 characters") as caught:
        check_choice("mode", "m" * 1_000_000, ("a", "b"))
    assert len(str(caught.value)) < 300
