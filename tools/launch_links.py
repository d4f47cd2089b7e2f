"""Write into every course notebook what opens it outside a course checkout: launch links and Colab's install.

Two edits, each written from one setting of the package, so a notebook cannot drift from it:

1. Launch links. The first cell (Markdown, the notebook's `# ...` heading) gets one line right under
   the heading, "Open in: [Binder](...) · [Colab](...) · [JupyterHub](...)", built by
   `course_utils.course.launch_links(<the notebook's path>)` from REPOSITORY_URL, BRANCH and
   JUPYTERHUB_URL.
2. Colab's install. The first code cell starts with a short block that, only when the kernel runs on
   Colab (`google.colab` is imported there before any cell runs), installs the course's release
   `v<course_utils.__version__>` from the repository with pip, before the cell imports course_utils.
   Anywhere else it does nothing and prints nothing, so the cell's stored output stays as it is.
   The environment variable BIRNN_COURSE_REQUIREMENT replaces the requirement (the offline test
   installs a wheel built from the checkout that way).

Only the sources of those two cells change; outputs and every other cell are kept, and the file is
written as Jupyter writes it (indent 1, trailing newline). The exercises get the same lines from
their solutions through the exercise generator (tools/exercises.py), which points the links at the
exercise (`retarget_launch_links`).

Run `python -m tools.launch_links` from the repository root to rewrite notebooks/ and solutions/
(then `make exercises`), or with `--check` to only list the notebooks that are out of date (exit status 1).
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from pathlib import Path

import course_utils
from course_utils.course import REPOSITORY_URL, launch_links
from course_utils.files import atomic_write, reading
from tools.notebook_json import cell_source, render

# This file lives in tools/ at the top of the repository, so the repository root is the folder above it.
ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("notebooks", "solutions")
LINKS_PREFIX = "Open in: "
REQUIREMENT_VARIABLE = "BIRNN_COURSE_REQUIREMENT"
FIX = "fix the notebook by hand (or restore it with `git checkout -- <path>`), then run `python -m tools.launch_links`"
# The block that opens every first code cell; {tag} is the release, e.g. v0.2.0.
COLAB_INSTALL = """\
import os
import subprocess
import sys

# On Colab the course is not installed yet: install its release {tag} first (anywhere else this does nothing).
if "google.colab" in sys.modules:
    release = "birnn-course @ git+{url}@{tag}"
    requirement = os.environ.get("{variable}", release)  # a test installs a local wheel instead
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", requirement], check=True)
"""


class LaunchLinksError(ValueError):
    """A notebook's first cells are not in the form this tool edits; the message names the file and the fix."""


def links_line(path: str) -> str:
    """The Markdown line of launch links for the notebook at `path` (relative to the repository root)."""
    links = " · ".join(f"[{place}]({url})" for place, url in launch_links(path).items())
    return f"{LINKS_PREFIX}{links}"


def colab_install(version: str) -> str:
    """The block that starts every first code cell: on Colab, install the course at the tag `v<version>`."""
    return COLAB_INSTALL.format(tag=f"v{version}", url=REPOSITORY_URL, variable=REQUIREMENT_VARIABLE)


# The block of any release, so that a new version replaces the old block instead of adding a second one.
_ANY_COLAB_INSTALL = re.compile(
    re.escape(COLAB_INSTALL.format(tag="\0", url="\1", variable=REQUIREMENT_VARIABLE))
    .replace("\0", r"v[\w.+-]+")
    .replace("\1", r"[^\s@\"]+")
)


def with_links(heading: str, path: str) -> str:
    """The heading cell's source with the launch line of `path` right under its `# ...` line (replacing an old one)."""
    lines = heading.split("\n")
    if not lines[0].startswith("# "):
        raise LaunchLinksError(f"the first cell must start with the notebook's `# ` heading, got {lines[0][:60]!r}")
    body = lines[1:]
    if len(body) >= 2 and body[0] == "" and body[1].startswith(LINKS_PREFIX):
        body = body[2:]
    gap = [""] if body and body[0] != "" else []  # a blank line keeps the links a paragraph of their own
    return "\n".join([lines[0], "", links_line(path), *gap, *body])


def with_colab_install(code: str, version: str) -> str:
    """The first code cell's source with the Colab install of `version` at its top (replacing an old one)."""
    if "setup_notebook(" not in code:
        raise LaunchLinksError(f"the first code cell must call setup_notebook(...), got {code[:60]!r}")
    match = _ANY_COLAB_INSTALL.match(code)
    return colab_install(version) + (code[match.end() :] if match else code)


def _as_lines(text: str) -> list[str]:
    """`text` in the form Jupyter stores a cell's source: lines cut after each "\\n" only, each keeping it."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def launch_ready(notebook: dict, path: str, version: str) -> dict:
    """A copy of `notebook` (nbformat 4 JSON) with its launch line for `path` and its Colab install of `version`."""
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not cells or cells[0].get("cell_type") != "markdown":
        raise LaunchLinksError(f"{path}: the first cell must be the Markdown heading; {FIX}")
    code_cells = [cell for cell in cells if cell.get("cell_type") == "code"]
    if not code_cells:
        raise LaunchLinksError(f"{path}: there is no code cell to start with the Colab install; {FIX}")
    ready = copy.deepcopy(notebook)
    heading, first_code = ready["cells"][0], next(c for c in ready["cells"] if c.get("cell_type") == "code")
    try:
        heading["source"] = _as_lines(with_links(cell_source(heading), path))
        first_code["source"] = _as_lines(with_colab_install(cell_source(first_code), version))
    except LaunchLinksError as error:
        raise LaunchLinksError(f"{path}: {error}; {FIX}") from None
    return ready


def retarget_launch_links(notebook: dict, path: str) -> dict:
    """`notebook` with the launch line of its first cell, where it has one, pointing at `path` (changed in place).

    The exercise generator calls it: an exercise copies its solution's heading, whose links open the solution.
    """
    cells = notebook.get("cells") or []
    if cells and cells[0].get("cell_type") == "markdown":
        lines = cell_source(cells[0]).split("\n")
        if len(lines) >= 3 and lines[2].startswith(LINKS_PREFIX):
            cells[0]["source"] = _as_lines(with_links("\n".join(lines), path))
    return notebook


def course_notebooks(root: Path = ROOT) -> list[Path]:
    """The notebooks this tool writes: every notebook in notebooks/ and solutions/."""
    paths = [path for folder in FOLDERS for path in sorted((root / folder).glob("*.ipynb"))]
    if not paths:
        raise LaunchLinksError(f"no notebooks in {root}/notebooks or {root}/solutions: run this from the course's root")
    return paths


def expected_text(path: Path, root: Path = ROOT, version: str = course_utils.__version__) -> tuple[str, str]:
    """The text of the notebook at `path` now, and the text it should have."""
    with reading(path, "notebook", FIX):
        if not path.is_file():
            raise LaunchLinksError(f"{path} is not a regular file, so it is not one of the course's notebooks")
        current = path.read_text(encoding="utf-8")
        notebook = json.loads(current)
    return current, render(launch_ready(notebook, path.relative_to(root).as_posix(), version))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only list the notebooks that are out of date")
    args = parser.parse_args(argv)
    try:
        texts = {path: expected_text(path) for path in course_notebooks()}  # every notebook checked before a write
    except ValueError as error:  # LaunchLinksError, DamagedFileError: nothing was written
        print(f"error: {error}; nothing was written", file=sys.stderr)
        return 2
    stale = [path for path, (current, expected) in texts.items() if current != expected]
    for path in stale:
        name = path.relative_to(ROOT).as_posix()
        if args.check:
            print(f"stale: {name} (run `python -m tools.launch_links`, then `make exercises`)")
            continue
        with atomic_write(path) as file:  # refuses anything but a regular file (course_utils/files.py)
            file.write(texts[path][1])
        print(f"wrote {name}")
    if not args.check:
        print(f"{len(texts) - len(stale)} notebooks already up to date")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
