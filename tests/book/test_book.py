"""The static book (`make book`, tools/book.py): built once for the module with warnings as errors, then read
as a browser would get it. One page per notebook in course order, quizzes readable without a kernel, every
figure with a text alternative, the launch links under each heading opening that page's own notebook (as
`launch_links` builds them), and Sphinx's search finding lessons.

The build needs the `book` extra (`pip install -e ".[book]"`, which `make book` installs).
"""

from __future__ import annotations

import html
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from course_utils.course import LESSONS, launch_links
from course_utils.quiz.registry import BANKS
from tools import book

PAGES = [path for _, paths in book.pages() for path in paths]


def article(page: Path) -> str:
    """The HTML of a built page's main content, without the theme's navigation around it."""
    text = page.read_text(encoding="utf-8")
    return text[text.index("<article") : text.rindex("</article>")]


def page_file(site: Path, path: str) -> Path:
    """The built HTML page of the notebook at `path` ("notebooks/03_batch_first.ipynb")."""
    return site / Path(path).with_suffix(".html")


class Elements(HTMLParser):
    """Every start tag of a page, as (tag, attributes), in document order."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The book built into a temporary folder; its HTML folder."""
    try:
        import myst_nb  # noqa: F401
    except ImportError:
        reason = 'the book extra is not installed: pip install -c constraints.txt -e ".[book]" (or run make book)'
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("book")
    assert book.build(out) == 0, "Sphinx reported warnings or errors building the book (see its output above)"
    return out / "html"


# ---------------------------------------------------------------- the sources, without Sphinx (fast)


def test_the_pages_are_every_lesson_then_every_exercise_then_every_solution_in_course_order():
    exercises = [lesson.exercise.notebook for lesson in LESSONS if lesson.exercise]
    assert PAGES == (
        [f"notebooks/{lesson.notebook}.ipynb" for lesson in LESSONS]
        + [f"exercises/{name}.ipynb" for name in exercises]
        + [f"solutions/{name}.ipynb" for name in exercises]
    )


def test_a_notebook_whose_quiz_cell_cannot_be_found_is_refused_with_the_fix():
    notebook = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "# 02"}], "metadata": {}}
    with pytest.raises(ValueError, match="expected one cell showing the quiz '02_shapes', found 0.*shows_quiz"):
        book.book_notebook(notebook, "notebooks/02_shapes.ipynb")


def test_a_notebook_the_manifest_lists_but_the_repository_lacks_is_named_with_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match="notebooks/00_start_here.ipynb is missing.*make exercises"):
        book.write_sources(tmp_path / "source", root=tmp_path)


def test_a_folder_the_tool_did_not_write_is_never_deleted(tmp_path):
    (tmp_path / "notes.txt").write_text("someone's work")
    with pytest.raises(FileExistsError, match="was not written by tools/book.py"):
        book.fresh_folder(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "someone's work"


def test_a_folder_the_tool_wrote_is_emptied_and_marked_again(tmp_path):
    source = tmp_path / "source"
    book.fresh_folder(source)
    (source / "old.md").write_text("from the last build")
    book.fresh_folder(source)
    assert sorted(item.name for item in source.iterdir()) == [book.MARKER]


def test_a_file_in_the_place_of_the_source_folder_is_refused(tmp_path):
    in_the_way = tmp_path / "source"
    in_the_way.write_text("not a folder")
    with pytest.raises(FileExistsError, match="is a regular file, not a book source folder"):
        book.fresh_folder(in_the_way)


def widget_output(text: str) -> dict:
    """A stored widget output: its view (which needs a kernel) and its text version."""
    view = {"model_id": "0" * 32, "version_major": 2, "version_minor": 0}
    return {"output_type": "display_data", "metadata": {}, "data": {book.WIDGET_VIEW: view, "text/plain": text}}


def test_a_widget_shows_its_text_version_and_a_progress_bar_is_left_out():
    table = widget_output("Shape explorer\noutput (N, L, D*H_out) (3, 6, 8)")
    bar = widget_output("train:   0%|          | 0/5 [00:00<?, ?epoch/s]")
    printed = {"output_type": "stream", "name": "stdout", "text": "done\n"}
    assert book.static_outputs([table, bar, printed]) == [
        {"output_type": "display_data", "metadata": {}, "data": {"text/plain": table["data"]["text/plain"]}},
        printed,
    ]


def test_the_quiz_html_escapes_the_bank_text_and_shows_backticks_as_code():
    assert book.inline_html("is `a < b` & c") == "is <code>a &lt; b</code> &amp; c"


# ---------------------------------------------------------------- the built book (slow: runs Sphinx)


@pytest.mark.slow
def test_every_notebook_has_its_page_linked_from_the_landing_page_in_course_order(site):
    index = article(site / "index.html")
    tables_of_contents = re.findall(r'<li class="toctree-l1"><a class="reference internal" href="([^"#]+)"', index)
    assert tables_of_contents == [str(Path(path).with_suffix(".html")) for path in PAGES]
    assert all(page_file(site, path).is_file() for path in PAGES)


@pytest.mark.slow
def test_the_landing_page_shows_the_course_map(site):
    # Sphinx typesets quotes (smartquotes): "padding's" becomes "padding’s" in the page.
    text = html.unescape(re.sub(r"<[^>]+>", "", article(site / "index.html"))).replace("\u2019", "'")
    for lesson in LESSONS:
        assert f"notebooks/{lesson.notebook}" in text
        assert re.sub(r"`", "", lesson.summary) in text


@pytest.mark.slow
@pytest.mark.parametrize("bank_name", list(BANKS), ids=str)
def test_each_quiz_shows_its_questions_and_options_with_the_answer_folded_away(site, bank_name):
    notebook = "09_test_yourself" if bank_name == book.FINAL_TEST else bank_name
    page = page_file(site, f"notebooks/{notebook}.ipynb").read_text(encoding="utf-8")
    assert "application/vnd.jupyter.widget-view+json" not in page, "a widget's empty placeholder is on the page"
    for question in BANKS[bank_name].questions:
        shown = re.search(rf'id="quiz-{re.escape(question.id)}">(.*?)<details(.*?)</details>', page, re.DOTALL)
        assert shown, f"question {question.id} is not on the page with a folded answer"
        before_answer, answer = (html.unescape(re.sub(r"<[^>]+>", "", part)) for part in shown.groups())
        assert question.prompt.replace("`", "") in before_answer
        assert all(option.replace("`", "") in before_answer for option in question.options)
        assert f"The answer is {question.correct}: {question.option(question.correct).replace('`', '')}" in answer
        assert question.explanation[0].replace("`", "") in answer


@pytest.mark.slow
def test_every_image_has_a_text_alternative_and_the_figures_are_there(site):
    images = {
        path: [attrs for tag, attrs in Elements(page_file(site, path).read_text(encoding="utf-8")).tags if tag == "img"]
        for path in PAGES
    }
    without_alt = [
        (path, (attrs.get("src") or "")[:60])
        for path, tags in images.items()
        for attrs in tags
        if not (attrs.get("alt") or "").strip()
    ]
    assert not without_alt
    figures = sum(
        1 for tags in images.values() for attrs in tags if (attrs.get("src") or "").startswith("data:image/png")
    )
    assert figures >= 10, f"only {figures} inlined figures in the book: the notebooks' figures went missing"


@pytest.mark.slow
def test_each_page_has_launch_links_to_its_own_notebook(site):
    for path in PAGES:
        anchors = re.findall(
            r'<a class="reference external" href="([^"]+)">([^<]+)</a>', article(page_file(site, path))
        )
        launchers = {name: html.unescape(url) for url, name in anchors if name in ("Binder", "Colab", "JupyterHub")}
        assert launchers == launch_links(path), path


@pytest.mark.slow
def test_searching_for_batch_first_finds_lesson_03(site):
    script = (site / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(script[script.index("(") + 1 : script.rindex(")")])
    # Sphinx keeps words of headings apart from words of the text; its search looks in both.
    found = [index[kind].get("batch_first", []) for kind in ("terms", "titleterms")]
    numbers = [number for entry in found for number in ([entry] if isinstance(entry, int) else entry)]
    pages = {index["docnames"][number] for number in numbers}
    assert "notebooks/03_batch_first" in pages
