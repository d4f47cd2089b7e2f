"""Specification of course_utils.lessons.packing: a batch run compared with each sequence run alone."""

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from course_utils.lessons.packing import (
    WAYS,
    AloneDifferences,
    BatchingComparison,
    batching_table,
    differences_from_alone,
    profile_table,
    profile_training_step,
    rnn_output,
    run_each_alone,
)
from course_utils.models import SequenceTagger

LENGTHS = [4, 2, 5]
T = 6


def make_rnn(cell=nn.RNN, bidirectional=True, num_layers=1, seed=0):
    torch.manual_seed(seed)
    return cell(3, 4, num_layers=num_layers, bidirectional=bidirectional, batch_first=True).double()


def padded_batch(seed=0):
    """(3, 6, 3) float64 with zeros after each sequence's length."""
    x = torch.randn(3, T, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    return x * (torch.arange(T) < torch.tensor(LENGTHS).unsqueeze(1)).unsqueeze(-1)


def packed_run(rnn, x):
    packed_output, hidden = rnn(pack_padded_sequence(x, torch.tensor(LENGTHS), batch_first=True, enforce_sorted=False))
    return pad_packed_sequence(packed_output, batch_first=True, total_length=T)[0], hidden


def test_run_each_alone_matches_a_single_sequence_run_and_zero_pads():
    rnn, x = make_rnn(), padded_batch()
    output, h_n = run_each_alone(rnn, x, LENGTHS)
    alone_output, alone_h_n = rnn(x[1:2, :2])
    assert output.shape == (3, T, 8) and h_n.shape == (2, 3, 4)
    assert torch.equal(output[1, :2], alone_output[0]) and torch.equal(h_n[:, 1], alone_h_n[:, 0])
    assert torch.all(output[1, 2:] == 0)


@pytest.mark.parametrize("cell", [nn.RNN, nn.GRU, nn.LSTM])
def test_a_packed_run_differs_from_running_alone_by_rounding_only(cell):
    rnn, x = make_rnn(cell, num_layers=2), padded_batch()
    assert differences_from_alone(rnn, x, LENGTHS, *packed_run(rnn, x)).largest() < 1e-12


def test_an_unpacked_padded_run_changes_backward_outputs_but_not_forward_ones():
    rnn, x = make_rnn(), padded_batch()
    rows = differences_from_alone(rnn, x, LENGTHS, *rnn(x)).rows
    assert all(row["forward outputs"] < 1e-12 for row in rows)
    padded = [row for row in rows if row["length"] < T]
    assert all(row["backward outputs"] > 1e-6 and row["forward h_n"] > 1e-6 for row in padded)


def test_a_one_way_rnn_has_no_backward_columns():
    rnn, x = make_rnn(bidirectional=False), padded_batch()
    table = differences_from_alone(rnn, x, LENGTHS, *rnn(x))
    assert table.rows[0]["backward outputs"] is None and table.rows[0]["backward h_n"] is None
    assert "-" in str(table).splitlines()[2]


def test_text_form_has_a_header_and_one_row_per_sequence_with_four_decimals():
    table = AloneDifferences(
        [
            {
                "seq": 0,
                "length": 3,
                "forward outputs": 0.0,
                "backward outputs": 0.25,
                "forward h_n": 1e-9,
                "backward h_n": 0.5,
            }
        ]
    )
    lines = str(table).splitlines()
    assert len(lines) == 3 and lines[1].split()[:2] == ["seq", "length"]
    assert lines[2].split() == ["0", "3", "0.0000", "0.2500", "0.0000", "0.5000"]
    assert table.largest() == 0.5


def test_rejects_a_module_that_is_not_an_rnn():
    with pytest.raises(TypeError, match="rnn must be a torch nn.RNN"):
        run_each_alone(nn.Linear(3, 4), padded_batch(), LENGTHS)


def test_rejects_an_rnn_that_is_not_batch_first():
    with pytest.raises(ValueError, match="batch_first=True"):
        run_each_alone(nn.RNN(3, 4).double(), padded_batch(), LENGTHS)


def test_rejects_lengths_longer_than_the_batch():
    with pytest.raises(ValueError, match="only L=6 steps"):
        run_each_alone(make_rnn(), padded_batch(), [7, 2, 5])


def test_rejects_an_output_of_the_wrong_shape():
    rnn, x = make_rnn(), padded_batch()
    output, h_n = rnn(x)
    with pytest.raises(ValueError, match=r"output must have the shape \(3, 6, 8\)"):
        differences_from_alone(rnn, x, LENGTHS, output[:, :5], h_n)


# --- speed: the ways of batching, and what a profile of them shows --------------------------------


def test_every_way_to_run_the_tagger_but_padding_matches_packing():
    torch.manual_seed(0)
    model = SequenceTagger(3, 4, 5, cell="lstm").double()
    x, lengths = padded_batch(), torch.tensor(LENGTHS)
    packed = rnn_output(model, x, lengths, "packed")
    for way in WAYS:
        gap = float((rnn_output(model, x, lengths, way) - packed).detach().abs().max())
        assert (gap < 1e-12) == (way != "padded"), way


def test_a_batching_comparison_gives_every_sequence_once_per_epoch_both_ways():
    comparison = BatchingComparison(n_sequences=20, max_len=9, hidden_size=3, batch_size=6)
    assert comparison.lengths.max() == 9 and comparison.lengths.min() >= 1
    for batches in comparison.batches.values():
        assert sorted(i for batch in batches for i in batch) == list(range(20))
    similar = [sorted(int(comparison.lengths[i]) for i in batch) for batch in comparison.batches["similar"]]
    spans = sorted((batch[0], batch[-1]) for batch in similar)
    assert all(longest <= next_shortest for (_, longest), (next_shortest, _) in zip(spans, spans[1:]))


def test_a_batching_comparison_rejects_an_unknown_way():
    with pytest.raises(ValueError, match="each name must be one of"):
        BatchingComparison(n_sequences=4, max_len=5, names=["packed, by magic"])


def test_the_batching_table_leaves_the_speedup_out_without_the_reference():
    name = "exact method, similar lengths"
    table = batching_table({name: [0.5, 0.25, 1.0]}, {name: 1e-16})
    header, row = table.splitlines()
    assert header.split()[:2] == ["batching", "s/epoch"]
    assert row.split()[-4:] == ["0.500", "0.25-1.00", "-", "1.0e-16"]


def test_a_profiled_packed_step_zero_fills_the_whole_projection_at_every_step_and_direction():
    profiles = profile_training_step(n_sequences=4, max_len=9, hidden_size=3)
    assert profiles["packed"].full_projection_fills == 2 * 9  # the first sequence is max_len long
    assert profiles["within lengths"].full_projection_fills == profiles["padded"].full_projection_fills == 0
    for calls in ("forward_calls", "backward_calls"):
        assert getattr(profiles["within lengths"], calls) < getattr(profiles["packed"], calls)
    assert len(profile_table(profiles).splitlines()) == 4


def test_the_profile_shows_one_bar_over_its_ways_when_asked(capsys):
    profile_training_step(ways=("padded", "packed"), n_sequences=3, max_len=5, hidden_size=2, progress=True)
    bar = capsys.readouterr().err  # outside Jupyter, tqdm's text bar on stderr
    assert "ways: 100%" in bar and "2/2" in bar
    with pytest.raises(TypeError, match="progress"):
        profile_training_step(ways=("padded",), n_sequences=3, max_len=5, hidden_size=2, progress=1)
