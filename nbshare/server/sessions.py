"""A visitor's session: their own widget tree of the Interface, reachable over their websocket.

The tree outlives a dropped connection for a grace period, so a page that reconnects carries on where it was;
after that (or when the server stops) its widgets are closed and leave the kernel.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._log import log_exception
from .._routing import CommSession, session_scope
from .frames import encode_frame
from .guard import check_page_message

if TYPE_CHECKING:
    from ..interface import Interface
    from ..ui.view import InterfaceView

__all__ = ["VisitorSession"]

MAX_BACKLOG_BYTES = 64 * 1024 * 1024


class VisitorSession:
    """One visitor: a :class:`CommSession` plus the view built in it, and the socket it currently writes to.

    ``schedule(callback)`` runs a callback on the server's event loop thread; every write to the socket goes
    through it, so messages keep their order whichever thread (server, inference worker) produced them.
    """

    def __init__(self, interface: Interface, schedule: Callable[[Callable[[], None]], None], user: str | None) -> None:
        self.comms = CommSession(self._send)
        self.comms.user = user
        self.id = self.comms.id
        self._schedule = schedule
        self._socket: Any = None
        self._backlog: deque[bytes] = deque()
        self._backlog_bytes = 0
        self.closed = False
        self.detached_at: float | None = None
        with session_scope(self.comms):
            self.view: InterfaceView = interface.view()
        self._interface = interface

    @property
    def user(self) -> str | None:
        """The signed-in visitor's name, when the link asks for a sign-in."""
        return self.comms.user

    @property
    def root_model_id(self) -> str:
        return str(self.view.widget.model_id)

    def attach(self, socket: Any) -> None:
        """Write to ``socket`` from now on, first whatever was sent while no socket was attached."""
        self._socket = socket
        self.detached_at = None
        while self._backlog:
            frame = self._backlog.popleft()
            self._backlog_bytes -= len(frame)
            socket.write_message(frame, binary=True)

    def detach(self, now: float) -> None:
        self._socket = None
        self.detached_at = now

    def send_control(self, msg_type: str, **content: Any) -> None:
        self._send({"msg_type": msg_type, "content": content}, [])

    def handle(self, message: dict[str, Any], buffers: list[bytes]) -> None:
        """A message from the page; raises ValueError (or a trait error) when it is refused."""
        from ipywidgets.widgets.widget import _instances

        content = message.get("content")
        if message.get("msg_type") == "comm_msg" and isinstance(content, dict):
            comm = self.comms.manager.get_comm(str(content.get("comm_id")))
            check_page_message(_instances.get(comm.comm_id) if comm is not None else None, content.get("data"))
        self.comms.handle(message, buffers)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self.view.close()  # the Interface forgets it
            self.comms.close()
        except Exception as error:  # closing must finish whatever one widget does
            log_exception("closing a visitor's session", error)
        self._backlog.clear()

    def _send(self, message: dict[str, Any], buffers: list[bytes]) -> None:
        frame = encode_frame(message, buffers)
        self._schedule(lambda: self._write(frame))

    def _write(self, frame: bytes) -> None:
        from tornado.websocket import WebSocketClosedError

        if self.closed:
            return
        if self._socket is not None:
            try:
                self._socket.write_message(frame, binary=True)
                return
            except WebSocketClosedError:
                self._socket = None
        if self._backlog_bytes + len(frame) > MAX_BACKLOG_BYTES:
            self.close()  # a page gone for good while its model kept producing: free it rather than grow
            return
        self._backlog.append(frame)
        self._backlog_bytes += len(frame)
