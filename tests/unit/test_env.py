"""Specification of course_utils.env: the notebooks' set-up cell."""

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from course_utils.env import (
    check_setup,
    detect_setting,
    environment_report,
    install_fix,
    pick_device,
    require_packages,
    seed_everything,
    setup_notebook,
    torch_build_findings,
    usable_cpus,
    widgets_findings,
)

ROOT = Path(__file__).resolve().parents[2]


def test_seed_everything_makes_torch_and_python_repeat():
    seed_everything(3)
    first = (torch.rand(3), random.random())
    seed_everything(3)
    second = (torch.rand(3), random.random())
    assert torch.equal(first[0], second[0]) and first[1] == second[1]


def test_seed_everything_asks_for_deterministic_algorithms_without_filling_every_new_tensor():
    seed_everything(0)
    assert torch.are_deterministic_algorithms_enabled() and torch.get_num_threads() == 1
    assert torch.utils.deterministic.fill_uninitialized_memory is False  # a debugging aid that slows training


def test_usable_cpus_counts_the_cpus_this_process_may_use(monkeypatch):
    assert 1 <= usable_cpus() <= (os.cpu_count() or 1)
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)  # as on macOS and Windows
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert usable_cpus() == 1


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True])
def test_seed_everything_rejects_non_int_or_negative_seeds(bad):
    with pytest.raises((TypeError, ValueError), match="seed"):
        seed_everything(bad)


def test_missing_package_error_names_it_and_the_fix_where_the_notebook_runs():
    with pytest.raises(ImportError, match=r"no_such_pkg_xyz.*Google Colab.*%pip install no_such_pkg_xyz.*restart"):
        require_packages([("torch", "torch"), ("no_such_pkg_xyz", "no_such_pkg_xyz")], setting="colab")


@pytest.mark.parametrize(
    "environ, modules, expected",
    [
        ({}, {"google.colab": object()}, "colab"),
        ({"COLAB_RELEASE_TAG": "release-colab"}, {}, "colab"),
        ({"BINDER_REPO_URL": "https://example.org/repo", "JUPYTERHUB_API_URL": "http://hub/api"}, {}, "binder"),
        ({"JUPYTERHUB_API_URL": "http://hub/api"}, {}, "jupyterhub"),
        ({}, {}, "other"),
    ],
)
def test_detect_setting_tells_each_setting_by_what_it_sets_up(environ, modules, expected):
    assert detect_setting(environ, modules, prefix="/opt/conda") == expected


def test_detect_setting_knows_the_course_venv_by_the_makefile_next_to_it(tmp_path):
    (tmp_path / "Makefile").write_text("")
    (tmp_path / "notebooks").mkdir()
    assert detect_setting({}, {}, prefix=str(tmp_path / ".venv")) == "course_venv"
    assert detect_setting({}, {}, prefix=str(tmp_path / "other-env")) == "other"


@pytest.mark.parametrize(
    "setting, lasting",
    [
        ("course_venv", "make setup"),
        ("binder", "binder/postBuild"),
        ("jupyterhub", "the hub's image needs `pip install"),
        ("colab", "run it again in a new session"),
        ("other", "-m pip install tqdm"),
    ],
)
def test_install_fix_installs_into_the_kernel_now_and_says_how_to_make_it_last(setting, lasting):
    fix = install_fix(setting, ["tqdm"])
    assert fix.startswith("run `%pip install tqdm` in a cell") and "restart the kernel" in fix
    assert lasting in fix


def test_install_fix_quotes_version_ranges_and_rejects_unknown_settings_or_nothing_to_install():
    assert '`%pip install "ipywidgets>=8,<9"`' in install_fix("other", ["ipywidgets>=8,<9"])
    with pytest.raises(ValueError, match="setting must be one of"):
        install_fix("laptop", ["tqdm"])
    with pytest.raises(ValueError, match="packages must name at least one"):
        install_fix("other", [])


def test_widgets_findings_name_an_old_ipywidgets_and_a_missing_jupyterlab_front_end():
    assert widgets_findings("8.1.9", True, "course_venv") == []
    (old,) = widgets_findings("7.7.1", True, "colab")
    assert "ipywidgets 7.7.1" in old.problem and '%pip install "ipywidgets>=8,<9"' in old.fix
    (front_end,) = widgets_findings("8.1.9", False, "jupyterhub")
    assert "jupyterlab_widgets" in front_end.problem and "hub's image" in front_end.fix
    assert widgets_findings("8.1.9", False, "colab") == []  # Colab draws widgets with its own front end


def test_torch_build_findings_note_a_cuda_build_without_a_gpu_and_the_cpu_index():
    (note,) = torch_build_findings("2.13.0", "13.0", False, "other")
    assert "CUDA 13.0 build" in note.problem and "https://download.pytorch.org/whl/cpu" in note.fix
    assert torch_build_findings("2.13.0+cpu", None, False, "other") == []
    assert torch_build_findings("2.13.0", "13.0", True, "other") == []
    assert torch_build_findings("2.13.0", "13.0", False, "colab") == []


def test_check_setup_finds_nothing_missing_in_the_course_environment():
    missing = [f for f in check_setup("course_venv") if "cannot be imported" in f.problem or "ipywidgets" in f.problem]
    assert missing == []


def test_environment_report_says_where_it_runs_and_what_is_missing():
    report = environment_report("binder")
    assert report.splitlines()[0] == "running in  Binder"
    assert f"torch       {torch.__version__}" in report
    findings = check_setup("binder")
    assert ("Nothing is missing." in report) == (not findings)


def test_require_packages_returns_versions():
    assert require_packages([("torch", "torch")])["torch"] == torch.__version__


def test_pick_device_honours_an_explicit_choice_and_defaults_to_an_available_one():
    assert pick_device("cpu") == torch.device("cpu")
    assert pick_device().type in {"cpu", "cuda", "mps"}
    if not torch.cuda.is_available():
        assert pick_device().type != "cuda"


def test_setup_notebook_prints_one_stable_line(capsys):
    setup_notebook(seed=0)
    out = capsys.readouterr().out
    assert out == f"course ready: torch {torch.__version__.split('+')[0]}, seed 0\n"


def test_start_here_says_how_to_install_the_course_when_course_utils_cannot_be_imported(tmp_path):
    """00's first cell, run by a Python that has no course_utils (-S: no site-packages, so no install of it)."""
    cells = json.loads((ROOT / "notebooks" / "00_start_here.ipynb").read_text(encoding="utf-8"))["cells"]
    first = "".join(next(c for c in cells if c["cell_type"] == "code")["source"])
    result = subprocess.run(
        [sys.executable, "-S", "-c", first], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("ModuleNotFoundError: This kernel's Python cannot import course_utils")
    for fix in ["make lab", "pip install .", "binder/postBuild", '%pip install "birnn-course @ git+']:
        assert fix in last_line
