"""Hidden grading cases, one module per exercise (see tools/grading/nbgrader_course.py for the contract)."""
