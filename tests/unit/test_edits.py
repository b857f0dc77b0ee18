"""Tier 1: every edit operation and their combinations rebuild the expected pixels; replay is deterministic."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

import nbshare
from nbshare.values.edits import check_edit, effective_edits
from nbshare.values.imaging import load_image, to_array


@pytest.fixture
def image():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(40, 60, 3), dtype=np.uint8)


def paint(points, width=5, color="#ff0000"):
    return {"op": "paint", "points": points, "width": width, "color": color}


def test_no_edits_gives_the_original(image):
    np.testing.assert_array_equal(nbshare.replay(image, []), image)


def test_paint_sets_the_brush_colour_under_the_stroke_only(image):
    result = nbshare.replay(image, [paint([[10, 10], [30, 10]], width=4)])
    assert (result[10, 10:31] == [255, 0, 0]).all()
    assert (result[9:12, 20] == [255, 0, 0]).all()
    np.testing.assert_array_equal(result[20:, :], image[20:, :])
    np.testing.assert_array_equal(result[:, 40:], image[:, 40:])


def test_single_point_paints_a_dot(image):
    result = nbshare.replay(image, [paint([[20, 20]], width=6)])
    assert (result[18:23, 18:23] == [255, 0, 0]).all()
    np.testing.assert_array_equal(result[30:, :], image[30:, :])


def test_erase_after_paint_restores_original_pixels(image):
    edits = [paint([[5, 20], [55, 20]], width=8), {"op": "erase", "points": [[30, 20]], "width": 10}]
    result = nbshare.replay(image, edits)
    np.testing.assert_array_equal(result[17:24, 27:34], image[17:24, 27:34])
    assert (result[20, 5:20] == [255, 0, 0]).all()


def test_crop_flip_rotate(image):
    np.testing.assert_array_equal(nbshare.replay(image, [{"op": "crop", "box": [10, 5, 30, 25]}]), image[5:25, 10:30])
    np.testing.assert_array_equal(
        nbshare.replay(image, [{"op": "crop", "box": [30.4, 25.6, 9.6, 4.2]}]), image[4:26, 9:31]
    )
    np.testing.assert_array_equal(nbshare.replay(image, [{"op": "flip", "axis": "horizontal"}]), image[:, ::-1])
    np.testing.assert_array_equal(nbshare.replay(image, [{"op": "flip", "axis": "vertical"}]), image[::-1])
    rotated = nbshare.replay(image, [{"op": "rotate", "degrees": 90}])
    assert rotated.shape == (60, 40, 3)
    assert (rotated[0, -1] == image[0, 0]).all()  # clockwise: top-left goes to top-right
    np.testing.assert_array_equal(nbshare.replay(image, [{"op": "rotate", "degrees": 180}]), image[::-1, ::-1])


def test_crop_after_rotate_uses_the_rotated_frame(image):
    edits = [{"op": "rotate", "degrees": 90}, {"op": "crop", "box": [0, 0, 10, 50]}]
    expected = np.rot90(image, -1)[0:50, 0:10]
    np.testing.assert_array_equal(nbshare.replay(image, edits), expected)


def test_paint_then_rotate_moves_the_paint_and_erase_still_restores(image):
    edits = [
        paint([[2, 2]], width=3, color="#00ff00"),
        {"op": "rotate", "degrees": 90},
        {"op": "erase", "points": [[37, 2]], "width": 6},
    ]
    result = nbshare.replay(image, edits)
    np.testing.assert_array_equal(result, np.rot90(image, -1))


def test_undo_redo_and_reset(image):
    red = paint([[10, 10]], width=6)
    flip = {"op": "flip", "axis": "horizontal"}
    assert effective_edits([red, flip, {"op": "undo"}]) == [red]
    assert effective_edits([red, flip, {"op": "undo"}, {"op": "redo"}]) == [red, flip]
    np.testing.assert_array_equal(nbshare.replay(image, [red, {"op": "undo"}]), image)
    np.testing.assert_array_equal(nbshare.replay(image, [red, flip, {"op": "reset"}]), image)
    undone_reset = nbshare.replay(image, [red, flip, {"op": "reset"}, {"op": "undo"}])
    np.testing.assert_array_equal(undone_reset, nbshare.replay(image, [red, flip]))
    # A new edit after an undo drops what could have been redone.
    assert effective_edits([red, {"op": "undo"}, flip]) == [flip]
    with pytest.raises(nbshare.InputError, match="edit 4: nothing to redo"):
        effective_edits([red, {"op": "undo"}, flip, {"op": "redo"}])


def test_undo_with_nothing_to_undo_is_a_clear_error(image):
    with pytest.raises(nbshare.InputError, match="edit 1: nothing to undo"):
        nbshare.replay(image, [{"op": "undo"}])


def test_replay_is_deterministic(image):
    edits = [
        paint([[1, 1], [50, 30], [20, 35]], width=7.3),
        {"op": "rotate", "degrees": 270},
        {"op": "crop", "box": [3, 3, 30, 50]},
        {"op": "erase", "points": [[10, 10], [20, 20]], "width": 4},
    ]
    first = nbshare.replay(image, edits)
    for _ in range(3):
        np.testing.assert_array_equal(nbshare.replay(image.copy(), edits), first)


def test_grayscale_and_rgba_keep_their_channels():
    gray = np.full((10, 10), 100, dtype=np.uint8)
    assert nbshare.replay(gray, [paint([[5, 5]], width=3, color="#ffffff")])[5, 5] == 255
    rgba = np.zeros((10, 10, 4), dtype=np.uint8)
    assert tuple(nbshare.replay(rgba, [paint([[5, 5]], width=3, color="#0000ff")])[5, 5]) == (0, 0, 255, 255)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"op": "crop", "box": [10, 10, 10, 30]}, "the crop area is empty"),
        ({"op": "crop", "box": [100, 100, 200, 200]}, "the crop area is empty"),
        ({"op": "paint", "points": [], "width": 3}, "non-empty list"),
        ({"op": "paint", "points": [[1, 2]], "width": 0}, "brush width must be between 1 and"),
        ({"op": "paint", "points": [[1, float("nan")]], "width": 3}, "y must be a finite number"),
        ({"op": "paint", "points": [[1, 2]], "width": 3, "color": "red;"}, "colour must look like"),
        ({"op": "rotate", "degrees": 45}, "rotate needs degrees 90, 180 or 270"),
        ({"op": "flip", "axis": "diagonal"}, "flip needs axis"),
        ({"op": "explode"}, "unknown edit 'explode'"),
        ("paint", "an edit must be a dict"),
    ],
)
def test_bad_edits_are_refused_with_a_reason(edit, message):
    with pytest.raises(nbshare.InputError, match=message):
        check_edit(edit, 40, 60)


def _png(array, **save):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "PNG", **save)
    return buffer.getvalue()


class TestLoading:
    def test_exif_orientation_is_honoured(self):
        pixels = np.zeros((10, 20, 3), dtype=np.uint8)
        pixels[:, :10] = 255  # left half white
        image = Image.fromarray(pixels)
        exif = image.getexif()
        exif[0x0112] = 6  # "rotate 90 CW to display"
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", exif=exif, quality=100)
        loaded = load_image(buffer.getvalue())
        assert loaded.shape == (20, 10, 3)
        assert loaded[2, 5].mean() > 200 and loaded[-3, 5].mean() < 50  # white half is now on top

    def test_rgba_palette_16bit_gray_and_animated(self):
        rgba = np.zeros((4, 4, 4), dtype=np.uint8)
        rgba[..., 0] = 255  # red, fully transparent -> white on RGB
        assert tuple(load_image(_png(rgba))[0, 0]) == (255, 255, 255)
        assert load_image(_png(rgba), mode="RGBA").shape == (4, 4, 4)

        palette = Image.fromarray(np.full((4, 4, 3), (10, 200, 30), dtype=np.uint8)).convert(
            "P", palette=Image.Palette.ADAPTIVE
        )
        buffer = io.BytesIO()
        palette.save(buffer, "PNG")
        assert tuple(load_image(buffer.getvalue())[1, 1]) == (10, 200, 30)

        sixteen = Image.fromarray(np.full((4, 4), 65535, dtype=np.uint16))
        buffer = io.BytesIO()
        sixteen.save(buffer, "PNG")
        assert tuple(load_image(buffer.getvalue())[0, 0]) == (255, 255, 255)
        assert load_image(buffer.getvalue(), mode="L")[0, 0] == 255

        frames = [Image.new("RGB", (5, 5), color) for color in ((255, 0, 0), (0, 0, 255))]
        buffer = io.BytesIO()
        frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
        assert tuple(load_image(buffer.getvalue())[2, 2]) == (255, 0, 0)

    def test_not_an_image_truncated_and_bomb(self):
        with pytest.raises(nbshare.InputError, match=r"'notes\.txt' is not an image that can be read"):
            load_image(b"hello, this is text", name="notes.txt")
        png = _png(np.random.default_rng(1).integers(0, 255, (64, 64, 3), dtype=np.uint8))
        with pytest.raises(nbshare.InputError, match="damaged or truncated"):
            load_image(png[: len(png) // 2])
        with pytest.raises(nbshare.InputError, match=r"is 100×100 = 10,000 pixels; the limit is 5,000 .*max_pixels"):
            load_image(_png(np.zeros((100, 100), dtype=np.uint8)), max_pixels=5_000)
        with pytest.raises(nbshare.InputError, match="is empty"):
            load_image(b"")

    def test_arrays_of_other_dtypes(self):
        assert to_array(np.ones((3, 3), dtype=np.float32))[0, 0].tolist() == [255, 255, 255]
        assert to_array(np.full((3, 3, 1), 7, dtype=np.int64), mode="L")[0, 0] == 7
        with pytest.raises(nbshare.InputError, match="must be"):
            to_array(np.zeros((3, 3, 2)))
        with pytest.raises(nbshare.InputError, match="got dict"):
            to_array({})
