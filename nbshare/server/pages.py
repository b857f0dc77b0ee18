"""The plain HTTP routes of the shared page: the page itself, the sign-in form, the bundle and widget modules."""

from __future__ import annotations

import asyncio
import html
import json
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import ipywidgets
import tornado.web

from .._log import log_exception
from .access import Access
from .assets import Asset, page_template
from .openapi import curl_example
from .visits import client_cookie, client_key, first_tree

if TYPE_CHECKING:
    from ..interface import Interface
    from .app import Server

IMMUTABLE = "private, max-age=31536000, immutable"
BUNDLED_MODULES = frozenset({"@jupyter-widgets/base", "@jupyter-widgets/controls"})  # in main.js: never fetched

__all__ = ["BundleHandler", "LoginHandler", "PageHandler", "PictureHandler", "WidgetModuleHandler"]


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

    def give_client_cookie(self) -> str | None:
        """A browser without a client id gets one (returned, as :func:`client_cookie` will read it): its sessions are
        counted under it."""
        if client_cookie(self) is not None:
            return None
        signed = self.access.new_client_id()
        self.set_access_cookie(self.access.client_cookie_name, signed)
        return self.access.client_id(signed)

    def _is_https(self) -> bool:
        return self.access.is_https(self.request.remote_ip, self.request.headers, self.request.protocol)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code} {self._reason}\n")

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if not isinstance(value, tornado.web.HTTPError):
            log_exception("the shared page's server", value)


class PageHandler(_Guarded):
    async def get(self) -> None:
        token = self.get_query_argument("token", None)
        if token is not None:
            if self.access.expired():
                self.send_error(410, reason="This link has expired")
                return
            if not self.access.token_matches(token):
                self.send_error(403, reason="This link's access token is wrong")
                return
            # The page itself, at once: no redirect's round trip. Its boot script takes the token out of the
            # address bar and the history (js/host/boot.js); from then on the cookie carries it.
            self.set_access_cookie(self.access.cookie_name, token)
            fresh = self.give_client_cookie()
            if self.access.needs_login:
                self.redirect("./login", status=303)
                return
        else:
            refusal = self.refusal()
            if refusal is not None and refusal[0] == 401:  # the link is right, only the sign-in is missing
                self.redirect("./login", status=303)
                return
            if self.refuse_unless_allowed():
                return
            fresh = self.give_client_cookie()
        # The visitor's session is made now and its widget tree goes inside the page (server/visits.py).
        tree = await first_tree(self.server, self, client_key(self, fresh))
        # No Referer at all from this page: its address may still hold the token while its first requests leave.
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(page_html(self.server, tree))


def page_html(server: Server, tree: str = "") -> str:
    """The page: a skeleton shown at once (the title, "Connecting…"), and the content-hashed addresses of what it
    loads, the widget modules its interface uses among them, so the browser fetches them all at the same time."""
    assets, modules = server.assets, server.widget_modules.urls()
    chunks = "".join(
        f'<link rel="modulepreload" href="{assets.url(chunk)}" fetchpriority="high">\n' for chunk in assets.main_imports
    )
    preloads = "".join(
        f'<link rel="preload" as="script" href="{html.escape(modules[name])}">\n'
        for name in sorted(modules_used(server.interface))
        if name in modules
    )
    return fill(
        page_template("page.html"),
        title=html.escape(server.title),
        boot=assets.url("boot.js"),
        css=assets.url("main.css"),
        main=assets.url("main.js"),
        chunks=chunks,
        preloads=preloads,
        modules=json.dumps(modules, sort_keys=True).replace("<", "\\u003c"),  # data, never the end of its <script>
        api=api_panel(server) if server.api else "",
        tree=tree,
    )


def modules_used(interface: Interface) -> set[str]:
    """The front-end modules the interface's widgets come from: every nbshare component is an anywidget, and the
    components' own widgets (an image editor's ipycanvas layers, a plain ipywidget and its children) are found
    by walking the configured components' widget-valued traits. Only values already set are read: reading a
    dynamic default would build a widget on this thread."""
    used = {"anywidget"}
    for widget in _widget_tree([*interface.inputs, *interface.outputs]):
        used.update(str(getattr(widget, trait, "")) for trait in ("_model_module", "_view_module"))
    return used - BUNDLED_MODULES - {""}


def _widget_tree(roots: Iterable[ipywidgets.Widget]) -> Iterator[ipywidgets.Widget]:
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        widget = stack.pop()
        if id(widget) in seen:
            continue
        seen.add(id(widget))
        yield widget
        for trait in widget.keys:
            if widget.trait_has_value(trait):
                value = getattr(widget, trait)
                items = value if isinstance(value, list | tuple) else [value]
                stack.extend(item for item in items if isinstance(item, ipywidgets.Widget))


def fill(template: str, **values: str) -> str:
    """``template`` with each ``{name}`` replaced by ``values[name]``, in one pass: a value that contains braces
    (a title such as "{main}") is never read as a placeholder."""
    return re.sub(r"\{(\w+)\}", lambda match: values.get(match.group(1), match.group(0)), template)


def api_panel(server: Server) -> str:
    """The page's "Use via API" panel: a curl line to copy (with ``$NBSHARE_TOKEN``: the page never shows the token)
    and where the description is."""
    example = html.escape(curl_example(server.interface))
    return (
        '<details id="nbshare-api"><summary>Use via API</summary>'
        "<p>This page is also an HTTP API (OpenAPI 3.1 description: <code>api/openapi.json</code>). "
        "<code>$NBSHARE_TOKEN</code> is the <code>token=</code> part of the link you were given; "
        "<code>$NBSHARE_URL</code> is this page's address without it. From Python: "
        "<code>nbshare.Client(link)</code>.</p>"
        f'<pre tabindex="0" aria-label="curl example">{example}</pre></details>\n'
    )


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
        origin = self.request.headers.get("Origin", "")
        if not self.access.origin_matches(origin, self.request.remote_ip, self.request.headers):
            self.send_error(403, reason="Sign-in from another site is refused")
            return
        client = self.access.client_address(self.request.remote_ip, self.request.headers)
        delay = self.access.begin_attempt(client)  # counted before it waits: parallel guesses wait in turn
        if delay is None:
            self.set_status(429)
            self.set_header("Retry-After", "8")
            self._form("Too many sign-in attempts at once; wait a few seconds and try again.")
            return
        try:
            await asyncio.sleep(delay)
        finally:
            key = self.access.end_attempt(
                client, self.get_body_argument("username", ""), self.get_body_argument("password", "")
            )
        if key is None:
            self.set_status(401)
            self._form("Wrong user name or password.")
            return
        self.set_access_cookie(self.access.login_cookie_name, key)
        self.redirect("./", status=303)

    def _form(self, message: str) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        template = page_template("login.html")
        css = self.server.assets.url("main.css")
        self.finish(fill(template, title=html.escape(self.server.title), message=html.escape(message), css=css))


class _AssetHandler(_Guarded):
    def send_asset(self, asset: Asset | None) -> None:
        """Its bytes in the smallest form the client accepts; kept by the browser for good (the name holds a hash
        of the bytes), but as ``private``: it is behind the link's token, no shared cache may keep it."""
        if asset is None:
            self.send_error(404, reason="Not found")
            return
        coding, body = asset.body(self.request.headers.get("Accept-Encoding", ""))
        self.set_header("Content-Type", asset.content_type)
        self.set_header("Cache-Control", IMMUTABLE)
        if not self.settings.get("compress_response"):  # else tornado's gzip transform adds it
            self.set_header("Vary", "Accept-Encoding")
        if coding is not None:
            self.set_header("Content-Encoding", coding)  # tornado's gzip transform leaves such a response alone
        self.finish(body)


class BundleHandler(_AssetHandler):
    def get(self, name: str) -> None:
        # The styles are the sign-in form's too: the token is enough for them.
        if self.refuse_unless_allowed(login=name != self.server.assets.name("main.css")):
            return
        self.send_asset(self.server.assets.get(name))


class WidgetModuleHandler(_AssetHandler):
    def get(self, module: str) -> None:
        if self.refuse_unless_allowed():
            return
        self.send_asset(self.server.widget_modules.get(module + ".js"))


class PictureHandler(_Guarded):
    """A picture published for a visitor's page (``server/pictures.py``): named by its content's hash, so cached
    for good; the link's token and sign-in are still needed to fetch it."""

    def get(self, name: str) -> None:
        if self.refuse_unless_allowed():
            return
        picture = self.server.pictures.get(name)
        if picture is None:
            self.send_error(404, reason="Not found")
            return
        data, content_type = picture
        self.set_header("Content-Type", content_type)
        self.set_header("Cache-Control", IMMUTABLE)
        self.finish(data)
