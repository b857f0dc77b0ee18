"""Pictures cross the link once, compressed, at the size they are shown (issue 20).

A page on this machine gets an image's base layer in its websocket as raw pixels (nothing to encode or decode); a page
far away (through a proxy, a tunnel) gets the address of a lossless WebP, content-addressed and cached for good, which
it fetches beside its websocket, and the pictures of the examples ahead of a click. Small images are never enlarged on
the wire.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from PIL import Image as PILImage

import nbshare
from nbshare.server.pictures import OVERHEAD, Pictures
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
            session = link.server.sessions[client.session or ""]
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


def test_a_page_far_away_gets_no_picture_bytes_in_its_first_tree(link: Any) -> None:
    async def scenario() -> dict[str, Any]:
        cookie = await token_cookie(link.local_url)
        client, tree = await PageClient.from_page(link.server.local_url, cookie, headers=FAR)
        client.close()
        return tree

    tree = run(scenario())
    examples = next(
        item
        for item in tree["messages"]
        if item["message"]["content"].get("data", {}).get("state", {}).get("_anywidget_id", "").endswith(".Examples")
    )
    state = examples["message"]["content"]["data"]["state"]
    assert state["rows"] == [[""], [""]] and all(row[0].startswith("pictures/") for row in state["thumbnails"])
    assert sum(len(buffer) for item in tree["messages"] for buffer in item["buffers"]) == 0  # by address, never bytes


UNIT = 100 + OVERHEAD  # what keeping a 100-byte picture costs


def test_the_picture_store_keeps_the_newest_within_its_budget() -> None:
    store = Pictures(max_bytes=2 * UNIT + 50)
    first = store.publish(b"a" * 100, "image/webp")
    second = store.publish(b"b" * 100, "image/webp")
    assert store.publish(b"a" * 100, "image/webp") == first  # the same bytes, the same address (and now newest)
    third = store.publish(b"c" * 100, "image/png")
    assert third.endswith(".png")
    assert store.get(second.split("/")[1]) is None  # the least recently published went
    assert store.get(first.split("/")[1]) == (b"a" * 100, "image/webp")
    assert store.get(third.split("/")[1]) == (b"c" * 100, "image/png")
    assert store.total_bytes == 2 * UNIT


def name(address: str) -> str:
    return address.split("/")[1]


def test_a_visitor_flooding_the_picture_store_pushes_out_only_their_own() -> None:
    store = Pictures(max_bytes=12 * UNIT, per_owner_bytes=4 * UNIT)
    owners = ["ada", "eve", "mallory", "trent", "victor"]
    for owner in owners:
        store.open(owner)
    shared = name(store.publish(b"S" * 100, "image/webp", owner="ada"))  # an example both see
    assert name(store.publish(b"S" * 100, "image/webp", owner="eve")) == shared
    kept = name(store.publish(b"\x00" * 100, "image/webp", owner="ada"))
    flood = [name(store.publish(bytes([100 + n]) * 100, "image/webp", owner="eve")) for n in range(50)]
    assert store.get(shared) and store.get(kept)  # nothing of ada's went
    assert [picture for picture in flood if store.get(picture)] == flood[-4:]  # eve keeps her newest, within 4
    assert store.held_bytes("eve") == 4 * UNIT and store.total_bytes == 6 * UNIT
    # Several flooding sessions at once: the store stays within its budget, taking from whoever holds the most; a
    # visitor holding less than an equal share (here 12 / 5 pictures) loses nothing.
    for owner in owners[2:]:
        for n in range(10):
            store.publish(f"{owner}{n:02}".encode().ljust(100, b"."), "image/webp", owner=owner)
    assert store.total_bytes <= 12 * UNIT
    assert store.get(shared) and store.get(kept)
    held = [store.held_bytes(owner) for owner in owners[1:]]
    assert max(held) - min(held) <= UNIT and min(held) >= 2 * UNIT  # evened out, within a picture
    # A session that ends lets go: what no one else holds is dropped; the shared example stays for the other.
    store.release("eve")
    assert store.held_bytes("eve") == 0 and store.get(flood[-1]) is None and store.get(shared)
    # ...and keeps nothing from then on (a job still running when it closed).
    late = name(store.publish(b"late" * 25, "image/webp", owner="eve"))
    assert store.get(late) is None and store.held_bytes("eve") == 0
    store.release("ada")
    assert store.get(shared) is None and store.get(kept) is None
    # The newest picture is kept whatever its size: the page that asked for it can fetch it.
    store.open("zoe")
    huge = name(store.publish(b"h" * 5000, "image/webp", owner="zoe"))
    assert store.get(huge) and store.held_bytes("zoe") == 5000 + OVERHEAD
    for owner in [*owners[2:], "zoe"]:
        store.release(owner)
    assert store.total_bytes == 0  # nothing left behind


def test_a_far_visitor_uploading_many_pictures_never_costs_another_visitor_theirs() -> None:
    iface = nbshare.Interface(lambda image: image, nbshare.Image(), nbshare.Image(), examples=[[SMALL]], title="Flood")
    link = iface.launch(
        inline=False, max_picture_bytes=100_000, max_picture_bytes_per_session=40_000, grace_seconds=0.2
    )
    noise = np.random.default_rng(5)
    pictures = link.server.pictures

    async def flood(client: PageClient) -> list[str]:
        """Eight uploads, each a new 64x64 noise picture (~12 KB as lossless WebP); the addresses the page got."""
        image = client.find("Image")
        shown = lambda: [c[1]["picture"]["url"] for c in client.customs if c[0] == image and c[1].get("picture")]  # noqa: E731
        for number in range(8):
            data = io.BytesIO()
            PILImage.fromarray(noise.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(data, "PNG")
            before = len(shown())
            content = {"event": "upload", "name": f"{number}.png"}
            client.send("comm_msg", image, {"method": "custom", "content": content}, [data.getvalue()])
            await client.until(lambda: len(shown()) > before)  # noqa: B023 - awaited at once
        return shown()

    async def scenario() -> dict[str, Any]:
        cookie = await token_cookie(link.local_url)
        base = link.server.local_url
        codes = lambda urls: asyncio.gather(*(fetch(base + url, cookie) for url in urls))  # noqa: E731
        ada = await PageClient.connect(base, cookie, headers=FAR)
        ada_picture = (await choose_example(ada, 0))[1]["picture"]["url"]
        # The attacker opens four sessions (four tabs) and floods from each: 4 x 40 KB over the store's 100 KB.
        eves = [await PageClient.connect(base, cookie, headers=FAR) for _ in range(4)]
        floods = [await flood(eve) for eve in eves]
        seen: dict[str, Any] = {
            "ada": (await fetch(base + ada_picture, cookie)).code,
            "eve": [[response.code for response in await codes(urls)] for urls in floods],
            "eve holds": [pictures.held_bytes(eve.session or "") for eve in eves],
            "total": pictures.total_bytes,
        }
        for eve in eves:  # her sessions end after the grace period, and let go of their pictures
            eve.close()
        deadline = asyncio.get_running_loop().time() + 10
        while any(eve.session in link.server.sessions for eve in eves):
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.05)
        seen["eve after"] = [response.code for response in await codes([urls[-1] for urls in floods])]
        seen["ada after"] = (await fetch(base + ada_picture, cookie)).code
        seen["total after"] = pictures.total_bytes
        ada.close()
        return seen

    try:
        seen = run(scenario())
    finally:
        link.close()
    assert seen["ada"] == 200  # the other visitor's picture is still there
    for codes in seen["eve"]:
        assert codes[-1] == 200 and codes[0] == 404  # each flooding session's newest kept, its oldest gone
    assert max(seen["eve holds"]) <= 40_000 and seen["total"] <= 100_000
    assert seen["eve after"] == [404] * 4 and seen["ada after"] == 200
    assert 0 < seen["total after"] < 10_000  # only ada's example is left
