"""Every torch the package admits: make test's unit tests and both notebook passes on the oldest and the newest.

`make test-versions` runs this module (`make test-dist` skips it: CI's time has no room for it, see
the Makefile). For each of two targets it copies the repository, creates the copy's own `.venv` and
installs the course there as `make setup` does, with another torch:

- floor: the oldest torch pyproject.toml admits (`torch==TORCH_FLOOR`, course_utils/env.py), with
  NumPy 1 (a torch older than TORCH_NUMPY2 needs it), on the Python that runs these tests (CI's 3.11);
- newest: the newest torch release, with the NumPy pip picks for it, on the newest Python found here
  (pyenv's versions and `python3.N` on PATH).

Then it runs, in the copy, make test's own commands for the unit tests, the usual nbval pass and the
other-CPU pass (tools.other_cpu), as `make -n test` prints them, so they stay make test's exactly.

pip reads no configuration file here and downloads from PyPI alone: a machine's cap on torch, a local
wheel folder or a mirror would change which torch is tested. It downloads into a wheel folder of the
repository's own, `.test-home/wheels` (git ignores it; `make clean` deletes it), and installs from that
folder alone, so a second run downloads only what PyPI has newer (pip's own cache needs headers that
not every route to PyPI keeps). PyPI's Linux torch is a CUDA build: the folder grows to about 6 GB,
and each environment takes about 5 GB until its tests end.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from installed_course import COMMAND_TIMEOUT_S, ROOT, copy_of_repository
from packaging.specifiers import SpecifierSet

from course_utils.env import TORCH_FLOOR, TORCH_NUMPY2, release

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10 has no tomllib; tomli is the same parser, published on PyPI
    import tomli as tomllib

# `make test-versions` sets it; without it the module is skipped.
ENABLE = "BIRNN_COURSE_VERSIONS"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get(ENABLE) != "1",
        reason="the oldest and newest torch: `make test-versions` runs it (about 20 minutes, 10 GB of downloads)",
    ),
]
# What each target's `.venv` gets besides the course (pip constraints): the floor, and nothing for the newest.
FLOOR_CONSTRAINTS = (f"torch=={TORCH_FLOOR}", "numpy<2")
# Where pip downloads the targets' wheels to, and installs them from.
WHEELS = ROOT / ".test-home" / "wheels"
# The environment variables pip keeps from the caller: how to reach PyPI, never where else to look.
PIP_KEPT = {"PIP_CERT", "PIP_CLIENT_CERT", "PIP_PROXY", "PIP_DEFAULT_TIMEOUT", "PIP_RETRIES"}
# make test's commands this module runs, each told by what its line holds (see make_test_commands).
STEPS = {
    "unit": ("-m pytest", "tests/unit"),
    "nbval": ("-m pytest", "--nbval", "tests/notebooks"),
    "other_cpu": ("-m tools.other_cpu pytest", "--nbval"),
}


@dataclass(frozen=True)
class Target:
    """Which torch, NumPy and Python one copy of the course is tested on."""

    name: str
    constraints: tuple[str, ...]


TARGETS = [Target("floor", FLOOR_CONSTRAINTS), Target("newest", ())]


@dataclass
class Copy:
    """A copy of the repository with the course installed in its own `.venv`, and make test's commands there."""

    target: Target
    path: Path
    env: dict[str, str]
    commands: dict[str, str]

    @property
    def python(self) -> Path:
        return self.path / ".venv" / "bin" / "python"

    def run(self, *args: str | Path, log: Path | None = None) -> subprocess.CompletedProcess:
        """Run a command in the copy (its executable looked up in the copy's .venv/bin first); fail the test if it
        fails, with the end of its output (all of it in `log`, when given)."""
        command = [str(arg) for arg in args]
        result = subprocess.run(
            command, cwd=self.path, env=self.env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S
        )
        if log is not None:
            log.write_text(f"{result.stdout}\n{result.stderr}", encoding="utf-8")
        assert result.returncode == 0, (
            f"{self.target.name}: `{' '.join(command)}` exited with {result.returncode}"
            f"{f' (its whole output: {log})' if log else ''}:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
        )
        return result

    def prints(self, code: str) -> str:
        return self.run(self.python, "-c", code).stdout.strip()


def pythons() -> dict[tuple[int, ...], Path]:
    """Every CPython 3 found here, by version: this one, pyenv's (PYENV_ROOT, else ~/.pyenv) and python3.N on PATH.

    `~` is the user's own home, not the throwaway HOME that make's test targets set.
    """
    found: dict[tuple[int, ...], Path] = {tuple(sys.version_info[:3]): Path(sys.executable)}
    try:
        import pwd

        home = Path(pwd.getpwuid(os.getuid()).pw_dir)
    except (ImportError, KeyError):  # no pwd (Windows), or a user without an entry
        home = Path.home()
    pyenv = Path(os.environ.get("PYENV_ROOT", home / ".pyenv")) / "versions"
    for folder in pyenv.glob("3.*") if pyenv.is_dir() else []:
        if re.fullmatch(r"3\.\d+\.\d+", folder.name) and (folder / "bin" / "python3").is_file():  # not 3.13.0t
            found[release(folder.name)] = folder / "bin" / "python3"
    for minor in range(10, 40):
        executable = shutil.which(f"python3.{minor}")
        if executable is not None:
            printed = subprocess.run(
                [executable, "-c", "import sys; print('.'.join(map(str, sys.version_info[:3])))"],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            ).stdout
            if re.fullmatch(r"3\.\d+\.\d+\s*", printed):
                found.setdefault(release(printed), Path(executable))
    return found


def newest_python() -> Path:
    found = pythons()
    return found[max(found)]


def pip_env(base: dict[str, str]) -> dict[str, str]:
    """`base` for pip: no configuration file, no other index or wheel folder, no cache but WHEELS."""
    env = {key: value for key, value in base.items() if not key.startswith("PIP_") or key in PIP_KEPT}
    env.update({"PIP_CONFIG_FILE": os.devnull, "PIP_NO_CACHE_DIR": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    return env


def build_requirements() -> list[str]:
    """What builds the course (pyproject.toml's build-system.requires): pip installs it from WHEELS too."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]["requires"]


def make_test_commands(copy: Path, env: dict[str, str]) -> dict[str, str]:
    """make test's command lines for each of STEPS, in `copy`, as `make -n test` prints them (run with bash)."""
    printed = subprocess.run(
        ["make", "--no-print-directory", "-n", "test"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.splitlines()
    commands = {}
    for step, parts in STEPS.items():
        lines = [line for line in printed if all(part in line for part in parts)]
        assert len(lines) == 1, f"make test should have one {step} command (holding {parts}), has {lines}"
        commands[step] = lines[0]
    return commands


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's files as they were when the run began: both targets test the same files, even when
    the working tree changes during the run's minutes."""
    return copy_of_repository(tmp_path_factory.mktemp("versions-snapshot") / "repo")


@pytest.fixture(scope="module", params=TARGETS, ids=[target.name for target in TARGETS])
def course_copy(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, snapshot: Path
) -> Iterator[Copy]:
    """A copy of the repository with the course installed in its `.venv` on the target's torch; deleted after."""
    target: Target = request.param
    base = tmp_path_factory.mktemp(f"versions-{target.name}")
    path = Path(shutil.copytree(snapshot, base / "repo", symlinks=True))
    python = Path(sys.executable) if target.name == "floor" else newest_python()
    subprocess.run([str(python), "-m", "venv", str(path / ".venv")], check=True, timeout=COMMAND_TIMEOUT_S)
    # What an outer make hands its children (MAKEFLAGS: e.g. PYTEST_ARGS) must not reach make test's commands.
    dropped = {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
    env = pip_env({key: value for key, value in os.environ.items() if key not in dropped})
    env["PATH"] = f"{path / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"
    copy = Copy(target, path, env, {})
    constraints = base / "constraints.txt"
    constraints.write_text("".join(f"{line}\n" for line in target.constraints))
    pip = (copy.python, "-m", "pip")
    WHEELS.mkdir(parents=True, exist_ok=True)
    copy.run(*pip, "download", "--quiet", "--dest", WHEELS, "-c", constraints, *build_requirements(), ".[test]")
    # --no-compile: compiling every module of torch and its CUDA libraries takes as long as the rest of the install
    offline = ("--no-index", "--find-links", WHEELS)
    copy.run(*pip, "install", "--quiet", "--no-compile", *offline, "-c", constraints, "-e", ".[test]")
    (path / ".test-home").mkdir()
    copy.commands = make_test_commands(path, env)
    yield copy
    shutil.rmtree(base, ignore_errors=True)  # about 5 GB


def test_the_copy_runs_the_torch_numpy_and_python_of_its_target(course_copy):
    torch_version, numpy_version, python_version = course_copy.prints(
        "import platform, numpy, torch; print(torch.__version__, numpy.__version__, platform.python_version())"
    ).split()
    print(f"{course_copy.target.name}: torch {torch_version}, NumPy {numpy_version}, Python {python_version}")
    if course_copy.target.name == "floor":
        assert SpecifierSet(f"=={TORCH_FLOOR}").contains(torch_version), torch_version
        assert release(numpy_version) < (2,), f"torch {torch_version} (before {TORCH_NUMPY2}) needs NumPy 1"
        assert release(python_version) == tuple(sys.version_info[:3])
    else:
        listed = course_copy.run(course_copy.python, "-m", "pip", "index", "versions", "torch").stdout
        newest = re.match(r"torch \((\S+)\)", listed)
        assert newest is not None, listed
        assert torch_version.split("+")[0] == newest.group(1), f"pip installed torch {torch_version}, not the newest"
        assert release(python_version) == max(pythons())


@pytest.mark.parametrize("step", list(STEPS))
def test_make_tests_step_passes(course_copy, step, tmp_path):
    """make test's unit tests, its nbval pass and its other-CPU nbval pass, in the copy, on the target's torch."""
    course_copy.run("bash", "-c", course_copy.commands[step], log=tmp_path / f"{course_copy.target.name}-{step}.log")
