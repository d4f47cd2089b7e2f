"""Hidden grading cases of exercise 08 (the capstone: putting the spaces back).

What they add to the learner's checks: sentences with three spaces in a row, a single letter, one-letter words,
digits and accents, and one of 60 words; and texts cut into windows at the edges the check does not reach: a
text exactly one window long or one id longer, middles of a single id, a text of one id, a margin longer than
the text, and 2500 ids.
"""

from course_utils.checks import Mismatch, expect_equal
from course_utils.lessons.word_segmentation import space_labels as reference_labels


def hidden_space_labels(space_labels):
    """Sentences the check does not use, against the lesson's own `space_labels`."""

    def flat(labels):
        """The labels as a list of ints, from any flat sequence the check accepts (list, tuple, array, tensor)."""
        values = labels.tolist() if hasattr(labels, "tolist") else list(labels)
        return [int(value) for value in values]

    def case(sentence):
        def run():
            result = space_labels(sentence)
            if not isinstance(result, (tuple, list)) or len(result) != 2:
                raise Mismatch(f"expected a pair (chars, labels) for {sentence!r:.40}, got {type(result).__name__}")
            chars, labels = result
            expected_chars, expected_labels = reference_labels(sentence)
            expect_equal("".join(chars), expected_chars, f"characters of {sentence!r:.40}")
            expect_equal(flat(labels), expected_labels, f"labels of {sentence!r:.40}")
            return f"{sum(expected_labels)} spaces"

        return run

    words = "the quick brown fox jumps over a lazy dog and then sleeps in the sun".split()
    long_sentence = " ".join(words[i % len(words)] for i in range(60))
    return {
        "three spaces in a row: 'a   b'": case("a   b"),
        "one letter: 'I'": case("I"),
        "one-letter words: 'a b c d'": case("a b c d"),
        "digits and accents: 'café 42 x'": case("café 42 x"),
        "60 words, 281 characters": case(long_sentence),
    }


def hidden_label_long_text(label_long_text):
    """Texts and windows at the edges the check does not reach, with a stand-in tagger whose label at each id
    depends on the ids within `reach` of it in the piece it is given: windows done right give the labels of one
    pass over the whole text (but for the last id's, which no window decides)."""

    def case(n, window, margin):
        def run():
            ids = [(7 * i * i + 3 * i + n) % 61 + 2 for i in range(n)]  # a text of ids 2..62, different per case
            too_long = []

            def tag(piece, limit=window):
                piece = list(piece)
                if not piece or len(piece) > limit:
                    too_long.append(len(piece))
                # each label: the parity of the sum of the ids within `margin` of it, inside the piece
                return [sum(piece[max(i - margin, 0) : i + margin + 1]) % 2 for i in range(len(piece))]

            got = label_long_text(tag, list(ids), window, margin)
            if too_long:
                raise Mismatch(
                    f"the tagger was given a piece of {too_long[0]} ids: every piece must hold 1 to {window} ids"
                )
            got = [int(label) for label in (got.tolist() if hasattr(got, "tolist") else got)]
            expect_equal(len(got), n, f"number of labels for {n} ids")
            expected = tag(ids, limit=max(n, 1))  # one pass over the whole text
            expect_equal(got[:-1], expected[:-1], f"labels of {n} ids in windows of {window}, margin {margin}")
            return f"{n} labels"

        return run

    return {
        "a text exactly one window long: 100 ids, window 100, margin 20": case(100, 100, 20),
        "one id longer than a window: 13 ids, window 12, margin 3": case(13, 12, 3),
        "middles of one id: 23 ids, window 5, margin 2": case(23, 5, 2),
        "one id: window 10, margin 3": case(1, 10, 3),
        "a margin longer than the text: 9 ids, window 50, margin 20": case(9, 50, 20),
        "2500 ids, window 64, margin 16": case(2500, 64, 16),
    }


POINTS: dict[str, int] = {
    "space_labels": 4,
    "label_long_text": 6,
}
HIDDEN = {
    "space_labels": hidden_space_labels,
    "label_long_text": hidden_label_long_text,
}
