"""What visitors' uploads hold in the kernel, all sessions together: one budget, so many visitors each within their
own limits (an image under ``max_pixels``, a clip under ``max_duration``) cannot together exhaust the kernel's memory.

A component holds its latest visitor upload's bytes until it takes another or closes (a session ends, a page leaves
for good). The notebook's own values (no session) are not counted: they are the researcher's.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from .._errors import InputError
from .._routing import current_session
from ..values.files import format_bytes

__all__ = ["VISITOR_UPLOADS", "HeldBytes", "hold", "release"]


def _a_quarter_of_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 4
    except (ValueError, OSError, AttributeError):  # no such figure here: assume a 16 GB machine
        return 4 * 2**30


class HeldBytes:
    """Bytes held by visitors' uploads, against ``limit`` (default: a quarter of the machine's memory)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0
        self._lock = threading.Lock()

    def change(self, old: int, new: int, what: str) -> None:
        """Replace a hold of ``old`` bytes by ``new``; InputError (nothing changed) when that would pass the limit."""
        with self._lock:
            if new > old and self.held - old + new > self.limit:
                raise InputError(
                    f"{what} would take {format_bytes(new)} of the model's memory, and visitors' uploads already hold "
                    f"{format_bytes(self.held)} of the {format_bytes(self.limit)} it keeps for them; try again in a "
                    "few minutes (the researcher can raise nbshare.widgets.VISITOR_UPLOADS.limit)"
                )
            self.held += new - old


VISITOR_UPLOADS = HeldBytes(_a_quarter_of_memory())


def hold(component: Any, nbytes: int, what: str) -> None:
    """Count ``nbytes`` as what ``component`` holds from its visitor (replacing its earlier hold), before it keeps
    them; raises InputError when visitors' uploads would hold too much. Nothing is counted outside a session."""
    if current_session() is None:
        return
    VISITOR_UPLOADS.change(getattr(component, "_held_bytes", 0), nbytes, what)
    component._held_bytes = nbytes


def release(component: Any) -> None:
    """``component`` holds nothing any more (it closed)."""
    held = getattr(component, "_held_bytes", 0)
    if held:
        VISITOR_UPLOADS.change(held, 0, "")
        component._held_bytes = 0
