"""Real Chromium on the shared page: press Explain, see the saliency map over the image, hide it, change its opacity;
cancel a long explanation and keep working."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import expect
from test_browser_share import Visitor

import nbshare

from conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def _scan() -> np.ndarray:
    """A grey 'chest X-ray' with a bright device in the upper right: the only thing the model looks at."""
    yy, xx = np.mgrid[0:160, 0:160]
    body = 90 + 60 * np.exp(-(((xx - 80) / 55) ** 2 + ((yy - 90) / 70) ** 2))
    pixels = np.repeat(body[..., None], 3, axis=2).astype(np.uint8)
    pixels[30:60, 100:130] = 245
    return pixels


def test_explain_shows_the_map_and_a_long_run_can_be_cancelled(browser: Any, tmp_path: Path) -> None:
    slow = {"seconds": 0.0}

    def pacemaker(images: list[np.ndarray]) -> list[dict[str, float]]:
        time.sleep(slow["seconds"])
        results = []
        for image in images:
            device = float((image[30:60, 100:130] > 200).mean())
            results.append({"pacemaker": device, "no device": 1 - device})
        return results

    iface = nbshare.Interface(
        pacemaker,
        nbshare.Image(label="Scan", display_size=320),
        nbshare.Label(label="Finding"),
        examples=[_scan()],
        batch=True,
        max_batch_size=16,
        interpretation=nbshare.Occlusion(patch=16, stride=8),
        title="Pacemaker check",
        flagging_dir=tmp_path / "flags",
    )
    link = iface.launch(inline=False)
    visitor = Visitor(browser, link.local_url)
    page = visitor.page
    view = lambda: next(v for v in iface._views if v.session_id != "notebook")  # noqa: E731
    try:
        page.get_by_role("button", name="Example 1: image").click()
        expect(page.locator(".nbshare-label-output, .nbshare-app")).to_contain_text("pacemaker")
        heatmap = page.locator("img.nbshare-heatmap")
        expect(heatmap).to_be_hidden()

        page.get_by_role("button", name="Explain").click()
        expect(page.get_by_role("status").filter(has_text="What moves the confidence in 'pacemaker'")).to_be_visible()
        expect(heatmap).to_be_visible()
        image_box = page.locator(".nbshare-stage canvas").first.bounding_box()  # ipycanvas's image layer
        shown = heatmap.bounding_box()
        assert shown == image_box and (shown["width"], shown["height"]) == (320, 320)  # exactly over the image
        heat = view().explainer.latest.inputs[0].map
        row, column = np.unravel_index(np.argmax(heat), heat.shape)
        assert 30 <= row < 60 and 100 <= column < 130  # the map points at the device
        page.screenshot(path=str(ARTIFACTS / "explain-shared.png"), full_page=True)

        overlay = page.get_by_label("Overlay opacity")
        overlay.fill("0.8")
        expect(heatmap).to_have_css("opacity", "0.8")
        deadline = time.monotonic() + 10
        while view().inputs[0].overlay_opacity != 0.8 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert view().inputs[0].overlay_opacity == 0.8
        page.locator(".nbshare-choice", has_text="Overlay").locator("input[type=checkbox]").uncheck()
        expect(heatmap).to_be_hidden()
        page.locator(".nbshare-choice", has_text="Overlay").locator("input[type=checkbox]").check()
        expect(heatmap).to_be_visible()

        page.get_by_role("button", name="Flag").click()
        expect(page.get_by_role("status").filter(has_text="Flagged")).to_be_visible()
        flags = iface.flags
        assert np.array_equal(np.load(flags.loc[0, "Scan explanation"]), heat)

        # Paint over the device where the map points: the map stays over the painted image.
        box = page.locator("canvas.nbshare-draft").bounding_box()
        page.mouse.move(box["x"] + box["width"] * 0.72, box["y"] + box["height"] * 0.28)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.74, box["y"] + box["height"] * 0.30, steps=5)
        page.mouse.up()
        deadline = time.monotonic() + 10
        while view().inputs[0].edit_count != 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert view().inputs[0].edit_count == 1
        expect(heatmap).to_be_visible()

        slow["seconds"] = 0.4  # each batch of 16 now takes 0.4 s: 361 patches would take 10 s
        page.get_by_role("button", name="Explain").click()
        progress = page.get_by_label("Explanation progress")
        expect(progress).to_be_visible()
        expect(page.locator(".nbshare-explain-count")).to_contain_text("/ 361")
        page.get_by_role("button", name="Cancel").click()
        expect(page.get_by_role("status").filter(has_text="Explanation cancelled.")).to_be_visible()
        control = view().explainer.control
        assert control.state == "cancelled" and 0 < control.done < control.total == 361
        expect(progress).to_be_hidden()

        slow["seconds"] = 0.0
        page.get_by_role("button", name="Submit").click()  # the queue and the session carry on
        expect(page.locator(".nbshare-app")).to_contain_text("Done in")
        assert visitor.errors == []
    finally:
        visitor.close()
        link.close()
