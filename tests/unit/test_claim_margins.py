"""Specification of tools.claim_margins: each claim's margin over several runs, and what is thin or fails."""

from pathlib import Path

import nbformat
import pytest

from tools import claim_margins
from tools.claim_margins import ClaimMargin, collect, keyed, run_environment, run_names
from tools.notebook_runner import run_notebook, stored_claims


def record(cell, text, value=None, bound=0.5, verdict=True):
    if value is None:
        return {"cell": cell, "text": text, "verdict": verdict}
    return {
        "cell": cell,
        "text": text,
        "verdict": verdict,
        "relation": ">=",
        "value": value,
        "bound": bound,
        "margin": value - bound,
    }


def test_runs_are_usual_other_cpu_then_each_perturbation():
    assert run_names(2) == ["usual", "other CPU", "perturbed 1", "perturbed 2"]


def test_each_run_changes_only_its_own_switch(tmp_path, monkeypatch):
    monkeypatch.setenv("BIRNN_COURSE_PERTURB", "7")  # never leaks from the caller into a run
    assert "BIRNN_COURSE_PERTURB" not in run_environment("usual", tmp_path)
    assert run_environment("perturbed 2", tmp_path)["BIRNN_COURSE_PERTURB"] == "2"
    other = run_environment("other CPU", tmp_path)
    assert other["ATEN_CPU_CAPABILITY"] == "default" and "BIRNN_COURSE_PERTURB" not in other


def test_the_same_text_twice_in_a_cell_is_two_claims():
    assert list(keyed([record(3, "a"), record(3, "a"), record(4, "a")])) == [(3, "a", 1), (3, "a", 2), (4, "a", 1)]


def test_a_claim_is_ok_thin_or_failing_by_its_margins_over_the_runs():
    runs = ["usual", "perturbed 1"]
    ok = ClaimMargin(1, "ok", None, {"usual": record(1, "ok", 0.9), "perturbed 1": record(1, "ok", 0.8)})
    thin = ClaimMargin(1, "thin", None, {"usual": record(1, "thin", 0.9), "perturbed 1": record(1, "thin", 0.55)})
    failing = ClaimMargin(
        1, "fails", None, {"usual": record(1, "f", 0.9), "perturbed 1": record(1, "f", 0.4, verdict=False)}
    )
    missing = ClaimMargin(1, "missing", None, {"usual": record(1, "m", 0.9)})
    plain = ClaimMargin(1, "plain", None, {run: record(1, "plain") for run in runs})
    assert [c.verdict(runs) for c in (ok, thin, failing, missing, plain)] == ["ok", "thin", "FAILS", "FAILS", "holds"]


def test_a_stored_value_outside_the_runs_range_is_flagged():
    runs = {"usual": record(1, "t", 1.2), "perturbed 1": record(1, "t", 1.4)}
    assert ClaimMargin(1, "t", record(1, "t", 3.15), runs).stored_outside()
    assert not ClaimMargin(1, "t", record(1, "t", 1.3), runs).stored_outside()
    assert not ClaimMargin(1, "t", None, runs).stored_outside()


def test_collect_matches_claims_across_runs_and_with_the_stored_ones():
    results = [("usual", "nb", [record(2, "a", 0.7), record(5, "b")]), ("perturbed 1", "nb", [record(2, "a", 0.6)])]
    table = collect(results, {"nb": [record(2, "a", 0.75)]})
    first, second = table["nb"]
    assert (first.text, set(first.by_run), first.stored["value"]) == ("a", {"usual", "perturbed 1"}, 0.75)
    assert second.text == "b" and second.verdict(["usual", "perturbed 1"]) == "FAILS"  # missing in one run


CLAIMS_NOTEBOOK = """\
import os
from course_utils.claims import claim, claim_at_least
k = int(os.environ.get("BIRNN_COURSE_PERTURB") or 0)
claim("a fact", True)
_ = claim_at_least("the measurement", 0.5 - 0.3 * k, 0.3)
"""


@pytest.mark.slow
def test_the_tool_runs_a_notebook_every_way_and_reports_margins(tmp_path, capsys):
    path = tmp_path / "claims.ipynb"
    cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell(CLAIMS_NOTEBOOK)]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    run_notebook(path)  # stores the usual run's values in the notebook's metadata
    assert [(c["cell"], c["text"], c.get("value")) for c in stored_claims(nbformat.read(path, as_version=4))] == [
        (1, "a fact", None),
        (1, "the measurement", 0.5),
    ]
    output = tmp_path / "margins.md"
    status = claim_margins.main([str(path), "--perturbations", "1", "--output", str(output)])
    report = output.read_text()
    assert status == 1  # perturbed 1 gives 0.2 < 0.3
    assert "| 1 | a fact | | | | | | holds |" in report
    assert "| 1 | the measurement | >= 0.3 | 0.5 | 0.2..0.5 | -0.1 | 0.3 | FAILS |" in report
    assert report in capsys.readouterr().out


def test_a_claim_stated_with_a_number_only_where_it_applies_is_measured_on_those_runs():
    runs = ["usual", "other CPU"]
    mixed = ClaimMargin(1, "m", None, {"usual": record(1, "m", 4.0, bound=3), "other CPU": record(1, "m")})
    assert mixed.compared and mixed.verdict(runs) == "ok" and "| >= 3 |" in claim_margins._row(mixed, runs)


FAKE_VALUES: dict[str, float] = {}


def fake_run(job):
    """Stands in for a kernel (a worker process's job): one claim whose value FAKE_VALUES gives per notebook."""
    run, path = job
    return run, path, [record(0, "score", FAKE_VALUES[Path(path).stem])]


def test_update_reruns_the_notebooks_named_and_keeps_the_others_runs(tmp_path, monkeypatch, capsys):
    first, second = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    for path in (first, second):
        nbformat.write(nbformat.v4.new_notebook(), path)
    monkeypatch.setattr(claim_margins, "run_notebook", fake_run)
    monkeypatch.setitem(FAKE_VALUES, "a", 0.9)
    monkeypatch.setitem(FAKE_VALUES, "b", 0.8)
    output = tmp_path / "margins.md"
    claim_margins.main([str(first), str(second), "--perturbations", "0", "--output", str(output), "--jobs", "1"])
    monkeypatch.setitem(FAKE_VALUES, "a", 0.7)
    monkeypatch.setitem(FAKE_VALUES, "b", 0.6)
    claim_margins.main([str(second), "--update", "--perturbations", "0", "--output", str(output), "--jobs", "1"])
    report = output.read_text()
    assert "| 0.9..0.9 |" in report and "| 0.6..0.6 |" in report and "0.8..0.8" not in report
    assert report.index("a.ipynb") < report.index("b.ipynb")
