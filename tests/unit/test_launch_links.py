"""The launch links under every notebook's heading, and the tool that writes them (tools/launch_links.py)."""

import json
import re
from pathlib import Path

import pytest

import course_utils
from course_utils.course import launch_links
from tools.launch_links import (
    LINKS_PREFIX,
    LaunchLinksError,
    course_notebooks,
    expected_text,
    launch_ready,
    links_line,
    retarget_launch_links,
    with_colab_install,
    with_links,
)

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("notebooks", "solutions", "exercises")
EVERY_NOTEBOOK = [path for folder in FOLDERS for path in sorted((ROOT / folder).glob("*.ipynb"))]
MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
SETUP = "from course_utils.env import setup_notebook\n\nsetup_notebook()"


def is_up_to_date(current: str, expected: str) -> bool:
    return current == expected


def heading_lines(path: Path) -> list[str]:
    first = json.loads(path.read_text(encoding="utf-8"))["cells"][0]
    return "".join(first["source"]).split("\n")


@pytest.mark.parametrize("path", EVERY_NOTEBOOK, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_notebook_links_to_itself_on_binder_colab_and_a_jupyterhub_under_its_heading(path):
    lines = heading_lines(path)
    relative = path.relative_to(ROOT).as_posix()
    assert lines[0].startswith("# ") and lines[1] == "" and lines[2].startswith(LINKS_PREFIX), (
        f"{relative} has no launch line under its heading: run `python -m tools.launch_links`, then `make exercises`"
    )
    assert dict(MARKDOWN_LINK.findall(lines[2])) == launch_links(relative), (
        f"{relative}'s launch links are not launch_links({relative!r}): run `python -m tools.launch_links`, "
        "then `make exercises`"
    )


def test_the_tool_finds_nothing_to_change_in_the_notebooks_and_solutions():
    stale = [path.name for path in course_notebooks() if not is_up_to_date(*expected_text(path))]
    assert not stale, f"out of date: {stale}; run `python -m tools.launch_links`, then `make exercises`"


def test_the_link_text_names_each_place_so_a_screen_reader_says_where_it_leads():
    assert [text for text, _ in MARKDOWN_LINK.findall(links_line("notebooks/01_concept.ipynb"))] == [
        "Binder",
        "Colab",
        "JupyterHub",
    ]


def test_the_line_goes_right_under_the_heading_with_a_blank_line_either_side():
    source = with_links("# 01 · Title\n\nFirst paragraph.", "notebooks/01_concept.ipynb")
    assert source == f"# 01 · Title\n\n{links_line('notebooks/01_concept.ipynb')}\n\nFirst paragraph."
    assert with_links("# 01 · Title\nRight under.", "a.ipynb").endswith(f"{links_line('a.ipynb')}\n\nRight under.")


def test_writing_the_line_twice_or_for_another_path_leaves_one_line():
    once = with_links("# T\n\nText.", "notebooks/a.ipynb")
    assert with_links(once, "notebooks/a.ipynb") == once
    moved = with_links(once, "exercises/a.ipynb")
    assert moved.count(LINKS_PREFIX) == 1 and "exercises%2Fa.ipynb" in moved and "notebooks%2Fa" not in moved


def test_a_first_cell_without_a_heading_is_refused_with_the_fix():
    with pytest.raises(LaunchLinksError, match="heading"):
        with_links("Some text first.\n# Title", "notebooks/a.ipynb")
    notebook = {"cells": [{"cell_type": "code", "source": SETUP}]}
    with pytest.raises(LaunchLinksError, match=r"notebooks/a\.ipynb: the first cell must be the Markdown heading"):
        launch_ready(notebook, "notebooks/a.ipynb", "1.0.0")


def test_a_new_version_replaces_the_colab_install_instead_of_adding_a_second_one():
    old = with_colab_install(SETUP, "0.1.0")
    new = with_colab_install(old, "0.2.0")
    assert new.count("subprocess.run(") == 1 and "@v0.2.0" in new and "@v0.1.0" not in new
    assert new.endswith(SETUP)


def test_a_first_code_cell_that_sets_nothing_up_is_refused():
    with pytest.raises(LaunchLinksError, match="setup_notebook"):
        with_colab_install("import torch", "0.2.0")


def test_only_the_two_first_cells_change_and_outputs_stay():
    output = {"name": "stdout", "output_type": "stream", "text": ["course ready\n"]}
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": ["# T\n", "\n", "Text."]},
            {"cell_type": "code", "source": SETUP, "outputs": [output]},
            {"cell_type": "code", "source": "x = 1", "outputs": []},
        ]
    }
    ready = launch_ready(notebook, "notebooks/t.ipynb", course_utils.__version__)
    assert ready["cells"][1]["outputs"] == [output] and ready["cells"][2] == notebook["cells"][2]
    assert "".join(ready["cells"][1]["source"]).endswith(SETUP)
    assert notebook["cells"][0]["source"] == ["# T\n", "\n", "Text."], "the notebook given is not changed"


def test_the_generator_points_an_exercise_s_links_at_the_exercise_and_leaves_a_heading_without_links_alone():
    solution = {"cells": [{"cell_type": "markdown", "source": with_links("# E\n\nText.", "solutions/e.ipynb")}]}
    exercise = retarget_launch_links(solution, "exercises/e.ipynb")
    assert "".join(exercise["cells"][0]["source"]) == with_links("# E\n\nText.", "exercises/e.ipynb")
    bare = {"cells": [{"cell_type": "markdown", "source": "# E\n\nText."}]}
    assert retarget_launch_links(bare, "exercises/e.ipynb")["cells"][0]["source"] == "# E\n\nText."


def test_the_written_file_is_what_jupyter_writes(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    notebook = {"cells": [{"cell_type": "markdown", "source": ["# T"]}, {"cell_type": "code", "source": [SETUP]}]}
    path = folder / "t.ipynb"
    path.write_text(json.dumps(notebook, indent=1) + "\n", encoding="utf-8")
    current, expected = expected_text(path, root=tmp_path, version="9.9.9")
    assert current != expected and expected.endswith("}\n") and json.loads(expected)["cells"][0]["source"][0] == "# T\n"
    assert "@v9.9.9" in "".join(json.loads(expected)["cells"][1]["source"])
