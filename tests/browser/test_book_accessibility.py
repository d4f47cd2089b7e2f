"""The static book (`make book`) has no serious or critical accessibility problem, in its light and its dark
theme: axe-core (vendored in tests/browser/axe/) checks every page of the built book, served on 127.0.0.1,
against the WCAG 2.1 A and AA rules, the whole page this time (the theme is part of what the course ships).
Every finding, moderate and minor too, is written to test-artifacts/browser/axe-book-<theme>.json.

The theme (pydata-sphinx-theme, under sphinx-book-theme) keeps the reader's choice in localStorage (`mode`:
light, dark or auto; `theme`: the one shown) and shows it as `data-theme` on `<html>`: the test sets both
and checks the page shows it.
"""

from __future__ import annotations

import functools
import json
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from test_accessibility_in_jupyterlab import failing, run_axe, summary

from tools import book

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = ["index.html", "search.html"] + [
    str(Path(path).with_suffix(".html")) for _, paths in book.pages() for path in paths
]
WHOLE_PAGE = {"include": [["html"]]}


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves files without a log line per request."""

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def book_url(tmp_path_factory):
    """The book built into a temporary folder and served over HTTP on 127.0.0.1 from a thread."""
    pytest.importorskip(
        "myst_nb", reason='the book extra is not installed: pip install -c constraints.txt -e ".[book]"'
    )
    out = tmp_path_factory.mktemp("book")
    assert book.build(out) == 0, "Sphinx reported warnings or errors building the book (see its output above)"
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(out / "html")))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_no_serious_or_critical_axe_violation_on_any_page_of_the_book(theme, book_url, page, artifacts):
    page.add_init_script(f"localStorage.setItem('mode', '{theme}'); localStorage.setItem('theme', '{theme}')")
    report, problems = {}, []
    for path in PAGES:
        page.goto(f"{book_url}/{path}")
        assert page.evaluate("() => document.documentElement.dataset.theme") == theme, path
        violations = run_axe(page, WHOLE_PAGE)
        report[path] = summary(violations)
        problems += [f"{path}: {line}" for line in failing(violations)]
    (artifacts / f"axe-book-{theme}.json").write_text(json.dumps(report, indent=1))
    assert not problems, "\n".join(problems)
