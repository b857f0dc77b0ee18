"""Real Chromium on the standalone page served from the interface's own server (and through jupyter-server-proxy)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ipywidgets
import numpy as np
import pytest
from PIL import Image as PILImage
from playwright.sync_api import expect
from test_browser_image import drag

import nbshare

from conftest import ARTIFACTS

pytestmark = pytest.mark.browser


class Visitor:
    """One person with their own browser context (own cookies), on the shared page."""

    def __init__(
        self,
        browser: Any,
        url: str,
        viewport: dict[str, int] | None = None,
        first: str | None = None,
        signed_in: tuple[str, str] | None = None,
    ) -> None:
        self.context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        if first is not None:
            self.page.goto(first)
        self.page.goto(url)
        if signed_in is not None:
            self.page.get_by_label("User name").fill(signed_in[0])
            self.page.get_by_label("Password").fill(signed_in[1])
            self.page.get_by_role("button", name="Sign in").click()
        expect(self.page.locator("#nbshare-root")).to_have_attribute("aria-busy", "false", timeout=20_000)

    def ask(self, text: str) -> None:
        self.page.get_by_role("textbox", name="Question").fill(text)
        self.page.get_by_role("button", name="Submit").click()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visitors(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    opened: list[Visitor] = []

    def visit(url: str, **options: Any) -> Visitor:
        visitor = Visitor(browser, url, **options)
        opened.append(visitor)
        return visitor

    yield visit
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for number, visitor in enumerate(opened):
        if failed:
            visitor.page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-visitor{number}.failed.png"))
        visitor.close()


def test_two_visitors_at_once_each_see_only_their_own_answers(visitors: Any) -> None:
    gate = threading.Event()
    calls: list[str] = []

    def answer(question: str) -> str:
        calls.append(question)
        if question == "slow":
            gate.wait(10)  # holds the one model while the second visitor's request waits its turn
        if question == "boom":
            raise ValueError("the model does not like this")
        return f"answer to {question}"

    link = nbshare.Interface(answer, nbshare.Textbox(label="Question"), "text", title="Ask me").launch(inline=False)
    try:
        ada, alan = visitors(link.local_url), visitors(link.local_url)
        ada.ask("slow")
        expect(ada.page.locator(".nbshare-status")).to_contain_text("Running")
        alan.ask("quick")
        expect(alan.page.locator(".nbshare-status")).to_contain_text("Queued: next")
        gate.set()
        expect(alan.page.get_by_role("status", name="Output")).to_have_text("answer to quick")
        expect(ada.page.get_by_role("status", name="Output")).to_have_text("answer to slow")
        alan.ask("boom")
        expect(alan.page.get_by_role("alert")).to_contain_text("ValueError: the model does not like this")
        expect(ada.page.get_by_role("alert")).to_have_count(0)
        expect(ada.page.get_by_role("status", name="Output")).to_have_text("answer to slow")
        assert calls[-3:] == ["slow", "quick", "boom"]  # after the one validate() ran
        ada.ask("<img src=x onerror=window.__pwned=1>")
        expect(ada.page.get_by_role("status", name="Output")).to_have_text(
            "answer to <img src=x onerror=window.__pwned=1>"
        )
        assert ada.page.evaluate("window.__pwned") is None
        assert len(link.server.sessions) == 2 and ada.errors == alan.errors == []
        ada.page.screenshot(path=str(ARTIFACTS / "shared-page.png"))
    finally:
        link.close()


def test_the_image_editor_works_on_the_shared_page(visitors: Any, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    original = rng.integers(60, 200, size=(200, 300, 3), dtype=np.uint8)
    PILImage.fromarray(original).save(tmp_path / "scan.png")
    received: list[Any] = []

    def count_red(image: nbshare.EditedImage) -> dict[str, int]:
        received.append(image)
        return {"red_pixels": int((np.asarray(image) == [255, 0, 0]).all(axis=2).sum())}

    iface = nbshare.Interface(count_red, nbshare.Image(display_size=300, type="numpy"), "json", title="Scan")
    link = iface.launch(inline=False)
    try:
        visitor = visitors(link.local_url)
        page = visitor.page
        with page.expect_file_chooser() as chooser:
            page.get_by_role("button", name="Choose image").click()
        chooser.value.set_files(str(tmp_path / "scan.png"))
        draft = page.locator("canvas.nbshare-draft")
        expect(draft).to_be_visible()
        page.get_by_label("Brush colour").fill("#ff0000")
        drag(page, draft.bounding_box(), [(0.2, 0.5), (0.5, 0.55), (0.8, 0.5)])
        (session,) = link.server.sessions.values()
        editor = session.view.inputs[0]
        expect_value(lambda: editor.edit_count, 1)
        page.get_by_role("button", name="Submit").click()
        expect(page.locator(".nbshare-json")).to_contain_text('"red_pixels"')
        assert np.array_equal(received[-1], nbshare.replay(original, editor.value.edits))
        assert int((received[-1] == [255, 0, 0]).all(axis=2).sum()) > 300
        page.screenshot(path=str(ARTIFACTS / "shared-image-editor.png"))
        assert visitor.errors == []
    finally:
        link.close()


def test_a_visitor_flags_an_edited_image_and_the_researcher_reads_it_within_a_second(
    visitors: Any, tmp_path: Path
) -> None:
    import time

    rng = np.random.default_rng(5)
    original = rng.integers(60, 200, size=(120, 160, 3), dtype=np.uint8)
    PILImage.fromarray(original).save(tmp_path / "scan.png")
    iface = nbshare.Interface(
        lambda image: {"device": float(image.mean() / 255), "none": 1 - float(image.mean() / 255)},
        nbshare.Image(display_size=320),
        "label",
        flagging_dir=tmp_path / "flags",
        flagging_options=["wrong", "unsure"],
        version="v7",
    )
    link = iface.launch(inline=False, auth=("cardio", "heart"))
    try:
        page = visitors(link.local_url, signed_in=("cardio", "heart")).page
        with page.expect_file_chooser() as chooser:
            page.get_by_role("button", name="Choose image").click()
        chooser.value.set_files(str(tmp_path / "scan.png"))
        draft = page.locator("canvas.nbshare-draft").first
        expect(draft).to_be_visible()
        page.get_by_label("Brush colour").fill("#000000")
        drag(page, draft.bounding_box(), [(0.3, 0.3), (0.6, 0.6)])
        (session,) = link.server.sessions.values()
        expect_value(lambda: session.view.inputs[0].edit_count, 1)
        page.get_by_role("button", name="Submit").click()
        expect(page.locator(".nbshare-label-top")).to_be_visible()
        page.get_by_label("Reason").select_option("wrong")
        page.get_by_label("Flag message").fill("The device is <b>still</b> there")
        started = time.perf_counter()
        page.get_by_role("button", name="Flag", exact=True).click()
        while iface.flag_store.lines.exists() is False or len(iface.flag_store.records()) < 1:
            assert time.perf_counter() - started < 5
            time.sleep(0.005)
        delay = time.perf_counter() - started
        expect(page.get_by_role("status").filter(has_text="Flagged")).to_be_visible()
        expect(page.get_by_label("Flag message")).to_have_value("")
        row = iface.flags.iloc[-1]
        edits = list(row["Image edits"])
        assert [edit["op"] for edit in edits] == ["paint"]
        assert np.array_equal(np.asarray(PILImage.open(row["Image"])), nbshare.replay(original, edits))
        assert np.array_equal(np.asarray(PILImage.open(row["Image original"])), original)
        assert row["message"] == "The device is <b>still</b> there" and row["option"] == "wrong"
        assert row["user"] == "cardio" and row["version"] == "v7" and row["session"] == session.id
        assert row["Output"]["label"] in ("device", "none")
        print(f"\nflag click -> record readable in the kernel: {delay * 1000:.0f} ms")
        assert delay < 1.0
        page.screenshot(path=str(ARTIFACTS / "shared-flag.png"))
    finally:
        link.close()


def expect_value(read: Any, wanted: Any, timeout: float = 10) -> None:
    import time

    deadline = time.monotonic() + timeout
    while read() != wanted:
        assert time.monotonic() < deadline, f"stayed {read()!r}, wanted {wanted!r}"
        time.sleep(0.05)


def test_a_plain_ipywidget_renders_and_a_phone_sized_page_is_usable(visitors: Any) -> None:
    def repeat(question: str, times: int) -> str:
        return " ".join([question] * times)

    slider = ipywidgets.IntSlider(value=2, min=1, max=4, description="Times")
    link = nbshare.Interface(repeat, [nbshare.Textbox(label="Question"), slider], "text").launch(inline=False)
    try:
        phone = visitors(link.local_url, viewport={"width": 390, "height": 844})
        page = phone.page
        handle = page.get_by_role("slider")
        expect(handle).to_be_visible()
        handle.focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        expect(page.locator(".widget-readout")).to_have_text("4")
        phone.ask("hi")
        expect(page.get_by_role("status", name="Output")).to_have_text("hi hi hi hi")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone ({width}px wide)"
        page.screenshot(path=str(ARTIFACTS / "shared-phone.png"), full_page=True)
        assert slider.value == 2  # the notebook's own widget is untouched by the visitor
    finally:
        link.close()


def test_an_oversized_upload_is_refused_on_the_page_and_the_session_lives_on(visitors: Any, tmp_path: Path) -> None:
    big = tmp_path / "big.png"
    noise = np.random.default_rng(1).integers(0, 255, size=(700, 700, 3), dtype=np.uint8)
    PILImage.fromarray(noise).save(big)  # about 1.5 MB of incompressible pixels
    link = nbshare.Interface(lambda image: image.shape[0], nbshare.Image(), "number").launch(
        inline=False, validate=False, max_message_bytes=500_000
    )
    try:
        page = visitors(link.local_url).page
        with page.expect_file_chooser() as chooser:
            page.get_by_role("button", name="Choose image").click()
        chooser.value.set_files(str(big))
        expect(page.locator("#nbshare-banner")).to_contain_text("the limit here is 0.5 MB")
        small = tmp_path / "small.png"
        PILImage.fromarray(noise[:50, :40]).save(small)
        with page.expect_file_chooser() as chooser:
            page.get_by_role("button", name="Choose image").click()
        chooser.value.set_files(str(small))
        page.get_by_role("button", name="Submit").click()
        expect(page.get_by_role("spinbutton", name="Output")).to_have_value("50")
    finally:
        link.close()


def test_the_page_through_jupyter_server_proxy(visitors: Any, jupyter_server: Any, browser: Any) -> None:
    """A real Jupyter server with jupyter-server-proxy: the page loads and predicts over the proxied websocket."""
    link = nbshare.Interface(lambda question: question[::-1], nbshare.Textbox(label="Question"), "text").launch(
        inline=False, server_url=jupyter_server.url
    )
    try:
        assert (
            link.proxy_url
            == f"{jupyter_server.url}proxy/{link.server.port}/?token=" + link.local_url.split("token=")[1]
        )
        stranger = browser.new_context()
        refused = stranger.new_page()
        refused.goto(link.proxy_url)
        assert "/login" in refused.url  # no Jupyter login: Jupyter itself turns the visitor away
        stranger.close()
        # A Jupyter user (logged in with the server's token) opens the notebook-served link.
        visitor = visitors(link.proxy_url, first=f"{jupyter_server.url}lab?token={jupyter_server.token}")
        assert visitor.page.url == f"{jupyter_server.url}proxy/{link.server.port}/"
        visitor.ask("proxied")
        expect(visitor.page.get_by_role("status", name="Output")).to_have_text("deixorp")
    finally:
        link.close()
