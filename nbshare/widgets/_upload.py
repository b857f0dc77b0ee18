"""Files that arrive from the page in parts, and temporary files handed to the function.

A page sends an upload as a run of ``{"event": "upload", "part": i, "parts": n, ...}`` messages of at most
``js/upload.js``'s part size each, so a long recording or a large file never meets the share server's per-message
limit, and each part is acknowledged on its own.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from typing import Any

from ._component import JS_DIR, InputError

__all__ = ["PartsReceiver", "esm_with_upload", "format_bytes", "temporary_path"]

_temp_dir: str | None = None


def esm_with_upload(name: str) -> str:
    """The front-end module ``name`` preceded by the shared upload helper (an ES module cannot import a sibling)."""
    return (JS_DIR / "upload.js").read_text() + "\n" + (JS_DIR / name).read_text()


def format_bytes(count: int) -> str:
    if count < 1_000:
        return f"{count} bytes"
    return f"{count / 1e6:.1f} MB" if count >= 1e6 else f"{count / 1e3:.1f} KB"


def temporary_path(suffix: str, name: str = "") -> str:
    """A new file path in nbshare's own temporary folder (removed at exit), ending in ``name`` when given."""
    global _temp_dir
    if _temp_dir is None:
        _temp_dir = tempfile.mkdtemp(prefix="nbshare-files-")
        atexit.register(shutil.rmtree, _temp_dir, ignore_errors=True)
    if name:
        folder = tempfile.mkdtemp(dir=_temp_dir)
        return os.path.join(folder, safe_file_name(name, suffix))
    handle, path = tempfile.mkstemp(suffix=suffix, dir=_temp_dir)
    os.close(handle)
    return path


def safe_file_name(name: str, fallback_suffix: str = "") -> str:
    """``name`` reduced to a plain file name: no folders, no control or reserved characters, not hidden."""
    base = os.path.basename(str(name).replace("\\", "/"))
    cleaned = "".join("_" if ch in '<>:"/\\|?*' or ord(ch) < 32 else ch for ch in base).strip(" .")
    return cleaned[:120] or f"file{fallback_suffix}"


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
