"""Pictures a visitor's page fetches over HTTP instead of receiving them in its websocket.

A picture is named by the SHA-256 of its bytes, so its address never changes meaning: the page may cache it for good
(``immutable``), an example shown again costs no bytes, and one visitor's large picture travels on a connection of
its own while answers keep flowing on the websocket. Only pages holding the link's token (and sign-in) can fetch
one, and a name cannot be guessed without the picture itself.

Each picture is held by the sessions that published it. A session keeps its most recent pictures up to
``per_owner_bytes`` (beyond it, its own oldest go); the store keeps at most ``max_bytes`` in all, and when it must make
room it takes the oldest picture of whoever holds the most. So a visitor flooding the store only ever pushes out their
own pictures, or those of someone holding more than they do; a session that ends lets go of what it held, and one
that has ended can keep nothing more (a job still running when it closed). Each picture is charged ``OVERHEAD`` bytes
beyond its own, for what keeping it costs.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_PER_OWNER_BYTES", "Pictures"]

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
DEFAULT_PER_OWNER_BYTES = 32 * 1024 * 1024
OVERHEAD = 512
EXTENSIONS = {"image/webp": "webp", "image/png": "png"}
TYPES = {extension: content_type for content_type, extension in EXTENSIONS.items()}


class Pictures:
    """Published pictures by name (``<sha256>.<ext>``), each held by the owners (sessions) that published it."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES, per_owner_bytes: int = DEFAULT_PER_OWNER_BYTES) -> None:
        self.max_bytes = max_bytes
        self.per_owner_bytes = per_owner_bytes
        self._pictures: dict[str, bytes] = {}
        self._holders: dict[str, set[str]] = {}  # picture -> owners
        self._held: dict[str, OrderedDict[str, int]] = {}  # open owner -> its pictures (oldest first) and their cost
        self._held_bytes: dict[str, int] = {}
        self._open: set[str] = {""}  # "": pictures nobody in particular holds (always open)
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def total_bytes(self) -> int:
        """What all pictures kept cost (each once, however many hold it)."""
        return self._bytes

    def held_bytes(self, owner: str) -> int:
        """What the pictures ``owner`` holds cost."""
        return self._held_bytes.get(owner, 0)

    def open(self, owner: str) -> None:
        """``owner`` (a session) may keep pictures from now until :meth:`release`."""
        with self._lock:
            self._open.add(owner)

    def publish(self, data: bytes, content_type: str, owner: str = "") -> str:
        """Keep ``data`` for ``owner`` and return its address relative to the page (``pictures/<sha256>.<ext>``).

        The newest picture is always kept, however large: the page that asked for it can fetch it. An owner that is
        not open (its session has ended) keeps nothing: the address it gets is for a page that is gone.
        """
        name = f"{hashlib.sha256(data).hexdigest()}.{EXTENSIONS[content_type]}"
        with self._lock:
            if owner not in self._open:
                return f"pictures/{name}"
            if name not in self._pictures:
                self._pictures[name] = data
                self._holders[name] = set()
                self._bytes += len(data) + OVERHEAD
            self._holders[name].add(owner)
            held = self._held.setdefault(owner, OrderedDict())
            if name not in held:
                held[name] = len(data) + OVERHEAD
                self._held_bytes[owner] = self._held_bytes.get(owner, 0) + held[name]
            held.move_to_end(name)
            while self._held_bytes[owner] > self.per_owner_bytes and len(held) > 1:
                self._let_go(owner, next(iter(held)))
            while self._bytes > self.max_bytes and self._make_room(name):
                pass
        return f"pictures/{name}"

    def release(self, owner: str) -> None:
        """``owner`` (a session that ended) holds nothing any more, and keeps nothing from now on: what no one else
        holds is dropped."""
        with self._lock:
            for name in list(self._held.get(owner, ())):
                self._let_go(owner, name)
            self._held.pop(owner, None)
            self._held_bytes.pop(owner, None)
            if owner:
                self._open.discard(owner)

    def get(self, name: str) -> tuple[bytes, str] | None:
        """The picture called ``name`` and its content type, or None (never published, or dropped)."""
        with self._lock:
            data = self._pictures.get(name)
        extension = name.rpartition(".")[2]
        return None if data is None or extension not in TYPES else (data, TYPES[extension])

    def _make_room(self, keep: str) -> bool:
        """Let go of the oldest picture (other than ``keep``) of the owner holding the most; False if none is left."""
        for owner in sorted(self._held_bytes, key=self._held_bytes.__getitem__, reverse=True):
            oldest = next((name for name in self._held[owner] if name != keep), None)
            if oldest is not None:
                self._let_go(owner, oldest)
                return True
        return False

    def _let_go(self, owner: str, name: str) -> None:
        cost = self._held[owner].pop(name, None)
        if cost is not None:
            self._held_bytes[owner] -= cost
        holders = self._holders.get(name)
        if holders is None:
            return
        holders.discard(owner)
        if not holders:
            del self._holders[name]
            self._bytes -= len(self._pictures.pop(name)) + OVERHEAD
