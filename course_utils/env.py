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
    """Return `device` as a torch.device if given and usable here, else the best one here: CUDA, MPS, then CPU.

    device: None, a name such as "cpu", "cuda", "cuda:1", "mps", or a torch.device.
    A device this machine lacks raises ValueError naming the devices it has.
    """
    import torch

    usable = available_devices()
    if device is None:
        return torch.device(usable[0])
    if isinstance(device, bool) or not isinstance(device, (str, torch.device)):
        raise TypeError(
            f"device must be None, a device name such as 'cpu' or 'cuda', or a torch.device, got "
            f"{type(device).__name__} {device!r}"
        )
    try:
        chosen = torch.device(device)
    except RuntimeError:
        raise ValueError(
            f"device {device!r} is not a device name: use one of {usable} (or None to pick the best one here)"
        ) from None
    if chosen.type not in usable:
        raise ValueError(
            f"device {device!r} is not available on this machine (its torch build or hardware has no "
            f"{chosen.type.upper()} support); available here: {', '.join(usable)}. Pass device=None to use the "
            "best of them, or one of them by name"
        )
    count = torch.cuda.device_count() if chosen.type == "cuda" else 0
    if chosen.type == "cuda" and chosen.index is not None and chosen.index >= count:
        raise ValueError(
            f"device {device!r} asks for GPU {chosen.index} but this machine has {count} (cuda:0 to cuda:{count - 1})"
        )
    return chosen


def available_devices() -> list[str]:
    """The device types torch can use here, best first: "cuda" and "mps" when present, "cpu" always."""
    import torch

    found = ["cuda"] if torch.cuda.is_available() else []
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append("mps")
    return [*found, "cpu"]


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
