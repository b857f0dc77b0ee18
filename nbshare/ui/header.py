"""The interface's title and description, rendered from Markdown with HTML escaped."""

from __future__ import annotations

import anywidget
import traitlets

from .._assets import component_esm
from .._html import render_markdown, render_markdown_inline
from ..widgets._component import JS_DIR


class Header(anywidget.AnyWidget):
    """Title and description above the interface; also carries the shared stylesheet."""

    _esm = component_esm("header.js")
    _css = JS_DIR / "theme.css"

    title_html = traitlets.Unicode("").tag(sync=True)
    """The title rendered from one line of Markdown, sanitized."""

    description_html = traitlets.Unicode("").tag(sync=True)
    """The description rendered from Markdown, sanitized."""

    def __init__(self, title: str | None = None, description: str | None = None) -> None:
        super().__init__(
            title_html=render_markdown_inline(title or ""),
            description_html=render_markdown(description or ""),
        )
