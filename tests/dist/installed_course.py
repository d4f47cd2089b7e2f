"""The course installed in a virtual environment of its own, and notebooks run on that environment's kernel.

Helpers for tests/dist (the fixture that creates the environment is in conftest.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tools.notebook_runner import KERNEL_STARTUP_S

ROOT = Path(__file__).resolve().parents[2]
# Generous: on a busy 2-core machine one lesson's training cell has taken minutes.
COMMAND_TIMEOUT_S = 3600
CELL_TIMEOUT_S = 1200
# What a kernel prints to show which Python it is and where course_utils comes from.
WHICH_PYTHON = "import sys, course_utils\nprint(sys.prefix)\nprint(course_utils.__file__)"


@dataclass
class Venv:
    """A virtual environment and the environment variables its commands run with."""

    path: Path
    env: dict[str, str]

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    def run(self, *args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
        """Run a command (its executable looked up in this venv's bin/ first); fail the test if it fails.

        By default it runs in the venv's own folder, where no course_utils lies about for `import` to find.
        """
        command = [str(arg) for arg in args]
        result = subprocess.run(
            command,
            cwd=self.path if cwd is None else cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
            check=False,
        )
        assert result.returncode == 0, (
            f"`{' '.join(command)}` exited with {result.returncode}:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
        return result

    def site_packages(self) -> Path:
        return Path(self.python_prints("import sysconfig; print(sysconfig.get_path('purelib'))").strip())

    def python_prints(self, code: str) -> str:
        """What this venv's Python prints when it runs `code`."""
        return self.run(self.python, "-c", code).stdout


# What a copy of a folder that is not a git checkout leaves out: environments, caches, build and test output.
NOT_THE_COURSE = (".git", ".venv", ".test-home", "build", "dist", "*.egg-info", "__pycache__", "*_cache", "_build")


def copy_of_repository(destination: Path) -> Path:
    """The repository's files (tracked, or new and not ignored) copied to `destination`: no venv, no build output.

    Outside a git checkout (the version matrix tests a copy of the repository: tests/dist/test_versions.py),
    every file but NOT_THE_COURSE."""
    if not (ROOT / ".git").exists():
        shutil.copytree(ROOT, destination, ignore=shutil.ignore_patterns(*NOT_THE_COURSE), dirs_exist_ok=True)
        return destination
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet committed is still listed
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


def execute_notebooks(venv: Venv, notebooks: list[Path], output_dir: Path) -> list[Path]:
    """Execute notebooks with the venv's nbconvert, one process per notebook, as many at once as there are
    cores; return the executed copies.

    No kernel is named here: nbconvert takes the one each notebook names (`python3`), which
    resolves to the venv's own Python. It exits with an error (and the test fails) at the
    first cell that raises.
    """

    def execute(notebook: Path) -> Path:
        venv.run(
            venv.path / "bin" / "jupyter",
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            f"--ExecutePreprocessor.timeout={CELL_TIMEOUT_S}",
            f"--ExecutePreprocessor.startup_timeout={KERNEL_STARTUP_S}",
            "--output-dir",
            output_dir,
            notebook,
        )
        return output_dir / notebook.name

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(execute, notebooks))


def kernel_python_and_course_utils(venv: Venv, folder: Path, output_dir: Path) -> tuple[str, str]:
    """Run a one-cell notebook from `folder` on the venv's `python3` kernel: its sys.prefix and course_utils' file."""
    import nbformat

    probe = folder / "which_python.ipynb"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(WHICH_PYTHON)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(notebook, probe)
    try:
        (executed,) = execute_notebooks(venv, [probe], output_dir)
    finally:
        probe.unlink()
    prefix, course_utils_file = nbformat.read(executed, as_version=4).cells[0].outputs[0]["text"].split()
    return prefix, course_utils_file


def stream_text(path: Path) -> str:
    """Everything the notebook at `path` printed (stdout and stderr), in cell order."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    return "".join(
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "stream"
    )
