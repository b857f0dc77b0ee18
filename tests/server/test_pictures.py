"""Pictures cross the link once, compressed, at the size they are shown (issue 20).

A page on this machine gets an image's base layer in its websocket as raw pixels (nothing to encode or decode); a page
far away (through a proxy, a tunnel) gets the address of a lossless WebP, content-addressed and cached for good, which
it fetches beside its websocket, and the pictures of the examples ahead of a click. Small images are never enlarged on
the wire.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from PIL import Image as PILImage

import nbshare
from nbshare.values import imaging

from page_client import PageClient, fetch, run, token_cookie

SMALL = np.random.default_rng(1).integers(0, 255, (30, 40, 3), dtype=np.uint8)  # enlarged to 512 px when shown
_ROWS, _COLUMNS = np.mgrid[0:500, 0:700]
LARGE = np.dstack([_COLUMNS % 256, _ROWS % 256, np.full((500, 700), 90)]).astype(np.uint8)  # smooth; reduced to 512
FAR = {"X-Forwarded-For": "203.0.113.9"}  # what a proxy in front adds: the page is not on this machine


@pytest.fixture
def link() -> Iterator[Any]:
    iface = nbshare.Interface(
        lambda image: {"wide": float(image.shape[1] > image.shape[0])},
        nbshare.Image(),
        nbshare.Label(),
        examples=[[SMALL], [LARGE]],
        title="Pictures",
    )
    launched = iface.launch(inline=False)
    yield launched
    launched.close()


def decoded(data: bytes) -> np.ndarray:
    return np.asarray(PILImage.open(io.BytesIO(data)).convert("RGB"))


def raw(content: dict[str, Any], data: bytes) -> np.ndarray:
    """The pixels a page on this machine is sent: raw rows of the shape its message names."""
    shape = content["picture"]["pixels"]
    return np.frombuffer(data, dtype=np.uint8).reshape(shape["height"], shape["width"], shape["channels"])


async def choose_example(client: PageClient, index: int) -> dict[str, Any]:
    """Click example ``index``; the image component's next picture message."""
    image, examples = client.find("Image"), client.find("Examples")
    seen = len(client.customs)
    client.custom(examples, {"event": "select", "index": index})
    await client.until(lambda: any(c[0] == image and "picture" in c[1] for c in client.customs[seen:]))
    return next(c for c in client.customs[seen:] if c[0] == image and "picture" in c[1])


def test_a_page_on_this_machine_gets_the_picture_in_its_websocket_at_its_own_size(link: Any) -> None:
    async def scenario() -> list[Any]:
        cookie = await token_cookie(link.local_url)
        client = await PageClient.connect(link.server.local_url, cookie)
        try:
            small = await choose_example(client, 0)
            large = await choose_example(client, 1)
            prefetch = client.models[client.find("Examples")].get("prefetch")
        finally:
            client.close()
        return [small, large, prefetch]

    (_, small, small_buffers), (_, large, large_buffers), prefetch = run(scenario())
    assert small == {"picture": {"pixels": {"width": 40, "height": 30, "channels": 3}, "pixelated": True}}
    assert np.array_equal(raw(small, small_buffers[0]), SMALL)  # 40x30, not an enlarged 512x384 copy
    assert large["picture"] == {"pixels": {"width": 512, "height": 366, "channels": 3}, "pixelated": False}
    assert np.array_equal(raw(large, large_buffers[0]), imaging.resize(LARGE, 512, 366))
    assert prefetch == []  # nothing to fetch ahead: it costs nothing here


def test_a_page_far_away_fetches_exact_compressed_cached_pictures_and_the_examples_ahead(link: Any) -> None:
    async def scenario() -> dict[str, Any]:
        cookie = await token_cookie(link.local_url)
        base = link.server.local_url
        client = await PageClient.connect(base, cookie, headers=FAR)
        try:
            examples = client.models[client.find("Examples")]
            prefetch, thumbnails = examples["prefetch"], examples["thumbnails"]
            small = await choose_example(client, 0)
            large = await choose_example(client, 1)
            # An explanation's overlay is a picture too: fetched by address, not in the websocket.
            (session,) = link.server.sessions.values()
            session.view.inputs[0].set_overlay(np.ones((366, 512), dtype=bool))
            image = client.find("Image")
            overlay = await client.until(lambda: client.models[image].get("overlay_url"))
            overlay_bytes = client.models[image].get("overlay_png")
        finally:
            client.close()
        urls = [small[1]["picture"]["url"], large[1]["picture"]["url"]]
        return {
            "prefetch": prefetch,
            "thumbnails": [await fetch(base + row[0], cookie) for row in thumbnails],
            "pictures": [small[1]["picture"], large[1]["picture"]],
            "buffers": [small[2], large[2]],
            "responses": [await fetch(base + url, cookie) for url in urls],
            "overlay": await fetch(base + overlay, cookie),
            "overlay_bytes": overlay_bytes,
            "no_cookie": await fetch(base + urls[0]),
            "unknown": await fetch(base + "pictures/" + "0" * 64 + ".webp", cookie),
            "traversal": await fetch(base + "pictures/..%2Fstatic%2Fmain.js", cookie),
        }

    seen = run(scenario())
    small, large = seen["pictures"]
    assert small["pixelated"] is True and large["pixelated"] is False
    assert seen["buffers"] == [[], []]  # no pixels in the websocket
    # The examples' pictures were offered before any click, under the very addresses the clicks then used.
    assert seen["prefetch"] == [small["url"], large["url"]]
    # The thumbnails too are fetched by address (cached: a reload costs them nothing), not sent in the state.
    assert [decoded(response.body).shape for response in seen["thumbnails"]] == [(30, 40, 3), (69, 96, 3)]
    small_response, large_response = seen["responses"]
    for response in seen["responses"]:
        assert response.code == 200
        assert response.headers["Content-Type"] == "image/webp"
        assert "immutable" in response.headers["Cache-Control"] and "private" in response.headers["Cache-Control"]
    assert np.array_equal(decoded(small_response.body), SMALL)  # lossless, at its own size
    assert np.array_equal(decoded(large_response.body), imaging.resize(LARGE, 512, 366))
    assert len(large_response.body) < 512 * 366 * 3 / 4  # compressed
    assert seen["overlay"].code == 200 and seen["overlay"].headers["Content-Type"] == "image/png"
    assert decoded(seen["overlay"].body).shape == (366, 512, 3) and not seen["overlay_bytes"]
    assert seen["no_cookie"].code == 403  # the token guards pictures like everything else
    assert seen["unknown"].code == 404 and seen["traversal"].code == 404


def test_the_picture_store_keeps_the_newest_within_its_budget() -> None:
    from nbshare.server.pictures import Pictures

    store = Pictures(max_bytes=250)
    first = store.publish(b"a" * 100, "image/webp")
    second = store.publish(b"b" * 100, "image/webp")
    assert store.publish(b"a" * 100, "image/webp") == first  # the same bytes, the same address (and now newest)
    third = store.publish(b"c" * 100, "image/png")
    assert third.endswith(".png")
    assert store.get(second.split("/")[1]) is None  # the least recently published went
    assert store.get(first.split("/")[1]) == (b"a" * 100, "image/webp")
    assert store.get(third.split("/")[1]) == (b"c" * 100, "image/png")
