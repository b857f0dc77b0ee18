"""Real JupyterLab, real Chromium: upload, paint, crop, flip and submit an image; click an example."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import ARTIFACTS

pytestmark = pytest.mark.browser

EDITOR = [
    "import numpy as np, nbshare\n"
    "from PIL import Image as PILImage\n"
    "rng = np.random.default_rng(7)\n"
    "original = rng.integers(60, 200, size=(300, 400, 3), dtype=np.uint8)\n"
    "PILImage.fromarray(original).save('upload.png')\n"
    "open('notes.txt', 'w').write('not an image')\n"
    "open('broken.png', 'wb').write(open('upload.png', 'rb').read()[:5000])\n"
    "example = np.zeros((40, 60, 3), dtype=np.uint8); example[:, :30] = 255\n"
    "received = []\n"
    "def inspect_image(image):\n"
    "    received.append(image)\n"
    "    return {'shape': list(image.shape), 'red_pixels': int((image == [255, 0, 0]).all(axis=2).sum())}\n",
    "iface = nbshare.Interface(inspect_image, nbshare.Image(display_size=400), 'json', title='Editor',\n"
    "                          examples=[example])\n"
    "iface",
]


def upload(notebook, app, path, button="Choose image"):
    with notebook.page.expect_file_chooser() as chooser:
        app.get_by_role("button", name=button).click()
    chooser.value.set_files(str(path))


def drag(page, box, points):
    """Press, move through ``points`` (fractions of the box) and release, like a hand on a mouse."""
    xs = [box["x"] + fx * box["width"] for fx, _ in points]
    ys = [box["y"] + fy * box["height"] for _, fy in points]
    page.mouse.move(xs[0], ys[0])
    page.mouse.down()
    for x, y in zip(xs[1:], ys[1:], strict=True):
        page.mouse.move(x, y, steps=8)
    page.mouse.up()


EDITOR_STATE = "iface._views[-1].inputs[0]"  # the editor of the view the browser shows, in the kernel


def editor_with_upload(open_notebook, jupyter_server):
    """The Editor notebook open, with upload.png chosen through the file chooser and shown."""
    notebook = open_notebook(EDITOR)
    app = notebook.app("Editor")
    upload(notebook, app, jupyter_server.root / "upload.png")
    expect(app.locator("canvas.nbshare-draft")).to_be_visible()
    return notebook, app, notebook.kernel


def test_upload_paint_crop_flip_submit_gives_the_replayed_pixels(open_notebook, jupyter_server):
    notebook, app, kernel = editor_with_upload(open_notebook, jupyter_server)
    editor = EDITOR_STATE
    draft = app.locator("canvas.nbshare-draft")
    assert kernel.eval(f"{editor}.value.original.shape") == [300, 400, 3]

    app.get_by_label("Brush colour").fill("#ff0000")
    box = draft.bounding_box()
    drag(notebook.page, box, [(0.2, 0.5), (0.5, 0.55), (0.8, 0.5)])
    kernel.wait_for(f"{editor}.edit_count", lambda count: count == 1)

    app.get_by_role("button", name="Crop").click()
    drag(notebook.page, box, [(0.1, 0.1), (0.9, 0.9)])
    kernel.wait_for(f"{editor}.edit_count", lambda count: count == 2)
    app.get_by_role("button", name="Flip horizontally").click()
    kernel.wait_for(f"{editor}.edit_count", lambda count: count == 3)
    app.screenshot(path=str(ARTIFACTS / "image-editor.png"))

    app.get_by_role("button", name="Submit").click()
    expect(app.locator(".nbshare-json")).to_contain_text('"red_pixels"')
    edits = kernel.eval(f"list({editor}.value.edits)")
    assert [edit["op"] for edit in edits] == ["paint", "crop", "flip"]
    assert edits[0]["color"] == "#ff0000" and len(edits[0]["points"]) > 5
    assert kernel.eval(f"bool(np.array_equal(received[-1], nbshare.replay(original, {editor}.value.edits)))")
    # The stroke crossed the kept area: its pixels are exactly the brush colour.
    assert kernel.eval("int((received[-1] == [255, 0, 0]).all(axis=2).sum())") > 500
    # A drag from 10% to 90% of each side keeps about 80% of it (partly covered edge pixels are kept).
    height, width, channels = kernel.eval("list(received[-1].shape)")
    assert abs(height - 240) <= 2 and abs(width - 320) <= 2 and channels == 3


def test_undo_redo_and_bad_files_keep_the_image(open_notebook, jupyter_server):
    notebook, app, kernel = editor_with_upload(open_notebook, jupyter_server)
    editor = EDITOR_STATE

    undo = app.get_by_role("button", name="Undo")
    expect(undo).to_be_disabled()
    app.get_by_role("button", name="Rotate 90° clockwise").click()
    expect(undo).to_be_enabled()
    undo.click()
    kernel.wait_for(f"[e['op'] for e in {editor}.value.edits]", lambda ops: ops == ["rotate", "undo"])
    app.get_by_role("button", name="Redo").click()
    kernel.wait_for(f"list({editor}.value.edited().shape)", lambda shape: shape == [400, 300, 3])

    upload(notebook, app, jupyter_server.root / "notes.txt", button="Replace image")
    expect(app.get_by_role("alert")).to_contain_text("not an image")
    upload(notebook, app, jupyter_server.root / "broken.png", button="Replace image")
    expect(app.get_by_role("alert")).to_contain_text("damaged or truncated")
    # Nothing was lost: the earlier image and its edits are still there.
    assert kernel.eval(f"[e['op'] for e in {editor}.value.edits]") == ["rotate", "undo", "redo"]


def test_example_click_runs_the_model_on_it(open_notebook):
    notebook = open_notebook(EDITOR)
    app = notebook.app("Editor")
    app.get_by_role("button", name="Example 1: image").click()
    expect(app.locator(".nbshare-json")).to_contain_text('"shape": [\n    40,\n    60,\n    3\n  ]')
    assert notebook.kernel.eval("bool(np.array_equal(received[-1], example))")
    expect(app.locator("canvas.nbshare-draft")).to_be_visible()


def test_pacemaker_story_painting_over_the_device_flips_the_label(open_notebook):
    import nbformat

    from harness import REPO

    story = nbformat.read(REPO / "notebooks" / "pacemaker.ipynb", as_version=4)
    notebook = open_notebook([cell.source for cell in story.cells if cell.cell_type == "code"])
    app = notebook.app("Pacemaker detector")
    kernel = notebook.kernel

    app.get_by_role("button", name="Example 1: image").click()
    expect(app.locator(".nbshare-label-top")).to_have_text("pacemaker")
    app.screenshot(path=str(ARTIFACTS / "pacemaker-before.png"))

    # Explain: where does the model look? The map lands over the frame, its hottest pixel on the device.
    app.get_by_role("button", name="Explain").click()
    expect(app.locator(".nbshare-explain-feedback")).to_contain_text("What moves the confidence in 'pacemaker'")
    expect(app.locator("img.nbshare-heatmap")).to_be_visible()
    hottest = "np.unravel_index(iface._views[-1].explainer.latest.inputs[0].map.argmax(), (128, 128))"
    assert kernel.eval(f"bool(devices[0][{hottest}])")
    app.screenshot(path=str(ARTIFACTS / "pacemaker-explain.png"))

    # Where the device is, as fractions of the frame: the expert sees it; the test asks the kernel.
    ys, xs = kernel.eval("[v.tolist() for v in np.nonzero(devices[0])]")
    points = sorted(zip(xs, ys, strict=True))
    path = [(x / 128, y / 128) for x, y in points[:: max(1, len(points) // 12)]]
    draft = app.locator("canvas.nbshare-draft")
    drag(notebook.page, draft.bounding_box(), path)
    kernel.wait_for("iface._views[-1].inputs[0].edit_count", lambda count: count == 1)
    app.get_by_role("button", name="Submit").click()

    expect(app.locator(".nbshare-label-top")).to_have_text("no pacemaker")
    edits = "iface._views[-1].inputs[0].value.edits"
    covered = kernel.eval(f"float((nbshare.replay(with_device, {edits})[devices[0]] == 0).mean())")
    assert covered > 0.6, f"the stroke covered only {covered:.0%} of the device"
    assert kernel.eval(f"classify(nbshare.replay(with_device, {edits}))['no pacemaker'] > 0.5")
    app.screenshot(path=str(ARTIFACTS / "pacemaker-after.png"))


INVERT = [
    "import numpy as np, nbshare\n"
    "received = []\n"
    "def invert(image):\n"
    "    received.append(image)\n"
    "    return 255 - image\n"
    "iface = nbshare.Interface(invert, 'image', 'image', title='Invert')\n"
    "iface",
]

HAND_OVER_FILE = """async ([selector, eventName, base64]) => {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], 'scan.png', { type: 'image/png' }));
  const target = document.querySelector(selector);
  const event = eventName === 'paste'
    ? new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true })
    : new DragEvent(eventName, { dataTransfer: transfer, bubbles: true, cancelable: true });
  target.dispatchEvent(event);
}"""


def png_base64(color):
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), color).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


# The colour at the centre of the picture an image component shows (null until one is shown), read in the page.
PICTURE_CENTRE = """(picture) => {
    if (!picture || picture.hidden || !picture.width) return null;
    return [...picture.getContext('2d').getImageData(picture.width >> 1, picture.height >> 1, 1, 1).data];
}"""


def output_pixel(app):
    """The colour at the centre of the output image, read in the page."""
    return app.locator(".nbshare-image").nth(1).locator("canvas.nbshare-picture").evaluate(PICTURE_CENTRE)


@pytest.mark.parametrize("how", ["drop", "paste"])
def test_drop_or_paste_an_image_and_see_the_output_image(open_notebook, how):
    notebook = open_notebook(INVERT)
    app = notebook.app("Invert")
    expect(app.locator(".nbshare-drop").first).to_be_visible()  # the input's; the output has none shown
    selector = ".nbshare-drop" if how == "drop" else ".nbshare-image"
    notebook.page.evaluate(HAND_OVER_FILE, [selector, how, png_base64((10, 200, 30))])
    expect(app.get_by_role("img", name="Image: drag to paint, erase or crop")).to_be_visible()
    app.get_by_role("button", name="Submit").click()
    notebook.kernel.wait_for("len(received)", lambda count: count == 1)
    assert notebook.kernel.eval("received[0][5, 5].tolist()") == [10, 200, 30]
    notebook.page.wait_for_function(
        f"() => ({PICTURE_CENTRE})(document.querySelectorAll('.nbshare-image')[1]?.querySelector('.nbshare-picture'))"
    )
    assert output_pixel(app) == [245, 55, 225, 255]


def test_webcam_capture_reaches_the_function(open_notebook):
    notebook = open_notebook(INVERT)
    app = notebook.app("Invert")
    app.get_by_role("button", name="Use webcam").click()
    capture = app.get_by_role("button", name="Capture")
    expect(capture).to_be_visible()
    notebook.page.wait_for_function("document.querySelector('.nbshare-camera video')?.videoWidth > 0")
    capture.click()
    expect(app.get_by_role("img", name="Image: drag to paint, erase or crop")).to_be_visible()
    assert notebook.kernel.eval("iface._views[-1].inputs[0].value.name") == "webcam.png"
    assert len(notebook.kernel.eval("iface._views[-1].inputs[0].value.original.shape")) == 3


def test_a_preset_image_shows_and_survives_a_page_reload(open_notebook):
    notebook = open_notebook(
        [
            "import numpy as np, nbshare\n"
            "frame = np.zeros((50, 80, 3), dtype=np.uint8); frame[:] = (200, 30, 60)\n"
            "iface = nbshare.Interface(lambda image: image.shape, nbshare.Image(value=frame), 'json', title='Preset')\n"
            "iface",
        ]
    )
    centre = f"() => ({PICTURE_CENTRE})(document.querySelector('.nbshare-image canvas.nbshare-picture'))"
    notebook.page.wait_for_function(f"({centre})()?.[3] === 255")
    assert notebook.page.evaluate(centre) == [200, 30, 60, 255]
    notebook.page.locator(".jp-Notebook").first.click()
    notebook.page.keyboard.press("Control+s")  # saved with its output, as a user would before reloading
    notebook.page.locator(".jp-mod-dirty").first.wait_for(state="detached")
    notebook.page.reload()
    notebook.page.wait_for_function(f"({centre})()?.[3] === 255", timeout=60_000)
    assert notebook.page.evaluate(centre) == [200, 30, 60, 255]
