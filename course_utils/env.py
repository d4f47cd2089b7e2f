"""Environment set-up for the notebooks: dependency check, seeds, device choice."""

from __future__ import annotations

import importlib
import random
from collections.abc import Sequence
from typing import TYPE_CHECKING

# (import name, pip name) of what the notebooks need at run time.
REQUIRED_PACKAGES = (
    ("torch", "torch"),
    ("numpy", "numpy"),
    ("matplotlib", "matplotlib"),
    ("ipywidgets", "ipywidgets"),
    ("tqdm", "tqdm"),
)

if TYPE_CHECKING:  # for annotations only
    import torch
INSTALL_HINT = "run `make lab` from the course folder, or `pip install -e .` in your environment"

# One thread for torch's CPU kernels: the course's models are tiny, so this
# costs little time, and it makes a run repeatable on one machine (sums are
# not split across threads in a varying way). It does not make two CPUs agree
# bit for bit: their vector kernels round differently, which is why stored
# notebook outputs compare facts and claims, not trained digits.
TORCH_THREADS = 1


def require_packages(packages: Sequence[tuple[str, str]] = REQUIRED_PACKAGES) -> dict[str, str]:
    """Import each `(import name, pip name)` pair and return their versions.

    Raises ImportError naming every missing package and the command that installs it.
    """
    versions, missing = {}, []
    for module_name, pip_name in packages:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            missing.append(pip_name)
        else:
            versions[module_name] = getattr(module, "__version__", "unknown")
    if missing:
        raise ImportError(
            f"The course needs {', '.join(missing)}, which this Python cannot import. "
            f"To fix it, {INSTALL_HINT} (or `pip install {' '.join(missing)}`), "
            "then restart the kernel."
        )
    return versions


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and torch, and make torch's CPU results repeatable."""
    import numpy as np
    import torch

    from .validation import check_int

    check_int("seed", seed, minimum=0)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(TORCH_THREADS)
    torch.use_deterministic_algorithms(True, warn_only=True)


def pick_device(device: str | torch.device | None = None) -> torch.device:
    """Return `device` as a torch.device if given, else the best one here: CUDA, MPS, then CPU."""
    import torch

    if device is not None:
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def setup_notebook(seed: int = 0) -> None:
    """First cell of every notebook: check packages, seed everything, print one summary line."""
    versions = require_packages()
    seed_everything(seed)
    print(f"course ready: torch {versions['torch'].split('+')[0]}, seed {seed}")


def environment_report() -> str:
    """Versions of Python and the course's packages, and the device torch will use."""
    import sys

    lines = [f"Python      {sys.version.split()[0]}"]
    lines += [f"{name:<11} {version}" for name, version in require_packages().items()]
    lines.append(f"device      {pick_device()}")
    return "\n".join(lines)
