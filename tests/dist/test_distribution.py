"""The built course, away from this repository: the wheel and sdist hold the whole package, and the notebooks run.

The wheel and sdist are built from a copy of the repository with `python -m
build` (the wheel from the sdist, as PyPI users would get it). The wheel is
installed, not editable, into the environment of `course_venv` (see
conftest.py), `notebooks/` alone is copied to a folder outside the repository,
and every notebook there is executed with nbconvert on that environment's own
`python3` kernel; one runs with papermill too.
"""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import nbformat
import pytest
from installed_course import (
    KERNEL_STARTUP_S,
    ROOT,
    Venv,
    copy_of_repository,
    execute_notebooks,
    kernel_python_and_course_utils,
    stream_text,
)
from packaging.requirements import Requirement

PAPERMILL_NOTEBOOK = "09_test_yourself.ipynb"


def package_files() -> set[str]:
    """Every file of course_utils in the repository (code, quiz banks, assets), as paths inside the package."""
    listed = subprocess.run(
        ["git", "ls-files", "course_utils"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return {name for name in listed if (ROOT / name).is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The wheel and the sdist, built from a copy of the repository."""
    base = tmp_path_factory.mktemp("build")
    copy = copy_of_repository(base / "repo")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(base / "dist"), str(copy)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"python -m build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    (wheel,) = (base / "dist").glob("*.whl")
    (sdist,) = (base / "dist").glob("*.tar.gz")
    return wheel, sdist


@pytest.fixture(scope="module")
def installed_wheel(built: tuple[Path, Path], course_venv: Venv) -> Venv:
    """`course_venv` with the course from the wheel only: whatever installed it before is uninstalled first."""
    course_venv.run(course_venv.python, "-m", "pip", "uninstall", "--yes", "birnn-course")
    leftover = course_venv.python_prints("import importlib.util; print(importlib.util.find_spec('course_utils'))")
    assert leftover.strip() == "None", f"uninstalling the course left course_utils behind: {leftover}"
    # With JupyterLab (the `lab` extra), whose nbconvert runs the notebooks, as a learner's `make lab` has it.
    course_venv.run(course_venv.python, "-m", "pip", "install", "-c", ROOT / "constraints.txt", f"{built[0]}[lab]")
    return course_venv


@pytest.fixture(scope="module")
def notebooks_elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of notebooks/ alone, in a folder that has nothing else of the repository."""
    folder = tmp_path_factory.mktemp("elsewhere") / "notebooks"
    folder.mkdir()
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        (folder / notebook.name).write_bytes(notebook.read_bytes())
    return folder


def test_the_wheel_holds_every_file_of_the_package(built):
    with zipfile.ZipFile(built[0]) as wheel:
        missing = package_files() - set(wheel.namelist())
    assert not missing, f"the wheel lacks {sorted(missing)}: list them in [tool.setuptools.package-data]"


def test_the_wheel_holds_no_worked_solution_nor_hidden_grading_case(built):
    """A graded class installs the package (INSTRUCTORS.md): it must not hand over the answers."""
    with zipfile.ZipFile(built[0]) as wheel:
        names = wheel.namelist()
        text = "\n".join(wheel.read(name).decode("utf-8", "replace") for name in names)
    assert not [name for name in names if name.startswith(("solutions/", "tools/", "exercises/"))]
    blocks = [
        block.split("\n", 1)[1]  # the worked code of each solution block, without its marker line
        for notebook in (ROOT / "solutions").glob("*.ipynb")
        for cell in json.loads(notebook.read_text())["cells"]
        for block in "".join(cell["source"]).split("# BEGIN SOLUTION")[1:]
    ]
    hidden_modules = (ROOT / "tools" / "grading" / "hidden").glob("lesson*.py")
    hidden = [path.read_text().split('"""', 2)[2] for path in hidden_modules]  # each module after its docstring
    assert len(blocks) > 20 and len(hidden) == 9
    shipped = [code for code in blocks + hidden if code.split("# END SOLUTION")[0].strip() in text]
    # Exercise 08's first task practises what lesson 08 shows and its package holds (space_labels, in
    # course_utils.lessons.word_segmentation, which the lesson and the check use): the one answer that ships.
    assert [code for code in shipped if "words = sentence.split()" not in code] == []
    assert len(shipped) <= 1


def test_the_sdist_holds_the_package_and_what_builds_and_licenses_it(built):
    with tarfile.open(built[1]) as sdist:
        top = sdist.getnames()[0].split("/")[0]
        names = {name.removeprefix(f"{top}/") for name in sdist.getnames()}
    missing = (package_files() | {"pyproject.toml", "README.md", "LICENSE"}) - names
    assert not missing, f"the sdist lacks {sorted(missing)}"


def test_the_wheel_asks_for_jupyterlab_only_through_the_lab_extra(built):
    """A kernel environment (Colab, a JupyterHub's user image) gets only what the notebooks import."""
    with zipfile.ZipFile(built[0]) as wheel:
        (metadata_name,) = [name for name in wheel.namelist() if name.endswith(".dist-info/METADATA")]
        metadata = wheel.read(metadata_name).decode("utf-8")
    requirements = [
        Requirement(line.removeprefix("Requires-Dist: "))
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist: ")
    ]
    (jupyterlab,) = [r for r in requirements if r.name == "jupyterlab"]
    assert jupyterlab.marker is not None and jupyterlab.marker.evaluate({"extra": "lab"})
    assert not jupyterlab.marker.evaluate({"extra": ""}), "JupyterLab would come with every install of the course"
    assert "lab" in [line.removeprefix("Provides-Extra: ") for line in metadata.splitlines()]


def test_the_wheel_installs_the_course_not_editable(installed_wheel):
    course_utils_file = installed_wheel.python_prints("import course_utils; print(course_utils.__file__)").strip()
    assert Path(course_utils_file).is_relative_to(installed_wheel.site_packages())


def test_every_notebook_runs_from_a_folder_outside_the_repository(installed_wheel, notebooks_elsewhere, tmp_path):
    prefix, course_utils_file = kernel_python_and_course_utils(installed_wheel, notebooks_elsewhere, tmp_path)
    assert Path(prefix) == installed_wheel.path
    assert Path(course_utils_file).is_relative_to(installed_wheel.site_packages())
    notebooks = sorted(notebooks_elsewhere.glob("*.ipynb"))
    assert [n.name for n in notebooks] == sorted(n.name for n in (ROOT / "notebooks").glob("*.ipynb"))
    for executed in execute_notebooks(installed_wheel, notebooks, tmp_path):
        assert stream_text(executed).startswith("course ready: torch "), f"{executed.name} did not set up"


def test_papermill_runs_a_notebook_on_the_installed_course(installed_wheel, notebooks_elsewhere, tmp_path):
    # the version range the test extra names, so this and `make setup` agree
    (papermill,) = [r.split(";")[0] for r in importlib.metadata.requires("birnn-course") if r.startswith("papermill")]
    installed_wheel.run(installed_wheel.python, "-m", "pip", "install", "-c", ROOT / "constraints.txt", papermill)
    output = tmp_path / PAPERMILL_NOTEBOOK
    installed_wheel.run(
        installed_wheel.path / "bin" / "papermill",
        notebooks_elsewhere / PAPERMILL_NOTEBOOK,
        output,
        "--cwd",
        notebooks_elsewhere,
        "--start-timeout",
        str(KERNEL_STARTUP_S),
    )
    notebook = nbformat.read(output, as_version=4)
    assert notebook.metadata.papermill.exception is None
    assert stream_text(output).startswith("course ready: torch ")
