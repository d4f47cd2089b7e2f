"""The second notebook run of `make test` really runs on other float kernels (tools/other_cpu.py)."""

import re
from pathlib import Path

import nbformat

from tools.notebook_runner import notebook_client
from tools.other_cpu import ENVIRONMENT, environment

ROOT = Path(__file__).resolve().parents[2]
REPORT = (
    "import os, torch\n"
    "print(torch.backends.cpu.get_cpu_capability(), torch.backends.mkldnn.enabled, os.environ['MKL_CBWR'])"
)


def kernel_prints(env: dict[str, str], tmp_path: Path) -> str:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(REPORT)])
    notebook_client(notebook, tmp_path, 120).execute(env=env)  # nbclient hands `env` on to the kernel it starts
    return notebook.cells[0].outputs[0]["text"].strip()


def test_kernels_of_the_other_cpu_run_use_default_kernels_without_onednn(tmp_path):
    # torch names ATen's plain kernels "DEFAULT" (newer releases) or "NO AVX" (older ones, 2.2 among them)
    assert kernel_prints(environment(tmp_path / "ipython"), tmp_path) in (
        "DEFAULT False COMPATIBLE",
        "NO AVX False COMPATIBLE",
    )


def test_make_test_runs_the_notebooks_a_second_time_as_if_on_another_cpu():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"-m tools\.other_cpu pytest .*\$\(NBVAL_ARGS\)", makefile), "make test lost its other-CPU run"
    assert set(ENVIRONMENT) == {"MKL_CBWR", "ATEN_CPU_CAPABILITY"}
