"""A class's update path: an instructor publishes fixed exercises mid-term, and no learner's work is lost.

A class gets its notebooks through nbgitpuller links (INSTRUCTORS.md): each click clones the
class repository, or pulls it into the learner's copy. Offline here: the "class repository" is a
git repository in a temporary folder, nbgitpuller's own GitPuller pulls it, as the hub's link does.
The exercises come from `tools/exercises.py`, which never replaces an exercise the learner edited
(tests/unit/test_exercises_generator.py) and is what a maintainer runs before publishing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EDITED, UNTOUCHED, NEW = "01_concept_exercise.ipynb", "02_shapes_exercise.ipynb", "03_batch_first_exercise.ipynb"
pytestmark = pytest.mark.slow


def git(folder: Path, *arguments: str) -> str:
    command = ["git", "-c", "user.name=Instructor", "-c", "user.email=instructor@example.org", *arguments]
    return subprocess.run(command, cwd=folder, check=True, capture_output=True, text=True).stdout


def pull(upstream: Path, learner: Path) -> None:
    """What a learner's click on the class's nbgitpuller link does: clone, or pull keeping their changes."""
    from nbgitpuller.pull import GitPuller

    for _ in GitPuller(str(upstream), str(learner), branch="main", depth=None).pull():
        pass


def with_first_line(path: Path, line: str) -> None:
    """Edit the notebook at `path`: `line` before the source of its first cell (a fix, or a learner's note)."""
    notebook = json.loads(path.read_text())
    first = notebook["cells"][0]
    first["source"] = line + "\n" + "".join(first["source"])
    path.write_text(json.dumps(notebook, indent=1) + "\n")


def first_line(path: Path) -> str:
    return "".join(json.loads(path.read_text())["cells"][0]["source"]).split("\n")[0]


def test_a_fix_mid_term_keeps_what_each_learner_wrote(tmp_path):
    upstream, learner = tmp_path / "class-repo", tmp_path / "learner" / "class-repo"
    (upstream / "exercises").mkdir(parents=True)
    for name in (EDITED, UNTOUCHED):
        shutil.copy(ROOT / "exercises" / name, upstream / "exercises" / name)
    git(upstream, "init", "--initial-branch=main")
    git(upstream, "add", ".")
    git(upstream, "commit", "-m", "week 1")
    pull(upstream, learner)

    # The learner works on exercise 01 (and deletes 02 by mistake); the instructor fixes both and adds 03.
    with_first_line(learner / "exercises" / EDITED, "My answers, week 1")
    (learner / "exercises" / UNTOUCHED).unlink()
    for name in (EDITED, UNTOUCHED):
        with_first_line(upstream / "exercises" / name, "Fixed: a typo in task 2")
    shutil.copy(ROOT / "exercises" / NEW, upstream / "exercises" / NEW)
    git(upstream, "add", ".")
    git(upstream, "commit", "-m", "week 2: fixes, and exercise 03")
    pull(upstream, learner)

    exercises = learner / "exercises"
    assert first_line(exercises / EDITED) == "My answers, week 1"  # the learner's work wins over the fix
    assert first_line(exercises / UNTOUCHED) == "Fixed: a typo in task 2"  # restored, with the fix
    assert (exercises / NEW).read_bytes() == (upstream / "exercises" / NEW).read_bytes()
