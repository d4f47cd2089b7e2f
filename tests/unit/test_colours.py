"""Every colour the package writes follows JupyterLab's theme: a hex colour appears only as the fallback
of a theme variable, `var(--jp-..., #hex)` (NOTE [ colours under JupyterLab's themes ] in
course_utils/display.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from course_utils.display import MUTED_TEXT, PALETTE, colour_style, verdict_box
from course_utils.tables import HIGHLIGHT, html_table

PACKAGE = Path(__file__).resolve().parents[2] / "course_utils"
SCANNED = ("*.py", "*.css", "*.html", "*.json")
HEX = re.compile(r"#[0-9a-fA-F]{3,8}\b")
THEMED = re.compile(r"var\(--jp-[\w-]+, ?#[0-9a-fA-F]{3,8}\)")
# A Python comment: `#` then a space or the line's end (a colour has a hex digit right after its `#`).
COMMENT = re.compile(r"(^|\s)#(\s|$)")


def bare_colours(text: str) -> list[int]:
    """The numbers of the lines of `text` that hold a hex colour outside a `var(--jp-..., #hex)` fallback."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        code = COMMENT.split(line, maxsplit=1)[0]
        if HEX.search(THEMED.sub("", code)):
            found.append(number)
    return found


def test_the_scan_finds_a_bare_colour_and_passes_a_themed_one():
    text = "a = 'var(--jp-success-color1, #1a7f37)'\nb = 'color:#555'  # muted\n# a comment\nc = 'x'  # see #12\n"
    assert bare_colours(text) == [2]


def test_no_file_of_the_package_holds_a_bare_hex_colour():
    files = sorted(path for pattern in SCANNED for path in PACKAGE.rglob(pattern) if "__pycache__" not in path.parts)
    assert files, f"no files found under {PACKAGE}"
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line}"
        for path in files
        for line in bare_colours(path.read_text(encoding="utf-8"))
    ]
    assert not found, "write each colour as var(--jp-..., #fallback); bare colours at: " + ", ".join(found)


@pytest.mark.parametrize("colour", [*PALETTE.values(), MUTED_TEXT, HIGHLIGHT])
def test_every_course_colour_is_a_jupyterlab_variable_with_a_fallback(colour):
    assert THEMED.fullmatch(colour)


def test_a_colour_style_declares_the_plain_fallback_before_the_variable():
    assert colour_style("color", "var(--jp-content-font-color2, #555)") == (
        "color: #555; color: var(--jp-content-font-color2, #555)"
    )


def test_a_colour_style_refuses_a_value_without_a_themed_colour():
    with pytest.raises(ValueError, match=r"var\(--jp-\.\.\., #hex\)"):
        colour_style("color", "#555")


def test_a_verdict_box_keeps_a_plain_bar_for_jupyterlabs_sanitizer():
    assert verdict_box("bad", "x").startswith(
        "<div style='border-left: 4px solid #cf222e; border-left: 4px solid var(--jp-error-color1, #cf222e);"
    )


def test_a_highlighted_row_keeps_a_plain_shade_for_jupyterlabs_sanitizer():
    table = html_table(["a"], [["1"], ["2"]], highlight=1)
    assert "<tr style='background: #fff3c4; background: var(--jp-layout-color2, #fff3c4)'><td>2</td>" in table
