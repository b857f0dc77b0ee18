"""The Explain control: a button, a progress bar with Cancel while it runs, and what the explanation shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import traitlets

from .._assets import component_esm
from ..widgets._page import PageWidget, on_event


class ExplainControl(PageWidget):
    """Sends ``{"event": "explain"}`` and ``{"event": "cancel"}``; shows progress, a summary or an error."""

    _esm = component_esm("explain.js")

    page_writable = frozenset()  # the page only sends events

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

    stale = traitlets.Bool(False).tag(sync=True)
    """Whether the explanation shown explains inputs or an answer no longer on screen: the page says it is out of
    date and offers Explain again."""

    def __init__(self) -> None:
        super().__init__()
        self._handlers: dict[str, Callable[[], object]] = {}

    def on_click(self, event: str, handler: Callable[[], object]) -> None:
        """Call ``handler()`` when the page sends ``event`` ("explain" or "cancel")."""
        self._handlers[event] = handler

    @on_event("explain")
    def _explain(self, _content: dict[str, Any], _buffers: list[Any]) -> None:
        if "explain" in self._handlers:
            self._handlers["explain"]()

    @on_event("cancel")
    def _cancel(self, _content: dict[str, Any], _buffers: list[Any]) -> None:
        if "cancel" in self._handlers:
            self._handlers["cancel"]()
