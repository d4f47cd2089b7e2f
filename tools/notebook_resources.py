"""How long each notebook keeps a learner waiting, and its memory: the README's "Time and memory per notebook" table.

    python -m tools.notebook_resources [notebooks/XX.ipynb ...]   (default: every lesson notebook)

Each notebook runs top to bottom on a fresh `python3` kernel (nbclient, from its
own folder, on a throwaway progress store), with one extra last cell that reads
the kernel's peak resident memory (`VmHWM` in /proc/self/status, so Linux only)
and its CPU time. Each cell's time is the kernel's own: from the moment it began
the cell to its reply (nbclient's `iopub.execute_input` and `shell.execute_reply`
timestamps), so neither the kernel's start nor the client's own work counts.
The table gives per notebook its total, its set-up cell (the first code cell),
its longest cells and peak memory, then the course's total; it flags a set-up
cell over SETUP_TARGET_S, a cell over CELL_TARGET_S and a total over
COURSE_TARGET_S. Nothing is written back. The figures are measurements: they vary
with the machine and with whatever else runs on it.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tools.notebook_runner import execute

ROOT = Path(__file__).resolve().parents[1]
# The last cell: peak resident memory in MB and the kernel's CPU seconds, as one line.
PROBE = """\
import resource
_status = dict(line.split(":", 1) for line in open("/proc/self/status"))
_usage = resource.getrusage(resource.RUSAGE_SELF)
print(int(_status["VmHWM"].split()[0]) // 1024, round(_usage.ru_utime + _usage.ru_stime, 1))
"""
SETUP_TARGET_S = 1.5  # a notebook's first code cell
CELL_TARGET_S = 10.0  # any one cell
COURSE_TARGET_S = 90.0  # every lesson notebook, top to bottom
LONGEST_SHOWN = 3  # cells named per notebook
LONGEST_FROM_S = 1.0  # ... among those that took at least this long


@dataclass(frozen=True)
class Measurement:
    """One notebook's run: peak memory (MB), kernel CPU seconds, and each code cell's (index, seconds)."""

    memory_mb: int
    cpu_s: float
    cells: list[tuple[int, float]]

    @property
    def total_s(self) -> float:
        return sum(seconds for _, seconds in self.cells)

    @property
    def setup_s(self) -> float:
        return self.cells[0][1] if self.cells else 0.0

    def longest(self) -> list[tuple[int, float]]:
        slow = sorted((cell for cell in self.cells if cell[1] >= LONGEST_FROM_S), key=lambda cell: -cell[1])
        return slow[:LONGEST_SHOWN]


def cell_seconds(cell) -> float:
    """The kernel's time for one executed cell, from nbclient's timestamps."""
    timing = cell.metadata["execution"]
    began = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
    replied = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
    return (replied - began).total_seconds()


def measure(path: Path, timeout: int = 600) -> Measurement:
    """Run the notebook at `path` with the probe cell appended; its memory, CPU time and cell times."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(PROBE))
    execute(notebook, path.parent, timeout)
    memory, cpu = notebook.cells[-1].outputs[-1]["text"].split()
    cells = [(i, cell_seconds(cell)) for i, cell in enumerate(notebook.cells[:-1]) if cell.cell_type == "code"]
    return Measurement(int(memory), float(cpu), cells)


def table(measured: dict[str, Measurement]) -> str:
    """The Markdown table: one row per notebook, then the course's total; '(over N s)' marks a missed target."""

    def over(seconds: float, target: float) -> str:
        return f" (over {target:g} s)" if seconds > target else ""

    lines = [
        "| notebook | total (s) | set-up cell (s) | longest cells (s) | peak memory (MB) |",
        "|---|---|---|---|---|",
    ]
    for name, m in measured.items():
        longest = ", ".join(f"[{i}] {s:.1f}{over(s, CELL_TARGET_S)}" for i, s in m.longest()) or "none over 1 s"
        setup = f"{m.setup_s:.2f}{over(m.setup_s, SETUP_TARGET_S)}"
        lines.append(f"| {name} | {m.total_s:.1f} | {setup} | {longest} | {m.memory_mb} |")
    total = sum(m.total_s for m in measured.values())
    lines.append(f"| **all** | **{total:.1f}**{over(total, COURSE_TARGET_S)} | | | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.notebook_resources", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to measure (default: notebooks/*.ipynb)")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    measured = {}
    for path in paths:
        measured[path.stem] = measure(path)
        print(f"{path.stem}: {measured[path.stem].total_s:.1f} s", file=sys.stderr, flush=True)
    print(table(measured))
    return 0


if __name__ == "__main__":
    sys.exit(main())
