"""One table renderer for the whole course: the same rows as fixed-width text and as an HTML table.

The text form is what a terminal prints and what nbval compares in a stored
notebook, so it is plain and deterministic; the HTML form is what Jupyter
renders. Every table of the package (shape tables, training histories, the
delay comparison, the explorers, the quiz's score by topic, ...) goes through
these two functions, and an object that *is* a table gets both forms from
`TableView`. Pure Python: the quiz uses them without importing torch.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import ClassVar

from .validation import describe

ALIGNMENTS = ("<", ">")  # left, right
# The background of the row `html_table(..., highlight=i)` shades: JupyterLab's second layout colour, which
# the theme's text reads on in Light and Dark, with the course's own yellow where the theme is missing. The
# plain colour comes first for JupyterLab's sanitizer (NOTE [ colours under JupyterLab's themes ] in
# course_utils.display, which this module may not import: the two are independent in the layers).
HIGHLIGHT = "var(--jp-layout-color2, #fff3c4)"
_HIGHLIGHT_STYLE = "background: {}; background: {}".format(HIGHLIGHT.split(", ")[1].rstrip(")"), HIGHLIGHT)


def text_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    align: str | Sequence[str] = "<",
    rule: bool = False,
    markers: Sequence[str] | None = None,
) -> str:
    """Fixed-width lines: the header, an optional rule of dashes, then one line per row.

    Columns are two spaces apart, each as wide as its widest cell (header
    included). `align` is "<" (left) or ">" (right) for every column, or one of
    them per column. `markers`, one string per row ("" for none, e.g. "->" for
    the current row), fills a column of its own before the first. Trailing
    spaces are stripped from every line.
    """
    header, rows = _check_cells(header, rows)
    alignments = [align] * len(header) if isinstance(align, str) else list(align)
    if len(alignments) != len(header) or any(a not in ALIGNMENTS for a in alignments):
        raise ValueError(f"align must be '<' or '>', or one of them per column ({len(header)}), got {describe(align)}")
    if markers is not None and len(markers) != len(rows):
        raise ValueError(f"markers must hold one string per row ({len(rows)}), got {describe(markers)}")
    widths = [max(len(line[i]) for line in (header, *rows)) for i in range(len(header))]
    marker_width = max((len(m) for m in markers), default=0) if markers else 0

    def line(cells: Sequence[str], marker: str = "") -> str:
        text = "  ".join(
            cell.ljust(width) if a == "<" else cell.rjust(width) for cell, width, a in zip(cells, widths, alignments)
        )
        prefix = f"{marker.ljust(marker_width)} " if marker_width else ""
        return f"{prefix}{text}".rstrip()

    lines = [line(header)]
    if rule:
        lines.append(("" if not marker_width else " " * (marker_width + 1)) + "  ".join("-" * w for w in widths))
    lines += [line(row, markers[i] if markers else "") for i, row in enumerate(rows)]
    return "\n".join(lines)


def html_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    code: bool = False,
    align_left: bool = False,
    highlight: int | None = None,
) -> str:
    """An HTML `<table>` with a `<thead>` of `header` and a `<tbody>` of `rows`, every cell escaped.

    code: wrap each body cell in `<code>` (shapes, settings). align_left: left-align
    every cell (Jupyter right-aligns table cells by default). highlight: the index
    of a body row to shade, or None.
    """
    header, rows = _check_cells(header, rows)
    if highlight is not None and (
        not isinstance(highlight, int) or isinstance(highlight, bool) or not 0 <= highlight < len(rows)
    ):
        raise ValueError(f"highlight must be None or a row index 0..{len(rows) - 1}, got {describe(highlight)}")
    style = " style='text-align:left'" if align_left else ""
    head = "".join(f"<th{style}>{html.escape(h)}</th>" for h in header)
    body = ""
    for index, row in enumerate(rows):
        shade = f" style='{_HIGHLIGHT_STYLE}'" if index == highlight else ""
        cells = (f"<code>{html.escape(c)}</code>" if code else html.escape(c) for c in row)
        body += f"<tr{shade}>" + "".join(f"<td{style}>{c}</td>" for c in cells) + "</tr>"
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class TableView:
    """Base of an object that is a table: `str()` and `repr()` give its text form, Jupyter its HTML form.

    A subclass says what the table holds (`table_cells`: the header and the rows,
    every cell a str) and, where it has them, a caption above and a footnote
    below (`caption`, `footnote`: "" for none). The class attributes choose the
    look: `rule` (text: dashes under the header), `code` (HTML: the caption and
    cells as code, for shapes and settings), `align_left` (HTML: left-aligned
    cells); `text_align` the text form's alignment per column. The text form is
    what nbval compares in a stored notebook, so it must be the same on every run.
    """

    rule: ClassVar[bool] = False
    code: ClassVar[bool] = False
    align_left: ClassVar[bool] = False

    def table_cells(self) -> tuple[Sequence[str], Sequence[Sequence[str]]]:
        """The header and the rows of the table, every cell a str."""
        raise NotImplementedError(f"{type(self).__name__} must say what its table holds (table_cells)")

    def text_align(self, columns: int) -> str | Sequence[str]:
        """The text form's alignment: "<" or ">" for every column, or one of them per column."""
        return "<"

    def caption(self) -> str:
        """A line above the table ("" for none)."""
        return ""

    def footnote(self) -> str:
        """A line below the table ("" for none)."""
        return ""

    def to_text(self) -> str:
        """The caption, the fixed-width table and the footnote, as lines of text."""
        header, rows = self.table_cells()
        table = text_table(header, rows, align=self.text_align(len(header)), rule=self.rule)
        return "\n".join(part for part in (self.caption(), table, self.footnote()) if part)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        header, rows = self.table_cells()
        caption, footnote = self.caption(), self.footnote()
        table = html_table(header, rows, code=self.code, align_left=self.align_left)
        above = html.escape(caption)
        above = f"<p><code>{above}</code></p>" if caption and self.code else f"<p>{above}</p>" if caption else ""
        below = f"<p>{html.escape(footnote)}</p>" if footnote else ""
        return f"{above}{table}{below}"


def _check_cells(header: Sequence[str], rows: Sequence[Sequence[str]]) -> tuple[list[str], list[list[str]]]:
    """`header` and `rows` as lists of strings, after checking every row has one string per column."""
    if isinstance(header, str) or not isinstance(header, Sequence) or not header:
        raise TypeError(f"header must be a non-empty sequence of column names, got {describe(header)}")
    if isinstance(rows, str) or not isinstance(rows, Sequence):
        raise TypeError(f"rows must be a sequence of rows, got {describe(rows)}")
    checked = []
    for index, row in enumerate((header, *rows)):
        if isinstance(row, str) or not isinstance(row, Sequence) or len(row) != len(header):
            where = "header" if index == 0 else f"rows[{index - 1}]"
            raise ValueError(f"{where} must hold {len(header)} cells, one per column, got {describe(row)}")
        if not all(isinstance(cell, str) for cell in row):
            where = "header" if index == 0 else f"rows[{index - 1}]"
            raise TypeError(f"every cell must be a str (format numbers first), got {describe(row)} in {where}")
        checked.append(list(row))
    return checked[0], checked[1:]
