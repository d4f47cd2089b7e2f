# The course's two entry points (see README):
#   make lab    set up .venv and open the course in JupyterLab
#   make test   set up .venv and run every test (lint first, then unit, notebooks, browser)
# For developers: `make lint` (contracts, ruff, mypy: seconds) and `make test-fast`
# (lint, then the unit tests without the slow ones: under a minute).
# Both reuse an existing .venv: the install step reruns only when
# pyproject.toml or constraints.txt change.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.course-installed
KERNEL_NAME := birnn-course
LAB_ARGS ?=
PYTEST_ARGS ?=
# Unit tests first, notebook tests second, browser tests last (pytest keeps
# the order of the paths it is given).
TEST_PATHS := $(wildcard tests/unit tests/notebooks notebooks/*.ipynb solutions/*.ipynb tests/browser)
NBVAL_ARGS := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
	--nbval-cell-timeout 300
# Jupyter and IPython write config and runtime files under $HOME; tests keep
# them in a throwaway folder so they neither read nor change the user's own.
# The learner's saved progress is kept out the same way, by tests/conftest.py
# (a throwaway store for the run, each test and each notebook, with or without
# make); `make notebooks` stores every notebook from a fresh store too.
TEST_HOME := $(CURDIR)/.test-home
TEST_ENV := HOME=$(TEST_HOME) JUPYTER_CONFIG_DIR=$(TEST_HOME)/.jupyter \
	IPYTHONDIR=$(TEST_HOME)/.ipython MPLBACKEND=Agg PYTHONHASHSEED=0

.PHONY: lab test test-fast lint exercises notebooks bench setup clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) .ci/check_python.py
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[test]"
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL_NAME) \
		--display-name "Python 3 (birnn-course)" >/dev/null
	@touch $(STAMP)

# JupyterLab refuses to run as root unless told; containers often run as root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

# The server's root is the repository, so exercises/ and solutions/ are one folder up
# from the lessons; the browser opens on the first notebook.
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb \
		$(ROOT_FLAG) $(LAB_ARGS)

# The rules of the house, checked before any test runs: the import contracts in
# pyproject.toml (which room may import which), ruff's lint and format, mypy.
lint: $(STAMP)
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: lint
	@mkdir -p $(TEST_HOME)
	$(TEST_ENV) $(PY) -m pytest $(NBVAL_ARGS) $(PYTEST_ARGS) \
		$(TEST_PATHS)

test-fast: lint
	@mkdir -p $(TEST_HOME)
	$(TEST_ENV) $(PY) -m pytest -m "not slow" $(PYTEST_ARGS) tests/unit

exercises: $(STAMP)
	$(PY) -m tools.exercises

# Re-run notebooks in place after changing them: `make notebooks NB=notebooks/02_shapes.ipynb`.
NB ?= notebooks/*.ipynb solutions/*.ipynb
notebooks: $(STAMP)
	MPLBACKEND=Agg PYTHONHASHSEED=0 $(PY) -m tools.notebook_runner $(NB)

bench: $(STAMP)
	$(PY) -m tools.bench

clean:
	rm -rf $(VENV) $(TEST_HOME) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
