"""Your flags: the flags a viewer sent (in this session, or under the same sign-in or browser), newest first, with what
became of each: re-tested on a new model version, answered by the researcher."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import traitlets

from .._assets import component_esm
from ..widgets._component import JS_DIR, shorten
from ..widgets._page import PageWidget

if TYPE_CHECKING:
    from ..flagging import FlagStore

__all__ = ["YourFlags", "visitor_note"]

MAX_SHOWN = 50
"""The page shows the latest this many of a viewer's flags."""
MESSAGE_CHARS = 200
OPTION_CHARS = 60
VERSION_CHARS = 40
REPLY_CHARS = 1_000
REPLIES_SHOWN = 3
VERSIONS_SHOWN = 3


class YourFlags(PageWidget):
    """A viewer's own flags, live: a flag they send, a re-test recorded, a reply from the researcher appear at once.

    ``owns(record)`` says whether a flag is this viewer's. Nothing else of the store reaches the page: never another
    viewer's flag or reply, never an id, a session or a sign-in. Hidden while there is none. The page sends nothing.
    """

    _esm = component_esm("your_flags.js")
    _css = JS_DIR / "your_flags.css"

    items = traitlets.List(traitlets.Dict()).tag(sync=True)
    """Newest first, at most :data:`MAX_SHOWN`: ``{"time", "option", "message", "status" ("sent", "retested" or
    "replied"), "retests": [text, ...], "replies": [{"text", "time"}, ...]}``, every text shortened."""

    total = traitlets.Int(0).tag(sync=True)
    """How many flags the viewer has sent in all (more than ``items`` holds when over :data:`MAX_SHOWN`)."""

    replies = traitlets.Int(0).tag(sync=True)
    """How many replies ``items`` holds: the page announces a new one."""

    def __init__(self, store: FlagStore, owns: Callable[[dict[str, Any]], bool], *, look_back: bool) -> None:
        """``look_back``: read the store's earlier flags (a viewer who may have flagged before: a sign-in, a
        browser, the notebook); a new anonymous session starts empty without reading the disk."""
        super().__init__()
        self.layout.display = "none"
        self._owns = owns
        self._lock = threading.Lock()
        self._flags: dict[str, dict[str, Any]] = {}  # id -> what the page shows of it, oldest first
        self._retests: dict[str, dict[str, dict[str, Any]]] = {}
        self._replies: dict[str, list[dict[str, Any]]] = {}
        self._count = 0
        self.stop = store.watch(self._changed)  # first: nothing written while the disk is read is missed
        """Stop following the store (when the view closes)."""
        if look_back:
            with self._lock:
                for record in store.records():
                    if owns(record):
                        self._keep_flag(record)
                for outcome in store.retests():
                    self._keep(outcome, "retest")
                for reply in store.replies():
                    self._keep(reply, "reply")
        self._publish()

    def _changed(self, kind: str, record: dict[str, Any]) -> None:
        with self._lock:
            if kind == "flag":
                if not self._owns(record):
                    return
                self._keep_flag(record)
            elif kind == "retests":
                kept = [self._keep(outcome, "retest") for outcome in record["outcomes"]]
                if not any(kept):
                    return  # none of this viewer's flags: nothing to send
            elif not self._keep(record, kind):
                return
        self._publish()

    def _keep_flag(self, record: dict[str, Any]) -> None:
        flag = str(record.get("id"))
        if flag in self._flags:
            return
        self._count += 1
        self._flags[flag] = {
            "time": str(record.get("time") or ""),
            "option": shorten(str(record.get("option") or ""), OPTION_CHARS),
            "message": shorten(str(record.get("message") or ""), MESSAGE_CHARS),
        }
        while len(self._flags) > MAX_SHOWN:  # the oldest leaves, with what was kept of it
            oldest = next(iter(self._flags))
            del self._flags[oldest]
            self._retests.pop(oldest, None)
            self._replies.pop(oldest, None)

    def _keep(self, record: dict[str, Any], kind: str) -> bool:
        """Keep a re-test outcome or a reply of a shown flag; False when it is not about one."""
        flag = str(record.get("flag"))
        if flag not in self._flags:
            return False
        if kind == "retest":
            if record.get("error"):
                return False  # the researcher's problem (a file gone, a model error), not news for the visitor
            versions = self._retests.setdefault(flag, {})
            versions.pop(str(record.get("version")), None)
            versions[str(record.get("version"))] = record
        elif kind == "reply":
            self._replies.setdefault(flag, []).append(record)
        else:
            return False
        return True

    def _publish(self) -> None:
        with self._lock:
            items, replies = [], 0
            for flag, shown in reversed(self._flags.items()):
                retests = [visitor_note(o) for o in reversed(list(self._retests.get(flag, {}).values()))]
                answers = [
                    {"text": shorten(str(reply.get("text", "")), REPLY_CHARS), "time": str(reply.get("time", ""))}
                    for reply in self._replies.get(flag, [])[-REPLIES_SHOWN:]
                ]
                replies += len(answers)
                status = "replied" if answers else "retested" if retests else "sent"
                items.append({**shown, "status": status, "retests": retests[:VERSIONS_SHOWN], "replies": answers})
            with self.hold_sync():
                self.items, self.total, self.replies = items, self._count, replies
                self.layout.display = None if items else "none"


def visitor_note(outcome: dict[str, Any]) -> str:
    """One re-test as the visitor reads it: ``Re-tested on v2: answer changed (now 'no pacemaker')``."""
    version = shorten(str(outcome.get("version")), VERSION_CHARS)
    answer = shorten(str(outcome.get("answer")), MESSAGE_CHARS)
    if outcome.get("changed") is True:
        return f"Re-tested on {version}: answer changed (now '{answer}')"
    if outcome.get("changed") is False:
        return f"Re-tested on {version}: answer unchanged"
    return f"Re-tested on {version}: the model answers '{answer}'"
