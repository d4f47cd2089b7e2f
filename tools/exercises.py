"""Write the exercise notebooks in `exercises/` from the worked ones in `solutions/`.

`solutions/` is the single source. Inside a code cell, solution code sits
between two marker lines, inside a function body:

    def reverse_time(x):
        # BEGIN SOLUTION hint: flip the time axis (dim 1)
        return x.flip(1)
        # END SOLUTION

In the exercise, each marked block becomes a stub at the same indentation:

    def reverse_time(x):
        raise NotImplementedError("flip the time axis (dim 1)")

The exercise keeps every other cell and no outputs. Blocks must be indented
(inside a function) so that an unfinished exercise still runs top to bottom:
its check cells report "not attempted yet" instead of stopping.

Run `python -m tools.exercises` (or `make exercises`) from the repository root to write `exercises/`, or with
`--check` to only report which files are stale (exit status 1).
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from pathlib import Path

from course_utils.checks.framework import stub_line
from course_utils.files import atomic_write, reading

BEGIN = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION(?:\s+hint:\s*(?P<hint>.*?))?\s*$")
END = re.compile(r"^\s*# END SOLUTION\s*$")
DEFAULT_HINT = "write this part yourself, then run the check cell"
# This file lives in tools/ at the top of the repository (tools are never installed),
# so the repository root is the folder above it.
ROOT = Path(__file__).resolve().parent.parent


class MarkerError(ValueError):
    """A solution notebook's markers are unbalanced or not inside a function."""


class GeneratorError(ValueError):
    """The exercises cannot be written from the solutions as they are; the message names the file."""


SOLUTION_FIX = "fix the notebook in solutions/ (or restore it with `git checkout -- solutions`)"


def strip_solutions(source: str, where: str = "cell") -> str:
    """Replace each `# BEGIN SOLUTION` ... `# END SOLUTION` block in `source` by a stub."""
    out, block_indent, hint = [], None, None
    for number, line in enumerate(source.splitlines(), start=1):
        begin, end = BEGIN.match(line), END.match(line)
        if begin and block_indent is None:
            block_indent, hint = begin.group("indent"), begin.group("hint") or DEFAULT_HINT
            if not block_indent:
                raise MarkerError(
                    f"{where}, line {number}: a solution block must be indented inside a function, "
                    "so the exercise still runs when it is not done yet"
                )
        elif begin:
            raise MarkerError(f"{where}, line {number}: BEGIN SOLUTION inside another solution block")
        elif end and block_indent is None:
            raise MarkerError(f"{where}, line {number}: END SOLUTION without a BEGIN SOLUTION")
        elif end:
            out.append(stub_line(block_indent, hint))
            block_indent = None
        elif block_indent is None:
            out.append(line)
    if block_indent is not None:
        raise MarkerError(f"{where}: BEGIN SOLUTION is never closed by END SOLUTION")
    return "\n".join(out)


def exercise_from_solution(notebook: dict, name: str = "notebook") -> dict:
    """Return the exercise version of a solution notebook (as nbformat JSON): stubs, no outputs."""
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list) or not all(
        isinstance(c, dict) and "cell_type" in c and "source" in c for c in cells
    ):
        raise GeneratorError(
            f"{name}: not a Jupyter notebook (no list of cells, each with a cell_type and a source); {SOLUTION_FIX}"
        )
    exercise = copy.deepcopy(notebook)
    for index, cell in enumerate(exercise["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        cell["source"] = strip_solutions(source, where=f"{name}, cell {index}")
        cell["outputs"] = []
        cell["execution_count"] = None
    return exercise


def render(notebook: dict) -> str:
    """Serialise a notebook the way Jupyter saves it (indent 1, trailing newline)."""
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def expected_exercises(solutions_dir: Path = ROOT / "solutions") -> dict[str, str]:
    """Map each exercise file name to the text the generator writes for it.

    Raises GeneratorError when `solutions_dir` holds no solution notebook (so
    nothing would be generated) or when one of them cannot be read.
    """
    solutions_dir = Path(solutions_dir)
    paths = sorted(solutions_dir.glob("*.ipynb"))
    if not paths:
        raise GeneratorError(
            f"no solution notebooks (*.ipynb) in {solutions_dir}: the exercises are generated from "
            "them, so nothing can be written (is this the course's folder, and is solutions/ there?)"
        )
    expected = {}
    for path in paths:
        with reading(path, "solution notebook", SOLUTION_FIX):
            notebook = json.loads(path.read_text(encoding="utf-8"))
        expected[path.name] = render(exercise_from_solution(notebook, str(path)))
    return expected


def stale_exercises(solutions_dir: Path = ROOT / "solutions", exercises_dir: Path = ROOT / "exercises") -> list[str]:
    """Names of exercise files that are missing, out of date, or have no solution any more."""
    expected = expected_exercises(solutions_dir)
    present = {p.name for p in Path(exercises_dir).glob("*.ipynb")}
    stale = [n for n, text in expected.items() if n not in present or (Path(exercises_dir) / n).read_text() != text]
    return sorted(stale + sorted(present - expected.keys()))


def write_exercises(solutions_dir: Path = ROOT / "solutions", exercises_dir: Path = ROOT / "exercises") -> list[str]:
    """Write every exercise notebook and delete ones whose solution is gone; return the names written."""
    exercises_dir = Path(exercises_dir)
    expected = expected_exercises(solutions_dir)  # every solution is read and converted before anything is touched
    exercises_dir.mkdir(exist_ok=True)
    for name, text in expected.items():
        with atomic_write(exercises_dir / name) as file:
            file.write(text)
    for orphan in sorted({p.name for p in exercises_dir.glob("*.ipynb")} - expected.keys()):
        (exercises_dir / orphan).unlink()
    return sorted(expected)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only list stale exercise files")
    args = parser.parse_args(argv)
    try:
        return _run(args.check)
    except (GeneratorError, MarkerError, OSError) as error:
        print(f"error: {error}; nothing was written or deleted", file=sys.stderr)
        return 2


def _run(check: bool) -> int:
    if check:
        stale = stale_exercises()
        for name in stale:
            print(f"stale: exercises/{name} (run `make exercises`)")
        return 1 if stale else 0
    for name in write_exercises():
        print(f"wrote exercises/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
