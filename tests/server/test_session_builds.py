"""A new visitor's widget tree is built off the server's loop: a slow build delays that visitor alone."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

import nbshare

from page_client import PageClient, run, token_cookie


class SlowToBuild(nbshare.Textbox):
    """A Textbox whose copies for new visitors wait until the test lets them be made."""

    building = threading.Event()
    release = threading.Event()

    def clone(self, **overrides: Any) -> Any:
        if SlowToBuild.building.is_set() or overrides:
            return super().clone(**overrides)
        SlowToBuild.building.set()
        SlowToBuild.release.wait(30)
        return super().clone(**overrides)


def test_a_slow_build_of_one_visitors_page_does_not_hold_up_another_visitors_answers() -> None:
    SlowToBuild.building.set()  # the template and the first visitor's tree are built at once
    interface = nbshare.Interface(lambda text, _note: text.upper(), ["text", SlowToBuild(label="Note")], "text")
    link = interface.launch(inline=False)
    try:
        url = link.local_url

        async def visitors() -> tuple[str, str]:
            cookie = await token_cookie(url)
            first = await PageClient.connect(url.split("?")[0], cookie)
            SlowToBuild.building.clear()  # the next visitor's tree waits in its build: their page's request waits
            opening = asyncio.ensure_future(PageClient.from_page(url.split("?")[0], cookie))
            while not SlowToBuild.building.is_set():
                await asyncio.sleep(0.01)
            answer = await first.ask("still served")  # the loop is free while the other page is being built
            assert not opening.done()
            SlowToBuild.release.set()
            second, _ = await opening
            later = await second.ask("built")
            first.close()
            second.close()
            return answer, later

        assert run(visitors()) == ("STILL SERVED", "BUILT")
    finally:
        SlowToBuild.release.set()
        link.close()


def hang_up_after(request: bytes, port: int) -> None:
    """Send ``request`` on a new connection and close it at once: a client that gave up."""
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(request)


async def eventually(condition: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition did not become true"
        await asyncio.sleep(0.02)


def test_requests_given_up_while_waiting_for_their_turn_build_nothing() -> None:
    """Page requests that hang up while another visitor's tree is built are not built after it: a client cannot queue
    work it does not wait for; nor can a websocket that hung up leave a session attached to a socket that is gone
    (which no sweep or cap could then take back: the link would stay full for good)."""
    SlowToBuild.building.set()
    SlowToBuild.release.clear()
    interface = nbshare.Interface(lambda text, _note: text.upper(), ["text", SlowToBuild(label="Note")], "text")
    link = interface.launch(inline=False)
    server = link.server
    port = server.port
    try:
        url = link.local_url
        base = url.split("?")[0]

        async def visitors() -> tuple[int, str]:
            cookie = await token_cookie(url)
            before = set(server.sessions)
            SlowToBuild.building.clear()  # the next build waits until released
            opening = asyncio.ensure_future(PageClient.from_page(base, cookie))
            await eventually(SlowToBuild.building.is_set)
            idle = server._http.open_connections  # type: ignore[union-attr]
            headers = f"Host: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n"
            for _ in range(10):  # page requests that hang up while they wait for their turn
                hang_up_after(f"GET / HTTP/1.1\r\n{headers}\r\n".encode(), port)
            upgrade = (
                f"GET /ws HTTP/1.1\r\n{headers}Origin: http://127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            )
            for _ in range(5):  # and websockets
                hang_up_after(upgrade.encode(), port)
            await eventually(lambda: server._http.open_connections <= idle)  # type: ignore[union-attr]
            SlowToBuild.release.set()
            client, _ = await opening
            answer = await client.ask("served")
            others = [server.sessions[i] for i in set(server.sessions) - before if i != client.session]
            client.close()
            return others, answer

        others, answer = run(visitors())
        assert answer == "SERVED"
        # Nothing for the page requests that hung up; a websocket that hung up while its tree was built (tornado
        # cannot tell before it writes) has its session detached, to be swept or to make room, never stuck attached.
        assert not any(session.awaiting_page for session in others)
        assert len(others) <= 5 and all(session.detached_at is not None for session in others)
    finally:
        SlowToBuild.release.set()
        link.close()
