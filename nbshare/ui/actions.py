"""The Submit and Clear buttons under the inputs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anywidget
import traitlets

from ..widgets._component import JS_DIR


class Actions(anywidget.AnyWidget):
    """Submit and Clear; in live mode only Clear is shown."""

    _esm = JS_DIR / "actions.js"

    live = traitlets.Bool(False).tag(sync=True)
    """Whether the interface runs on every change (no Submit button then)."""

    def __init__(self, live: bool = False) -> None:
        super().__init__(live=live)
        self._handlers: dict[str, list[Callable[[], object]]] = {"submit": [], "clear": []}
        self.on_msg(self._on_page_event)

    def on_click(self, event: str, handler: Callable[[], object]) -> None:
        """Call ``handler`` when the button for ``event`` ("submit" or "clear") is pressed."""
        self._handlers[event].append(handler)

    def _on_page_event(self, _widget: Any, content: Any, _buffers: Any) -> None:
        event = content.get("event") if isinstance(content, dict) else None
        for handler in self._handlers.get(event, []) if isinstance(event, str) else []:
            handler()
