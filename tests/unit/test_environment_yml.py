"""environment.yml (conda users) must say the same as pyproject.toml (pip users)."""

import re
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10 has no tomllib; tomli is the same parser, published on PyPI
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
# conda-forge name -> PyPI name, where they differ.
CONDA_TO_PIP = {"pytorch": "torch", "python-build": "build"}
# conda entries that are tooling, not project dependencies.
CONDA_ONLY = {"python", "pip"}


# The extras a conda environment for the course holds: JupyterLab to open it, and the tools to test it.
EXTRAS = ("lab", "test")


def pyproject_requirements():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + [r for extra in EXTRAS for r in project["optional-dependencies"][extra]]
    return {Requirement(r).name.lower(): Requirement(r).specifier for r in reqs}, project["requires-python"]


def parse_conda_spec(spec: str):
    """Split a conda match spec like `ipywidgets>=8,<9` into (name, SpecifierSet)."""
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", spec)
    name, constraint = match.group(1).lower(), match.group(2).replace(" ", "")
    return name, SpecifierSet(constraint)


def environment_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip = {}, {}
    for entry in env["dependencies"]:
        if isinstance(entry, dict):
            for spec in entry.get("pip", []):
                req = Requirement(spec)
                pip[req.name.lower()] = req.specifier
        else:
            name, spec = parse_conda_spec(entry)
            conda[name] = spec
    return env, conda, pip


def environment_as_pip_names():
    env, conda, pip = environment_requirements()
    merged = {CONDA_TO_PIP.get(n, n): s for n, s in conda.items() if n not in CONDA_ONLY}
    overlap = merged.keys() & pip.keys()
    assert not overlap, f"environment.yml lists {sorted(overlap)} both in conda and in its pip section"
    merged.update(pip)
    return merged


def test_environment_yml_lists_every_pyproject_dependency_with_the_same_range():
    wanted, _ = pyproject_requirements()
    have = environment_as_pip_names()
    for name, spec in wanted.items():
        assert name in have, f"{name} is in pyproject.toml but missing from environment.yml"
        assert have[name] == spec, f"{name}: pyproject.toml asks for '{spec}' but environment.yml for '{have[name]}'"


def test_environment_yml_has_no_package_that_pyproject_lacks():
    wanted, _ = pyproject_requirements()
    extra = sorted(set(environment_as_pip_names()) - set(wanted))
    assert not extra, f"environment.yml lists {extra}, which pyproject.toml does not"


def test_environment_yml_python_matches_requires_python():
    _, requires_python = pyproject_requirements()
    _, conda, _ = environment_requirements()
    assert conda.get("python") == SpecifierSet(requires_python), (
        f"python: pyproject.toml requires '{requires_python}', environment.yml says '{conda.get('python')}'"
    )


def test_environment_yml_uses_only_conda_forge():
    env, _, _ = environment_requirements()
    assert env["channels"] == ["conda-forge"]


@pytest.mark.parametrize(
    "spec, name, constraint",
    [
        ("ipywidgets>=8,<9", "ipywidgets", ">=8,<9"),
        ("pytorch >=2.1", "pytorch", ">=2.1"),
        ("pip", "pip", ""),
    ],
)
def test_conda_specs_are_parsed_into_name_and_range(spec, name, constraint):
    assert parse_conda_spec(spec) == (name, SpecifierSet(constraint))


def test_constraints_pin_the_cpu_torch_inside_the_package_range():
    wanted, _ = pyproject_requirements()
    pins = [
        Requirement(line)
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    torch_pins = [p for p in pins if p.name == "torch"]
    assert len(torch_pins) == 1 and str(torch_pins[0].specifier).startswith("==")
    pinned_version = str(torch_pins[0].specifier)[2:]
    assert wanted["torch"].contains(pinned_version), "the pinned torch must satisfy pyproject's range"
