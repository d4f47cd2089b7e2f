"""Specification of course_utils.tables: the course's one text and HTML table renderer."""

import pytest

from course_utils.tables import TableView, html_table, text_table

HEADER = ("name", "shape")
ROWS = [("x", "(2, 3)"), ("output", "(2, 3, 8)")]


def test_text_columns_are_as_wide_as_their_widest_cell_and_two_spaces_apart():
    assert text_table(HEADER, ROWS).splitlines() == ["name    shape", "x       (2, 3)", "output  (2, 3, 8)"]


def test_text_can_right_align_chosen_columns_and_draw_a_rule():
    lines = text_table(HEADER, ROWS, align=("<", ">"), rule=True).splitlines()
    assert lines == ["name        shape", "------  ---------", "x          (2, 3)", "output  (2, 3, 8)"]


def test_text_markers_get_a_column_of_their_own():
    lines = text_table(HEADER, ROWS, markers=["", "->"]).splitlines()
    assert lines == ["   name    shape", "   x       (2, 3)", "-> output  (2, 3, 8)"]


def test_html_escapes_every_cell_and_can_wrap_cells_in_code():
    page = html_table(("a<b",), [("x & y",)], code=True)
    body = "<tbody><tr><td><code>x &amp; y</code></td></tr></tbody>"
    assert page == f"<table><thead><tr><th>a&lt;b</th></tr></thead>{body}</table>"


def test_html_left_aligns_and_shades_the_highlighted_row():
    page = html_table(HEADER, ROWS, align_left=True, highlight=1)
    assert "<th style='text-align:left'>name</th>" in page
    assert (
        page.count("<tr style='background:") == 1
        and "background: var(--jp-layout-color2, #fff3c4)'><td style='text-align:left'>output" in page
    )


@pytest.mark.parametrize("render", [text_table, html_table])
def test_a_row_of_the_wrong_width_is_refused_naming_it(render):
    with pytest.raises(ValueError, match=r"rows\[1\] must hold 2 cells"):
        render(HEADER, [("x", "1"), ("y",)])


@pytest.mark.parametrize("render", [text_table, html_table])
def test_cells_must_be_strings(render):
    with pytest.raises(TypeError, match="every cell must be a str"):
        render(HEADER, [("x", 1)])


def test_a_bad_alignment_or_highlight_is_refused():
    with pytest.raises(ValueError, match="align must be"):
        text_table(HEADER, ROWS, align="^")
    with pytest.raises(ValueError, match="highlight must be None or a row index 0..1"):
        html_table(HEADER, ROWS, highlight=2)


class Scores(TableView):
    """A small table object, as the package's tables are made."""

    code = True

    def __init__(self, caption="", footnote=""):
        self._caption, self._footnote = caption, footnote

    def table_cells(self):
        return ("name", "score"), [("a<b", "0.50"), ("c", "1.00")]

    def text_align(self, columns):
        return ["<"] + [">"] * (columns - 1)

    def caption(self):
        return self._caption

    def footnote(self):
        return self._footnote


def test_a_table_view_is_its_text_table_in_str_and_repr():
    table = Scores()
    assert str(table) == repr(table) == table.to_text() == "name  score\na<b    0.50\nc      1.00"


def test_a_table_view_puts_its_caption_above_and_its_footnote_below_in_both_forms():
    table = Scores("scores <by name>", "* a footnote")
    assert str(table).splitlines()[0] == "scores <by name>" and str(table).splitlines()[-1] == "* a footnote"
    cells = html_table(*table.table_cells(), code=True)
    assert table._repr_html_() == f"<p><code>scores &lt;by name&gt;</code></p>{cells}<p>* a footnote</p>"


def test_a_table_view_must_say_what_it_holds():
    with pytest.raises(NotImplementedError, match="must say what its table holds"):
        str(TableView())
