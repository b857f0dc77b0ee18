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
import io
import json
import os
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._errors import InputError
from .values import imaging, tables
from .values import sound as audio
from .values.edits import EditedImage
from .values.sound import EditedAudio
from .values.tables import Table
from .widgets.file import FileData

if TYPE_CHECKING:
    from .interface import Interface
    from .ui.view import InterfaceView

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
        ``{"role": ..., "value": ...}``). Returns the record as written."""
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
                    **self._encode(entry["value"], f"{flag_id}-{index}"),
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

    def _encode(self, value: Any, stem: str) -> dict[str, Any]:
        if isinstance(value, EditedImage):
            return {
                "kind": "image",
                "file": self._write_png(value.edited(), f"{stem}-edited"),
                "original": self._write_png(value.original, f"{stem}-original"),
                "edits": list(value.edits),
            }
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":  # a saliency map: kept exact, as .npy
            buffer = io.BytesIO()
            np.save(buffer, value, allow_pickle=False)
            return {"kind": "array", "file": self._write(buffer.getvalue(), f"{stem}.npy")}
        if isinstance(value, np.ndarray) and value.dtype == np.uint8 and value.ndim in (2, 3):
            return {"kind": "image", "file": self._write_png(value, stem)}
        if isinstance(value, bytes) and value.startswith(b"\x89PNG"):  # a rendered plot
            return {"kind": "image", "file": self._write(value, f"{stem}.png")}
        if isinstance(value, EditedAudio):
            return {
                "kind": "audio",
                "file": self._write(
                    audio.encode_wav(value.edited(), value.sample_rate, float32=True), f"{stem}-edited.wav"
                ),
                "original": self._write(
                    audio.encode_wav(value.original, value.sample_rate, float32=True), f"{stem}-original.wav"
                ),
                "edits": list(value.edits),
            }
        if isinstance(value, Table):
            return {
                "kind": "table",
                "file": self._write(_csv_text(value.headers, value.cells).encode(), f"{stem}.csv"),
                "datatypes": value.datatypes,
                "dtypes": value.dtypes,
            }
        if isinstance(value, FileData):
            return {"kind": "file", "file": self._write(value.data, f"{stem}-file"), "name": value.name}
        return {"kind": "value", "value": _jsonable(value)}

    def _write_png(self, pixels: np.ndarray, stem: str) -> str:
        return self._write(imaging.encode_png(pixels), f"{stem}.png")

    def _write(self, data: bytes, name: str) -> str:
        relative = f"files/{name}"
        target = self.folder / relative
        temporary = target.with_name(target.name + ".tmp")
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
        return relative

    def load_value(self, entry: dict[str, Any]) -> Any:
        """A stored value as the component holds it: EditedImage, EditedAudio, Table, FileData, or the JSON value."""
        kind = entry.get("kind")
        if kind == "image":
            original = _read_png(self.folder / entry.get("original", entry["file"]))
            return EditedImage(original, tuple(entry.get("edits", ())))
        if kind == "audio":
            rate, samples = audio.decode_wav((self.folder / entry.get("original", entry["file"])).read_bytes())
            return EditedAudio(rate, samples, tuple(entry.get("edits", ())))
        if kind == "table":
            headers, *cells = _read_csv(self.folder / entry["file"])
            return Table(headers, list(entry["datatypes"]), cells, entry.get("dtypes"))
        if kind == "file":
            return FileData(entry.get("name", "file"), (self.folder / entry["file"]).read_bytes())
        if kind == "array":
            return np.load(self.folder / entry["file"], allow_pickle=False)
        return entry.get("value")

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
        same with WAV paths (``nbshare.audio.decode_wav``), tables are DataFrames, files are paths. A flag sent with
        an explanation on screen has ``<input> explanation`` columns (a saliency map as a ``.npy`` path for
        ``numpy.load``, or ``[piece, score]`` pairs for words and features) and an ``explanation`` summary."""
        import pandas as pd

        rows = []
        for record in self.records():
            row: dict[str, Any] = {}
            for name, entry in record.get("values", {}).items():
                kind = entry.get("kind")
                if kind == "table":
                    table = self.load_value(entry)
                    try:
                        row[name] = tables.to_dataframe(table)
                    except InputError:  # flagged with cells that do not parse: show the text as it was
                        row[name] = pd.DataFrame(table.cells, columns=table.headers)
                elif kind in ("image", "audio", "file", "array"):
                    row[name] = str(self.folder / entry["file"])
                    if "original" in entry:
                        row[f"{name} original"] = str(self.folder / entry["original"])
                        row[f"{name} edits"] = entry.get("edits", [])
                else:
                    row[name] = entry.get("value")
            if "explanation" in record:
                row["explanation"] = record["explanation"]
            for key in ("option", "message", "time", "session", "user", "version", "nbshare_version", "id"):
                row[key] = record.get(key)
            rows.append(row)
        frame = pd.DataFrame(rows)
        if "time" in frame:
            frame["time"] = pd.to_datetime(frame["time"], utc=True)
        return frame


def flag_view(interface: Interface, view: InterfaceView, option: str | None, message: str) -> dict[str, Any]:
    """Store what ``view`` shows now (its inputs; its outputs once it has answered) as a flag of ``interface``.

    Raises InputError for a message over the interface's limit or a reason it does not offer, FlagError when the
    disk refuses.
    """
    from . import __version__

    if not isinstance(message, str):
        raise InputError("the flag message must be text")
    if len(message) > interface.max_flag_message_chars:
        raise InputError(
            f"the message is {len(message):,} characters; the limit is {interface.max_flag_message_chars:,}"
        )
    options = interface.flagging_options
    if option is not None and options and option not in options:
        raise InputError(f"unknown reason {option[:40]!r}; choose one of {', '.join(options)}")
    values = {c.label: {"role": "input", "value": c.value} for c in view.inputs}
    answered = view.answered_version is not None
    for component in view.outputs:
        values[component.label] = {"role": "output", "value": component.value if answered else None}
    explanation = view.explainer.current() if view.explainer is not None else None
    for part in explanation.inputs if explanation is not None else []:
        shown = part.map if part.kind == "image" else [list(piece) for piece in part.pieces]
        values[f"{part.name} explanation"] = {"role": "explanation", "value": shown}
    fields: dict[str, Any] = {"explanation": explanation.summary()} if explanation is not None else {}
    fields |= {
        "option": option,
        "message": message,
        "session": view.session_id,
        "user": view.user,
        "version": view.answered_version or interface.version,
        "answered": answered,
        "nbshare_version": __version__,
    }
    return interface.flag_store.append(fields, values)


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


def _csv_text(headers: list[str], cells: list[list[str]]) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(cells)
    return out.getvalue()


def _read_csv(path: Path) -> list[list[str]]:
    import csv

    with open(path, newline="", encoding="utf-8") as handle:
        return [row for row in csv.reader(handle)]


def _read_png(path: Path) -> np.ndarray:
    """Pixels exactly as stored (a grayscale PNG stays 2-D): the store wrote them, so no limits are needed."""
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image)


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
