"""The researcher's inbox: flags as they arrive, newest first, each with a Load action that reproduces it, the outcome
of re-testing it on each model version and the researcher's replies."""

from __future__ import annotations

import contextvars
import html
import threading
from collections.abc import Callable
from typing import Any

import ipywidgets

from ..flagging import FlagStore
from ..values import imaging
from ..values.stored import describe
from ..widgets._component import shorten

__all__ = ["Inbox", "inputs_of", "retest_note"]

PREVIEW_CHARS = 120
VERSIONS_SHOWN = 3
"""Re-test outcomes shown per flag: the latest version's, and those of the two before it."""
REPLY_CHARS = 300


class Inbox(ipywidgets.VBox):
    """A live list of the flags in ``store``; ``Load`` calls ``on_load(record)`` (the Interface puts the flag's inputs,
    with their edits, into the notebook's view and runs it, to see what the collaborator saw with the model answering
    now). Each flag shows its re-tests (``v2: now 'no pacemaker'``) and replies as they are recorded."""

    def __init__(self, store: FlagStore, on_load: Callable[[dict[str, Any]], object]) -> None:
        self._store = store
        self._on_load = on_load
        self._header = ipywidgets.HTML()
        self._rows = ipywidgets.VBox()
        super().__init__([self._header, self._rows])
        self.add_class("nbshare-inbox")
        # A flag may arrive on a visitor's thread, inside their page's session: the row's widgets belong here.
        self._context = contextvars.copy_context()
        self._lock = threading.Lock()
        self._details: dict[str, tuple[ipywidgets.HTML, dict[str, Any]]] = {}
        self._retests: dict[str, dict[str, dict[str, Any]]] = {}
        self._replies: dict[str, list[dict[str, Any]]] = {}
        self.stop = store.watch(self._changed)
        """Stop following the store (the inbox keeps what it shows)."""
        for outcome in store.retests():
            self._keep_retest(outcome)
        for reply in store.replies():
            self._replies.setdefault(str(reply.get("flag")), []).append(reply)
        for record in store.records():
            self._add(record)

    def _changed(self, kind: str, record: dict[str, Any]) -> None:
        if kind == "flag":
            self._context.copy().run(self._add, record)
            return
        changed: set[str] = set()
        with self._lock:
            if kind == "retests":
                changed = {str(outcome.get("flag")) for outcome in record["outcomes"]}
                for outcome in record["outcomes"]:
                    self._keep_retest(outcome)
            elif kind == "reply":
                changed = {str(record.get("flag"))}
                self._replies.setdefault(str(record.get("flag")), []).append(record)
            for flag in changed & self._details.keys():
                details, flagged = self._details[flag]
                details.value = self._text(flagged)

    def _keep_retest(self, outcome: dict[str, Any]) -> None:
        versions = self._retests.setdefault(str(outcome.get("flag")), {})
        versions.pop(str(outcome.get("version")), None)  # a version's newest outcome, and the newest version last
        versions[str(outcome.get("version"))] = outcome

    def _add(self, record: dict[str, Any]) -> None:
        with self._lock:
            if record.get("id") in self._details:
                return
            row, details = self._row(record)
            self._details[str(record.get("id"))] = (details, record)
            count = len(self._details)
            self._header.value = f"<b>{count} flag{'s' if count != 1 else ''}</b>, newest first"
            self._rows.children = (row, *self._rows.children)

    def _row(self, record: dict[str, Any]) -> tuple[ipywidgets.Widget, ipywidgets.HTML]:
        previews: list[ipywidgets.Widget] = []
        for entry in record.get("values", {}).values():
            if entry.get("kind") == "image":  # a picture is shown, whatever its role
                try:
                    pixels = imaging.read_png(self._store.path(entry["file"]))
                except OSError:  # a removed file: the flag's text still shows
                    continue
                previews.append(ipywidgets.Image(value=imaging.thumbnail_png(pixels, 72), format="png"))
            elif entry.get("kind") == "video" and entry.get("thumbnail"):  # a clip: its kept part's middle frame
                try:
                    still = self._store.path(entry["thumbnail"]).read_bytes()
                except OSError:
                    continue
                previews.append(ipywidgets.Image(value=still, format="png"))
        details = ipywidgets.HTML(self._text(record))
        load = ipywidgets.Button(description="Load", tooltip="Put this flag's inputs into the notebook's interface")
        load.on_click(lambda _button: self._on_load(record))
        return ipywidgets.HBox([*previews, details, load]), details

    def _text(self, record: dict[str, Any]) -> str:
        texts = [
            f"{html.escape(name)}: {html.escape(shorten(describe(entry), PREVIEW_CHARS))}"
            for name, entry in record.get("values", {}).items()
            if entry.get("role") == "input" and entry.get("kind") != "image"
        ]
        option = record.get("option")
        flag = str(record.get("id"))
        retests = list(self._retests.get(flag, {}).values())[-VERSIONS_SHOWN:]
        replies = [
            f"<i>You replied</i> <small>{html.escape(str(r.get('time', '')))}</small>: "
            f"{html.escape(shorten(str(r.get('text', '')), REPLY_CHARS))}"
            for r in self._replies.get(flag, [])
        ]
        return "<br>".join(
            [
                (f"<b>{html.escape(option)}</b> " if option else "")
                + html.escape(record.get("message") or "(no message)"),
                *texts,
                f"<small>{html.escape(record.get('time', ''))} · version {html.escape(str(record.get('version')))}"
                + (f" · {html.escape(record['user'])}" if record.get("user") else "")
                + "</small>",
                *(f"<small>{html.escape(retest_note(outcome))}</small>" for outcome in reversed(retests)),
                *replies,
            ]
        )


def retest_note(outcome: dict[str, Any]) -> str:
    """One re-test for the researcher: ``v2: now 'no pacemaker'``, ``v2: unchanged ('pacemaker')``..."""
    version, answer = outcome.get("version"), outcome.get("answer")
    if outcome.get("error"):
        return f"{version}: could not re-test: {outcome['error']}"
    if outcome.get("changed") is True:
        return f"{version}: now '{answer}'"
    if outcome.get("changed") is False:
        return f"{version}: unchanged ('{answer}')"
    return f"{version}: answers '{answer}' (no earlier answer to compare)"


def inputs_of(record: dict[str, Any], store: FlagStore) -> dict[str, Any]:
    """A flag's input values by input name, as the components hold them (images and audio with their edits)."""
    return {
        name: store.load_value(entry)
        for name, entry in record.get("values", {}).items()
        if entry.get("role") == "input"
    }
