"""A crowd and an attacker against one kernel: does everyone else stay served?

    python benchmarks/kernel_protection.py [--sessions 200] [--strokes 50]

The server runs inside a real Jupyter kernel, as in a notebook. ``--sessions`` visitors (each its own browser cookie)
open an image interface, upload a 12-megapixel photo and paint ``--strokes`` strokes; meanwhile one attacker session
sends the issue's attacks (a 7000×7000 PNG, a 14,000-px-wide stroke, 300 undos, parts of an oversized upload announced
as 10**9 parts, 11 tabs on one cookie, 200 slow-header connections). Printed: a text visitor's round trip and a notebook
cell, idle and under that load (medians and 95th percentiles), the kernel's memory per image session and per text
session, and what the attacker was told.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import socket
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image as PILImage

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from harness import KernelProbe
from page_client import PageClient, run, token_cookie

SETUP = """
import nbshare, numpy as np, time
image_link = nbshare.Interface(lambda image: {"bright": float(np.asarray(image).mean() / 255), "dark": 0.5}, "image",
                               "label", title="image").launch(inline=False, max_sessions_per_address=1000)
text_link = nbshare.Interface(lambda text: text.upper(), "text", "text", title="text").launch(
    inline=False, max_sessions_per_address=1000)
"""
RSS = "int(next(l for l in open('/proc/self/status') if l.startswith('VmRSS')).split()[1]) * 1024"


def _photo(width: int = 4000, height: int = 3000) -> bytes:
    rng = np.random.default_rng(0)
    small = rng.integers(0, 255, (height // 20, width // 20, 3), dtype=np.uint8)
    picture = PILImage.fromarray(small).resize((width, height), PILImage.BILINEAR)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _bomb() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (7000, 7000), (200, 200, 200)).save(buffer, "PNG")
    return buffer.getvalue()


async def _stroke(client: PageClient, image_id: str, number: int, width: float = 40) -> None:
    x = 200 + (number * 70) % 3500
    points = [[x + step * 5, 300 + (number * 37) % 2400 + step * 3] for step in range(30)]
    message = client.custom(image_id, {"event": "edit", "edit": {"op": "paint", "points": points, "width": width,
                                                                 "color": "#000000"}})  # fmt: skip
    await client.until(lambda: client.acked(message), timeout=120)


async def _image_visitor(url: str, photo: bytes, strokes: int) -> PageClient:
    client = await PageClient.connect(url.split("?")[0], await token_cookie(url))
    image_id = client.find("Image")
    sent = client.send("comm_msg", image_id, {"method": "custom", "content": {"event": "upload", "name": "x.jpg"}},
                       [photo])  # fmt: skip
    await client.until(lambda: client.acked(sent), timeout=300)
    for number in range(strokes):
        await _stroke(client, image_id, number)
    return client


async def _attacker(url: str) -> list[str]:
    told: list[str] = []
    cookie = await token_cookie(url)
    client = await PageClient.connect(url.split("?")[0], cookie)
    image_id = client.find("Image")
    sent = client.send("comm_msg", image_id, {"method": "custom", "content": {"event": "upload", "name": "bomb.png"}},
                       [_bomb()])  # fmt: skip
    await client.until(lambda: client.acked(sent), timeout=120)
    told.append(f"7000x7000 PNG: {client.models[image_id].get('message', '')[:110]}")
    sent = client.send("comm_msg", image_id, {"method": "custom", "content": {"event": "upload", "name": "ok.jpg"}},
                       [_photo(800, 600)])  # fmt: skip
    await client.until(lambda: client.acked(sent), timeout=120)
    wide = client.custom(image_id, {"event": "edit", "edit": {"op": "paint", "points": [[i, i] for i in range(20)],
                                                              "width": 14000, "color": "#000000"}})  # fmt: skip
    await client.until(lambda: client.acked(wide), timeout=120)
    told.append(f"14000-px stroke: {client.models[image_id].get('message', '')[:110]}")
    for number in range(300):
        client.custom(image_id, {"event": "edit", "edit": {"op": "undo"}})
        if number % 50 == 0:
            await _stroke(client, image_id, number, width=10)
    last = client.custom(image_id, {"event": "edit", "edit": {"op": "undo"}})
    await client.until(lambda: client.acked(last), timeout=120)
    told.append("300 undos: answered in order")
    tabs = []
    try:
        for _ in range(11):
            tabs.append(await PageClient.connect(url.split("?")[0], cookie))
        told.append("11 more tabs on one cookie: all opened (no per-client cap?)")
    except Exception as error:
        told.append(f"11 more tabs on one cookie: refused after {len(tabs)} ({str(error)[:80]})")
    for tab in tabs:
        tab.close()
    host, port = url.split("//")[1].split("/")[0].split(":")
    slow = []
    for _ in range(200):
        try:
            connection = socket.create_connection((host, int(port)), timeout=5)
            connection.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            slow.append(connection)
        except OSError:
            break
    told.append(f"slow-header connections opened: {len(slow)}")
    await asyncio.sleep(2)
    for connection in slow:
        connection.close()
    client.close()
    return told


def _timed(action: Any) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def _summary(values: list[float]) -> str:
    ordered = sorted(values)
    return f"median {statistics.median(ordered):.1f} ms, p95 {ordered[int(len(ordered) * 0.95) - 1]:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--strokes", type=int, default=50)
    args = parser.parse_args()
    from jupyter_client.manager import start_new_kernel

    manager, kernel_client = start_new_kernel(kernel_name="python3")
    probe = KernelProbe(kernel_client)
    try:
        probe.eval("1")
        kernel_client.execute_interactive(SETUP, timeout=120)
        image_url, text_url = probe.eval("[image_link.local_url, text_link.local_url]")
        photo = _photo()

        async def text_times(stop: threading.Event, samples: list[float], rounds: int | None = None) -> None:
            client = await PageClient.connect(text_url.split("?")[0], await token_cookie(text_url))
            number = 0
            while not stop.is_set() and (rounds is None or number < rounds):
                started = time.perf_counter()
                await client.ask(f"q{number}")
                samples.append((time.perf_counter() - started) * 1000)
                number += 1
                await asyncio.sleep(0.05)
            client.close()

        idle_text: list[float] = []
        run(text_times(threading.Event(), idle_text, rounds=40))
        idle_cell = [_timed(lambda: probe.eval("1 + 1")) for _ in range(20)]

        base = probe.eval(RSS)
        texts: list[PageClient] = []

        async def open_texts() -> None:
            for _ in range(20):
                texts.append(await PageClient.connect(text_url.split("?")[0], await token_cookie(text_url)))

        run(open_texts())
        per_text = (probe.eval(RSS) - base) / 20

        stop = threading.Event()
        busy_text: list[float] = []
        told: list[str] = []
        visitors: list[PageClient] = []

        async def crowd() -> None:
            gate = asyncio.Semaphore(8)

            async def one() -> None:
                async with gate:
                    visitors.append(await _image_visitor(image_url, photo, args.strokes))

            attack = asyncio.ensure_future(_attacker(image_url))
            await asyncio.gather(*(one() for _ in range(args.sessions)))
            told.extend(await attack)

        before_crowd = probe.eval(RSS)
        started = time.perf_counter()
        load = threading.Thread(target=lambda: run(crowd()))
        texter = threading.Thread(target=lambda: run(text_times(stop, busy_text)))
        load.start()
        texter.start()
        busy_cell = []
        while load.is_alive():
            busy_cell.append(_timed(lambda: probe.eval("1 + 1")))
            time.sleep(0.2)
        load.join()
        stop.set()
        texter.join()
        elapsed = time.perf_counter() - started
        per_image = (probe.eval(RSS) - before_crowd) / max(len(visitors), 1)
        print(f"{len(visitors)} image sessions (12 MP photo + {args.strokes} strokes each) and one attacker "
              f"in {elapsed:.0f} s")  # fmt: skip
        print(f"text round trip: idle {_summary(idle_text)}; under load {_summary(busy_text)} ({len(busy_text)})")
        print(f"notebook cell:   idle {_summary(idle_cell)}; under load {_summary(busy_cell)} ({len(busy_cell)})")
        print(f"kernel memory per session: image {per_image / 2**20:.1f} MiB, text {per_text / 2**20:.2f} MiB")
        for line in told:
            print(f"attacker: {line}")
    finally:
        kernel_client.stop_channels()
        manager.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
