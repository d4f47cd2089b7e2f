"""The Makefile from a folder whose path has spaces: every path it builds stays inside the repository (issue 27).

Each test copies the Makefile into a throwaway folder with a stand-in `.venv`
whose programs only record how they were called, so `make` runs its real
recipes in seconds without installing or testing anything.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("python", "lint-imports", "ruff", "mypy", "actionlint", "jupyter")
RECORDER = """#!/bin/sh
printf '%s|HOME=%s|JUPYTER_CONFIG_DIR=%s|IPYTHONDIR=%s\\n' "$(basename "$0") $*" "$HOME" "$JUPYTER_CONFIG_DIR" \\
    "$IPYTHONDIR" >> "$CALLS"
"""

pytestmark = pytest.mark.skipif(shutil.which("make") is None or os.name != "posix", reason="needs make and a shell")


def repository_at(folder: Path) -> Path:
    """A stand-in repository at `folder`: the real Makefile, an installed-looking .venv of recorders."""
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "Makefile", folder / "Makefile")
    for name in ("pyproject.toml", "constraints.txt"):
        (folder / name).write_text("")
        os.utime(folder / name, (1_000_000, 1_000_000))  # older than the install stamp: nothing to install
    bin_folder = folder / ".venv" / "bin"
    bin_folder.mkdir(parents=True)
    # make lint's cffconvert lives in an environment of its own inside the venv
    cffconvert_bin = folder / ".venv" / "cffconvert" / "bin"
    cffconvert_bin.mkdir(parents=True)
    for program in [bin_folder / tool for tool in TOOLS] + [cffconvert_bin / "cffconvert"]:
        program.write_text(RECORDER)
        program.chmod(0o755)
    (folder / ".venv" / ".course-installed").write_text("")
    return folder


def make(folder: Path, target: str, calls: Path, *variables: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CALLS": str(calls)}
    command = ["make", target, *variables]
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=60)


def commands(calls: Path) -> list[str]:
    """The recorded calls, each as `program arguments` without the environment that was recorded with it."""
    return [line.split("|")[0] for line in calls.read_text().splitlines()]


def test_make_test_fast_from_a_path_with_spaces_keeps_test_home_inside_the_repository(tmp_path):
    repository = repository_at(tmp_path / "my courses" / "birnn course")
    calls = tmp_path / "calls.log"
    result = make(repository, "test-fast", calls)
    assert result.returncode == 0, result.stderr
    pytest_call = next(line for line in calls.read_text().splitlines() if line.startswith("python -m pytest"))
    home = repository / ".test-home"
    assert f"|HOME={home}|JUPYTER_CONFIG_DIR={home}/.jupyter|IPYTHONDIR={home}/.ipython" in pytest_call
    assert home.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calls.log", "my courses"]
    assert sorted(p.name for p in repository.iterdir()) == [
        ".test-home",
        ".venv",
        "Makefile",
        "constraints.txt",
        "pyproject.toml",
    ]


def test_make_clean_from_a_path_with_spaces_removes_only_its_own_folders(tmp_path):
    bait = tmp_path / "my"  # what an unquoted "…/my courses/…" would name first
    bait.mkdir()
    repository = repository_at(tmp_path / "my courses" / "birnn course")
    (repository / ".test-home").mkdir()
    result = make(repository, "clean", tmp_path / "calls.log")
    assert result.returncode == 0, result.stderr
    assert bait.is_dir() and not (repository / ".test-home").exists() and not (repository / ".venv").exists()
    assert (repository / "Makefile").exists()


def test_a_path_make_cannot_quote_stops_make_at_once_saying_why(tmp_path):
    repository = repository_at(tmp_path / "o'brien" / "course")
    calls = tmp_path / "calls.log"
    result = make(repository, "test-fast", calls)
    assert result.returncode != 0 and not calls.exists()
    assert "single quote" in result.stderr and "o'brien" in result.stderr


def test_make_setup_installs_jupyterlab_through_the_lab_extra_with_the_test_tools_pinned(tmp_path):
    repository = repository_at(tmp_path / "course")
    (repository / ".venv" / ".course-installed").unlink()  # as after a change to pyproject.toml
    calls = tmp_path / "calls.log"
    result = make(repository, "setup", calls, f"PYTHON={repository / '.venv' / 'bin' / 'python'}")
    assert result.returncode == 0, result.stderr
    assert "python -m pip install --quiet -c constraints.txt -e .[lab,test]" in commands(calls)


def test_make_lab_gives_the_venv_s_jupyterlab_the_course_settings_before_it_starts_it(tmp_path):
    repository = repository_at(tmp_path / "course")
    calls = tmp_path / "calls.log"
    result = make(repository, "lab", calls)
    assert result.returncode == 0, result.stderr
    ran = commands(calls)
    assert ran[0] == "python -m tools.lab_settings" and ran[1].startswith("jupyter lab "), ran
