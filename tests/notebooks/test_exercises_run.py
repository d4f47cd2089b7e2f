"""The exercise notebooks, as a learner first opens them, run to the end: every check says "not attempted yet".

Each notebook in exercises/ is executed on this environment's python3 kernel from its own folder.
An unfinished exercise must never stop with an error: the stubs raise
NotImplementedError only inside functions, and the check cells turn that into
a "not attempted yet" report.
"""

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from course_utils.env import usable_cpus
from tools.notebook_runner import notebook_client

ROOT = Path(__file__).resolve().parents[2]
EXERCISES = ROOT / "exercises"
CHECK_CALL = re.compile(r"^(\w+ = )?check_\w+\(", re.MULTILINE)  # a call, its report kept or not


NOTEBOOKS = sorted(EXERCISES.glob("*.ipynb"))


@pytest.fixture(scope="module")
def all_executed():
    """Every exercise notebook, executed; as many kernels at once as there are CPUs (most of their time is
    imports, so a few side by side save time; more only slow each other down, past their startup timeout)."""
    notebooks = {path.name: nbformat.read(path, as_version=4) for path in NOTEBOOKS}
    clients = [notebook_client(notebook, EXERCISES, 120, allow_errors=True) for notebook in notebooks.values()]

    async def execute_all():
        at_once = asyncio.Semaphore(usable_cpus())

        async def execute(client):
            async with at_once:
                await client.async_execute()

        await asyncio.gather(*(execute(client) for client in clients))

    # A thread of its own: Playwright's sync API (the browser tests) may hold an event loop in this one.
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, execute_all()).result()
    return notebooks


@pytest.fixture(params=[path.name for path in NOTEBOOKS])
def executed(request, all_executed):
    return all_executed[request.param]


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def output_text(cell):
    parts = [output.get("text", "") for output in cell.outputs]
    parts += [output.get("data", {}).get("text/plain", "") for output in cell.outputs]
    return "".join(parts)


def test_every_cell_runs_without_an_error(executed):
    for cell in code_cells(executed):
        errors = [f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"]
        warnings = [o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]
        assert not errors and not warnings, f"cell {cell.source[:60]!r} printed {errors or warnings}"


def test_the_exercise_has_check_cells(executed):
    assert len([c for c in code_cells(executed) if CHECK_CALL.search(c.source)]) >= 1


def test_every_check_reports_not_attempted_yet(executed):
    for cell in code_cells(executed):
        if CHECK_CALL.search(cell.source):
            text = output_text(cell)
            assert "not attempted yet" in text, f"check cell {cell.source!r} printed {text!r}"
            assert "passed" not in text and "FAIL" not in text, f"check cell {cell.source!r} printed {text!r}"
