"""The researcher's inbox: flags as they arrive, newest first, each with a Load action that reproduces it."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets

from ..flagging import FlagStore
from ..values import imaging
from ..values.stored import describe
from ..widgets._component import shorten

__all__ = ["Inbox", "inputs_of"]

PREVIEW_CHARS = 120


class Inbox(ipywidgets.VBox):
    """A live list of the flags in ``store``; ``Load`` calls ``on_load(record)`` (the Interface puts the flag's inputs,
    with their edits, into the notebook's view and runs it, to see what the collaborator saw with the model answering
    now)."""

    def __init__(self, store: FlagStore, on_load: Callable[[dict[str, Any]], object]) -> None:
        self._store = store
        self._on_load = on_load
        self._header = ipywidgets.HTML()
        self._rows = ipywidgets.VBox()
        super().__init__([self._header, self._rows])
        self.add_class("nbshare-inbox")
        self._count = 0
        for record in store.records():
            self._add(record)
        store.on_flag(self._add)

    def _add(self, record: dict[str, Any]) -> None:
        self._count += 1
        self._header.value = f"<b>{self._count} flag{'s' if self._count != 1 else ''}</b>, newest first"
        self._rows.children = (self._row(record), *self._rows.children)

    def _row(self, record: dict[str, Any]) -> ipywidgets.Widget:
        previews: list[ipywidgets.Widget] = []
        texts = []
        for name, entry in record.get("values", {}).items():
            if entry.get("kind") == "image":  # a picture is shown, whatever its role
                pixels = imaging.read_png(self._store.path(entry["file"]))
                previews.append(ipywidgets.Image(value=imaging.thumbnail_png(pixels, 72), format="png"))
            elif entry.get("role") == "input":
                texts.append(f"{html.escape(name)}: {html.escape(shorten(describe(entry), PREVIEW_CHARS))}")
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
        load.on_click(lambda _button: self._on_load(record))
        return ipywidgets.HBox([*previews, ipywidgets.HTML(details), load])


def inputs_of(record: dict[str, Any], store: FlagStore) -> dict[str, Any]:
    """A flag's input values by input name, as the components hold them (images and audio with their edits)."""
    return {
        name: store.load_value(entry)
        for name, entry in record.get("values", {}).items()
        if entry.get("role") == "input"
    }
