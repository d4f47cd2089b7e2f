"""Binder's install steps, run here: binder/postBuild in a new environment, then two notebooks on its kernel.

repo2docker (what Binder builds with) reads only binder/ when that folder
exists: it builds binder/environment.yml (Python and pip, from conda-forge),
then runs binder/postBuild from the repository root. This test plays the second
part in a new virtual environment whose `python` is first on PATH, from a copy
of the repository, with one change: the torch line's `--index-url` of PyTorch's
CPU index is dropped, because this machine reaches PyPI only. pip then resolves
`torch` under constraints.txt as `make setup` does: here, from the local CPU
wheel of the pinned version (with PIP_EXTRA_INDEX_URL pointing at the CPU
index, elsewhere). Everything else runs as written.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from installed_course import (
    ROOT,
    Venv,
    copy_of_repository,
    execute_notebooks,
    kernel_python_and_course_utils,
    stream_text,
)

POSTBUILD = ROOT / "binder" / "postBuild"
CPU_INDEX = "--index-url https://download.pytorch.org/whl/cpu"
# 00 checks the set-up; 02 is a short lesson with widgets.
NOTEBOOKS = ["00_start_here.ipynb", "02_shapes.ipynb"]


def pinned_torch() -> str:
    (pin,) = re.findall(r"^torch==(\S+)$", (ROOT / "constraints.txt").read_text(), flags=re.MULTILINE)
    return pin


def postbuild_as_run_here() -> str:
    script = POSTBUILD.read_text()
    assert script.count(CPU_INDEX) == 1, f"binder/postBuild should install torch from PyPI's CPU index ({CPU_INDEX})"
    return script.replace(CPU_INDEX, "")


@pytest.fixture(scope="module")
def binder_copy(course_venv: Venv, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository in which binder/postBuild has run, installing into `course_venv`."""
    copy = copy_of_repository(tmp_path_factory.mktemp("binder") / "repo")
    course_venv.run("bash", "-c", postbuild_as_run_here(), cwd=copy)
    return copy


def test_binder_reads_only_its_folder_and_postbuild_can_run():
    assert (ROOT / "binder" / "environment.yml").is_file() and not (ROOT / ".binder").exists()
    assert POSTBUILD.stat().st_mode & 0o111, "repo2docker runs binder/postBuild as a program: keep it executable"
    assert POSTBUILD.read_text().startswith("#!/bin/bash\n")
    assert "set -euo pipefail" in POSTBUILD.read_text(), "without it a failed step would not fail the Binder build"


def test_postbuild_installs_the_course_as_a_package_and_the_cpu_build_of_the_pinned_torch(binder_copy, course_venv):
    report = course_venv.python_prints(
        "import course_utils, torch; print(course_utils.__file__, torch.__version__, torch.version.cuda)"
    ).split()
    course_utils_file, torch_version, cuda = report
    assert Path(course_utils_file).is_relative_to(course_venv.site_packages()), "not an installed, non-editable copy"
    assert torch_version.split("+")[0] == pinned_torch() and cuda == "None"


def test_postbuild_installs_jupyterlab_through_the_lab_extra(binder_copy, course_venv):
    assert '".[lab]"' in POSTBUILD.read_text(), "JupyterLab is the course's `lab` extra, no longer a dependency"
    lab = course_venv.python_prints("import jupyterlab; print(jupyterlab.__file__)").strip()
    assert Path(lab).is_relative_to(course_venv.site_packages())


def test_00_and_a_lesson_run_from_notebooks_on_the_new_environments_kernel(binder_copy, course_venv, tmp_path):
    folder = binder_copy / "notebooks"
    prefix, course_utils_file = kernel_python_and_course_utils(course_venv, folder, tmp_path)
    assert Path(prefix) == course_venv.path
    assert Path(course_utils_file).is_relative_to(course_venv.site_packages())
    executed = execute_notebooks(course_venv, [folder / name for name in NOTEBOOKS], tmp_path)
    assert stream_text(executed[0]).startswith(f"course ready: torch {pinned_torch()}, seed 0\n")
