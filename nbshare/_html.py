"""Markdown rendering and HTML sanitising: every piece of user or model text shown as HTML passes here."""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def _markdown_parser() -> Any:
    from markdown_it import MarkdownIt

    # html=False: raw HTML in the source is shown as text, never parsed; markdown-it also refuses
    # javascript:/vbscript:/file: link targets by itself.
    return MarkdownIt("commonmark", {"html": False}).enable("table").enable("strikethrough")


def sanitize_html(source: str) -> str:
    """Return ``source`` with everything but a safe allowlist of tags and attributes removed.

    Scripts, event-handler attributes, ``style`` and ``javascript:`` URLs never survive.
    """
    import nh3

    return nh3.clean(source, set_tag_attribute_values={"a": {"target": "_blank"}})


def render_markdown(source: str) -> str:
    """Render Markdown to sanitized HTML; HTML written inside the Markdown is escaped, not rendered."""
    if not source:
        return ""
    return sanitize_html(_markdown_parser().render(source))


def render_markdown_inline(source: str) -> str:
    """Render one line of Markdown (emphasis, code, links; no blocks) to sanitized HTML, HTML escaped."""
    if not source:
        return ""
    return sanitize_html(_markdown_parser().renderInline(source))
