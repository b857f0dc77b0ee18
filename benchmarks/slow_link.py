"""The slow link benchmarks/remote.py measures over: a relay process that delays and shares bandwidth, and a network
namespace for the browser (see remote.py's docstring for what is and is not modelled).

``python benchmarks/slow_link.py '<json config>'`` runs one relay (what :class:`Relay` starts).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from harness import chromium_path


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
            [sys.executable, __file__, json.dumps(config)],
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


if __name__ == "__main__":
    asyncio.run(_serve_relay(json.loads(sys.argv[1])))
