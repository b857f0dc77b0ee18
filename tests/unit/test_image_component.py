"""Tier 1: the Image and Sketchpad components' contract, events from the page, and bad input."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
import traitlets
from PIL import Image as PILImage

import nbshare


def png_bytes(array):
    buffer = io.BytesIO()
    PILImage.fromarray(array).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def picture():
    return np.random.default_rng(3).integers(0, 256, size=(120, 200, 3), dtype=np.uint8)


def send(component, content, buffers=()):
    component._receive_page_event(component, content, list(buffers))


def test_upload_event_decodes_and_shows_the_image_downscaled(picture):
    image = nbshare.Image(display_size=100)
    send(image, {"event": "upload", "name": "scan.png"}, [png_bytes(picture)])
    assert image.message == ""
    np.testing.assert_array_equal(image.value.original, picture)
    assert (image.view_width, image.view_height) == (100, 60)
    assert image.scale == pytest.approx(0.5)
    np.testing.assert_array_equal(image.preprocess(image.value), picture)  # full resolution for the function


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7 not an image", "'report.pdf' is not an image"),
        (b"", "'report.pdf' is empty"),
    ],
)
def test_bad_uploads_show_a_message_and_keep_the_current_image(picture, data, message):
    image = nbshare.Image(value=picture)
    send(image, {"event": "upload", "name": "report.pdf"}, [data])
    assert message in image.message
    np.testing.assert_array_equal(image.value.original, picture)


def test_oversized_upload_and_pixel_bomb_are_refused(picture):
    image = nbshare.Image(max_upload_bytes=1000, max_pixels=100 * 100)
    send(image, {"event": "upload", "name": "big.png"}, [png_bytes(picture)])
    assert image.message.startswith("big.png is ") and "KB; the limit is 1.0 KB (raise it with" in image.message
    image.max_upload_bytes = 10_000_000
    send(image, {"event": "upload", "name": "big.png"}, [png_bytes(picture)])
    assert "200×120 = 24,000 pixels; the limit is 10,000" in image.message
    assert image.value is None


def test_edits_from_the_page_are_checked_and_recorded(picture):
    image = nbshare.Image(value=picture)
    send(image, {"event": "edit", "edit": {"op": "crop", "box": [5, 5, 5, 50]}})
    assert image.message.startswith("the crop area is empty")
    send(image, {"event": "edit", "edit": {"op": "undo"}})
    assert image.message == "Nothing to undo"
    send(image, {"event": "edit", "edit": {"op": "paint", "points": [[10, 10]], "width": 4, "color": "#00FF00"}})
    assert image.message == "" and image.edit_count == 1 and image.can_undo
    assert image.value.edits[0]["color"] == "#00ff00"
    send(image, {"event": "edit", "edit": {"op": "paint", "points": [[10, 10]], "width": 4, "onclick": "x"}})
    assert "onclick" not in image.value.edits[-1]  # only known fields are kept


def test_edit_before_upload_is_explained():
    image = nbshare.Image()
    send(image, {"event": "edit", "edit": {"op": "rotate", "degrees": 90}})
    assert image.message == "there is no image to edit yet: upload one first"


def test_output_components_ignore_page_edits(picture):
    image = nbshare.Image(value=picture, interactive=False)
    send(image, {"event": "edit", "edit": {"op": "rotate", "degrees": 90}})
    assert image.value.edits == ()


def test_types_modes_and_shape(picture, tmp_path):
    assert nbshare.Image(image_mode="L").preprocess(picture).shape == (120, 200)
    assert nbshare.Image(shape=(50, 30)).preprocess(picture).shape == (30, 50, 3)
    pil = nbshare.Image(type="pil").preprocess(picture)
    assert isinstance(pil, PILImage.Image) and pil.size == (200, 120)
    path = nbshare.Image(type="filepath").preprocess(picture)
    assert os.path.exists(path) and path.endswith(".png")
    np.testing.assert_array_equal(np.asarray(PILImage.open(path)), picture)
    saved = tmp_path / "x.png"
    PILImage.fromarray(picture).save(saved)
    np.testing.assert_array_equal(nbshare.Image().preprocess(str(saved)), picture)
    with pytest.raises(nbshare.InputError, match="is empty: upload an image"):
        nbshare.Image(label="Scan").preprocess(None)


def test_bad_options_are_trait_errors():
    with pytest.raises(traitlets.TraitError):
        nbshare.Image(image_mode="CMYK")
    with pytest.raises(nbshare.InputError, match="colour must look like"):
        nbshare.Image(brush_color="red")
    with pytest.raises(traitlets.TraitError, match="display_size must be 1 or more"):
        nbshare.Image(display_size=0)
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        nbshare.Image(tool="brush")


def test_output_postprocess_accepts_arrays_pil_floats():
    output = nbshare.Image(interactive=False)
    floats = np.linspace(0, 1, 20 * 30).reshape(20, 30)
    assert output.postprocess(floats).shape == (20, 30, 3)
    output.value = output.postprocess(PILImage.new("RGB", (30, 20), (1, 2, 3)))
    assert (output.view_width, output.view_height) == (512, 341)  # small images are enlarged for the eye


def test_overlay_heatmap_and_mask(picture):
    image = nbshare.Image(value=picture, display_size=100)
    image.set_overlay(np.random.default_rng(0).random((120, 200)), opacity=0.3)
    overlay = np.asarray(PILImage.open(io.BytesIO(image.overlay_png)))
    assert overlay.shape == (60, 100, 4) and image.overlay_opacity == 0.3
    mask = np.zeros((120, 200), dtype=bool)
    mask[:10] = True
    image.set_overlay(mask)
    assert np.asarray(PILImage.open(io.BytesIO(image.overlay_png)))[0, 0].tolist() == [255, 0, 0, 255]
    image.set_overlay(None)
    assert image.overlay_png == b""
    with pytest.raises(ValueError, match="2-D mask or heatmap"):
        image.set_overlay(np.zeros((3, 3, 3)))


def test_clone_shares_the_immutable_value_but_not_the_canvas(picture):
    image = nbshare.Image(value=picture, brush_color="#123456")
    clone = image.clone()
    assert clone.value is image.value and clone.brush_color == "#123456"
    assert clone._canvas is not image._canvas
    send(clone, {"event": "edit", "edit": {"op": "flip", "axis": "vertical"}})
    assert image.value.edits == () and len(clone.value.edits) == 1


def test_sketchpad_starts_blank_and_clear_gives_blank():
    pad = nbshare.Sketchpad(canvas_size=(28, 28), brush_size=4)
    assert pad.preprocess(pad.value).shape == (28, 28, 3) and pad.preprocess(pad.value).min() == 255
    send(pad, {"event": "edit", "edit": {"op": "paint", "points": [[5, 5], [20, 20]], "width": 3}})
    assert pad.preprocess(pad.value).min() == 0
    pad.value = pad.empty_value()
    assert pad.preprocess(pad.value).min() == 255


def test_image_examples_get_thumbnails(picture):
    iface = nbshare.Interface(lambda image: image.shape, "image", "json", examples=[picture])
    thumbnail = iface.view().examples.rows[0][0]
    assert PILImage.open(io.BytesIO(thumbnail)).size == (96, 58)
