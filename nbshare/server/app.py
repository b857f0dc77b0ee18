"""The standalone page's web server: tornado on its own thread and event loop inside the kernel."""

from __future__ import annotations

import asyncio
import html
import threading
import time
from typing import TYPE_CHECKING, Any

import tornado.httpserver
import tornado.netutil
import tornado.web
import tornado.websocket
from tornado.ioloop import IOLoop

from .._log import log, log_exception
from .access import Access
from .assets import Asset, bundle_assets, page_template, widget_modules
from .frames import FrameError, decode_frame, encode_frame
from .sessions import VisitorSession

if TYPE_CHECKING:
    from ..interface import Interface

__all__ = ["Server"]

DEFAULT_MAX_MESSAGE_BYTES = 32 * 1024 * 1024
DEFAULT_GRACE_SECONDS = 30.0
DEFAULT_MAX_SESSIONS = 200

CLOSE_REFUSED = 4001
CLOSE_SESSION_GONE = 4004
CLOSE_FULL = 4008
CLOSE_STOPPED = 4010


class Server:
    """Serves one Interface at ``http://127.0.0.1:{port}/`` until :meth:`stop`; every visitor gets a session."""

    def __init__(
        self,
        interface: Interface,
        access: Access,
        *,
        port: int | None = None,
        title: str | None = None,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        grace_seconds: float = DEFAULT_GRACE_SECONDS,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
    ) -> None:
        self.interface = interface
        self.access = access
        self.title = title or interface.title or "nbshare"
        self.max_message_bytes = int(max_message_bytes)
        self.grace_seconds = float(grace_seconds)
        self.max_sessions = int(max_sessions)
        self.assets = bundle_assets()
        self.widget_modules = widget_modules()
        self.sessions: dict[str, VisitorSession] = {}
        self.sockets: set[SessionSocket] = set()
        self._requested_port = port or 0
        self.port = 0
        self._loop: IOLoop | None = None
        self._http: tornado.httpserver.HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._start_error: BaseException | None = None

    @property
    def local_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

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
            sockets = tornado.netutil.bind_sockets(self._requested_port, "127.0.0.1")
            self.port = sockets[0].getsockname()[1]
            app = tornado.web.Application(
                _routes(),
                websocket_max_message_size=self.max_message_bytes * 2,
                compress_response=True,
                xsrf_cookies=False,
                nbshare_server=self,
                log_function=_log_request,
            )
            self._http = tornado.httpserver.HTTPServer(app, max_body_size=64 * 1024, xheaders=False)
            self._http.add_sockets(sockets)
            self._loop = IOLoop.current()
            self._loop.call_later(min(self.grace_seconds, 5.0), self._sweep)
        except BaseException as error:
            self._start_error = error
            self._started.set()
            return
        self._started.set()
        self._loop.start()
        self._loop.close(all_fds=True)

    def _shutdown(self, done: threading.Event) -> None:
        try:
            assert self._http is not None
            self._http.stop()
            for socket in list(self.sockets):
                socket.close(CLOSE_STOPPED, "the link was closed by its owner")
            for session in list(self.sessions.values()):
                session.close()
            self.sessions.clear()
        finally:
            assert self._loop is not None
            self._loop.add_callback(self._loop.stop)
            done.set()

    def _sweep(self) -> None:
        """Close sessions whose page has been gone longer than the grace period."""
        now = time.monotonic()
        for session_id, session in list(self.sessions.items()):
            if session.closed or (session.detached_at is not None and now - session.detached_at > self.grace_seconds):
                del self.sessions[session_id]
                session.close()
        if self._loop is not None:
            self._loop.call_later(min(self.grace_seconds, 5.0), self._sweep)


def _routes() -> list[Any]:
    return [
        (r"/", PageHandler),
        (r"/login", LoginHandler),
        (r"/static/([A-Za-z0-9_.-]+)", BundleHandler),
        (r"/widgets/(.+)\.js", WidgetModuleHandler),
        (r"/ws", SessionSocket),
    ]


class _Guarded(tornado.web.RequestHandler):
    """Every route: security headers, expiry, the link token (from the URL once, then the cookie), the login."""

    @property
    def server(self) -> Server:
        return self.application.settings["nbshare_server"]  # type: ignore[no-any-return]

    @property
    def access(self) -> Access:
        return self.server.access

    def set_default_headers(self) -> None:
        self.set_header("Content-Security-Policy", self.server.access.content_security_policy())
        self.set_header("X-Content-Type-Options", "nosniff")
        # same-origin, not no-referrer: with no-referrer, Chromium sends "Origin: null" on the sign-in form's POST.
        self.set_header("Referrer-Policy", "same-origin")
        self.set_header("Cache-Control", "no-store")
        if not self.server.access.frame_ancestors:
            self.set_header("X-Frame-Options", "DENY")

    def refusal(self, *, login: bool = True) -> tuple[int, str] | None:
        access = self.access
        return access.refusal(
            self.get_cookie(access.cookie_name), self.get_cookie(access.login_cookie_name), login=login
        )

    def refuse_unless_allowed(self, *, login: bool = True) -> bool:
        """Send the refusal and return True when this request may not proceed."""
        refusal = self.refusal(login=login)
        if refusal is not None:
            self.send_error(refusal[0], reason=refusal[1])
        return refusal is not None

    def set_access_cookie(self, name: str, value: str) -> None:
        # No Path: the browser scopes the cookie to the folder the page was served from, e.g. /proxy/8000.
        # A page framed by an allowed site is a cross-site context: only SameSite=None (which needs HTTPS) reaches it.
        https = self._is_https()
        samesite = "None" if https and self.access.frame_ancestors else "Lax"
        self.set_cookie(name, value, path=None, httponly=True, samesite=samesite, secure=https)  # type: ignore[arg-type]

    def _is_https(self) -> bool:
        return self.request.headers.get("X-Forwarded-Proto", self.request.protocol) == "https"

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code} {self._reason}\n")

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if not isinstance(value, tornado.web.HTTPError):
            log_exception("the shared page's server", value)


class PageHandler(_Guarded):
    def get(self) -> None:
        token = self.get_query_argument("token", None)
        if token is not None:
            if self.access.expired():
                self.send_error(410, reason="This link has expired")
            elif not self.access.token_matches(token):
                self.send_error(403, reason="This link's access token is wrong")
            else:
                self.set_access_cookie(self.access.cookie_name, token)
                self.redirect("./" if not self.access.needs_login else "./login", status=303)
            return
        refusal = self.refusal()
        if refusal is not None and refusal[0] == 401:  # the link is right, only the sign-in is missing
            self.redirect("./login", status=303)
            return
        if self.refuse_unless_allowed():
            return
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(page_template("page.html").replace("{title}", html.escape(self.server.title)))


class LoginHandler(_Guarded):
    def get(self) -> None:
        if self.refuse_unless_allowed(login=False):
            return
        self._form("")

    async def post(self) -> None:
        if self.refuse_unless_allowed(login=False):
            return
        if not self.access.needs_login:
            self.redirect("./", status=303)
            return
        if not self.access.origin_matches(self.request.headers.get("Origin", ""), self.request.headers):
            self.send_error(403, reason="Sign-in from another site is refused")
            return
        client = self.request.remote_ip or "?"
        await asyncio.sleep(self.access.failure_delay(client))
        key = self.access.log_in(client, self.get_body_argument("username", ""), self.get_body_argument("password", ""))
        if key is None:
            self.set_status(401)
            self._form("Wrong user name or password.")
            return
        self.set_access_cookie(self.access.login_cookie_name, key)
        self.redirect("./", status=303)

    def _form(self, message: str) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        page = page_template("login.html").replace("{title}", html.escape(self.server.title))
        self.finish(page.replace("{message}", html.escape(message)))


class _AssetHandler(_Guarded):
    def send_asset(self, asset: Asset | None) -> None:
        if asset is None:
            self.send_error(404, reason="Not found")
            return
        self.set_header("Content-Type", asset.content_type)
        self.finish(asset.path.read_bytes())


class BundleHandler(_AssetHandler):
    def get(self, name: str) -> None:
        if self.refuse_unless_allowed(login=name != "main.css"):
            return
        self.send_asset(self.server.assets.get(name))


class WidgetModuleHandler(_AssetHandler):
    def get(self, module: str) -> None:
        if self.refuse_unless_allowed():
            return
        self.send_asset(self.server.widget_modules.get(module))


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
        return self.server.access.origin_matches(origin, self.request.headers)

    def open(self) -> None:
        # Small frames (an answer, a status change) must not wait for Nagle's algorithm: it cost 40 ms per answer.
        self.set_nodelay(True)
        server = self.server
        resume = self.get_query_argument("session", None)
        if resume is not None:
            session = server.sessions.get(resume)
            if session is None or session.closed:
                self.close(CLOSE_SESSION_GONE, "this session has ended; reload the page")
                return
        elif len(server.sessions) >= server.max_sessions:
            self.close(CLOSE_FULL, "too many visitors right now; try again later")
            return
        else:
            user = server.access.user_for(self.get_cookie(server.access.login_cookie_name))
            try:
                session = VisitorSession(server.interface, server.schedule, user)
            except Exception as error:
                log_exception("building a visitor's interface", error)
                self.close(1011, "the interface could not be built; see the notebook's log")
                return
            server.sessions[session.id] = session
        self.session = session
        server.sockets.add(self)
        session.attach(self)
        self.write_message(_welcome(session, server), binary=True)
        if resume is None:
            session.send_control("nbshare_display", model_id=session.root_model_id)

    def on_message(self, frame: str | bytes) -> None:
        session = self.session
        if session is None:
            return
        message_id = None
        try:
            if len(frame) > self.server.max_message_bytes:
                raise FrameError(
                    f"this message is {len(frame) / 1048576:.1f} MB; the limit here is "
                    f"{self.server.max_message_bytes / 1048576:.1f} MB"
                )
            message, buffers = decode_frame(frame if isinstance(frame, bytes) else frame.encode())
            message_id = message.get("msg_id")
            session.handle(message, buffers)
        except Exception as error:
            log(f"refused a message from visitor {session.id[:8]}: {error}")
            session.send_control(
                "nbshare_error", message=f"The page sent something the model's server refused: {error}"
            )
        finally:
            if isinstance(message_id, str):
                session.send_control("nbshare_ack", msg_id=message_id[:64])

    def on_close(self) -> None:
        self.server.sockets.discard(self)
        if self.session is not None and not self.session.closed:
            self.session.detach(time.monotonic())

    def get_compression_options(self) -> None:
        return None


def _log_request(handler: tornado.web.RequestHandler) -> None:
    # Only failures, and only method + path: tokens travel in query strings and cookies, which never reach a log.
    # (tornado's own access log would print every request into whichever notebook cell ran last.)
    if handler.get_status() >= 500:
        log(f"{handler.get_status()} {handler.request.method} {handler.request.path}")


def _welcome(session: VisitorSession, server: Server) -> bytes:
    content = {
        "session": session.id,
        "max_message_bytes": server.max_message_bytes,
        "grace_seconds": server.grace_seconds,
    }
    return encode_frame({"msg_type": "nbshare_welcome", "content": content})
