"""Support code for the birnn-course notebooks.

The rooms:

* the core, lesson-agnostic: `env`; `validation`, `verdicts`, `stubs`, `tables`,
  `display`, `claims` and `files` (pure Python); `tensors`, `data`, `shapes`,
  `models`, `training`, `checkpoints`, `metrics`, `plots`;
* `quiz` (no torch): the question bank, grading, and the two views of a quiz;
* `checks`: the exercise checks (runner, report, comparators), one module per lesson;
* `lessons`: one module or package per lesson that needs code of its own.

Notebooks import from here instead of repeating code. The rules between the
rooms (the core never imports a lesson, the quiz never imports torch, ...)
are import-linter contracts in pyproject.toml, checked by `make lint`.
"""

# The course's version, written here only: pyproject.toml reads it, environment_report() prints it, each saved
# progress record keeps it; CHANGELOG.md and CITATION.cff name it too (tests/unit/test_version.py).
__version__ = "0.2.0"
