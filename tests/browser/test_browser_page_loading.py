"""Real Chromium on the standalone page: the token leaves the address bar, one websocket opened early, a reload
served from the browser's cache, a slow upload's progress, HTML descriptions cleaned by the smaller sanitizer."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ipywidgets
import numpy as np
import pytest
from PIL import Image as PILImage
from playwright.sync_api import expect

import nbshare

pytestmark = pytest.mark.browser


class NetworkLog:
    """DevTools network events of one page: requests, the ones served from the browser's cache, websockets."""

    def __init__(self, context: Any, page: Any) -> None:
        self.cdp = context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.requests: dict[str, str] = {}
        self.from_cache: set[str] = set()
        self.websockets: list[str] = []
        self.cdp.on(
            "Network.requestWillBeSent", lambda e: self.requests.__setitem__(e["requestId"], e["request"]["url"])
        )
        self.cdp.on("Network.requestServedFromCache", lambda e: self.from_cache.add(e["requestId"]))
        self.cdp.on("Network.webSocketCreated", lambda e: self.websockets.append(e["url"]))

    def clear(self) -> None:
        self.requests.clear()
        self.from_cache.clear()
        self.websockets.clear()

    def files(self) -> dict[str, bool]:
        """Each static file or widget module asked for: whether it came from the cache."""
        return {
            url: request_id in self.from_cache
            for request_id, url in self.requests.items()
            if "/static/" in url or "/widgets/" in url
        }


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    yield context
    context.close()


def usable(page: Any) -> None:
    expect(page.locator("#nbshare-root")).to_have_attribute("aria-busy", "false", timeout=20_000)


def test_the_token_leaves_the_address_bar_one_websocket_opens_and_a_reload_fetches_only_the_page(context: Any) -> None:
    link = nbshare.Interface(
        lambda text: text[::-1], nbshare.Textbox(label="Question"), "text", title="Reverse"
    ).launch(inline=False)
    try:
        page = context.new_page()
        network = NetworkLog(context, page)
        page.goto(link.local_url)
        usable(page)
        token = link.server.access.token
        assert token not in page.url and "token" not in page.evaluate("location.href")
        # One websocket (boot.js's, taken over by the bundle), one session: never a second one.
        assert len(network.websockets) == 1 and len(link.server.sessions) == 1
        assert network.files() and not any(network.files().values())  # a first visit downloads them
        page.get_by_role("textbox", name="Question").fill("stressed")
        page.get_by_role("button", name="Submit").click()
        expect(page.get_by_role("status").filter(has_text="desserts")).to_be_visible(timeout=20_000)

        # Back leaves the page, Forward comes back to the address without the token: the cookie opens it.
        page.go_back()
        assert page.url == "about:blank"
        page.go_forward()
        assert token not in page.url
        usable(page)

        network.clear()
        page.reload()
        usable(page)
        files = network.files()
        assert {url.rsplit("/", 1)[1].split(".")[0] for url in files} >= {"boot", "main", "anywidget"}, files
        assert all(files.values()), f"fetched again on reload: {[url for url, cached in files.items() if not cached]}"
        assert len(network.websockets) == 1
    finally:
        link.close()


def test_an_html_description_keeps_its_markup_and_loses_its_scripts(context: Any) -> None:
    description = '<b>Times</b> <img src="x" onerror="window.__owned = 1"><script>window.__owned = 2</script>'
    slider = ipywidgets.IntSlider(value=2, min=1, max=5, description=description, description_allow_html=True)
    link = nbshare.Interface(lambda text, times: text * times, ["text", slider], "text").launch(inline=False)
    try:
        page = context.new_page()
        page.goto(link.local_url)
        usable(page)
        label = page.locator(".widget-slider .widget-label").first
        expect(label.locator("b")).to_have_text("Times")
        markup = label.inner_html()
        assert "onerror" not in markup and "<script" not in markup and "__owned" not in markup, markup
        assert page.evaluate("window.__owned") is None
    finally:
        link.close()


def test_a_slow_upload_shows_its_progress_then_goes(context: Any, tmp_path: Path) -> None:
    noise = np.random.default_rng(0).integers(0, 255, (700, 700, 3), dtype=np.uint8)
    picture = tmp_path / "noise.png"
    PILImage.fromarray(noise).save(picture)  # ~1.4 MB: one websocket frame over 256 KB
    seen: list[tuple[int, ...]] = []

    def size(image: Any) -> dict[str, float]:
        seen.append(np.asarray(image).shape)
        return {"received": 1.0}

    link = nbshare.Interface(size, "image", "label").launch(inline=False)
    try:
        page = context.new_page()
        page.goto(link.local_url)
        usable(page)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")  # 250 KB/s up: the upload takes about six seconds
        conditions = {"offline": False, "latency": 50, "downloadThroughput": 250_000, "uploadThroughput": 250_000}
        cdp.send("Network.emulateNetworkConditions", conditions)
        with page.expect_file_chooser() as chooser:
            page.get_by_role("button", name="Choose image").first.click()
        chooser.value.set_files(str(picture))
        banner = page.locator("#nbshare-banner")
        expect(banner).to_have_text(re.compile(r"^Sending 1\.4 MB… \d+%$"), timeout=5_000)
        expect(banner).to_be_hidden(timeout=30_000)
        cdp.send("Network.emulateNetworkConditions", {**conditions, "downloadThroughput": -1, "uploadThroughput": -1})
        page.get_by_role("button", name="Submit").click()
        expect(page.get_by_text("received").first).to_be_visible(timeout=20_000)
        assert seen and seen[-1][:2] == (700, 700)
    finally:
        link.close()


def test_a_page_whose_session_ended_before_its_websocket_opened_starts_afresh(context: Any) -> None:
    link = nbshare.Interface(lambda text: text[::-1], nbshare.Textbox(label="Question"), "text", title="Afresh").launch(
        inline=False
    )
    try:
        page = context.new_page()
        gone: list[str] = []

        def connect(socket: Any) -> None:
            """Each websocket goes through; the first one's session ends just before (its browser's cap)."""
            session = re.search(r"session=([0-9a-f]+)", socket.url)
            if session and not gone:
                gone.append(session.group(1))
                link.server.sessions.pop(session.group(1)).close()
            socket.connect_to_server()

        page.route_web_socket(re.compile(r".*/ws(\?.*)?$"), connect)
        page.goto(link.local_url)
        usable(page)
        eventually = lambda: [s for s in link.server.sessions.values() if s.detached_at is None]  # noqa: E731
        deadline = time.monotonic() + 20
        while not eventually():
            assert time.monotonic() < deadline, "no new session"
            page.wait_for_timeout(20)
        (fresh,) = eventually()
        expect(page.locator("#nbshare-root")).to_have_attribute("data-session", fresh.id)  # the new tree shown
        page.get_by_role("textbox", name="Question").fill("stressed")
        page.get_by_role("button", name="Submit").click()
        expect(page.get_by_role("status").filter(has_text="desserts")).to_be_visible(timeout=20_000)
        expect(page.locator("#nbshare-banner")).to_be_hidden()
        assert gone and gone[0] not in link.server.sessions and len(link.server.sessions) == 1
        assert page.get_by_role("textbox", name="Question").count() == 1  # the new tree replaced the old one
    finally:
        link.close()
