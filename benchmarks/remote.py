"""nbshare's shared page and Gradio, the same two apps, as a visitor far away sees them: over a slow link this script
builds itself.

The link. This kernel has no netem, so the delay and the bandwidth come from a relay: an asyncio TCP relay in its
own process, between the browser and the app's server. Each direction is one link shared by all connections (as a
phone's is): what a side sends is cut into 4 KB segments, which take size/rate on the wire and arrive RTT/2 later;
order and half-closes are kept per connection. The wire serves the connections with something to send in turn, a
segment each, as TCP flows sharing a bottleneck roughly do (``--queue fifo``: one first-in-first-out queue instead,
where a bulk transfer the server wrote at once goes out whole before a small answer written after it). A new
connection's first bytes leave one RTT after it opened (the TCP handshake). Not modelled: TCP slow start, losses,
TLS (a real https link adds one more RTT per new connection).

Where it runs. The browser (Debian's Chromium, driven by Playwright through a pipe) runs in a network namespace of
its own, with one veth pair and addresses this script creates (10.213.0.1 on this side, 10.213.0.2 in the
namespace), so the only thing it can reach is the relay, which listens on 10.213.0.1 and forwards to the apps'
servers on 127.0.0.1 (nbshare's ``launch()`` in this process, Gradio's in its own interpreter). Both are removed at
the end, also after an error. Chromium treats the relay's origins as secure, as it would an https link. Needs root
(``ip netns``); ``--no-netns`` runs the same relay on 127.0.0.1 without a namespace, but then nbshare sees a
loopback peer addressed as 127.0.0.1 and serves the page as to a visitor on this machine (pictures as BMP in the
websocket, not WebP fetched over HTTP): its image figures are then not a far visitor's. Neither page asks the
internet for anything (Gradio 6 serves its fonts itself); in the namespace such a request would fail at once.

The apps, the same for both systems (the same Python functions): text (a textbox, upper-cased into a textbox) and an
image classifier (an image, a Label of three colour classes, three 256×256 photo-like PNG examples of ~100 KB each).
Gradio's examples are cached (``cache_examples=True``, its default on Spaces): a click shows the answer, as on
nbshare, where a click runs the function; uncached, Gradio's click only fills the input.

What is measured, per link setting (loopback: the relay adds nothing; 50 ms RTT; 200 ms RTT with 2 Mbit/s down and
1 Mbit/s up), each visit in a new browser context (empty cache):
- cold page ready: from the navigation's start (``performance.now()`` in the page, which counts nbshare's
  ``?token=`` redirect) until the app is usable: the Submit button shown and enabled and, in the image app, every
  example thumbnail loaded (an ``img`` complete, with pixels). Same definition for both; on nbshare the page is
  built from the websocket, so "usable" implies connected; Gradio holds a heartbeat stream open from the start
  and opens a stream per Submit.
- Submit -> answer (text app) and example click -> answer (image app: the 2nd example, until the Label's top class
  reads "green"): timed inside the page from the click, polled every 2 ms. "first" is the first interaction after
  the cold load; "again" a second one (another text; the 3rd example, then the 2nd again).
- "all loaded": from the first interaction's click to the end of the last response or websocket frame it set off
  (DevTools events): the example's full-size picture may still be arriving when the Label shows.
- warm reload: the same context reloads; the same "usable" moment.
- bytes down and up per phase, counted at the relay (exact; headers included), each phase until the link has been
  quiet for 0.5 s + 2 RTT; and the TCP connections opened.
Medians over --runs visits (and the fastest–slowest). Gradio's servers have been up two minutes before they are
measured (``_let_age``: it decides whether Gradio's reload fetches its example pictures again). For the image
app's first cold load at the slowest setting it also prints the request waterfall (DevTools network events: each
request's start, response headers and end, its connection, and the websocket's handshake and frames), and the
same for the first example click, and each app's warm reload.

Run (as root; under the machine-wide lock where others share the machine):
    python benchmarks/remote.py --gradio-python /tmp/gradio-venv/bin/python [--runs 5] [--only nbshare]
Gradio needs a venv of its own: python -m venv /tmp/gradio-venv && /tmp/gradio-venv/bin/pip install gradio
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import inspect
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from harness import CHROMIUM_ARGS, chromium_path


@dataclass(frozen=True)
class Setting:
    name: str
    rtt: float = 0.0  # seconds
    down: float | None = None  # bytes per second, None: no limit
    up: float | None = None


SETTINGS = [
    Setting("loopback"),
    Setting("50 ms", 0.050),
    Setting("200 ms, 2/1 Mbit/s", 0.200, 2e6 / 8, 1e6 / 8),
]
SEGMENT = 4096  # bytes: the unit the link queues and delivers
READ = 16384
MIN_AGE = 120  # seconds a server is up before it is measured (see _let_age)
LOOKAHEAD = 0.015  # seconds: the link picks its next segment this early, so timer lateness leaves it no idle gap

# -- the relay (its own process) ---------------------------------------------------------------------------------


class Channel:
    """One direction of one connection: delivers what the link hands it, at the times it says, in order."""

    def __init__(self, writer: asyncio.StreamWriter, meter: Meter) -> None:
        self.writer, self.meter = writer, meter
        self.queue: asyncio.Queue[tuple[float, bytes | None]] = asyncio.Queue()
        self.done = asyncio.ensure_future(self._deliver())

    def arrive(self, at: float, data: bytes | None) -> None:
        self.queue.put_nowait((at, data))

    async def _deliver(self) -> None:
        loop, broken = asyncio.get_running_loop(), False
        while True:
            at, data = await self.queue.get()
            await asyncio.sleep(max(0.0, at - loop.time()))
            self.meter.delivered()
            if data is None:
                with contextlib.suppress(OSError, RuntimeError):
                    if not broken and self.writer.can_write_eof():
                        self.writer.write_eof()
                return
            if not broken:  # after a reset, what is still queued is dropped until the end-of-stream marker
                try:
                    self.writer.write(data)
                    await self.writer.drain()
                except (OSError, RuntimeError):
                    broken = True


class Meter:
    """Bytes per direction, connections, and when the link last had anything to carry (for "quiet")."""

    def __init__(self) -> None:
        self.bytes = {"down": 0, "up": 0}
        self.connections = 0
        self.in_flight = 0
        self.last = time.monotonic()

    def sent(self, direction: str, size: int) -> None:
        self.bytes[direction] += size
        self.in_flight += 1

    def delivered(self) -> None:
        self.in_flight -= 1
        self.last = time.monotonic()

    def snapshot(self) -> dict[str, Any]:
        idle = 0.0 if self.in_flight else time.monotonic() - self.last
        return {**self.bytes, "connections": self.connections, "idle": idle}


class Direction:
    """One direction of the link, shared by every connection: a queue, a wire of ``rate`` bytes per second, then
    ``delay`` seconds of propagation.

    The queue is fair by default: the wire takes one segment from each connection with something to send in turn,
    as TCP flows sharing a bottleneck roughly do (each holds only its window in the queue). ``fair=False``: one
    first-in-first-out queue, in which whatever a server wrote first goes out whole before anything written later.
    """

    def __init__(self, name: str, delay: float, rate: float | None, meter: Meter, fair: bool) -> None:
        self.name, self.delay, self.rate, self.meter, self.fair = name, delay, rate, meter, fair
        self.waiting: dict[Channel | None, collections.deque[tuple[Channel, bytes | None]]] = {}
        self.wake = asyncio.Event()
        self.free_at = 0.0  # when the wire has sent everything handed to it so far

    def send(self, channel: Channel, data: bytes | None) -> None:
        """Queue ``data`` (None: the end of the stream) behind what this connection sent before."""
        queue = self.waiting.setdefault(channel if self.fair else None, collections.deque())
        if data is None:
            self.meter.sent(self.name, 0)
            queue.append((channel, None))
        else:
            step = SEGMENT if self.rate else len(data)
            for start in range(0, len(data), step):
                self.meter.sent(self.name, len(data[start : start + step]))
                queue.append((channel, data[start : start + step]))
        self.wake.set()

    def _next(self) -> tuple[Channel, bytes | None]:
        """The oldest segment of the connection whose turn it is; that connection goes to the back of the line."""
        key = next(iter(self.waiting))
        queue = self.waiting.pop(key)
        item = queue.popleft()
        if queue:
            self.waiting[key] = queue
        return item

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self.waiting:
                self.wake.clear()
                await self.wake.wait()
                continue
            ahead = self.free_at - loop.time()
            if ahead > LOOKAHEAD:
                await asyncio.sleep(ahead - LOOKAHEAD)
                continue
            channel, data = self._next()
            start = max(loop.time(), self.free_at)
            end = start + (len(data) / self.rate if self.rate and data else 0.0)
            self.free_at = end
            channel.arrive(end + self.delay, data)


async def _pump(reader: asyncio.StreamReader, direction: Direction, channel: Channel, not_before: float) -> None:
    """Read one side until it ends and put what it sends on the link; nothing leaves before ``not_before``."""
    loop = asyncio.get_running_loop()
    while True:
        try:
            data = await reader.read(READ)
        except (OSError, RuntimeError):
            data = b""
        if data and loop.time() < not_before:
            await asyncio.sleep(not_before - loop.time())
        direction.send(channel, data or None)
        if not data:
            return


async def _serve_relay(config: dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()
    meter = Meter()
    rtt = config["rtt"]
    down = Direction("down", rtt / 2, config["down"], meter, config["fair"])
    up = Direction("up", rtt / 2, config["up"], meter, config["fair"])
    tasks = [asyncio.ensure_future(down.run()), asyncio.ensure_future(up.run())]

    async def connection(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        opened = loop.time()
        meter.connections += 1
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", config["target"])
        except OSError:
            client_writer.close()
            return
        to_server, to_client = Channel(server_writer, meter), Channel(client_writer, meter)
        await asyncio.gather(
            _pump(client_reader, up, to_server, opened + rtt),  # the handshake: one RTT before the first byte
            _pump(server_reader, down, to_client, 0.0),
            to_server.done,
            to_client.done,
        )
        for writer in (client_writer, server_writer):
            writer.close()

    server = await asyncio.start_server(connection, config["host"], config["port"])
    stopped = asyncio.Event()

    def control() -> None:
        """Answer "stats" on stdin with one JSON line; stdin's end stops the relay."""
        for line in sys.stdin:
            if line.strip() == "stats":
                print(json.dumps(meter.snapshot()), flush=True)
        loop.call_soon_threadsafe(stopped.set)

    print("ready", flush=True)
    threading.Thread(target=control, daemon=True).start()
    await stopped.wait()
    server.close()
    loop.set_exception_handler(lambda _loop, _context: None)  # open connections are cut short: no tracebacks
    for task in tasks:
        task.cancel()


class Relay:
    """A relay process listening on ``host:port``, forwarding to ``127.0.0.1:target`` over ``setting``'s link."""

    def __init__(self, host: str, port: int, target: int, setting: Setting, fair: bool = True) -> None:
        self.setting = setting
        config = {"host": host, "port": port, "target": target, "fair": fair}
        config.update(rtt=setting.rtt, down=setting.down, up=setting.up)
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--relay", json.dumps(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if self._line() != "ready":
            raise RuntimeError(f"the relay on {host}:{port} did not start")

    def _line(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline().strip()

    def stats(self) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write("stats\n")
        self.process.stdin.flush()
        return dict(json.loads(self._line()))

    def quiet(self, timeout: float = 20) -> dict[str, Any]:
        """The counters once nothing has crossed the link for 0.5 s + 2 RTT (or after ``timeout``)."""
        wanted, deadline = 0.5 + 2 * self.setting.rtt, time.monotonic() + timeout
        while True:
            stats = self.stats()
            if stats["idle"] >= wanted or time.monotonic() > deadline:
                return stats
            time.sleep(0.05)

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# -- the network namespace ----------------------------------------------------------------------------------------

NAMESPACE_HOST, NAMESPACE_BROWSER = "10.213.0.1", "10.213.0.2"


@contextlib.contextmanager
def browser_namespace(workdir: Path) -> Iterator[tuple[str, str]]:
    """``(address the relays listen on, a chromium that runs inside the namespace)``; removed again on exit."""
    taken = subprocess.run(["ip", "-o", "addr"], capture_output=True, text=True, check=True).stdout
    if "10.213.0." in taken:
        raise RuntimeError("10.213.0.0/30 is already in use on this machine; run with --no-netns")
    name, outer, inner = f"nbshare-bench-{os.getpid()}", f"nbb{os.getpid()}a", f"nbb{os.getpid()}b"
    steps = [
        ["ip", "netns", "add", name],
        ["ip", "link", "add", outer, "type", "veth", "peer", "name", inner],
        ["ip", "link", "set", inner, "netns", name],
        ["ip", "addr", "add", f"{NAMESPACE_HOST}/30", "dev", outer],
        ["ip", "link", "set", outer, "up"],
        ["ip", "-n", name, "addr", "add", f"{NAMESPACE_BROWSER}/30", "dev", inner],
        ["ip", "-n", name, "link", "set", inner, "up"],
        ["ip", "-n", name, "link", "set", "lo", "up"],
    ]
    try:
        for step in steps:
            subprocess.run(step, check=True, capture_output=True)
        wrapper = workdir / "chromium-in-namespace"
        wrapper.write_text(f'#!/bin/sh\nexec ip netns exec {name} {chromium_path()} "$@"\n')
        wrapper.chmod(0o755)
        yield NAMESPACE_HOST, str(wrapper)
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)  # takes the inner end of the pair with it
        subprocess.run(["ip", "link", "del", outer], capture_output=True)  # already gone unless the move failed


@contextlib.contextmanager
def no_namespace(_workdir: Path) -> Iterator[tuple[str, str]]:
    yield "127.0.0.1", str(chromium_path())


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


# -- the apps ------------------------------------------------------------------------------------------------------


def upper(text):  # type: ignore[no-untyped-def]
    return text.upper()


def classify(image):  # type: ignore[no-untyped-def]
    """Which colour an image mostly is: a stand-in model, the same code in both apps."""
    import numpy as np

    means = np.asarray(image, dtype=float).reshape(-1, 3).mean(0)
    weights = np.exp((means - means.max()) / 40)
    return {name: float(weight) for name, weight in zip(("red", "green", "blue"), weights / weights.sum(), strict=True)}


EXPECTED = ["red", "green", "blue"]  # each example's class

GRADIO_APP = "\n".join(
    [
        "import sys",
        "import gradio as gr",
        textwrap.dedent(inspect.getsource(upper)),
        textwrap.dedent(inspect.getsource(classify)),
        textwrap.dedent(
            """
            kind, port, examples = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
            if kind == "text":
                demo = gr.Interface(upper, gr.Textbox(label="Text"), gr.Textbox(label="Output"))
            else:
                demo = gr.Interface(classify, gr.Image(type="numpy", label="Image"), gr.Label(label="Class"),
                                    examples=[[path] for path in examples], cache_examples=True)
            demo.launch(server_name="127.0.0.1", server_port=port)
            """
        ),
    ]
)


def make_examples(folder: Path) -> list[Path]:
    """Three 256×256 photo-like PNGs (smooth colour fields and a little noise, ~100 KB), mostly red, green, blue."""
    import numpy as np
    from PIL import Image as PILImage

    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:256, 0:256] / 255.0
    paths = []
    for index, name in enumerate(EXPECTED):
        field = np.stack([0.25 + 0.25 * np.sin(3 * xx + c) * np.cos(2 * yy - c) for c in range(3)], axis=-1)
        field[..., index] += 0.4
        pixels = np.clip(field * 255 + rng.normal(0, 3, field.shape), 0, 255).astype(np.uint8)
        paths.append(folder / f"{name}.png")
        PILImage.fromarray(pixels).save(paths[-1])
    return paths


@dataclass
class App:
    """One app of one system, served on ``127.0.0.1:port``; ``path`` is what the visitor opens."""

    system: str
    kind: str  # "text" or "image"
    port: int
    path: str
    stop: Callable[[], None]
    started: float = field(default_factory=time.monotonic)


def start_nbshare(examples: list[Path], folder: Path, apps: list[App]) -> None:
    """Launch nbshare's two apps in this process, adding each to ``apps`` (which the caller stops) once it runs."""
    import nbshare

    interfaces = {
        "text": nbshare.Interface(upper, "text", "text", flagging_dir=folder / "flags-text"),
        "image": nbshare.Interface(
            classify, "image", "label", examples=[[str(path)] for path in examples], flagging_dir=folder / "flags-image"
        ),
    }
    for kind, interface in interfaces.items():
        # Every visit is a new browser through the same relay address: room for all their sessions.
        link = interface.launch(inline=False, max_sessions_per_address=1000, max_sessions_per_client=1000)
        parts = urlsplit(link.local_url)
        apps.append(App("nbshare", kind, parts.port or 80, f"{parts.path}?{parts.query}", link.close))


def start_gradio(python: str, examples: list[Path], folder: Path, apps: list[App]) -> None:
    """Start Gradio's two apps, each in ``python``, adding each to ``apps`` (which the caller stops); wait for both."""
    script = folder / "gradio_app.py"
    script.write_text(GRADIO_APP)
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    for kind in ("text", "image"):
        port = free_port("127.0.0.1")
        process = subprocess.Popen(
            [python, str(script), kind, str(port), *map(str, examples)],
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        apps.append(App("gradio", kind, port, "/", _stopper(process)))
    for app in apps:
        if app.system == "gradio":
            _wait_http(app.port)


def _stopper(process: subprocess.Popen[bytes]) -> Callable[[], None]:
    def stop() -> None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()

    return stop


def _wait_http(port: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


# -- what the page is asked -----------------------------------------------------------------------------------------

# The moment the app is usable (see the module docstring): performance.now() then, else false.
READY = """([examples, count]) => {
  const submit = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Submit');
  if (!submit || submit.disabled || !submit.getClientRects().length) return false;
  const images = [...document.querySelectorAll(examples)];
  if (images.length < count || !images.every((image) => image.complete && image.naturalWidth > 0)) return false;
  return performance.now();
}"""

# Click the index-th match of `target` (with the text `text`, unless null); poll every 2 ms until the last match of
# `answer` reads `want`. Returns [milliseconds, epoch ms of the click].
CLICK_UNTIL = """async ([target, text, index, answer, want]) => {
  const candidates = [...document.querySelectorAll(target)]
    .filter((b) => text === null || b.textContent.trim() === text);
  const shown = () => {
    const el = [...document.querySelectorAll(answer)].at(-1);
    return Boolean(el) && (el.value ?? el.textContent).trim() === want;
  };
  const started = performance.now();
  candidates[index].click();
  while (!shown()) {
    if (performance.now() - started > 60000) throw new Error(`no answer "${want}" in 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return [performance.now() - started, performance.timeOrigin + started];
}"""


@dataclass(frozen=True)
class Selectors:
    thumbnails: str
    example: str
    label: str
    text_in: str
    text_out: str


SELECTORS = {
    "nbshare": Selectors(
        thumbnails="img.nbshare-thumbnail",
        example="button.nbshare-example",
        label=".nbshare-label-top",
        text_in="textarea, input[type=text]",
        text_out="[role=status][aria-labelledby]",
    ),
    "gradio": Selectors(
        thumbnails="button.gallery-item img",
        example="button.gallery-item",
        label="[data-testid=label-output-value]",
        text_in="textarea",
        text_out="textarea",
    ),
}


# -- DevTools network events -> a waterfall -------------------------------------------------------------------------


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


# -- one visit ------------------------------------------------------------------------------------------------------


@dataclass
class Visit:
    figures: dict[str, float]
    load_waterfall: list[str]
    click_waterfall: list[str]
    warm_waterfall: list[str]


def wait_ready(page: Any, app: App, timeout: float = 90) -> float:
    selectors = SELECTORS[app.system]
    count = len(EXPECTED) if app.kind == "image" else 0
    handle = page.wait_for_function(READY, arg=[selectors.thumbnails, count], polling=5, timeout=timeout * 1000)
    return float(handle.json_value())


def interact(page: Any, app: App, again: bool) -> tuple[float, float]:
    """(milliseconds, epoch ms of the click) of one Submit -> answer or example -> answer."""
    selectors = SELECTORS[app.system]
    if app.kind == "text":
        text = f"hello {int(again)} from far away"
        page.locator(selectors.text_in).first.fill(text)
        result = page.evaluate(CLICK_UNTIL, ["button", "Submit", 0, selectors.text_out, text.upper()])
    else:
        if again:  # another class first, so the answer to time is a change on screen
            page.evaluate(CLICK_UNTIL, [selectors.example, None, 2, selectors.label, EXPECTED[2]])
        result = page.evaluate(CLICK_UNTIL, [selectors.example, None, 1, selectors.label, EXPECTED[1]])
    return float(result[0]), float(result[1])


def visit(browser: Any, app: App, relay: Relay, address: str, record: bool) -> Visit:
    """A new visitor: cold load, two interactions, a reload; times and the bytes of each phase."""
    figures: dict[str, float] = {}
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log = NetworkLog(context, page)
    load_lines: list[str] = []
    click_lines: list[str] = []
    warm_lines: list[str] = []
    try:
        before = relay.quiet()
        page.goto(f"http://{address}{app.path}", wait_until="commit")
        figures["cold"] = wait_ready(page, app)
        if record:
            origin = log.first_document()
            load_lines = waterfall(log, origin, origin + figures["cold"] / 1000, {"usable": figures["cold"]})
        before = _phase(figures, "cold", relay, before)
        for again in (False, True):
            name = "again" if again else "first"
            figures[name], clicked = interact(page, app, again)
            before = _phase(figures, name, relay, before)
            page.evaluate("0")  # a round trip, so that DevTools events queued meanwhile reach the log first
            figures[f"{name} settled"] = log.settled(clicked)
            if record and not again:
                origin = log.epoch_to_devtools(clicked)
                marks = {"answer": figures[name], "all loaded": figures[f"{name} settled"]}
                click_lines = waterfall(log, origin, origin + max(marks.values()) / 1000, marks, True)
        page.reload(wait_until="commit")
        figures["warm"] = wait_ready(page, app)
        _phase(figures, "warm", relay, before)
        if record:
            origin = log.last_document()
            warm_lines = waterfall(log, origin, origin + figures["warm"] / 1000, {"usable": figures["warm"]}, True)
    finally:
        context.close()
    return Visit(figures, load_lines, click_lines, warm_lines)


def _phase(figures: dict[str, float], name: str, relay: Relay, before: dict[str, Any]) -> dict[str, Any]:
    after = relay.quiet()
    for key in ("down", "up", "connections"):
        figures[f"{name} {key}"] = after[key] - before[key]
    return after


# -- the report -----------------------------------------------------------------------------------------------------

ROWS = [
    ("cold page ready", "cold", "ms"),
    ("warm reload", "warm", "ms"),
    ("Submit/example -> answer, first", "first", "ms"),
    ("Submit/example -> answer, again", "again", "ms"),
    ("... -> all loaded, first", "first settled", "ms"),
    ("bytes down, cold load", "cold down", "KB"),
    ("bytes down, warm reload", "warm down", "KB"),
    ("bytes down, first answer", "first down", "KB"),
    ("bytes down, answer again", "again down", "KB"),
    ("bytes up, cold load", "cold up", "KB"),
    ("bytes up, first answer", "first up", "KB"),
    ("connections, cold load", "cold connections", ""),
    ("connections, warm reload", "warm connections", ""),
]


def _cell(values: list[float] | None, unit: str) -> str:
    if not values:
        return "—"
    median = statistics.median(values)
    if unit == "KB":
        return f"{median / 1024:.1f} KB"
    if unit == "ms":
        spread = f" ({min(values):.0f}–{max(values):.0f})" if len(values) > 1 else ""
        return f"{median:.0f} ms{spread}"
    return f"{median:.0f}"


def table(setting: Setting, results: dict[tuple[str, str], list[dict[str, float]]]) -> list[str]:
    lines = [
        f"### {setting.name}",
        "",
        "| | nbshare text | Gradio text | nbshare image | Gradio image |",
        "|---|---|---|---|---|",
    ]
    for title, key, unit in ROWS:
        cells = []
        for kind in ("text", "image"):
            for system in ("nbshare", "gradio"):
                runs = results.get((system, kind))
                cells.append(_cell([run[key] for run in runs] if runs else None, unit))
        lines.append(f"| {title} | {' | '.join(cells)} |")
    return [*lines, ""]


def targets(results: dict[tuple[str, str], list[dict[str, float]]]) -> list[str]:
    """The issue's targets at the slowest setting, nbshare against Gradio."""

    def ratio(kind: str, key: str) -> float | None:
        mine, theirs = results.get(("nbshare", kind)), results.get(("gradio", kind))
        if not mine or not theirs:
            return None
        return statistics.median(r[key] for r in mine) / statistics.median(r[key] for r in theirs)

    checks = [
        ("page ready (image app)", ratio("image", "cold"), 0.5),
        ("page ready (text app)", ratio("text", "cold"), 0.5),
        ("example -> answer", ratio("image", "first"), 0.5),
        ("warm reload (image app)", ratio("image", "warm"), 1.0),
        ("warm reload (text app)", ratio("text", "warm"), 1.0),
    ]
    lines = []
    for name, value, target in checks:
        if value is not None:
            verdict = "met" if value <= target else "NOT met"
            lines.append(f"- {name}: nbshare/Gradio {value:.2f}× (target ≤ {target}×): {verdict}")
    return lines


# -- main -----------------------------------------------------------------------------------------------------------


def run(args: argparse.Namespace, workdir: Path) -> None:
    from playwright.sync_api import sync_playwright

    examples = make_examples(workdir)
    apps: list[App] = []
    namespace = no_namespace if args.no_netns else browser_namespace
    with namespace(workdir) as (address, chromium), sync_playwright() as playwright:
        try:
            if args.only in (None, "nbshare"):
                start_nbshare(examples, workdir, apps)
            if args.only in (None, "gradio"):
                start_gradio(args.gradio_python, examples, workdir, apps)
            ports = {id(app): free_port(address) for app in apps}
            secure = ",".join(f"http://{address}:{port}" for port in ports.values())
            browser = playwright.chromium.launch(
                executable_path=chromium, args=[*CHROMIUM_ARGS, f"--unsafely-treat-insecure-origin-as-secure={secure}"]
            )
            print(versions(args, browser), flush=True)
            for setting in [s for s in SETTINGS if args.settings is None or s.name.split()[0] in args.settings]:
                measure_setting(browser, apps, ports, address, setting, args)
            browser.close()
        finally:
            for app in apps:
                app.stop()


def _let_age(apps: list[App]) -> None:
    """Wait until Gradio's servers have been up MIN_AGE seconds, as a link's server usually has when visitors come.

    Gradio's example files carry no Cache-Control, only the Last-Modified of their copy made at launch: the browser
    keeps them for 10 % of that age (heuristic freshness), so whether a reload fetches them again depends on it.
    (nbshare's responses say no-store or immutable: its servers' age does not matter.)
    """
    ages = [time.monotonic() - app.started for app in apps if app.system == "gradio"]
    wait = max([MIN_AGE - age for age in ages], default=0.0)
    if wait > 0:
        print(f"  letting the servers age {wait:.0f} s (see _let_age)", file=sys.stderr, flush=True)
        time.sleep(wait)


def versions(args: argparse.Namespace, browser: Any) -> str:
    """What was measured: nbshare's commit (and how many of its files differ), Gradio's and Chromium's versions."""
    import nbshare

    def ask(*command: str) -> str:
        return subprocess.run(
            command, cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True
        ).stdout

    head = ask("git", "rev-parse", "--short", "HEAD").strip()
    changed = len(ask("git", "--no-optional-locks", "status", "--porcelain", "nbshare").splitlines())
    parts = [f"nbshare {nbshare.__version__} (commit {head}, {changed} files under nbshare/ changed since)"]
    if args.gradio_python and args.only != "nbshare":
        parts.append(f"Gradio {ask(args.gradio_python, '-c', 'import gradio; print(gradio.__version__)').strip()}")
    parts.append(f"Chromium {browser.version}")
    link = "network namespace" if not args.no_netns else "loopback relay"
    return f"{', '.join(parts)}; {args.runs} visits per app and setting; {link}, {args.queue} queue\n"


def measure_setting(
    browser: Any, apps: list[App], ports: dict[int, int], address: str, setting: Setting, args: argparse.Namespace
) -> None:
    runs = args.runs
    _let_age(apps)
    relays: dict[int, Relay] = {}
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    waterfalls: list[str] = []
    try:
        for app in apps:
            relays[id(app)] = Relay(address, ports[id(app)], app.port, setting, args.queue == "fair")
        for number in range(runs):
            for app in apps:
                record = number == 0 and setting is SETTINGS[-1]
                done = visit(browser, app, relays[id(app)], f"{address}:{ports[id(app)]}", record)
                results.setdefault((app.system, app.kind), []).append(done.figures)
                if record and app.kind == "image":
                    waterfalls += [f"#### {app.system}: cold load of the image app", "```", *done.load_waterfall]
                    waterfalls += ["```", f"#### {app.system}: first click on example 2", "```"]
                    waterfalls += [*done.click_waterfall, "```", ""]
                if record:
                    waterfalls += [f"#### {app.system}: warm reload of the {app.kind} app", "```"]
                    waterfalls += [*done.warm_waterfall, "```", ""]
                print(
                    f"  {setting.name} run {number + 1}/{runs} {app.system} {app.kind}: "
                    + ", ".join(f"{k} {v:.0f}" for k, v in done.figures.items() if " " not in k),
                    file=sys.stderr,
                )
    finally:
        for relay in relays.values():
            relay.close()
    print("\n".join(table(setting, results)), flush=True)
    if setting is SETTINGS[-1]:
        print("\n".join(["Targets at this setting:", *targets(results), "", *waterfalls]), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gradio-python", default=None, help="a Python with gradio installed")
    parser.add_argument("--runs", type=int, default=5, help="visits per app and link setting (medians)")
    parser.add_argument("--only", choices=["nbshare", "gradio"], default=None)
    parser.add_argument("--settings", nargs="+", choices=["loopback", "50", "200"], default=None)
    parser.add_argument("--queue", choices=["fair", "fifo"], default="fair", help="the link's queue (see Direction)")
    parser.add_argument(
        "--no-netns",
        action="store_true",
        help="relay on 127.0.0.1, no namespace (nbshare then takes the visitor for a local one)",
    )
    parser.add_argument("--relay", help=argparse.SUPPRESS)  # internal: run one relay with this JSON config
    args = parser.parse_args()
    if args.only != "nbshare" and not args.gradio_python and not args.relay:
        parser.error("Gradio needs --gradio-python (or measure --only nbshare)")
    if args.relay:
        asyncio.run(_serve_relay(json.loads(args.relay)))
        return
    with tempfile.TemporaryDirectory(prefix="nbshare-remote-") as folder:
        run(args, Path(folder))


if __name__ == "__main__":
    main()
