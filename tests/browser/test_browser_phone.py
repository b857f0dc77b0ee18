"""Real Chromium on the standalone page as a clinician's phone shows it (390x844, touch): every control a 44x44 target,
painting by finger (also zoomed in), the explanation marked out of date after painting, the answer and Flag within
reach; and the same page on a desktop, for the screenshots."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import expect

import nbshare

from conftest import ARTIFACTS
from waiting import until

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
TARGET = 44  # CSS px: the least width and height of anything a finger must hit (WCAG 2.5.5, Apple's and Google's HIG)
DISPLAY = 320  # the editor's shown size of the 160x160 scan: 2 shown pixels per image pixel


class Finding(dict):
    """What the model says: named by its return annotation, so the page says "Finding", not "Output"."""


def _scan(device: bool = True) -> np.ndarray:
    """A grey 'chest X-ray' with a bright device in the upper right: the only thing the model looks at."""
    yy, xx = np.mgrid[0:160, 0:160]
    body = 90 + 60 * np.exp(-(((xx - 80) / 55) ** 2 + ((yy - 90) / 70) ** 2))
    pixels = np.repeat(body[..., None], 3, axis=2).astype(np.uint8)
    if device:
        pixels[30:60, 100:130] = 245
    return pixels


def pacemaker(images: list[np.ndarray]) -> list[Finding]:
    results = []
    for image in images:
        device = float((image[30:60, 100:130] > 200).mean())
        results.append(Finding({"pacemaker": device, "no device": 1 - device}))
    return results


@pytest.fixture
def link(tmp_path: Path) -> Iterator[Any]:
    iface = nbshare.Interface(
        pacemaker,
        nbshare.Image(label="Scan", display_size=DISPLAY),
        nbshare.Label(),
        examples=[nbshare.Example(_scan(), label="with device"), nbshare.Example(_scan(False), label="no device")],
        batch=True,
        max_batch_size=64,
        interpretation=nbshare.Occlusion(patch=16, stride=8),
        title="Pacemaker check",
        description="Is there a pacemaker in this scan? Paint over what you think the model looks at.",
        flagging_options=["wrong", "unsure"],
        flagging_dir=tmp_path / "flags",
    )
    shared = iface.launch(inline=False)
    yield shared
    shared.close()


@pytest.fixture
def open_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """``open_page(url, **context options)``: a page of its own browser context, open on the shared page."""
    contexts: list[Any] = []

    def open_(url: str, **options: Any) -> Any:
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.goto(url)
        expect(page.locator("#nbshare-root")).to_have_attribute("aria-busy", "false", timeout=20_000)
        return page

    yield open_
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for number, context in enumerate(contexts):
        if failed:
            context.pages[0].screenshot(
                path=str(ARTIFACTS / f"{request.node.name}-{number}.failed.png"), full_page=True
            )
        context.close()


def _editor(link: Any) -> Any:
    (session,) = link.server.sessions.values()
    return session.view.inputs[0]


def _view(link: Any) -> Any:
    (session,) = link.server.sessions.values()
    return session.view


def _answer_with_example(page: Any) -> None:
    page.get_by_role("button", name="Example 1: with device").tap()
    expect(page.get_by_role("status", name="Finding")).to_contain_text("pacemaker")


def _explain(page: Any) -> None:
    page.get_by_role("button", name="Explain").tap()
    expect(page.locator("img.nbshare-heatmap")).to_be_visible(timeout=20_000)
    expect(page.get_by_role("status").filter(has_text="What moves the confidence")).to_be_visible()


def _touches(page: Any, frames: list[list[dict[str, float]]]) -> None:
    """Fingers down at ``frames[0]``, moved through the other frames and lifted: real touch events, through DevTools.

    The events are a display frame (16 ms) apart and the fingers rest on the last frame for 200 ms before lifting,
    as a hand that paints does; lifted while moving, they would fling, and Chromium spends the next tap on stopping
    the fling.
    """
    cdp = page.context.new_cdp_session(page)
    start = time.time()
    frames = [*frames, *[frames[-1]] * 12]  # then still for 200 ms
    for index, points in enumerate(frames):
        kind = "touchStart" if index == 0 else "touchMove"
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points, "timestamp": start + index * 0.016})
    cdp.send(
        "Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": [], "timestamp": start + len(frames) * 0.016}
    )
    cdp.detach()


def _touch_drag(page: Any, points: list[tuple[float, float]]) -> None:
    """One finger down at the first point, through the others, and up."""
    steps = [points[0]]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        steps += [(x0 + (x1 - x0) * k / 6, y0 + (y1 - y0) * k / 6) for k in range(1, 7)]
    _touches(page, [[{"x": x, "y": y}] for x, y in steps])


def _pinch(page: Any, centre: tuple[float, float], start: float, end: float) -> None:
    """Two fingers at ``start`` px apart around ``centre``, spread to ``end`` px apart, then lifted."""
    x, y = centre
    gaps = [start + (end - start) * k / 8 for k in range(9)]
    _touches(page, [[{"x": x - gap / 2, "y": y, "id": 1}, {"x": x + gap / 2, "y": y, "id": 2}] for gap in gaps])


SMALL_TARGETS = """() => {
  const visible = (node) => node.getClientRects().length > 0 && getComputedStyle(node).visibility !== "hidden";
  const kinds = ["button", "input", "select", "textarea", "[role=button]", "[role=gridcell]"];
  const controls = document.querySelectorAll(kinds.map((kind) => `#nbshare-root ${kind}`).join(", "));
  return [...controls].filter(visible).map((node) => {
    // A checkbox or radio button is hit through its label, which wraps it.
    const target = ["checkbox", "radio"].includes(node.type) ? node.closest("label") ?? node : node;
    const box = target.getBoundingClientRect();
    const name = node.getAttribute("aria-label") || node.textContent.trim() || node.type || node.getAttribute("role");
    return { name, width: box.width, height: box.height };
  });
}"""


def test_every_control_on_the_phone_page_is_a_44px_target(link: Any, open_page: Any) -> None:
    page = open_page(link.local_url, **PHONE)
    controls = page.evaluate(SMALL_TARGETS)
    assert {"Choose image", "Submit", "Clear", "Flag", "Explain", "Example 1: with device"} <= {
        c["name"] for c in controls
    }
    _answer_with_example(page)
    _explain(page)  # every control is out now: the editor's toolbar, zoom, the overlay's, Flag's
    controls = page.evaluate(SMALL_TARGETS)
    names = {c["name"] for c in controls}
    assert {"Brush", "Undo", "Brush size", "Brush colour", "Rotate 90° clockwise", "Zoom in", "Zoom to fit"} <= names
    assert {"Overlay opacity", "Replace image", "Reason", "Flag message"} <= names
    small = [c for c in controls if c["width"] < TARGET - 0.5 or c["height"] < TARGET - 0.5]
    assert small == [], f"controls under {TARGET}x{TARGET} CSS px on a phone: {small}"
    toolbar = page.get_by_role("toolbar", name="Image tools").bounding_box()
    assert toolbar["height"] <= 3 * TARGET + 2 * 8, "the editor's toolbar takes at most three rows of buttons"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px wide)"
    assert page.errors == []


def test_every_kind_of_input_is_a_44px_target_on_a_phone(open_page: Any, tmp_path: Path) -> None:
    rate = 16_000
    tone = (0.3 * np.sin(np.linspace(0, 2_000, rate))).astype(np.float32)
    report = tmp_path / "report.txt"
    report.write_text("no findings")
    inputs = [
        nbshare.Textbox(label="Note"),
        nbshare.Number(label="Age", value=40),
        nbshare.Slider(minimum=0, maximum=10, label="Dose"),
        nbshare.Checkbox(label="Urgent"),
        nbshare.Radio(choices=["L", "R"], label="Side", value="L"),
        nbshare.Dropdown(choices=["ICU", "ward"], label="Ward", value="ICU"),
        nbshare.Audio(label="Heart sound", value=(rate, tone)),
        nbshare.Dataframe(label="Labs", value=[[1.0, 2.0]], headers=["a", "b"]),
        nbshare.File(label="Report", value=str(report)),
    ]
    gate = threading.Event()

    def intake(*values: Any) -> dict[str, bool]:
        gate.wait(10)  # holds the answer, so the status line's Cancel is on the page
        return {"ok": True}

    iface = nbshare.Interface(intake, inputs, "json", title="Intake", flagging_dir=tmp_path)
    shared = iface.launch(inline=False, validate=False)
    try:
        page = open_page(shared.local_url, **PHONE)
        expect(page.get_by_role("button", name="Trim to selection")).to_be_visible()
        page.get_by_role("button", name="Submit").tap()
        expect(page.get_by_role("button", name="Cancel")).to_be_visible()
        controls = page.evaluate(SMALL_TARGETS)
        gate.set()
        assert {
            "text",
            "number",
            "range",
            "checkbox",
            "radio",
            "▶ Play",
            "Add noise",
            "Add row",
            "Download",
            "Cancel",
        } <= {c["name"] for c in controls}
        small = [c for c in controls if c["width"] < TARGET - 0.5 or c["height"] < TARGET - 0.5]
        assert small == [], f"controls under {TARGET}x{TARGET} CSS px on a phone: {small}"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.errors == []
    finally:
        shared.close()


def test_painting_by_touch_reaches_python_and_dims_the_map_it_outdates(link: Any, open_page: Any) -> None:
    page = open_page(link.local_url, **PHONE)
    _answer_with_example(page)
    _explain(page)
    heatmap = page.locator("img.nbshare-heatmap")
    expect(heatmap).to_have_css("opacity", "0.5")
    editor = _editor(link)
    assert editor.overlay_png and not editor.explanation_stale

    draft = page.locator("canvas.nbshare-draft")
    draft.scroll_into_view_if_needed()
    box = draft.bounding_box()
    # A finger across the device (image x 100..130, y 30..60), from image (105, 45) to (125, 45).
    at = lambda x, y: (box["x"] + x / 160 * box["width"], box["y"] + y / 160 * box["height"])  # noqa: E731
    _touch_drag(page, [at(105, 45), at(125, 45)])
    until(lambda: editor.edit_count == 1)
    (stroke,) = editor.value.edits
    assert stroke["op"] == "paint"
    xs, ys = [p[0] for p in stroke["points"]], [p[1] for p in stroke["points"]]
    assert min(xs) == pytest.approx(105, abs=1.5) and max(xs) == pytest.approx(125, abs=1.5)
    assert all(y == pytest.approx(45, abs=1.5) for y in ys)
    painted = np.asarray(editor.value.edited())
    assert (painted[45, 110:120] == 0).all()  # the black brush, in the image the model will get

    # The map now explains an image that is no longer there: still shown, but dimmed, and it says so.
    until(lambda: editor.explanation_stale and _view(link).explainer.control.stale)
    expect(page.get_by_text("Explanation out of date", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Explain again")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Explanation is out of date")).to_be_visible()
    assert float(heatmap.evaluate("node => getComputedStyle(node).opacity")) <= 0.2
    page.screenshot(path=str(ARTIFACTS / "phone-stale-explanation.png"), full_page=True)

    page.get_by_role("button", name="Submit").tap()  # the painted image's answer ...
    confidence = lambda: _view(link).outputs[0].value["confidences"][0]["confidence"]  # noqa: E731
    until(lambda: confidence() < 0.9)
    expect(page.get_by_role("status", name="Finding")).not_to_contain_text("100.0%")
    page.get_by_role("button", name="Explain again").tap()  # ... and its explanation: current again
    until(lambda: not editor.explanation_stale)
    expect(page.get_by_text("Explanation out of date", exact=True)).to_be_hidden()
    expect(heatmap).to_have_css("opacity", "0.5")
    assert page.errors == []


def test_zoomed_in_a_finger_paints_exactly_where_it_touches(link: Any, open_page: Any) -> None:
    page = open_page(link.local_url, **PHONE)
    _answer_with_example(page)
    editor = _editor(link)
    page.get_by_role("button", name="Zoom in").tap()
    page.get_by_role("button", name="Zoom in").tap()
    expect(page.get_by_label("Zoom level")).to_have_text("200%")
    viewport = page.locator(".nbshare-viewport")
    viewport.scroll_into_view_if_needed()
    shown = viewport.evaluate(
        "node => { const box = node.getBoundingClientRect(); return {x: box.left + node.clientLeft, "
        "y: box.top + node.clientTop, width: node.clientWidth, height: node.clientHeight}; }"
    )
    # At 200%, zoomed about the centre, the viewport shows the image's middle half: x and y from 40 to 120.
    at = lambda fx, fy: (shown["x"] + fx * shown["width"], shown["y"] + fy * shown["height"])  # noqa: E731
    _touch_drag(page, [at(0.25, 0.5), at(0.75, 0.5)])
    until(lambda: editor.edit_count == 1)
    (stroke,) = editor.value.edits
    xs, ys = [p[0] for p in stroke["points"]], [p[1] for p in stroke["points"]]
    assert min(xs) == pytest.approx(60, abs=1.5) and max(xs) == pytest.approx(100, abs=1.5)
    assert all(y == pytest.approx(80, abs=1.5) for y in ys)
    # The brush keeps its size on screen: 24 shown pixels at 200% are 6 image pixels (2 shown pixels each).
    assert stroke["width"] == pytest.approx(editor.brush_size / 2 / 2)

    page.get_by_role("button", name="Zoom to fit").tap()
    expect(page.get_by_label("Zoom level")).to_have_text("100%")
    _pinch(page, at(0.5, 0.5), 60, 180)  # spread two fingers
    zoom = page.get_by_label("Zoom level").text_content()
    assert zoom is not None and int(zoom.rstrip("%")) > 200
    assert editor.edit_count == 1  # a pinch is not a stroke
    assert page.errors == []


def test_the_answer_sits_by_submit_and_flag_is_a_screen_from_the_answer(link: Any, open_page: Any) -> None:
    page = open_page(link.local_url, **PHONE)
    output_column = page.locator(".nbshare-col").nth(1).bounding_box()
    answer_label = page.get_by_text("Finding", exact=True).bounding_box()
    assert answer_label["y"] - output_column["y"] <= 20, "no empty band above the answer before the first run"
    _answer_with_example(page)
    _explain(page)
    height = PHONE["viewport"]["height"]
    page_top = lambda locator: locator.evaluate("node => node.getBoundingClientRect().top + window.scrollY")  # noqa: E731
    page_bottom = lambda locator: locator.evaluate("node => node.getBoundingClientRect().bottom + window.scrollY")  # noqa: E731
    submit, answer = page.get_by_role("button", name="Submit"), page.get_by_role("status", name="Finding")
    flag = page.get_by_role("button", name="Flag", exact=True)
    # The rules: the answer starts within a quarter screen under Submit, and from the answer at the top of the
    # screen the Flag button is on that same screen (at most one screen of scrolling from the answer).
    assert page_top(answer) - page_bottom(submit) <= height / 4
    assert page_bottom(flag) - page_top(answer) <= height
    answer.evaluate("node => node.scrollIntoView({block: 'start'})")
    expect(flag).to_be_in_viewport()
    page.get_by_label("Flag message").fill("the device is a lead, not a pacemaker")
    flag.tap()
    expect(page.get_by_role("status").filter(has_text="Flagged")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "phone-page.png"), full_page=True)
    assert page.errors == []


def test_the_same_page_on_a_desktop(link: Any, open_page: Any) -> None:
    page = open_page(link.local_url, **DESKTOP)
    expect(page.locator(".nbshare-status")).to_be_hidden()  # nothing to say before the first run
    page.get_by_role("button", name="Example 1: with device").click()
    expect(page.get_by_role("status", name="Finding")).to_contain_text("pacemaker")
    page.get_by_role("button", name="Explain").click()
    expect(page.locator("img.nbshare-heatmap")).to_be_visible(timeout=20_000)
    captions = page.locator(".nbshare-example-caption")
    expect(captions).to_have_text(["with device", "no device"])
    first, second = (page.locator(".nbshare-example").nth(i).bounding_box() for i in (0, 1))
    assert first["y"] == second["y"] and second["x"] > first["x"] + first["width"], "examples sit side by side"
    assert first["width"] < 300, "a thumbnail's card, not a full-width row"
    expect(page.get_by_text("Size", exact=True)).to_be_visible()
    expect(page.locator(".nbshare-tool-value").first).to_have_text("24 px")
    page.screenshot(path=str(ARTIFACTS / "desktop-page.png"))
    assert page.errors == []


def test_the_loop_on_two_phones_flag_retest_and_reply_reach_only_the_visitor_who_flagged(
    open_page: Any, tmp_path: Path
) -> None:
    """Visitor A paints the device away by finger and flags the answer; visitor B flags another case. The researcher
    swaps in v2 and re-tests: A's page says A's answer changed; the reply reaches A's page, as text, and not B's."""
    iface = nbshare.Interface(
        pacemaker,
        nbshare.Image(label="Scan", display_size=DISPLAY),
        nbshare.Label(),
        examples=[nbshare.Example(_scan(), label="with device")],
        batch=True,
        version="v1",
        flagging_dir=tmp_path / "flags",
    )
    link = iface.launch(inline=False)
    try:
        first = open_page(link.local_url, **PHONE)
        until(lambda: len(link.server.sessions) == 1)
        (session_a,) = link.server.sessions.values()
        second = open_page(link.local_url, **PHONE)
        _answer_with_example(first)
        draft = first.locator("canvas.nbshare-draft")
        draft.scroll_into_view_if_needed()
        box = draft.bounding_box()
        at = lambda x, y: (box["x"] + x / 160 * box["width"], box["y"] + y / 160 * box["height"])  # noqa: E731
        for row in range(28, 64, 6):  # finger strokes over the whole device (image x 100..130, y 30..60)
            _touch_drag(first, [at(96, row), at(134, row)])
        editor = session_a.view.inputs[0]
        until(lambda: editor.edit_count == 6)
        first.get_by_role("button", name="Submit").tap()
        expect(first.get_by_role("status", name="Finding")).to_contain_text("no device")
        first.get_by_label("Flag message").fill("I painted the device out <b>and</b> it says no device: right")
        first.get_by_role("button", name="Flag", exact=True).tap()
        mine = first.locator(".nbshare-your-flag")
        expect(mine).to_have_count(1)
        expect(mine.locator(".nbshare-your-flag-status")).to_contain_text("Sent")

        _answer_with_example(second)
        second.get_by_label("Flag message").fill("B: looks right")
        second.get_by_role("button", name="Flag", exact=True).tap()
        expect(second.locator(".nbshare-your-flag")).to_have_count(1)
        until(lambda: len(iface.flags) == 2)

        iface.swap(lambda images: [{"pacemaker": 0.9, "no device": 0.1} for _ in images], version="v2")
        retested = iface.retest_flags(progress=False)
        by_message = dict(zip(retested["message"], retested["changed"], strict=True))
        assert by_message == {
            "I painted the device out <b>and</b> it says no device: right": True,
            "B: looks right": False,
        }
        expect(mine.locator(".nbshare-your-flag-retest")).to_contain_text("v2")
        expect(mine.locator(".nbshare-your-flag-retest")).to_contain_text("changed")

        flag_a = retested.loc[retested["changed"] == True, "id"].item()  # noqa: E712 - a pandas column
        iface.reply(flag_a, "<script>alert(1)</script> Right: v2 still sees the leads.")
        reply = first.locator(".nbshare-reply-text")
        expect(reply).to_have_text("<script>alert(1)</script> Right: v2 still sees the leads.")  # text, not HTML
        expect(second.locator(".nbshare-your-flag")).to_have_count(1)
        expect(second.locator(".nbshare-reply")).to_have_count(0)
        assert "painted the device out" not in second.content()
        first.locator(".nbshare-your-flags").scroll_into_view_if_needed()
        first.screenshot(path=str(ARTIFACTS / "phone-flag-loop.png"), full_page=True)
        assert first.errors == [] and second.errors == []
    finally:
        link.close()
