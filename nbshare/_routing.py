"""Per-session comms: the very widget classes of the notebook talk to one visitor's page instead of the kernel.

``comm.create_comm`` and ``comm.get_comm_manager`` are module attributes that ipywidgets looks up on every call, and
that ipykernel replaces with its own. :func:`install` wraps them once: inside :func:`session_scope` they give comms
and a comm manager belonging to that session; outside, the previous functions answer as before (the notebook).
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import comm
from comm.base_comm import BaseComm, CommManager

from ._log import VisitorLog

__all__ = ["CommSession", "SessionComm", "current_session", "install", "session_scope"]

Send = Callable[[dict[str, Any], list[bytes]], None]

_current: contextvars.ContextVar[CommSession | None] = contextvars.ContextVar("nbshare_comm_session", default=None)
_install_lock = threading.Lock()
_previous: dict[str, Any] = {}


class CommSession:
    """One visitor's comms: a comm manager of its own, and ``send(message, buffers)`` to their page."""

    def __init__(self, send: Send, session_id: str | None = None) -> None:
        self.id = session_id or uuid.uuid4().hex
        self.manager = CommManager()
        self._send = send
        self.closed = False
        self.user: str | None = None
        """The signed-in visitor's name, when the link asks for a login."""
        self.visitor: str | None = None
        """Who the visitor is across sessions (their sign-in, else their browser's signed client id, hashed): a
        visitor's flags, re-tests and replies follow it. None when unknown (the session alone then)."""
        self.publish: Callable[[bytes, str], str] | None = None
        """``publish(data, content_type)`` -> an address relative to the page from which it fetches ``data`` over
        HTTP (cached for good): how a page far away gets pictures. None where pictures travel in messages (the
        notebook, a page on this machine)."""
        self.resources: dict[str, Any] = {}
        """Per-session singletons other modules need (e.g. an ipycanvas manager), by name."""
        self.log = VisitorLog(self.id[:8])
        """The kernel log for what this visitor's messages cause (rate-limited)."""

    def send(self, message: dict[str, Any], buffers: list[bytes]) -> None:
        if not self.closed:
            self._send(message, buffers)

    def notify(self, text: str) -> None:
        """Show ``text`` in the banner of this visitor's page (what went wrong with what they sent)."""
        self.send({"msg_type": "nbshare_error", "content": {"message": text}}, [])

    def handle(self, message: dict[str, Any], buffers: list[bytes]) -> None:
        """A message from the page: ``{"msg_type": "comm_msg" | "comm_close", "content": {"comm_id", "data"}}``.

        Raises ValueError when it is malformed or names a comm this session does not have; whatever the widget's
        handling raises (a refused trait value, a handler's defect) propagates to the caller too, rather than being
        printed into the notebook the way ipywidgets reports it.
        """
        msg_type = message.get("msg_type") if isinstance(message, dict) else None
        content = message.get("content") if isinstance(message, dict) else None
        if msg_type not in ("comm_msg", "comm_close") or not isinstance(content, dict):
            raise ValueError("expected a comm_msg or comm_close message with a content object")
        target = self.manager.get_comm(str(content.get("comm_id")))
        if target is None:
            raise ValueError(f"no such comm in this session: {content.get('comm_id')!r:.60}")
        if not isinstance(content.get("data", {}), dict):
            raise ValueError("a comm message's data must be an object")
        kernel_style = {
            "header": {"msg_type": msg_type, "msg_id": uuid.uuid4().hex, "session": self.id},
            "parent_header": {},
            "metadata": message.get("metadata") if isinstance(message.get("metadata"), dict) else {},
            "content": {"comm_id": target.comm_id, "data": content.get("data", {})},
            "buffers": [memoryview(buffer) for buffer in buffers],
        }
        with session_scope(self):
            if msg_type == "comm_close":
                target.handle_close(kernel_style)
            elif not _dispatch_to_widget(target.comm_id, kernel_style):
                target.handle_msg(kernel_style)

    def close(self) -> None:
        """Stop sending and close every comm of the session (their widgets then leave the global registry)."""
        # Closing a comm leaves its widget in ipywidgets' registry (only Widget.close() removes it), so close the
        # widgets themselves; ipywidgets keeps that registry in the private ``_instances``.
        from ipywidgets.widgets.widget import _instances

        self.closed = True
        self.log.flush()
        with session_scope(self):
            for comm_id, session_comm in list(self.manager.comms.items()):
                widget = _instances.get(comm_id)
                if widget is not None:
                    widget.close()
                else:
                    session_comm.close(deleting=True)


def _dispatch_to_widget(comm_id: str, message: dict[str, Any]) -> bool:
    """Hand a comm message to its ipywidget the way ``Widget._handle_msg`` does, but letting exceptions propagate.

    ipywidgets wraps its handling (and every ``on_msg`` callback) so that an exception is shown with
    ``get_ipython().showtraceback()``: in a kernel that prints it under whichever cell ran last, the visitor's text
    included. Returns False for a comm that is not a plain ipywidget's (its own handler runs then).
    """
    from ipywidgets import Widget
    from ipywidgets.widgets.widget import _instances, _put_buffers

    widget = _instances.get(comm_id)
    if widget is None or type(widget)._handle_msg is not Widget._handle_msg:
        return False
    data = message["content"]["data"]
    method = data.get("method")
    if method == "update":
        state = data.get("state")
        if isinstance(state, dict):
            _put_buffers(state, data.get("buffer_paths", []), message["buffers"])
            widget.set_state(state)
    elif method == "request_state":
        widget.send_state()
    elif method == "custom" and "content" in data:
        if type(widget)._handle_custom_msg is not Widget._handle_custom_msg:
            widget._handle_custom_msg(data["content"], message["buffers"])
        else:  # what ipywidgets' CallbackDispatcher does, without catching
            for callback in list(widget._msg_callbacks.callbacks):
                callback(widget, data["content"], message["buffers"])
    elif method != "custom":
        raise ValueError(f"unknown widget message method {str(method)[:40]!r}")
    return True


class SessionComm(BaseComm):
    """A comm whose messages go to one session's page."""

    def __init__(self, *args: Any, session: CommSession, **kwargs: Any) -> None:
        self.session = session
        super().__init__(*args, **kwargs)

    def publish_msg(
        self,
        msg_type: str,
        data: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        buffers: list[Any] | None = None,
        **keys: Any,
    ) -> None:
        content = {**keys, "comm_id": self.comm_id, "data": data or {}}
        message = {"msg_type": msg_type, "content": content, "metadata": metadata or {}}
        self.session.send(message, [bytes(buffer) for buffer in buffers or []])

    def close(self, data: Any = None, metadata: Any = None, buffers: Any = None, deleting: bool = False) -> None:
        # BaseComm.close unregisters through comm.get_comm_manager(): that must be this session's, whatever
        # thread or scope closes the widget.
        with session_scope(self.session):
            super().close(data, metadata, buffers, deleting)


def current_session() -> CommSession | None:
    """The session whose widgets are being built or handled on this thread now, if any."""
    return _current.get()


@contextlib.contextmanager
def session_scope(session: CommSession) -> Iterator[CommSession]:
    """Widgets created inside the block belong to ``session``."""
    install()
    token = _current.set(session)
    try:
        yield session
    finally:
        _current.reset(token)


def install() -> None:
    """Route comm creation through the current session, once per process (idempotent)."""
    with _install_lock:
        if _previous:
            return
        _previous["create_comm"] = comm.create_comm
        _previous["get_comm_manager"] = comm.get_comm_manager
        comm.create_comm = _create_comm
        comm.get_comm_manager = _get_comm_manager


def _create_comm(*args: Any, **kwargs: Any) -> BaseComm:
    session = _current.get()
    if session is None:
        return _previous["create_comm"](*args, **kwargs)  # type: ignore[no-any-return]
    return SessionComm(*args, session=session, **kwargs)


def _get_comm_manager() -> CommManager:
    session = _current.get()
    if session is None:
        return _previous["get_comm_manager"]()  # type: ignore[no-any-return]
    return session.manager
