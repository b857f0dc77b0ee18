"""Budgets inside the image editor, driven the way a page drives it: pixels from the header, what a session holds,
the cost of one stroke, the length of the edit log, Undo/Redo from checkpoints, and exact replay after all of it."""

from __future__ import annotations

import gc
import io
import tracemalloc

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageDraw

import nbshare
from nbshare.values.edits import effective_edits

MB = 1_000_000


def png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    PILImage.fromarray(array).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def send(component, content, buffers=()):
    component._receive_page_event(component, content, list(buffers))


def edit(component, change):
    send(component, {"event": "edit", "edit": change})


def stroke(points, width, op="paint", color="#ff0000"):
    change = {"op": op, "points": [[round(float(x), 2), round(float(y), 2)] for x, y in points], "width": width}
    return {**change, "color": color} if op == "paint" else change


@pytest.fixture(scope="module")
def photo_12mp() -> np.ndarray:
    """A 4000×3000 photo-like picture (smooth gradients and some texture)."""
    y, x = np.mgrid[0:3000, 0:4000]
    rng = np.random.default_rng(0)
    texture = rng.integers(0, 24, size=(3000, 4000), dtype=np.uint8)
    return np.dstack([(x // 16) % 256, (y // 12) % 256, ((x + y) // 28) % 256]).astype(np.uint8) + texture[..., None]


def test_a_phone_photo_is_the_default_limit_and_a_larger_image_is_refused_from_its_header():
    assert nbshare.Image().max_pixels == 24_000_000
    canvas = PILImage.new("RGB", (7000, 7000), (200, 200, 200))
    buffer = io.BytesIO()
    canvas.save(buffer, "PNG")  # ~159 KB: the finding's uniform picture
    del canvas
    image = nbshare.Image(value=np.zeros((10, 10, 3), dtype=np.uint8))
    kept = image.value
    tracemalloc.start()
    try:
        send(image, {"event": "upload", "name": "uniform.png"}, [buffer.getvalue()])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert image.message == (
        "'uniform.png' is 7000×7000 = 49,000,000 pixels; the limit is 24,000,000 (raise it with Image(max_pixels=...))"
    )
    assert image.value is kept and peak < 5 * MB  # nothing was decoded


def test_the_editor_holds_the_original_and_display_sized_pictures_not_full_size_layers(photo_12mp):
    data = png(photo_12mp)
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        image = nbshare.Image()
        send(image, {"event": "upload", "name": "photo.png"}, [data])
        for k in range(20):
            edit(image, stroke([(200 + 150 * k, 300), (300 + 150 * k, 2500)], width=120))
        edit(image, {"op": "flip", "axis": "horizontal"})
        edit(image, stroke([(100, 100), (3900, 2900)], width=60, op="erase"))
        edit(image, {"op": "undo"})
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert image.message == "" and image.value.original.shape == (3000, 4000, 3)
    # The original (36 MB) is what replay needs; the rest is display-sized (before: three more full-size layers).
    assert held < photo_12mp.nbytes + 8 * MB
    received = image.preprocess(image.value)
    assert received.shape == (3000, 4000, 3)
    assert np.array_equal(received, nbshare.replay(photo_12mp, image.value.edits))


def test_a_stroke_over_the_drawing_budget_is_refused_before_it_is_drawn_and_nothing_is_lost():
    image = nbshare.Image(value=np.zeros((3000, 4000, 3), dtype=np.uint8))
    edit(image, stroke([(10, 10), (50, 50)], width=20))
    kept = image.value
    rng = np.random.default_rng(1)
    scribble = stroke(zip(rng.uniform(0, 4000, 2000), rng.uniform(0, 3000, 2000), strict=True), width=3000)
    edit(image, scribble)
    assert image.message.startswith("This stroke is too big to draw (2,000 points, a brush 3000 pixels wide: about ")
    assert " s of drawing at full size; the limit is 0.3 s): draw shorter strokes or use a smaller" in image.message
    assert image.message.endswith("(the researcher can raise it with Image(max_stroke_cost=...))")
    assert image.value is kept
    edit(image, stroke([(10, 10), (50, 50)], width=4001))
    assert image.message.startswith("the brush width must be between 1 and 4000 pixels (the image's longer side)")
    assert image.value is kept
    # A researcher who wants it can raise the budget; the stroke is then drawn.
    image.max_stroke_cost = 10**12
    edit(image, stroke([(0, 0), (4000, 3000)], width=3000))
    assert image.message == "" and len(image.value.edits) == 2


def test_the_edit_log_has_a_limit_with_a_way_out_and_undo_and_reset_always_work():
    picture = np.random.default_rng(2).integers(0, 256, size=(120, 200, 3), dtype=np.uint8)
    image = nbshare.Image(value=picture, max_edits=5)
    for k in range(5):
        edit(image, stroke([(10 + 20 * k, 10), (10 + 20 * k, 100)], width=6))
    assert image.message == "" and len(image.value.edits) == 5
    full = image.value
    edit(image, {"op": "flip", "axis": "vertical"})
    assert image.message == (
        "The edit history is full (5 edits in effect, the most one image keeps): undo some edits or Reset to start "
        "again from the original (the researcher can raise it with Image(max_edits=...))"
    )
    assert image.value is full
    for _ in range(50):  # Undo and Redo at the limit: the log is compacted, never longer than 3 entries an edit
        edit(image, {"op": "undo"})
        edit(image, {"op": "redo"})
        assert image.message == "" and len(image.value.edits) <= 3 * 5
    assert np.array_equal(image.preprocess(image.value), nbshare.replay(picture, full.edits))
    edit(image, {"op": "undo"})
    edit(image, {"op": "flip", "axis": "vertical"})  # takes the place of the stroke taken back
    assert image.message == "" and len(effective_edits(image.value.edits)) == 5
    edit(image, {"op": "reset"})
    assert image.message == "" and np.array_equal(image.preprocess(image.value), picture)


def test_undo_and_redo_replay_a_few_edits_at_display_size_never_the_whole_log(photo_12mp):
    image = nbshare.Image(value=photo_12mp)
    rng = np.random.default_rng(3)
    for _ in range(60):
        edit(image, stroke(zip(rng.uniform(0, 4000, 30), rng.uniform(0, 3000, 30), strict=True), width=100))
    history = image._shown
    for op in ("undo", "undo", "undo", "redo", "redo", "undo", "redo", "redo"):
        steps = history.steps
        edit(image, {"op": op})
        assert image.message == ""
        assert history.steps - steps < 8  # a checkpoint every 8 edits; before, the whole log at full size
    assert history.nbytes() < 8 * MB


def _reference_replay(original, edits):
    """The edit semantics as first written: full-size copies for every operation, strokes on a full-size canvas."""
    done = effective_edits(edits)
    source, paint, painted = original.copy(), np.zeros_like(original), np.zeros(original.shape[:2], dtype=bool)
    for change in done:
        op = change["op"]
        if op == "reset":
            source, paint, painted = original.copy(), np.zeros_like(original), np.zeros(original.shape[:2], bool)
        elif op in ("paint", "erase"):
            canvas = PILImage.new("L", (source.shape[1], source.shape[0]), 0)
            draw = ImageDraw.Draw(canvas)
            flat = [(x, y) for x, y in change["points"]]
            if len(flat) > 1:
                draw.line(flat, fill=255, width=max(1, round(change["width"])), joint="curve")
            radius = change["width"] / 2
            for x, y in flat:
                draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=255)
            mask = np.asarray(canvas) > 0
            if op == "paint":
                paint[mask] = tuple(int(change["color"][i : i + 2], 16) for i in (1, 3, 5))
                painted |= mask
            else:
                painted &= ~mask
        else:
            if op == "crop":
                left, top, right, bottom = change["box"]
                move = lambda a, t=top, b=bottom, x0=left, x1=right: a[t:b, x0:x1]  # noqa: E731  # bound per edit
            elif op == "flip":
                move = np.fliplr if change["axis"] == "horizontal" else np.flipud
            else:
                move = lambda a, k={90: -1, 180: 2, 270: 1}[change["degrees"]]: np.rot90(a, k)  # noqa: E731
            source, paint, painted = (np.ascontiguousarray(move(a)) for a in (source, paint, painted))
    return np.where(painted[:, :, None], paint, source)


def _random_session(image, rng, count):
    """``count`` page events: strokes of every size, erasing, crops, flips, rotations, undo, redo and reset."""
    for _ in range(count):
        height, width = image._shown_state.frame
        roll = rng.random()
        if roll < 0.45:
            n = int(rng.integers(1, 40))
            points = zip(rng.uniform(-20, width + 20, n), rng.uniform(-20, height + 20, n), strict=True)
            size = float(rng.uniform(1, max(2, min(height, width) / 3)))
            op = "paint" if rng.random() < 0.7 else "erase"
            edit(image, stroke(points, round(size, 2), op=op, color=f"#{int(rng.integers(0, 2**24)):06x}"))
        elif roll < 0.55 and min(height, width) > 20:
            x0, y0 = rng.uniform(0, width / 3), rng.uniform(0, height / 3)
            x1, y1 = x0 + rng.uniform(10, width - x0), y0 + rng.uniform(10, height - y0)
            edit(image, {"op": "crop", "box": [x0, y0, x1, y1]})
        elif roll < 0.62:
            edit(image, {"op": "flip", "axis": "horizontal" if rng.random() < 0.5 else "vertical"})
        elif roll < 0.68:
            edit(image, {"op": "rotate", "degrees": int(rng.choice([90, 180, 270]))})
        elif roll < 0.84:
            edit(image, {"op": "undo"})
        elif roll < 0.97:
            edit(image, {"op": "redo"})
        else:
            edit(image, {"op": "reset"})


@pytest.mark.parametrize(("shape", "seed"), [((90, 140, 3), 4), ((1500, 2000, 3), 5), ((600, 700), 6)])
def test_the_function_receives_exactly_replay_of_the_log_after_many_edits(shape, seed):
    rng = np.random.default_rng(seed)
    original = rng.integers(0, 256, size=shape, dtype=np.uint8)
    received = []
    mode = "L" if len(shape) == 2 else "RGB"
    iface = nbshare.Interface(lambda x: received.append(x) or "ok", nbshare.Image(image_mode=mode), "text")
    view = iface.view()
    editor = view.inputs[0]
    send(editor, {"event": "upload", "name": "scan.png"}, [png(original)])
    for _round in range(3):
        _random_session(editor, rng, 40)
        view.submit().result(timeout=60)
        edits = editor.value.edits
        assert np.array_equal(received[-1], nbshare.replay(original, edits))
        if len(shape) == 3:
            assert np.array_equal(received[-1], _reference_replay(original, edits))
    assert received[-1].shape[:2] == editor._shown_state.frame


def test_a_small_image_is_shown_exactly_as_the_function_receives_it():
    rng = np.random.default_rng(7)
    original = rng.integers(0, 256, size=(100, 150, 3), dtype=np.uint8)
    image = nbshare.Image(value=original)
    _random_session(image, rng, 60)
    state = image._shown_state
    assert state.scale == 1
    shown = state.base if state.painted is None else np.where(state.painted[:, :, None], state.paint, state.base)
    assert np.array_equal(shown, nbshare.replay(original, image.value.edits))
