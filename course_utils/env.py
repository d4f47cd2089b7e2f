"""Environment set-up for the notebooks: where they run, what is missing there, seeds, device choice."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import random
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .validation import check_bool, check_choice

# (import name, pip name) of what the notebooks need at run time.
REQUIRED_PACKAGES = (
    ("torch", "torch"),
    ("numpy", "numpy"),
    ("matplotlib", "matplotlib"),
    ("ipywidgets", "ipywidgets"),
    ("tqdm", "tqdm"),
)
# The quizzes are ipywidgets 8 widgets (pyproject.toml asks for >=8,<9).
IPYWIDGETS_MAJOR = 8
# PyTorch's own package index of CPU-only builds (pip's --index-url).
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# The oldest torch the course runs on: pyproject.toml asks for "torch>=TORCH_FLOOR" and environment.yml
# for the same (tests check both). torch 2.1 lacks torch.utils.deterministic.fill_uninitialized_memory,
# which seed_everything turns off; `make test-versions` runs every test on this torch and on the newest.
TORCH_FLOOR = "2.2"
# The first torch built for NumPy 2: an older one prints a long warning when imported next to NumPy 2,
# and every tensor-to-array conversion raises "Numpy is not available". Such a torch needs "numpy<2".
TORCH_NUMPY2 = "2.3"

if TYPE_CHECKING:  # for annotations only
    import torch

# Where a notebook can run, as the set-up check names it; each has its own way to install what is missing.
SETTINGS = {
    "course_venv": "the course's own .venv (from `make lab`)",
    "binder": "Binder",
    "jupyterhub": "a JupyterHub",
    "colab": "Google Colab",
    "other": "a Python environment of your own",
}
# How to make an install last, in each setting (after `%pip install` has fixed this kernel).
LASTING_INSTALL = {
    "course_venv": "to set up the whole course again, run `make setup` in a terminal in the course folder",
    "binder": "it lasts for this session only: Binder's image gets the course's packages from binder/postBuild",
    "jupyterhub": "for every learner of the class, the hub's image needs `pip install <the course's repository>`",
    "colab": "Colab forgets it when the runtime is recycled: run it again in a new session",
    "other": "or, in a terminal, `{python} -m pip install {packages}`",
}

# One thread for torch's CPU kernels: the course's models are tiny, so this
# costs little time, and it makes a run repeatable on one machine (sums are
# not split across threads in a varying way). It does not make two CPUs agree
# bit for bit: their vector kernels round differently, which is why stored
# notebook outputs compare facts and claims, not trained digits.
TORCH_THREADS = 1


@dataclass(frozen=True)
class Finding:
    """One thing the set-up check found: what is wrong (or worth knowing) and the exact fix."""

    problem: str
    fix: str


def detect_setting(
    environ: Mapping[str, str] | None = None, modules: Mapping[str, object] | None = None, prefix: str | None = None
) -> str:
    """Which of SETTINGS this Python runs in, told by what each one sets up (defaults: this process's own).

    Colab imports `google.colab` into its kernels; BinderHub sets BINDER_* variables (before the
    JupyterHub check, since Binder runs a JupyterHub too); a hub's servers get JUPYTERHUB_API_URL;
    `make lab` runs the `.venv` next to the course's Makefile.
    """
    environ = os.environ if environ is None else environ
    modules = sys.modules if modules is None else modules
    venv = Path(sys.prefix if prefix is None else prefix)
    if "google.colab" in modules or "COLAB_RELEASE_TAG" in environ:
        return "colab"
    if "BINDER_REPO_URL" in environ or "BINDER_LAUNCH_HOST" in environ:
        return "binder"
    if "JUPYTERHUB_API_URL" in environ:
        return "jupyterhub"
    if venv.name == ".venv" and (venv.parent / "Makefile").is_file() and (venv.parent / "notebooks").is_dir():
        return "course_venv"
    return "other"


def install_fix(setting: str, packages: Sequence[str]) -> str:
    """The exact fix for `packages` (pip requirement strings) missing in `setting`: install now, then make it last."""
    check_choice("setting", setting, list(SETTINGS))
    if not packages:
        raise ValueError("packages must name at least one package to install, got none")
    quoted = " ".join(f'"{p}"' if any(c in p for c in "<>=!~,; ") else p for p in packages)
    lasting = LASTING_INSTALL[setting].format(python=sys.executable, packages=quoted)
    now = f"run `%pip install {quoted}` in a cell (it installs into this kernel's Python), then restart the kernel"
    return f"{now}; {lasting}"


def installed_versions(packages: Sequence[tuple[str, str]] = REQUIRED_PACKAGES) -> tuple[dict[str, str], list[str]]:
    """Find each `(import name, pip name)` pair: the versions of those found, and the pip names of those missing.

    torch is imported (every notebook needs it at once); the others are found without importing them,
    by their import spec and pip's metadata, so that a lesson pays for matplotlib or ipywidgets only
    in the cell that first uses them, not in its first cell.
    """
    versions, missing = {}, []
    for module_name, pip_name in packages:
        if module_name == "torch":
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                missing.append(pip_name)
            else:
                versions[module_name] = getattr(module, "__version__", "unknown")
        elif importlib.util.find_spec(module_name) is None:
            missing.append(pip_name)
        else:
            versions[module_name] = distribution_version(pip_name) or "unknown"
    return versions, missing


def release(version: str) -> tuple[int, ...]:
    """The release numbers a version string starts with: "2.2.0+cpu" -> (2, 2, 0); () when it starts with none."""
    found = re.match(r"\d+(?:\.\d+)*", version.strip())
    return tuple(int(part) for part in found.group().split(".")) if found else ()


def distribution_version(name: str) -> str | None:
    """The installed version of the pip distribution `name`, read from its metadata (nothing is imported); None
    when it is not installed or has no metadata."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def torch_version_findings(torch_version: str | None, numpy_version: str | None, setting: str) -> list[Finding]:
    """A torch older than TORCH_FLOOR, or a torch older than TORCH_NUMPY2 next to NumPy 2: what is wrong, the fix."""
    check_choice("setting", setting, list(SETTINGS))
    if torch_version is None:
        return []
    if release(torch_version) < release(TORCH_FLOOR):
        return [
            Finding(
                f"torch {torch_version} is installed, and the course needs torch {TORCH_FLOOR} or newer",
                install_fix(setting, [f"torch>={TORCH_FLOOR}"]),
            )
        ]
    if numpy_version is not None and release(torch_version) < release(TORCH_NUMPY2) and release(numpy_version) >= (2,):
        return [
            Finding(
                f"torch {torch_version} cannot use NumPy {numpy_version}: a torch older than {TORCH_NUMPY2} "
                "was built for NumPy 1",
                install_fix(setting, ["numpy<2"]),
            )
        ]
    return []


def require_packages(
    packages: Sequence[tuple[str, str]] = REQUIRED_PACKAGES, setting: str | None = None
) -> dict[str, str]:
    """Import each `(import name, pip name)` pair and return their versions.

    Raises ImportError naming every missing package, or a torch too old for the course (told from its
    metadata, before torch is imported), with the exact fix where the notebook runs (`setting`, one of
    SETTINGS; detected if not given).
    """
    if any(module_name == "torch" for module_name, _ in packages):
        setting = detect_setting() if setting is None else setting
        versions_found = torch_version_findings(distribution_version("torch"), distribution_version("numpy"), setting)
        if versions_found:
            (finding,) = versions_found
            raise ImportError(
                f"{finding.problem} (this Python: {sys.executable}). To fix it in {SETTINGS[setting]}: {finding.fix}."
            )
    versions, missing = installed_versions(packages)
    if missing:
        setting = detect_setting() if setting is None else setting
        raise ImportError(
            f"The course needs {', '.join(missing)}, which this Python ({sys.executable}) cannot import. "
            f"To fix it in {SETTINGS[setting]}: {install_fix(setting, missing)}."
        )
    return versions


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and torch (every device: torch.manual_seed seeds CUDA's generators too), and make
    torch's results repeatable: one CPU thread, so sums add up in one order; on a GPU, where the device
    policy (`pick_device`) opts in to one, deterministic algorithms too (`repeatable_on_gpu`)."""
    import numpy as np
    import torch

    from .validation import check_int

    check_int("seed", seed, minimum=0)
    random.seed(seed)
    np.random.seed(seed)
    # cuBLAS picks its reductions by workspace; a fixed one makes CUDA matrix products repeatable. It must be
    # set before CUDA starts, and changes nothing on a CPU.
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.manual_seed(seed)
    torch.backends.cudnn.benchmark = False  # cuDNN would otherwise time kernels and keep whichever won
    torch.set_num_threads(TORCH_THREADS)
    if pick_device().type != "cpu":
        repeatable_on_gpu()


def repeatable_on_gpu() -> None:
    """Ask torch for deterministic algorithms: a GPU's kernels may add up in any order, and this makes them
    repeat (where an operation has no deterministic form, torch warns).

    A CPU run on one thread repeats without it, and the switch costs a CPU lesson about a second of its
    first cell: it imports torch._inductor. `seed_everything` and `train` call it for a GPU only.
    """
    import torch

    torch.use_deterministic_algorithms(True, warn_only=True)
    # With deterministic algorithms on, torch also fills every new uninitialized tensor with NaN, a
    # debugging aid that repeatability does not need. torch.profiler shows what it costs: about a
    # tenth of a CPU LSTM training step, whose oneDNN workspace is tens of MB per call.
    torch.utils.deterministic.fill_uninitialized_memory = False  # type: ignore[attr-defined]  # set by torch at import


def usable_cpus() -> int:
    """How many CPUs this process may run on: its affinity where the system tells it (Linux), else all."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


# The course's one device policy: the CPU, unless a call names a device or this variable does.
DEVICE_VARIABLE = "BIRNN_COURSE_DEVICE"


def pick_device(device: str | torch.device | None = None) -> torch.device:
    """The device to run on: `device` if given (and usable here), else the course's default.

    The default is the CPU, where every lesson's stored outputs come from and the course's small
    models train fastest; BIRNN_COURSE_DEVICE ("cuda", "cuda:1", "mps", or "auto" for the best device
    here: CUDA, then MPS, then the CPU) opts in to another for every training, evaluation and
    prediction that names none. device: None, a name such as "cpu", "cuda", "cuda:1", "mps", or a
    torch.device. A device this machine lacks raises ValueError naming the devices it has.
    """
    import torch

    usable = available_devices()
    if device is None:
        chosen = os.environ.get(DEVICE_VARIABLE, "").strip() or "cpu"
        if chosen == "auto":
            return torch.device(usable[0])
        return _usable_device(chosen, usable, f"{DEVICE_VARIABLE}={chosen}")
    if isinstance(device, bool) or not isinstance(device, (str, torch.device)):
        raise TypeError(
            f"device must be None, a device name such as 'cpu' or 'cuda', or a torch.device, got "
            f"{type(device).__name__} {device!r}"
        )
    return _usable_device(device, usable, f"device {device!r}")


def _usable_device(device: str | torch.device, usable: list[str], source: str) -> torch.device:
    """`device` as a torch.device if this machine has it; a ValueError naming `source` and the usable ones."""
    import torch

    try:
        chosen = torch.device(device)
    except RuntimeError:
        raise ValueError(f"{source} is not a device name: use one of {usable} (or leave it out for the CPU)") from None
    if chosen.type not in usable:
        raise ValueError(
            f"{source} is not available on this machine (its torch build or hardware has no "
            f"{chosen.type.upper()} support); available here: {', '.join(usable)}. Leave it out to run on the "
            "CPU, or name one of them"
        )
    count = torch.cuda.device_count() if chosen.type == "cuda" else 0
    if chosen.type == "cuda" and chosen.index is not None and chosen.index >= count:
        raise ValueError(
            f"{source} asks for GPU {chosen.index} but this machine has {count} (cuda:0 to cuda:{count - 1})"
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


# Set (to "1") in a kernel whose notebook is a worked solution, by its first cell's
# `setup_notebook(worked_solution=True)`: `course_utils.learner.saving` then saves none of its checks'
# verdicts, in any front end. An environment variable, since the learner room never imports this module.
WORKED_SOLUTION_VARIABLE = "BIRNN_COURSE_WORKED_SOLUTION"


def setup_notebook(seed: int = 0, worked_solution: bool = False) -> None:
    """First cell of every notebook: check packages, seed everything, print one summary line.

    worked_solution: True in the first cell of a notebook in `solutions/` (the exercise generator
    writes `setup_notebook()` in its exercise): the checks it runs are not saved as the learner's
    progress, since running the answer is not solving the exercise. False (every other notebook)
    clears what an earlier call in the same kernel said.
    """
    check_bool("worked_solution", worked_solution)
    if worked_solution:
        os.environ[WORKED_SOLUTION_VARIABLE] = "1"
    else:
        os.environ.pop(WORKED_SOLUTION_VARIABLE, None)
    versions = require_packages()
    seed_everything(seed)
    print(f"course ready: torch {versions['torch'].split('+')[0]}, seed {seed}")


def widgets_findings(ipywidgets_version: str, has_jupyterlab_widgets: bool, setting: str) -> list[Finding]:
    """What keeps the quizzes from showing as widgets: the wrong ipywidgets, or no widget front end for JupyterLab."""
    findings = []
    if not ipywidgets_version.startswith(f"{IPYWIDGETS_MAJOR}."):
        findings.append(
            Finding(
                f"ipywidgets {ipywidgets_version} is installed; the quizzes are ipywidgets {IPYWIDGETS_MAJOR} widgets",
                install_fix(setting, [f"ipywidgets>={IPYWIDGETS_MAJOR},<{IPYWIDGETS_MAJOR + 1}"]),
            )
        )
    if not has_jupyterlab_widgets and setting != "colab":  # Colab's own front end draws the widgets
        findings.append(
            Finding(
                "jupyterlab_widgets (JupyterLab's half of ipywidgets) is missing here, so a JupyterLab run "
                "from this environment shows widgets as plain text",
                "`pip install jupyterlab_widgets` in the environment that runs JupyterLab (on a JupyterHub, "
                "in the hub's image), then reload the page",
            )
        )
    return findings


def torch_build_findings(
    torch_version: str, cuda_version: str | None, gpu_available: bool, setting: str
) -> list[Finding]:
    """A CUDA build of torch without a GPU: it works (on the CPU) but takes gigabytes a CPU build would not."""
    if cuda_version is None or gpu_available or setting == "colab":  # Colab chooses its torch itself
        return []
    return [
        Finding(
            f"torch {torch_version} is a CUDA {cuda_version} build, and this machine has no GPU: the course runs fine "
            "on the CPU, but this build and the NVIDIA libraries it brought take several GB",
            "only if you want the space back: `pip uninstall torch`, then "
            f"`pip install torch --index-url {TORCH_CPU_INDEX}` (the CPU build, about 190 MB), and "
            "`pip uninstall` the nvidia-* packages",
        )
    ]


def check_setup(setting: str | None = None) -> list[Finding]:
    """Everything the course needs, checked where this kernel runs; an empty list when nothing is missing."""
    setting = detect_setting() if setting is None else setting
    check_choice("setting", setting, list(SETTINGS))
    findings = torch_version_findings(distribution_version("torch"), distribution_version("numpy"), setting)
    versions, missing = installed_versions()
    if missing:
        findings.append(Finding(f"{', '.join(missing)} cannot be imported", install_fix(setting, missing)))
    if "ipywidgets" in versions:
        has_lab_widgets = importlib.util.find_spec("jupyterlab_widgets") is not None
        findings += widgets_findings(versions["ipywidgets"], has_lab_widgets, setting)
    if "torch" in versions:
        import torch

        findings += torch_build_findings(versions["torch"], torch.version.cuda, torch.cuda.is_available(), setting)
    return findings


def environment_report(setting: str | None = None) -> str:
    """Where the notebook runs, the course's version, the versions of Python and the course's packages, the device,
    and what is missing."""
    setting = detect_setting() if setting is None else setting
    lines = [
        f"running in  {SETTINGS[setting]}",
        f"course      birnn-course {__version__}",
        f"Python      {sys.version.split()[0]} ({sys.executable})",
    ]
    versions, _ = installed_versions()
    lines += [f"{name:<11} {version}" for name, version in versions.items()]
    if "torch" in versions:
        lines.append(f"device      {pick_device()}")
    findings = check_setup(setting)
    if not findings:
        lines.append("Nothing is missing.")
    for number, finding in enumerate(findings, start=1):
        lines += [f"{number}. {finding.problem}.", f"   Fix: {finding.fix}."]
    return "\n".join(lines)
