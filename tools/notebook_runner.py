"""Re-run course notebooks in place and store them in the form the tests expect.

For maintainers: after editing a notebook (or code it shows), run

    python -m tools.notebook_runner notebooks/05_training.ipynb [...]

(or `make notebooks` for all of them). Each notebook is executed top to
bottom on the `python3` kernel of this environment, from its own folder, then saved without
what changes on every run and is not output: widget state and per-cell
execution timestamps. nbval then compares the stored outputs. The values
behind the run's claim lines are kept in the notebook's metadata, for
`tools.claim_margins`.

A notebook is checked before it runs: it must be JSON, nbformat 4 (what
JupyterLab saves) and valid, and a file you may write (not read-only); the
command refuses anything else in one line naming the file, and stops.

Each kernel saves quiz answers and check verdicts into a fresh, throwaway
progress store (never the maintainer's own), so a stored output such as
`progress()` is what a new learner sees, on every machine; the tests run
each notebook on a fresh store too (tests/conftest.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from course_utils.claims import CLAIMS_LOG_ENV_VAR
from course_utils.files import atomic_write, damaged, reading, writable_target
from course_utils.learner.store import ENV_VAR as PROGRESS_ENV_VAR

# The standard kernel name, which every front end maps to the Python of its own environment
# (here the venv's: jupyter_client starts it with sys.executable).
KERNEL_NAME = "python3"
# How long a new kernel may take to answer its first message. nbclient's and nbval's 60 s was too short
# on a 2-core CI machine where other kernels were importing torch at the same time; a kernel that
# never starts still fails, after 5 minutes.
KERNEL_STARTUP_S = 300
# The notebook metadata key under which a stored notebook keeps its claims' values (store_claims).
STORED_CLAIMS_KEY = "course_claims"
NOTEBOOK_FIX = "restore it with `git checkout -- <path>`"


def strip_run_metadata(notebook) -> None:
    """Drop saved widget state and per-cell execution timestamps from an nbformat notebook."""
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)


def store_claims(notebook, claims: list[dict]) -> None:
    """Keep the claims of the stored run, with their values, in the notebook's metadata (STORED_CLAIMS_KEY).

    nbval compares the claim lines; the values behind them are measurements that
    `tools.claim_margins` compares with the range its runs give.
    """
    notebook.metadata.pop(STORED_CLAIMS_KEY, None)
    if claims:
        notebook.metadata[STORED_CLAIMS_KEY] = claims


def stored_claims(notebook) -> list[dict]:
    """The claims `store_claims` kept in an nbformat notebook (an empty list if none)."""
    return list(notebook.metadata.get(STORED_CLAIMS_KEY, []))


def notebook_client(notebook, folder: Path, timeout: int, **options):
    """An nbclient NotebookClient for an nbformat notebook: the `python3` kernel, started in `folder`,
    `timeout` seconds per cell and KERNEL_STARTUP_S to start; `options` go to NotebookClient as they are."""
    from nbclient import NotebookClient

    return NotebookClient(
        notebook,
        timeout=timeout,
        startup_timeout=KERNEL_STARTUP_S,
        kernel_name=KERNEL_NAME,
        resources={"metadata": {"path": str(folder)}},
        **options,
    )


def execute(notebook, folder: Path, timeout: int = 600, env: dict[str, str] | None = None) -> list[dict]:
    """Execute an nbformat notebook in memory, top to bottom, on a fresh `python3` kernel started in `folder`,
    which saves into a throwaway progress store; return the claims its cells stated.

    env: the kernel's environment (default: this process's). Each claim is the record
    `course_utils.claims` logs (text, verdict; relation, value, bound and margin where it
    compares), with the index of the cell that stated it as "cell".
    """
    claims: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="birnn-progress-") as scratch:
        log = Path(scratch) / "claims.jsonl"

        def collect(cell, cell_index: int, execute_reply) -> None:  # nbclient's hook, after every cell
            lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
            claims.extend({"cell": cell_index, **json.loads(line)} for line in lines[len(claims) :])

        client = notebook_client(notebook, folder, timeout, on_cell_executed=collect)
        kernel_env = dict(os.environ if env is None else env)
        kernel_env.update({PROGRESS_ENV_VAR: str(Path(scratch) / "progress.json"), CLAIMS_LOG_ENV_VAR: str(log)})
        client.execute(env=kernel_env)
    return claims


def read_notebook(path):
    """The nbformat 4 notebook at `path`, checked; a file that is not one raises an error naming it and the fix.

    Raises FileNotFoundError, IsADirectoryError, PermissionError or DamagedFileError (a ValueError): not
    UTF-8, not JSON, not an nbformat 4 notebook (an older or newer format is refused, not converted), or
    not valid against nbformat's schema.
    """
    import nbformat

    with reading(
        path, "notebook", "give the path of a .ipynb file (restore a damaged one with `git checkout -- <path>`)"
    ):
        text = Path(path).read_text(encoding="utf-8")
    path = Path(path)
    try:
        content = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise damaged(path, f"not a notebook: its text is not JSON ({_first_line(error, 80)})", NOTEBOOK_FIX) from None
    if not isinstance(content, dict):
        raise damaged(path, f"not a notebook: its JSON is a {type(content).__name__}, not an object", NOTEBOOK_FIX)
    version = content.get("nbformat")
    if version != 4:
        raise damaged(
            path,
            f"it is nbformat {version!r}, and the runner stores nbformat 4 notebooks only",
            f"convert it first (`jupyter nbconvert --to notebook --nbformat 4 --inplace {path}`), or {NOTEBOOK_FIX}",
        )
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except (nbformat.ValidationError, KeyError, TypeError, AttributeError, ValueError) as error:
        raise damaged(path, f"it is an invalid nbformat 4 notebook ({_first_line(error, 160)})", NOTEBOOK_FIX) from None
    return notebook


def _first_line(error: BaseException, limit: int) -> str:
    line = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return line if len(line) <= limit else line[: limit - 3] + "..."


def run_notebook(path, timeout: int = 600) -> float:
    """Execute the notebook at `path` in place; return the seconds it took.

    The notebook is checked first (`read_notebook`), and so is that it may be replaced
    (`files.writable_target`: not read-only), before a kernel starts.
    """
    import nbformat

    notebook = read_notebook(path)
    path = Path(path)
    writable_target(path)
    start = time.perf_counter()
    claims = execute(notebook, path.parent, timeout)
    seconds = time.perf_counter() - start
    strip_run_metadata(notebook)
    store_claims(notebook, claims)
    with atomic_write(path) as file:  # a notebook is never left half written
        file.write(nbformat.writes(notebook) + "\n")
    return seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Execute notebooks in place and save them for nbval.")
    parser.add_argument("paths", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for path in args.paths:
        try:
            print(f"{path}: {run_notebook(path):.1f} s", flush=True)
        except (ValueError, OSError) as error:  # a file that cannot be run or stored: named, in one line
            print(f"error: {error}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
