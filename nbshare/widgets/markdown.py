"""Rich text outputs: Markdown ("markdown") and HTML ("html"), always sanitized before display."""

from __future__ import annotations

from typing import Any

import traitlets

from .._assets import component_esm
from .._html import render_markdown, sanitize_html
from ._component import Component


class Markdown(Component):
    """Show Markdown; HTML written inside it is escaped, never run."""

    roles = frozenset({"output"})

    _esm = component_esm("markdown.js")
    shortcuts = {"output": ("markdown",)}
    expects = "Markdown text"

    value = traitlets.Unicode("").tag(sync=True)
    """The source text."""

    html = traitlets.Unicode("").tag(sync=True)
    """The safe HTML rendered from ``value`` (set by Python, read by the page)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.html = self._render(self.value)

    @traitlets.observe("value")
    def _rerender(self, change: Any) -> None:
        self.html = self._render(change["new"])

    @staticmethod
    def _render(source: str) -> str:
        return render_markdown(source)

    def postprocess(self, result: Any) -> str:
        return "" if result is None else str(result)

    def example_value(self) -> str:
        return "**example**"


class HTML(Markdown):
    """Show HTML after removing scripts, event handlers, styles and unsafe links."""

    shortcuts = {"output": ("html",)}
    expects = "HTML text"

    @staticmethod
    def _render(source: str) -> str:
        return sanitize_html(source)

    def example_value(self) -> str:
        return "<b>example</b>"
