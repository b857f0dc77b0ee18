"""The Explain control: a button, a progress bar with Cancel while it runs, and what the explanation shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anywidget
import traitlets

from ..widgets._component import JS_DIR


class ExplainControl(anywidget.AnyWidget):
    """Sends ``{"event": "explain"}`` and ``{"event": "cancel"}``; shows progress, a summary or an error."""

    _esm = JS_DIR / "explain.js"

    page_writable: frozenset[str] = frozenset()  # the page only sends events

    state = traitlets.Enum(["idle", "running", "done", "error", "cancelled"], "idle").tag(sync=True)
    """Where the latest explanation is."""

    done = traitlets.Int(0).tag(sync=True)
    """Model evaluations finished so far (perturbed inputs or gradient samples)."""

    total = traitlets.Int(0).tag(sync=True)
    """Model evaluations the explanation needs."""

    summary = traitlets.Unicode("").tag(sync=True)
    """What the finished explanation measured and how (shown under the button)."""

    message = traitlets.Unicode("").tag(sync=True)
    """Why the latest explanation failed."""

    def __init__(self) -> None:
        super().__init__()
        self._handlers: dict[str, Callable[[], object]] = {}
        self.on_msg(self._on_page_event)

    def on_click(self, event: str, handler: Callable[[], object]) -> None:
        """Call ``handler()`` when the page sends ``event`` ("explain" or "cancel")."""
        self._handlers[event] = handler

    def _on_page_event(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("event") in self._handlers:
            self._handlers[content["event"]]()
