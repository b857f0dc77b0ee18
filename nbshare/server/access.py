"""Who may use a shared link: the link's token, an optional login, an optional expiry, and exact origins."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Access", "Credentials"]

Credentials = tuple[str, str] | Sequence[tuple[str, str]] | Callable[[str, str], bool]

FAILURE_DELAY_SECONDS = 0.5
MAX_FAILURE_DELAY_SECONDS = 8.0


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
    ) -> None:
        self.token = token or secrets.token_urlsafe(32)
        self.server_id = secrets.token_hex(4)
        self._check_credentials = _credential_checker(auth) if auth is not None else None
        if expires_in is not None and not expires_in > 0:
            raise ValueError(f"expires_in must be a positive number of seconds, got {expires_in!r}")
        self.expires_at = time.monotonic() + expires_in if expires_in is not None else None
        self.frame_ancestors = _check_frame_ancestors(frame_ancestors)
        self._logins: dict[str, str] = {}
        self._failures: dict[str, int] = {}
        self._lock = threading.Lock()

    # -- the link token ----------------------------------------------------------------------------

    @property
    def cookie_name(self) -> str:
        return f"nbshare-{self.server_id}"

    @property
    def login_cookie_name(self) -> str:
        return f"nbshare-{self.server_id}-login"

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
        """Seconds to wait before answering a login attempt from ``client``: doubles with each recent failure."""
        with self._lock:
            failures = self._failures.get(client, 0)
        return 0.0 if failures == 0 else min(FAILURE_DELAY_SECONDS * 2 ** (failures - 1), MAX_FAILURE_DELAY_SECONDS)

    def log_in(self, client: str, username: str, password: str) -> str | None:
        """A login key for the cookie when the credentials are right, else None (and the next try waits longer)."""
        assert self._check_credentials is not None
        if self._check_credentials(username, password):
            key = secrets.token_urlsafe(32)
            with self._lock:
                self._failures.pop(client, None)
                self._logins[key] = username
            return key
        with self._lock:
            self._failures[client] = self._failures.get(client, 0) + 1
        return None

    def user_for(self, login_key: str | None) -> str | None:
        if not login_key:
            return None
        with self._lock:
            return self._logins.get(login_key)

    # -- origins -----------------------------------------------------------------------------------

    @staticmethod
    def origin_matches(origin: str, headers: Any) -> bool:
        """Whether a websocket's Origin is exactly the site the request came through.

        The host a browser used arrives as ``Host``, or as ``X-Forwarded-Host`` behind a proxy (jupyter-server-proxy,
        ngrok); a page cannot set either on its own websocket, so a foreign page's socket never matches.
        """
        parts = urlsplit(origin or "")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return False
        candidates = {headers.get("Host", "")}
        forwarded = headers.get("X-Forwarded-Host")
        if forwarded:
            candidates.add(forwarded.split(",")[0].strip())
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


def _check_frame_ancestors(sources: Sequence[str]) -> tuple[str, ...]:
    if isinstance(sources, str):
        sources = [sources]
    for source in sources:
        if not isinstance(source, str) or any(ch in source for ch in ";, \t\r\n"):
            raise ValueError(
                f"frame_ancestors entries must be single CSP sources such as 'https://example.org', got {source!r}"
            )
    return tuple(sources)
