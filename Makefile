# The course's two entry points (see README):
#   make lab    set up .venv and open the course in JupyterLab
#   make test   set up .venv and run every test (lint, unit, notebooks three ways, browser)
# For developers: `make lint` (contracts, ruff, mypy: seconds) and `make test-fast`
# (lint, then the unit tests without the slow ones: under a minute).
# Both reuse an existing .venv: the install step reruns only when
# pyproject.toml or constraints.txt change.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.course-installed
BOOK_STAMP := $(VENV)/.book-installed
LAB_ARGS ?=
PYTEST_ARGS ?=
NOTEBOOKS := $(wildcard notebooks/*.ipynb solutions/*.ipynb)
# A new kernel may take as long to start as in tools/notebook_runner.py (KERNEL_STARTUP_S; a test checks).
NBVAL_ARGS := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
	--nbval-cell-timeout 300 --nbval-kernel-startup-timeout 300
# Tests run on every core (pytest-xdist); each notebook stays whole on one worker.
# JOBS=1 runs them in one process.
JOBS ?= auto
XDIST := -n $(JOBS) --dist loadfile
# tests/conftest.py gives each notebook a fresh, throwaway progress store. pytest loads it by itself only
# when it collects something under tests/; a run of notebooks alone loads it as a plugin.
OWN_STORES := -p tests.conftest
# pytest exits with 5 when PYTEST_ARGS (e.g. -k) leaves a step nothing to run: not a failure.
ALLOW_EMPTY := || test $$? -eq 5
# Jupyter and IPython write config and runtime files under $HOME; tests keep
# them in a throwaway folder so they neither read nor change the user's own.
# The learner's saved progress is kept out the same way, by tests/conftest.py
# (a throwaway store for the run, each test and each notebook, with or without
# make); `make notebooks` stores every notebook from a fresh store too.
# make test's last notebook pass trains every model down another path, as on another CPU
# (course_utils/perturbation.py): the data and every fact stay, the trained numbers move.
PERTURBED := BIRNN_COURSE_PERTURB=1
# Quoted for the shell, so a clone in a folder whose path has spaces keeps every path inside it (unquoted,
# `mkdir -p` made folders outside the repository and `make clean` could remove them). A single quote in the
# path cannot be quoted this way: make stops at once and says so.
ifneq (,$(findstring ',$(CURDIR)))
$(error The repository's path $(CURDIR) has a single quote ('), which make's commands cannot quote: move or clone the course into a folder whose path has none)
endif
TEST_HOME := '$(CURDIR)/.test-home'
# The stored outputs are the CPU's: tests and stored runs train on it even where the caller's shell names
# another device for the course (BIRNN_COURSE_DEVICE, course_utils/env.py); `make nbval-gpu` is the exception.
TEST_ENV := HOME=$(TEST_HOME) JUPYTER_CONFIG_DIR=$(TEST_HOME)/.jupyter \
	IPYTHONDIR=$(TEST_HOME)/.ipython MPLBACKEND=Agg PYTHONHASHSEED=0 BIRNN_COURSE_DEVICE=cpu

.PHONY: lab test test-dist test-versions test-fast lint exercises notebooks nbval nbval-gpu margins bench book setup clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) .ci/check_python.py
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[lab,test]"
	@touch $(STAMP)

# JupyterLab refuses to run as root unless told; containers often run as root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

# The server's root is the repository, so exercises/ and solutions/ are one folder up
# from the lessons; the browser opens on the first notebook. The notebooks name the
# standard `python3` kernel, which a JupyterLab started from the venv runs with the
# venv's own Python (ipykernel installs that kernelspec into the venv). tools/lab_settings.py first merges
# the course's settings into the venv's JupyterLab (no prompt about Jupyter news, no nbgrader menus), keeping
# any already there.
lab: $(STAMP)
	$(PY) -m tools.lab_settings
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb \
		$(ROOT_FLAG) $(LAB_ARGS)

# The rules of the house, checked before any test runs: the import contracts in
# pyproject.toml (which room may import which), ruff's lint and format, mypy,
# actionlint on the GitHub Actions workflow in .github/workflows/, and cffconvert on CITATION.cff (in an
# environment of its own, .venv/cffconvert: it requires jsonschema<4, which JupyterLab's packages refuse).
lint: $(STAMP)
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/actionlint
	@test -x $(VENV)/cffconvert/bin/cffconvert || { $(PY) -m venv $(VENV)/cffconvert && $(VENV)/cffconvert/bin/pip install --quiet -c constraints.txt cffconvert; }
	$(VENV)/cffconvert/bin/cffconvert --validate --infile CITATION.cff

# make test, in order, stopping at the first step that fails:
#  1. lint (above); 2. unit tests, then the book's (tests/book builds its site once); 3. the notebook tests
#  and nbval on every notebook: each
#  cell's fresh output against the stored one (facts compared exactly, measurements tagged,
#  see README "How the tests work"); 4. nbval again as if on another CPU (tools/other_cpu.py:
#  other float kernels), so a stored output that holds only on this CPU fails here; 5. nbval
#  once more with training perturbed (PERTURBED, below): claims must hold on another path too;
#  6. the browser tests (JupyterLab in Chromium; the book's pages under axe).
test: lint $(BOOK_STAMP)
	@mkdir -p $(TEST_HOME)
	$(TEST_ENV) $(PY) -m pytest $(XDIST) $(PYTEST_ARGS) tests/unit $(ALLOW_EMPTY)
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS) tests/book $(ALLOW_EMPTY)
	$(TEST_ENV) $(PY) -m pytest $(XDIST) $(NBVAL_ARGS) $(PYTEST_ARGS) tests/notebooks $(NOTEBOOKS) $(ALLOW_EMPTY)
	$(TEST_ENV) $(PY) -m tools.other_cpu pytest $(XDIST) $(NBVAL_ARGS) $(OWN_STORES) $(PYTEST_ARGS) $(NOTEBOOKS) $(ALLOW_EMPTY)
	$(TEST_ENV) $(PERTURBED) $(PY) -m pytest $(XDIST) $(NBVAL_ARGS) $(OWN_STORES) $(PYTEST_ARGS) $(NOTEBOOKS) $(ALLOW_EMPTY)
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS) tests/browser $(ALLOW_EMPTY)

# The course as learners install it, away from this repository (tests/dist): Binder's
# install steps, the wheel and sdist, every notebook run from a copy outside the repo
# on a new environment's kernel, one of them with papermill. Minutes; .ci/run runs it.
test-dist: $(STAMP)
	@mkdir -p $(TEST_HOME)
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS) tests/dist

# Every torch the package admits (tests/dist/test_versions.py): make test's unit tests and its usual and
# other-CPU nbval passes, each in a new .venv in a copy of the repository, on the oldest torch pyproject.toml
# admits (with NumPy 1, on this Python) and on the newest release (on the newest Python found, pyenv's
# included). About 25 minutes on 2 cores, two 5 GB environments (deleted after) and their downloads (cached
# in .test-home). .ci/run does not run it: CI's time has no room for it.
test-versions: $(STAMP)
	@mkdir -p $(TEST_HOME)
	$(TEST_ENV) BIRNN_COURSE_VERSIONS=1 $(PY) -m pytest -rA --durations=0 $(PYTEST_ARGS) tests/dist/test_versions.py

test-fast: lint $(BOOK_STAMP)
	@mkdir -p $(TEST_HOME)
	$(TEST_ENV) $(PY) -m pytest $(XDIST) -m "not slow" $(PYTEST_ARGS) tests/unit tests/book

exercises: $(STAMP)
	$(PY) -m tools.exercises

# Re-run notebooks in place after changing them: `make notebooks NB=notebooks/02_shapes.ipynb`.
NB ?= notebooks/*.ipynb solutions/*.ipynb
notebooks: $(STAMP)
	MPLBACKEND=Agg PYTHONHASHSEED=0 BIRNN_COURSE_DEVICE=cpu $(PY) -m tools.notebook_runner $(NB)

# make nbval NB=notebooks/05_training.ipynb: make test's three nbval passes on the notebooks named
nbval: $(STAMP)
	@mkdir -p $(TEST_HOME)
	$(TEST_ENV) $(PY) -m pytest $(NBVAL_ARGS) $(OWN_STORES) $(PYTEST_ARGS) $(NB)
	$(TEST_ENV) $(PY) -m tools.other_cpu pytest $(NBVAL_ARGS) $(OWN_STORES) $(PYTEST_ARGS) $(NB)
	$(TEST_ENV) $(PERTURBED) $(PY) -m pytest $(NBVAL_ARGS) $(OWN_STORES) $(PYTEST_ARGS) $(NB)

# The notebooks with every training on a CUDA GPU, where this machine has one and its torch can use it:
# make test's usual nbval pass with BIRNN_COURSE_DEVICE=cuda. The stored outputs stay the CPU's, so it
# checks that every fact and claim line holds on the GPU too (`make nbval-gpu NB=notebooks/05_training.ipynb`).
nbval-gpu: $(STAMP)
	@$(PY) -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 'nbval-gpu: this torch sees no CUDA GPU (torch.cuda.is_available() is False): run it where one is, with a CUDA build of torch')"
	@mkdir -p $(TEST_HOME)
	$(TEST_ENV) BIRNN_COURSE_DEVICE=cuda $(PY) -m pytest $(XDIST) $(NBVAL_ARGS) $(OWN_STORES) $(PYTEST_ARGS) $(NB)

# How much room each claim line has: every notebook and solution run usual, on other-CPU kernels and
# perturbed (tools/claim_margins.py); writes docs/claim_margins.md. About 20 minutes on 2 cores.
margins: $(STAMP)
	@mkdir -p $(TEST_HOME)
	$(TEST_ENV) $(PY) -m tools.claim_margins $(NB_MARGINS)

bench: $(STAMP)
	$(PY) -m tools.bench

# The course as a static book (tools/book.py): every stored notebook a web page, never executed, built with
# Sphinx into book/_build/html, warnings as errors. The book extra (Sphinx, myst-nb, sphinx-book-theme) is
# installed on first use (by make book or make test).
$(BOOK_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -c constraints.txt -e ".[book]"
	@touch $(BOOK_STAMP)

book: $(BOOK_STAMP)
	$(PY) -m tools.book

clean:
	rm -rf $(VENV) $(TEST_HOME) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
