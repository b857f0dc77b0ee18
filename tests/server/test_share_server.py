"""The shared page's server without a browser: access control, refusals, sessions and load, over real sockets."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import ipywidgets
import pytest

import nbshare
from nbshare.server.frames import encode_frame

from page_client import PageClient, fetch, run, token_cookie


def shout(text: str) -> str:
    return text.upper()


@pytest.fixture(scope="module")
def link() -> Iterator[nbshare.Link]:
    iface = nbshare.Interface(shout, "text", "text", title="<script>alert(1)</script> Shout")
    link = iface.launch(inline=False, max_message_bytes=200_000, grace_seconds=0.5)
    yield link
    link.close()


def base(link: nbshare.Link) -> str:
    return link.local_url.split("?")[0]


def static_url(link: nbshare.Link, file: str) -> str:
    """Where the page finds one of its built files (named by a hash of its bytes)."""
    return link.server.assets.url(file)


def widget_url(link: nbshare.Link, module: str) -> str:
    return link.server.widget_modules.urls()[module]


def test_a_link_trades_its_token_for_an_httponly_cookie_and_the_page_escapes_the_title(link: nbshare.Link) -> None:
    async def scenario() -> None:
        response = await fetch(link.local_url)
        assert response.code == 200 and "Location" not in response.headers  # the page at once, no redirect
        cookie_header = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie_header and "SameSite=Lax" in cookie_header and "Path" not in cookie_header
        cookie = await token_cookie(link.local_url)
        page = await fetch(base(link), cookie)
        assert page.code == 200
        body = page.body.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Shout" in body and "<script>alert" not in body
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
        assert page.headers["X-Frame-Options"] == "DENY"
        assert (await fetch(base(link) + static_url(link, "main.js"), cookie)).code == 200
        assert (await fetch(base(link) + widget_url(link, "anywidget"), cookie)).code == 200
        assert (await fetch(base(link) + widget_url(link, "ipycanvas"), cookie)).code == 200

    run(scenario())


@pytest.mark.parametrize("path", ["", "static/main.js", "static/main.css", "widgets/anywidget", "login"])
def test_every_route_refuses_a_request_without_the_token_or_with_a_wrong_one(link: nbshare.Link, path: str) -> None:
    if path.startswith("static/"):
        path = static_url(link, path.removeprefix("static/"))
    elif path.startswith("widgets/"):
        path = widget_url(link, path.removeprefix("widgets/"))

    async def scenario() -> None:
        assert (await fetch(base(link) + path)).code == 403
        wrong = f"nbshare-{link.server.access.server_id}=not-the-token"
        assert (await fetch(base(link) + path, wrong)).code == 403
        assert (await fetch(base(link) + "?token=not-the-token")).code == 403

    run(scenario())


TRAVERSALS = [
    "../../../../etc/passwd",
    "..%2F..%2F..%2Fetc%2Fpasswd",
    "%2e%2e/%2e%2e/etc/passwd",
    "%2Fetc%2Fpasswd",
    "/etc/passwd",
    "..\\..\\etc\\passwd",
    "anywidget/../../../../etc/passwd",
    "%252e%252e%252fetc%252fpasswd",
]


@pytest.mark.parametrize("route", ["static/", "widgets/"])
@pytest.mark.parametrize("attack", TRAVERSALS)
def test_no_request_path_reaches_the_file_system(link: nbshare.Link, route: str, attack: str) -> None:
    async def scenario() -> None:
        cookie = await token_cookie(link.local_url)
        for suffix in ("", ".js"):
            response = await fetch(base(link) + route + attack + suffix, cookie)
            assert response.code in (400, 404), (route + attack + suffix, response.code)
            assert b"root:" not in (response.body or b"")

    run(scenario())


def test_a_websocket_needs_the_cookie_and_the_exact_origin(link: nbshare.Link) -> None:
    async def scenario() -> None:
        cookie = await token_cookie(link.local_url)
        for bad_cookie, origin in [
            ("", None),
            (f"nbshare-{link.server.access.server_id}=wrong", None),
            (cookie, "http://evil.example"),
            (cookie, f"http://127.0.0.1:{link.server.port}.evil.example"),
            (cookie, f"https://127.0.0.1:{link.server.port + 1}"),
            (cookie, "null"),
        ]:
            with pytest.raises(Exception) as refused:
                await PageClient.connect(base(link), bad_cookie, origin=origin)
            assert "403" in str(refused.value), str(refused.value)
        client = await PageClient.connect(base(link), cookie)
        assert await client.ask("still fine") == "STILL FINE"
        client.close()

    run(scenario())


def test_refused_messages_get_a_clear_error_and_the_session_lives_on(link: nbshare.Link) -> None:
    async def scenario() -> None:
        client = await PageClient.connect(base(link), await token_cookie(link.local_url))
        await client.until(lambda: client.models)
        textbox = client.find("Textbox")
        refusals = [
            client.update(textbox, _esm="export default {render(){alert(1)}}"),
            client.update(textbox, _model_module="evil"),
            client.update(textbox, _view_module="evil"),
            client.update(textbox, no_such_trait=1),
            client.update(textbox, value=12345),  # wrong type: the trait refuses it
            client.update(textbox, max_length=10**9),  # a limit is the researcher's, not the page's
            client.update(client.find("Text"), value="a forged answer"),  # an output, which a flag would record
            client.send("comm_msg", "no-such-comm", {"method": "update", "state": {}}),
            client.send("comm_msg", textbox, {"method": "backdoor"}),
            client.send("comm_open", textbox, {}),
            client.send("comm_msg", textbox, "not an object"),
        ]
        await client.until(lambda: all(client.acked(r) for r in refusals))
        errors = client.errors()
        assert len(errors) == len(refusals), errors
        assert "may not change '_esm'" in errors[0] and "may not change '_model_module'" in errors[1]
        assert "has no trait 'no_such_trait'" in errors[3]
        assert "may not change Textbox.max_length" in errors[5] and "may not change Text.value" in errors[6]
        for garbage in [
            b"",
            b"\x01\x00\x00\x00",
            b"\x02\x00\x00\x00\xff\xff\xff\xff",
            b"\x01\x00\x00\x00\x03\x00\x00\x00abc",
            encode_frame({"msg_type": "comm_msg"})[:-1],
            "text frame",
        ]:
            client.socket.write_message(garbage, binary=isinstance(garbage, bytes))
        await client.until(lambda: len(client.errors()) >= len(refusals) + 6)
        assert (
            client.models[textbox].get("_esm", "").startswith("") and "alert(1)" not in client.models[textbox]["_esm"]
        )
        assert await client.ask("alive") == "ALIVE"
        client.close()

    run(scenario())


def test_an_oversized_message_is_refused_with_the_limit_and_the_session_lives_on(link: nbshare.Link) -> None:
    async def scenario() -> None:
        client = await PageClient.connect(base(link), await token_cookie(link.local_url))
        await client.until(lambda: client.models)
        client.update(client.find("Textbox"), value="x" * 300_000)
        await client.until(lambda: client.errors())
        assert "MB; the limit here is 0.2 MB" in client.errors()[0]
        assert await client.ask("small") == "SMALL"
        client.close()

    run(scenario())


def test_each_visitor_has_their_own_widgets_and_a_closed_page_frees_them_after_the_grace_period(
    link: nbshare.Link,
) -> None:
    from ipywidgets.widgets.widget import _instances

    async def scenario() -> None:
        cookie = await token_cookie(link.local_url)
        first, second = await PageClient.connect(base(link), cookie), await PageClient.connect(base(link), cookie)
        await first.until(lambda: first.models)
        await second.until(lambda: second.models)
        assert not set(first.models) & set(second.models)
        assert all(comm_id in _instances for comm_id in second.models)
        assert await first.ask("one") == "ONE"
        assert second.models[second.find("Text")]["value"] == ""
        # A dropped connection that comes back within the grace period resumes the same widgets.
        first.close()
        await asyncio.sleep(0.1)
        resumed = await PageClient.connect(base(link), cookie, session=first.session)
        assert resumed.session == first.session
        resumed.models = first.models
        assert await resumed.ask("two") == "TWO"
        resumed.close()
        second.close()
        deadline = time.monotonic() + 15
        while any(comm_id in _instances for comm_id in second.models) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert not any(comm_id in _instances for comm_id in second.models)
        assert second.session not in link.server.sessions
        with pytest.raises(ConnectionError, match="4004"):
            gone = await PageClient.connect(base(link), cookie, session=second.session)
            await gone.until(lambda: False)

    run(scenario())


def test_login_expiry_and_close() -> None:
    iface = nbshare.Interface(shout, "text", "text")
    link = iface.launch(inline=False, auth=[("ada", "lovelace"), ("alan", "turing")], expires_in=3)
    try:

        async def scenario() -> None:
            response = await fetch(link.local_url)
            assert response.code == 303 and response.headers["Location"] == "./login"
            cookie = await token_cookie(link.local_url)
            assert (await fetch(base(link), cookie)).code == 303  # to the login form
            form = await fetch(base(link) + "login", cookie)
            assert form.code == 200 and b'name="password"' in form.body
            origin = {"Origin": f"http://127.0.0.1:{link.server.port}"}
            attempt = dict(method="POST", headers=origin)
            started = time.monotonic()
            wrong = await fetch(base(link) + "login", cookie, body="username=ada&password=turing", **attempt)
            again = await fetch(base(link) + "login", cookie, body="username=ada&password=nope", **attempt)
            slowed = time.monotonic() - started
            assert wrong.code == again.code == 401 and b"Wrong user name or password" in again.body
            assert slowed >= 0.5  # the second failure waited before answering
            foreign = await fetch(
                base(link) + "login",
                cookie,
                body="username=ada&password=lovelace",
                method="POST",
                headers={"Origin": "http://evil.example"},
            )
            assert foreign.code == 403
            ok = await fetch(base(link) + "login", cookie, body="username=alan&password=turing", **attempt)
            assert ok.code == 303
            login_cookie = ok.headers["Set-Cookie"].split(";")[0]
            both = f"{cookie}; {login_cookie}"
            assert (await fetch(base(link), both)).code == 200
            with pytest.raises(Exception, match="401"):
                await PageClient.connect(base(link), cookie)
            client = await PageClient.connect(base(link), both)
            assert await client.ask("hi") == "HI"
            session = link.server.sessions[client.session]
            assert session.user == "alan"
            await asyncio.sleep(max(0.0, 3.2 - (time.monotonic() - started)))
            assert (await fetch(base(link), both)).code == 410
            client.close()

        run(scenario())
    finally:
        link.close()

    async def after_close() -> None:
        with pytest.raises(ConnectionRefusedError):
            await fetch(base(link))

    run(after_close())


def test_an_embeddable_link_behind_https_gets_a_cross_site_cookie() -> None:
    """Behind an HTTPS proxy we trust (here on this machine), the cookie is Secure and SameSite=None."""
    link = nbshare.Interface(shout, "text", "text").launch(
        inline=False, frame_ancestors=["https://lab.example.org"], trusted_proxies=["127.0.0.1"]
    )
    try:

        async def scenario() -> None:
            https = await fetch(link.local_url, headers={"X-Forwarded-Proto": "https"})
            assert "SameSite=None" in https.headers["Set-Cookie"] and "Secure" in https.headers["Set-Cookie"]
            link.server.access.trust_proxies(())  # the same header from a peer we do not trust is only text
            forged = await fetch(link.local_url, headers={"X-Forwarded-Proto": "https"})
            assert "SameSite=Lax" in forged.headers["Set-Cookie"] and "Secure" not in forged.headers["Set-Cookie"]
            plain = await fetch(link.local_url)
            assert "SameSite=Lax" in plain.headers["Set-Cookie"] and "Secure" not in plain.headers["Set-Cookie"]
            assert "frame-ancestors https://lab.example.org" in plain.headers["Content-Security-Policy"]
            assert "X-Frame-Options" not in plain.headers

        run(scenario())
    finally:
        link.close()


def test_close_disconnects_open_pages_at_once() -> None:
    link = nbshare.Interface(shout, "text", "text").launch(inline=False)

    async def scenario() -> None:
        client = await PageClient.connect(base(link), await token_cookie(link.local_url))
        await client.until(lambda: client.models)
        threading.Thread(target=link.close).start()
        with pytest.raises(ConnectionError, match="4010"):
            await client.until(lambda: False)

    run(scenario())
    assert link.closed and not link.server.sessions


def test_a_plain_ipywidget_in_the_interface_is_served_too() -> None:
    seen = []

    def count(text: str, times: int) -> str:
        seen.append(times)
        return text * times

    link = nbshare.Interface(
        count, ["text", ipywidgets.IntSlider(value=2, min=1, max=5, description="Times")], "text"
    ).launch(inline=False)
    try:

        async def scenario() -> None:
            client = await PageClient.connect(base(link), await token_cookie(link.local_url))
            await client.until(lambda: client.models)
            slider = next(cid for cid, s in client.models.items() if s.get("_model_name") == "IntSliderModel")
            assert client.models[slider]["description"] == "Times"
            client.update(slider, value=3)
            assert await client.ask("ab") == "ababab"

        run(scenario())
    finally:
        link.close()
    assert seen[-1] == 3


def test_load_fifty_visitors_twenty_predictions_each_while_a_notebook_cell_stays_prompt() -> None:
    """The server runs inside a real kernel, as in a notebook; the test drives 50 visitors and times cells."""
    from jupyter_client.manager import start_new_kernel

    from harness import KernelProbe

    manager, kernel_client = start_new_kernel(kernel_name="python3")
    probe = KernelProbe(kernel_client)
    try:
        probe.eval("1")
        url = probe.eval(
            "(lambda nb, time: (globals().__setitem__('link', nb.Interface("
            "lambda text: (time.sleep(0.01), text.upper())[1], 'text', 'text').launch(inline=False)), "
            "link.local_url)[1])(__import__('nbshare'), __import__('time'))"
        )
        idle = [_timed(lambda: probe.eval("1 + 1")) for _ in range(10)]
        results: list[Any] = []

        async def visitor(number: int, cookie: str) -> list[str]:
            client = await PageClient.connect(url.split("?")[0], cookie)
            answers = [await client.ask(f"v{number} q{q}") for q in range(20)]
            client.close()
            return answers

        async def crowd() -> None:
            cookies = [await token_cookie(url) for _ in range(50)]  # 50 browsers: sessions are capped per client
            results.extend(await asyncio.gather(*(visitor(n, cookies[n]) for n in range(50))))

        started = time.perf_counter()
        load = threading.Thread(target=lambda: run(crowd()))
        load.start()
        busy = []
        while load.is_alive():
            busy.append(_timed(lambda: probe.eval("1 + 1")))
            time.sleep(0.05)
        load.join()
        elapsed = time.perf_counter() - started
        assert results == [[f"V{n} Q{q}" for q in range(20)] for n in range(50)]
        assert busy, "the load finished before any cell could be timed"
        print(
            f"\n1000 predictions by 50 visitors in {elapsed:.1f} s; a notebook cell took "
            f"{_median(idle):.1f} ms idle, {_median(busy):.1f} ms median / {max(busy):.1f} ms max under load "
            f"({len(busy)} cells)"
        )
    finally:
        kernel_client.stop_channels()
        manager.shutdown_kernel(now=True)


def _timed(action: Any) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]
