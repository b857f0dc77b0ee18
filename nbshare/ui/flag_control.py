"""The Flag control under the outputs: an optional reason, a message, and a confirmation."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import traitlets

from .._assets import component_esm
from ..widgets._page import PageWidget, on_event

FLAGS_PER_WINDOW = 10
"""How many flags one page (one visitor's session) may send per :data:`FLAG_WINDOW_SECONDS`."""
FLAG_WINDOW_SECONDS = 60.0


class FlagControl(PageWidget):
    """Sends ``{"event": "flag", "option", "message"}``; shows ``confirmation`` or ``error`` after.

    A page may flag at most :data:`FLAGS_PER_WINDOW` times a minute (each flag writes its inputs to the researcher's
    disk); one more is refused with when to try again.
    """

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
        self._recent: deque[float] = deque()

    def on_flag(self, handler: Callable[[str | None, str], object]) -> None:
        self._handler = handler

    @on_event("flag", heavy=True)  # encoding images and writing files: in the heavy lane
    def _flag(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        if self._handler is None:
            return
        wait = self._wait_before_next()
        if wait > 0:
            self.confirmation = ""
            self.error = (
                f"You have sent {FLAGS_PER_WINDOW} flags in the last {FLAG_WINDOW_SECONDS:.0f} s, the most this page "
                f"takes; try again in {math.ceil(wait)} s"
            )
            return
        option, message = content.get("option"), content.get("message", "")
        self._handler(option if option != "" else None, message)

    def _wait_before_next(self) -> float:
        """Seconds until this page may flag again (0: now, and the attempt is counted)."""
        now = time.monotonic()
        while self._recent and now - self._recent[0] >= FLAG_WINDOW_SECONDS:
            self._recent.popleft()
        if len(self._recent) >= FLAGS_PER_WINDOW:
            return FLAG_WINDOW_SECONDS - (now - self._recent[0])
        self._recent.append(now)
        return 0.0

    def _page_event_starts(self, for_outputs: bool) -> None:
        self.error = ""  # a repeated refusal must still reach the page as a change

    def _refuse(self, message: str) -> None:
        self.confirmation, self.error = "", message
