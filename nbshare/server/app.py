"""The standalone page's web server: tornado on its own thread and event loop inside the kernel."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import tornado.netutil
import tornado.web
import tornado.websocket
from tornado.ioloop import IOLoop

from .._log import log, log_exception
from . import listening
from .access import Access
from .api import API_ROUTES, RateLimiter
from .assets import bundle_assets, widget_modules
from .connections import DEFAULT_HEADER_TIMEOUT_SECONDS, CappedHTTPServer, default_max_connections
from .frames import FrameError, decode_frame
from .pages import (
    BundleHandler,
    LoginHandler,
    PageHandler,
    PictureHandler,
    WidgetModuleHandler,
)
from .pictures import DEFAULT_MAX_BYTES, DEFAULT_PER_OWNER_BYTES, Pictures
from .sessions import VisitorSession
from .visits import FIRST_CONNECT_SECONDS, client_key, on_this_machine, open_session, welcome_frame

if TYPE_CHECKING:
    from ..interface import Interface

__all__ = ["Server"]

DEFAULT_MAX_MESSAGE_BYTES = 32 * 1024 * 1024
DEFAULT_GRACE_SECONDS = 30.0
DEFAULT_MAX_SESSIONS = 200
DEFAULT_MAX_SESSIONS_PER_CLIENT = 10
DEFAULT_MAX_SESSIONS_PER_ADDRESS = 50
PING_SECONDS = 20.0  # a page whose connection died silently is noticed (and its session detached) within 2 pings

# Close codes a page shows as text (js/host/main.js): 4000-4999 tell it not to reconnect.
CLOSE_REFUSED = 4001
CLOSE_SESSION_GONE = 4004
CLOSE_FULL = 4008
CLOSE_CLIENT_FULL = 4009
CLOSE_STOPPED = 4010
CLOSE_EXPIRED = 4011


@dataclass(frozen=True)
class Limits:
    """What the server lets visitors take (``launch(**limits)``); every one positive."""

    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    """The largest websocket message a page may send."""
    grace_seconds: float = DEFAULT_GRACE_SECONDS
    """How long a session outlives its page's connection (a reload carries on)."""
    max_sessions: int = DEFAULT_MAX_SESSIONS
    """Visitors' sessions in all."""
    max_sessions_per_client: int = DEFAULT_MAX_SESSIONS_PER_CLIENT
    """Sessions per sign-in (with ``auth``) or per browser (a client id this server signed)."""
    max_sessions_per_address: int = DEFAULT_MAX_SESSIONS_PER_ADDRESS
    """Sessions per client address."""
    max_connections: int = field(default_factory=default_max_connections)
    """Open HTTP connections (default: half the file descriptors, at most 1024)."""
    header_timeout: float = DEFAULT_HEADER_TIMEOUT_SECONDS
    """Seconds for a request's headers and body, and for an idle connection."""
    max_picture_bytes: int = DEFAULT_MAX_BYTES
    """Pictures kept for pages far away to fetch, in all (``server/pictures.py``)."""
    max_picture_bytes_per_session: int = DEFAULT_PER_OWNER_BYTES
    """Pictures kept per session; beyond it, the session's own oldest go."""

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ValueError(f"{item.name} must be a positive number, got {value!r}")

    @classmethod
    def of(cls, options: dict[str, Any]) -> Limits:
        """The limits ``options`` name; an unknown name is an error that lists the known ones."""
        known = {item.name for item in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise TypeError(f"unknown launch option(s) {', '.join(unknown)}; the limits are {', '.join(sorted(known))}")
        return cls(**{name: value for name, value in options.items() if value is not None})


class Server:
    """Serves one Interface at ``http://{host}:{port}/`` until :meth:`stop`; every visitor gets a session.

    ``host`` is the address to listen on: ``127.0.0.1`` (this machine only, the default), ``0.0.0.0`` or ``::``
    (every interface), or one interface's address.
    """

    def __init__(
        self, interface: Interface, access: Access, *, port: int | None = None, title: str | None = None,
        limits: Limits | None = None, api: bool = True, api_cors: Sequence[str] | None = None,
        host: str = "127.0.0.1",
    ) -> None:  # fmt: skip
        self.host = listening.check_host(host)
        self.interface = interface
        self.access = access
        self.title = title or interface.title or "nbshare"
        self.limits = limits or Limits()
        self.api = bool(api)  # the HTTP API (server/api.py); api=False: every api/ path is 404
        self.api_cors = _check_origins(api_cors or ())
        self.api_rate = RateLimiter()
        self.api_workers = concurrent.futures.ThreadPoolExecutor(4, thread_name_prefix="nbshare-api")
        self.assets = bundle_assets()
        self.widget_modules = widget_modules()
        self.pictures = Pictures(self.limits.max_picture_bytes, self.limits.max_picture_bytes_per_session)
        self.sessions: dict[str, VisitorSession] = {}
        self.sockets: set[SessionSocket] = set()
        # New visitors' widget trees are built off the loop, one at a time (taking a place and building it together).
        self.builder = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="nbshare-build")
        self.building: asyncio.Lock | None = None
        self.stopping = False
        self._requested_port = port or 0
        self.port = 0
        self._loop: IOLoop | None = None
        self._http: CappedHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._start_error: BaseException | None = None

    @property
    def exposed(self) -> bool:
        """Whether other machines can reach the port (see ``server/listening.py``)."""
        return listening.exposed(self.host)

    @property
    def local_url(self) -> str:
        return listening.local_url(self.host, self.port)

    @property
    def network_url(self) -> str | None:
        return listening.network_url(self.host, self.port)

    # -- life cycle --------------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"nbshare-server-{self._requested_port}", daemon=True)
        self._thread.start()
        self._started.wait()
        if self._start_error is not None:
            raise self._start_error

    def stop(self) -> None:
        """Close every visitor's connection and session and stop listening; returns when the port is free."""
        loop = self._loop
        if loop is None or self._thread is None:
            return
        done = threading.Event()
        loop.add_callback(self._shutdown, done)
        done.wait(10)
        self._thread.join(10)
        self._loop = None

    def schedule(self, callback: Any) -> None:
        loop = self._loop
        if loop is not None:
            loop.add_callback(callback)

    def _run(self) -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())
        try:
            sockets = tornado.netutil.bind_sockets(self._requested_port, self.host)
            self.port = sockets[0].getsockname()[1]
            app = tornado.web.Application(
                _routes(),
                websocket_max_message_size=self.limits.max_message_bytes * 2,
                websocket_ping_interval=PING_SECONDS,
                websocket_ping_timeout=PING_SECONDS,
                compress_response=True,
                xsrf_cookies=False,
                nbshare_server=self,
                log_function=_log_request,
            )
            self._http = CappedHTTPServer(
                app,
                max_connections=self.limits.max_connections,
                header_timeout=self.limits.header_timeout,
                body_timeout=self.limits.header_timeout,
                max_body_size=64 * 1024,
                xheaders=False,  # the client's address is chosen by Access.client_address, from trusted proxies only
            )
            self._http.add_sockets(sockets)
            self._loop = IOLoop.current()
            self._loop.call_later(min(self.limits.grace_seconds, 5.0), self._sweep)
            if self.access.expires_at is not None:
                self._loop.call_later(max(0.0, self.access.expires_at - time.monotonic()), self._expire)
        except BaseException as error:
            self._start_error = error
            self._started.set()
            return
        self._started.set()
        self._loop.start()
        self._loop.close(all_fds=True)

    def _shutdown(self, done: threading.Event) -> None:
        self.stopping = True  # a tree being built now is closed when it is done (server/visits.py)
        try:
            assert self._http is not None
            self._http.stop()
            for socket in list(self.sockets):
                socket.close(CLOSE_STOPPED, "the link was closed by its owner")
            for session in list(self.sessions.values()):
                session.close()
            self.sessions.clear()
            self.builder.shutdown(wait=False)
            self.api_workers.shutdown(wait=False)
        finally:
            assert self._loop is not None
            self._loop.add_callback(self._loop.stop)
            done.set()

    def _expire(self) -> None:
        """At the link's expiry: every open page is told so and disconnected, and every session ends."""
        remaining = (self.access.expires_at or 0.0) - time.monotonic()
        if remaining > 0 and self._loop is not None:  # a timer that fired a hair early
            self._loop.call_later(remaining + 0.01, self._expire)
            return
        for socket in list(self.sockets):
            socket.close(CLOSE_EXPIRED, "this link has expired")
        for session in list(self.sessions.values()):
            session.close()
        self.sessions.clear()

    def _sweep(self) -> None:
        """Close sessions whose page has been gone longer than the grace period."""
        now = time.monotonic()
        for session_id, session in list(self.sessions.items()):
            grace = max(self.limits.grace_seconds, FIRST_CONNECT_SECONDS if session.awaiting_page else 0.0)
            if session.closed or (session.detached_at is not None and now - session.detached_at > grace):
                del self.sessions[session_id]
                session.close()
        if self._loop is not None:
            self._loop.call_later(min(self.limits.grace_seconds, 5.0), self._sweep)


def _routes() -> list[Any]:
    return [
        (r"/", PageHandler),
        (r"/login", LoginHandler),
        (r"/static/([A-Za-z0-9_.-]+)", BundleHandler),
        (r"/widgets/(.+)\.js", WidgetModuleHandler),
        (r"/pictures/([0-9a-f]{64}\.[a-z]{3,4})", PictureHandler),
        (r"/ws", SessionSocket),
        *API_ROUTES,
    ]


def _check_origins(origins: Sequence[str]) -> frozenset[str]:
    """``api_cors``: exact origins such as 'https://example.org' (scheme, host and port; no path, no '*')."""
    if isinstance(origins, str):
        origins = [origins]
    for origin in origins:
        parts = urlsplit(origin) if isinstance(origin, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or parts.path or "*" in origin:
            raise ValueError(f"api_cors takes exact origins such as 'https://example.org', got {origin!r}")
    return frozenset(origin.rstrip("/") for origin in origins)


class SessionSocket(tornado.websocket.WebSocketHandler):
    """One page's connection: opens (or resumes) its session, carries comm messages both ways."""

    session: VisitorSession | None = None

    @property
    def server(self) -> Server:
        return self.application.settings["nbshare_server"]  # type: ignore[no-any-return]

    def prepare(self) -> None:
        access = self.server.access
        refusal = access.refusal(self.get_cookie(access.cookie_name), self.get_cookie(access.login_cookie_name))
        if refusal is not None:
            raise tornado.web.HTTPError(refusal[0], reason=refusal[1])

    def check_origin(self, origin: str) -> bool:
        return self.server.access.origin_matches(origin, self.request.remote_ip, self.request.headers)

    async def open(self) -> None:
        # Small frames (an answer, a status change) must not wait for Nagle's algorithm: it cost 40 ms per answer.
        self.set_nodelay(True)
        server = self.server
        resume = self.get_query_argument("session", None)
        user = server.access.user_for(self.get_cookie(server.access.login_cookie_name))
        if resume is not None:
            session = server.sessions.get(resume)
            if session is None or session.closed:
                self.close(CLOSE_SESSION_GONE, "this session has ended; reload the page")
                return
            if session.user != user or session.client != client_key(self):  # an id is no key to another's work
                self.close(CLOSE_REFUSED, "this session belongs to another browser or sign-in; reload the page")
                return
        else:
            try:
                opened = await open_session(server, self, gone=lambda: self.ws_connection is None)
            except Exception as error:
                log_exception("building a visitor's interface", error)
                self.close(1011, "the interface could not be built; see the notebook's log")
                return
            if not isinstance(opened, VisitorSession):
                if opened[0] != "gone":
                    self.close(CLOSE_FULL if opened[0] == "server" else CLOSE_CLIENT_FULL, opened[1])
                return
            session = opened
            if self.ws_connection is None:  # the page left while its tree was being built
                session.detach(time.monotonic())
                return
        self.session = session
        server.sockets.add(self)
        try:
            session.attach(self)
            self.write_message(welcome_frame(session, server), binary=True)
            if resume is None:
                session.send_control("nbshare_display", model_id=session.root_model_id)
        except tornado.websocket.WebSocketClosedError:  # it hung up meanwhile: tornado calls no on_close then
            server.sockets.discard(self)
            session.detach(time.monotonic())

    def on_message(self, frame: str | bytes) -> Awaitable[None] | None:
        session = self.session
        if session is None:
            return None
        if self.server.access.expired():
            self.close(CLOSE_EXPIRED, "this link has expired")
            return None
        try:
            if len(frame) > self.server.limits.max_message_bytes:
                raise FrameError(
                    f"this message is {len(frame) / 1048576:.1f} MB; the limit here is "
                    f"{self.server.limits.max_message_bytes / 1048576:.1f} MB"
                )
            message, buffers = decode_frame(frame if isinstance(frame, bytes) else frame.encode())
        except Exception as error:
            session.refuse(error)
            return None
        # The session's worker checks and runs it, then answers (an error, an ack); this loop only reads frames.
        # While too much waits there, the returned awaitable keeps tornado from reading this page's next frame.
        return session.handle(message, buffers, len(frame))

    def on_close(self) -> None:
        self.server.sockets.discard(self)
        if self.session is not None and not self.session.closed:
            self.session.detach(time.monotonic())

    def get_compression_options(self) -> dict[str, Any] | None:
        # A page far away gets its frames deflated (the widgets' code, styles and state: ~150 KB become ~40 KB on a
        # link where bytes are the cost); one on this machine does not (compressing would only spend time).
        return None if on_this_machine(self.request) else {"compression_level": 6, "mem_level": 8}


def _log_request(handler: tornado.web.RequestHandler) -> None:
    # Only failures, and only method + path: tokens travel in query strings and cookies, which never reach a log.
    # (tornado's own access log would print every request into whichever notebook cell ran last.)
    if handler.get_status() >= 500:
        log(f"{handler.get_status()} {handler.request.method} {handler.request.path}")
