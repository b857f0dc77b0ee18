"""What the image editor keeps to show an edited image: its edit log replayed at the size the image is shown.

The function receives the edited image at full resolution (:func:`~nbshare.values.edits.replay`, at call time); the
editor needs only what it shows. So it replays the log on pictures of at most ``longest`` pixels a side: the frame
(the original seen through the crops, flips and rotations, as numpy views, then reduced) under a paint layer where
each stroke is drawn at that scale. An image no larger than ``longest`` is replayed at its own size, pixel for pixel as
``replay`` does. :class:`ShownHistory` keeps the states of recent edits and a packed checkpoint every
:data:`EVERY` edits, so Undo and Redo replay at most a few strokes at display size, never the whole log.
"""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .edits import check_edit, color_for, draw_stroke, stroke_region
from .imaging import resize

if TYPE_CHECKING:
    import numpy as np

__all__ = ["EVERY", "Shown", "ShownHistory"]

EVERY = 8  # a checkpoint every EVERY edits in effect: Undo replays fewer than that many edits at display size
RECENT = 3  # states kept as they are (the latest and the ones just before): Undo, then Redo, replay nothing


@dataclasses.dataclass(frozen=True)
class Shown:
    """The edited image as shown after some edits: ``base`` (the frame's own pixels) under ``paint`` where
    ``painted``; all three at ``scale`` shown pixels per image pixel (at most 1)."""

    geometry: tuple[dict[str, Any], ...]  # crops, flips and rotations since the last reset, in order
    frames: tuple[tuple[int, int], ...]  # (height, width) at full resolution before each of them, and now
    strokes: tuple[tuple[dict[str, Any], int], ...]  # paints and erases, each with the count of geometry before it
    scale: float
    base: np.ndarray
    paint: np.ndarray | None = None
    painted: np.ndarray | None = None

    @property
    def frame(self) -> tuple[int, int]:
        """``(height, width)`` of the edited image at full resolution: what the page's edits are measured in."""
        return self.frames[-1]

    def nbytes(self, original: np.ndarray) -> int:
        """Bytes held besides ``original`` (a picture of a small image is a view of it)."""

        layers = (self.base, self.paint, self.painted)
        return sum(a.nbytes for a in layers if a is not None and not _shares(a, original))


def start(original: np.ndarray, longest: int) -> Shown:
    frame = (int(original.shape[0]), int(original.shape[1]))
    scale = min(1.0, longest / max(frame))
    return Shown((), (frame,), (), scale, _base(original, (), frame, scale))


def step(state: Shown, edit: dict[str, Any], original: np.ndarray, longest: int) -> Shown:
    """The state after one edit (never undo/redo: the caller resolves them)."""
    import numpy as np

    edit = check_edit(edit, *state.frame)  # a log set from Python (a flag loaded back) is checked here too
    op = edit["op"]
    if op == "reset":
        return start(original, longest)
    if op in ("paint", "erase"):
        stroke = (edit, len(state.geometry))
        paint, painted = _draw(state, [stroke], state.paint, state.painted)
        return dataclasses.replace(state, strokes=(*state.strokes, stroke), paint=paint, painted=painted)
    frame = _moved_frame(state.frame, edit)
    geometry = (*state.geometry, edit)
    scale = min(1.0, longest / max(frame))
    moved = Shown(geometry, (*state.frames, frame), state.strokes, scale, _base(original, geometry, frame, scale))
    if op != "crop" or state.scale == 1:
        # The layers follow as pixels; at a scale of 1 (which a crop keeps) exactly as replay moves them.
        move = _move(edit)
        paint = None if state.paint is None else np.ascontiguousarray(move(state.paint))
        painted = None if state.painted is None else np.ascontiguousarray(move(state.painted))
        return dataclasses.replace(moved, paint=paint, painted=painted)
    # A crop of a reduced picture shows its part larger: draw the strokes again, sharp, at the new scale.
    paint, painted = _draw(moved, list(state.strokes), None, None)
    return dataclasses.replace(moved, paint=paint, painted=painted)


def _move(edit: dict[str, Any]) -> Callable[[Any], Any]:
    import numpy as np

    if edit["op"] == "crop":
        left, top, right, bottom = edit["box"]
        return lambda a: a[top:bottom, left:right]
    if edit["op"] == "flip":
        return np.fliplr if edit["axis"] == "horizontal" else np.flipud
    turns = {90: -1, 180: 2, 270: 1}[edit["degrees"]]  # np.rot90 turns counter-clockwise
    return lambda a: np.rot90(a, turns)


def _moved_frame(frame: tuple[int, int], edit: dict[str, Any]) -> tuple[int, int]:
    if edit["op"] == "crop":
        left, top, right, bottom = edit["box"]
        return bottom - top, right - left
    if edit["op"] == "rotate" and edit["degrees"] in (90, 270):
        return frame[1], frame[0]
    return frame


def _moved_point(x: float, y: float, edit: dict[str, Any], frame: tuple[int, int]) -> tuple[float, float]:
    """Where the point (x, y) of a frame of ``frame`` = (height, width) is after ``edit``."""
    height, width = frame
    if edit["op"] == "crop":
        return x - edit["box"][0], y - edit["box"][1]
    if edit["op"] == "flip":
        return (width - x, y) if edit["axis"] == "horizontal" else (x, height - y)
    return {90: (height - y, x), 180: (width - x, height - y), 270: (y, width - x)}[edit["degrees"]]


def _base(original: np.ndarray, geometry: Sequence[dict[str, Any]], frame: tuple[int, int], scale: float) -> Any:
    view = original
    for edit in geometry:
        view = _move(edit)(view)
    if scale >= 1:
        return view  # a view of the original: nothing held twice
    import numpy as np

    stride = max(1, int(1 / scale / 2))  # every stride-th pixel, then a box filter: no full-size copy
    reduced = np.ascontiguousarray(view[::stride, ::stride])
    return resize(reduced, max(1, round(frame[1] * scale)), max(1, round(frame[0] * scale)))


def _draw(
    state: Shown, strokes: list[tuple[dict[str, Any], int]], paint: Any, painted: Any
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """``strokes`` drawn into copies of ``paint`` and ``painted``, in the state's frame and scale."""
    import numpy as np

    height, width = state.base.shape[:2]
    paint = None if paint is None else paint.copy()
    painted = None if painted is None else painted.copy()
    for edit, before in strokes:
        points = [(float(x), float(y)) for x, y in edit["points"]]
        for moved, frame in zip(state.geometry[before:], state.frames[before:], strict=False):
            points = [_moved_point(x, y, moved, frame) for x, y in points]
        stroke_width = edit["width"]
        if state.scale < 1:
            points = _thinned([(x * state.scale, y * state.scale) for x, y in points])
            stroke_width = max(1.0, stroke_width * state.scale)
        region = stroke_region([list(p) for p in points], stroke_width, height, width)
        if region is None:
            continue
        if paint is None or painted is None:
            paint = np.zeros(state.base.shape, dtype=state.base.dtype)
            painted = np.zeros((height, width), dtype=bool)
        draw_stroke(paint, painted, region, color_for(edit["color"], state.base) if edit["op"] == "paint" else None)
    return paint, painted


def _shares(array: Any, original: Any) -> bool:
    import numpy as np

    return bool(np.may_share_memory(array, original))


def _thinned(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Points closer than half a shown pixel to the one kept before are dropped (the last one stays)."""
    kept = points[:1]
    for x, y in points[1:-1]:
        if abs(x - kept[-1][0]) + abs(y - kept[-1][1]) >= 0.5:
            kept.append((x, y))
    return kept + points[-1:] if len(points) > 1 else kept


@dataclasses.dataclass(frozen=True)
class _Packed:
    """A checkpoint with its paint layers compressed (they are mostly empty or flat)."""

    state: Shown
    paint: bytes
    painted: bytes

    @classmethod
    def of(cls, state: Shown) -> _Packed:
        import numpy as np

        paint = b"" if state.paint is None else zlib.compress(state.paint.tobytes(), 1)
        painted = b"" if state.painted is None else zlib.compress(np.packbits(state.painted).tobytes(), 1)
        return cls(dataclasses.replace(state, paint=None, painted=None), paint, painted)

    def unpacked(self) -> Shown:
        import numpy as np

        if not self.paint:
            return self.state
        base = self.state.base
        height, width = base.shape[:2]
        paint = np.frombuffer(zlib.decompress(self.paint), dtype=base.dtype).reshape(base.shape).copy()
        bits = np.frombuffer(zlib.decompress(self.painted), dtype=np.uint8)
        painted = np.unpackbits(bits, count=height * width).astype(bool).reshape(height, width)
        return dataclasses.replace(self.state, paint=paint, painted=painted)


class ShownHistory:
    """The shown states of one original along the edits in effect, so that going back or forth costs a few steps.

    :meth:`state` takes the edits in effect (``effective_edits(log)``: the same dict objects as the log's) and answers
    from the nearest state it holds on the way: one of the :data:`RECENT` last ones, or a checkpoint every
    :data:`EVERY` edits (dropped when the person takes another branch).
    """

    def __init__(self, original: np.ndarray, longest: int) -> None:
        self.original = original
        self.longest = longest
        self.steps = 0
        """Edits replayed so far, in all (what Undo and Redo cost is its growth)."""
        self._trail: list[dict[str, Any]] = []
        self._marks: dict[int, _Packed | Shown] = {0: start(original, longest)}
        self._recent: dict[int, Shown] = {}

    def state(self, done: Sequence[dict[str, Any]]) -> Shown:
        done = list(done)
        common = 0
        for ours, theirs in zip(self._trail, done, strict=False):
            if ours is not theirs:
                break
            common += 1
        if len(done) > common:  # another branch from ``common`` on: what was held past it no longer applies
            self._trail = done
            self._marks = {k: v for k, v in self._marks.items() if k <= common}
            self._recent = {k: v for k, v in self._recent.items() if k <= common}
        at = max(k for k in (*self._marks, *self._recent) if k <= len(done))
        held = self._recent.get(at) or self._marks[at]
        state = held.unpacked() if isinstance(held, _Packed) else held
        for index in range(at, len(done)):
            state = step(state, done[index], self.original, self.longest)
            self.steps += 1
            if (index + 1) % EVERY == 0 and index + 1 not in self._marks:
                self._marks[index + 1] = _Packed.of(state)
        self._recent.pop(len(done), None)
        self._recent[len(done)] = state
        while len(self._recent) > RECENT:
            del self._recent[next(iter(self._recent))]
        return state

    def nbytes(self) -> int:
        """Bytes this history holds besides the original (its states and checkpoints)."""
        shown = [*self._recent.values(), *(m.state if isinstance(m, _Packed) else m for m in self._marks.values())]
        distinct = {id(a): a for s in shown for a in (s.base, s.paint, s.painted) if a is not None}
        packed = sum(len(m.paint) + len(m.painted) for m in self._marks.values() if isinstance(m, _Packed))
        return packed + sum(a.nbytes for a in distinct.values() if not _shares(a, self.original))
