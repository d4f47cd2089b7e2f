"""Every check cell of every exercise: the worked solution passes it, the unfinished stub is "not attempted yet".

The cells are found in `solutions/*.ipynb` (a cell that imports `check_...` from
`course_utils.checks.lessonNN`, or `lessonNN_<topic>` for an optional lesson's exercise, and calls it on
names the notebook defines), so a new exercise is covered without editing this file. What each check
says about wrong answers is specified per lesson, in `test_checks_lessonNN.py` (`..._<topic>.py`).
"""

from __future__ import annotations

import importlib
import json
import re

import pytest
from exercise_code import ROOT, exercise, solution

from course_utils.checks import NOT_ATTEMPTED, PASSED
from course_utils.learner.report import EXERCISE_CHECKS

CHECK_CELL = re.compile(r"from course_utils\.checks\.(lesson\d\d\w*) import (check_\w+).*?\2\(([\w, ]+)\)", re.S)


def check_cells():
    """`(stem, module, check name, checked names)` for each check cell of the solutions."""
    found = []
    for path in sorted((ROOT / "solutions").glob("*_exercise.ipynb")):
        stem = path.name.removesuffix("_exercise.ipynb")
        for cell in json.loads(path.read_text())["cells"]:
            match = CHECK_CELL.search("".join(cell["source"]))
            if cell["cell_type"] == "code" and match:
                found.append((stem, *match.groups()))
    return found


CELLS = check_cells()
TRAINING_CHECKS = {"check_fixed_tagger", "check_train_gru_tagger", "check_waiting_training", "check_speaker_training"}


def test_every_solution_notebook_has_check_cells():
    stems = {path.name.removesuffix("_exercise.ipynb") for path in (ROOT / "solutions").glob("*_exercise.ipynb")}
    assert stems and stems == {stem for stem, *_ in CELLS}


@pytest.mark.parametrize(
    "stem, module, check, names",
    [
        pytest.param(
            *cell, id=f"{cell[0][:2]}-{cell[2]}", marks=[pytest.mark.slow] if cell[2] in TRAINING_CHECKS else []
        )
        for cell in CELLS
    ],
)
def test_the_solution_passes_and_the_stub_is_not_attempted(stem, module, check, names):
    run = getattr(importlib.import_module(f"course_utils.checks.{module}"), check)
    names = [name.strip() for name in names.split(",")]
    solved, unsolved = solution(stem), exercise(stem)
    report = run(*(solved[name] for name in names))
    assert report.status == PASSED, str(report)
    assert report.task in EXERCISE_CHECKS[stem], "progress() counts this check under its lesson"
    unfinished = run(*(unsolved[name] for name in names))
    assert unfinished.status == NOT_ATTEMPTED and "not attempted yet" in str(unfinished)


def test_progress_counts_as_many_checks_per_lesson_as_its_solution_has_check_cells():
    cells_per_lesson = {stem: sum(cell[0] == stem for cell in CELLS) for stem, *_ in CELLS}
    assert cells_per_lesson == {stem: len(tasks) for stem, tasks in EXERCISE_CHECKS.items()}
