"""How a value is kept in a flag record: every stored value has a ``kind`` and writes itself; reading dispatches by
the record's ``kind`` to the value type registered for it.

A record entry is a JSON object ``{"kind": ..., ...}``; files it names are relative to the store's folder.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np

__all__ = [
    "ArrayValue",
    "Files",
    "JsonValue",
    "PictureValue",
    "Stored",
    "as_stored",
    "cells",
    "decode",
    "describe",
    "stored_kind",
]


class Files(Protocol):
    """Where a record's files go: the flag store's folder."""

    def write(self, data: bytes, name: str) -> str:
        """Write ``data`` as ``name`` (fsync'd) and return its path relative to the store."""
        ...

    def path(self, relative: str) -> Path:
        """The absolute path of a file a record names."""
        ...


class Stored(Protocol):
    """A value the flag store can write: its ``kind`` and its record."""

    kind: ClassVar[str]

    def to_record(self, files: Files, stem: str) -> dict[str, Any]:
        """The record entry (``kind`` included), writing files named from ``stem``."""
        ...


class Kind(Protocol):
    """What the store needs to read a kind back: the value, its cells in ``iface.flags`` and a short description."""

    kind: ClassVar[str]

    @classmethod
    def from_record(cls, entry: dict[str, Any], files: Files) -> Any: ...

    @classmethod
    def frame_cells(cls, name: str, entry: dict[str, Any], files: Files) -> dict[str, Any]: ...

    @classmethod
    def describe(cls, entry: dict[str, Any]) -> str: ...


_KINDS: dict[str, type[Kind]] = {}


def stored_kind(cls: type[Any]) -> type[Any]:
    """Class decorator: records of ``cls.kind`` are read back by ``cls``."""
    _KINDS[cls.kind] = cls
    return cls


def _kind(entry: dict[str, Any]) -> type[Kind]:
    return _KINDS.get(str(entry.get("kind")), JsonValue)


def as_stored(value: Any) -> Stored:
    """``value`` itself when it knows its kind (an edited image, a table...), else the value as JSON."""
    return value if isinstance(getattr(value, "kind", None), str) else JsonValue(value)


def decode(entry: dict[str, Any], files: Files) -> Any:
    """The value a record entry holds, as the component holds it."""
    return _kind(entry).from_record(entry, files)


def cells(name: str, entry: dict[str, Any], files: Files) -> dict[str, Any]:
    """The columns of ``iface.flags`` one entry fills (its own, and e.g. ``<name> original``)."""
    return _kind(entry).frame_cells(name, entry, files)


def describe(entry: dict[str, Any]) -> str:
    """A few words for the inbox."""
    return _kind(entry).describe(entry)


class FileKind:
    """Kinds kept as a file: ``iface.flags`` shows its path, and the original's and the edit log when there are."""

    kind: ClassVar[str] = ""

    @classmethod
    def frame_cells(cls, name: str, entry: dict[str, Any], files: Files) -> dict[str, Any]:
        shown: dict[str, Any] = {name: str(files.path(entry["file"]))}
        if "original" in entry:
            shown[f"{name} original"] = str(files.path(entry["original"]))
            shown[f"{name} edits"] = entry.get("edits", [])
        return shown

    @classmethod
    def describe(cls, entry: dict[str, Any]) -> str:
        """The kind, and how many edits when it keeps an original and its edit log."""
        return f"{cls.kind}, {len(entry.get('edits', []))} edit(s)" if "original" in entry else cls.kind


@stored_kind
class JsonValue:
    """Any other value, kept in the record as JSON (arrays as lists, what JSON cannot hold as its repr)."""

    kind: ClassVar[str] = "value"

    def __init__(self, value: Any) -> None:
        self.value = value

    def to_record(self, files: Files, stem: str) -> dict[str, Any]:
        return {"kind": self.kind, "value": _jsonable(self.value)}

    @classmethod
    def from_record(cls, entry: dict[str, Any], files: Files) -> Any:
        return entry.get("value")

    @classmethod
    def frame_cells(cls, name: str, entry: dict[str, Any], files: Files) -> dict[str, Any]:
        return {name: entry.get("value")}

    @classmethod
    def describe(cls, entry: dict[str, Any]) -> str:
        return str(entry.get("value"))


@stored_kind
class ArrayValue(FileKind):
    """A float array (a saliency map), kept exact as ``.npy``."""

    kind: ClassVar[str] = "array"

    def __init__(self, array: np.ndarray) -> None:
        self.array = np.asarray(array)

    def to_record(self, files: Files, stem: str) -> dict[str, Any]:
        buffer = io.BytesIO()
        np.save(buffer, self.array, allow_pickle=False)
        return {"kind": self.kind, "file": files.write(buffer.getvalue(), f"{stem}.npy")}

    @classmethod
    def from_record(cls, entry: dict[str, Any], files: Files) -> Any:
        return np.load(files.path(entry["file"]), allow_pickle=False)


class PictureValue:
    """A picture without edits (an output image's pixels, or a rendered plot's PNG), kept as PNG; read back as an
    edited image with no edits (the "image" kind)."""

    kind: ClassVar[str] = "image"

    def __init__(self, picture: np.ndarray | bytes) -> None:
        self.picture = picture

    def to_record(self, files: Files, stem: str) -> dict[str, Any]:
        from .imaging import encode_png

        data = self.picture if isinstance(self.picture, bytes) else encode_png(self.picture)
        return {"kind": self.kind, "file": files.write(data, f"{stem}.png")}


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    try:
        json.dumps(value, allow_nan=False)
        return value
    except (TypeError, ValueError):
        return repr(value)
