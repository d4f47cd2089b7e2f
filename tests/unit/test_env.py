"""Specification of course_utils.env: the notebooks' set-up cell."""

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from packaging.requirements import Requirement

import course_utils.env
from course_utils.env import (
    DEVICE_VARIABLE,
    SETTINGS,
    TORCH_FLOOR,
    TORCH_NUMPY2,
    available_devices,
    check_setup,
    detect_setting,
    distribution_version,
    environment_report,
    install_fix,
    pick_device,
    release,
    repeatable_on_gpu,
    require_packages,
    seed_everything,
    setup_notebook,
    torch_build_findings,
    torch_version_findings,
    usable_cpus,
    widgets_findings,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10 has no tomllib; tomli is the same parser, published on PyPI
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]


def test_seed_everything_makes_torch_and_python_repeat():
    seed_everything(3)
    first = (torch.rand(3), random.random())
    seed_everything(3)
    second = (torch.rand(3), random.random())
    assert torch.equal(first[0], second[0]) and first[1] == second[1]


@pytest.fixture
def deterministic_switch_restored():
    before = torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled()
    yield
    torch.use_deterministic_algorithms(before[0], warn_only=before[1])


def test_seed_everything_on_the_cpu_runs_one_thread_and_leaves_the_costly_switch_alone(
    monkeypatch, deterministic_switch_restored
):
    monkeypatch.delenv(DEVICE_VARIABLE, raising=False)
    torch.use_deterministic_algorithms(False)
    seed_everything(0)
    assert torch.get_num_threads() == 1 and not torch.are_deterministic_algorithms_enabled()


def test_a_gpu_run_asks_for_deterministic_algorithms_without_filling_every_new_tensor(deterministic_switch_restored):
    repeatable_on_gpu()
    assert torch.are_deterministic_algorithms_enabled() and torch.is_deterministic_algorithms_warn_only_enabled()
    assert torch.utils.deterministic.fill_uninitialized_memory is False  # a debugging aid that slows training


def test_the_first_cell_imports_neither_matplotlib_nor_ipywidgets():
    code = (
        "import sys; from course_utils.env import setup_notebook; setup_notebook(); "
        "print(sorted(m for m in ('matplotlib', 'ipywidgets', 'torch._inductor') if m in sys.modules))"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert shown.splitlines()[-1] == "[]", "a lesson pays for these in the cell that first uses them"


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
    assert report.splitlines()[1] == f"course      birnn-course {course_utils.__version__}"
    assert f"torch       {torch.__version__}" in report
    findings = check_setup("binder")
    assert ("Nothing is missing." in report) == (not findings)


def test_require_packages_returns_versions():
    assert require_packages([("torch", "torch")])["torch"] == torch.__version__


def test_the_device_is_the_cpu_unless_a_call_or_the_variable_names_another(monkeypatch):
    monkeypatch.delenv(DEVICE_VARIABLE, raising=False)
    assert pick_device() == pick_device(None) == pick_device("cpu") == torch.device("cpu")
    monkeypatch.setenv(DEVICE_VARIABLE, "auto")  # the best device here
    assert pick_device().type == available_devices()[0]
    monkeypatch.setenv(DEVICE_VARIABLE, "cpu")
    assert pick_device() == torch.device("cpu")
    monkeypatch.setenv(DEVICE_VARIABLE, "  ")  # set but empty: the default
    assert pick_device() == torch.device("cpu")


def test_a_device_variable_naming_a_device_this_machine_lacks_is_named_with_what_it_has(monkeypatch):
    monkeypatch.setenv(DEVICE_VARIABLE, "tpu")
    with pytest.raises(ValueError, match=rf"{DEVICE_VARIABLE}=tpu is not a device name: use one of \['"):
        pick_device()
    if not torch.cuda.is_available():
        monkeypatch.setenv(DEVICE_VARIABLE, "cuda")
        with pytest.raises(ValueError, match=rf"{DEVICE_VARIABLE}=cuda is not available on this machine.*Leave it out"):
            pick_device()
    assert pick_device("cpu") == torch.device("cpu"), "a device named in the call wins over the variable"


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


def pyproject_dependency(name: str) -> Requirement:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    (requirement,) = [r for r in map(Requirement, project["dependencies"]) if r.name == name]
    return requirement


def test_the_torch_floor_is_the_one_place_pyproject_takes_its_torch_range_from():
    assert str(pyproject_dependency("torch").specifier) == f">={TORCH_FLOOR}"
    assert release(TORCH_FLOOR) < release(TORCH_NUMPY2), "a floor that works with NumPy 2 needs no numpy<2 fix"
    # pyproject.toml's numpy range admits NumPy 1, which a torch older than TORCH_NUMPY2 needs
    assert pyproject_dependency("numpy").specifier.contains("1.26.4")


@pytest.mark.parametrize(
    "version, numbers",
    [("2.2.0", (2, 2, 0)), ("2.13.0+cpu", (2, 13, 0)), ("2.13.0a0+git8145d63", (2, 13, 0)), ("2.2", (2, 2)), ("", ())],
)
def test_release_reads_the_numbers_a_version_starts_with(version, numbers):
    assert release(version) == numbers


@pytest.mark.parametrize("version", ["2.0.1", "2.1.0", "2.1.2+cpu", "1.13.1"])
@pytest.mark.parametrize("setting", list(SETTINGS))
def test_a_torch_older_than_the_floor_is_named_with_the_floor_and_the_fix_where_the_notebook_runs(version, setting):
    (finding,) = torch_version_findings(version, "1.26.4", setting)
    assert finding.problem == f"torch {version} is installed, and the course needs torch {TORCH_FLOOR} or newer"
    assert finding.fix == install_fix(setting, [f"torch>={TORCH_FLOOR}"])
    assert f'`%pip install "torch>={TORCH_FLOOR}"`' in finding.fix


@pytest.mark.parametrize("version", [TORCH_FLOOR, f"{TORCH_FLOOR}.0", "2.13.0+cpu", "2.15.0", "3.0.0"])
def test_the_floor_and_every_newer_torch_pass(version):
    assert torch_version_findings(version, "1.26.4", "other") == []
    if release(version) >= release(TORCH_NUMPY2):
        assert torch_version_findings(version, "2.4.6", "other") == []


def test_a_torch_before_numpy_2_next_to_numpy_2_is_told_to_take_numpy_1():
    (finding,) = torch_version_findings("2.2.2", "2.4.6", "colab")
    assert "torch 2.2.2 cannot use NumPy 2.4.6" in finding.problem and TORCH_NUMPY2 in finding.problem
    assert finding.fix == install_fix("colab", ["numpy<2"])
    assert torch_version_findings("2.2.2", "1.26.4", "colab") == []
    assert torch_version_findings(TORCH_NUMPY2, "2.4.6", "colab") == []
    assert torch_version_findings("2.2.2", None, "colab") == []  # no NumPy: require_packages names it missing
    assert torch_version_findings(None, "2.4.6", "colab") == []  # no torch: likewise


def fake_versions(monkeypatch, **versions: str) -> None:
    """distribution_version as if the given pip distributions (torch=..., numpy=...) were installed."""
    monkeypatch.setattr(course_utils.env, "distribution_version", lambda name: versions.get(name))


def test_setup_notebook_stops_an_old_torch_with_a_named_fix_before_importing_it(monkeypatch):
    fake_versions(monkeypatch, torch="2.1.0", numpy="1.26.4")

    def no_import(*args, **kwargs):
        raise AssertionError("an old torch must be told from its metadata, not imported")

    monkeypatch.setattr(course_utils.env, "installed_versions", no_import)
    monkeypatch.setattr(course_utils.env, "seed_everything", no_import)
    with pytest.raises(ImportError) as raised:
        setup_notebook(seed=0)
    message = str(raised.value)
    assert message.startswith(f"torch 2.1.0 is installed, and the course needs torch {TORCH_FLOOR} or newer")
    assert sys.executable in message and SETTINGS[detect_setting()] in message
    assert f'`%pip install "torch>={TORCH_FLOOR}"`' in message


def test_require_packages_names_numpy_2_next_to_an_old_torch_in_the_setting_given(monkeypatch):
    fake_versions(monkeypatch, torch="2.2.0", numpy="2.0.0")
    with pytest.raises(ImportError, match=r"torch 2\.2\.0 cannot use NumPy 2\.0\.0.*Binder.*%pip install \"numpy<2\""):
        require_packages(setting="binder")
    assert require_packages([("numpy", "numpy")], setting="binder")  # checked only where torch is asked for


def test_check_setup_lists_an_old_torch_with_its_fix(monkeypatch):
    fake_versions(monkeypatch, torch="2.1.2", numpy="1.26.4")
    assert torch_version_findings("2.1.2", "1.26.4", "jupyterhub")[0] in check_setup("jupyterhub")


def test_distribution_version_reads_metadata_and_knows_what_is_not_installed():
    assert release(distribution_version("torch") or "") == release(torch.__version__)
    assert distribution_version("no-such-distribution-xyz") is None
