"""The course's changes to nbgrader, imported by the class's `nbgrader_config.py`.

`python -m tools.grading.nbgrader_course <folder>` copies this file beside that
config as `course_hooks.py`, so a class folder needs only the course and nbgrader
installed, not this repository.

* Release notebooks get the course's own stubs: nbgrader's ClearSolutions writes
  one fixed stub for every solution block, the course writes each block's hint
  into its stub (`course_utils.stubs.strip_solutions`), so a learner's release
  notebook is the exercise in `exercises/`, hints included.
* Feedback shows what the hidden cases found (their report is an output of the
  grade cell) but not their code: the feedback notebook drops the hidden blocks
  before it becomes HTML.
"""

from __future__ import annotations

from nbgrader.converters.generate_assignment import GenerateAssignment
from nbgrader.converters.generate_feedback import GenerateFeedback
from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

from course_utils.stubs import strip_solutions


class CourseStubs(ClearSolutions):
    """nbgrader's ClearSolutions, with the course's stub (`raise NotImplementedError("your code here: <hint>")`)
    in place of nbgrader's fixed one in code cells."""

    def _replace_solution_region(self, cell, language) -> bool:
        if cell.cell_type != "code":
            return super()._replace_solution_region(cell, language)
        stripped = strip_solutions(cell.source)
        replaced = stripped != cell.source
        cell.source = stripped
        return replaced


def release_preprocessors() -> list[type]:
    """nbgrader's steps for `generate_assignment`, with CourseStubs in place of ClearSolutions."""
    steps = GenerateAssignment.class_traits()["preprocessors"].default()
    return [CourseStubs if step is ClearSolutions else step for step in steps]


def feedback_preprocessors() -> list[type]:
    """nbgrader's steps for `generate_feedback`, with the hidden blocks dropped first."""
    return [ClearHiddenTests, *GenerateFeedback.class_traits()["preprocessors"].default()]
