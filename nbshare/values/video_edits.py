"""The video edit log: operations as plain JSON dicts, checked on arrival, resolved to what replay needs.

Operations (times in seconds of the clip as it is when the operation is made; coordinates in pixels of the frame as
the page shows it, which is the frame as decoded and turned upright):

- ``{"op": "trim", "start": s, "end": s}``: keep only that part (a second trim cuts within the first).
- ``{"op": "occlude", "points": [[x, y], ...], "width": w, "color": "#rrggbb"}``: a brush stroke (as the image
  editor's paint), or ``{"op": "occlude", "box": [x0, y0, x1, y1], "color": ...}``: a rectangle; either covers the
  same pixels on every frame of the kept part. The colour defaults to black.
- ``{"op": "undo"}``, ``{"op": "redo"}``, ``{"op": "reset"}``: as in the image log.

A log resolves to a window of the original clip and a list of occlusions (:func:`resolve_video_edits`): replay is one
decoding pass, whatever the number of edits, so no checkpoints are needed.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._errors import InputError
from .edits import (
    HISTORY_OPS,
    MAX_POINTS_PER_STROKE,
    check_edit,
    edit_op,
    effective_edits,
    resolve_history,
    seconds_of,
    since_last_reset,
    stroke_region,
)

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "MAX_OCCLUSION_POINTS",
    "MAX_VIDEO_EDITS",
    "Occlusion",
    "ResolvedEdits",
    "check_video_edit",
    "check_video_log",
    "occlusion_layers",
    "resolve_video_edits",
]

MAX_VIDEO_EDITS = 200  # entries in a log (Undo/Redo/Reset included)
MAX_OCCLUSION_POINTS = 50_000  # stroke points over all the occlusions in effect: drawing them is the mask's cost
TIME_SLACK = 0.1  # seconds a trim may pass the clip's end (the page's duration and the container's differ a little)
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _seconds(value: Any, what: str) -> float:
    return round(seconds_of(value, what), 6)


def check_video_edit(edit: Any, *, duration: float, width: int, height: int) -> dict[str, Any]:
    """A clean copy of ``edit`` for a clip of ``duration`` seconds (as it is when the edit is made) whose frames are
    ``width`` × ``height``, or an InputError saying what is wrong."""
    op = edit_op(edit)
    if op in HISTORY_OPS:
        return {"op": op}
    if op == "trim":
        start, end = _seconds(edit.get("start"), "the start"), _seconds(edit.get("end"), "the end")
        if start < 0 or end > duration + TIME_SLACK:
            raise InputError(
                f"the part to keep ({start:g} s to {end:g} s) is outside the clip, which lasts {duration:.2f} s"
            )
        end = min(end, duration)
        if start >= end:
            raise InputError(f"the start ({start:g} s) must come before the end ({end:g} s)")
        return {"op": "trim", "start": start, "end": end}
    if op == "occlude":
        color = edit.get("color", "#000000")
        if not isinstance(color, str) or not _COLOR.match(color):
            raise InputError(f"the occlusion colour must look like #1a2b3c, got {color!r:.20}")
        if "box" in edit:
            box = edit["box"]
            if not isinstance(box, list | tuple) or len(box) != 4:
                raise InputError("an occluding rectangle needs a box [x0, y0, x1, y1]")
            x0, y0, x1, y1 = (_pixel(value) for value in box)
            left, right = max(0, math.floor(min(x0, x1))), min(width, math.ceil(max(x0, x1)))
            top, bottom = max(0, math.floor(min(y0, y1))), min(height, math.ceil(max(y0, y1)))
            if right - left < 1 or bottom - top < 1:
                raise InputError("the occluding rectangle is empty or outside the frame: drag one over the frame")
            return {"op": "occlude", "box": [left, top, right, bottom], "color": color.lower()}
        stroke = check_edit({"op": "paint", **{k: edit.get(k) for k in ("points", "width")}}, height, width)
        return {"op": "occlude", "points": stroke["points"], "width": stroke["width"], "color": color.lower()}
    raise InputError(f"unknown video edit {op[:40]!r}; edits are trim, occlude, undo, redo, reset")


def _pixel(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise InputError(f"a rectangle corner must be a finite number of pixels, got {value!r:.40}")
    return float(value)


@dataclass(frozen=True)
class Occlusion:
    """One checked occlude edit."""

    color: str
    box: tuple[int, int, int, int] | None = None
    points: tuple[tuple[float, float], ...] = ()
    width: float = 0.0


@dataclass(frozen=True)
class ResolvedEdits:
    """What a log does to the original clip: keep ``[start, end)`` seconds of it, then cover ``occlusions`` (in
    order: a later one paints over an earlier one) on every kept frame."""

    start: float
    end: float
    occlusions: tuple[Occlusion, ...] = ()

    @property
    def duration(self) -> float:
        return self.end - self.start


def check_video_log(
    edits: Any, *, duration: float, width: int, height: int, max_edits: int = MAX_VIDEO_EDITS
) -> tuple[dict[str, Any], ...]:
    """The log ``edits`` checked whole (each edit against the clip as it is when made, undo/redo against the
    history, the log's length and its stroke points), as clean copies; or an InputError saying what is wrong."""
    if not isinstance(edits, list | tuple):
        raise InputError(f"the edit log must be a list of edits, got {type(edits).__name__}")
    if len(edits) > max_edits:
        raise InputError(f"the edit log holds {len(edits):,} edits; the most is {max_edits:,}: undo some, or Reset")
    clean: list[dict[str, Any]] = []
    for number, edit in enumerate(edits, start=1):
        try:
            current = resolve_video_edits(clean, duration)  # the clip as it is when this edit is made
            checked = check_video_edit(edit, duration=current.duration, width=width, height=height)
            done, undone = resolve_history(clean)
            if (checked["op"] == "undo" and not done) or (checked["op"] == "redo" and not undone):
                raise InputError(f"nothing to {checked['op']}")
        except InputError as error:
            raise InputError(f"edit {number}: {error}") from None
        clean.append(checked)
    resolve_video_edits(clean, duration)
    return tuple(clean)


def resolve_video_edits(edits: Any, duration: float) -> ResolvedEdits:
    """The window and occlusions a log (already checked edit by edit) comes to, for a clip of ``duration`` s."""
    start, end = 0.0, float(duration)
    occlusions: list[Occlusion] = []
    points = 0
    for edit in since_last_reset(effective_edits(list(edits))):
        if edit["op"] == "trim":
            start, end = start + edit["start"], min(end, start + edit["end"])
        elif edit["op"] == "occlude":
            if "box" in edit:
                occlusions.append(Occlusion(edit["color"], box=tuple(edit["box"])))  # type: ignore[arg-type]
            else:
                occlusions.append(
                    Occlusion(edit["color"], points=tuple((x, y) for x, y in edit["points"]), width=edit["width"])
                )
                points += len(edit["points"])
        if points > MAX_OCCLUSION_POINTS:
            raise InputError(
                f"the occlusions in effect hold more than {MAX_OCCLUSION_POINTS:,} stroke points: undo some, or Reset"
            )
    if end - start <= 0:
        raise InputError("the trims leave nothing of the clip: undo one, or Reset")
    return ResolvedEdits(round(start, 6), round(end, 6), tuple(occlusions))


def occlusion_layers(
    occlusions: tuple[Occlusion, ...], height: int, width: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """``(covered, colour)``: a bool (height, width) mask and the uint8 (height, width, 3) colours under it, or None
    without occlusions. Strokes are drawn as the image editor draws paint (:func:`~.edits.stroke_region`)."""
    import numpy as np
    from PIL import ImageColor

    if not occlusions:
        return None
    covered = np.zeros((height, width), dtype=bool)
    colour = np.zeros((height, width, 3), dtype=np.uint8)
    for occlusion in occlusions:
        rgb = ImageColor.getcolor(occlusion.color, "RGB")
        if occlusion.box is not None:
            left, top, right, bottom = occlusion.box
            rows, columns = slice(top, min(bottom, height)), slice(left, min(right, width))
            covered[rows, columns] = True
            colour[rows, columns] = rgb
            continue
        if len(occlusion.points) > MAX_POINTS_PER_STROKE:  # checked edits never are; a hand-made Occlusion might be
            raise InputError(f"a stroke may have at most {MAX_POINTS_PER_STROKE:,} points")
        region = stroke_region([list(p) for p in occlusion.points], occlusion.width, height, width)
        if region is None:
            continue
        rows, columns, mask = region
        covered[rows, columns] |= mask
        patch = colour[rows, columns]
        for channel in range(3):
            np.copyto(patch[..., channel], rgb[channel], where=mask)  # type: ignore[index]
    return covered, colour
