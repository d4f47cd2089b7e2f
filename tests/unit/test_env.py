"""Specification of course_utils.env: the notebooks' set-up cell."""

import random

import pytest
import torch

from course_utils.env import pick_device, require_packages, seed_everything, setup_notebook


def test_seed_everything_makes_torch_and_python_repeat():
    seed_everything(3)
    first = (torch.rand(3), random.random())
    seed_everything(3)
    second = (torch.rand(3), random.random())
    assert torch.equal(first[0], second[0]) and first[1] == second[1]


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True])
def test_seed_everything_rejects_non_int_or_negative_seeds(bad):
    with pytest.raises((TypeError, ValueError), match="seed"):
        seed_everything(bad)


def test_missing_package_error_names_it_and_the_install_command():
    with pytest.raises(ImportError, match=r"no_such_pkg_xyz.*make lab.*pip install no_such_pkg_xyz"):
        require_packages([("torch", "torch"), ("no_such_pkg_xyz", "no_such_pkg_xyz")])


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
