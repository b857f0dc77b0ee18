"""Real Chromium on the shared page: upload an MP4 made here with PyAV, play it from the page's own copy, drag the
trim handles, type Start and End, paint an occlusion, Submit: the function receives exactly
``replay_video(original, edits)``. An output's frames play on a phone, with controls fingers can hit."""

from __future__ import annotations

import math
import re
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
        # Python sent an MP4 of frames
        page.wait_for_function(PLAYABLE, arg=clip.locator("video.nbshare-video-player").element_handle())
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
        page.wait_for_function(PLAYABLE, arg=output.locator("video.nbshare-video-player").element_handle())
        expect(output.locator(".nbshare-video-info")).to_have_text("1.20 s of 1.20 s · 160×120 · 25 fps")
        expect(output.get_by_role("button", name="Paint occlusion")).to_be_hidden()
        output.get_by_role("button", name="▶ Play").click()
        expect(output.get_by_role("button", name="■ Pause")).to_be_visible()
        assert visitor.errors == []
    finally:
        visitor.close()
        link.close()


def test_a_clip_recorded_with_the_camera_reaches_the_function(browser: Any) -> None:
    received: list[np.ndarray] = []

    def count(video: np.ndarray) -> dict:
        received.append(video)
        return {"frames": len(video)}

    iface = nbshare.Interface(count, nbshare.Video(label="Clip", sources=("upload", "camera")), "json")
    link = iface.launch(inline=False)
    visitor = Visitor(browser, link.local_url, viewport={"width": 390, "height": 844})  # on a phone
    page = visitor.page
    try:
        visitor.context.grant_permissions(["camera", "microphone"])
        view = next(v for v in iface._views if v.session_id != "notebook")
        component = view.inputs[0]
        record = page.get_by_role("button", name="● Record")
        assert record.bounding_box()["height"] >= 44
        record.click()
        live = page.get_by_label("The camera, recording")
        page.wait_for_function("video => video.readyState >= 2 && video.currentTime > 1", arg=live.element_handle())
        stop = page.get_by_role("button", name="■ Stop")
        assert stop.bounding_box()["height"] >= 44
        stop.click()
        until(lambda: component.value is not None, within=30)
        expect(page.locator(".nbshare-video-info")).to_contain_text(" s of ")
        assert component.value.name == "recording.webm" and component.value.info.duration > 0.5
        player = page.locator("video.nbshare-video-player").element_handle()
        page.wait_for_function("video => video.readyState >= 1", arg=player)
        before = len(received)
        page.get_by_role("button", name="Submit").click()
        until(lambda: len(received) == before + 1, within=30)
        got = received[-1]
        assert got.ndim == 4 and got.shape[0] > 0 and got.shape[3] == 3, got.shape
        assert got.std() > 5  # the fake camera's moving picture, not a blank frame
        expect(page.get_by_role("button", name="Record again")).to_be_visible()
        assert visitor.errors == []
    finally:
        visitor.close()
        link.close()


def test_the_filmstrip_and_the_moments_that_matter_are_drawn_on_the_timeline(browser: Any) -> None:
    iface = nbshare.Interface(lambda video: {"frames": len(video)}, nbshare.Video(label="Clip", value=frames()), "json")
    link = iface.launch(inline=False)
    visitor = Visitor(browser, link.local_url)
    page = visitor.page
    try:
        view = next(v for v in iface._views if v.session_id != "notebook")
        component = view.inputs[0]
        player = page.locator("video.nbshare-video-player")
        page.wait_for_function(PLAYABLE, arg=player.element_handle())
        strip = page.locator(".nbshare-video-filmstrip")
        scores = page.locator(".nbshare-video-scores")
        expect(scores).to_be_hidden()  # no explanation yet
        expect(strip).to_be_visible()  # Python's thumbnails of the clip
        assert component.filmstrip and component.filmstrip_times
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=strip.element_handle())
        box, line = strip.bounding_box(), page.locator(".nbshare-video-timeline").bounding_box()
        assert abs(box["width"] - line["width"]) < 3  # under the handles, across the kept part

        assert abs(component.end - component.start - 1.2) < 1e-6  # 30 frames at 25 fps
        times = [i / 25 for i in range(COUNT)]
        component.frame_score_times = times
        component.frame_scores = [1.0 if 0.76 <= t < 0.9 else 0.1 for t in times]  # 0.76-0.88 s matter most
        expect(scores).to_be_visible()
        bars = page.get_by_role("img", name="Per-moment scores")
        expect(bars).to_have_attribute("aria-label", re.compile(r"matter most: 0\.(76|80|84|88) s"))
        expect(scores).to_contain_text("blue = least, red = most")
        colours = bars.evaluate(
            """canvas => [0.2, 0.68].map(f => Array.from(canvas.getContext("2d").getImageData(
                Math.round(canvas.width * f), canvas.height - 2, 1, 1).data.slice(0, 3)))"""
        )
        (r0, _g0, b0), (r1, _g1, b1) = colours
        assert b0 > r0 and r1 > b1, colours  # blue where little matters, red at the moment that matters

        page.screenshot(path=str(ARTIFACTS / "video-filmstrip.png"), full_page=True)
        component.frame_scores = []
        expect(scores).to_be_hidden()
        assert visitor.errors == []
    finally:
        visitor.close()
        link.close()


NOTEBOOK_SETUP = """
import numpy as np, nbshare
from nbshare.values.video_clip import encode_mp4
x = np.linspace(40, 120, 160)[None, :] + np.linspace(0, 40, 120)[:, None]
clip_frames = np.repeat(np.repeat(x[None, ..., None], 3, axis=3), 30, axis=0).astype(np.uint8)
for i in range(30):
    clip_frames[i, 40:80, 4 * i : 4 * i + 30] = 230
open('clip.mp4', 'wb').write(encode_mp4(clip_frames, 10))
received = []
def count(video):
    received.append(video)
    return {'frames': len(video)}
iface = nbshare.Interface(count, nbshare.Video(label='Clip'), 'json', title='Video in the notebook')
"""


def test_upload_trim_and_submit_in_jupyterlab(open_notebook: Any, jupyter_server: Any) -> None:
    notebook = open_notebook([NOTEBOOK_SETUP, "iface"])
    app = notebook.app("Video in the notebook")
    kernel = notebook.kernel
    page = notebook.page
    with page.expect_file_chooser() as chooser:
        app.get_by_role("button", name="Choose video").click()
    chooser.value.set_files(str(jupyter_server.root / "clip.mp4"))
    expect(app.locator(".nbshare-video-info")).to_have_text("3.00 s of 3.00 s · 160×120 · 10 fps")
    page.wait_for_function(PLAYABLE, arg=app.locator("video.nbshare-video-player").element_handle())
    app.get_by_label("Start", exact=True).fill("0.5")
    app.get_by_label("End", exact=True).fill("2")
    app.get_by_label("End", exact=True).press("Enter")
    expect(app.locator(".nbshare-video-info")).to_contain_text("1.50 s of 3.00 s")
    before = kernel.eval("len(received)")
    app.get_by_role("button", name="Submit").click()
    expect(app.locator(".nbshare-json")).to_contain_text('"frames": 15')
    assert kernel.eval("len(received)") == before + 1
    assert kernel.eval("[edit['op'] for edit in iface._views[-1].inputs[0].value.edits]") == ["trim"]
    replayed = "nbshare.replay_video(open('clip.mp4', 'rb').read(), iface._views[-1].inputs[0].value.edits)"
    assert kernel.eval(f"bool(np.array_equal(received[-1], {replayed}))") is True
    assert kernel.eval("list(received[-1].shape)") == [15, H, W, 3]
    app.screenshot(path=str(ARTIFACTS / "video-notebook.png"))
