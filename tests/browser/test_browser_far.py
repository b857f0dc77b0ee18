"""Real Chromium on a page that is not on the server's machine (issue 20): the picture comes over HTTP as a lossless
WebP at the image's own size, the examples' pictures are fetched ahead, so choosing an example fetches no picture."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import expect
from test_browser_image import PICTURE_CENTRE

import nbshare

from conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def solid(colour: tuple[int, int, int], shape: tuple[int, int] = (48, 64)) -> np.ndarray:
    frame = np.zeros((*shape, 3), dtype=np.uint8)
    frame[:] = colour
    return frame


@pytest.fixture
def far_link() -> Iterator[Any]:
    """The page served on every interface and opened by this machine's network address: the browser's connection
    is not a loopback one, as for a visitor elsewhere."""
    iface = nbshare.Interface(
        lambda image: {"red" if image[..., 0].mean() > 128 else "blue": 1.0},
        nbshare.Image(),
        nbshare.Label(),
        examples=[[solid((220, 20, 30))], [solid((20, 40, 210))]],
        title="Far away",
    )
    link = iface.launch(inline=False, host="0.0.0.0")
    if link.network_url is None:
        pytest.fail("no network address on this machine to reach the server by", pytrace=False)
    yield link
    link.close()


def test_a_far_page_fetches_pictures_once_and_examples_ahead(browser: Any, far_link: Any) -> None:
    served: list[str] = []
    pictures = far_link.server.pictures
    real_get = pictures.get
    pictures.get = lambda name: served.append(name) or real_get(name)  # every picture the server had to send
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(far_link.network_url)
        expect(page.locator("#nbshare-root")).to_have_attribute("aria-busy", "false", timeout=20_000)
        # Both examples' pictures are fetched while the visitor looks, before any click.
        fetched = "() => performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.webp')).length"
        page.wait_for_function(f"() => ({fetched})() === 2", timeout=20_000)
        assert len(served) == 4  # the two thumbnails, the two examples pictures
        thumbnails = page.locator("img.nbshare-thumbnail")
        assert thumbnails.evaluate_all("(images) => images.map((image) => image.naturalWidth)") == [64, 64]
        picture = page.locator(".nbshare-image canvas.nbshare-picture").first
        for index, (colour, answer) in enumerate([((220, 20, 30), "red"), ((20, 40, 210), "blue")]):
            page.get_by_role("button", name=f"Example {index + 1}").click()
            expect(page.locator(".nbshare-label-top, .nbshare-label").filter(has_text=answer).first).to_be_visible()
            page.wait_for_function(f"() => ({PICTURE_CENTRE})(document.querySelector('canvas.nbshare-picture'))?.[0]"
                                   f" === {colour[0]}")  # fmt: skip
            assert picture.evaluate(PICTURE_CENTRE) == [*colour, 255]
            assert picture.evaluate("(canvas) => canvas.width") == 64  # its own size, enlarged with crisp pixels
            assert "nbshare-pixelated" in (picture.get_attribute("class") or "")
        assert len(served) == 4  # the clicks fetched nothing: the pictures were in the browser's cache
        page.screenshot(path=str(ARTIFACTS / "far-example.png"))
    finally:
        pictures.get = real_get
        context.close()
