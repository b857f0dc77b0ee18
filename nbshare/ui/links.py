"""The links of a launched interface, shown in the researcher's notebook without ever being saved in it.

A link's URL carries the access token. A notebook keeps what a cell displays (its outputs) and, in JupyterLab, may
keep its widgets' synced state, so neither may hold a URL: this widget syncs only whether the links are closed. Each
view asks the kernel for the URLs when it renders (a custom message, which no front end stores) and gets them back
the same way; its plain-text form, what a notebook saves beside the widget, has the token masked.

On a JupyterHub without ``public_url`` the notebook-server link is only a path (``/user/ada/proxy/…``): the kernel
cannot know the address the researcher's browser uses. The view sends its own page's address when it asks, and a
link that is only a path is completed from it, in the panel and in ``link.url`` afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import traitlets

from .._assets import component_esm
from .._routing import current_session
from ..widgets._page import PageWidget, on_event

__all__ = ["LinksPanel", "mask_token"]

_TOKEN = re.compile(r"([?&]token=)[^&#\s]*")

HIDDEN_HINT = (
    "The token is hidden here so that it is not saved with the notebook: link.url (or link.urls) holds the full link."
)


def mask_token(url: str) -> str:
    """``url`` with the value of its ``token=`` parameter replaced by "…"."""
    return _TOKEN.sub(r"\1…", url)


def page_origin(page: Any) -> str | None:
    """``scheme://host[:port]`` of a notebook page's address, or None unless it is a plain http(s) address."""
    if not isinstance(page, str) or len(page) > 4096:
        return None
    try:
        parts = urlsplit(page)
        parts.port  # noqa: B018 (raises on a malformed port)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    return f"{parts.scheme}://{parts.netloc}"


class LinksPanel(PageWidget):
    """Each link as a clickable address (its token masked in the text, whole in the target) with a Copy button.

    ``links`` is called whenever a view asks: it returns the (name, full URL) pairs to show, which are never stored in
    a trait. ``located`` is called with the address of the notebook page that shows the panel (http or https only),
    before ``links``: a link that is only a path can be completed from it.
    """

    _esm = component_esm("links.js")

    closed = traitlets.Bool(False).tag(sync=True)
    """Whether the links were closed (``Link.close()``): the views then say so and drop the addresses."""

    def __init__(
        self, links: Callable[[], list[tuple[str, str]]], located: Callable[[str], None] | None = None
    ) -> None:
        super().__init__()
        self._links = links
        self._located = located

    @on_event("links")
    def _send_links(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        if current_session() is not None:
            return  # a visitor's page never gets the links (the panel is the notebook's alone)
        page = page_origin(content.get("page"))
        if page is not None and self._located is not None:
            self._located(page)
        links = [] if self.closed else self._links()
        self.send({"links": [{"name": name, "url": url} for name, url in links]})

    def __repr__(self) -> str:
        # ipywidgets' repr lists the traits; the notebook saves it as the output's text: no token in it.
        lines = [f"{name}: {mask_token(url)}" for name, url in self._links()]
        return "\n".join(["This interface's links are closed."] if self.closed else [*lines, HIDDEN_HINT])
