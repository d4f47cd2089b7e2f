"""Grading the course's exercises with nbgrader: the course generator, its hooks and the hidden cases."""
