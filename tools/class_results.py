"""A class's results per topic, from the learners' progress files or from nbgrader's gradebook.

    python -m tools.class_results FOLDER          every progress file (*.json) under FOLDER, one per learner
    python -m tools.class_results progress.json   one progress file
    python -m tools.class_results gradebook.db    nbgrader's gradebook (needs nbgrader installed)

Progress files are the course's own store (`course_utils.learner.store`), collected from the learners
(each learner's `birnn-course/progress.json`). Each is checked as the store checks its own file, and read
with the progress view's functions (`course_utils.learner.report.lesson_progress`), so a test saved by an
older version is scored by its first answers too. Nothing is written, moved or locked: a file that is not
a progress store, or a damaged one, stops the summary with a message naming it. Three tables:

* the final test per topic: for each lesson, the questions answered right at the first answer over those
  asked, summed over each learner's latest final test;
* the lesson quizzes: per lesson, the questions whose latest try was right the first time, over those tried;
* the exercise checks: per task, how many learners' latest check passed, failed, or never ran.

The gradebook (`gradebook.db`, where nbgrader keeps its grades) gives, per assignment and grade cell, the
mean score over the submissions and how many got full marks. It is checked to hold nbgrader's tables before
nbgrader opens it (nbgrader would create them in any other database), and nothing is written to it.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from course_utils.course import exercise_tasks, quiz_notebooks
from course_utils.files import file_kind, reading
from course_utils.learner.report import LessonProgress, lesson_progress
from course_utils.learner.store import FORMAT_NAME, Progress, store_problem
from course_utils.quiz.registry import BANKS
from course_utils.tables import text_table
from course_utils.verdicts import FAILED, NOT_ATTEMPTED, PASSED

SQLITE_HEADER = b"SQLite format 3\x00"  # the first bytes of every SQLite database, nbgrader's gradebook included
GRADEBOOK_TABLES = frozenset(
    {"alembic_version", "assignment", "notebook", "grade_cells", "submitted_assignment", "grade"}
)
COLLECT_FIX = "collect the learners' birnn-course/progress.json files (one per learner) and point at their folder"


class ResultsError(ValueError):
    """The results cannot be read from the path given; the message names it and says what to do."""


# ---- progress files -------------------------------------------------------------------------------------


def read_progress(path: Path) -> Progress:
    """The content of one progress file, checked as the store checks its own; ResultsError naming it otherwise."""
    with reading(path, "progress file", COLLECT_FIX):
        data = json.loads(path.read_text("utf-8"))
    problem = store_problem(data)
    if problem is not None:
        is_store = isinstance(data, dict) and data.get("format") == FORMAT_NAME
        what = "a damaged progress file" if is_store else f'not a course progress file (no "format": "{FORMAT_NAME}")'
        raise ResultsError(f"{path} is {what}: {problem}. Leave it out, or ask its learner for a fresh copy")
    return data


def progress_files(path: Path) -> list[Path]:
    """The progress files at `path`: the file itself, or every *.json under a folder, sorted."""
    if path.is_dir():
        files = sorted(found for found in path.rglob("*.json") if found.is_file())
        if not files:
            raise ResultsError(f"{path} holds no .json file: {COLLECT_FIX}")
        return files
    if not path.exists():
        raise ResultsError(f"there is nothing at {path}: give a folder of progress files, one of them, or gradebook.db")
    if not path.is_file():  # a FIFO or a device would block or never end when read
        raise ResultsError(f"{path} is {file_kind(path.stat().st_mode)}, not a regular file: {COLLECT_FIX}")
    return [path]


@dataclass(frozen=True)
class ClassProgress:
    """Every learner's progress: per learner, one LessonProgress per lesson with a quiz (`quiz_notebooks()` order)."""

    learners: Sequence[Sequence[LessonProgress]]

    def final_test_rows(self) -> list[list[str]]:
        """Per lesson the final test asks about: learners, right at the first answer / asked, share."""
        rows = []
        for index, notebook in enumerate(quiz_notebooks()):
            scores = [score for lesson in self._lessons(index) if (score := lesson.final_test) is not None]
            right, asked = sum(score[0] for score in scores), sum(score[1] for score in scores)
            if asked:
                rows.append([notebook, str(len(scores)), f"{right} / {asked}", _share(right, asked)])
        return rows

    def quiz_rows(self) -> list[list[str]]:
        """Per lesson quiz: learners who tried it, latest tries right the first time / tried, share."""
        rows = []
        for index, notebook in enumerate(quiz_notebooks()):
            tried = [(lesson.right_first, lesson.quiz - lesson.unanswered) for lesson in self._lessons(index)]
            tried = [pair for pair in tried if pair[1]]
            right, asked = sum(pair[0] for pair in tried), sum(pair[1] for pair in tried)
            rows.append([notebook, str(len(tried)), f"{right} / {asked}", _share(right, asked)])
        return rows

    def check_rows(self) -> list[list[str]]:
        """Per exercise task: how many learners' latest check passed, failed, was not attempted, never ran."""
        rows = []
        for index, notebook in enumerate(quiz_notebooks()):
            for task in exercise_tasks().get(notebook, ()):
                verdicts = [lesson.checks.get(task, "") for lesson in self._lessons(index)]
                counts = [verdicts.count(status) for status in (PASSED, FAILED, NOT_ATTEMPTED, "")]
                rows.append([notebook, task, *map(str, counts)])
        return rows

    def _lessons(self, index: int) -> list[LessonProgress]:
        return [learner[index] for learner in self.learners]

    def text(self) -> str:
        """The three tables as plain text, each under a line saying what it counts."""
        count = len(self.learners)
        final = self.final_test_rows()
        parts = [
            f"Class results from {count} progress file{'' if count == 1 else 's'}",
            "Final test per topic (each learner's latest test, first answers)\n"
            + (text_table(("lesson", "learners", "right / asked", "share"), final, rule=True) if final else "(none)"),
            "Lesson quizzes (latest try of each question tried, right the first time)\n"
            + text_table(("lesson", "learners", "right first / tried", "share"), self.quiz_rows(), rule=True),
            "Exercise checks (each learner's latest verdict)\n"
            + text_table(("lesson", "task", PASSED, FAILED, NOT_ATTEMPTED, "never run"), self.check_rows(), rule=True),
        ]
        return "\n\n".join(parts)


def _share(right: int, asked: int) -> str:
    return f"{right / asked:.0%}" if asked else "-"


def class_progress(path: Path) -> ClassProgress:
    """Every progress file at `path` (a file or a folder of them) read and summarised per lesson."""
    return ClassProgress([lesson_progress(read_progress(file), BANKS) for file in progress_files(path)])


# ---- nbgrader's gradebook -------------------------------------------------------------------------------


def is_gradebook(path: Path) -> bool:
    """True when `path` is a file that starts as every SQLite database does (nbgrader's gradebook is one)."""
    if not path.is_file():
        return False
    with open(path, "rb") as file:
        return file.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def gradebook_rows(path: Path) -> list[list[str]]:
    """Per assignment and grade cell: submissions with a score, mean score / max score, how many got full marks."""
    try:
        from nbgrader.api import Gradebook
    except ImportError:
        raise ResultsError(f"reading {path} needs nbgrader: pip install nbgrader, then run this again") from None
    check_gradebook_tables(path)
    rows = []
    with Gradebook(f"sqlite:///{path.resolve()}") as gradebook:
        for assignment in sorted(gradebook.assignments, key=lambda found: found.name):
            scores: dict[tuple[str, str], list[tuple[float, float]]] = {}
            for notebook in assignment.notebooks:
                for cell in notebook.grade_cells:
                    scores[(notebook.name, cell.name)] = []
            for submission in gradebook.assignment_submissions(assignment.name):
                for submitted in submission.notebooks:
                    for grade in submitted.grades:
                        if grade.score is not None:
                            scores[(submitted.name, grade.name)].append((grade.score, grade.max_score))
            for (notebook_name, cell_name), graded in scores.items():
                rows.append([assignment.name, notebook_name, cell_name, *_score_cells(graded)])
    return rows


def check_gradebook_tables(path: Path) -> None:
    """Raise ResultsError unless the SQLite file `path` holds nbgrader's tables, read without writing to it.

    nbgrader's Gradebook creates its tables in whatever database it opens, so any other database is refused
    before it is opened that way.
    """
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as database:
            tables = {row[0] for row in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error as error:
        raise ResultsError(f"{path} could not be read as an SQLite database ({error})") from None
    missing = sorted(GRADEBOOK_TABLES - tables)
    if missing:
        raise ResultsError(
            f"{path} is an SQLite database but not nbgrader's gradebook (it has no table {', '.join(missing)}): "
            "give the gradebook.db of your nbgrader course folder"
        )


def _score_cells(graded: list[tuple[float, float]]) -> list[str]:
    """(submissions scored, mean / max, full marks) of one grade cell's scores."""
    if not graded:
        return ["0", "-", "-"]
    mean = sum(score for score, _ in graded) / len(graded)
    full = sum(score >= most for score, most in graded)
    return [str(len(graded)), f"{mean:.2f} / {graded[0][1]:g}", str(full)]


def gradebook_text(path: Path) -> str:
    """The gradebook's table as plain text."""
    rows = gradebook_rows(path)
    header = ("assignment", "notebook", "grade cell", "submissions", "mean / max", "full marks")
    return f"Class results from {path}\n\n" + (text_table(header, rows, rule=True) if rows else "(no grade cells)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="a folder of progress files, one progress file, or gradebook.db")
    args = parser.parse_args(argv)
    try:
        print(gradebook_text(args.path) if is_gradebook(args.path) else class_progress(args.path).text())
    except (ValueError, OSError) as error:  # ResultsError, DamagedFileError, a file that cannot be read
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
