"""Sphinx settings for the course's static book. Build it with `make book` (tools/book.py writes the pages
from the course manifest and runs Sphinx with these settings; the pages are not in this folder).

The notebooks are shown with their stored outputs and never executed: nbval already proves them current.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # course_utils, read from the working tree like the notebooks do

from course_utils.course import BRANCH, REPOSITORY_URL  # noqa: E402

project = "birnn-course"
author = "the birnn-course authors"
copyright = "the birnn-course authors, MIT licence"
html_title = "birnn-course: bidirectional RNNs in PyTorch"

extensions = ["myst_nb"]
nb_execution_mode = "off"
# Notebook Markdown writes math between dollar signs, as JupyterLab shows it.
myst_enable_extensions = ["dollarmath"]
# The course's figures come as text/html (an <img> with its text alternative as alt), PNG and text: the
# HTML comes first, so every figure keeps its alt text.
nb_mime_priority_overrides = [("html", "text/html", 0)]

html_theme = "sphinx_book_theme"
html_static_path = ["_static"]
templates_path = ["_templates"]  # search-button-field.html: the theme's search button, accessible
html_css_files = ["book.css"]
html_theme_options = {
    "repository_url": REPOSITORY_URL,
    "repository_branch": BRANCH,
    "use_repository_button": True,
    "show_toc_level": 2,
}
