"""The standalone server under the attacks of issue 14 (findings 4, 5, 8), against a server in its own process.

Prints: slow headers (slowloris) — the server's open file descriptors, its CPU time and a visitor's page fetch during
the attack, how long the slow connections live; parallel wrong passwords — how many were checked and how fast; one
client opening every session slot — how many it gets, and how soon a new visitor gets in after it leaves.

    python benchmarks/server_budgets.py [--slow 1100]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from page_client import PageClient, fetch, token_cookie

SERVER = """
import threading, nbshare
link = nbshare.Interface(lambda text: text.upper(), "text", "text").launch(
    inline=False, auth=("ada", "lovelace"), max_sessions=200)
print(link.local_url, flush=True)
threading.Event().wait()
"""


def start_server() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def signed_in(url: str) -> str:
    cookie = await token_cookie(url)
    port = re.search(r":(\d+)/", url).group(1)  # type: ignore[union-attr]
    answer = await fetch(
        url.split("?")[0] + "login",
        cookie,
        method="POST",
        body="username=ada&password=lovelace",
        headers={"Origin": f"http://127.0.0.1:{port}"},
    )
    return f"{cookie}; {answer.headers['Set-Cookie'].split(';')[0]}"


def slowloris(pid: int, url: str, count: int) -> None:
    port = int(re.search(r":(\d+)/", url).group(1))  # type: ignore[union-attr]
    cookie = asyncio.run(signed_in(url))
    before_fds, before_cpu = fds(pid), cpu_seconds(pid)
    sockets = []
    started = time.perf_counter()
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        sockets.append(sock)
    peak = fds(pid)
    fetched = time.perf_counter()
    code = asyncio.run(fetch(url.split("?")[0], cookie)).code
    page_ms = (time.perf_counter() - fetched) * 1000
    for sock in sockets:
        sock.settimeout(60)
    lifetimes = []
    for sock in sockets:
        try:
            while sock.recv(4096):
                pass
        except (ConnectionResetError, TimeoutError):
            pass
        lifetimes.append(time.perf_counter() - started)
        sock.close()
    cpu = cpu_seconds(pid) - before_cpu
    print(
        f"slow headers: {count} connections; server fds {before_fds} -> peak {peak} (cap + listening ones); "
        f"a visitor's page during the attack: {code} in {page_ms:.0f} ms; every slow connection closed by "
        f"{max(lifetimes):.1f} s; server CPU over the whole attack {cpu:.2f} s"
    )


async def sign_in_storm(url: str, parallel: int) -> None:
    cookie = await token_cookie(url)
    port = re.search(r":(\d+)/", url).group(1)  # type: ignore[union-attr]
    from tornado.httpclient import AsyncHTTPClient

    AsyncHTTPClient.configure(None, max_clients=parallel)

    async def guess(n: int) -> int:
        answer = await fetch(
            url.split("?")[0] + "login",
            cookie,
            method="POST",
            body=f"username=ada&password=guess{n}",
            headers={"Origin": f"http://127.0.0.1:{port}", "X-Forwarded-For": "203.0.113.7"},
        )
        return int(answer.code)

    started = time.perf_counter()
    codes = await asyncio.gather(*(guess(n) for n in range(parallel)))
    elapsed = time.perf_counter() - started
    print(
        f"sign-in: {parallel} parallel wrong passwords answered in {elapsed:.1f} s: {codes.count(401)} checked, "
        f"{codes.count(429)} turned away (429) at once"
    )
    checked, started = 0, time.perf_counter()
    while time.perf_counter() - started < 30:
        codes = await asyncio.gather(*(guess(n) for n in range(parallel)))
        checked += codes.count(401)
    print(f"sign-in: an attacker sending {parallel} at a time for 30 s got {checked} passwords checked")


async def hog(url: str) -> None:
    cookie = await signed_in(url)
    base = url.split("?")[0]
    tabs = []
    while True:
        try:
            tab = await PageClient.connect(base, cookie)
            tabs.append(tab)
        except ConnectionError as error:
            print(f"sessions: one sign-in opened {len(tabs)} sessions, then: {error}")
            break
    # A client that signs in afresh for every session takes every slot; when it leaves, its slots come back at once.
    while True:
        try:
            tabs.append(await PageClient.connect(base, await signed_in(url)))
        except ConnectionError as error:
            print(f"sessions: signing in afresh each time, it held {len(tabs)} sessions, then: {error}")
            break
    for tab in tabs:
        tab.close()
    await asyncio.sleep(0.2)
    cookie = await signed_in(url)
    started = time.perf_counter()
    visitor = await PageClient.connect(base, cookie)
    print(f"sessions: after it left, a new visitor's session opened in {(time.perf_counter() - started) * 1000:.0f} ms")
    visitor.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--slow", type=int, default=1100)
    parser.add_argument("--parallel", type=int, default=100)
    args = parser.parse_args()
    process, url = start_server()
    try:
        slowloris(process.pid, url, args.slow)
        asyncio.run(sign_in_storm(url, args.parallel))
        asyncio.run(hog(url))
    finally:
        process.terminate()
        process.wait(10)


if __name__ == "__main__":
    main()
