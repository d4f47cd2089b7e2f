"""The quiz package (`course_utils.quiz`): the names notebooks import, and no torch behind them.

Each room has its own tests: test_quiz_bank (loading), test_quiz_grading, test_quiz_text,
test_quiz_widgets, test_quiz_orchestrator (a `Quiz`, and its saving), test_quiz_session (the
entry points, progress() and review())."""

import inspect
import subprocess
import sys

import course_utils.quiz as package
from course_utils.quiz import session


def test_importing_the_quiz_leaves_torch_numpy_and_matplotlib_unimported():
    code = "import sys, course_utils.quiz; print(sorted({'torch', 'numpy', 'matplotlib'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_the_names_notebooks_and_the_readme_import_are_the_entry_points():
    """`from course_utils.quiz import progress` is the function, not a module of that name."""
    for name in ("quiz", "final_test", "answer", "hint", "show_answer", "test_report", "progress", "review"):
        assert getattr(package, name) is getattr(session, name), name
        assert inspect.isfunction(getattr(package, name)), name
    assert inspect.isfunction(package.reset_progress)


def test_every_public_name_is_there():
    assert all(hasattr(package, name) for name in package.__all__)
