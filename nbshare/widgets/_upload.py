"""Files that arrive from the page in parts.

A page sends an upload as a run of ``{"event": "upload", "part": i, "parts": n, ...}`` messages of at most
``js/upload.js``'s part size each, so a long recording or a large file never meets the share server's per-message
limit, and each part is acknowledged on its own.
"""

from __future__ import annotations

from typing import Any

from ..values.files import format_bytes
from ._component import InputError

__all__ = ["PartsReceiver"]


class PartsReceiver:
    """Joins the parts of one upload; ``receive`` returns ``(meta, bytes)`` once the last part is in, else None."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._meta: dict[str, Any] = {}
        self._size = 0

    def receive(
        self, content: dict[str, Any], buffers: Any, limit: int, what: str
    ) -> tuple[dict[str, Any], bytes] | None:
        part, parts = content.get("part", 0), content.get("parts", 1)
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in (part, parts)) or not 0 <= part < parts:
            self._chunks.clear()
            raise InputError(f"{what} arrived out of order; try again")
        if part == 0:
            self._chunks, self._meta, self._size = [], content, 0
        elif len(self._chunks) != part:
            self._chunks.clear()
            raise InputError(
                f"{what} arrived incompletely (part {part + 1} of {parts} without the ones before); try again"
            )
        data = bytes(buffers[0]) if buffers else b""
        self._size += len(data)
        if self._size > limit:
            self._chunks.clear()
            raise InputError(f"{what} is over {format_bytes(limit)}, the limit")
        self._chunks.append(data)
        if part + 1 < parts:
            return None
        joined = b"".join(self._chunks)
        self._chunks = []
        return self._meta, joined
