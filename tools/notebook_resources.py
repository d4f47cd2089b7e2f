"""Peak memory and CPU time of each notebook's kernel: the README's "Memory and CPU per notebook" table.

    python -m tools.notebook_resources [notebooks/XX.ipynb ...]   (default: every lesson notebook)

Each notebook runs top to bottom on a fresh `python3` kernel (nbclient, from its
own folder, on a throwaway progress store), with one extra last cell that reads
the kernel's peak resident memory (`VmHWM` in /proc/self/status, so Linux only)
and its CPU time. Nothing is written back. The figures are measurements: they
vary with the machine and with whatever else runs on it.
"""

from __future__ import annotations

import argparse
import sys
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


def measure(path: Path, timeout: int = 600) -> tuple[int, float]:
    """Run the notebook at `path` with the probe cell appended; return (peak memory in MB, CPU seconds)."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(PROBE))
    execute(notebook, path.parent, timeout)
    memory, cpu = notebook.cells[-1].outputs[-1]["text"].split()
    return int(memory), float(cpu)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.notebook_resources", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to measure (default: notebooks/*.ipynb)")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    print("| notebook | peak memory (MB) | CPU time (s) |\n|---|---|---|")
    for path in paths:
        memory, cpu = measure(path)
        print(f"| {path.stem} | {memory} | {cpu:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
