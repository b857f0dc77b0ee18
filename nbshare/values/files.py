"""Files as values: a name and its bytes, safe file names, and nbshare's private temporary folder."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from dataclasses import dataclass
from typing import Any, ClassVar

from .._errors import InputError
from .stored import FileKind, Files, stored_kind

__all__ = ["FileData", "format_bytes", "safe_file_name", "temporary_path"]

_temp_dir: str | None = None


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
