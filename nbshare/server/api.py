"""The HTTP API of a shared interface: ``api/openapi.json``, ``api/predict``, ``api/explain``, ``api/flag``.

Relative to the page (so it works under ``/proxy/{port}/`` and behind ngrok). Every request carries the link's token
(``Authorization: Bearer``; with ``auth=``, HTTP Basic plus ``X-Nbshare-Token``); no cookies are set or read. Requests
go through the interface's one queue like a visitor's; values are converted and checked by their components
(:mod:`nbshare.server.api_values`). Budgets: the body (``max_message_bytes``), the components' own limits, a rate per
client address (:data:`RATE_PER_SECOND`, :data:`MAX_IN_FLIGHT_PER_ADDRESS`), the link's expiry.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import threading
import time
from typing import TYPE_CHECKING, Any

import tornado.web

from .._errors import InputError
from .._log import log_exception
from .._version import __version__
from ..runtime.pipeline import user_message
from ..runtime.queue import ModelStuck, ModelTimeout, QueueError
from ..values.dataurl import decode_data_url
from .api_values import ApiError, decode_body, explanation_json, outputs_json, wire_inputs
from .openapi import openapi_description

if TYPE_CHECKING:
    from .app import Server

__all__ = ["API_ROUTES", "RateLimiter"]

RATE_PER_SECOND = 20.0
"""Requests per second each client address may make to the API (a burst of twice as many passes)."""
MAX_IN_FLIGHT_PER_ADDRESS = 8
"""API requests one client address may have open at once (each may hold a body up to ``max_message_bytes``)."""
MAX_ADDRESSES = 10_000
BINARY_TYPES = ("image/png", "audio/wav")


class RateLimiter:
    """A token bucket and a count of open requests per client address."""

    def __init__(self, rate: float = RATE_PER_SECOND, in_flight: int = MAX_IN_FLIGHT_PER_ADDRESS) -> None:
        self.rate, self.burst, self.max_in_flight = rate, 2 * rate, in_flight
        self._buckets: dict[str, tuple[float, float]] = {}
        self._open: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, address: str) -> str | None:
        """Count a request from ``address``; why it is refused, or None (then :meth:`done` when it ends)."""
        now = time.monotonic()
        with self._lock:
            tokens, since = self._buckets.get(address, (self.burst, now))
            tokens = min(self.burst, tokens + (now - since) * self.rate)
            if tokens < 1:
                return f"more than {self.rate:g} requests a second from this address; wait a moment"
            if self._open.get(address, 0) >= self.max_in_flight:
                return f"{self.max_in_flight} requests from this address are already open; wait for their answers"
            if len(self._buckets) >= MAX_ADDRESSES:
                self._buckets = {a: b for a, b in self._buckets.items() if now - b[1] < 60}
            self._buckets[address] = (tokens - 1, now)
            self._open[address] = self._open.get(address, 0) + 1
        return None

    def done(self, address: str) -> None:
        with self._lock:
            left = self._open.get(address, 1) - 1
            if left > 0:
                self._open[address] = left
            else:
                self._open.pop(address, None)


@tornado.web.stream_request_body
class _ApiHandler(tornado.web.RequestHandler):
    """Access, budgets, CORS and JSON errors for every API path."""

    user: str | None = None
    _address: str | None = None

    @property
    def server(self) -> Server:
        return self.application.settings["nbshare_server"]  # type: ignore[no-any-return]

    def initialize(self) -> None:
        self._chunks: list[bytes] = []

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Cache-Control", "no-store")
        origin = self.request.headers.get("Origin")
        if origin and origin in self.server.api_cors:
            self.set_header("Access-Control-Allow-Origin", origin)
            self.set_header("Vary", "Origin")

    async def prepare(self) -> None:
        server = self.server
        if not server.api:
            raise ApiError(404, "this link has no API (it was launched with api=False)")
        if self.request.method == "OPTIONS":
            return
        address = server.access.client_address(self.request.remote_ip, self.request.headers)
        refusal = server.api_rate.take(address)
        if refusal is not None:
            self.set_header("Retry-After", "1")
            raise ApiError(429, refusal)
        self._address = address
        await self._check_access(address)
        declared = self.request.headers.get("Content-Length")
        limit = server.limits.max_message_bytes
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise ApiError(413, f"the body is {int(declared) / 1048576:.1f} MB; the limit here is "
                                f"{limit / 1048576:.1f} MB")  # fmt: skip
        self.request.connection.set_max_body_size(limit)  # type: ignore[union-attr]

    async def _check_access(self, address: str) -> None:
        access = self.server.access
        if access.expired():
            raise ApiError(403, "this link has expired")
        scheme, _, credentials = self.request.headers.get("Authorization", "").partition(" ")
        if not access.needs_login:
            if scheme.lower() != "bearer" or not access.token_matches(credentials.strip()):
                self.set_header("WWW-Authenticate", 'Bearer realm="nbshare"')
                raise ApiError(401, "send the link's token as 'Authorization: Bearer <token>'")
            return
        if not access.token_matches(self.request.headers.get("X-Nbshare-Token", "").strip()):
            raise ApiError(401, "send the link's token as 'X-Nbshare-Token: <token>' with your Basic sign-in")
        try:
            user, _, password = base64.b64decode(credentials.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, ValueError):
            user = password = ""
        if scheme.lower() != "basic" or not user:
            self.set_header("WWW-Authenticate", 'Basic realm="nbshare"')
            raise ApiError(401, "send your user name and password as HTTP Basic ('Authorization: Basic ...')")
        known, delay = access.check_basic(address, user, password)
        if delay is None:
            self.set_header("Retry-After", "8")
            raise ApiError(429, "too many sign-in attempts at once; wait a few seconds and try again")
        if not known:
            try:  # throttled like the sign-in form: each recent failure doubles the wait
                await asyncio.sleep(delay)
            finally:
                right = access.end_basic(address, user, password)
            if not right:
                self.set_header("WWW-Authenticate", 'Basic realm="nbshare"')
                raise ApiError(401, "wrong user name or password")
        self.user = user

    def data_received(self, chunk: bytes) -> None:
        self._chunks.append(chunk)

    @property
    def body(self) -> bytes:
        return b"".join(self._chunks)

    def on_finish(self) -> None:
        self._release()

    def _release(self) -> None:
        """Give the request's place back to its address's count of open requests (once)."""
        if self._address is not None:
            self.server.api_rate.done(self._address)
            self._address = None

    def options(self, *_args: Any) -> None:
        """A CORS preflight: allowed for ``api_cors`` origins only."""
        origin = self.request.headers.get("Origin")
        if not origin or origin not in self.server.api_cors:
            raise ApiError(403, "cross-origin requests are not allowed from this origin")
        self.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        self.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Nbshare-Token, Accept")
        self.set_header("Access-Control-Max-Age", "600")
        self.set_status(204)
        self.finish()

    def send_json(self, body: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(body, ensure_ascii=False, allow_nan=False))

    def _handle_request_exception(self, error: BaseException) -> None:
        if isinstance(error, ApiError):
            if not self._finished:
                self.send_json(error.body(), error.status)
            return
        super()._handle_request_exception(error)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        message = self._reason if status_code < 500 else "the server could not answer; see the notebook's log"
        self.finish(json.dumps({"error": message}))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if not isinstance(value, tornado.web.HTTPError | ApiError):
            log_exception("the shared page's API", value)

    async def off_loop(self, function: Any, *args: Any) -> Any:
        """Run ``function`` (decoding, encoding: CPU work) on the server's API threads, never on the loop."""
        return await asyncio.wrap_future(self.server.api_workers.submit(function, *args))

    async def inputs(self) -> tuple[dict[str, Any], list[Any]]:
        """The request's JSON object and its inputs as wire values, converted and checked by their components."""
        document, uploads = await self.off_loop(decode_body, self.request.headers.get("Content-Type", ""), self.body)
        values = await self.off_loop(wire_inputs, self.server.interface.inputs, document, uploads)
        return document, values

    async def queued(self, future: Any) -> Any:
        """The answer of a queued job; the model's failures as the API's errors. A request whose client leaves is
        withdrawn from the queue."""
        self._pending = future
        try:
            return await asyncio.wrap_future(future)
        except ModelTimeout as error:
            raise ApiError(504, str(error)) from None
        except (ModelStuck, QueueError) as error:
            raise ApiError(503, str(error)) from None
        except InputError as error:
            labels = [c.label for c in self.server.interface.inputs if str(error).startswith(c.label)]
            raise ApiError(400, str(error), labels[0] if labels else None) from None
        except Exception as error:
            raise ApiError(500, user_message(error)) from None
        finally:
            self._pending = None

    _pending: Any = None

    def on_connection_close(self) -> None:
        """The client left: withdraw its queued job, end a body still arriving, and give its place back (a request
        that never finishes would otherwise hold one of its address's open requests for good)."""
        if self._pending is not None:
            self.server.interface.runner.cancel(self._pending)
        super().on_connection_close()
        self._release()


class OpenApiHandler(_ApiHandler):
    def get(self) -> None:
        server = self.server
        self.send_json(openapi_description(server.interface, server.title, needs_login=server.access.needs_login))


class PredictHandler(_ApiHandler):
    async def post(self) -> None:
        interface = self.server.interface
        _document, values = await self.inputs()
        outputs, seconds, version = await self.queued(interface.runner.submit(values))
        answer = await self.off_loop(outputs_json, interface.outputs, outputs, self._address or "")
        raw = self.get_query_argument("raw", "") in ("1", "true") or any(
            kind in self.request.headers.get("Accept", "") for kind in BINARY_TYPES
        )
        if raw and len(answer) == 1 and isinstance(next(iter(answer.values())), str):
            try:
                data, media_type, _name = decode_data_url(next(iter(answer.values())), "the output")
            except InputError:
                pass
            else:
                self.set_header("Content-Type", media_type)
                self.finish(data)
                return
        self.send_json({"outputs": answer, "version": version, "seconds": round(seconds, 6)})


class ExplainHandler(_ApiHandler):
    async def post(self) -> None:
        interface = self.server.interface
        if interface.interpretation is None:
            raise ApiError(404, "this interface has no explanations (no interpretation=)")
        from ..saliency import ExplainRun

        _document, values = await self.inputs()
        run = ExplainRun(interface.runner, interface.interpretation, interface.examples, values, None)
        explanation = await self.queued(run.start().future)
        self.send_json(await self.off_loop(explanation_json, explanation))


class FlagHandler(_ApiHandler):
    async def post(self) -> None:
        interface = self.server.interface
        if not interface.flagging:
            raise ApiError(404, "flagging is off for this interface")
        document, values = await self.inputs()
        record = await self.off_loop(_store_flag, interface, document, values, self.user)
        self.send_json({"id": record["id"]})


class UnknownApiHandler(_ApiHandler):
    def get(self, _path: str) -> None:
        raise ApiError(404, "no such API path; see api/openapi.json")

    post = get


def _store_flag(interface: Any, document: dict[str, Any], values: list[Any], user: str | None) -> dict[str, Any]:
    from ..flagging import FlagError
    from ..ui.flag_view import MAX_OPTION_CHARS, check_text
    from ..values.stored import JsonValue

    message, option = document.get("message", ""), document.get("option")
    try:
        check_text(message, "the message", interface.max_flag_message_chars)
        if option is not None:
            check_text(option, "the reason", MAX_OPTION_CHARS)
            if interface.flagging_options and option not in interface.flagging_options:
                raise InputError(
                    f"unknown reason {option[:40]!r}; choose one of {', '.join(interface.flagging_options)}"
                )
    except InputError as error:
        raise ApiError(400, str(error)) from None
    given = document.get("outputs")
    if given is not None and not isinstance(given, dict):
        raise ApiError(400, '"outputs" must be an object keyed by output label')
    stored = {
        c.label: {"role": "input", "value": c.to_stored(v)} for c, v in zip(interface.inputs, values, strict=True)
    }
    for component in interface.outputs:
        stored[component.label] = {"role": "output", "value": JsonValue((given or {}).get(component.label))}
    fields = {"option": option, "message": message, "session": "api", "user": user, "visitor": None,
              "version": interface.version, "answered": given is not None, "nbshare_version": __version__}  # fmt: skip
    try:
        return interface.flag_store.append(fields, stored)  # type: ignore[no-any-return]
    except FlagError as error:
        raise ApiError(503, str(error)) from None


API_ROUTES: list[Any] = [
    (r"/api/openapi\.json", OpenApiHandler),
    (r"/api/predict", PredictHandler),
    (r"/api/explain", ExplainHandler),
    (r"/api/flag", FlagHandler),
    (r"/api/(.*)", UnknownApiHandler),
]
