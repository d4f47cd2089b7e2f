"""Specification of the maintainers' notebook runner."""

import sys

import nbformat
import pytest

from tools.notebook_runner import run_notebook, strip_run_metadata


def test_strip_removes_widget_state_and_timestamps_but_keeps_tags():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    notebook.metadata["widgets"] = {"state": {}}
    notebook.cells[0].metadata.update({"execution": {"iopub.status.idle": "x"}, "tags": ["keep"]})
    strip_run_metadata(notebook)
    assert "widgets" not in notebook.metadata
    assert notebook.cells[0].metadata == {"tags": ["keep"]}


@pytest.mark.slow
def test_run_notebook_stores_outputs_in_place(tmp_path):
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")]), path)
    run_notebook(path)
    cell = nbformat.read(path, as_version=4).cells[0]
    assert cell.outputs[0]["text"] == "42\n" and cell.execution_count == 1
    assert "execution" not in cell.metadata


@pytest.mark.slow
def test_run_notebook_runs_the_kernel_of_this_environment(tmp_path):
    """The standard `python3` kernel resolves to this venv's Python, not to another Python on the machine."""
    path = tmp_path / "which_python.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import sys\nprint(sys.prefix)")]), path)
    run_notebook(path)
    assert nbformat.read(path, as_version=4).cells[0].outputs[0]["text"] == f"{sys.prefix}\n"
