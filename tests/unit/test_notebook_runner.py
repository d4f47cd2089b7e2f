"""Specification of the maintainers' notebook runner."""

import json
import os
import sys

import nbclient
import nbformat
import pytest

from tools.notebook_runner import main, run_notebook, strip_run_metadata


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


# --- faults: a damaged notebook is named; an interrupted save leaves the notebook whole (issue 16) -----


class NoKernel:
    """Stands in for nbclient's NotebookClient: 'executes' by adding one output, without starting a kernel."""

    def __init__(self, notebook, **_):
        self.notebook = notebook

    def execute(self, **_):  # NotebookClient.execute passes its keywords (the kernel's env) to the kernel
        self.notebook.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="42\n")]


def test_an_interrupted_save_leaves_the_notebook_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")]), path)
    before = path.read_bytes()
    monkeypatch.setattr(nbclient, "NotebookClient", NoKernel)

    def interrupted(source, target):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_notebook(path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["tiny.ipynb"]


def test_a_saved_notebook_is_what_nbformat_writes(tmp_path, monkeypatch):
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")]), path)
    monkeypatch.setattr(nbclient, "NotebookClient", NoKernel)
    run_notebook(path)
    notebook = nbformat.read(path, as_version=4)
    assert notebook.cells[0].outputs[0]["text"] == "42\n"
    expected = tmp_path / "expected.ipynb"
    nbformat.write(notebook, expected)
    assert path.read_bytes() == expected.read_bytes()


@pytest.mark.parametrize(
    "content, error, words",
    [
        ("{not json", ValueError, "broken.ipynb: not a notebook: its text is not JSON"),
        (b"\xff\xfe\x00", ValueError, "broken.ipynb is not UTF-8 text"),
    ],
)
def test_a_damaged_notebook_is_named(tmp_path, content, error, words):
    path = tmp_path / "broken.ipynb"
    path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    with pytest.raises(error, match=words):
        run_notebook(path)


def test_a_missing_notebook_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no notebook at .*missing.ipynb"):
        run_notebook(tmp_path / "missing.ipynb")


@pytest.mark.slow
def test_run_notebook_runs_the_kernel_of_this_environment(tmp_path):
    """The standard `python3` kernel resolves to this venv's Python, not to another Python on the machine."""
    path = tmp_path / "which_python.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import sys\nprint(sys.prefix)")]), path)
    run_notebook(path)
    assert nbformat.read(path, as_version=4).cells[0].outputs[0]["text"] == f"{sys.prefix}\n"


@pytest.mark.slow
def test_each_notebook_runs_on_a_fresh_throwaway_progress_store(tmp_path, throwaway_progress):
    code = "import os; print(os.environ['BIRNN_COURSE_PROGRESS'])"
    paths = [tmp_path / f"{name}.ipynb" for name in ("one", "two")]
    for path in paths:
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]), path)
        run_notebook(path)
    stores = [nbformat.read(path, as_version=4).cells[0].outputs[0]["text"].strip() for path in paths]
    assert len(set(stores)) == 2 and str(throwaway_progress) not in stores
    assert not any(os.path.exists(os.path.dirname(store)) for store in stores)  # removed after the run


@pytest.mark.slow
def test_notebook_resources_reads_the_kernels_peak_memory_and_cpu_time(tmp_path):
    from tools.notebook_resources import measure

    path = tmp_path / "allocates.ipynb"
    code = (
        "import time\n"
        "block = b'x' * (200 * 1024 * 1024)  # written, so resident\n"
        "start = time.process_time()\n"
        "while time.process_time() - start < 1.2:  # over LONGEST_FROM_S, so the table names it\n"
        "    pass"
    )
    cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_markdown_cell("text"), nbformat.v4.new_code_cell(code)]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    measured = measure(path)
    assert measured.memory_mb >= 200 and measured.cpu_s >= 1.2
    assert [i for i, _ in measured.cells] == [0, 2], "code cells only, by their index in the notebook"
    assert measured.cells[1][1] >= 1.2 and measured.setup_s < 0.5 and measured.longest() == [measured.cells[1]]
    assert len(nbformat.read(path, as_version=4).cells) == 3  # nothing written back


def test_the_time_table_flags_each_missed_target_and_adds_up_the_course():
    from tools.notebook_resources import Measurement, table

    shown = table(
        {
            "00_quick": Measurement(300, 2.0, [(1, 0.4), (3, 0.2)]),
            "07_slow": Measurement(500, 40.0, [(1, 1.6), (4, 12.0), (9, 1.2), (12, 0.3)]),
        }
    ).splitlines()
    assert shown[2] == "| 00_quick | 0.6 | 0.40 | none over 1 s | 300 |"
    assert shown[3] == "| 07_slow | 15.1 | 1.60 (over 1.5 s) | [4] 12.0 (over 10 s), [1] 1.6, [9] 1.2 | 500 |"
    assert shown[4] == "| **all** | **15.7** | | | |"


# --- bad notebooks are refused in one line; a read-only one is not replaced (issue 27) ------------


class MustNotRun(NoKernel):
    def execute(self, **_):
        raise AssertionError("the notebook was executed")


V3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [], "metadata": {}}]}


@pytest.mark.parametrize(
    "content, words",
    [
        ("{not json", "not a notebook: its text is not JSON"),
        (json.dumps(V3), "is nbformat 3"),
        (json.dumps({**V3, "nbformat": 99}), "is nbformat 99"),
        (json.dumps([1, 2]), "not a notebook"),
        (json.dumps({"nbformat": 4, "nbformat_minor": 5, "cells": [{"cell_type": "code"}], "metadata": {}}), "invalid"),
    ],
)
def test_the_command_refuses_a_bad_notebook_in_one_line(tmp_path, monkeypatch, capsys, content, words):
    path = tmp_path / "bad.ipynb"
    path.write_text(content)
    monkeypatch.setattr(nbclient, "NotebookClient", MustNotRun)
    assert main([str(path)]) == 2
    out, err = capsys.readouterr()
    assert words in err and str(path) in err and len(err.strip().splitlines()) == 1
    assert path.read_text() == content


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_a_read_only_notebook_is_refused_before_it_runs(tmp_path, monkeypatch, capsys):
    path = tmp_path / "kept.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")]), path)
    path.chmod(0o444)
    before = path.read_bytes()
    monkeypatch.setattr(nbclient, "NotebookClient", MustNotRun)
    assert main([str(path)]) == 2
    assert f"{path} is read-only" in capsys.readouterr().err and path.read_bytes() == before
