"""The Flag control under the outputs: an optional reason, a message, and a confirmation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import traitlets

from .._assets import component_esm
from ..widgets._page import PageWidget, on_event


class FlagControl(PageWidget):
    """Sends ``{"event": "flag", "option", "message"}``; shows ``confirmation`` or ``error`` after."""

    _esm = component_esm("flag.js")

    options = traitlets.List(traitlets.Unicode()).tag(sync=True)
    """Reasons to choose from (none: no choice shown)."""

    max_message_chars = traitlets.Int(10_000).tag(sync=True)

    confirmation = traitlets.Unicode("").tag(sync=True)
    """Set after a flag was stored."""

    error = traitlets.Unicode("").tag(sync=True)
    """Set when a flag could not be stored."""

    sent = traitlets.Int(0).tag(sync=True)
    """How many flags this viewer has stored (the page clears the message after each)."""

    def __init__(self, options: list[str], max_message_chars: int) -> None:
        super().__init__(options=options, max_message_chars=max_message_chars)
        self._handler: Callable[[str | None, str], object] | None = None

    def on_flag(self, handler: Callable[[str | None, str], object]) -> None:
        self._handler = handler

    @on_event("flag")
    def _flag(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        if self._handler is None:
            return
        option, message = content.get("option"), content.get("message", "")
        self._handler(option if isinstance(option, str) and option else None, message)
