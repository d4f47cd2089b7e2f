"""Every course notebook is stored executed, error-free, on the standard python3 kernel; its links lead somewhere."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb"))


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def notebook(request):
    return json.loads(request.param.read_text())


def code_cells(notebook):
    return [c for c in notebook["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


# The kernelspec every front end (JupyterLab, a JupyterHub, VS Code, Colab) and runner (nbconvert,
# papermill, nbval) maps to the Python of the environment it runs in, so none asks which kernel to use.
STANDARD_KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


@pytest.mark.parametrize(
    "path", NOTEBOOKS + sorted((ROOT / "exercises").glob("*.ipynb")), ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_notebook_names_the_standard_python3_kernel(path):
    kernelspec = json.loads(path.read_text())["metadata"].get("kernelspec")
    assert kernelspec == STANDARD_KERNELSPEC, (
        f"{path.name} names the kernel {kernelspec}: open it, choose the kernel 'Python 3 (ipykernel)' and save "
        "(for a notebook in solutions/, then run `make exercises`)"
    )


def test_every_code_cell_was_executed_in_order(notebook):
    counts = [c["execution_count"] for c in code_cells(notebook)]
    assert None not in counts, "some code cells were never run: execute the notebook and save it"
    assert counts == sorted(counts) and len(set(counts)) == len(counts), (
        f"cells were run out of order ({counts}): restart the kernel, run all, save"
    )


def test_no_stored_output_is_an_error(notebook):
    for cell in code_cells(notebook):
        tags = cell.get("metadata", {}).get("tags", [])
        errors = [o for o in cell.get("outputs", []) if o["output_type"] == "error"]
        assert not errors or "raises-exception" in tags, (
            f"cell stored an error without the raises-exception tag: {''.join(cell['source'])[:80]!r}"
        )


def test_first_code_cell_sets_up_the_notebook(notebook):
    assert "setup_notebook(" in "".join(code_cells(notebook)[0]["source"])


def test_no_widget_state_is_stored(notebook):
    # Saved widget state is large, changes on every run, and is rebuilt when the cells run.
    assert "widgets" not in notebook["metadata"], "saved widget state: store the notebook with `make notebooks NB=...`"


def test_no_execution_timestamps_are_stored(notebook):
    stamped = [i for i, c in enumerate(notebook["cells"]) if "execution" in c.get("metadata", {})]
    assert not stamped, f"cells {stamped} keep run timestamps: save with `make notebooks`"


# [text](target.ipynb) links, and `notebooks/...`, `exercises/...`, `solutions/...` paths named in the prose
LINK = re.compile(r"\](?!\(https?://)\(([^)\s]+\.ipynb)\)")  # web links (the launch links): test_launch_links.py
NAMED_PATH = re.compile(r"`((?:notebooks|exercises|solutions)/[\w.-]+\.ipynb)`")


def markdown(path: Path) -> str:
    cells = json.loads(path.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


@pytest.mark.parametrize(
    "path", NOTEBOOKS + sorted((ROOT / "exercises").glob("*.ipynb")), ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_every_notebook_link_and_named_path_exists(path):
    text = markdown(path)
    targets = [path.parent / link for link in LINK.findall(text)] + [ROOT / name for name in NAMED_PATH.findall(text)]
    missing = [str(t.resolve().relative_to(ROOT)) for t in targets if not t.resolve().is_file()]
    assert not missing, f"{path.name} points to notebooks that do not exist: {missing}"
