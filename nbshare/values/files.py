"""Files as values: a name and its bytes, safe file names, and nbshare's private temporary folder."""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, ClassVar

from .._errors import InputError
from .stored import FileKind, Files, stored_kind

__all__ = ["FileData", "call_files", "format_bytes", "safe_file_name", "temporary_folder", "temporary_path"]

_temp_dir: str | None = None
_temp_dir_lock = threading.Lock()
_call_files: ContextVar[list[str] | None] = ContextVar("nbshare_call_files", default=None)


def format_bytes(count: int) -> str:
    if count < 1_000:
        return f"{count} bytes"
    return f"{count / 1e6:.1f} MB" if count >= 1e6 else f"{count / 1e3:.1f} KB"


def temporary_folder() -> str:
    """nbshare's own temporary folder (made on first use, removed at exit)."""
    global _temp_dir
    with _temp_dir_lock:
        if _temp_dir is None:
            _temp_dir = tempfile.mkdtemp(prefix="nbshare-files-")
            atexit.register(shutil.rmtree, _temp_dir, ignore_errors=True)
        return _temp_dir


def temporary_path(suffix: str, name: str = "") -> str:
    """A new file path in nbshare's temporary folder, ending in ``name`` when given (in a folder of its own).

    Made inside :func:`call_files` (a call of the function), it is removed when the call ends; otherwise at exit.
    """
    made = _call_files.get()
    if name:
        folder = tempfile.mkdtemp(dir=temporary_folder())
        if made is not None:
            made.append(folder)
        return os.path.join(folder, safe_file_name(name, suffix))
    handle, path = tempfile.mkstemp(suffix=suffix, dir=temporary_folder())
    os.close(handle)
    if made is not None:
        made.append(path)
    return path


@contextlib.contextmanager
def call_files() -> Iterator[None]:
    """Remove, when the block ends, every temporary file :func:`temporary_path` made in it: the copies of a call's
    inputs (``type="filepath"``) live as long as the call, whether it returns or raises."""
    made: list[str] = []
    token = _call_files.set(made)
    try:
        yield
    finally:
        _call_files.reset(token)
        for path in made:
            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):  # the function may have moved or removed it
                    os.remove(path)


def safe_file_name(name: str, fallback_suffix: str = "") -> str:
    """``name`` reduced to a plain file name: no folders, no control or reserved characters, not hidden."""
    base = os.path.basename(str(name).replace("\\", "/"))
    cleaned = "".join("_" if ch in '<>:"/\\|?*' or ord(ch) < 32 else ch for ch in base).strip(" .")
    return cleaned[:120] or f"file{fallback_suffix}"


@stored_kind
@dataclass(frozen=True, eq=False)
class FileData(FileKind):
    """A file's name and bytes: what a visitor uploaded, or what the function returned.

    In a flag record (kind "file"): the bytes as they were, under a generated name, and the original name.
    """

    kind: ClassVar[str] = "file"

    name: str
    data: bytes

    @classmethod
    def of(cls, value: Any) -> FileData:
        if isinstance(value, FileData):
            return value
        if isinstance(value, str | os.PathLike):
            with open(value, "rb") as handle:
                return cls(safe_file_name(os.path.basename(os.fspath(value))), handle.read())
        if isinstance(value, bytes | bytearray | memoryview):
            return cls("file", bytes(value))
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
            return cls(safe_file_name(value[0]), bytes(value[1]))
        raise InputError(f"a file must be a path, bytes or (name, bytes), got {type(value).__name__}")

    def to_record(self, files: Files, stem: str) -> dict[str, Any]:
        return {"kind": self.kind, "file": files.write(self.data, f"{stem}-file"), "name": self.name}

    @classmethod
    def from_record(cls, entry: dict[str, Any], files: Files) -> FileData:
        return cls(entry.get("name", "file"), files.path(entry["file"]).read_bytes())
