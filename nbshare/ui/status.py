"""Shows what the interface is doing: queued (with the live count ahead), running, done in N ms, cancelled, or the
error the function raised; a Cancel button while a request is queued or running."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import traitlets

from .._assets import component_esm
from ..widgets._page import PageWidget, on_event


class Status(PageWidget):
    """One line above the outputs; errors are announced to screen readers (role="alert")."""

    _esm = component_esm("status.js")

    state = traitlets.Enum(["idle", "queued", "running", "done", "error", "cancelled"], "idle").tag(sync=True)
    """Where the latest request is."""

    message = traitlets.Unicode("").tag(sync=True)
    """The error text when ``state`` is "error"."""

    ahead = traitlets.Int(0).tag(sync=True)
    """Requests ahead of this one while queued (recounted as the queue moves)."""

    elapsed_ms = traitlets.Float(0.0).tag(sync=True)
    """How long the function took, when done."""

    def __init__(self) -> None:
        super().__init__()
        self._cancel_handlers: list[Callable[[], object]] = []

    def on_cancel(self, handler: Callable[[], object]) -> None:
        """Call ``handler`` when the viewer presses Cancel."""
        self._cancel_handlers.append(handler)

    @on_event("cancel")
    def _cancel(self, _content: dict[str, Any], _buffers: list[Any]) -> None:
        for handler in self._cancel_handlers:
            handler()
