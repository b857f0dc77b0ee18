"""DevTools network events of one page, and a text waterfall of them (benchmarks/remote.py prints it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Request:
    url: str
    method: str
    start: float
    kind: str = ""
    headers: float | None = None
    end: float | None = None
    size: int = 0
    status: int | str = ""
    connection: str = ""
    data: list[float] = field(default_factory=list)  # when body bytes arrived (streams: each message)


@dataclass
class Socket:
    url: str
    start: float | None = None
    open: float | None = None
    frames: list[tuple[float, str, int]] = field(default_factory=list)  # (time, "<" received / ">" sent, bytes)


class NetworkLog:
    """Requests and websocket frames of one page, from the DevTools protocol (times in its monotonic seconds)."""

    def __init__(self, context: Any, page: Any) -> None:
        self.requests: dict[str, Request] = {}
        self.sockets: dict[str, Socket] = {}
        self.wall_offset = 0.0  # epoch seconds minus DevTools seconds
        self.session = context.new_cdp_session(page)
        handlers = {
            "requestWillBeSent": self._will_send,
            "responseReceived": self._response,
            "dataReceived": self._data,
            "loadingFinished": self._finished,
            "loadingFailed": self._failed,
            "webSocketCreated": lambda e: self.sockets.setdefault(e["requestId"], Socket(e["url"])),
            "webSocketWillSendHandshakeRequest": lambda e: self._socket(e, "start"),
            "webSocketHandshakeResponseReceived": lambda e: self._socket(e, "open"),
            "webSocketFrameReceived": lambda e: self._frame(e, "<"),
            "webSocketFrameSent": lambda e: self._frame(e, ">"),
        }
        for name, handler in handlers.items():
            self.session.on(f"Network.{name}", handler)
        self.session.send("Network.enable")

    def _will_send(self, event: dict[str, Any]) -> None:
        key = event["requestId"]
        if "redirectResponse" in event and key in self.requests:  # the same id goes on after a redirect
            earlier = self.requests.pop(key)
            earlier.end, earlier.status = event["timestamp"], event["redirectResponse"]["status"]
            earlier.headers = earlier.headers or earlier.end
            self.requests[f"{key}-{len(self.requests)}"] = earlier
        if not self.wall_offset and "wallTime" in event:
            self.wall_offset = event["wallTime"] - event["timestamp"]
        request = event["request"]
        self.requests[key] = Request(request["url"], request["method"], event["timestamp"], event.get("type", ""))

    def _response(self, event: dict[str, Any]) -> None:
        if request := self.requests.get(event["requestId"]):
            response = event["response"]
            request.headers, request.status = event["timestamp"], response["status"]
            request.connection = str(response.get("connectionId", ""))

    def _data(self, event: dict[str, Any]) -> None:
        if request := self.requests.get(event["requestId"]):
            request.data.append(event["timestamp"])

    def _finished(self, event: dict[str, Any]) -> None:
        if request := self.requests.get(event["requestId"]):
            request.end, request.size = event["timestamp"], int(event["encodedDataLength"])

    def _failed(self, event: dict[str, Any]) -> None:
        if request := self.requests.get(event["requestId"]):
            request.end, request.status = event["timestamp"], event.get("errorText", "failed")

    def _socket(self, event: dict[str, Any], moment: str) -> None:
        if socket_ := self.sockets.get(event["requestId"]):
            setattr(socket_, moment, event["timestamp"])

    def _frame(self, event: dict[str, Any], way: str) -> None:
        if socket_ := self.sockets.get(event["requestId"]):
            frame = event["response"]
            payload = frame.get("payloadData", "")
            size = len(payload) * 3 // 4 if frame.get("opcode") == 2 else len(payload.encode())  # binary: base64
            socket_.frames.append((event["timestamp"], way, size))

    def first_document(self) -> float:
        return min(r.start for r in self.requests.values() if r.kind == "Document")

    def last_document(self) -> float:
        return max(r.start for r in self.requests.values() if r.kind == "Document")

    def epoch_to_devtools(self, epoch_ms: float) -> float:
        return epoch_ms / 1000 - self.wall_offset

    def settled(self, epoch_ms: float) -> float:
        """Milliseconds from ``epoch_ms`` to the end of the last request begun, or frame received, since then."""
        origin = self.epoch_to_devtools(epoch_ms)
        ends = [r.end for r in self.requests.values() if r.start >= origin and r.end]
        ends += [t for s in self.sockets.values() for t, way, _ in s.frames if way == "<" and t >= origin]
        return (max(ends, default=origin) - origin) * 1000


def _short(url: str) -> str:
    if url.startswith(("blob:", "data:")):  # made in the page: no request crosses the link
        return f"{url[:5]}…{url[-12:]}"
    parts = urlsplit(url)
    query = "token=…" if "token=" in parts.query else parts.query  # never print the link's secret
    path = parts.path if len(parts.path) <= 56 else parts.path[:26] + "…" + parts.path[-29:]
    return path + (f"?{query[:20]}" if query else "")


def _bar(start: float, middle: float, end: float, scale: float, width: int) -> str:
    cell = lambda moment: min(width - 1, max(0, int(moment / scale)))  # noqa: E731 - a one-line conversion
    cells = [" "] * width
    for index in range(cell(start), cell(end) + 1 if end > start else cell(start)):
        cells[index] = "-" if index < cell(middle) else "="
    cells[cell(start)] = "|" if cells[cell(start)] == " " else cells[cell(start)]
    return "".join(cells).rstrip()


def waterfall(log: NetworkLog, origin: float, until: float, marks: dict[str, float], frames: bool = False) -> list[str]:
    """A text waterfall of what started between ``origin`` and ``until`` (DevTools seconds), in ms from ``origin``.

    ``-`` waiting for the response's headers, ``=`` receiving its body (``…``: not yet by ``until``); a
    websocket's ``-`` is its handshake and
    each ``*``/``>`` a frame received/sent (``frames``: also listed one by one). ``marks``: named moments (ms)
    printed underneath.
    """
    ms = lambda moment: (moment - origin) * 1000  # noqa: E731 - a one-line conversion
    requests = sorted((r for r in log.requests.values() if origin - 0.001 <= r.start <= until), key=lambda r: r.start)
    sockets = [  # opened in the window, or still busy in it
        s
        for s in log.sockets.values()
        if s.start is not None
        and s.start <= until
        and (s.start >= origin or any(origin <= t <= until for t, _, _ in s.frames))
    ]
    ends = [ms(r.end or r.headers or r.start) for r in requests] + [ms(s.frames[-1][0]) for s in sockets if s.frames]
    span = max([*ends, *marks.values(), 1.0])
    width = 60
    scale = span / (width - 1)
    lines = [f"  {'start':>6} {'head':>6} {'end':>6} {'KB':>6} conn  {'0 ms':<{width - 8}}{span:>6.0f} ms"]
    for r in requests:
        end = ms(r.end) if r.end and r.end <= until else span
        head = ms(r.headers) if r.headers and r.headers <= until else end
        size = f"{r.size / 1024:6.1f}" if r.size and end < span else "      "
        streamed = f" ({len(r.data)} chunks)" if len(r.data) > 3 and r.kind in ("Fetch", "XHR", "EventSource") else ""
        times = [f"{moment:6.0f}" if moment < span else "     …" for moment in (head, end)]
        line = f"  {ms(r.start):6.0f} {times[0]} {times[1]} {size} {r.connection:>4}  "
        lines.append(
            line + f"{_bar(ms(r.start), head, end, scale, width):<{width}} {r.method} {_short(r.url)}"
            f" {r.status}{streamed}"
        )
    for s in sockets:
        start, opened = max(0.0, ms(s.start or origin)), max(0.0, ms(s.open)) if s.open else span
        cells = list(f"{_bar(start, opened, opened, scale, width):<{width}}")
        for moment, way, _ in s.frames:
            if origin <= moment <= until:
                cells[min(width - 1, int(ms(moment) / scale))] = "*" if way == "<" else ">"
        received = [(ms(t), size) for t, way, size in s.frames if way == "<" and origin <= t <= until]
        first = f"{received[0][0]:.0f}" if received else "-"
        total = sum(size for _, size in received) / 1024
        lines.append(
            f"  {start:6.0f} {opened:6.0f} {'':>6} {total:6.1f}       {''.join(cells).rstrip():<{width}} WS "
            f"{_short(s.url)}: {len(received)} frames in, first at {first} ms"
        )
        if frames:
            lines += [
                f"  {ms(t):6.0f} {'':>13} {size / 1024:6.1f}       {'received' if way == '<' else 'sent'}"
                for t, way, size in s.frames
                if origin <= t <= until
            ]
    lines += [f"  {name}: {moment:.0f} ms" for name, moment in marks.items()]
    return lines
