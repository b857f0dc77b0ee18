"""A visitor's text round trip (type, Submit, answer) over the page's websocket on loopback, three ways: idle; while
another visitor's page event is blocked in its handler; while another visitor sends CPU-heavy page events in a loop.

Page events run on each session's own worker thread, so a blocked handler delays its own visitor only; CPU-heavy
handlers still share the GIL with everything else in the kernel, which the third figure shows.

Run: python benchmarks/visitor_worker.py [--runs 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import nbshare
from nbshare.widgets._component import on_event

from page_client import PageClient, token_cookie

RELEASE = threading.Event()


class Busy(nbshare.Textbox):
    """A Textbox with a page event that blocks ("wait") and one that computes for ~20 ms ("work")."""

    @on_event("wait")
    def _wait(self, _content: dict[str, Any], _buffers: list[Any]) -> None:
        RELEASE.wait(120)

    @on_event("work")
    def _work(self, _content: dict[str, Any], _buffers: list[Any]) -> None:
        deadline = time.perf_counter() + 0.02
        total = 0
        while time.perf_counter() < deadline:
            total += sum(range(1000))
        self.placeholder = str(total % 7)


def shout(text: str, _busy: str) -> str:
    return text.upper()


async def round_trips(client: PageClient, runs: int) -> list[float]:
    times = []
    for n in range(runs):
        started = time.perf_counter()
        assert await client.ask(f"q{n}") == f"Q{n}"
        times.append((time.perf_counter() - started) * 1000)
    return times


def summary(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"{name:<44} median {statistics.median(times):6.2f} ms   p95 {p95:6.2f} ms   ({len(times)} runs)"


async def main(runs: int) -> None:
    link = nbshare.Interface(shout, ["text", Busy(label="Busy")], "text").launch(inline=False)
    try:
        url = link.local_url.split("?")[0]
        cookie = await token_cookie(link.local_url)
        visitor = await PageClient.connect(url, cookie)
        other = await PageClient.connect(url, cookie)
        await round_trips(visitor, 20)  # warm up
        print(summary("idle", await round_trips(visitor, runs)))

        other.custom(other.find("Busy"), {"event": "wait"})
        print(summary("another visitor's handler blocked", await round_trips(visitor, runs)))
        RELEASE.set()

        stop = asyncio.Event()

        async def hammer() -> int:
            busy, sent = other.find("Busy"), 0
            while not stop.is_set():
                last = other.custom(busy, {"event": "work"})
                sent += 1
                await other.until(lambda last=last: other.acked(last), timeout=60)
            return sent

        hammering = asyncio.ensure_future(hammer())
        print(summary("another visitor sending 20 ms CPU events", await round_trips(visitor, runs)))
        stop.set()
        print(f"  (the other visitor's events handled meanwhile: {await hammering})")
        visitor.close()
        other.close()
    finally:
        RELEASE.set()
        link.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    asyncio.run(main(parser.parse_args().runs))
