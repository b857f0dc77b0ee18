"""File input (upload with a size limit) and output (a download link) ("file")."""

from __future__ import annotations

from typing import Any

import traitlets

from .._assets import component_esm
from ..values.dataurl import data_url_schema, decode_data_url, encode_data_url
from ..values.files import FileData, format_bytes, safe_file_name, temporary_path
from ._component import Component, InputError, on_event
from ._held import hold
from ._upload import PartsReceiver


class File(Component):
    """A file. As an input, the visitor uploads one (up to ``max_upload_bytes``); the function receives its path
    (in a private temporary folder, under the uploaded name) or its bytes. As an output, the function returns a
    path, bytes or ``(name, bytes)`` and the visitor gets a download button. Only what the function returned can be
    downloaded: the page names no path, it asks the widget for its file."""

    _esm = component_esm("file.js")
    shortcuts = {"input": ("file",), "output": ("file",)}
    expects = "a path, bytes or (name, bytes)"

    page_writable = frozenset()  # everything comes as checked events

    value = traitlets.Any(None)
    """The file (``nbshare.values.files.FileData``: name and bytes), or None. Kept in Python."""

    type = traitlets.Enum(["filepath", "bytes"], "filepath").tag(sync=True, option=True)
    """What the function receives: the path of a copy of the file, or its bytes."""

    file_types = traitlets.List(traitlets.Unicode(), None, allow_none=True).tag(sync=True, option=True)
    """Accepted extensions or MIME types, e.g. [".csv", ".txt"] (a hint to the file picker, checked again here)."""

    max_upload_bytes = traitlets.Int(50_000_000).tag(sync=True, option=True)
    """Largest file accepted, in bytes: checked in the page before sending, and in Python on the size the first part
    announces and on every part, before it is held."""

    # State shown by the page, set by Python.
    file_name = traitlets.Unicode("").tag(sync=True)
    file_size = traitlets.Int(-1).tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._parts = PartsReceiver()

    @traitlets.validate("value")
    def _coerce_value(self, proposal: Any) -> FileData | None:
        return None if proposal["value"] is None else FileData.of(proposal["value"])

    @traitlets.observe("value")
    def _value_changed(self, change: Any) -> None:
        file: FileData | None = change["new"]
        with self.hold_sync():
            self.file_name = "" if file is None else file.name
            self.file_size = -1 if file is None else len(file.data)

    def preprocess(self, value: Any) -> Any:
        if value is None:
            raise InputError(f"{self.label or 'The file'} is empty: choose a file")
        file = FileData.of(value)
        if self.type == "bytes":
            return file.data
        path = temporary_path("", file.name)
        with open(path, "wb") as handle:
            handle.write(file.data)
        return path

    def postprocess(self, result: Any) -> FileData | None:
        return None if result is None else FileData.of(result)

    def example_value(self) -> Any:
        return self.value if self.value is not None else FileData("example.txt", b"example\n")

    def empty_value(self) -> Any:
        return None

    def preview(self, value: Any) -> str:
        file = self.postprocess(value)
        return "" if file is None else f"{file.name} ({format_bytes(len(file.data))})"

    @on_event("download", outputs=True)
    def _download(self, _content: dict[str, Any], _buffers: list[Any]) -> None:
        if self.value is not None:
            self.send({"event": "download", "name": self.value.name}, [self.value.data])

    @on_event("upload")
    def _receive_part(self, content: dict[str, Any], buffers: list[Any]) -> None:
        name = safe_file_name(str(content.get("name") or "The file")) if content.get("part") == 0 else "The file"
        done = self._parts.receive(
            content,
            buffers,
            limit=self.max_upload_bytes,
            what=name,
            option="File(max_upload_bytes",
            total_of=lambda meta: _announced_size(meta, name),
        )
        if done is not None:
            self._accept(*done)

    def close(self) -> None:
        self._parts.drop()  # an unfinished upload is not kept for a page that is gone
        super().close()

    def _accept(self, meta: dict[str, Any], data: bytes) -> None:
        name = safe_file_name(str(meta.get("name") or "file"))
        if not data:
            raise InputError(f"{name} is empty (0 bytes)")
        if self.file_types and not _matches(name, str(meta.get("mime") or ""), self.file_types):
            raise InputError(f"{name} is not one of the accepted kinds: {', '.join(self.file_types)}")
        hold(self, len(data), name)  # all visitors' uploads together have a budget too
        self.value = FileData(name, data)

    # -- the HTTP API ------------------------------------------------------------------------------

    def json_schema(self) -> dict[str, Any]:
        description = "a data URL: data:application/octet-stream;name=x.csv;base64,..."
        return data_url_schema(description, required=self.interactive)

    def from_json(self, value: Any) -> Any:
        data, _type, name = decode_data_url(value, self.label or "The file", limit=self.max_upload_bytes)
        return self.from_upload(data, name)

    def from_upload(self, data: bytes, name: str) -> Any:
        if len(data) > self.max_upload_bytes:
            raise InputError(f"{name or self.label or 'The file'} is {format_bytes(len(data))}; the limit is "
                             f"{format_bytes(self.max_upload_bytes)}")  # fmt: skip
        return FileData(safe_file_name(name or "file"), data)

    def to_json(self, value: Any) -> Any:
        file = self.postprocess(value)
        return None if file is None else encode_data_url(file.data, "application/octet-stream", file.name)


def _announced_size(meta: dict[str, Any], name: str) -> int | None:
    """The byte count the first part announces (the page sends the file's size), checked before any part is held."""
    size = meta.get("size")
    if size is None:
        return None
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise InputError(f"{name} arrived without a valid size; try again")
    return size


def _matches(name: str, mime: str, accepted: list[str]) -> bool:
    lower = name.lower()
    for kind in accepted:
        kind = kind.lower()
        if kind.startswith(".") and lower.endswith(kind):
            return True
        if (kind.endswith("/*") and mime.startswith(kind[:-1])) or kind == mime:
            return True
    return False
