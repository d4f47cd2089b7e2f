"""Fixtures for the distribution tests: the course installed as learners install it, away from this repository.

These tests create a virtual environment, install the course into it, and run
notebooks on that environment's own `python3` kernel, so they take minutes:
`make test-dist` (and `.ci/run`) runs them, `make test` does not.

One environment serves both modules, because installing torch into a new one
costs about a minute. `test_binder.py` runs first and installs the course into
the new environment from a copy of the repository, as binder/postBuild does.
`test_distribution.py` then uninstalls it, checks that nothing of the course is
left, and installs the built wheel instead (its dependencies are already there
by then). Either module also passes alone: the wheel's install then brings the
dependencies itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from installed_course import COMMAND_TIMEOUT_S, Venv


@pytest.fixture(scope="session")
def course_venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """A new virtual environment with nothing of the course in it, and a home of its own."""
    base = tmp_path_factory.mktemp("course-venv")
    path = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=COMMAND_TIMEOUT_S)
    home = base / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"}}
    env.update(
        {
            "PATH": f"{path / 'bin'}{os.pathsep}{os.environ['PATH']}",
            # Jupyter's and IPython's files go to the new home; pip keeps the cache of the calling home.
            "HOME": str(home),
            "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
            "JUPYTER_DATA_DIR": str(home / ".local" / "share" / "jupyter"),
            "IPYTHONDIR": str(home / ".ipython"),
            "PIP_CACHE_DIR": str(Path.home() / ".cache" / "pip"),
            "MPLBACKEND": "Agg",
            "PYTHONHASHSEED": "0",
        }
    )
    return Venv(path, env)
