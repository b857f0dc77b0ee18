"""Who may use a shared link: the link's token, an optional login, an optional expiry, and exact origins.

Also who a request comes from (:meth:`Access.client_address`): the peer's address, or the address a proxy we trust
forwarded (``X-Forwarded-For`` read from the right, skipping trusted hops, else ``X-Real-IP``); likewise the host and
scheme the browser used (``X-Forwarded-Host``, ``X-Forwarded-Proto``) count only from a trusted proxy. Sign-in
attempts are counted per client before they wait, a client has at most a few attempts in flight, and failures decay.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

__all__ = ["LOOPBACK", "Access", "Credentials"]

Credentials = tuple[str, str] | Sequence[tuple[str, str]] | Callable[[str, str], bool]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

FAILURE_DELAY_SECONDS = 0.5
MAX_FAILURE_DELAY_SECONDS = 8.0
FAILURE_HALF_LIFE_SECONDS = 60.0
"""A client's count of failed sign-ins halves every this many seconds, so an attacker's failures fade."""
MAX_ATTEMPTS_IN_FLIGHT_PER_CLIENT = 2
MAX_ATTEMPTS_IN_FLIGHT = 16
LOOPBACK = ("127.0.0.0/8", "::1/128")
MAX_VERIFIED = 1000


class Access:
    """The rules one server applies to every request.

    ``token`` is the secret every link carries; a visitor trades it for an HttpOnly cookie. ``auth`` adds a
    login: one ``(user, password)`` pair, a list of them, or a function ``(user, password) -> bool``.
    ``expires_in`` (seconds) makes the link stop working after that long.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        auth: Credentials | None = None,
        expires_in: float | None = None,
        frame_ancestors: Sequence[str] = (),
        trusted_proxies: Iterable[str] = (),
    ) -> None:
        self.token = token or secrets.token_urlsafe(32)
        self.server_id = secrets.token_hex(4)
        self._client_key = secrets.token_bytes(32)
        self._check_credentials = _credential_checker(auth) if auth is not None else None
        if expires_in is not None and not expires_in > 0:
            raise ValueError(f"expires_in must be a positive number of seconds, got {expires_in!r}")
        self.expires_at = time.monotonic() + expires_in if expires_in is not None else None
        self.frame_ancestors = _check_frame_ancestors(frame_ancestors)
        self.trusted_proxies: tuple[Network, ...] = ()
        self.trust_proxies(trusted_proxies)
        self._logins: dict[str, str] = {}
        self._verified: set[bytes] = set()  # HMACs of Basic credentials an API request has proved
        self._failures: dict[str, tuple[int, float]] = {}  # client -> (count, when it last halved)
        self._in_flight: dict[str, int] = {}
        self._clock = time.monotonic
        self._lock = threading.Lock()

    # -- the link token ----------------------------------------------------------------------------

    @property
    def cookie_name(self) -> str:
        return f"nbshare-{self.server_id}"

    @property
    def login_cookie_name(self) -> str:
        return f"nbshare-{self.server_id}-login"

    @property
    def client_cookie_name(self) -> str:
        """A random id each browser gets with the page: sessions are counted per client by it."""
        return f"nbshare-{self.server_id}-client"

    @property
    def needs_login(self) -> bool:
        return self._check_credentials is not None

    def expired(self) -> bool:
        return self.expires_at is not None and time.monotonic() >= self.expires_at

    def token_matches(self, candidate: str | None) -> bool:
        return bool(candidate) and hmac.compare_digest(str(candidate).encode(), self.token.encode())

    def refusal(self, token: str | None, login_key: str | None, *, login: bool = True) -> tuple[int, str] | None:
        """Why a request carrying these cookies may not proceed, as (HTTP status, reason), or None when it may."""
        if self.expired():
            return 410, "This link has expired"
        if not self.token_matches(token):
            return 403, "This link is missing its access token"
        if login and self.needs_login and self.user_for(login_key) is None:
            return 401, "Sign in first"
        return None

    # -- the optional login ------------------------------------------------------------------------

    def failure_delay(self, client: str) -> float:
        """Seconds the next sign-in attempt from ``client`` waits: doubles with each recent failure, up to 8 s."""
        with self._lock:
            failures = self._decayed_failures(client)
        return 0.0 if failures == 0 else min(FAILURE_DELAY_SECONDS * 2 ** (failures - 1), MAX_FAILURE_DELAY_SECONDS)

    def begin_attempt(self, client: str) -> float | None:
        """Count a sign-in attempt from ``client`` now, as a failure until it succeeds; return how long it must wait
        before its credentials are checked, or None when this client (or everyone together) already has as many
        attempts waiting as allowed. Every attempt that got a number must end with :meth:`end_attempt`."""
        with self._lock:
            if (
                self._in_flight.get(client, 0) >= MAX_ATTEMPTS_IN_FLIGHT_PER_CLIENT
                or sum(self._in_flight.values()) >= MAX_ATTEMPTS_IN_FLIGHT
            ):
                return None
            failures = self._decayed_failures(client)
            self._failures[client] = (failures + 1, self._failures.get(client, (0, self._clock()))[1])
            self._in_flight[client] = self._in_flight.get(client, 0) + 1
        return 0.0 if failures == 0 else min(FAILURE_DELAY_SECONDS * 2 ** (failures - 1), MAX_FAILURE_DELAY_SECONDS)

    def end_attempt(self, client: str, username: str, password: str) -> str | None:
        """Check an attempt :meth:`begin_attempt` counted: a login key for the cookie when the credentials are right
        (the client's failures are forgiven), else None (the attempt stays counted)."""
        assert self._check_credentials is not None
        with self._lock:
            left = self._in_flight.get(client, 1) - 1
            if left > 0:
                self._in_flight[client] = left
            else:
                self._in_flight.pop(client, None)
        if not self._check_credentials(username, password):
            return None
        key = secrets.token_urlsafe(32)
        with self._lock:
            self._failures.pop(client, None)
            self._logins[key] = username
        return key

    def check_basic(self, client: str, username: str, password: str) -> tuple[bool, float | None]:
        """``(True, 0)`` for Basic credentials an API request proved before; else ``(False, delay)``: an attempt
        begun (:meth:`begin_attempt`: wait ``delay``, then :meth:`end_basic`), or None when this client (or everyone)
        has as many attempts waiting as allowed. Credentials checked once pass at once afterwards (a script's
        requests do not wait, nor add logins); a wrong pair counts as a failed sign-in, throttled like the form."""
        known = hmac.new(self._client_key, f"{username}\0{password}".encode(), "sha256").digest()
        with self._lock:
            if known in self._verified:
                return True, 0.0
        return False, self.begin_attempt(client)

    def end_basic(self, client: str, username: str, password: str) -> bool:
        """End an API attempt :meth:`check_basic` began: True (and remembered) when the credentials are right."""
        key = self.end_attempt(client, username, password)
        if key is None:
            return False
        known = hmac.new(self._client_key, f"{username}\0{password}".encode(), "sha256").digest()
        with self._lock:
            self._logins.pop(key, None)  # an API request gets no sign-in cookie
            if len(self._verified) >= MAX_VERIFIED:
                self._verified.clear()
            self._verified.add(known)
        return True

    def log_in(self, client: str, username: str, password: str) -> str | None:
        """A login key when the credentials are right, else None (and the next try waits longer); does not wait."""
        if self.begin_attempt(client) is None:
            return None
        return self.end_attempt(client, username, password)

    def _decayed_failures(self, client: str) -> int:
        """The client's failure count after halving it once per half-life since it last halved (lock held)."""
        count, since = self._failures.get(client, (0, 0.0))
        if count == 0:
            return 0
        now = self._clock()
        halvings = int((now - since) // FAILURE_HALF_LIFE_SECONDS)
        if halvings > 0:
            count >>= min(halvings, 63)
            since += halvings * FAILURE_HALF_LIFE_SECONDS
            if count == 0:
                del self._failures[client]
                return 0
            self._failures[client] = (count, since)
        return count

    def new_client_id(self) -> str:
        """A browser's client id, signed by this server: a made-up one counts for nothing."""
        client = secrets.token_urlsafe(16)
        return f"{client}.{self._client_signature(client)}"

    def client_id(self, cookie: str | None) -> str | None:
        """The client id in ``cookie`` when this server signed it, else None."""
        if not cookie or len(cookie) > 100 or cookie.count(".") != 1:
            return None
        client, signature = cookie.split(".")
        return client if hmac.compare_digest(signature, self._client_signature(client)) else None

    def _client_signature(self, client: str) -> str:
        return hmac.new(self._client_key, client.encode(), "sha256").hexdigest()[:32]

    def user_for(self, login_key: str | None) -> str | None:
        if not login_key:
            return None
        with self._lock:
            return self._logins.get(login_key)

    # -- who a request comes from -------------------------------------------------------------------

    def trust_proxies(self, networks: Iterable[str]) -> None:
        """Believe the client address that a peer in ``networks`` (addresses or CIDR ranges) forwards."""
        if isinstance(networks, str):
            networks = [networks]
        try:
            self.trusted_proxies = tuple(ipaddress.ip_network(str(network), strict=False) for network in networks)
        except ValueError as error:
            raise ValueError(
                f"trusted_proxies takes addresses or ranges such as '127.0.0.1' or '10.0.0.0/8': {error}"
            ) from error

    def client_address(self, peer: str | None, headers: Any) -> str:
        """Who sent a request: ``peer`` unless it is a trusted proxy, then the address it forwarded.

        ``X-Forwarded-For`` is read from the right, skipping hops we trust: the first other address is the one our
        own proxy saw (entries to its left were written by the client and prove nothing). Without that header, a
        trusted proxy's ``X-Real-IP`` counts. Anything unparsable leaves the peer's own address.
        """
        peer = peer or "?"
        if not self._trusted(peer):
            return peer
        forwarded = (
            headers.get_list("X-Forwarded-For")
            if hasattr(headers, "get_list")
            else [headers.get("X-Forwarded-For", "")]
        )
        for entry in reversed(",".join(forwarded).split(",")):
            address = _address(entry)
            if address is None:
                break
            if not self._trusted(address):
                return address
        real = _address(headers.get("X-Real-IP", ""))
        return real if real is not None and not self._trusted(real) else peer

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted_proxies)

    # -- origins -----------------------------------------------------------------------------------

    def forwarded(self, peer: str | None, headers: Any, name: str) -> str | None:
        """The first entry of a proxy's ``name`` header (``X-Forwarded-Host``, ``X-Forwarded-Proto``) when ``peer``
        is a proxy we trust, else None: from anyone else it is just text the client wrote."""
        if not self._trusted(peer or ""):
            return None
        value = headers.get(name) or ""
        return value.split(",")[0].strip() or None

    def is_https(self, peer: str | None, headers: Any, protocol: str) -> bool:
        """Whether the browser used HTTPS: our own ``protocol``, or what a trusted proxy says in X-Forwarded-Proto
        (it decides the cookies' ``Secure`` and ``SameSite=None``)."""
        return (self.forwarded(peer, headers, "X-Forwarded-Proto") or protocol).lower() == "https"

    def origin_matches(self, origin: str, peer: str | None, headers: Any) -> bool:
        """Whether a websocket's (or the sign-in form's) Origin is exactly the site the request came through.

        The host a browser used arrives as ``Host``, or behind a proxy we trust (jupyter-server-proxy, ngrok, a
        reverse proxy) as ``X-Forwarded-Host``; a page cannot set either on its own websocket, so a foreign page's
        socket never matches. ``X-Forwarded-Host`` from any other peer is ignored.
        """
        parts = urlsplit(origin or "")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return False
        candidates = {headers.get("Host", ""), self.forwarded(peer, headers, "X-Forwarded-Host") or ""}
        return parts.netloc.lower() in {candidate.lower() for candidate in candidates if candidate}

    def content_security_policy(self) -> str:
        ancestors = " ".join(self.frame_ancestors) if self.frame_ancestors else "'none'"
        return (
            "default-src 'self'; script-src 'self' blob:; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: blob:; media-src 'self' blob: mediastream:; connect-src 'self'; "
            f"font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
            f"frame-ancestors {ancestors}"
        )


def _credential_checker(auth: Credentials) -> Callable[[str, str], bool]:
    if callable(auth):
        return lambda username, password: bool(auth(username, password))  # type: ignore[operator]
    pairs = [auth] if isinstance(auth, tuple) and len(auth) == 2 and isinstance(auth[0], str) else list(auth)
    for pair in pairs:
        if not (isinstance(pair, tuple | list) and len(pair) == 2 and all(isinstance(p, str) and p for p in pair)):
            raise TypeError('auth must be ("user", "password"), a list of such pairs, or a function (user, password)')
    encoded = [(user.encode(), password.encode()) for user, password in pairs]

    def check(username: str, password: str) -> bool:
        given_user, given_password = username.encode(), password.encode()
        matched = False
        for user, secret in encoded:  # compare with every pair, so timing does not tell which user exists
            matched |= hmac.compare_digest(given_user, user) & hmac.compare_digest(given_password, secret)
        return matched

    return check


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip().strip("[]")))
    except ValueError:
        return None


def _check_frame_ancestors(sources: Sequence[str]) -> tuple[str, ...]:
    if isinstance(sources, str):
        sources = [sources]
    for source in sources:
        if not isinstance(source, str) or any(ch in source for ch in ";, \t\r\n"):
            raise ValueError(
                f"frame_ancestors entries must be single CSP sources such as 'https://example.org', got {source!r}"
            )
    return tuple(sources)
