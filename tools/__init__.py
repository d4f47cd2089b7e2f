"""Maintainer tools, run from the repository root as `python -m tools.<name>` (not installed with the package).

* `exercises`: write `exercises/` from `solutions/` (`make exercises`);
* `notebook_runner`: execute notebooks in place and store them for nbval (`make notebooks`);
* `bench`: measure the course's speed, exactness and accuracy claims (`make bench`);
* `write_corpus`: rewrite the capstone's shipped text and checkpoints.

They import `course_utils`; nothing in `course_utils` imports them.
"""
