"""The one door from a page into Python: widgets name their page events with ``@on_event``, and every message a page
sends reaches its handler through :meth:`PageWidget._receive_page_event`, nowhere else.

On a shared page the door is reached on that visitor's own worker thread (``nbshare.server.worker``), never on the
server's event loop, so a slow handler delays its own visitor only. What a handler raises goes to that visitor's page
and (rate-limited) to the kernel log, never into the notebook.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import anywidget

from .._errors import InputError
from .._log import log_exception
from .._routing import current_session

__all__ = ["PageWidget", "on_event"]

Handler = TypeVar("Handler", bound=Callable[..., Any])


_HEAVY_LANE = threading.Lock()
"""Visitors' heavy handlers (decoding, replaying, rasterising) take turns in this one lane, whichever session sent
them, so they use at most about one core: the server's loop, small messages, the model's queue and the notebook's own
cells keep the rest. The notebook's own events (no session) never wait for it."""


def on_event(name: str, *, outputs: bool = False, heavy: bool = False) -> Callable[[Handler], Handler]:
    """Mark a method ``(self, content, buffers)`` as the handler of the page event ``{"event": name, ...}``.

    Events reach a component's handler only while it is an input (``interactive``), unless ``outputs=True`` (a
    download or playback an output offers too). An :class:`InputError` the handler raises is shown on that page.
    ``heavy=True`` for handlers that decode, replay or rasterise: on a shared page they take turns in one lane.
    """

    def mark(method: Handler) -> Handler:
        method._nbshare_page_event = (name, outputs, heavy)  # type: ignore[attr-defined]  # read by __init_subclass__
        return method

    return mark


class PageWidget(anywidget.AnyWidget):
    """An anywidget whose page events are dispatched by name to its ``@on_event`` methods."""

    _page_events: ClassVar[dict[str, tuple[str, bool, bool]]] = {}

    page_writable: ClassVar[frozenset[str]] = frozenset()
    """The synced traits a page may set with an update (checked by the server's guard); none by default: a control
    hears from its page through events only."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        events: dict[str, tuple[str, bool, bool]] = {}
        for klass in reversed(cls.__mro__):
            for attribute, member in vars(klass).items():
                marked = getattr(member, "_nbshare_page_event", None)
                if marked is not None:
                    events[marked[0]] = (attribute, marked[1], marked[2])
        cls._page_events = events

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_msg(self._receive_page_event)

    def _receive_page_event(self, _widget: Any, content: Any, buffers: Any) -> None:
        event = content.get("event") if isinstance(content, dict) else None
        handler = self._page_events.get(event) if isinstance(event, str) else None
        if handler is None:
            return  # not an event of this widget: nothing to do, nothing to say
        attribute, for_outputs, heavy = handler
        if not self._accepts_page_event(for_outputs):
            return
        self._page_event_starts(for_outputs)
        lane = _HEAVY_LANE if heavy and current_session() is not None else contextlib.nullcontext()
        try:
            with lane:
                getattr(self, attribute)(content, list(buffers or []))
        except InputError as error:
            self._refuse(str(error))
        except Exception as error:  # a defect must not reach the notebook: the log and the visitor's page
            what = f"{type(self).__name__} could not handle the page event {event!r}"
            session = current_session()
            if session is not None:
                session.log.exception(what, error)  # rate-limited: a page may send the same event in a loop
            else:
                log_exception(what, error)
            self._refuse(
                f"Something went wrong handling that ({type(error).__name__}); it was logged for the researcher"
            )

    def _accepts_page_event(self, for_outputs: bool) -> bool:
        """Whether the page may send events now (a component: while it is an input)."""
        return True

    def _page_event_starts(self, for_outputs: bool) -> None:
        """Called before a handler runs (a component clears its message, so a repeated refusal shows again)."""

    def _refuse(self, message: str) -> None:
        """Show ``message`` (why the page's event was refused) to that page: in the widget's own ``message`` when it
        has one, else in the page's banner."""
        if self.has_trait("message"):
            self.message = message  # type: ignore[attr-defined]  # checked just above
            return
        session = current_session()
        if session is not None:
            session.notify(message)
