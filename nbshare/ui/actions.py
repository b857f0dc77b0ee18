"""The Submit and Clear buttons under the inputs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import traitlets

from .._assets import component_esm
from ..widgets._page import PageWidget, on_event


class Actions(PageWidget):
    """Submit and Clear; in live mode only Clear is shown."""

    _esm = component_esm("actions.js")

    live = traitlets.Bool(False).tag(sync=True)
    """Whether the interface runs on every change (no Submit button then)."""

    def __init__(self, live: bool = False) -> None:
        super().__init__(live=live)
        self._handlers: dict[str, list[Callable[[], object]]] = {"submit": [], "clear": []}

    def on_click(self, event: str, handler: Callable[[], object]) -> None:
        """Call ``handler`` when the button for ``event`` ("submit" or "clear") is pressed."""
        self._handlers[event].append(handler)

    @on_event("submit")
    def _submit(self, _content: dict[str, Any], _buffers: list[Any]) -> None:
        for handler in self._handlers["submit"]:
            handler()

    @on_event("clear")
    def _clear(self, _content: dict[str, Any], _buffers: list[Any]) -> None:
        for handler in self._handlers["clear"]:
            handler()
