"""The image edit log: operations as plain JSON dicts, checked on arrival, replayed exactly with numpy/Pillow.

Operations, coordinates in pixels of the image as it is when the operation is made:

- ``{"op": "paint", "points": [[x, y], ...], "width": w, "color": "#rrggbb"}``: a stroke with round ends.
- ``{"op": "erase", "points": [[x, y], ...], "width": w}``: restores the image's own pixels under the stroke.
- ``{"op": "crop", "box": [x0, y0, x1, y1]}``
- ``{"op": "flip", "axis": "horizontal" | "vertical"}``
- ``{"op": "rotate", "degrees": 90 | 180 | 270}``: clockwise.
- ``{"op": "undo"}``, ``{"op": "redo"}``, ``{"op": "reset"}``: kept in the log, so it records everything the person
  did; ``reset`` goes back to the original and can itself be undone.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from .._errors import InputError
from .stored import FileKind, Files, stored_kind

if TYPE_CHECKING:
    import numpy as np

__all__ = ["EditedImage", "Replayer", "check_edit", "effective_edits", "replay", "resolve_history"]

MAX_POINTS_PER_STROKE = 20_000
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_HISTORY_OPS = ("undo", "redo", "reset")


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

        return {
            "kind": self.kind,
            "file": files.write(encode_png(self.edited()), f"{stem}-edited.png"),
            "original": files.write(encode_png(self.original), f"{stem}-original.png"),
            "edits": list(self.edits),
        }

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
    if not isinstance(edit, dict) or not isinstance(edit.get("op"), str):
        raise InputError(f"an edit must be a dict with an 'op', got {edit!r:.80}")
    op = edit["op"]
    if op in _HISTORY_OPS:
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
        if not 1 <= stroke_width <= 2 * max(height, width):
            raise InputError(
                f"the brush width must be between 1 and {2 * max(height, width)} pixels, got {stroke_width}"
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


def _pixel_span(a: float, b: float, size: int) -> tuple[int, int]:
    low, high = sorted((a, b))
    return max(0, math.floor(low)), min(size, math.ceil(high))


def effective_edits(edits: Any) -> list[dict[str, Any]]:
    """The operations that remain once undo/redo are resolved, in order."""
    return resolve_history(edits)[0]


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
    """Applies operations one at a time to an image; ``result()`` is the edited image so far."""

    def __init__(self, original: np.ndarray) -> None:
        self._original = original
        self._reset()

    def _reset(self) -> None:
        import numpy as np

        original = self._original
        self.source = original.copy()  # the image's own pixels, moved by crop/flip/rotate (what erase restores)
        self.paint = np.zeros_like(original)
        self.painted = np.zeros(original.shape[:2], dtype=bool)

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
            mask = _stroke_mask(edit["points"], edit["width"], height, width)
            if op == "paint":
                self.paint[mask] = _color_for(edit["color"], self.source)
                self.painted |= mask
            else:
                self.painted &= ~mask
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
        import numpy as np

        self.source = np.ascontiguousarray(move(self.source))
        self.paint = np.ascontiguousarray(move(self.paint))
        self.painted = np.ascontiguousarray(move(self.painted))

    def result(self) -> np.ndarray:
        import numpy as np

        mask = self.painted if self.source.ndim == 2 else self.painted[:, :, None]
        return np.where(mask, self.paint, self.source)


def _stroke_mask(points: list[list[float]], width: float, height: int, image_width: int) -> np.ndarray:
    import numpy as np
    from PIL import Image, ImageDraw

    canvas = Image.new("L", (image_width, height), 0)
    draw = ImageDraw.Draw(canvas)
    flat = [(x, y) for x, y in points]
    if len(flat) > 1:
        draw.line(flat, fill=255, width=max(1, round(width)), joint="curve")
    radius = width / 2
    for x, y in flat:
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=255)
    return np.asarray(canvas) > 0


def _color_for(color: str, image: np.ndarray) -> Any:
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
    for edit in effective_edits(edits):
        replayer.apply(edit)
    return replayer.result()


def _has_alpha(image: Any) -> bool:
    bands = getattr(image, "getbands", None)
    return bool(bands and "A" in bands())
