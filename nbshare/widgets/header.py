"""The interface's title and description, rendered from Markdown with HTML escaped."""

from __future__ import annotations

import anywidget
import traitlets

from .._html import render_markdown
from ._component import JS_DIR


class Header(anywidget.AnyWidget):
    """Title and description above the interface; also carries the shared stylesheet."""

    _esm = JS_DIR / "header.js"
    _css = JS_DIR / "theme.css"

    title = traitlets.Unicode("").tag(sync=True)
    """The title, shown as plain text (never parsed as HTML)."""

    description_html = traitlets.Unicode("").tag(sync=True)
    """The description rendered from Markdown, sanitized."""

    def __init__(self, title: str | None = None, description: str | None = None) -> None:
        super().__init__(
            title=title or "",
            description_html=render_markdown(description or ""),
        )
