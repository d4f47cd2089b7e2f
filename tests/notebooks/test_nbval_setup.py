"""The notebook tests must be able to fail: nbval compares every stored number."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbval.plugin import get_sanitize_patterns

ROOT = Path(__file__).resolve().parents[2]
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
START_HERE = ROOT / "notebooks" / "00_start_here.ipynb"


def sanitize(text: str) -> str:
    for pattern, replacement in get_sanitize_patterns(SANITIZE.read_text()):
        text = re.sub(pattern, replacement, text)
    return text


def run_nbval(notebook: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--nbval",
            "--nbval-current-env",
            "--nbval-sanitize-with",
            str(SANITIZE),
            str(notebook),
        ],
        capture_output=True,
        text=True,
        cwd=notebook.parent,
        timeout=300,
    )


@pytest.mark.parametrize(
    "volatile, masked",
    [
        ("<Figure at 0x7f3a2c1b9d50>", "<Figure at 0xADDRESS>"),
        ("model_id 0123456789abcdef0123456789abcdef", "model_id WIDGET-ID"),
        ("5 epochs took 0.452 s (12.5 ms per step, 850 µs)", "5 epochs took TIME (TIME per step, TIME)"),
        ("packed/padded time ratio 0.63x", "packed/padded time ratio RATIOx"),
        (
            '<img alt="Training curves over 5 epochs" src="data:image/png;base64,iVBORw0KGgo+/Ab=">',
            '<img alt="Training curves over 5 epochs" src="data:image/png;base64,PNG">',
        ),
        (
            "train: 100%|##| 5/5 [00:01<00:00,  4.12epoch/s, val_acc=0.9512]",
            "train: 100%|##| 5/5 [TIMING, val_acc=0.9512]",
        ),
    ],
)
def test_sanitizer_masks_what_cannot_be_stable(volatile, masked):
    assert sanitize(volatile) == masked


@pytest.mark.parametrize(
    "stable",
    [
        "val_acc 0.9512",
        "output (4, 7, 6)",
        "505 parameters",
        "epoch 5",
        "(1000, 10, 20)",
        '<img alt="Accuracy: validation rises from 0.55 to 0.94." src=',
    ],
)
def test_sanitizer_leaves_results_alone(stable):
    assert sanitize(stable) == stable


def test_a_changed_number_in_a_stored_output_fails_nbval(tmp_path):
    notebook = json.loads(START_HERE.read_text())
    changed = False
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            text = "".join(output.get("text", []))
            if "(1000, 10, 8)" in text:
                output["text"] = text.replace("(1000, 10, 8)", "(1000, 10, 9)")
                changed = True
    assert changed, "00_start_here no longer prints the data shape this test edits"
    target = tmp_path / "changed.ipynb"
    target.write_text(json.dumps(notebook))
    result = run_nbval(target)
    assert result.returncode != 0
    assert "(1000, 10, 9)" in result.stdout


def test_the_unchanged_notebook_passes_nbval(tmp_path):
    target = tmp_path / "unchanged.ipynb"
    shutil.copy(START_HERE, target)
    result = run_nbval(target)
    assert result.returncode == 0, result.stdout[-2000:]


# tests/conftest.py gives each notebook its store. `make test` loads it by collecting tests/ beside the notebooks,
# or, in a run of notebooks alone (the other-CPU pass, make nbval), as the plugin `-p tests.conftest`.
CONFTEST_LOADED_BY = {
    "a test beside them": [str(ROOT / "tests" / "unit" / "test_claims.py")],
    "-p tests.conftest": ["-p", "tests.conftest"],
}


@pytest.mark.parametrize("loader", CONFTEST_LOADED_BY)
def test_every_notebook_nbval_runs_starts_on_a_fresh_progress_store(tmp_path, loader):
    """Each notebook saves one answer and prints how many tries the store holds: 1 each, unless they share it."""
    cells = [
        'from course_utils.quiz import answer\nanswer("02-output-shape", "A")',
        "from course_utils.learner.store import load_progress\n"
        'print(sum(len(q["tries"]) for q in load_progress()[0]["questions"].values()))',
    ]
    notebooks = []
    for name in ("first", "second"):
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
        notebook.cells[0].metadata["tags"] = ["nbval-ignore-output"]
        notebook.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
        notebook.cells[0].execution_count, notebook.cells[1].execution_count = 1, 2
        notebooks.append(tmp_path / f"{name}.ipynb")
        nbformat.write(notebook, notebooks[-1])
    args = [
        "--rootdir",
        str(ROOT),
        "-c",
        str(ROOT / "pyproject.toml"),
        *map(str, notebooks),
        *CONFTEST_LOADED_BY[loader],
    ]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:]


def test_nbval_gives_a_new_kernel_as_long_to_start_as_the_other_notebook_runners():
    """nbval's own 60 s was too short on a loaded 2-core CI machine (see tools/notebook_runner.py)."""
    from tools.notebook_runner import KERNEL_STARTUP_S

    makefile = (ROOT / "Makefile").read_text()
    assert f"--nbval-kernel-startup-timeout {KERNEL_STARTUP_S}" in makefile
