"""`TextBox`: the base of the lessons' explorers (01 and 02), an ipywidgets box whose text form is a stable summary."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets


class TextBox(widgets.VBox):
    """A VBox whose text form is `self.text()` rather than ipywidgets' repr of its children."""

    def text(self) -> str:
        """What the box shows, as plain text; each explorer says its own."""
        raise NotImplementedError(f"{type(self).__name__} must define text()")

    def __repr__(self) -> str:
        return self.text()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = self.text()
        return bundle
