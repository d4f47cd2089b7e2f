"""Learners' attempts at exercise 04 (packing), right and wrong, each with the verdict and the words its check gives.

Task 1 `encode_packed(rnn, x, lengths)`, Task 2 `final_states(rnn, x, lengths)`: see
`course_utils.checks.lesson04`. The slips of issue 29 are here: `pack_padded_sequence` without
`batch_first=True`, an LSTM's `(h_n, c_n)` indexed as one tensor, a batch sorted by length and
never put back in its order.
"""

import pytest
from attempt_suite import (
    assert_first_failure_gives_the_idea_not_the_code,
    assert_quotes_sections_of,
    assert_stubs_not_attempted,
    named,
    right,
    run_attempt,
    task_params,
    wrong,
)
from attempts import stub_hints

from course_utils.checks.lesson04 import ENCODE_CONCEPT, SUMMARY_CONCEPT, check_encode_packed, check_final_states

PRELUDE = """
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
"""

ENCODE = [
    right(
        "the lesson's calls, lengths as a list",
        """
        def encode_packed(rnn, x, lengths):
            packed = pack_padded_sequence(x, lengths.tolist(), batch_first=True, enforce_sorted=False)
            out, _ = rnn(packed)
            return pad_packed_sequence(out, batch_first=True, total_length=x.size(1))[0]
        """,
    ),
    right(
        "sorted by hand, then put back with the inverse order",
        """
        def encode_packed(rnn, x, lengths):
            order = torch.argsort(lengths, descending=True)
            packed = pack_padded_sequence(x[order], lengths[order], batch_first=True)
            out, _ = pad_packed_sequence(rnn(packed)[0], batch_first=True, total_length=x.shape[1])
            return out[order.argsort()]
        """,
    ),
    right(
        "one sequence at a time, padded back with zeros",
        """
        def encode_packed(rnn, x, lengths):
            rows = []
            for n, length in enumerate(lengths.tolist()):
                out, _ = rnn(x[n : n + 1, :length])
                rows.append(torch.nn.functional.pad(out[0], (0, 0, 0, x.shape[1] - length)))
            return torch.stack(rows)
        """,
    ),
    right(
        "pack_sequence of the real steps",
        """
        from torch.nn.utils.rnn import pack_sequence

        def encode_packed(rnn, x, lengths):
            packed = pack_sequence([x[n, :k] for n, k in enumerate(lengths.tolist())], enforce_sorted=False)
            return pad_packed_sequence(rnn(packed)[0], batch_first=True, total_length=x.shape[1])[0]
        """,
    ),
    right(
        "the course's run_within_lengths",
        """
        from course_utils.bidirectional import run_within_lengths

        def encode_packed(rnn, x, lengths):
            return run_within_lengths(rnn, x, lengths)[0]
        """,
    ),
    wrong(
        "pack_padded_sequence without batch_first (the unpack with it)",
        """
        def encode_packed(rnn, x, lengths):
            packed = pack_padded_sequence(x, lengths, enforce_sorted=False)
            packed_out, _ = rnn(packed)
            out, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=x.shape[1])
            return out
        """,
        "batch_first=True to pack_padded_sequence",
        "time-first, (L, N, H_in)",
    ),
    wrong(
        "batch_first left out of both calls",
        """
        def encode_packed(rnn, x, lengths):
            out, _ = rnn(pack_padded_sequence(x, lengths, enforce_sorted=False))
            return pad_packed_sequence(out, total_length=x.shape[1])[0]
        """,
        "batch_first=True",
    ),
    wrong(
        "enforce_sorted left at its default",
        """
        def encode_packed(rnn, x, lengths):
            out, _ = rnn(pack_padded_sequence(x, lengths, batch_first=True))
            return pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])[0]
        """,
        "enforce_sorted=False",
        "longest first",
    ),
    wrong(
        "sorted by length, never put back",
        """
        def encode_packed(rnn, x, lengths):
            lengths, order = lengths.sort(descending=True)
            out, _ = rnn(pack_padded_sequence(x[order], lengths, batch_first=True))
            return pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])[0]
        """,
        "sits at another place in the batch",
        "enforce_sorted=False",
    ),
    wrong(
        "sorted, then 'unsorted' with the sort's own order",
        """
        def encode_packed(rnn, x, lengths):
            sorted_lengths, order = torch.sort(lengths, descending=True)
            out, _ = rnn(pack_padded_sequence(x[order], sorted_lengths, batch_first=True))
            out = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])[0]
            return out[order]
        """,
        "with the inverse of the sort's order (order.argsort())",
    ),
    wrong(
        "no packing at all",
        """
        def encode_packed(rnn, x, lengths):
            output, _ = rnn(x)
            return output
        """,
        "the backward direction of every shorter sequence started on the padding",
        "pack_padded_sequence",
    ),
    wrong(
        "the padded run, pads zeroed afterwards",
        """
        def encode_packed(rnn, x, lengths):
            output, _ = rnn(x)
            real = torch.arange(x.shape[1]).unsqueeze(0) < lengths.unsqueeze(1)
            return output * real.unsqueeze(-1)
        """,
        "too late",
    ),
    wrong(
        "unpacked without total_length",
        """
        def encode_packed(rnn, x, lengths):
            out, _ = rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            return pad_packed_sequence(out, batch_first=True)[0]
        """,
        "total_length=x.shape[1]",
    ),
    wrong(
        "total_length set to the longest length",
        """
        def encode_packed(rnn, x, lengths):
            out, _ = rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            return pad_packed_sequence(out, batch_first=True, total_length=int(lengths.max()))[0]
        """,
        "stopped at the longest length",
    ),
    wrong(
        "the PackedSequence returned",
        """
        def encode_packed(rnn, x, lengths):
            return rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))[0]
        """,
        "That is the PackedSequence itself",
    ),
    wrong(
        "the packed output's data returned",
        """
        def encode_packed(rnn, x, lengths):
            return rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))[0].data
        """,
        "packed output's .data",
    ),
    wrong(
        "the whole (output, lengths) pair returned",
        """
        def encode_packed(rnn, x, lengths):
            out, _ = rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            return pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        """,
        "returns (output, lengths): return only the output",
    ),
    wrong(
        "unpacked time-first",
        """
        def encode_packed(rnn, x, lengths):
            out, _ = rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            return pad_packed_sequence(out, total_length=x.shape[1])[0]
        """,
        "pass batch_first=True to pad_packed_sequence",
    ),
    wrong(
        "the rnn's whole (output, h_n) handed to pad_packed_sequence",
        """
        def encode_packed(rnn, x, lengths):
            packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            return pad_packed_sequence(rnn(packed), batch_first=True, total_length=x.shape[1])[0]
        """,
        "item [0]",
        "'tuple' object has no attribute 'batch_sizes'",
    ),
    wrong(
        "the lengths given to the rnn",
        """
        def encode_packed(rnn, x, lengths):
            output, _ = rnn(x, lengths)
            return output
        """,
        "initial state hx, not the lengths",
    ),
    wrong(
        "the rnn forgotten between packing and unpacking",
        """
        def encode_packed(rnn, x, lengths):
            packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            return pad_packed_sequence(packed, batch_first=True, total_length=x.shape[1])[0]
        """,
        "That is x itself",
    ),
]

SUMMARY = [
    right(
        "h_n's last layer, the LSTM's h_n taken out of its pair",
        """
        def final_states(rnn, x, lengths):
            _, hidden = rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            h_n = hidden[0] if isinstance(hidden, tuple) else hidden
            return torch.cat((h_n[-2], h_n[-1]), dim=1)
        """,
    ),
    right(
        "read off the unpacked output at each direction's end",
        """
        def final_states(rnn, x, lengths):
            out, _ = rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            out, _ = pad_packed_sequence(out, batch_first=True)
            H = rnn.hidden_size
            forward = out[torch.arange(len(lengths)), lengths - 1, :H]
            backward = out[:, 0, H:]
            return torch.cat([forward, backward], -1)
        """,
    ),
    right(
        "the course's last_layer_states",
        """
        from course_utils.models import last_layer_states

        def final_states(rnn, x, lengths):
            _, hidden = rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            h_n = hidden[0] if isinstance(rnn, nn.LSTM) else hidden
            return last_layer_states(h_n, rnn.num_layers, bidirectional=True)
        """,
    ),
    right(
        "h_n viewed as (num_layers, 2, N, H_out)",
        """
        def final_states(rnn, x, lengths):
            _, hidden = rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            h_n = hidden[0] if isinstance(hidden, tuple) else hidden
            last = h_n.view(rnn.num_layers, 2, x.shape[0], rnn.hidden_size)[-1]
            return torch.cat([last[0], last[1]], dim=-1)
        """,
    ),
    right(
        "the last two rows of h_n, transposed then reshaped",
        """
        def final_states(rnn, x, lengths):
            _, hidden = rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            h_n = hidden[0] if isinstance(hidden, tuple) else hidden
            return h_n[-2:].transpose(0, 1).reshape(x.shape[0], -1)
        """,
    ),
    wrong(
        "an LSTM's (h_n, c_n) indexed as one tensor",
        """
        def final_states(rnn, x, lengths):
            _, h_n = rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            return torch.cat([h_n[-2], h_n[-1]], dim=-1)
        """,
        "returns (output, (h_n, c_n))",
        "hidden[0] for an LSTM",
    ),
    wrong(
        "an LSTM's (h_n, c_n) sliced as one tensor",
        """
        def final_states(rnn, x, lengths):
            _, h_n = rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            return h_n[-2:].permute(1, 0, 2).flatten(1)
        """,
        "'tuple' object has no attribute 'permute'",
        "hidden[0] for an LSTM",
    ),
    wrong(
        "hidden[0] for every kind of rnn",
        """
        def final_states(rnn, x, lengths):
            _, hidden = rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            h_n = hidden[0]
            return torch.cat([h_n[-2], h_n[-1]], -1)
        """,
        "hidden[0] is h_n only for an nn.LSTM",
    ),
    wrong(
        "the LSTM's cell states",
        """
        def final_states(rnn, x, lengths):
            _, hidden = rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            states = hidden[1] if isinstance(hidden, tuple) else hidden
            return torch.cat([states[-2], states[-1]], -1)
        """,
        "cell states c_n",
    ),
    wrong(
        "output[:, -1] of the packed run",
        """
        def final_states(rnn, x, lengths):
            out, _ = rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
            return out[:, -1]
        """,
        "a padded step (all zeros)",
        "Take the states from h_n",
    ),
    wrong(
        "output[:, -1] of the padded run",
        """
        def final_states(rnn, x, lengths):
            return rnn(x)[0][:, -1, :]
        """,
        "output[:, -1] of the padded batch fed unpacked",
    ),
    wrong(
        "both halves at the last real step",
        """
        def final_states(rnn, x, lengths):
            out, _ = rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            out, _ = pad_packed_sequence(out, batch_first=True)
            return out[range(len(lengths)), lengths - 1]
        """,
        "backward half at the last valid step is where the backward direction starts",
    ),
    wrong(
        "h_n of the padded batch, unpacked",
        """
        def final_states(rnn, x, lengths):
            _, hidden = rnn(x)
            h_n = hidden[0] if isinstance(hidden, tuple) else hidden
            return torch.cat([h_n[-2], h_n[-1]], -1)
        """,
        "h_n of the padded batch fed unpacked",
    ),
    wrong(
        "backward state first",
        """
        def final_states(rnn, x, lengths):
            _, hidden = rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            h_n = hidden[0] if isinstance(hidden, tuple) else hidden
            return torch.cat([h_n[-1], h_n[-2]], -1)
        """,
        "The halves are swapped",
    ),
    wrong(
        "layer 0's states",
        """
        def final_states(rnn, x, lengths):
            _, hidden = rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            h_n = hidden[0] if isinstance(hidden, tuple) else hidden
            return torch.cat([h_n[0], h_n[1]], -1)
        """,
        "h_n[0] and h_n[1] are layer 0's states",
    ),
    wrong(
        "the two directions left on the first axis",
        """
        def final_states(rnn, x, lengths):
            _, hidden = rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            h_n = hidden[0] if isinstance(hidden, tuple) else hidden
            return h_n[-2:]
        """,
        "(2, N, H_out): the two directions are on the first axis",
    ),
    wrong(
        "h_n[-2:] reshaped without moving the sequence axis",
        """
        def final_states(rnn, x, lengths):
            _, hidden = rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            h_n = hidden[0] if isinstance(hidden, tuple) else hidden
            return h_n[-2:].reshape(len(lengths), -1)
        """,
        "reshape mixed up the sequences",
        "transpose(0, 1)",
    ),
    wrong(
        "every layer's states",
        """
        def final_states(rnn, x, lengths):
            _, hidden = rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            h_n = hidden[0] if isinstance(hidden, tuple) else hidden
            return h_n.transpose(0, 1).reshape(x.shape[0], -1)
        """,
        "every layer's states side by side",
    ),
    wrong(
        "h_n viewed as (2, num_layers, N, H_out)",
        """
        def final_states(rnn, x, lengths):
            _, hidden = rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            h_n = hidden[0] if isinstance(hidden, tuple) else hidden
            split = h_n.view(2, rnn.num_layers, x.shape[0], rnn.hidden_size)
            return torch.cat([split[0, -1], split[1, -1]], dim=-1)
        """,
        "runs layer by layer",
        "h_n.view(num_layers, 2, N, H_out)",
    ),
    wrong(
        "sorted by length, states never put back",
        """
        def final_states(rnn, x, lengths):
            lengths, order = lengths.sort(descending=True)
            _, hidden = rnn(pack_padded_sequence(x[order], lengths, batch_first=True))
            h_n = hidden[0] if isinstance(hidden, tuple) else hidden
            return torch.cat([h_n[-2], h_n[-1]], -1)
        """,
        "sits at another place in the batch",
    ),
    wrong(
        "the two states returned as a pair",
        """
        def final_states(rnn, x, lengths):
            _, hidden = rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            h_n = hidden[0] if isinstance(hidden, tuple) else hidden
            return h_n[-2], h_n[-1]
        """,
        "return one tensor",
    ),
    wrong(
        "packed without batch_first",
        """
        def final_states(rnn, x, lengths):
            _, hidden = rnn(pack_padded_sequence(x, lengths, enforce_sorted=False))
            h_n = hidden[0] if isinstance(hidden, tuple) else hidden
            return torch.cat([h_n[-2], h_n[-1]], -1)
        """,
        "batch_first=True",
    ),
]


TASKS = [
    (check_encode_packed, ("encode_packed",), ENCODE),
    (check_final_states, ("final_states",), SUMMARY),
]


@pytest.mark.parametrize("check, names, attempt", task_params(TASKS))
def test_an_attempt_gets_its_verdict(check, names, attempt):
    run_attempt(check, attempt, PRELUDE, *names)


def test_the_unfinished_exercise_is_not_attempted():
    assert_stubs_not_attempted("04_packing", TASKS)


def test_no_stub_hands_over_its_answer_line():
    encode, summary = stub_hints("04_packing")
    assert "pack_padded_sequence(" not in encode and "total_length=" not in encode
    assert "h_n[-2]" not in summary and "torch.cat" not in summary


def test_the_batch_first_slip_is_named_where_torch_fails_not_only_by_torchs_words():
    report = run_attempt(
        check_encode_packed, named(ENCODE, "batch_first left out of both calls"), PRELUDE, "encode_packed"
    )
    assert all("batch_first=True" in case.detail for case in report.cases), str(report)


def test_undoing_a_sort_with_its_own_order_fails_only_where_that_order_is_not_its_own_inverse():
    attempt = named(ENCODE, "sorted, then 'unsorted' with the sort's own order")
    report = run_attempt(check_encode_packed, attempt, PRELUDE, "encode_packed")
    assert [case.passed for case in report.cases] == [True, True, True, True, False]


@pytest.mark.parametrize(
    "check, task, concept",
    [
        (lambda: check_encode_packed(lambda rnn, x, lengths: rnn(x)[0]), "encode_packed", ENCODE_CONCEPT),
        (lambda: check_final_states(lambda rnn, x, lengths: rnn(x)[0][:, -1]), "final_states", SUMMARY_CONCEPT),
    ],
    ids=["encode_packed", "final_states"],
)
def test_a_first_failure_names_a_section_of_lesson_04_and_withholds_the_code(check, task, concept):
    report = assert_first_failure_gives_the_idea_not_the_code(check, task)
    assert report.concept == concept
    assert_quotes_sections_of(concept, "04_packing")
