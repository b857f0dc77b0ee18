"""launch(): serve an Interface as a standalone page and hand out the links to it.

Links: the local URL; the Jupyter server's jupyter-server-proxy URL when the kernel runs under one; Colab's port
proxy in Colab; a public ngrok URL with ``share=True``, or an SSH tunnel's with ``share="ssh://user@host"``. Each
carries the server's token; ``Link.close()`` stops the server and the tunnel, and every link stops working at once.
In a notebook the links are shown by a widget that fetches them from the kernel (``nbshare.ui.links``), so the token
is never saved in the ``.ipynb``.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
import webbrowser
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from .server.access import LOOPBACK, Access, Credentials
from .server.app import Limits, Server
from .ui.links import HIDDEN_HINT, LinksPanel, mask_token

if TYPE_CHECKING:
    from .interface import Interface
    from .ssh_tunnel import SshTarget

__all__ = ["Link", "ShareError", "launch"]

NGROK_HELP = (
    "share=True makes a public link through ngrok, which needs a (free) authtoken: sign up at "
    "https://dashboard.ngrok.com/signup, copy the token from https://dashboard.ngrok.com/get-started/your-authtoken, "
    "then set it before launching, e.g. os.environ['NGROK_AUTHTOKEN'] = '...' or run `ngrok config add-authtoken "
    "<token>` once. Without share=True the local and notebook links work with no account."
)


class ShareError(RuntimeError):
    """A link could not be made; the message says how to fix it."""


@dataclass(repr=False)
class Link:
    """Where a launched interface can be opened. Every URL carries the access token: share it like a password.

    Shown in a notebook, the links are a widget that gets the addresses from the kernel when it renders, so the token
    is never written into the saved ``.ipynb``; ``repr()`` and ``str()`` mask it too. ``link.url`` (the one to give
    out) and ``link.urls`` hold the full addresses.
    """

    local_url: str
    proxy_url: str | None = None
    colab_url: str | None = None
    public_url: str | None = None
    network_url: str | None = None
    on_hub: bool = False
    """Whether the notebook server link goes through a JupyterHub (it then opens for its owner only)."""
    server: Server | None = field(default=None, repr=False)
    _on_close: list[Callable[[], None]] = field(default_factory=list, repr=False)
    closed: bool = False
    _panel: Any = field(default=None, init=False, repr=False, compare=False)

    @property
    def url(self) -> str:
        """The link to give others: public if there is one, else the notebook-served one, else the network one
        (``host=`` beyond loopback), else the local one."""
        return self.public_url or self.colab_url or self.proxy_url or self.network_url or self.local_url

    @property
    def urls(self) -> dict[str, str]:
        """Every link, token included, best first: ``{"public": ..., "colab": ..., "proxy": ..., "network": ...,
        "local": ...}`` (the kinds this launch made; an address listed once, e.g. a server bound to one interface's
        address has only its network link)."""
        named = {
            "public": self.public_url,
            "colab": self.colab_url,
            "proxy": self.proxy_url,
            "network": self.network_url,
            "local": self.local_url,
        }
        found: dict[str, str] = {}
        for kind, url in named.items():
            if url and url not in found.values():
                found[kind] = url
        return found

    def close(self) -> None:
        """Stop serving: the tunnel is removed, open pages are disconnected, and no link works any more."""
        if self.closed:
            return
        self.closed = True
        if self._panel is not None:
            self._panel.closed = True
        for step in reversed(self._on_close):
            step()

    def _located(self, origin: str) -> None:
        """The notebook page showing the links is at ``origin`` (``scheme://host[:port]``): a link that is only a path
        (a JupyterHub without ``public_url`` gives ``/user/ada/proxy/…``) becomes a whole address there."""
        if self.proxy_url is not None and self.proxy_url.startswith("/") and not self.proxy_url.startswith("//"):
            self.proxy_url = origin + self.proxy_url

    def _links(self) -> list[tuple[str, str]]:
        names = {
            "public": "Public link",
            "colab": "Colab link (only you, while this notebook is open; for others: share='ngrok' or 'ssh://…')",
            "proxy": "Hub link (only you, signed in to the hub; for others: share=…)"
            if self.on_hub
            else "Notebook server link",
            "network": "Network link (anyone who can reach this machine)",
            "local": "Local link (this machine only)",
        }
        return [(names[kind], url) for kind, url in self.urls.items()]

    def _describe(self, *, reveal: bool) -> str:
        """One line per link; the tokens masked unless ``reveal`` (a terminal, where nothing is saved)."""
        state = " (closed)" if self.closed else ""
        lines = [f"{name}{state}: {url if reveal else mask_token(url)}" for name, url in self._links()]
        return "\n".join(lines if reveal else [*lines, HIDDEN_HINT])

    def __str__(self) -> str:
        return self._describe(reveal=False)

    def __repr__(self) -> str:
        state = ", closed" if self.closed else ""
        return f"<nbshare.Link {mask_token(self.url)}{state} (token hidden; link.url has it)>"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Any:
        """What a notebook shows for the link: the links widget, whose state and text hold no token."""
        if self._panel is None:
            self._panel = LinksPanel(self._links, self._located)
            self._panel.closed = self.closed
        return self._panel._repr_mimebundle_()


def launch(
    interface: Interface,
    *,
    inline: bool = True,
    inbrowser: bool = False,
    share: bool | str = False,
    validate: bool = True,
    auth: Credentials | None = None,
    port: int | None = None,
    host: str = "127.0.0.1",
    expires_in: float | None = None,
    frame_ancestors: Sequence[str] = (),
    server_url: str | None = None,
    share_auth: tuple[str, str] | None = None,
    ngrok_path: str | None = None,
    ngrok_config_path: str | None = None,
    ssh_options: Sequence[str] = (),
    token: str | None = None,
    trusted_proxies: Iterable[str] | None = None,
    api: bool = True,
    api_cors: Sequence[str] | None = None,
    **limits: Any,
) -> Link:
    """Serve ``interface`` as a standalone page; see :meth:`Interface.launch` for the options.

    ``limits``: the server's budgets, the fields of :class:`nbshare.server.app.Limits` (``max_sessions``,
    ``max_sessions_per_client``, ``max_sessions_per_address``, ``max_connections``, ``header_timeout``,
    ``max_message_bytes``, ``grace_seconds``); an unknown name is an error. ``trusted_proxies``: addresses
    or ranges whose forwarded client address (X-Forwarded-For, X-Real-IP) is believed, for sign-in throttling and
    per-client counting, and the host and scheme the browser used (X-Forwarded-Host, X-Forwarded-Proto), for the
    origin check and the cookies; by default the loopback addresses when a proxy or ngrok link is made, else none.
    ``share``: ``True`` or ``"ngrok"``, a public link through ngrok (``share_auth``, ``ngrok_path``,
    ``ngrok_config_path`` apply); or ``"ssh://user@host[:port][?remote_port=N]"``, a public link
    ``http://host:N/`` through an SSH tunnel to a host you log in to with a key (``nbshare.ssh_tunnel``: the system's
    ``ssh``, never prompting; the host picks N unless ``remote_port`` is given; visitors reach it only if the host's
    sshd has ``GatewayPorts clientspecified`` or a reverse proxy there serves the port). ``ssh_options``: extra ssh
    arguments for that tunnel, e.g. ``["-F", "/path/config", "-i", "/path/key", "-o", "Name=value"]``. Anything
    else is a ``ValueError``.
    ``host``: the address to listen on, ``127.0.0.1`` by default; ``0.0.0.0``, ``::`` or one interface's address let
    other machines in (a warning says so, and the link gets a network URL): put HTTPS in front (a reverse proxy) and
    name the proxy's address in ``trusted_proxies``.
    ``token``: the links' access token, for a link that must survive a restart (``nbshare serve`` takes it from
    ``NBSHARE_TOKEN``): at least 32 letters, digits, ``-`` or ``_``; by default a new random one (43 characters).
    ``api``: serve the HTTP API (``api/openapi.json``, ``api/predict``...; see ``nbshare.server.api``);
    ``api_cors``: exact origins whose pages may call it from a browser (none by default).
    """
    budgets = Limits.of(limits)  # checked before the interface is, so a misspelt option fails at once
    tunnel = _tunnel_kind(share, share_auth, ssh_options)  # likewise: a wrong share= starts nothing
    if validate:
        interface.validate()
    proxies = () if trusted_proxies is None else trusted_proxies  # checked now: a typo must not leave a server up
    access = Access(
        token=_check_token(token), auth=auth, expires_in=expires_in, frame_ancestors=frame_ancestors,
        trusted_proxies=proxies,
    )  # fmt: skip
    server = Server(interface, access, port=port, limits=budgets, api=api, api_cors=api_cors, host=host)
    server.start()
    if server.exposed:
        print(_exposed_warning(server), file=sys.stderr, flush=True)

    def with_token(page: str) -> str:
        return f"{page.rstrip('/')}/?token={quote(access.token)}"

    link = Link(local_url=with_token(server.local_url), server=server)
    if server.network_url:
        link.network_url = with_token(server.network_url)
    link._on_close.append(server.stop)
    try:
        proxy_base = server_url or _jupyter_server_url()
        if proxy_base:
            link.proxy_url = with_token(f"{proxy_base.rstrip('/')}/proxy/{server.port}")
            link.on_hub = server_url is None and bool(os.environ.get("JUPYTERHUB_SERVICE_PREFIX"))
        colab = _colab_url(server.port)
        if colab:
            link.colab_url = with_token(colab)
        if isinstance(tunnel, str):  # "ngrok"
            public, disconnect = _ngrok_tunnel(server.port, share_auth, ngrok_path, ngrok_config_path)
        elif tunnel is not None:
            public, disconnect = _ssh_tunnel(tunnel, server, ssh_options)
        if tunnel is not None:
            link._on_close.append(disconnect)
            link.public_url = with_token(public)
    except BaseException:
        link.close()
        raise
    # Behind jupyter-server-proxy or ngrok every request comes from a loopback peer, and the visitor's own address
    # (and the host and scheme they used) is what that proxy forwards. Without a proxy link, nothing is forwarded;
    # a reverse proxy in front of host="0.0.0.0" is named by the owner (nbshare serve --trusted-proxy).
    # An SSH tunnel forwards bare connections: its visitors arrive from the local ssh client with headers of their own
    # making, so with one, nothing forwarded is believed unless trusted_proxies says so (a reverse proxy on the host).
    if trusted_proxies is None:
        via_ssh = tunnel is not None and tunnel != "ngrok"
        proxied = link.proxy_url or link.colab_url or tunnel == "ngrok"
        access.trust_proxies(LOOPBACK if proxied and not via_ssh else ())
    if inline:
        _show(interface, link)
    if inbrowser:
        threading.Thread(target=webbrowser.open, args=(link.local_url,), daemon=True).start()
    return link


def _check_token(token: str | None) -> str | None:
    """A token given by its owner: long and plain enough to be unguessable and to travel in a URL unchanged."""
    if token is not None and not (isinstance(token, str) and re.fullmatch(r"[A-Za-z0-9_-]{32,256}", token)):
        raise ValueError(
            "token must be 32 to 256 letters, digits, '-' or '_' (e.g. python -c \"import secrets; "
            'print(secrets.token_urlsafe(32))")'
        )
    return token


def _exposed_warning(server: Server) -> str:
    return (
        f"Warning: nbshare is listening on {server.host} port {server.port}, beyond this machine: anyone who can "
        "reach this port and has the link can use the model. Put HTTPS in front (a reverse proxy such as Caddy or "
        "nginx) and name the proxy's address with --trusted-proxy (trusted_proxies=), so visitors' addresses are "
        "counted and not the proxy's."
    )


def _show(interface: Interface, link: Link) -> None:
    """In a notebook: the interface, then the links widget (nothing saved with the notebook holds the token). In a
    terminal (a script, IPython's shell), where nothing is saved: the links in full."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        print(link._describe(reveal=True))
        return
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        print(link._describe(reveal=True))
        return
    display(interface)
    display(link)


def _jupyter_server_url() -> str | None:
    """The base URL of the Jupyter server this kernel runs under, when jupyter-server-proxy can serve through it."""
    try:
        import jupyter_server_proxy  # noqa: F401
    except ImportError:
        return None
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX")
    if prefix:
        public = os.environ.get("JUPYTERHUB_PUBLIC_URL")  # a hub with public_url: this user's server, prefix included
        if public:
            return public.rstrip("/") + "/"
        external = os.environ.get("JUPYTERHUB_EXTERNAL_URL", "")  # not set by JupyterHub: a researcher may set it
        return external.rstrip("/") + "/" + prefix.strip("/") + "/"
    try:
        from jupyter_server.serverapp import list_running_servers
    except ImportError:
        return None
    parent = os.getppid()
    for info in list_running_servers():
        if info.get("pid") == parent:
            return str(info.get("url") or f"http://127.0.0.1:{info['port']}{info.get('base_url', '/')}")
    return None


def _colab_url(port: int) -> str | None:
    """Colab's address of ``port`` for the notebook's own viewer, or None outside Colab or when Colab's page does not
    answer within 5 s (a Colab runtime driven from VS Code imports google.colab but never answers: without a timeout
    ``eval_js`` would wait for ever)."""
    if "google.colab" not in sys.modules:
        return None
    from google.colab.output import eval_js  # type: ignore[import-not-found]

    try:
        url = eval_js(f"google.colab.kernel.proxyPort({int(port)})", timeout_sec=5)
    except Exception:  # Colab raises its own TimeoutException
        return None
    return str(url) if url else None


def _tunnel_kind(share: object, share_auth: object, ssh_options: Sequence[str]) -> SshTarget | str | None:
    """What ``share`` asks for, checked before anything starts: no public link, ``"ngrok"``, or an SSH target."""
    from .ssh_tunnel import SshTarget, check_ssh_options

    if share is False or share is None:
        kind: SshTarget | str | None = None
    elif share is True or share == "ngrok":
        kind = "ngrok"
    else:
        kind = SshTarget.parse(share)  # a ValueError naming the accepted forms
    if share_auth is not None and isinstance(kind, SshTarget):
        raise ValueError("share_auth is basic auth at ngrok's edge (share=True); for a login on any link use auth=")
    if ssh_options and not isinstance(kind, SshTarget):
        raise ValueError("ssh_options is for share='ssh://user@host'; there is no SSH tunnel here")
    check_ssh_options(ssh_options)
    return kind


def _ssh_tunnel(target: SshTarget, server: Server, options: Sequence[str]) -> tuple[str, Callable[[], None]]:
    from .ssh_tunnel import check_ssh_options, open_tunnel

    local = urlsplit(server.local_url)  # where the server answers this machine: 127.0.0.1, or its one address
    tunnel = open_tunnel(target, str(local.hostname), server.port, check_ssh_options(options))
    return tunnel.public_url, tunnel.close


def _ngrok_tunnel(
    port: int, share_auth: tuple[str, str] | None, ngrok_path: str | None, config_path: str | None
) -> tuple[str, Callable[[], None]]:
    from pyngrok import conf, installer, ngrok
    from pyngrok.exception import PyngrokError

    options: dict[str, Any] = {}
    if ngrok_path is not None:
        options["ngrok_path"] = ngrok_path
    if config_path is not None:
        options["config_path"] = config_path
    pyngrok_config = conf.PyngrokConfig(**options)
    if not pyngrok_config.auth_token and not _configured_authtoken(installer, conf, pyngrok_config):
        raise ShareError(NGROK_HELP)
    tunnel_options: dict[str, Any] = {}
    if share_auth is not None:
        user, password = share_auth
        tunnel_options["basic_auth"] = [f"{user}:{password}"]
    try:
        tunnel = ngrok.connect(str(port), "http", pyngrok_config=pyngrok_config, **tunnel_options)
    except PyngrokError as error:
        detail = getattr(error, "ngrok_error", None) or str(error)
        hint = f" {NGROK_HELP}" if "4018" in str(detail) or "authtoken" in str(detail).lower() else ""
        raise ShareError(f"ngrok could not open a public link: {detail}.{hint}") from error
    public_url = str(tunnel.public_url)

    def disconnect() -> None:
        with contextlib.suppress(PyngrokError):
            ngrok.disconnect(public_url, pyngrok_config=pyngrok_config)

    return public_url, disconnect


def _configured_authtoken(installer: Any, conf: Any, pyngrok_config: Any) -> bool:
    path = conf.get_config_path(pyngrok_config)
    if not os.path.exists(path):
        return False
    try:
        config = installer.get_ngrok_config(path, use_cache=False)
    except Exception:
        return False
    agent = config.get("agent") if isinstance(config.get("agent"), dict) else {}
    return bool(config.get("authtoken") or agent.get("authtoken"))
