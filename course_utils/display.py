"""The course's small display base, shared by the plots, the quiz and the checks.

* `DescribedImage`: PNG bytes and the sentence that says what they show. Jupyter
  gets three forms of it (`_repr_mimebundle_`):
  - `text/html`: `<img alt=description>` (`image_html`). JupyterLab 4 ranks HTML
    above PNG, keeps the alt when it sanitizes the HTML of an untrusted
    notebook, and ignores an alt given in a PNG's metadata: this is the form
    that puts the description on the image for a screen reader. nbconvert's
    HTML export uses it too.
  - `image/png`, with the description as `alt` in its metadata (read by
    nbconvert's classic template), for front ends that do not render HTML.
  - `text/plain`: the description itself, for text front ends and exports
    (and what nbval compares).
* `verdict_box` and `PALETTE`: a block with a coloured bar on its left, the
  colour saying how it went (`good`, `bad`, `neutral`, `warning`, `info`): a
  check's report and the quiz's feedback, hints and notices. `MUTED_TEXT` is
  the colour of secondary text. Each colour follows JupyterLab's Light or Dark
  theme (see NOTE [ colours under JupyterLab's themes ]).

The table objects' base, `TableView`, lives beside the renderer it uses, in
`course_utils.tables`. Pure Python: the quiz draws on it without importing
torch, NumPy or matplotlib.
"""

from __future__ import annotations

import base64
import html
import re
from typing import Any

from .validation import describe

# NOTE [ colours under JupyterLab's themes ]
# Every colour the course writes into HTML is a JupyterLab theme variable with the course's own colour
# as the fallback, `var(--jp-..., #...)`: JupyterLab Light and Dark each give the variable a shade that
# reads on their background, and a front end without the variables (an HTML export, VS Code, a
# classic notebook) shows the fallback. Text only takes variables with a contrast of at least 4.5:1 in
# both themes (the font colours); the tone colours are bars, never text, because the warning shades
# of JupyterLab Light fall below 4.5:1 on white. tests/unit/test_colours.py finds any bare colour.
# JupyterLab's sanitizer, which renders the stored outputs of a notebook not yet trusted, keeps only plain
# colours and drops a `var()` declaration: `colour_style` writes the fallback first, then the variable.

# The colour of each tone a verdict box can take: the bar on its left.
PALETTE = {
    "good": "var(--jp-success-color1, #1a7f37)",  # passed, correct
    "bad": "var(--jp-error-color1, #cf222e)",  # failed, wrong
    "neutral": "var(--jp-content-font-color2, #6e7781)",  # not attempted yet, a hint
    "warning": "var(--jp-warn-color1, #b26a00)",  # something missing, a notice
    "info": "var(--jp-info-color1, #1565c0)",  # an answer shown
}
# Secondary text beside the main text (a question's difficulty and topic, the learner's earlier answer).
MUTED_TEXT = "var(--jp-content-font-color2, #555)"
_THEMED = re.compile(r"var\(--jp-[\w-]+, (#[0-9a-fA-F]{3,8})\)")
# The box's text: a check's report is lines of code-like text; the quiz's feedback wraps as prose.
_LINES = "font-family: monospace"
_PROSE = "padding-top: 2px; padding-bottom: 2px; margin: 4px 0; line-height: 1.4; white-space: normal"


def image_html(png: bytes, description: str, max_width: str | None = None) -> str:
    """An HTML `<img>` of PNG bytes whose `alt` text is `description` (escaped), the image inlined as base64.

    max_width: optional CSS width (e.g. "720px") the image is scaled down to when it is wider.
    """
    if not isinstance(png, bytes) or not png.startswith(b"\x89PNG"):
        raise TypeError(f"png must be the bytes of a PNG image, got {describe(png)}")
    encoded = base64.b64encode(png).decode("ascii")
    style = "" if max_width is None else f' style="max-width:{html.escape(max_width)}"'
    return f'<img alt="{html.escape(description)}"{style} src="data:image/png;base64,{encoded}">'


class DescribedImage:
    """PNG bytes and the sentence that describes them; displays as `<img alt=...>`, PNG and text."""

    def __init__(self, png: bytes, description: str):
        if not isinstance(description, str) or not description.strip():
            raise ValueError(
                f"description must be a non-empty str saying what the image shows, got {describe(description)}"
            )
        image_html(png, description)  # checks that png is a PNG
        self.png = png
        self.description = description

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict, dict]:
        encoded = base64.b64encode(self.png).decode("ascii")
        data = {
            "text/html": image_html(self.png, self.description),
            "image/png": encoded,
            "text/plain": self.description,
        }
        return data, {"image/png": {"alt": self.description}}

    def __repr__(self) -> str:
        return self.description


def colour_style(css_property: str, value: str) -> str:
    """CSS declarations giving `css_property` a `value` that holds a themed colour, `var(--jp-..., #fallback)`.

    The property is declared twice: first with the fallback colour alone, kept where JupyterLab sanitizes
    the output; then with the variable, which wins wherever it is allowed (tests/unit/test_colours.py
    shows an example).
    """
    if not isinstance(value, str) or not _THEMED.search(value):
        raise ValueError(f"value must hold a colour written var(--jp-..., #hex), got {describe(value)}")
    plain = _THEMED.sub(r"\1", value)
    return f"{css_property}: {plain}; {css_property}: {value}"


def verdict_box(tone: str, body: str, *, lines: bool = False) -> str:
    """An HTML block with a bar on its left in the tone's colour (`PALETTE`); `body` is HTML, escaped by the caller.

    lines: the body is lines of code-like text (a check's report), shown in a monospace font; otherwise it
    is prose, wrapped at normal spacing (the quiz's feedback).
    """
    if tone not in PALETTE:
        raise ValueError(f"tone must be one of {tuple(PALETTE)}, got {describe(tone)}")
    bar = colour_style("border-left", f"4px solid {PALETTE[tone]}")
    style = f"{bar}; padding-left: 8px; {_LINES if lines else _PROSE}"
    return f"<div style='{style}'>{body}</div>"


def show(shown: object) -> None:
    """Display `shown` in IPython (its rich forms: a report's HTML, a quiz's widgets), else print its text (its
    repr): the quiz's entry points and the grader's reports show what they make this way."""
    try:
        from IPython import get_ipython
    except ImportError:
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        from IPython.display import display

        display(shown)
    else:
        print(repr(shown))
