"""The server's budgets against an attacker holding the link: sessions per client, slow headers and a connection cap,
expiry reaching open pages, sign-in throttling, sessions bound to their sign-in. Real sockets, a real server."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import selectors
import socket
import time
from collections.abc import Callable
from typing import Any

import pytest

import nbshare
from nbshare.server.access import Access

from page_client import PageClient, fetch, run, token_cookie


def shout(text: str) -> str:
    return text.upper()


def base(link: nbshare.Link) -> str:
    return link.local_url.split("?")[0]


async def eventually(condition: Callable[[], Any], timeout: float = 20) -> None:
    """Wait until ``condition()`` holds (state the server changes on its own thread), or fail."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition did not become true"
        await asyncio.sleep(0.02)


async def refused(link: nbshare.Link, cookie: str, **options: Any) -> str:
    """Connect a page that the server turns away; returns the close code and reason it got."""
    with pytest.raises(ConnectionError) as closed:
        client = await PageClient.connect(base(link), cookie, **options)
        await client.until(lambda: False)
    return str(closed.value)


# -- sessions per client (finding 4) ----------------------------------------------------------------------------


def test_a_made_up_client_id_counts_for_nothing_and_one_address_has_a_bound_of_its_own() -> None:
    link = nbshare.Interface(shout, "text", "text").launch(
        inline=False, max_sessions=50, max_sessions_per_client=3, max_sessions_per_address=5
    )
    server = link.server
    assert server is not None
    try:

        async def scenario() -> None:
            real = await token_cookie(link.local_url)
            token = "; ".join(part for part in real.split("; ") if "-client=" not in part)
            client_name = server.access.client_cookie_name
            forged = [f"{token}; {client_name}={secrets.token_urlsafe(16)}" for _ in range(4)]
            tabs = [await PageClient.connect(base(link), cookie) for cookie in forged[:3]]
            reason = await refused(link, forged[3])  # forged ids fall back to the address: its cap of 3 holds
            assert "4009" in reason and "max_sessions_per_client" in reason
            browsers = [await PageClient.connect(base(link), await token_cookie(link.local_url)) for _ in range(2)]
            reason = await refused(link, await token_cookie(link.local_url))  # signed ids, but 5 from one address
            assert "4009" in reason and "max_sessions_per_address" in reason
            assert await browsers[0].ask("served") == "SERVED"
            for tab in [*tabs, *browsers]:
                tab.close()

        run(scenario())
    finally:
        link.close()


def test_one_client_cannot_take_every_slot_and_its_slots_come_back_the_moment_it_leaves() -> None:
    link = nbshare.Interface(shout, "text", "text").launch(
        inline=False, max_sessions=4, max_sessions_per_client=2, grace_seconds=60
    )
    server = link.server
    assert server is not None
    try:

        async def scenario() -> None:
            hog = await token_cookie(link.local_url)  # one browser: its cookies carry its client id
            tabs = [await PageClient.connect(base(link), hog) for _ in range(2)]
            reason = await refused(link, hog)
            assert "4009" in reason and "2 pages of this link open" in reason and "max_sessions_per_client" in reason
            assert await tabs[0].ask("still mine") == "STILL MINE"  # the refusal took nothing from the others

            others = [await PageClient.connect(base(link), await token_cookie(link.local_url)) for _ in range(2)]
            reason = await refused(link, await token_cookie(link.local_url))
            assert "4008" in reason and "max_sessions" in reason  # every slot has a page open: nobody is evicted

            hog_sessions = [tab.session for tab in tabs]
            for tab in tabs:
                tab.close()
            await eventually(lambda: all(server.sessions[s].detached_at is not None for s in hog_sessions))
            # Within the 60 s grace period, new visitors take the slots of the pages that left.
            newcomers = [await PageClient.connect(base(link), await token_cookie(link.local_url)) for _ in range(2)]
            assert [await client.ask(f"n{i}") for i, client in enumerate(newcomers)] == ["N0", "N1"]
            assert not set(hog_sessions) & set(server.sessions) and len(server.sessions) == 4
            assert "4004" in await refused(link, hog, session=hog_sessions[0])
            assert await others[0].ask("untouched") == "UNTOUCHED"
            for client in [*others, *newcomers]:
                client.close()

        run(scenario())
    finally:
        link.close()


def test_a_client_over_its_cap_first_gives_up_its_own_page_that_has_gone() -> None:
    link = nbshare.Interface(shout, "text", "text").launch(inline=False, max_sessions_per_client=1, grace_seconds=60)
    server = link.server
    assert server is not None
    try:

        async def scenario() -> None:
            cookie = await token_cookie(link.local_url)
            first = await PageClient.connect(base(link), cookie)
            first.close()
            await eventually(lambda: server.sessions[first.session].detached_at is not None)  # type: ignore[index]
            second = await PageClient.connect(base(link), cookie)  # a reload: the old tab's session makes room
            assert await second.ask("reloaded") == "RELOADED"
            assert list(server.sessions) == [second.session]
            second.close()

        run(scenario())
    finally:
        link.close()


def test_a_page_still_loading_keeps_its_session_when_a_page_that_left_can_make_room() -> None:
    link = nbshare.Interface(shout, "text", "text").launch(inline=False, max_sessions_per_client=2, grace_seconds=60)
    server = link.server
    assert server is not None
    try:

        async def scenario() -> None:
            cookie = await token_cookie(link.local_url)
            loading = await fetch(base(link), cookie)  # a page on its way: its session made, its websocket to come
            found = re.search(r'id="nbshare-first">(.*?)</script>', loading.body.decode())
            assert found is not None
            tree = json.loads(found.group(1))
            session = tree["welcome"]["session"]
            left = await PageClient.connect(base(link), cookie)  # another tab, which then closes
            left.close()
            await eventually(lambda: server.sessions[left.session].detached_at is not None)  # type: ignore[index]
            await fetch(base(link), cookie)  # a third page: the tab that left makes room, not the one loading
            assert session in server.sessions and left.session not in server.sessions
            arrived = await PageClient.connect(base(link), cookie, session=session, tree=tree)
            assert await arrived.ask("arrived") == "ARRIVED"
            arrived.close()

        run(scenario())
    finally:
        link.close()


# -- slow headers, timeouts and the connection cap (finding 5) ------------------------------------------------


def slow_sockets(port: int, count: int) -> list[socket.socket]:
    """Connections that start a request and never finish its headers (slowloris), without any token."""
    opened = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        opened.append(sock)
    return opened


def wait_all_closed_by_server(sockets: list[socket.socket], timeout: float = 30) -> list[socket.socket]:
    """Read each socket until the server closes it; returns those still open when ``timeout`` ran out."""
    selector = selectors.DefaultSelector()
    for sock in sockets:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
    open_ones = set(sockets)
    deadline = time.monotonic() + timeout
    while open_ones and time.monotonic() < deadline:
        for key, _events in selector.select(timeout=max(0.0, deadline - time.monotonic())):
            sock = key.fileobj
            try:
                data = sock.recv(4096)  # type: ignore[union-attr]
            except ConnectionResetError:
                data = b""
            if not data:
                selector.unregister(sock)
                open_ones.discard(sock)  # type: ignore[arg-type]
    selector.close()
    for sock in sockets:
        sock.close()
    return list(open_ones)


def test_slow_headers_are_cut_off_and_a_normal_visitor_still_gets_the_page() -> None:
    link = nbshare.Interface(shout, "text", "text").launch(inline=False, max_connections=12, header_timeout=0.5)
    server = link.server
    assert server is not None and server._http is not None
    try:
        cookie = run(token_cookie(link.local_url))
        attack = slow_sockets(server.port, 8)
        assert run(fetch(base(link), cookie)).code == 200  # while they hang on
        more = slow_sockets(server.port, 20)  # over the cap: the longest-waiting connections make room
        assert run(fetch(base(link), cookie)).code == 200
        for sock in attack[:2]:
            sock.sendall(b"x")  # trickling bytes buys no time: the timeout covers the whole header
        assert wait_all_closed_by_server(attack + more) == []

        async def visit() -> None:
            client = await PageClient.connect(base(link), cookie)
            assert await client.ask("after the attack") == "AFTER THE ATTACK"
            client.close()

        run(visit())
    finally:
        link.close()


def test_connections_over_the_cap_are_closed_at_once_when_every_slot_is_busy() -> None:
    link = nbshare.Interface(shout, "text", "text").launch(inline=False, max_connections=3, header_timeout=60)
    server = link.server
    assert server is not None and server._http is not None
    http = server._http
    try:

        async def scenario() -> None:
            pages = [await PageClient.connect(base(link), await token_cookie(link.local_url)) for _ in range(3)]
            await eventually(lambda: http.open_connections == 3)  # the sign-in requests' connections are gone
            extra = await asyncio.to_thread(slow_sockets, server.port, 5)
            # Closed long before their 60 s header timeout: no slot was free, and none was waiting for headers.
            assert await asyncio.to_thread(wait_all_closed_by_server, extra, 20) == []
            assert http.refused >= 5
            assert await pages[0].ask("busy but fine") == "BUSY BUT FINE"
            for page in pages:
                page.close()

        run(scenario())
    finally:
        link.close()


# -- expiry reaches open pages (finding 7) ----------------------------------------------------------------------


def test_an_open_page_is_disconnected_with_the_reason_when_the_link_expires() -> None:
    link = nbshare.Interface(shout, "text", "text").launch(inline=False, expires_in=4)
    server = link.server
    assert server is not None
    try:

        async def scenario() -> None:
            client = await PageClient.connect(base(link), await token_cookie(link.local_url))
            assert await client.ask("before") == "BEFORE"
            with pytest.raises(ConnectionError, match="4011 this link has expired"):
                await client.until(lambda: False, timeout=30)

        run(scenario())
        assert server.sessions == {}  # their widgets left the kernel too
    finally:
        link.close()


# -- sign-in (finding 8) -----------------------------------------------------------------------------------------


async def sign_in(link: nbshare.Link, cookie: str, user: str, password: str, **headers: str) -> Any:
    origin = {"Origin": f"http://127.0.0.1:{link.server.port}", **headers}  # type: ignore[union-attr]
    body = f"username={user}&password={password}"
    return await fetch(base(link) + "login", cookie, body=body, method="POST", headers=origin)


def test_parallel_wrong_passwords_are_turned_away_instead_of_checked_at_once() -> None:
    link = nbshare.Interface(shout, "text", "text").launch(inline=False, auth=("ada", "lovelace"))
    try:

        async def scenario() -> None:
            cookie = await token_cookie(link.local_url)
            answers = await asyncio.gather(*(sign_in(link, cookie, "ada", f"guess{n}") for n in range(20)))
            codes = [answer.code for answer in answers]
            assert set(codes) <= {401, 429} and codes.count(429) >= 10, codes
            busy = next(answer for answer in answers if answer.code == 429)
            assert b"Too many sign-in attempts at once" in busy.body and busy.headers["Retry-After"]

        run(scenario())
    finally:
        link.close()


def test_failures_count_per_forwarded_client_behind_a_proxy_we_trust() -> None:
    iface = nbshare.Interface(shout, "text", "text")
    # server_url: the link is served through a Jupyter server (jupyter-server-proxy), whose requests come from
    # loopback; the visitor's address is what it forwards.
    proxied = iface.launch(inline=False, auth=("ada", "lovelace"), server_url="http://lab.example/")
    direct = iface.launch(inline=False, auth=("ada", "lovelace"))
    try:

        async def scenario() -> None:
            for link in (proxied, direct):
                cookie = await token_cookie(link.local_url)
                for _ in range(2):  # the attacker writes a fake first hop; the proxy appends the real one
                    forged = {"X-Forwarded-For": "198.51.100.2, 203.0.113.7"}
                    assert (await sign_in(link, cookie, "ada", "nope", **forged)).code == 401
            access = proxied.server.access  # type: ignore[union-attr]
            assert access.failure_delay("203.0.113.7") == 1.0
            assert access.failure_delay("198.51.100.2") == 0 and access.failure_delay("127.0.0.1") == 0
            real_user = await sign_in(
                proxied, await token_cookie(proxied.local_url), "ada", "lovelace", **{"X-Real-IP": "192.0.2.9"}
            )
            assert real_user.code == 303
            # Without a proxy link nothing is forwarded: a header a client writes itself changes nothing.
            assert direct.server.access.failure_delay("127.0.0.1") == 1.0  # type: ignore[union-attr]
            assert direct.server.access.failure_delay("203.0.113.7") == 0  # type: ignore[union-attr]

        run(scenario())
    finally:
        proxied.close()
        direct.close()


def test_an_attempt_counts_before_it_waits_and_failures_fade() -> None:
    access = Access(auth=("ada", "lovelace"))
    now = [1000.0]
    access._clock = lambda: now[0]
    assert access.begin_attempt("a") == 0.0
    assert access.begin_attempt("a") == 0.5  # the first is still waiting, yet already counted
    assert access.begin_attempt("a") is None  # two in flight per client
    assert access.begin_attempt("b") == 0.0  # others are not held up
    assert access.end_attempt("a", "ada", "x") is None and access.end_attempt("a", "ada", "y") is None
    assert access.failure_delay("a") == 1.0
    access.log_in("a", "ada", "z")
    assert access.failure_delay("a") == 2.0
    now[0] += 61
    assert access.failure_delay("a") == 0.5
    now[0] += 60
    assert access.failure_delay("a") == 0.0
    assert access.end_attempt("b", "ada", "lovelace") is not None


def test_trusted_proxies_pick_the_address_our_proxy_saw() -> None:
    access = Access(trusted_proxies=["127.0.0.1", "10.0.0.0/8"])
    assert access.client_address("127.0.0.1", {"X-Forwarded-For": "1.1.1.1, 2.2.2.2, 10.1.2.3"}) == "2.2.2.2"
    assert access.client_address("127.0.0.1", {"X-Real-IP": "2001:db8::1"}) == "2001:db8::1"
    assert access.client_address("127.0.0.1", {"X-Forwarded-For": "garbage"}) == "127.0.0.1"
    assert access.client_address("192.0.2.1", {"X-Forwarded-For": "2.2.2.2"}) == "192.0.2.1"  # not a proxy we trust
    assert Access().client_address("127.0.0.1", {"X-Forwarded-For": "2.2.2.2"}) == "127.0.0.1"
    with pytest.raises(ValueError, match="trusted_proxies"):
        Access(trusted_proxies=["not an address"])


# -- a session belongs to its sign-in (finding 15) ------------------------------------------------------------


def test_another_signed_in_user_cannot_resume_a_session_by_its_id() -> None:
    link = nbshare.Interface(shout, "text", "text").launch(inline=False, auth=[("ada", "lovelace"), ("alan", "t")])
    server = link.server
    assert server is not None
    try:

        async def signed_in(user: str, password: str) -> str:
            cookie = await token_cookie(link.local_url)
            answer = await sign_in(link, cookie, user, password)
            assert answer.code == 303
            return f"{cookie}; {answer.headers['Set-Cookie'].split(';')[0]}"

        async def scenario() -> None:
            ada, alan = await signed_in("ada", "lovelace"), await signed_in("alan", "t")
            page = await PageClient.connect(base(link), ada)
            assert await page.ask("mine") == "MINE"
            page.close()
            await eventually(lambda: server.sessions[page.session].detached_at is not None)  # type: ignore[index]
            reason = await refused(link, alan, session=page.session)
            assert "4001" in reason and "another browser or sign-in" in reason
            back = await PageClient.connect(base(link), ada, session=page.session)
            assert back.session == page.session and server.sessions[page.session].user == "ada"  # type: ignore[index]
            back.close()

        run(scenario())
    finally:
        link.close()
