"""Fixtures and markers shared by every test folder.

* `slow`: notebook execution (nbval and the exercise runs), the browser tests,
  the distribution tests (`make test-dist`), and unit tests that train models
  for seconds. `make test-fast` runs the unit
  tests without them; `make test` runs everything.
* Every test starts with no pyplot figure open, so a test that checks a
  plotting function closed its figure does not see one that another test left.
* `one_torch_thread`: for tests of tiny layers, where thread start-up and
  contention on a busy machine cost more than the work.
* A throwaway progress store (`course_utils.learner.store`): no test ever
  reads or writes the learner's own. The whole run gets one in a temporary
  folder, each test function its own `tmp_path/progress.json`, and each
  notebook nbval runs its own fresh file, set before its kernel starts, so a
  stored output never depends on what other notebooks or tests recorded.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from course_utils.learner import store

ROOT = Path(__file__).resolve().parents[1]
SLOW_FOLDERS = (ROOT / "tests" / "notebooks", ROOT / "tests" / "browser", ROOT / "tests" / "dist")
_STORES = pytest.StashKey[Path]()  # the run's temporary folder of progress stores
_NOTEBOOK_STORES: dict[pytest.Collector, Path] = {}  # the fresh store of each notebook nbval collected


def pytest_configure(config: pytest.Config) -> None:
    """Point the progress store at a file of this run's own, whatever the environment said."""
    folder = Path(tempfile.mkdtemp(prefix="birnn-progress-"))
    config.stash[_STORES] = folder
    os.environ[store.ENV_VAR] = str(folder / "session.json")


def pytest_unconfigure(config: pytest.Config) -> None:
    if _STORES in config.stash:
        shutil.rmtree(config.stash[_STORES], ignore_errors=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Give each notebook's kernel a fresh store: nbval starts the kernel when the first cell is set up.

    A `config.hook`, so it runs for notebooks outside tests/ too (tests/conftest.py is
    loaded whenever tests/unit is collected, as in `make test`).
    """
    if Path(str(item.path)).suffix != ".ipynb" or item.parent is None:
        yield
        return
    if item.parent not in _NOTEBOOK_STORES:
        folder = Path(tempfile.mkdtemp(dir=item.config.stash[_STORES], prefix=f"{item.path.stem}-"))
        _NOTEBOOK_STORES[item.parent] = folder / "progress.json"
    session_store = os.environ[store.ENV_VAR]
    os.environ[store.ENV_VAR] = str(_NOTEBOOK_STORES[item.parent])
    try:
        yield
    finally:
        os.environ[store.ENV_VAR] = session_store


@pytest.fixture(autouse=True)
def throwaway_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test records into its own empty progress file."""
    path = tmp_path / "progress.json"
    monkeypatch.setenv(store.ENV_VAR, str(path))
    return path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark as slow what executes notebooks or drives a browser, wherever pytest found it."""
    for item in items:
        path = Path(str(item.path))
        if path.suffix == ".ipynb" or any(folder in path.parents for folder in SLOW_FOLDERS):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def no_open_figures() -> None:
    """Close every pyplot figure before the test (only if pyplot was imported at all)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


@pytest.fixture
def one_torch_thread() -> Iterator[None]:
    """Run the test on one torch thread, then restore the thread count."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
