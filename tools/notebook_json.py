"""Notebook files as the maintainer tools read and write them: nbformat JSON, as Jupyter saves it."""

from __future__ import annotations

import json


def render(notebook: dict) -> str:
    """Serialise a notebook the way Jupyter saves it (indent 1, trailing newline)."""
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def cell_source(cell: dict) -> str:
    """A cell's source as one string (nbformat allows a string or a list of lines)."""
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
