"""A visitor's session begins: when the page is asked for (its first widget tree goes inside the page) or, for a page
that came without one, when its websocket opens.

Putting the first tree in the page saves a visitor far away the websocket's two round trips (a new connection and
its upgrade) before anything shows: the page draws its interface as soon as it has arrived, and its websocket,
opened at once for that session, carries what the visitor does. Until it is open, what they do waits in the page.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import tornado.web
from tornado.ioloop import IOLoop

from .._log import log_exception
from .access import Access
from .frames import decode_frame, encode_frame
from .sessions import VisitorSession, make_room

if TYPE_CHECKING:
    from .app import Server

__all__ = [
    "FIRST_CONNECT_SECONDS",
    "client_address",
    "client_key",
    "first_tree",
    "on_this_machine",
    "open_session",
    "wants_tree",
    "welcome",
    "welcome_frame",
]

FIRST_CONNECT_SECONDS = 60.0
"""How long a session made with its page waits for that page's websocket (a slow link's bundle download), at least."""
DRAIN_SECONDS = 5.0


def client_cookie(handler: tornado.web.RequestHandler) -> str | None:
    access: Access = handler.application.settings["nbshare_server"].access
    return access.client_id(handler.get_cookie(access.client_cookie_name))  # only ids this server signed count


def client_key(handler: tornado.web.RequestHandler, fresh_cookie: str | None = None) -> str:
    """Whom a request's sessions count against: its sign-in when the link has one, else its browser's client
    cookie (``fresh_cookie``: the one its response is giving it), else its address (see
    :meth:`Access.client_address`)."""
    access: Access = handler.application.settings["nbshare_server"].access
    login = handler.get_cookie(access.login_cookie_name)
    if access.needs_login and login and access.user_for(login) is not None:
        return "sign-in " + hashlib.sha256(login.encode()).hexdigest()[:32]
    cookie = fresh_cookie or client_cookie(handler)
    if cookie is not None:
        return "browser " + cookie
    return "address " + client_address(handler)


def client_address(handler: tornado.web.RequestHandler) -> str:
    """The request's client address (forwarded by a trusted proxy, else the peer's)."""
    access: Access = handler.application.settings["nbshare_server"].access
    return access.client_address(handler.request.remote_ip, handler.request.headers)


def on_this_machine(request: Any) -> bool:
    """Whether a page's connection comes straight from this machine: a loopback peer, addressed by a loopback name,
    with no proxy's forwarding headers (jupyter-server-proxy on this machine, ngrok and tunnels add them or another
    Host)."""
    host = urlsplit(f"//{request.headers.get('Host', '')}").hostname or ""
    forwarded = any(name in request.headers for name in ("X-Forwarded-For", "X-Forwarded-Host", "Forwarded"))
    return request.remote_ip in ("127.0.0.1", "::1") and host in ("127.0.0.1", "localhost", "::1") and not forwarded


async def open_session(
    server: Server,
    handler: tornado.web.RequestHandler,
    client: str | None = None,
    gone: Callable[[], bool] | None = None,
) -> VisitorSession | tuple[str, str]:
    """A new session for the visitor making ``handler``'s request, or why not: ``("server" | "client", sentence)``
    when the link is full for everyone or for them (or closed), ``("gone", "")`` when the request was given up
    (``gone()``) while it waited its turn. ``client``: whom it counts against, when the request only now received its
    client cookie. Raises what building the interface raised."""
    access = server.access
    user = access.user_for(handler.get_cookie(access.login_cookie_name))
    client = client or client_key(handler)
    # A page far away fetches pictures over HTTP (compressed, cached, beside its websocket); one on this machine gets
    # them in its websocket, where bytes are free and encoding is the cost.
    pictures = None if on_this_machine(handler.request) else server.pictures
    if server.building is None:
        server.building = asyncio.Lock()
    async with server.building:  # a place is counted and filled before the next visitor asks for one
        if gone is not None and gone():  # nobody waits for it any more: build nothing
            return "gone", ""
        address = client_address(handler)
        limits = server.limits
        refusal = make_room(server.sessions, client, limits.max_sessions, limits.max_sessions_per_client,
                            address, limits.max_sessions_per_address)  # fmt: skip
        if refusal is not None:
            return refusal
        # Building the widgets is a visitor's work too: off the loop, which keeps serving the others.
        session = await IOLoop.current().run_in_executor(
            server.builder, lambda: VisitorSession(server.interface, server.schedule, user, client, pictures=pictures)
        )
        if server.stopping or access.expired():  # the link was closed, or ran out, meanwhile
            session.close()
            return "server", "this link is closed"
        session.client, session.address = client, address
        server.sessions[session.id] = session
    return session


def wants_tree(request: Any) -> bool:
    """Whether a request for the page is a visit to draw it (a navigation, the address bar or a frame), not a
    preview, a prefetch, or an ``<img>``/``fetch()`` another site points at the link: only a visit gets a session
    made with the page. Requests without the browsers' ``Sec-Fetch-*`` headers (older browsers, scripts) do."""
    headers = request.headers
    destination = headers.get("Sec-Fetch-Dest")
    purpose = f"{headers.get('Sec-Purpose', '')} {headers.get('Purpose', '')}".lower()
    return destination in (None, "document", "iframe", "frame") and "prefetch" not in purpose


def _hung_up(handler: tornado.web.RequestHandler) -> bool:
    stream = getattr(getattr(handler.request, "connection", None), "stream", None)
    return stream is not None and stream.closed()


def welcome(session: VisitorSession, server: Server) -> dict[str, Any]:
    """What the page learns first: its session and the server's limits that concern it."""
    return {
        "session": session.id,
        "max_message_bytes": server.limits.max_message_bytes,
        "grace_seconds": server.limits.grace_seconds,
    }


def welcome_frame(session: VisitorSession, server: Server) -> bytes:
    return encode_frame({"msg_type": "nbshare_welcome", "content": welcome(session, server)})


async def first_tree(server: Server, handler: tornado.web.RequestHandler, client: str | None = None) -> str:
    """The page's first widget tree as JSON for a ``<script type="application/json">`` (never its end: ``<`` is
    escaped), or ``""`` when the page should make its session by its websocket: a request that is no visit
    (:func:`wants_tree`), a link that is full (the websocket says so) or an interface that could not be built (the
    websocket reports it)."""
    if not wants_tree(handler.request):
        return ""
    try:
        session = await open_session(server, handler, client, gone=lambda: _hung_up(handler))
    except Exception as error:
        log_exception("building a visitor's interface", error)
        return ""
    if not isinstance(session, VisitorSession):
        return ""
    # Its page has not connected yet: the session waits for it at least FIRST_CONNECT_SECONDS (a slow link's
    # bundle); when its browser is over its cap, a page that left makes room before it.
    session.detach(time.monotonic())
    session.awaiting_page = True
    drained = asyncio.Event()
    server.schedule(drained.set)  # runs after every frame the build scheduled: they are all in the backlog then
    try:
        await asyncio.wait_for(drained.wait(), DRAIN_SECONDS)
    except TimeoutError:  # the server is stopping: its loop runs nothing more
        return ""
    if session.closed:  # evicted meanwhile, or over its backlog's budget
        return ""
    messages = []
    for frame in session.take_backlog():
        message, buffers = decode_frame(frame)
        messages.append({"message": message, "buffers": [base64.b64encode(b).decode("ascii") for b in buffers]})
    tree = {"welcome": welcome(session, server), "messages": messages, "display": session.root_model_id}
    return json.dumps(tree, separators=(",", ":")).replace("<", "\\u003c")
