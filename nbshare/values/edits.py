"""The image edit log: operations as plain JSON dicts, checked on arrival, replayed exactly with numpy/Pillow.

Operations, coordinates in pixels of the image as it is when the operation is made:

- ``{"op": "paint", "points": [[x, y], ...], "width": w, "color": "#rrggbb"}``: a stroke with round ends.
- ``{"op": "erase", "points": [[x, y], ...], "width": w}``: restores the image's own pixels under the stroke.
- ``{"op": "crop", "box": [x0, y0, x1, y1]}``
- ``{"op": "flip", "axis": "horizontal" | "vertical"}``
- ``{"op": "rotate", "degrees": 90 | 180 | 270}``: clockwise.
- ``{"op": "undo"}``, ``{"op": "redo"}``, ``{"op": "reset"}``: kept in the log, so it records everything the person
  did; ``reset`` goes back to the original and can itself be undone.

Replay never copies the image for a crop, flip or rotation (they are numpy views of the original) and draws each stroke
only over the rectangle it covers, so its cost is the strokes' own (:func:`stroke_cost`, which components budget).
"""

from __future__ import annotations

import itertools
import math
import numbers
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from .._errors import InputError
from .stored import FileKind, Files, stored_kind

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "EditedImage",
    "Replayer",
    "check_edit",
    "compact_history",
    "draw_stroke",
    "effective_edits",
    "replay",
    "resolve_history",
    "since_last_reset",
    "stroke_cost",
    "stroke_region",
]

MAX_POINTS_PER_STROKE = 20_000
# The drawing work of a stroke, in units of about 1 ns here (see stroke_cost; benchmarks/image_budgets.py measures it).
REGION_COST = 8  # per pixel of the rectangle a stroke spans: its canvas, its mask, and painting the layers with it
POINT_COST = 16_000  # per point, besides its disc: Python's and Pillow's own work for an ellipse and a joint
ROW_COST = 70  # per pixel of a segment's length, besides its width: Pillow fills a wide line row by row
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
HISTORY_OPS = ("undo", "redo", "reset")
"""Edits that move through the log rather than change the value, shared by images, audio and video."""


def edit_op(edit: Any) -> str:
    """The ``op`` of an edit sent by a page, or an InputError when it is not a dict with one."""
    if not isinstance(edit, dict) or not isinstance(edit.get("op"), str):
        raise InputError(f"an edit must be a dict with an 'op', got {edit!r:.80}")
    return str(edit["op"])


def seconds_of(value: Any, what: str) -> float:
    """A time an edit gives (trim start, end), or an InputError when it is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise InputError(f"{what} must be a finite number of seconds, got {value!r:.40}")
    return float(value)


@stored_kind
@dataclass(frozen=True, eq=False)
class EditedImage(FileKind):
    """An image as the person uploaded it, and the edits they made to it.

    In a flag record (kind "image"): the edited image and the original as PNG files, and the edit log.
    """

    kind: ClassVar[str] = "image"

    original: np.ndarray
    edits: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    name: str = ""

    def edited(self) -> np.ndarray:
        """The pixels the function receives: ``replay(original, edits)``."""
        return replay(self.original, self.edits)

    def with_edit(self, edit: dict[str, Any]) -> EditedImage:
        return EditedImage(self.original, (*self.edits, edit), self.name)

    def to_record(self, files: Files, stem: str) -> dict[str, Any]:
        from .imaging import encode_png

        original = files.write(encode_png(self.original), f"{stem}-original.png")
        unchanged = not effective_edits(self.edits)  # nothing to replay: one file stands for both (half the work)
        edited = original if unchanged else files.write(encode_png(self.edited()), f"{stem}-edited.png")
        return {"kind": self.kind, "file": edited, "original": original, "edits": list(self.edits)}

    @classmethod
    def from_record(cls, entry: dict[str, Any], files: Files) -> EditedImage:
        """The original with its edits (a picture stored without edits: itself)."""
        from .imaging import read_png

        return cls(read_png(files.path(entry.get("original", entry["file"]))), tuple(entry.get("edits", ())))


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise InputError(f"{what} must be a finite number, got {value!r}")
    return round(float(value), 2)


def check_edit(edit: Any, height: int, width: int) -> dict[str, Any]:
    """A clean copy of ``edit`` for an image of ``height`` × ``width`` pixels, or an InputError saying what is wrong."""
    op = edit_op(edit)
    if op in HISTORY_OPS:
        return {"op": op}
    if op in ("paint", "erase"):
        points = edit.get("points")
        if not isinstance(points, list) or not points:
            raise InputError(f"a {op} stroke needs a non-empty list of [x, y] points")
        if len(points) > MAX_POINTS_PER_STROKE:
            raise InputError(f"a stroke may have at most {MAX_POINTS_PER_STROKE:,} points, got {len(points):,}")
        clean_points = []
        for point in points:
            if not isinstance(point, list | tuple) or len(point) != 2:
                raise InputError(f"each stroke point must be [x, y], got {point!r:.40}")
            clean_points.append([_number(point[0], "x"), _number(point[1], "y")])
        stroke_width = _number(edit.get("width"), "the brush width")
        if not 1 <= stroke_width <= max(height, width):
            raise InputError(
                f"the brush width must be between 1 and {max(height, width)} pixels (the image's longer side), "
                f"got {stroke_width:g}"
            )
        clean = {"op": op, "points": clean_points, "width": stroke_width}
        if op == "paint":
            color = edit.get("color", "#000000")
            if not isinstance(color, str) or not _COLOR.match(color):
                raise InputError(f"the brush colour must look like #1a2b3c, got {color!r:.20}")
            clean["color"] = color.lower()
        return clean
    if op == "crop":
        box = edit.get("box")
        if not isinstance(box, list | tuple) or len(box) != 4:
            raise InputError("a crop needs a box [x0, y0, x1, y1]")
        x0, y0, x1, y1 = (_number(value, "a crop corner") for value in box)
        left, right = _pixel_span(x0, x1, width)
        top, bottom = _pixel_span(y0, y1, height)
        if right - left < 1 or bottom - top < 1:
            raise InputError("the crop area is empty: drag a rectangle over the part of the image to keep")
        return {"op": "crop", "box": [left, top, right, bottom]}
    if op == "flip":
        if edit.get("axis") not in ("horizontal", "vertical"):
            raise InputError(f"flip needs axis 'horizontal' or 'vertical', got {edit.get('axis')!r:.20}")
        return {"op": "flip", "axis": edit["axis"]}
    if op == "rotate":
        degrees = edit.get("degrees")
        if isinstance(degrees, bool) or degrees not in (90, 180, 270, -90):
            raise InputError(f"rotate needs degrees 90, 180 or 270 (clockwise), got {degrees!r:.20}")
        return {"op": "rotate", "degrees": int(degrees) % 360}
    raise InputError(f"unknown edit {op!r:.20}; edits are paint, erase, crop, flip, rotate, undo, redo, reset")


def stroke_cost(edit: dict[str, Any], height: int, width: int) -> int:
    """The drawing work of a checked paint or erase ``edit`` on a ``height`` × ``width`` image, known before drawing.

    In units of about a nanosecond here (an upper estimate): :data:`REGION_COST` per pixel of the rectangle the
    stroke spans, per point the brush's disc (``width²``) plus :data:`POINT_COST`, per segment its length × (width +
    :data:`ROW_COST`), each disc and segment at most the image's area.
    """
    points, brush = edit["points"], max(1.0, float(edit["width"]))
    area = height * width
    box = _region_box(points, brush, height, width)
    region = 0 if box is None else (box[2] - box[0]) * (box[3] - box[1])
    discs = len(points) * (min(brush * brush, area) + POINT_COST)
    segments = sum(
        min(math.hypot(b[0] - a[0], b[1] - a[1]) * (brush + ROW_COST), area) for a, b in itertools.pairwise(points)
    )
    return int(REGION_COST * region + discs + segments)


def _pixel_span(a: float, b: float, size: int) -> tuple[int, int]:
    low, high = sorted((a, b))
    return max(0, math.floor(low)), min(size, math.ceil(high))


def effective_edits(edits: Any) -> list[dict[str, Any]]:
    """The operations that remain once undo/redo are resolved, in order."""
    return resolve_history(edits)[0]


def compact_history(edits: Any) -> tuple[dict[str, Any], ...]:
    """A shorter log with the same result and the same Undo/Redo: the edits in effect, then the ones that could be
    redone, taken back again (``done + reversed(undone) + undo × len(undone)``). What the person undid and replaced is
    dropped, so the log no longer records every step; components compact only when the log is full."""
    done, undone = resolve_history(edits)
    return (*done, *reversed(undone), *({"op": "undo"} for _ in undone))


def resolve_history(edits: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(done, undone)``: the operations in effect, and those an undo took back that a redo could restore."""
    done: list[dict[str, Any]] = []
    undone: list[dict[str, Any]] = []
    for number, edit in enumerate(edits, start=1):
        op = edit.get("op") if isinstance(edit, dict) else None
        if op == "undo":
            if not done:
                raise InputError(f"edit {number}: nothing to undo")
            undone.append(done.pop())
        elif op == "redo":
            if not undone:
                raise InputError(f"edit {number}: nothing to redo")
            done.append(undone.pop())
        else:
            done.append(edit)
            undone.clear()
    return done, undone


class Replayer:
    """Applies operations one at a time to an image; ``result()`` is the edited image so far.

    ``source`` is a view of the original (never written); the paint layers exist from the first stroke on, in the
    frame of that moment, and follow later crops, flips and rotations as views too.
    """

    def __init__(self, original: np.ndarray) -> None:
        self._original = original
        self._reset()

    def _reset(self) -> None:
        self.source = self._original  # the image's own pixels, moved by crop/flip/rotate (what erase restores)
        self.paint: np.ndarray | None = None
        self.painted: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.source.shape)

    def apply(self, edit: dict[str, Any]) -> None:
        import numpy as np

        height, width = self.source.shape[:2]
        edit = check_edit(edit, height, width)
        op = edit["op"]
        if op == "reset":
            self._reset()
        elif op in ("paint", "erase"):
            region = stroke_region(edit["points"], edit["width"], height, width)
            if region is None:
                return
            if self.paint is None or self.painted is None:
                self.paint = np.zeros(self.source.shape, dtype=self.source.dtype)  # calloc: pages come as drawn
                self.painted = np.zeros(self.source.shape[:2], dtype=bool)
            color = color_for(edit["color"], self.source) if op == "paint" else None
            draw_stroke(self.paint, self.painted, region, color)
        elif op == "crop":
            left, top, right, bottom = edit["box"]
            self._transform(lambda a: a[top:bottom, left:right])
        elif op == "flip":
            self._transform(np.fliplr if edit["axis"] == "horizontal" else np.flipud)
        elif op == "rotate":
            turns = {90: -1, 180: 2, 270: 1}[edit["degrees"]]  # np.rot90 turns counter-clockwise
            self._transform(lambda a: np.rot90(a, turns))
        else:  # undo/redo never reach a Replayer: effective_edits resolves them first
            raise InputError(f"{op} must be resolved with effective_edits() before replaying")

    def _transform(self, move: Any) -> None:
        self.source = move(self.source)
        if self.paint is not None and self.painted is not None:
            self.paint, self.painted = move(self.paint), move(self.painted)

    def result(self) -> np.ndarray:
        """The edited image: a new C-contiguous array (never the original itself)."""
        import numpy as np

        result = np.array(self.source, order="C")
        if self.paint is not None and self.painted is not None:
            for channel in _channels(result):
                np.copyto(result[channel], self.paint[channel], where=self.painted)
        return result


def _channels(pixels: np.ndarray) -> list[Any]:
    """Index expressions for each channel of ``pixels`` (masked copies per channel are ~5× faster than with a
    mask broadcast over the channels)."""
    return [...] if pixels.ndim == 2 else [(..., channel) for channel in range(pixels.shape[2])]


def draw_stroke(paint: np.ndarray, painted: np.ndarray, region: tuple[slice, slice, np.ndarray], color: Any) -> None:
    """Apply a stroke's ``region`` (from :func:`stroke_region`) to the layers: paint ``color`` (a level or a tuple,
    from :func:`color_for`) where it covers, or erase (``color`` None: the image's own pixels show again)."""
    import numpy as np

    rows, columns, mask = region
    covered = painted[rows, columns]
    if color is None:
        np.copyto(covered, False, where=mask)
        return
    layer = paint[rows, columns]
    levels = [color] if layer.ndim == 2 else list(color)
    for channel, level in zip(_channels(layer), levels, strict=True):
        np.copyto(layer[channel], level, where=mask)
    np.logical_or(covered, mask, out=covered)


def _region_box(
    points: list[list[float]], width: float, height: int, image_width: int
) -> tuple[int, int, int, int] | None:
    """``(left, top, right, bottom)`` of the pixels a stroke may touch (with a margin), or None when none."""
    radius = width / 2
    xs, ys = [x for x, _ in points], [y for _, y in points]
    left, top = max(0, math.floor(min(xs) - radius) - 2), max(0, math.floor(min(ys) - radius) - 2)
    right = min(image_width, math.ceil(max(xs) + radius) + 3)
    bottom = min(height, math.ceil(max(ys) + radius) + 3)
    return None if right <= left or bottom <= top else (left, top, right, bottom)


def stroke_region(
    points: list[list[float]], width: float, height: int, image_width: int
) -> tuple[slice, slice, np.ndarray] | None:
    """``(rows, columns, mask)``: the pixels a stroke covers in the rectangle ``[rows, columns]`` of the image, or
    None when it misses the image. A line with round joints and a disc at every point, drawn by Pillow.

    Pillow's drawing is not the same under translation, so the canvas keeps the image's origin (it only stops at the
    stroke's right and bottom edge): logs recorded before replay drew region by region rebuild the same pixels.
    """
    import numpy as np
    from PIL import Image, ImageDraw

    box = _region_box(points, width, height, image_width)
    if box is None:
        return None
    left, top, right, bottom = box
    canvas = Image.new("L", (right, bottom), 0)
    draw = ImageDraw.Draw(canvas)
    flat = [(x, y) for x, y in points]
    if len(flat) > 1:
        draw.line(flat, fill=1, width=max(1, round(width)), joint="curve")
    radius = width / 2
    for x, y in flat:
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=1)
    mask = np.asarray(canvas if box[:2] == (0, 0) else canvas.crop(box)).view(bool)  # 0 and 1: False and True
    return slice(top, bottom), slice(left, right), mask


def color_for(color: str, image: np.ndarray) -> Any:
    from PIL import ImageColor

    if image.ndim == 2:
        return ImageColor.getcolor(color, "L")
    return ImageColor.getcolor(color, "RGBA" if image.shape[2] == 4 else "RGB")


def replay(original: Any, edits: Any) -> np.ndarray:
    """Rebuild an edited image exactly from the original and its edit log.

    Parameters
    ----------
    original
        The image before any edit: a uint8 array, a PIL image, a path or file bytes (arrays keep their channels).
    edits
        The edit log, as recorded by the image editor (see this module's docstring).

    Returns
    -------
    numpy.ndarray
        The edited image, uint8, with the original's channels.
    """
    import numpy as np

    from .imaging import to_array

    if isinstance(original, np.ndarray) and original.dtype == np.uint8:
        pixels = original
    else:
        pixels = to_array(original, mode="RGBA" if _has_alpha(original) else "RGB")
    replayer = Replayer(pixels)
    for edit in since_last_reset(effective_edits(edits)):
        replayer.apply(edit)
    return replayer.result()


def since_last_reset(done: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The edits in effect after the last reset among them (a reset starts again from the original)."""
    resets = [index for index, edit in enumerate(done) if edit.get("op") == "reset"]
    return done[resets[-1] + 1 :] if resets else done


def _has_alpha(image: Any) -> bool:
    bands = getattr(image, "getbands", None)
    return bool(bands and "A" in bands())
