"""The HTTP server's own budget: how long a request may take to arrive, and how many connections may be open.

A connection that sends its headers slowly (slowloris) is closed when its header timeout runs out, and an idle
keep-alive connection likewise; a body has its own timeout. At most ``max_connections`` connections (pages,
websockets, requests in progress) are open at once, far below the process's file-descriptor limit, so the
kernel's own ``open()`` keeps working. A connection over the cap first takes the place of the connection that has
waited longest for its next request's headers (a slow or idle one), else it is closed at once: no work, no fds kept.
"""

from __future__ import annotations

import resource
from typing import Any

from tornado import httputil
from tornado.httpserver import HTTPServer
from tornado.iostream import IOStream

__all__ = ["DEFAULT_HEADER_TIMEOUT_SECONDS", "CappedHTTPServer", "default_max_connections"]

DEFAULT_HEADER_TIMEOUT_SECONDS = 10.0
"""How long a connection may take to send a request's headers, and how long it may sit idle between requests."""
DEFAULT_BODY_TIMEOUT_SECONDS = 10.0


def default_max_connections() -> int:
    """Half the file descriptors this process may open (at most 1024, at least 64)."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 1024
    return max(64, min(1024, soft // 2))


class CappedHTTPServer(HTTPServer):
    """tornado's HTTPServer with a cap on open connections that sheds the slowest first."""

    def initialize(  # type: ignore[override]  # tornado's Configurable passes the constructor's arguments here
        self,
        request_callback: Any,
        *,
        max_connections: int,
        header_timeout: float = DEFAULT_HEADER_TIMEOUT_SECONDS,
        body_timeout: float = DEFAULT_BODY_TIMEOUT_SECONDS,
        **options: Any,
    ) -> None:
        super().initialize(
            request_callback, idle_connection_timeout=header_timeout, body_timeout=body_timeout, **options
        )
        self.max_connections = int(max_connections)
        self.refused = 0
        """Connections closed at once because every slot was busy (for tests and benchmarks)."""
        self._open: set[IOStream] = set()
        self._waiting: dict[IOStream, None] = {}  # open streams waiting for a request's headers, longest first

    @property
    def open_connections(self) -> int:
        self._forget_closed()
        return len(self._open)

    def handle_stream(self, stream: IOStream, address: tuple[Any, ...]) -> None:
        if len(self._open) >= self.max_connections:
            self._forget_closed()
        if len(self._open) >= self.max_connections:
            victim = next(iter(self._waiting), None)
            if victim is None:
                self.refused += 1
                stream.close()
                return
            self._forget(victim)
            victim.close()
        self._open.add(stream)
        self._waiting[stream] = None
        super().handle_stream(stream, address)

    def start_request(self, server_conn: Any, request_conn: httputil.HTTPConnection) -> httputil.HTTPMessageDelegate:
        stream = getattr(server_conn, "stream", None)
        if stream is not None and stream in self._open:
            self._waiting.pop(stream, None)
            self._waiting[stream] = None  # waiting again (a kept-alive connection): now the newest
        return _HeadersArrived(super().start_request(server_conn, request_conn), self._waiting, stream)

    def _forget(self, stream: IOStream) -> None:
        self._open.discard(stream)
        self._waiting.pop(stream, None)

    def _forget_closed(self) -> None:
        for stream in [stream for stream in self._open if stream.closed()]:
            self._forget(stream)


class _HeadersArrived(httputil.HTTPMessageDelegate):
    """Passes a request through, marking its connection busy once its headers are in."""

    def __init__(self, inner: httputil.HTTPMessageDelegate, waiting: dict[IOStream, None], stream: Any) -> None:
        self._inner = inner
        self._waiting = waiting
        self._stream = stream

    def headers_received(
        self, start_line: httputil.RequestStartLine | httputil.ResponseStartLine, headers: httputil.HTTPHeaders
    ) -> Any:
        self._waiting.pop(self._stream, None)
        return self._inner.headers_received(start_line, headers)

    def data_received(self, chunk: bytes) -> Any:
        return self._inner.data_received(chunk)

    def finish(self) -> None:
        self._inner.finish()

    def on_connection_close(self) -> None:
        self._waiting.pop(self._stream, None)
        self._inner.on_connection_close()
