"""Fixtures and markers shared by every test folder.

* `slow`: notebook execution (nbval and the exercise runs), the browser tests,
  the distribution tests (`make test-dist`), and unit tests that train models
  for seconds. `make test-fast` runs the unit
  tests without them; `make test` runs everything.
* Every test starts with no pyplot figure open, so a test that checks a
  plotting function closed its figure does not see one that another test left.
* `one_torch_thread`: for tests of tiny layers, where thread start-up and
  contention on a busy machine cost more than the work.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SLOW_FOLDERS = (ROOT / "tests" / "notebooks", ROOT / "tests" / "browser", ROOT / "tests" / "dist")


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
