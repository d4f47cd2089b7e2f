"""A class's grading, end to end and offline: the generated nbgrader course, released, autograded and fed back.

In a temporary folder: `python -m tools.grading.nbgrader_course` writes the course; `nbgrader
generate_assignment` releases every exercise; three learners hand in every exercise (solved:
the worked solutions' answers typed into the release notebooks; untouched: the release as it
came; partial: some tasks right, some with the slips the checks name, some that pass their own
check but not the hidden cases); `nbgrader autograde` grades them and `nbgrader generate_feedback`
writes their feedback. About two minutes on 2 cores, most of it the tasks that train.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils.course import LESSONS
from tools.grading.nbgrader_course import COURSE_ID, write_course
from tools.notebook_json import cell_source

ROOT = Path(__file__).resolve().parents[2]
EXERCISES = [lesson for lesson in LESSONS if lesson.exercise is not None]
STUDENTS = ("solved", "untouched", "partial")
# The partial learner hands in two exercises: in 01, a task with the slip lesson 01 warns about (the backward
# outputs not flipped back into step order); in 02, a task written out for the layer counts its own check uses,
# which passes that check and fails hidden cases.
PARTIAL = {
    "01_concept": {
        "bidirectional_pass": (
            "    forward_out, forward_h = run_one_direction(\n"
            "        x, rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0)\n"
            "    backward_out, backward_h = run_one_direction(\n"
            "        x.flip(1), rnn.weight_ih_l0_reverse, rnn.weight_hh_l0_reverse,\n"
            "        rnn.bias_ih_l0_reverse, rnn.bias_hh_l0_reverse)\n"
            "    return torch.cat([forward_out, backward_out], dim=2), torch.stack([forward_h, backward_h])\n"
        ),
    },
    "02_shapes": {
        "split_by_direction": (
            "    rows = {1: ([0], [1]), 2: ([0, 2], [1, 3]), 3: ([0, 2, 4], [1, 3, 5])}[num_layers]\n"
            "    return h_n[rows[0]], h_n[rows[1]]\n"
        ),
    },
}
pytestmark = pytest.mark.slow


def nbgrader(course: Path, *arguments: str) -> subprocess.CompletedProcess:
    """Run `nbgrader ARGUMENTS` in the course folder with this environment's Python; fail on a non-zero exit."""
    # nbgrader runs the `alembic` command of its environment, found on PATH: this environment's scripts first.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *arguments],
        cwd=course,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Exception while loading config file" not in result.stderr, result.stderr  # nbgrader only logs it
    return result


def answer_cells(notebook: dict) -> list[dict]:
    return [cell for cell in notebook["cells"] if cell.get("metadata", {}).get("nbgrader", {}).get("solution")]


def partial_answers(lesson: str, release: dict, solved: dict) -> dict:
    """The release notebook with the worked answers typed in, except the tasks PARTIAL gets wrong."""
    handed_in = json.loads(json.dumps(release))
    for mine, worked in zip(answer_cells(handed_in), answer_cells(solved)):
        mine["source"] = cell_source(worked)
        for function, body in PARTIAL.get(lesson, {}).items():
            if f"def {function}(" in mine["source"]:
                head = mine["source"].split("    # BEGIN SOLUTION")[0]
                mine["source"] = head + body
    return handed_in


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The course folder, every exercise released and handed in by the three learners, autograded, fed back."""
    folder = tmp_path_factory.mktemp("class")
    assert write_course(folder, say=lambda line: None) == []
    for lesson in EXERCISES:
        nbgrader(folder, "generate_assignment", lesson.notebook, "--force")
        name = f"{lesson.exercise.notebook}.ipynb"
        release = json.loads((folder / "release" / lesson.notebook / name).read_text())
        source_notebook = json.loads((folder / "source" / lesson.notebook / name).read_text())
        solved = json.loads(json.dumps(release))
        for mine, worked in zip(answer_cells(solved), answer_cells(source_notebook)):
            mine["source"] = cell_source(worked)
        handed_in = {"solved": solved, "untouched": release}
        if lesson.notebook in PARTIAL:
            handed_in["partial"] = partial_answers(lesson.notebook, release, source_notebook)
        for student, notebook in handed_in.items():
            path = folder / "submitted" / student / lesson.notebook / name
            path.parent.mkdir(parents=True)
            path.write_text(json.dumps(notebook, indent=1) + "\n")
    for lesson in EXERCISES:
        nbgrader(folder, "autograde", lesson.notebook, "--create", "--force")
        nbgrader(folder, "generate_feedback", lesson.notebook, "--force")
    return folder


def grades(course: Path) -> dict[tuple[str, str], dict[str, float]]:
    """{(student, lesson): {grade cell: points}} from the course's gradebook, plus "total" and "max"."""
    from nbgrader.api import Gradebook

    table = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gradebook:
        for student in STUDENTS:
            for lesson in EXERCISES:
                if student == "partial" and lesson.notebook not in PARTIAL:
                    continue
                submission = gradebook.find_submission(lesson.notebook, student)
                cells = {grade.name: grade.score for notebook in submission.notebooks for grade in notebook.grades}
                table[(student, lesson.notebook)] = {**cells, "total": submission.score, "max": submission.max_score}
    return table


def test_release_notebooks_are_the_exercises(course):
    for lesson in EXERCISES:
        name = f"{lesson.exercise.notebook}.ipynb"
        release = json.loads((course / "release" / lesson.notebook / name).read_text())["cells"]
        exercise = json.loads((ROOT / "exercises" / name).read_text())["cells"]
        assert [(c["cell_type"], cell_source(c)) for c in release] == [(c["cell_type"], cell_source(c)) for c in exercise], name


def test_grades(course):
    table = grades(course)
    print("\nnbgrader grades (points of the exercise's maximum):")
    for (student, lesson), cells in table.items():
        print(f"  {student:<9} {lesson:<31} {cells['total']:>5g} of {cells['max']:g}  {cells}")
    for lesson in EXERCISES:
        solved, untouched = table[("solved", lesson.notebook)], table[("untouched", lesson.notebook)]
        assert solved["total"] == solved["max"] == 10, (lesson.notebook, solved)
        assert untouched["total"] == 0, (lesson.notebook, untouched)
    for lesson, wrong in PARTIAL.items():
        partial, solved = table[("partial", lesson)], table[("solved", lesson)]
        for task in solved.keys() - {"total", "max"}:
            if task in wrong:
                assert 0 < partial[task] < solved[task], (lesson, task, partial)
            else:
                assert partial[task] == solved[task], (lesson, task, partial)

def feedback(course: Path, student: str, lesson: str) -> str:
    return (course / "feedback" / student / lesson / f"{lesson}_exercise.html").read_text()


def test_feedback_shows_the_coaching_but_not_the_hidden_code(course):
    for student in STUDENTS:
        for lesson in EXERCISES:
            if student == "partial" and lesson.notebook not in PARTIAL:
                continue
            page = (course / "feedback" / student / lesson.notebook / f"{lesson.exercise.notebook}.html").read_text()
            assert "BEGIN HIDDEN TESTS" not in page and "def hidden_" not in page, (student, lesson.notebook)
            assert len(re.findall(r"Grade for ", page)) == len(lesson.exercise.tasks), (student, lesson.notebook)
    slip = feedback(course, "partial", "01_concept")
    assert "bidirectional_pass: 1 of 3 cases passed" in slip  # the learner's own check names the slip ...
    assert "Idea:" in slip  # ... and gives the idea of the task, with its lesson's sections
    tuned = feedback(course, "partial", "02_shapes")
    assert "split_by_direction: all passed, well done!" in tuned  # its own check passes, ...
    assert re.search(r"split_by_direction \(hidden cases\): \d+ of \d+ cases passed", tuned)  # ... hidden cases fail
