"""The researcher's inbox: flags as they arrive, newest first, each with a Load action that reproduces it."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets

from ..flagging import FlagStore, _read_png
from ..values import imaging
from ..widgets._component import shorten

if TYPE_CHECKING:
    from ..interface import Interface
    from .view import InterfaceView

__all__ = ["Inbox"]

PREVIEW_CHARS = 120


class Inbox(ipywidgets.VBox):
    """A live list of an Interface's flags; ``Load`` puts a flag's inputs (with their edits) into the notebook's
    interface and runs it, to see what the collaborator saw with the model answering now."""

    def __init__(self, interface: Interface) -> None:
        self._interface = interface
        self._header = ipywidgets.HTML()
        self._rows = ipywidgets.VBox()
        super().__init__([self._header, self._rows])
        self.add_class("nbshare-inbox")
        self._count = 0
        for record in interface.flag_store.records():
            self._add(record)
        interface.flag_store.on_flag(self._add)

    def _add(self, record: dict[str, Any]) -> None:
        self._count += 1
        self._header.value = f"<b>{self._count} flag{'s' if self._count != 1 else ''}</b>, newest first"
        self._rows.children = (self._row(record), *self._rows.children)

    def _row(self, record: dict[str, Any]) -> ipywidgets.Widget:
        folder = self._interface.flag_store.folder
        previews: list[ipywidgets.Widget] = []
        texts = []
        for name, entry in record.get("values", {}).items():
            kind = entry.get("kind")
            if kind == "image":
                pixels = _read_png(Path(folder, entry["file"]))
                previews.append(ipywidgets.Image(value=imaging.thumbnail_png(pixels, 72), format="png"))
            elif entry.get("role") == "input":
                shown = {"audio": f"audio, {len(entry.get('edits', []))} edit(s)", "table": "table", "file": "file"}
                text = shown.get(kind, str(entry.get("value")))
                texts.append(f"{html.escape(name)}: {html.escape(shorten(text, PREVIEW_CHARS))}")
        option = record.get("option")
        details = "<br>".join(
            [
                (f"<b>{html.escape(option)}</b> " if option else "")
                + html.escape(record.get("message") or "(no message)"),
                *texts,
                f"<small>{html.escape(record.get('time', ''))} · version {html.escape(str(record.get('version')))}"
                + (f" · {html.escape(record['user'])}" if record.get("user") else "")
                + "</small>",
            ]
        )
        load = ipywidgets.Button(description="Load", tooltip="Put this flag's inputs into the notebook's interface")
        load.on_click(lambda _button: self._interface.load_flag(record))
        return ipywidgets.HBox([*previews, ipywidgets.HTML(details), load])


def load_flag(interface: Interface, record: dict[str, Any] | str) -> InterfaceView:
    """See :meth:`Interface.load_flag`."""
    if isinstance(record, str):
        matches = [r for r in interface.flag_store.records() if r.get("id") == record]
        if not matches:
            raise KeyError(f"no flag with id {record!r}")
        record = matches[0]
    views = [view for view in interface._views if view.session_id == "notebook"]
    view = views[-1] if views else interface.view()
    values = inputs_of(record, interface.flag_store)
    for component in view.inputs:
        if component.label in values:
            component.value = values[component.label]
    view.submit()
    return view


def inputs_of(record: dict[str, Any], store: FlagStore) -> dict[str, Any]:
    """A flag's input values by input name, as the components hold them (images and audio with their edits)."""
    return {
        name: store.load_value(entry)
        for name, entry in record.get("values", {}).items()
        if entry.get("role") == "input"
    }
