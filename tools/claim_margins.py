"""How much room each claim has: run the notebooks several ways and report every claim's margin.

    python -m tools.claim_margins [--perturbations 3] [--output docs/claim_margins.md] [NOTEBOOK ...]

(or `make margins`; `--update NOTEBOOK ...` reruns only those and keeps the
others' runs from the last report). A claim line such as `lr 0.1 >= 0.90 on every seed: True`
is compared by the tests as a fact, but it rests on a measurement that moves
from machine to machine. Each notebook (default: every lesson and solution) is
run on a fresh kernel in each of these ways:

* usual: this machine's float kernels, as `make test`'s first pass;
* other CPU: the kernels of `tools.other_cpu` (as make test's second pass);
* perturbed k (k = 1, 2, ...): BIRNN_COURSE_PERTURB=k (`course_utils.perturbation`),
  every training takes another path, as on another CPU, with the same data.

For every claim stated with a value and a bound (`claim_at_least` and its
siblings) the report gives the stored value (kept in the notebook's metadata by
`tools.notebook_runner`), the lowest and highest value over the runs, the bound,
the smallest margin (how far the value stayed on the right side of the bound)
and the spread of the margin over the runs. A claim is

* FAILS when it is false in some run;
* thin when its smallest margin is below the spread its runs show, so the next
  machine could plausibly cross the bound;
* ok otherwise.

Claims with no number (an order, an equality) are listed with their verdicts.
A stored value outside the runs' range is flagged: the stored notebook then
shows a measurement today's code no longer gives. The table goes to the file
named by --output (the README links it) and to standard output, and the runs'
claims beside it (the same name ending in .json), from which --from-raw writes
the report again without running anything; the exit status is 1 when some claim
fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from course_utils.env import usable_cpus
from course_utils.perturbation import ENV_VAR as PERTURB_ENV_VAR
from tools import other_cpu
from tools.notebook_runner import execute, stored_claims

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "docs" / "claim_margins.md"
USUAL, OTHER_CPU = "usual", "other CPU"


def run_names(perturbations: int) -> list[str]:
    """The runs, in order: usual, other CPU, then perturbed 1..perturbations."""
    return [USUAL, OTHER_CPU] + [f"perturbed {k}" for k in range(1, perturbations + 1)]


def run_environment(run: str, scratch: Path) -> dict[str, str]:
    """The kernel environment of one run (`scratch`: a folder of its own, for the other-CPU IPython set-up)."""
    env = {key: value for key, value in os.environ.items() if key != PERTURB_ENV_VAR}
    if run == OTHER_CPU:
        return other_cpu.environment(scratch / ".ipython-other-cpu", env)
    if run.startswith("perturbed "):
        env[PERTURB_ENV_VAR] = run.split()[1]
    return env


def run_notebook(job: tuple[str, str]) -> tuple[str, str, list[dict]]:
    """Execute one notebook in one run (a worker process's job); return (run, path, claims)."""
    import nbformat
    from nbclient.exceptions import CellExecutionError

    run, path = job
    notebook = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="birnn-margins-") as scratch:
        try:
            claims = execute(notebook, Path(path).parent, env=run_environment(run, Path(scratch)))
        except CellExecutionError as error:  # reported, and every claim of that run counts as missing
            print(f"{Path(path).name} ({run}) stopped: {str(error).strip().splitlines()[-1]}", file=sys.stderr)
            claims = []
    return run, path, claims


def keyed(claims: list[dict]) -> dict[tuple[int, str, int], dict]:
    """Claims by (cell, text, occurrence of that text in that cell), the key that matches them across runs."""
    seen: Counter = Counter()
    result = {}
    for record in claims:
        seen[record["cell"], record["text"]] += 1
        result[record["cell"], record["text"], seen[record["cell"], record["text"]]] = record
    return result


@dataclass
class ClaimMargin:
    """One claim of one notebook over all runs: its records by run, and the stored one."""

    cell: int
    text: str
    stored: dict | None
    by_run: dict[str, dict] = field(default_factory=dict)

    @property
    def compared(self) -> bool:
        """Whether the claim compares a value with a bound (so it has a margin) in some run."""
        return bool(self.measured)

    @property
    def measured(self) -> list[dict]:
        """The runs' records that carry a value and a margin (a claim may state one only where it applies)."""
        return [record for record in self.by_run.values() if "margin" in record]

    def verdict(self, runs: list[str]) -> str:
        """FAILS, thin or ok (see the module's docstring); 'holds' for a claim with no number."""
        if any(run not in self.by_run or not self.by_run[run]["verdict"] for run in runs):
            return "FAILS"
        if not self.compared:
            return "holds"
        margins = [record["margin"] for record in self.measured]
        return "thin" if min(margins) < max(margins) - min(margins) else "ok"

    def stored_outside(self) -> bool:
        """Whether the stored value lies outside the lowest and highest value of the runs."""
        if self.stored is None or "value" not in self.stored or not self.compared:
            return False
        values = [record["value"] for record in self.measured]
        return not min(values) <= self.stored["value"] <= max(values)


def collect(results: list[tuple[str, str, list[dict]]], stored: dict[str, list[dict]]) -> dict[str, list[ClaimMargin]]:
    """Every notebook's claims, in the order they were stated, from the runs' results and the stored claims."""
    table: dict[str, dict[tuple, ClaimMargin]] = {}
    for run, path, claims in results:
        rows = table.setdefault(path, {})
        stored_by_key = keyed(stored.get(path, []))
        for key, record in keyed(claims).items():
            row = rows.setdefault(key, ClaimMargin(key[0], key[1], stored_by_key.get(key)))
            row.by_run[run] = record
    return {path: sorted(rows.values(), key=lambda r: r.cell) for path, rows in table.items()}


def number(value: float) -> str:
    return f"{value:.4g}"


def markdown(table: dict[str, list[ClaimMargin]], runs: list[str]) -> str:
    """The report: a header saying where and how it was measured, then one table per notebook."""
    import torch

    lines = [
        "# Claim margins",
        "",
        f"Written by `python -m tools.claim_margins` on {date.today().isoformat()}: {platform.machine()}, "
        f"{_cpu_name()}, {usable_cpus()} CPUs, Python {platform.python_version()}, torch {torch.__version__}.",
        f"Runs: {', '.join(runs)} (see the tool's docstring for what each changes).",
        "Margin: how far the value stayed on the right side of the bound (smallest over the runs); spread: the",
        "margin's highest minus lowest over the runs. thin: smallest margin below the spread. ",
        "'stored outside' marks a stored value outside the runs' range.",
    ]
    counts = Counter(row.verdict(runs) for rows in table.values() for row in rows)
    lines += ["", "Verdicts: " + ", ".join(f"{name} {counts[name]}" for name in ("ok", "holds", "thin", "FAILS")), ""]
    for path, rows in table.items():
        if not rows:  # a notebook that states no claim
            continue
        lines += [f"## {_shown(Path(path))}", ""]
        lines += ["| cell | claim | bound | stored | runs: lowest..highest | margin | spread | verdict |"]
        lines += ["|---|---|---|---|---|---|---|---|"]
        for row in rows:
            lines.append(_row(row, runs))
        lines.append("")
    return "\n".join(lines)


def _row(row: ClaimMargin, runs: list[str]) -> str:
    verdict = row.verdict(runs) + (", stored outside" if row.stored_outside() else "")
    text = row.text.replace("|", "\\|")
    if not row.compared:
        return f"| {row.cell} | {text} | | | | | | {verdict} |"
    records = row.measured
    values, margins = [r["value"] for r in records], [r["margin"] for r in records]
    bounds = sorted({r["bound"] for r in records})
    bound = f"{records[0]['relation']} {number(bounds[0])}" + (f"..{number(bounds[-1])}" if len(bounds) > 1 else "")
    stored = number(row.stored["value"]) if row.stored and "value" in row.stored else "-"
    spread = max(margins) - min(margins)
    return (
        f"| {row.cell} | {text} | {bound} | {stored} | {number(min(values))}..{number(max(values))} "
        f"| {number(min(margins))} | {number(spread)} | {verdict} |"
    )


def _shown(path: Path) -> str:
    """A notebook's path as the report shows it: from the repository's root when it lies inside."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "CPU unknown"


def default_notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb"))


def default_order(path: str) -> tuple[int, str]:
    """Lessons first, then solutions, each by name: the report's order."""
    return (0 if Path(path).parent.name == "notebooks" else 1, Path(path).name)


def main(argv: list[str] | None = None) -> int:
    import nbformat

    parser = argparse.ArgumentParser(prog="python -m tools.claim_margins", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb and solutions/*.ipynb")
    parser.add_argument("--perturbations", type=int, default=3, help="perturbed runs, k = 1..N (default 3)")
    parser.add_argument("--jobs", type=int, default=usable_cpus(), help="notebooks run at once (default: the CPUs)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="default: docs/claim_margins.md")
    parser.add_argument(
        "--update", action="store_true", help="run only the notebooks named; keep the others' runs from the last report"
    )
    parser.add_argument(
        "--from-raw", type=Path, help="write the report from the runs a previous call kept (its --output, .json)"
    )
    args = parser.parse_args(argv)
    paths = [str(path.resolve()) for path in (args.notebooks or default_notebooks())]
    runs = run_names(args.perturbations)
    stored = {path: stored_claims(nbformat.read(path, as_version=4)) for path in paths}
    # Longest notebooks first, so that the last jobs to start are short ones.
    jobs = [(run, path) for path in sorted(paths, key=lambda p: -len(stored[p])) for run in runs]
    if args.from_raw:
        raw = json.loads(args.from_raw.read_text(encoding="utf-8"))
        results = [(run, str((ROOT / path).resolve()), claims) for run, path, claims in raw["results"]]
        runs = raw["runs"]
    else:
        results = []
        with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for run, path, claims in pool.map(run_notebook, jobs):
                print(f"{Path(path).name} ({run}): {len(claims)} claims", file=sys.stderr, flush=True)
                results.append((run, path, claims))
        raw_path = args.output.with_suffix(".json")
        raw_path.parent.mkdir(parents=True, exist_ok=True)
        if args.update and raw_path.exists():  # keep the other notebooks' runs from the last report
            kept = json.loads(raw_path.read_text(encoding="utf-8"))
            if kept["runs"] != runs:
                parser.error(f"--update: {raw_path} holds the runs {kept['runs']}, not {runs}")
            others = [(run, str((ROOT / path).resolve()), claims) for run, path, claims in kept["results"]]
            results = [result for result in others if result[1] not in paths] + results
        raw = {"runs": runs, "results": [(run, _shown(Path(path)), claims) for run, path, claims in results]}
        raw_path.write_text(json.dumps(raw, indent=1) + "\n", encoding="utf-8")
    paths = sorted(dict.fromkeys(path for _, path, _ in results), key=default_order)
    for path in paths:  # notebooks whose runs came from the last report (--update, --from-raw)
        if path not in stored and Path(path).is_file():
            stored[path] = stored_claims(nbformat.read(path, as_version=4))
    table = collect(results, stored)
    table = {path: table[path] for path in paths if path in table}
    report = markdown(table, runs)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report + "\n", encoding="utf-8")
    print(report)
    return 1 if any(row.verdict(runs) == "FAILS" for rows in table.values() for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
