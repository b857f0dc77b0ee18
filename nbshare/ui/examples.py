"""Pre-supplied examples: a grid of cards (thumbnails or short text, and a caption); clicking one fills the inputs and
runs the function."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import traitlets

from .._assets import component_esm
from ..widgets._page import PageWidget, on_event


class Examples(PageWidget):
    """Examples under the interface, each a button: its previews and its caption."""

    _esm = component_esm("examples.js")

    headers = traitlets.List(traitlets.Unicode()).tag(sync=True)
    """Column titles: the inputs' labels."""

    rows = traitlets.List(traitlets.List(traitlets.Union([traitlets.Unicode(), traitlets.Bytes()]))).tag(sync=True)
    """Each example's previews: short text, or PNG bytes shown as a thumbnail."""

    captions = traitlets.List(traitlets.Unicode()).tag(sync=True)
    """Each example's caption ("" for none), shown escaped under its previews."""

    thumbnails = traitlets.List(traitlets.List(traitlets.Unicode())).tag(sync=True)
    """For a page far away, the addresses its thumbnails are fetched (and cached) from, in place of their bytes in
    ``rows`` (which are then ""): a reload costs them nothing. Empty otherwise."""

    prefetch = traitlets.List(traitlets.Unicode()).tag(sync=True)
    """Addresses (relative to a shared page) of the pictures its examples would show: a page far away fetches them
    while its visitor looks, so choosing an example costs only the answer."""

    def __init__(
        self,
        headers: list[str],
        rows: list[list[str | bytes]],
        captions: list[str] | None = None,
        *,
        publish: Callable[[bytes, str], str] | None = None,
        prefetch: list[str] | None = None,
    ) -> None:
        """``publish(bytes, content_type) -> address``: a page far away's; its thumbnails are then served by address
        instead of in the state, from the first message on (so they never cross the link as bytes as well)."""
        captions = list(captions or [])
        thumbnails: list[list[str]] = []
        if publish is not None:
            thumbnails = [[publish(c, "image/png") if isinstance(c, bytes) else "" for c in row] for row in rows]
            rows = [["" if isinstance(cell, bytes) else cell for cell in row] for row in rows]
        super().__init__(
            headers=headers,
            rows=rows,
            captions=captions + [""] * (len(rows) - len(captions)),
            thumbnails=thumbnails,
            prefetch=list(prefetch or []),
        )
        self._select_handlers: list[Callable[[int], None]] = []

    def on_select(self, handler: Callable[[int], None]) -> None:
        """Call ``handler(index)`` when the viewer clicks example ``index``."""
        self._select_handlers.append(handler)

    @on_event("select")
    def _select(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        index = content.get("index")
        if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(self.rows):
            for handler in self._select_handlers:
                handler(index)
