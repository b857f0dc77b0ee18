"""Files that arrive from the page in parts, within a byte budget.

A page sends an upload as a run of ``{"event": "upload", "part": i, "parts": n, ...}`` messages of at most
:data:`PART_BYTES` each (``js/upload.js``), so a long recording or a large file never meets the share server's
per-message limit; the first part carries what the upload is (its name, and its size or what it announces).

Nothing is held before it is known to fit: the first part's announced size is checked against the limit, then every
part against what was announced. A refused upload's later parts are refused with the same message, without being
held; parts out of order drop the upload; an upload whose next part does not come within :data:`IDLE_SECONDS` is
dropped by a timer, and a component drops its unfinished upload when it is closed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from ..values.files import format_bytes
from ._component import InputError

__all__ = ["IDLE_SECONDS", "PART_BYTES", "PartsReceiver"]

PART_BYTES = 4 * 1024 * 1024  # js/upload.js sends parts of exactly this size (the last one smaller)
IDLE_SECONDS = 60.0  # an upload whose next part takes longer is dropped (4 MB in 60 s: a 0.6 Mbit/s link)


class PartsReceiver:
    """Joins the parts of one upload; ``receive`` returns ``(meta, bytes)`` once the last part is in, else None."""

    def __init__(self) -> None:
        self.idle_seconds = IDLE_SECONDS
        self.expired = threading.Event()
        """Set each time an unfinished upload is dropped because its next part did not come in time."""
        self._lock = threading.Lock()
        self._chunks: list[bytes] = []
        self._meta: dict[str, Any] = {}
        self._parts = 0
        self._size = 0
        self._total: int | None = None
        self._refused: tuple[int, str] | None = None  # (parts, message) of the upload refused at its first part
        self._timer: threading.Timer | None = None
        self._generation = 0

    @property
    def held_bytes(self) -> int:
        """Bytes of an unfinished upload held now."""
        return self._size

    def receive(
        self,
        content: dict[str, Any],
        buffers: Any,
        *,
        limit: int,
        what: str,
        option: str,
        total_of: Callable[[dict[str, Any]], int | None] | None = None,
        noun: str = "",
    ) -> tuple[dict[str, Any], bytes] | None:
        """Take one part. ``limit``: the most bytes in all; ``option``: how the researcher raises it (e.g.
        ``"File(max_upload_bytes"``); ``total_of(first part's content)``: the byte count it announces (or None),
        raising an InputError for what it announces wrongly; ``what``: the upload's name in messages."""
        part, parts = content.get("part", 0), content.get("parts", 1)
        data = memoryview(buffers[0]).cast("B") if buffers else memoryview(b"")
        with self._lock:
            if not all(isinstance(n, int) and not isinstance(n, bool) for n in (part, parts)) or not 0 <= part < parts:
                self._drop()
                raise InputError(f"{what} arrived out of order; try again")
            if part == 0:
                self._drop()
                self._refused = None
                try:
                    self._start(content, parts, len(data), limit, what, option, total_of, noun)
                except InputError as error:
                    self._refused = (parts, str(error))
                    raise
            elif self._refused is not None and self._refused[0] == parts:
                raise InputError(self._refused[1])  # the rest of a refused upload: refused alike, never held
            elif self._parts != parts or len(self._chunks) != part:
                self._drop()
                raise InputError(f"{what} arrived out of order (part {part + 1} of {parts:,} first); try again")
            else:
                try:
                    self._check_part(len(data), limit, what, option, noun)
                except InputError as error:
                    self._refused = (parts, str(error))
                    raise
            self._chunks.append(bytes(data))
            self._size += len(data)
            if part + 1 < parts:
                self._arm()
                return None
            meta, total, joined = self._meta, self._total, b"".join(self._chunks)
            self._drop()
        if total is not None and len(joined) != total:
            got = format_bytes(len(joined))
            raise InputError(f"{what} arrived incomplete ({got} of {format_bytes(total)}); try again")
        return meta, joined

    def _start(
        self,
        content: dict[str, Any],
        parts: int,
        size: int,
        limit: int,
        what: str,
        option: str,
        total_of: Callable[[dict[str, Any]], int | None] | None,
        noun: str,
    ) -> None:
        total = None if total_of is None else total_of(content)
        if total is not None:
            if total > limit:
                raise InputError(
                    f"{what} is {format_bytes(total)}{noun}; the limit is {format_bytes(limit)} "
                    f"(raise it with {option}=...))"
                )
            if parts > max(1, total):  # every part brings a byte at least
                raise InputError(f"{what} arrived in {parts:,} parts for {format_bytes(total)}; try again")
        self._meta, self._parts, self._total = content, parts, total
        self._check_part(size, limit, what, option, noun)

    def _check_part(self, size: int, limit: int, what: str, option: str, noun: str) -> None:
        held, total = self._size + size, self._total
        problem = ""
        if total is not None and held > total:
            announced = format_bytes(total)
            problem = f"{what} arrived larger than announced ({format_bytes(held)} for {announced}); try again"
        elif size > PART_BYTES:
            problem = f"{what} arrived in a part of {format_bytes(size)}, more than a part may hold; try again"
        elif held > limit:
            problem = f"{what} is over {format_bytes(limit)}{noun}, the limit (raise it with {option}=...))"
        if problem:
            self._drop()
            raise InputError(problem)

    def _arm(self) -> None:
        """Drop this upload unless its next part comes within ``idle_seconds``."""
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(self.idle_seconds, self._expire, args=(self._generation,))
        self._timer.daemon = True
        self._timer.start()

    def _expire(self, generation: int) -> None:
        with self._lock:
            if generation != self._generation or not self._chunks:
                return
            self._drop()
        self.expired.set()

    def _drop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._chunks, self._meta, self._parts, self._size, self._total = [], {}, 0, 0, None
        self._generation += 1

    def drop(self) -> None:
        """Forget an unfinished upload (the component is closing)."""
        with self._lock:
            self._drop()
            self._refused = None
