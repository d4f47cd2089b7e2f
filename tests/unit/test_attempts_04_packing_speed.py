"""Learners' attempts at exercise 04 (optional, packing at speed), each with the verdict and the words its check gives.

Task 1 `reverse_steps(x, lengths)`, Task 2 `bidirectional_within_lengths(forward_rnn, backward_rnn, x, lengths)`:
see `course_utils.checks.lesson04_speed`. `test_checks_lesson04_speed.py` specifies the checks case by case;
here each attempt is code as a learner would type it into the task's cell.
"""

import pytest
from attempt_suite import (
    assert_first_failure_gives_the_idea_not_the_code,
    assert_quotes_sections_of,
    assert_stubs_not_attempted,
    right,
    run_attempt,
    task_params,
    wrong,
)
from attempts import stub_hints
from exercise_code import solution

from course_utils.checks.lesson04_speed import (
    BIDIRECTIONAL_CONCEPT,
    REVERSE_CONCEPT,
    check_bidirectional_within_lengths,
    check_reverse_steps,
)

PRELUDE = "import torch\n"

REVERSE = [
    right(
        "an index from torch.where, taken with torch.gather",
        """
        def reverse_steps(x, lengths):
            N, L, H = x.shape
            t = torch.arange(L).repeat(N, 1)
            k = lengths.view(-1, 1)
            index = torch.where(t < k, k - 1 - t, t)
            return torch.gather(x, 1, index[:, :, None].expand(N, L, H))
        """,
    ),
    right(
        "an index used for advanced indexing",
        """
        def reverse_steps(x, lengths):
            N, L, _ = x.shape
            t = torch.arange(L)
            source = torch.where(t < lengths[:, None], lengths[:, None] - 1 - t, t)
            return x[torch.arange(N)[:, None], source]
        """,
    ),
    right(
        "a copy, each sequence's real steps flipped on axis 0",
        """
        def reverse_steps(x, lengths):
            out = x.clone()
            for n in range(x.shape[0]):
                k = int(lengths[n])
                out[n, :k] = x[n, :k].flip(0)
            return out
        """,
    ),
    right(
        "a NumPy round trip",
        """
        def reverse_steps(x, lengths):
            array = x.numpy().copy()
            for n, k in enumerate(lengths.tolist()):
                array[n, :k] = array[n, :k][::-1]
            return torch.from_numpy(array)
        """,
    ),
    wrong(
        "the whole time axis flipped",
        """
        def reverse_steps(x, lengths):
            return torch.flip(x, dims=[1])
        """,
        "x.flip(1), the whole time axis reversed",
        "leave its pads at the end",
    ),
    wrong(
        "each sequence's features flipped",
        """
        def reverse_steps(x, lengths):
            out = x.clone()
            for n, k in enumerate(lengths.tolist()):
                out[n, :k] = x[n, :k].flip(1)
            return out
        """,
        "The features of each real step are reversed",
        "flip(0)",
    ),
    wrong(
        "reversed in place",
        """
        def reverse_steps(x, lengths):
            for n, k in enumerate(lengths.tolist()):
                x[n, :k] = x[n, :k].flip(0).clone()
            return x
        """,
        "changed the x it was given, in place",
        "x.clone()",
    ),
    wrong(
        "every sequence within the first one's length",
        """
        def reverse_steps(x, lengths):
            k = lengths[0].item()
            return torch.cat([x[:, :k].flip(1), x[:, k:]], dim=1)
        """,
        "within the first sequence's length, lengths[0]",
    ),
    wrong(
        "the rows kept in a list",
        """
        def reverse_steps(x, lengths):
            rows = []
            for n, k in enumerate(lengths.tolist()):
                rows.append(torch.cat([x[n, :k].flip(0), x[n, k:]]))
            return rows
        """,
        "That is a list (or tuple) of sequences",
        "torch.stack",
    ),
    wrong(
        "the real steps without their pads",
        """
        def reverse_steps(x, lengths):
            return torch.cat([x[n, :k].flip(0) for n, k in enumerate(lengths.tolist())])
        """,
        "the result has x's shape (N, L, H_in)",
    ),
    wrong(
        "one step off: step t takes step lengths[n] - t",
        """
        def reverse_steps(x, lengths):
            t = torch.arange(x.shape[1])
            source = torch.where(t < lengths[:, None], lengths[:, None] - t, t).clamp(max=x.shape[1] - 1)
            return x[torch.arange(x.shape[0])[:, None], source]
        """,
        "but wrong values: at [sequence 0, step 0, feature 0]",
    ),
]

LAYER = [
    right(
        "the solution's recipe with a reversal of its own",
        """
        def bidirectional_within_lengths(forward_rnn, backward_rnn, x, lengths):
            def within(z):
                t = torch.arange(z.shape[1])
                source = torch.where(t < lengths[:, None], lengths[:, None] - 1 - t, t)
                return z[torch.arange(z.shape[0])[:, None], source]

            out_f = forward_rnn(x)[0]
            out_b = within(backward_rnn(within(x))[0])
            pads = torch.arange(x.shape[1])[None, :] >= lengths[:, None]
            return torch.cat((out_f, out_b), dim=2).masked_fill(pads[..., None], 0)
        """,
    ),
    right(
        "each one-way layer run on a packed batch",
        """
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
        from course_utils.tensors import reverse_within_lengths

        def bidirectional_within_lengths(forward_rnn, backward_rnn, x, lengths):
            L = x.shape[1]

            def run(rnn, z):
                packed = pack_padded_sequence(z, lengths, batch_first=True, enforce_sorted=False)
                return pad_packed_sequence(rnn(packed)[0], batch_first=True, total_length=L)[0]

            backward = reverse_within_lengths(run(backward_rnn, reverse_within_lengths(x, lengths)), lengths)
            return torch.cat([run(forward_rnn, x), backward], dim=-1)
        """,
    ),
    right(
        "each sequence's real steps run alone, both ways, padded back",
        """
        import torch.nn.functional as F

        def bidirectional_within_lengths(forward_rnn, backward_rnn, x, lengths):
            rows = []
            for n, k in enumerate(lengths.tolist()):
                real = x[n, :k].unsqueeze(0)  # (1, k, H_in), no pads
                ahead, _ = forward_rnn(real)
                behind, _ = backward_rnn(torch.flip(real, [1]))
                both = torch.cat([ahead[0], torch.flip(behind[0], [0])], dim=1)  # (k, 2*H_out)
                rows.append(F.pad(both, (0, 0, 0, x.shape[1] - k)))
            return torch.stack(rows)
        """,
    ),
    wrong(
        "the backward run over x.flip(1), flipped back",
        """
        def bidirectional_within_lengths(forward_rnn, backward_rnn, x, lengths):
            forward, _ = forward_rnn(x)
            backward, _ = backward_rnn(x.flip(1))
            out = torch.cat([forward, backward.flip(1)], -1)
            return out * (torch.arange(x.shape[1]) < lengths[:, None])[..., None]
        """,
        "a backward run over x.flip(1)",
        "reads the pads first",
    ),
    wrong(
        "the backward outputs left in reversed order",
        """
        from course_utils.tensors import reverse_within_lengths

        def bidirectional_within_lengths(forward_rnn, backward_rnn, x, lengths):
            forward, _ = forward_rnn(x)
            backward, _ = backward_rnn(reverse_within_lengths(x, lengths))
            real = torch.arange(x.shape[1]) < lengths.unsqueeze(1)
            return torch.cat([forward, backward], -1) * real.unsqueeze(-1)
        """,
        "still in reversed order",
    ),
    wrong(
        "the pads left as the runs made them",
        """
        from course_utils.tensors import reverse_within_lengths

        def bidirectional_within_lengths(forward_rnn, backward_rnn, x, lengths):
            forward = forward_rnn(x)[0]
            backward = reverse_within_lengths(backward_rnn(reverse_within_lengths(x, lengths))[0], lengths)
            return torch.cat([forward, backward], dim=-1)
        """,
        "the pads are not zero",
        "mask from lengths",
    ),
    wrong(
        "backward half first",
        """
        from course_utils.tensors import reverse_within_lengths

        def bidirectional_within_lengths(forward_rnn, backward_rnn, x, lengths):
            forward = forward_rnn(x)[0]
            backward = reverse_within_lengths(backward_rnn(reverse_within_lengths(x, lengths))[0], lengths)
            real = (torch.arange(x.shape[1]) < lengths[:, None]).float()[..., None]
            return torch.cat([backward, forward], dim=-1) * real
        """,
        "The halves are swapped",
    ),
    wrong(
        "the two runs joined along the steps",
        """
        from course_utils.tensors import reverse_within_lengths

        def bidirectional_within_lengths(forward_rnn, backward_rnn, x, lengths):
            forward = forward_rnn(x)[0]
            backward = reverse_within_lengths(backward_rnn(reverse_within_lengths(x, lengths))[0], lengths)
            return torch.cat([forward, backward], dim=1)
        """,
        "joined on the wrong axis",
    ),
    wrong(
        "the final states h_n instead of the outputs",
        """
        from course_utils.tensors import reverse_within_lengths

        def bidirectional_within_lengths(forward_rnn, backward_rnn, x, lengths):
            _, h_forward = forward_rnn(x)
            _, h_backward = backward_rnn(reverse_within_lengths(x, lengths))
            if isinstance(h_forward, tuple):  # an LSTM: (h_n, c_n)
                h_forward, h_backward = h_forward[0], h_backward[0]
            return torch.cat([h_forward, h_backward], dim=-1)
        """,
        "the two runs' h_n",
        "output, _ = rnn(x)",
    ),
    wrong(
        "the rnn's pair indexed as its output",
        """
        from course_utils.tensors import reverse_within_lengths

        def bidirectional_within_lengths(forward_rnn, backward_rnn, x, lengths):
            forward = forward_rnn(x)
            backward = reverse_within_lengths(backward_rnn(reverse_within_lengths(x, lengths)), lengths)
            return torch.cat([forward, backward], -1)
        """,
        "are item [0] (output, _ = rnn(x))",
    ),
]


TASKS = [
    (check_reverse_steps, ("reverse_steps",), REVERSE),
    (check_bidirectional_within_lengths, ("bidirectional_within_lengths",), LAYER),
]


@pytest.mark.parametrize("check, names, attempt", task_params(TASKS))
def test_an_attempt_gets_its_verdict(check, names, attempt):
    run_attempt(check, attempt, PRELUDE, *names)


def test_the_unfinished_exercise_is_not_attempted():
    assert_stubs_not_attempted("04_packing_speed", TASKS)


def test_no_stub_hands_over_its_answer_line():
    reverse, layer = stub_hints("04_packing_speed")
    assert "gather" not in reverse and "lengths[n] - 1 - t" not in reverse
    assert "reverse_steps(x, lengths)" not in layer and "torch.cat" not in layer


@pytest.mark.parametrize(
    "check, task, concept",
    [
        (lambda: check_reverse_steps(lambda x, lengths: x.flip(1)), "reverse_steps", REVERSE_CONCEPT),
        (
            lambda: check_bidirectional_within_lengths(
                lambda f, b, x, lengths: (
                    2 * solution("04_packing_speed")["bidirectional_within_lengths"](f, b, x, lengths)
                )
            ),
            "bidirectional_within_lengths",
            BIDIRECTIONAL_CONCEPT,
        ),
    ],
    ids=["reverse_steps", "bidirectional_within_lengths"],
)
def test_a_first_failure_names_a_section_of_the_lesson_and_withholds_the_code(check, task, concept):
    report = assert_first_failure_gives_the_idea_not_the_code(check, task)
    assert report.concept == concept
    assert_quotes_sections_of(concept, "04_packing_speed")
