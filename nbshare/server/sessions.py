"""A visitor's session: their own widget tree of the Interface, reachable over their websocket.

The tree outlives a dropped connection for a grace period, so a page that reconnects carries on where it was;
after that (or when the server stops) its widgets are closed and leave the kernel.
"""

from __future__ import annotations

import functools
import hashlib
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from traitlets import TraitError

from .._log import log_exception, visitor_text
from .._routing import CommSession, session_scope
from .frames import encode_frame
from .guard import check_page_message, resend_refused_state
from .worker import SessionWorker

if TYPE_CHECKING:
    from ..interface import Interface
    from ..ui.view import InterfaceView
    from .pictures import Pictures

__all__ = ["VisitorSession", "make_room"]

MAX_BACKLOG_BYTES = 64 * 1024 * 1024
MAX_REASON_CHARS = 1000


class VisitorSession:
    """One visitor: a :class:`CommSession` plus the view built in it, and the socket it currently writes to.

    ``schedule(callback)`` runs a callback on the server's event loop thread; every write to the socket goes
    through it, so messages keep their order whichever thread (server, inference worker) produced them.
    """

    def __init__(
        self,
        interface: Interface,
        schedule: Callable[[Callable[[], None]], None],
        user: str | None,
        client: str | None = None,
        pictures: Pictures | None = None,
    ) -> None:
        self.comms = CommSession(self._send)
        self._pictures = pictures
        if pictures is not None:  # set before the tree is built: its widgets keep their session
            pictures.open(self.comms.id)
            self.comms.publish = functools.partial(pictures.publish, owner=self.comms.id)
        self.comms.user = user
        self.comms.visitor = visitor_identity(user, client)
        self.id = self.comms.id
        self._schedule = schedule
        self._socket: Any = None
        self._backlog: deque[bytes] = deque()
        self._backlog_bytes = 0
        self.closed = False
        self.detached_at: float | None = None
        self.awaiting_page = False
        """Made with its page (server/visits.py), whose websocket has not connected yet."""
        self.client: str | None = None
        self.address: str | None = None
        """Who opened it (a sign-in, a browser's cookie or an address): sessions are capped per client."""
        self._worker = SessionWorker(f"nbshare-visitor-{self.id}")
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
        self.awaiting_page = False
        while self._backlog:
            frame = self._backlog[0]
            socket.write_message(frame, binary=True)  # raises when it has hung up: the frame stays for the next page
            self._backlog.popleft()
            self._backlog_bytes -= len(frame)

    def take_backlog(self) -> list[bytes]:
        """The frames waiting for a socket, handed over (to the page's first tree); none wait any more."""
        frames = list(self._backlog)
        self._backlog.clear()
        self._backlog_bytes = 0
        return frames

    def detach(self, now: float) -> None:
        self._socket = None
        self.detached_at = now

    def send_control(self, msg_type: str, **content: Any) -> None:
        self._send({"msg_type": msg_type, "content": content}, [])

    def handle(self, message: dict[str, Any], buffers: list[bytes], size: int = 0) -> Awaitable[None] | None:
        """Hand a message from the page (``size`` bytes on the wire) to this session's worker; returns at once.

        The worker checks it (:func:`check_page_message`), runs it, and answers the page: an ``nbshare_error`` when
        it was refused or its handler failed (the kernel log gets a rate-limited line), then ``nbshare_ack`` with its
        ``msg_id``. Returns an awaitable while too much waits for the worker: read nothing more from the page until
        it resolves.
        """
        return self._worker.submit(lambda: self._run_message(message, buffers), size)

    def refuse(self, error: Exception) -> None:
        """Tell the page (and the log, rate-limited) that a frame it sent was refused before it could be read."""
        self._worker.submit(lambda: self._report(error, refused=True))

    def _run_message(self, message: dict[str, Any], buffers: list[bytes]) -> None:
        from ipywidgets.widgets.widget import _instances

        message_id = message.get("msg_id")
        try:
            content = message.get("content")
            if message.get("msg_type") == "comm_msg" and isinstance(content, dict):
                comm = self.comms.manager.get_comm(str(content.get("comm_id")))
                widget = _instances.get(comm.comm_id) if comm is not None else None
                try:
                    check_page_message(widget, content.get("data"), buffers)
                except (ValueError, TraitError):
                    resend_refused_state(widget, content.get("data"))
                    raise
            self.comms.handle(message, buffers)
        except (ValueError, TraitError) as error:  # a refusal, the guard's or a trait's: one line, no traceback
            self._report(error, refused=True)
        except Exception as error:  # a defect a visitor's message ran into: the traceback goes to the log only
            self._report(error, refused=False)
        finally:
            if isinstance(message_id, str):
                self.send_control("nbshare_ack", msg_id=message_id[:64])

    def _report(self, error: Exception, *, refused: bool) -> None:
        if refused:
            reason = str(error)  # may quote what the page sent, which can be megabytes: cut for the page too
            self.comms.log.warning(f"refused a message: {visitor_text(reason)}")
            shown = reason if len(reason) <= MAX_REASON_CHARS else reason[: MAX_REASON_CHARS - 1] + "…"
            self.comms.notify(f"The page sent something the model's server refused: {shown}")
        else:
            self.comms.log.exception(f"a message ran into {type(error).__name__}", error)
            self.comms.notify(
                f"Something went wrong handling that ({type(error).__name__}); it was logged for the researcher"
            )

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._worker.close()
        try:
            self.view.close()  # the Interface forgets it
            self.comms.close()
        except Exception as error:  # closing must finish whatever one widget does
            log_exception("closing a visitor's session", error)
        self._backlog.clear()
        self.comms.publish = None  # a job still running publishes nothing more
        if self._pictures is not None:
            self._pictures.release(self.id)

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


def visitor_identity(user: str | None, client: str | None) -> str | None:
    """Who a visitor is across sessions: their sign-in's user name, else their browser's client id that this server
    signed (``client`` as :func:`~nbshare.server.visits.client_key` gives it), hashed so that the flag store never holds
    a cookie's value; None for a client known only by its address (many browsers may share one)."""
    if user is not None:
        return f"user {user}"
    if client is not None and client.startswith("browser "):
        return "browser " + hashlib.sha256(client.encode()).hexdigest()[:32]
    return None


def make_room(
    sessions: dict[str, VisitorSession],
    client: str,
    max_sessions: int,
    max_per_client: int,
    address: str | None = None,
    max_per_address: int | None = None,
) -> tuple[str, str] | None:
    """Make room in ``sessions`` for a new session of ``client``, or say why there is none: ``("client", reason)``
    when this client has its most, ``("server", reason)`` when the server has.

    A client over its own cap, or a full server, first loses a session whose page has gone (the one gone longest):
    a client that opened every slot and left frees them for the next visitor at once. Sessions with a page still
    open are never taken; then the answer is a refusal, short enough for a websocket close reason.
    """

    def oldest_detached(candidates: list[VisitorSession]) -> VisitorSession | None:
        # A page that left goes before one still loading (its session made with the page, its websocket to come).
        detached = [session for session in candidates if session.detached_at is not None or session.closed]
        return min(detached, key=lambda s: (s.awaiting_page and not s.closed, s.detached_at or 0.0), default=None)

    def evict(session: VisitorSession) -> None:
        sessions.pop(session.id, None)
        session.close()

    everyone = list(sessions.values())
    caps: list[tuple[list[VisitorSession], int, str, str]] = [
        ([s for s in everyone if s.client == client], max_per_client, "client",
         "you have {n} pages of this link open, the most for one visitor (max_sessions_per_client); close one"),
        (everyone, max_sessions, "server", "this link has {n} visitors, the most it takes (max_sessions); try later"),
    ]  # fmt: skip
    if address is not None and max_per_address is not None:  # many browsers at one address: a bound of their own
        caps.insert(0, ([s for s in everyone if s.address == address], max_per_address, "client",
                        "{n} pages of this link are open from your network, the most for one address "
                        "(max_sessions_per_address); close one"))  # fmt: skip
    for group, cap, whose, reason in caps:
        group = [session for session in group if session.id in sessions]  # an earlier cap may have evicted one
        if len(group) >= cap:
            victim = oldest_detached(group)
            if victim is None:
                return whose, reason.format(n=len(group))
            evict(victim)
    return None
