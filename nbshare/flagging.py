"""Flags: what a collaborator marked, kept on the researcher's disk and read back as a pandas DataFrame.

A store is a folder: ``flags.jsonl`` (one JSON record per line, append-only) and ``files/`` (images as PNG, audio as
32-bit float WAV, tables as CSV of the cells' text, uploaded and returned files as they were). Each
record's files are written and fsync'd first, then its line is appended and fsync'd under an exclusive lock, so many
writers (every session, the notebook, other processes) never interleave, and a killed writer loses at most the record
it was writing. A torn last line is skipped when reading. File names are generated, never taken from user input.
The researcher's replies (``replies.jsonl``) and the outcomes of re-testing flags on a model version
(``retests.jsonl``) are appended the same way, each line naming its flag: nothing earlier is ever rewritten.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import fcntl
import json
import os
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._log import log_exception
from .values import stored
from .values.files import format_bytes

__all__ = ["FlagError", "FlagStore", "export_csv", "load_flags", "text_problem"]

DEFAULT_MAX_MESSAGE_CHARS = 10_000
DEFAULT_MAX_FLAG_BYTES = 128 * 1024 * 1024

Listener = Callable[[str, dict[str, Any]], None]
"""``listener(kind, record)``: a "flag" or a "reply" as written, or "retests": ``{"outcomes": [...]}``, the outcomes
of one re-test run at once."""


def text_problem(text: Any, what: str, max_chars: int) -> str | None:
    """What keeps ``text`` from being stored, or None: not text, over ``max_chars`` characters, or not valid Unicode
    (a lone surrogate: a page's JSON can carry one, UTF-8 cannot)."""
    if not isinstance(text, str):
        return f"{what} must be text"
    if len(text) > max_chars:
        return f"{what} is {len(text):,} characters; the limit is {max_chars:,}"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return (
            f"{what} contains a character that is not valid text (U+{ord(text[error.start]):04X} at position "
            f"{error.start + 1}, half of a surrogate pair); remove it and try again"
        )
    return None


class FlagError(RuntimeError):
    """A flag could not be stored; the message says why (and nothing stored earlier is affected)."""


class FlagStore:
    """An append-only flag folder, safe for concurrent writers in this and other processes.

    ``max_flag_bytes`` caps what one flag may write (its files and its line): a flag over it is refused with a
    message and leaves nothing behind. Raise it (``iface.flag_store.max_flag_bytes = ...``) for flags of very large
    inputs.
    """

    def __init__(self, folder: str | os.PathLike[str], max_flag_bytes: int = DEFAULT_MAX_FLAG_BYTES) -> None:
        self.folder = Path(folder).absolute()  # paths in the DataFrame stay valid after a chdir
        self.lines = self.folder / "flags.jsonl"
        self.replies_file = self.folder / "replies.jsonl"
        self.retests_file = self.folder / "retests.jsonl"
        self.files = self.folder / "files"
        self.max_flag_bytes = max_flag_bytes
        """The most bytes one flag may write to disk (its files and its line)."""
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []

    def on_flag(self, listener: Callable[[dict[str, Any]], None]) -> None:
        """Call ``listener(record)`` after each flag this store object writes."""
        self.watch(lambda kind, record: listener(record) if kind == "flag" else None)

    def watch(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(kind, record)`` after each flag, reply or re-test run this store object writes (see
        :data:`Listener`; on the writer's thread; what it raises is logged). Returns the function that stops it."""
        self._listeners.append(listener)

        def stop() -> None:
            with contextlib.suppress(ValueError):  # stopped already
                self._listeners.remove(listener)

        return stop

    def _notify(self, kind: str, record: dict[str, Any]) -> None:
        for listener in list(self._listeners):
            try:
                listener(kind, record)
            except Exception as error:  # what is stored stays stored: one viewer's defect must not look like a refusal
                log_exception(f"showing a new {kind} of the flag store", error)

    def append(self, fields: dict[str, Any], values: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """Store one flag: ``fields`` (message, option, session...) and ``values`` (per column: input/output name ->
        ``{"role": ..., "value": stored value}``, each value with a ``kind`` that writes its own record, see
        :mod:`nbshare.values.stored`). Returns the record as written."""
        flag_id = uuid.uuid4().hex
        record: dict[str, Any] = {
            "id": flag_id,
            "time": _now(),
            **fields,
            "values": {},
        }
        files = _RecordFiles(self, self.max_flag_bytes)
        try:
            self.files.mkdir(parents=True, exist_ok=True)
            for index, (name, entry) in enumerate(values.items()):
                record["values"][name] = {
                    "role": entry["role"],
                    **stored.as_stored(entry["value"]).to_record(files, f"{flag_id}-{index}"),
                }
            line = _line(record, "the flag")
            files.count(len(line))
            self._append_lines(self.lines, line)
        except OSError as error:
            files.remove()
            raise FlagError(
                f"the flag could not be saved ({error.strerror or error}); earlier flags are intact"
            ) from error
        except BaseException:
            files.remove()
            raise
        self._notify("flag", record)
        return record

    def reply(self, flag_id: str, text: str, max_chars: int = DEFAULT_MAX_MESSAGE_CHARS) -> dict[str, Any]:
        """Store the researcher's answer ``text`` to flag ``flag_id`` (``replies.jsonl``, with the time); returns the
        reply. KeyError for an id no flag has; ValueError for text that is empty, over ``max_chars`` characters or
        not valid Unicode; FlagError when the disk refuses it."""
        if not isinstance(text, str):
            raise TypeError(f"a reply is text, got {type(text).__name__}")
        if not text.strip():
            raise ValueError("the reply is empty")
        problem = text_problem(text, "the reply", max_chars)
        if problem is not None:
            raise ValueError(problem)
        if not isinstance(flag_id, str) or not any(record.get("id") == flag_id for record in self.records()):
            raise KeyError(f"no flag with id {str(flag_id)[:80]!r} in {self.folder} (see the id column of iface.flags)")
        reply = {"id": uuid.uuid4().hex, "flag": flag_id, "time": _now(), "text": text}
        self._append(self.replies_file, [reply], "the reply")
        self._notify("reply", reply)
        return reply

    def record_retests(self, outcomes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Append the outcomes of re-testing flags (each ``{"flag", "version", "changed", "answer", "error"}``; the
        time is added) to ``retests.jsonl`` at once; returns them as written."""
        written = [{**outcome, "time": _now()} for outcome in outcomes]
        if written:
            self._append(self.retests_file, written, "the re-test results")
        if written:
            self._notify("retests", {"outcomes": written})
        return written

    def replies(self) -> list[dict[str, Any]]:
        """Every reply, oldest first: ``{"id", "flag", "time", "text"}``."""
        return _read_lines(self.replies_file)

    def retests(self) -> list[dict[str, Any]]:
        """Every re-test outcome, oldest first: ``{"flag", "version", "changed", "answer", "error", "time"}``."""
        return _read_lines(self.retests_file)

    def _append(self, path: Path, records: list[dict[str, Any]], what: str) -> None:
        data = b"".join(_line(record, what) for record in records)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._append_lines(path, data)
        except OSError as error:
            raise FlagError(
                f"{what} could not be saved ({error.strerror or error}); nothing earlier is affected"
            ) from error

    def _append_lines(self, path: Path, data: bytes) -> None:
        """Append whole lines under this object's lock and an exclusive file lock (other processes), fsync'd."""
        with self._lock, open(path, "ab") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

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
        return _read_lines(self.lines)

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


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")


def _line(record: dict[str, Any], what: str) -> bytes:
    try:
        return (json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n").encode()
    except UnicodeEncodeError as error:
        raise FlagError(
            f"{what} holds text that is not valid Unicode (a lone surrogate, {error.object[error.start]!r}); "
            "nothing was stored"
        ) from None


def _read_lines(path: Path) -> list[dict[str, Any]]:
    """The intact JSON objects of a ``.jsonl`` file, oldest first (a torn line from a killed writer is skipped)."""
    if not path.exists():
        return []
    records = []
    with open(path, "rb") as handle:
        for raw in handle:
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
    return records


class _RecordFiles:
    """The files of the record being written: counted against the flag's budget, removed if the record fails."""

    def __init__(self, store: FlagStore, budget: int) -> None:
        self.store = store
        self.budget = budget
        self.written: list[str] = []
        self.size = 0

    def count(self, size: int) -> None:
        self.size += size
        if self.size > self.budget:
            raise FlagError(
                f"this flag would take more than {format_bytes(self.budget)} on disk, the most one flag may "
                "(the researcher can raise it: iface.flag_store.max_flag_bytes); nothing was stored"
            )

    def write(self, data: bytes, name: str) -> str:
        self.count(len(data))
        relative = self.store.write(data, name)
        self.written.append(relative)
        return relative

    def path(self, relative: str) -> Path:
        return self.store.path(relative)

    def remove(self) -> None:
        for relative in self.written:
            # The disk may refuse this too; what is left is then named for a record that never existed.
            with contextlib.suppress(OSError):
                self.store.path(relative).unlink(missing_ok=True)


def load_flags(folder: str | os.PathLike[str]) -> Any:
    """The flags stored in ``folder`` as a DataFrame (the same as ``iface.flags``), e.g. after a kernel restart."""
    if not Path(folder, "flags.jsonl").exists():
        raise FileNotFoundError(f"no flags in {folder} (expected {Path(folder, 'flags.jsonl')})")
    return FlagStore(folder).dataframe()


def export_csv(flags: Any, path: str | os.PathLike[str]) -> None:
    """Write a flags DataFrame as CSV for a spreadsheet: every cell quoted, and a text that a spreadsheet could read
    as a formula (``= + - @``, a tab or a carriage return at its start or after any line break) gets a ``'`` first."""
    import csv
    import numbers
    import re

    formula = re.compile(r"(?:^|(?<=[\r\n]))(?=[=+\-@\t\r])")

    def neutral(value: Any) -> Any:
        if value is None or isinstance(value, numbers.Number | _dt.datetime):
            return value  # numbers and times: the spreadsheet's own types, never a formula
        return formula.sub("'", value if isinstance(value, str) else str(value))

    flags.map(neutral).to_csv(path, index=False, quoting=csv.QUOTE_ALL)
