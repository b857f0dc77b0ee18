"""Real Chromium on the shared page: upload an MP4 made here with PyAV, play it from the page's own copy, drag the
trim handles, type Start and End, paint an occlusion, Submit: the function receives exactly
``replay_video(original, edits)``. An output's frames play on a phone, with controls fingers can hit."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import expect
from test_browser_share import Visitor

import nbshare
from nbshare.values.video_clip import encode_mp4

from conftest import ARTIFACTS
from waiting import until

pytestmark = pytest.mark.browser

W, H, FPS, COUNT = 160, 120, 10, 30  # 3 s
PLAYABLE = "video => video.readyState >= 2 && video.videoWidth === 160"


def frames() -> np.ndarray:
    """A bright square moving over a gradient: frame i is told apart by the square's place."""
    x = np.linspace(40, 120, W)[None, :] + np.linspace(0, 40, H)[:, None]
    out = np.repeat(np.repeat(x[None, ..., None], 3, axis=3), COUNT, axis=0).astype(np.uint8)
    for index in range(COUNT):
        out[index, 40:80, 4 * index : 4 * index + 30] = 230
    return out


def drag(page: Any, handle: Any, x: float) -> None:
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(x, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()


def test_upload_trim_occlude_and_submit_on_the_shared_page(browser: Any, tmp_path: Path) -> None:
    clip = encode_mp4(frames(), FPS)
    (tmp_path / "clip.mp4").write_bytes(clip)
    (tmp_path / "notes.mp4").write_bytes(b"these are notes, not a video")
    received: list[np.ndarray] = []

    def count(video: np.ndarray) -> dict:
        received.append(video)
        return {"frames": len(video)}

    iface = nbshare.Interface(count, nbshare.Video(label="Clip"), "json", title="Video")
    link = iface.launch(inline=False)
    visitor = Visitor(browser, link.local_url)
    page = visitor.page
    try:
        view = next(v for v in iface._views if v.session_id != "notebook")
        component = view.inputs[0]

        def choose(path: Path) -> None:
            with page.expect_file_chooser() as chooser:
                page.get_by_role("button", name="Choose video").click()
            chooser.value.set_files(str(path))

        choose(tmp_path / "notes.mp4")
        expect(page.get_by_role("alert")).to_have_text(
            "notes.mp4 is not a video nbshare reads: send an MP4, MOV or WebM file"
        )
        choose(tmp_path / "clip.mp4")
        expect(page.locator(".nbshare-video-info")).to_have_text("3.00 s of 3.00 s · 160×120 · 10 fps")
        assert component.media == b""  # the page plays its own copy: the file never came back
        player = page.locator("video.nbshare-video-player")
        page.wait_for_function(PLAYABLE, arg=player.element_handle())

        timeline = page.locator(".nbshare-video-timeline").bounding_box()
        at = lambda seconds: timeline["x"] + timeline["width"] * seconds / 3  # noqa: E731
        drag(page, page.get_by_role("slider", name="Start of the part to keep"), at(0.5))
        drag(page, page.get_by_role("slider", name="End of the part to keep"), at(2.6))
        start = float(page.get_by_label("Start", exact=True).input_value())
        end = float(page.get_by_label("End", exact=True).input_value())
        assert abs(start - 0.5) < 0.1 and abs(end - 2.6) < 0.1, (start, end)
        page.get_by_role("button", name="Trim", exact=True).click()
        until(lambda: component.edit_count == 1)
        expect(page.get_by_label("End", exact=True)).to_have_value(f"{component.end - component.start:.2f}")

        page.get_by_label("Start", exact=True).fill("0.2")
        page.get_by_label("End", exact=True).fill("1.5")
        page.get_by_label("End", exact=True).press("Enter")
        until(lambda: component.edit_count == 2)
        expect(page.locator(".nbshare-video-info")).to_contain_text("1.30 s of 3.00 s")

        page.get_by_role("button", name="Paint occlusion").click()
        paint = page.locator(".nbshare-video-paint").bounding_box()
        y = paint["y"] + paint["height"] * 0.25
        page.mouse.move(paint["x"] + paint["width"] * 0.2, y)
        page.mouse.down()
        page.mouse.move(paint["x"] + paint["width"] * 0.7, y, steps=8)
        page.mouse.up()
        until(lambda: component.edit_count == 3)
        expect(page.locator(".nbshare-video-info")).to_contain_text("1 occlusion")
        page.screenshot(path=str(ARTIFACTS / "video-shared.png"), full_page=True)

        before = len(received)  # the interface may have tried its example already
        page.get_by_role("button", name="Submit").click()
        until(lambda: len(received) == before + 1, within=30)
        edits = component.value.edits
        assert [edit["op"] for edit in edits] == ["trim", "trim", "occlude"]
        expected = nbshare.replay_video(clip, edits)
        got = received[-1]
        assert got.shape == expected.shape and np.array_equal(got, expected)
        window = component.end - component.start
        assert len(got) == math.ceil(window * FPS - 1e-6) == 13
        occlude = edits[2]
        x, y = (round(v) for v in occlude["points"][0])
        assert 0.15 * W < x < 0.25 * W and 0.2 * H < y < 0.3 * H and occlude["color"] == "#000000"
        assert (got[:, y, x] == 0).all()  # covered on every kept frame
        assert (got[:, 110, 150] > 60).all()  # and the rest is the clip's own
        expect(page.locator(".nbshare-json")).to_contain_text('"frames": 13')

        page.get_by_role("button", name="Undo").click()
        until(lambda: component.edit_count == 4 and component.occlusions == [])
        assert visitor.errors == []
    finally:
        visitor.close()
        link.close()


def test_an_output_clip_plays_on_a_phone_with_controls_fingers_can_hit(browser: Any) -> None:
    iface = nbshare.Interface(
        lambda video: video[::-1], nbshare.Video(label="Clip", value=frames()), nbshare.Video(label="Reversed")
    )
    link = iface.launch(inline=False)
    visitor = Visitor(browser, link.local_url, viewport={"width": 390, "height": 844})
    page = visitor.page
    try:
        clip = page.locator(".nbshare-video").filter(has_text="Clip")
        page.wait_for_function(PLAYABLE, arg=clip.locator("video").element_handle())  # Python sent an MP4 of frames
        for control in (
            clip.get_by_role("button", name="▶ Play"),
            clip.get_by_label("Start", exact=True),
            clip.get_by_role("slider", name="End of the part to keep"),
            clip.get_by_role("button", name="Paint occlusion"),
        ):
            box = control.bounding_box()
            assert box["height"] >= 44 and box["width"] >= 44, box
        page.get_by_role("button", name="Submit").click()
        output = page.locator(".nbshare-video").filter(has_text="Reversed")
        expect(output.get_by_role("button", name="Download")).to_be_visible()
        page.wait_for_function(PLAYABLE, arg=output.locator("video").element_handle())
        expect(output.locator(".nbshare-video-info")).to_have_text("1.20 s of 1.20 s · 160×120 · 25 fps")
        expect(output.get_by_role("button", name="Paint occlusion")).to_be_hidden()
        output.get_by_role("button", name="▶ Play").click()
        expect(output.get_by_role("button", name="■ Pause")).to_be_visible()
        assert visitor.errors == []
    finally:
        visitor.close()
        link.close()
