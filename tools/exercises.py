"""Write the exercise notebooks in `exercises/` from the worked ones in `solutions/`.

`solutions/` is the single source. Inside a code cell, solution code sits
between two marker lines, inside a function body:

    def reverse_time(x):
        # BEGIN SOLUTION hint: flip the time axis (dim 1)
        return x.flip(1)
        # END SOLUTION

In the exercise, each marked block becomes a stub at the same indentation:

    def reverse_time(x):
        raise NotImplementedError("your code here: flip the time axis (dim 1)")

A worked solution says what it is in its first cell, `setup_notebook(worked_solution=True)`, so
that its checks are not saved as the learner's progress (`course_utils.learner.saving`); the
exercise gets `setup_notebook()` there (`exercise_setup`), and its checks are saved.

The exercise keeps every other cell and no outputs. Blocks must be indented
(inside a function) so that an unfinished exercise still runs top to bottom:
its check cells report "not attempted yet" instead of stopping. The stub's
form is `course_utils.stubs`, the one module the checks recognise it by; it is
pure Python, so the generator runs without importing torch.

Every character outside the markers is kept as it is: lines are split at "\n"
only (not at form feeds, "\x85" or "\u2028", as str.splitlines would), and a
cell's trailing newline stays.

`exercises/` is where learners work, so the generator touches only what it
wrote. It keeps a record, `exercises/.generated.json`: the SHA-256 of each
exercise as it last wrote it. An exercise that differs from what the record
says (a learner edited it) is kept and named, unless `--force` is given; a
notebook the generator never wrote (`Untitled.ipynb`, a `-Copy1`) is never
deleted; an exercise whose solution is gone is deleted only if the record
holds it, unchanged. Every file written, deleted, skipped or left alone is
printed. A solution must be an nbformat 4 notebook (what JupyterLab saves);
anything else is refused in one line, before anything is written.

Run `python -m tools.exercises` (or `make exercises`) from the repository root to write `exercises/` (exit
status 1 if an edited exercise was kept), with `--force` to replace edited exercises too, or with `--check` to
only report which files are stale (exit status 1).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from course_utils.files import atomic_write, reading, writable_target
from course_utils.stubs import strip_solutions
from tools.launch_links import retarget_launch_links
from tools.notebook_json import cell_source, render

# A `setup_notebook(...)` call without nested parentheses, and the argument a worked solution passes it.
SETUP_CALL = re.compile(r"\bsetup_notebook\((?P<arguments>[^()]*)\)")
WORKED_SOLUTION_ARGUMENT = re.compile(r"\s*worked_solution\s*=\s*True\s*")
# This file lives in tools/ at the top of the repository (tools are never installed),
# so the repository root is the folder above it.
ROOT = Path(__file__).resolve().parent.parent


class GeneratorError(ValueError):
    """The exercises cannot be written from the solutions as they are; the message names the file."""


SOLUTION_FIX = "fix the notebook in solutions/ (or restore it with `git checkout -- solutions`)"
# The generator's record of what it wrote, in exercises/: {"files": {name: SHA-256 of the text written}}.
RECORD_NAME = ".generated.json"
RECORD_ABOUT = (
    "Written by `python -m tools.exercises` (make exercises): the SHA-256 of each exercise as the generator last "
    "wrote it. The generator replaces or deletes only the exercises listed here and unchanged since."
)


def exercise_setup(source: str) -> str:
    """`source` with `worked_solution=True` dropped from its `setup_notebook(...)` calls, other arguments kept:
    `setup_notebook(worked_solution=True)` -> `setup_notebook()`, `setup_notebook(1, worked_solution=True)` ->
    `setup_notebook(1)`. Every other character is kept."""

    def drop(call: re.Match) -> str:
        arguments = call.group("arguments").split(",")
        kept = [argument for argument in arguments if not WORKED_SOLUTION_ARGUMENT.fullmatch(argument)]
        if len(kept) == len(arguments):
            return call.group(0)
        return f"setup_notebook({', '.join(argument.strip() for argument in kept if argument.strip())})"

    return SETUP_CALL.sub(drop, source)


def exercise_from_solution(notebook: dict, name: str = "notebook") -> dict:
    """Return the exercise version of a solution notebook (as nbformat JSON): stubs, `setup_notebook()` where the
    solution says it is one (`exercise_setup`), no outputs."""
    version = notebook.get("nbformat") if isinstance(notebook, dict) else None
    wrong_version = GeneratorError(
        f"{name}: is nbformat {version!r}, and the generator reads nbformat 4 notebooks only "
        "(what JupyterLab saves): convert it (`jupyter nbconvert --to notebook --nbformat 4 --inplace <path>`) "
        f"or {SOLUTION_FIX}"
    )
    if version is not None and version != 4:
        raise wrong_version
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list) or not all(_is_cell(c) for c in cells):
        raise GeneratorError(
            f"{name}: not a Jupyter notebook (no list of cells, each with a cell_type and a source "
            f"that is text); {SOLUTION_FIX}"
        )
    if version is None:
        raise wrong_version
    exercise = copy.deepcopy(notebook)
    for index, cell in enumerate(exercise["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = cell_source(cell)
        cell["source"] = exercise_setup(strip_solutions(source, where=f"{name}, cell {index}"))
        cell["outputs"] = []
        cell["execution_count"] = None
    return exercise


def _is_cell(cell: object) -> bool:
    if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
        return False
    source = cell.get("source")
    return isinstance(source, str) or (isinstance(source, list) and all(isinstance(line, str) for line in source))


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
            if not path.is_file():
                raise GeneratorError(f"{path} is not a regular file, so it is not a solution notebook: {SOLUTION_FIX}")
            try:
                notebook = json.loads(path.read_text(encoding="utf-8"))
            except RecursionError:
                raise GeneratorError(f"{path}: not a Jupyter notebook (nested too deeply); {SOLUTION_FIX}") from None
        exercise = exercise_from_solution(notebook, str(path))
        # The heading's launch links came with the solution's heading: the exercise's open the exercise.
        expected[path.name] = render(retarget_launch_links(exercise, f"exercises/{path.name}"))
    return expected


def digest(text: str) -> str:
    """The SHA-256 an exercise's text is recorded by (line endings as "\n", so a Windows checkout matches)."""
    return hashlib.sha256(text.replace("\r\n", "\n").encode("utf-8")).hexdigest()


def read_record(exercises_dir: Path) -> dict[str, str]:
    """{exercise name: SHA-256 of the text the generator last wrote}, from exercises/.generated.json ({} if none)."""
    path = Path(exercises_dir) / RECORD_NAME
    if not path.exists():
        return {}
    fix = "delete it: the generator then keeps every exercise that differs from what it writes (--force replaces them)"
    with reading(path, "record of generated exercises", fix):
        content = json.loads(path.read_text(encoding="utf-8"))
    files = content.get("files") if isinstance(content, dict) else None
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        raise GeneratorError(f"{path}: not the generator's record (no 'files' object of names and digests); {fix}")
    return files


def stale_exercises(solutions_dir: Path = ROOT / "solutions", exercises_dir: Path = ROOT / "exercises") -> list[str]:
    """Names of exercise files that are missing, out of date, recorded otherwise, or written for a solution now gone.

    A notebook in exercises/ that the generator never wrote (not in its record) is not stale: it is not its.
    """
    exercises_dir = Path(exercises_dir)
    expected = expected_exercises(solutions_dir)
    record = read_record(exercises_dir)
    present = {p.name for p in exercises_dir.glob("*.ipynb")}
    stale = [
        name
        for name, text in expected.items()
        if name not in present or _text(exercises_dir / name) != text or record.get(name) != digest(text)
    ]
    return sorted(stale + [name for name in present - expected.keys() if name in record])


@dataclass
class GeneratorReport:
    """What write_exercises did, by exercise name."""

    written: list[str] = field(default_factory=list)  # new or replaced
    unchanged: list[str] = field(default_factory=list)  # already what the generator writes
    skipped: list[str] = field(default_factory=list)  # changed since the generator wrote them: kept
    deleted: list[str] = field(default_factory=list)  # written by the generator for a solution that is gone
    left_alone: list[str] = field(default_factory=list)  # never written by the generator


def write_exercises(
    solutions_dir: Path = ROOT / "solutions",
    exercises_dir: Path = ROOT / "exercises",
    *,
    force: bool = False,
    say: Callable[[str], None] | None = None,
) -> GeneratorReport:
    """Write every exercise notebook, delete those the generator wrote whose solution is gone; return what it did.

    An exercise that changed since the generator wrote it (per its record) is kept
    unless `force`; a notebook it never wrote is left alone. `say(line)` is told each
    file written, deleted, skipped or left alone, as it happens. Everything is read,
    converted and checked (GeneratorError, naming the file) before anything is touched.
    """
    exercises_dir = Path(exercises_dir)
    expected = expected_exercises(solutions_dir)  # every solution is read and converted before anything is touched
    record = read_record(exercises_dir)
    report = GeneratorReport()
    present = sorted(p.name for p in exercises_dir.glob("*.ipynb")) if exercises_dir.is_dir() else []
    to_write: list[tuple[str, str]] = []  # (name, how it is said)
    to_delete: list[str] = []
    for name, text in expected.items():
        current = _text(exercises_dir / name)
        if current == text:
            report.unchanged.append(name)
        elif current is None or record.get(name) == digest(current):
            to_write.append((name, ""))
        elif force:
            to_write.append((name, " (replacing your changes)"))
        else:
            report.skipped.append(name)
    for name in present:
        if name in expected:
            continue
        if name not in record:
            report.left_alone.append(name)
        elif force or record[name] == digest(_text(exercises_dir / name) or ""):
            to_delete.append(name)
        else:
            report.skipped.append(name)
    for name in [n for n, _ in to_write] + to_delete:
        try:
            writable_target(exercises_dir / name)
        except OSError as error:
            raise GeneratorError(str(error)) from None

    def tell(line: str) -> None:
        if say is not None:
            say(line)

    folder = exercises_dir.name
    exercises_dir.mkdir(exist_ok=True)
    for name, how in to_write:
        with atomic_write(exercises_dir / name) as file:
            file.write(expected[name])
        record[name] = digest(expected[name])
        report.written.append(name)
        tell(f"wrote {folder}/{name}{how}")
    for name in to_delete:
        (exercises_dir / name).unlink()
        del record[name]
        report.deleted.append(name)
        tell(f"deleted {folder}/{name} (its solution is gone)")
    for name in report.unchanged:
        record[name] = digest(expected[name])
    for name in report.skipped:
        why = "changed since the generator wrote it" if name in expected else "its solution is gone, but it changed"
        tell(f"skipped: {folder}/{name} ({why}; your version is kept: run with --force to replace it)")
    for name in report.left_alone:
        tell(f"left alone: {folder}/{name} (not written by the generator)")
    _write_record(exercises_dir, record)
    return report


def _text(path: Path) -> str | None:
    """The text of the exercise file at `path`, or None if there is none; anything but a regular file is refused."""
    if not os.path.lexists(path):
        return None
    if not path.is_file():
        raise GeneratorError(f"{path} is not a regular file, so the generator leaves it alone: move it away first")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return ""  # not what the generator writes: it differs from every exercise


def _write_record(exercises_dir: Path, record: dict[str, str]) -> None:
    content = {"about": RECORD_ABOUT, "files": dict(sorted(record.items()))}
    path = exercises_dir / RECORD_NAME
    text = json.dumps(content, indent=1) + "\n"
    if _text(path) != text:
        with atomic_write(path) as file:
            file.write(text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only list stale exercise files")
    parser.add_argument(
        "--force", action="store_true", help="also replace (or delete) exercises changed since the generator wrote them"
    )
    args = parser.parse_args(argv)
    try:
        return _run(args.check, args.force)
    except (ValueError, RecursionError) as error:  # GeneratorError, MarkerError, DamagedFileError: found before writing
        print(f"error: {error}; nothing was written or deleted", file=sys.stderr)
        return 2
    except OSError as error:  # while writing: what was done is printed above
        print(f"error: {error}", file=sys.stderr)
        return 2


def _run(check: bool, force: bool = False) -> int:
    if check:
        stale = stale_exercises()
        for name in stale:
            print(f"stale: exercises/{name} (run `make exercises`)")
        return 1 if stale else 0
    report = write_exercises(force=force, say=print)
    if report.unchanged:
        print(f"{len(report.unchanged)} exercises already up to date")
    return 1 if report.skipped else 0


if __name__ == "__main__":
    sys.exit(main())
