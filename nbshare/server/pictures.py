"""Pictures a visitor's page fetches over HTTP instead of receiving them in its websocket.

A picture is named by the SHA-256 of its bytes, so its address never changes meaning: the page may cache it for good
(``immutable``), an example shown again costs no bytes, and one visitor's large picture travels on a connection of
its own while answers keep flowing on the websocket. Only pages holding the link's token (and sign-in) can fetch
one, and a name cannot be guessed without the picture itself. The store keeps the most recently published pictures
up to a byte budget.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

__all__ = ["DEFAULT_MAX_BYTES", "Pictures"]

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
EXTENSIONS = {"image/webp": "webp", "image/png": "png"}
TYPES = {extension: content_type for content_type, extension in EXTENSIONS.items()}


class Pictures:
    """Published pictures by name (``<sha256>.<ext>``), least recently published dropped first beyond ``max_bytes``."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._pictures: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def publish(self, data: bytes, content_type: str) -> str:
        """Keep ``data`` and return its address relative to the page (``pictures/<sha256>.<ext>``)."""
        name = f"{hashlib.sha256(data).hexdigest()}.{EXTENSIONS[content_type]}"
        with self._lock:
            if name in self._pictures:
                self._pictures.move_to_end(name)
            else:
                self._pictures[name] = data
                self._bytes += len(data)
                while self._bytes > self.max_bytes and len(self._pictures) > 1:
                    _, dropped = self._pictures.popitem(last=False)
                    self._bytes -= len(dropped)
        return f"pictures/{name}"

    def get(self, name: str) -> tuple[bytes, str] | None:
        """The picture called ``name`` and its content type, or None (never published, or dropped)."""
        with self._lock:
            data = self._pictures.get(name)
        extension = name.rpartition(".")[2]
        return None if data is None or extension not in TYPES else (data, TYPES[extension])
