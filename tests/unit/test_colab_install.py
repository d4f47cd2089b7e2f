"""The Colab install at the top of every notebook's first code cell (written by tools/launch_links.py).

On Colab the course is not installed when a notebook opens, so the cell installs its release before it
imports course_utils; anywhere else it must do nothing. No real Colab runs here: Colab is stood in for
by a stub `google.colab` module, and the release by a wheel built from this checkout, found by pip
with no index (PIP_NO_INDEX, PIP_FIND_LINKS) through BIRNN_COURSE_REQUIREMENT.
"""

import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10 has no tomllib; tomli is the same parser
    import tomli as tomllib

import course_utils
from tests.dist.installed_course import copy_of_repository
from tools.launch_links import REQUIREMENT_VARIABLE, colab_install

ROOT = Path(__file__).resolve().parents[2]
EVERY_NOTEBOOK = [
    path for folder in ("notebooks", "solutions", "exercises") for path in sorted((ROOT / folder).glob("*.ipynb"))
]
COMMAND_TIMEOUT_S = 600


def build_backend_here() -> bool:
    """Whether this environment has what pyproject.toml's build-system requires (setuptools>=77)."""
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]["requires"]
    for line in requires:
        requirement = Requirement(line)
        try:
            if not requirement.specifier.contains(importlib.metadata.version(requirement.name), prereleases=True):
                return False
        except importlib.metadata.PackageNotFoundError:
            return False
    return True


def first_code(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "".join(next(cell for cell in cells if cell["cell_type"] == "code")["source"])


def offline_pip(find_links: Path, requirement: str) -> dict[str, str]:
    """The environment of a kernel whose pip sees no index, only `find_links`, and installs `requirement`."""
    env = {key: value for key, value in os.environ.items() if key not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"}}
    env.update({"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(find_links), REQUIREMENT_VARIABLE: requirement})
    return env


def stub_colab(folder: Path) -> Path:
    """A folder with an empty `google.colab` package: what a kernel on Colab has imported before the first cell."""
    package = folder / "google" / "colab"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('"""A stand-in for Colab\'s own module."""\n', encoding="utf-8")
    return folder


@pytest.mark.parametrize("path", EVERY_NOTEBOOK, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_first_code_cell_installs_this_version_s_release_before_it_imports_the_course(path):
    code = first_code(path)
    assert code.startswith(colab_install(course_utils.__version__)), (
        f"{path.name}'s first code cell does not start with the Colab install of v{course_utils.__version__} "
        "(course_utils.__version__): run `python -m tools.launch_links`, then `make exercises`"
    )
    assert code.index("subprocess.run(") < code.index("from course_utils"), "the install must come before the import"


def test_the_release_is_the_tag_of_the_package_version():
    assert f'@v{course_utils.__version__}"' in colab_install(course_utils.__version__)


def test_outside_colab_the_install_does_nothing_and_prints_nothing(tmp_path):
    # A requirement pip cannot find: had the block run pip, the command would fail.
    env = offline_pip(tmp_path, "no-such-package-for-this-test==1")
    result = subprocess.run(
        [sys.executable, "-c", colab_install(course_utils.__version__)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_with_the_colab_module_loaded_the_install_runs_pip(tmp_path):
    env = offline_pip(tmp_path, "no-such-package-for-this-test==1")
    env["PYTHONPATH"] = str(stub_colab(tmp_path / "stub"))
    code = "import google.colab\n" + colab_install(course_utils.__version__)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S
    )
    assert result.returncode != 0 and "no-such-package-for-this-test" in result.stderr


@pytest.mark.slow
def test_on_colab_the_cell_installs_the_course_from_a_wheel_built_from_the_checkout(tmp_path):
    """The wheel's dependencies are left out (PIP_NO_DEPS): tests/dist installs the wheel with them."""
    wheels = tmp_path / "wheels"
    checkout = copy_of_repository(tmp_path / "checkout")
    # Built with this environment's setuptools when it is one pyproject.toml accepts, else in pip's isolated build
    # (a venv of Python 3.11 comes with an older setuptools, which the oldest torch does not replace).
    isolation = ["--no-build-isolation"] if build_backend_here() else []
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", *isolation, "-w", wheels, checkout],
        check=True,
        timeout=COMMAND_TIMEOUT_S,
    )
    kernel = tmp_path / "kernel-venv"
    subprocess.run([sys.executable, "-m", "venv", kernel], check=True, timeout=COMMAND_TIMEOUT_S)
    env = offline_pip(wheels, f"birnn-course=={course_utils.__version__}")
    env.update({"PYTHONPATH": str(stub_colab(tmp_path / "stub")), "PIP_NO_DEPS": "1"})
    code = (
        "import google.colab\n"
        + colab_install(course_utils.__version__)
        + "import course_utils\nprint(course_utils.__version__)\nprint(course_utils.__file__)"
    )
    result = subprocess.run(
        [kernel / "bin" / "python", "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    version, where = result.stdout.splitlines()
    assert version == course_utils.__version__
    assert Path(where).is_relative_to(kernel), f"course_utils came from {where}, not the kernel's environment"
