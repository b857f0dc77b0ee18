"""Flags: what a collaborator marked, kept on the researcher's disk and read back as a pandas DataFrame.

A store is a folder: ``flags.jsonl`` (one JSON record per line, append-only) and ``files/`` (images as PNG, audio as
32-bit float WAV, tables as CSV of the cells' text, uploaded and returned files as they were). Each
record's files are written and fsync'd first, then its line is appended and fsync'd under an exclusive lock, so many
writers (every session, the notebook, other processes) never interleave, and a killed writer loses at most the record
it was writing. A torn last line is skipped when reading. File names are generated, never taken from user input.
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import json
import os
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .values import stored

__all__ = ["FlagError", "FlagStore", "export_csv", "load_flags"]

DEFAULT_MAX_MESSAGE_CHARS = 10_000


class FlagError(RuntimeError):
    """A flag could not be stored; the message says why (and nothing stored earlier is affected)."""


class FlagStore:
    """An append-only flag folder, safe for concurrent writers in this and other processes."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder).absolute()  # paths in the DataFrame stay valid after a chdir
        self.lines = self.folder / "flags.jsonl"
        self.files = self.folder / "files"
        self._lock = threading.Lock()
        self._listeners: list[Callable[[dict[str, Any]], None]] = []

    def on_flag(self, listener: Callable[[dict[str, Any]], None]) -> None:
        """Call ``listener(record)`` after each record this store object writes."""
        self._listeners.append(listener)

    def append(self, fields: dict[str, Any], values: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """Store one flag: ``fields`` (message, option, session...) and ``values`` (per column: input/output name ->
        ``{"role": ..., "value": stored value}``, each value with a ``kind`` that writes its own record, see
        :mod:`nbshare.values.stored`). Returns the record as written."""
        flag_id = uuid.uuid4().hex
        record: dict[str, Any] = {
            "id": flag_id,
            "time": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds"),
            **fields,
            "values": {},
        }
        try:
            self.files.mkdir(parents=True, exist_ok=True)
            for index, (name, entry) in enumerate(values.items()):
                record["values"][name] = {
                    "role": entry["role"],
                    **stored.as_stored(entry["value"]).to_record(self, f"{flag_id}-{index}"),
                }
            line = (json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n").encode()
            with self._lock, open(self.lines, "ab") as handle:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
                try:
                    handle.write(line)
                    handle.flush()
                    os.fsync(handle.fileno())
                finally:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        except OSError as error:
            raise FlagError(
                f"the flag could not be saved ({error.strerror or error}); earlier flags are intact"
            ) from error
        for listener in list(self._listeners):
            listener(record)
        return record

    def write(self, data: bytes, name: str) -> str:
        """Write a record's file ``files/<name>`` (fsync'd, replaced atomically); returns its relative path."""
        relative = f"files/{name}"
        target = self.folder / relative
        temporary = target.with_name(target.name + ".tmp")
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
        return relative

    def path(self, relative: str) -> Path:
        """The absolute path of a file a record names."""
        return self.folder / relative

    def load_value(self, entry: dict[str, Any]) -> Any:
        """A stored value as the component holds it (EditedImage, EditedAudio, Table, FileData, an array, or the JSON
        value), read by the value type registered for the entry's ``kind``."""
        return stored.decode(entry, self)

    def records(self) -> list[dict[str, Any]]:
        """Every intact record, oldest first (a torn line from a killed writer is skipped)."""
        if not self.lines.exists():
            return []
        records = []
        with open(self.lines, "rb") as handle:
            for raw in handle:
                try:
                    records.append(json.loads(raw))
                except ValueError:
                    continue
        return records

    def dataframe(self) -> Any:
        """One row per flag (oldest first): a column per input/output, then option, message, time, session, user,
        version, nbshare_version, id. Images are paths to PNG files (edited image in the column, the original in
        ``<name> original``, the edit log in ``<name> edits``); load one with ``PIL.Image.open(path)``. Audio is the
        same with WAV paths (``nbshare.values.sound.decode_wav``), tables are DataFrames, files are paths. A flag sent
        with an explanation on screen has ``<input> explanation`` columns (a saliency map as a ``.npy`` path for
        ``numpy.load``, or ``[piece, score]`` pairs for words and features) and an ``explanation`` summary."""
        import pandas as pd

        rows = []
        for record in self.records():
            row: dict[str, Any] = {}
            for name, entry in record.get("values", {}).items():
                row.update(stored.cells(name, entry, self))
            if "explanation" in record:
                row["explanation"] = record["explanation"]
            for key in ("option", "message", "time", "session", "user", "version", "nbshare_version", "id"):
                row[key] = record.get(key)
            rows.append(row)
        frame = pd.DataFrame(rows)
        if "time" in frame:
            frame["time"] = pd.to_datetime(frame["time"], utc=True)
        return frame


def load_flags(folder: str | os.PathLike[str]) -> Any:
    """The flags stored in ``folder`` as a DataFrame (the same as ``iface.flags``), e.g. after a kernel restart."""
    if not Path(folder, "flags.jsonl").exists():
        raise FileNotFoundError(f"no flags in {folder} (expected {Path(folder, 'flags.jsonl')})")
    return FlagStore(folder).dataframe()


def export_csv(flags: Any, path: str | os.PathLike[str]) -> None:
    """Write a flags DataFrame as CSV for a spreadsheet, neutralising formulas (cells starting with = + - @)."""

    def neutral(value: Any) -> Any:
        if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + value
        return value

    flags.map(neutral).to_csv(path, index=False)
