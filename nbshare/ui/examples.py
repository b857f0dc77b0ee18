"""Pre-supplied examples: a table of rows; clicking one fills the inputs and runs the function."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anywidget
import traitlets

from ..widgets._component import JS_DIR


class Examples(anywidget.AnyWidget):
    """Example rows under the interface, each a button."""

    _esm = JS_DIR / "examples.js"

    headers = traitlets.List(traitlets.Unicode()).tag(sync=True)
    """Column titles: the inputs' labels."""

    rows = traitlets.List(traitlets.List(traitlets.Union([traitlets.Unicode(), traitlets.Bytes()]))).tag(sync=True)
    """Each example's previews: short text, or PNG bytes shown as a thumbnail."""

    def __init__(self, headers: list[str], rows: list[list[str | bytes]]) -> None:
        super().__init__(headers=headers, rows=rows)
        self._select_handlers: list[Callable[[int], None]] = []
        self.on_msg(self._on_page_event)

    def on_select(self, handler: Callable[[int], None]) -> None:
        """Call ``handler(index)`` when the viewer clicks example ``index``."""
        self._select_handlers.append(handler)

    def _on_page_event(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict) or content.get("event") != "select":
            return
        index = content.get("index")
        if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(self.rows):
            for handler in self._select_handlers:
                handler(index)
