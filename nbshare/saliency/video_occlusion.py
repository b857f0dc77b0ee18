"""Occlusion over frames ("which moments matter"): each window of the frames the function receives is replaced in
turn, and the drop of the measured output is that moment's score.

A window is replaced by the clip's mean frame (every pixel's mean over the frames given; ``Occlusion(fill="mean")``,
the default), or by a flat ``fill`` colour: what happens in those frames disappears and the scene stays, so the
frames around are unchanged and the clip keeps its length. The clip is cut into at most :data:`MAX_WINDOWS` windows
of whole frames (every frame's own when there are fewer frames); each window's score is given from its start time
(seconds from the start of the kept part) as ``(f"{t:.1f} s", score)`` in ``pieces`` and its exact time in ``times``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..values.video_clip import EditedVideo
from .methods import Occlusion
from .occlusion import InputExplanation, Perturbation

__all__ = ["MAX_WINDOWS", "frames_plan"]

MAX_WINDOWS = 24
_GRAYS = {"black": 0, "gray": 128, "white": 255}


def frames_plan(
    settings: Occlusion,
    index: int,
    component: Any,
    value: Any,
    _examples: list[Any],
) -> Perturbation:
    """The variants of input ``index`` (a clip) with one window of its frames hidden each."""
    clip = component.to_clip(value)
    frames = clip.edited(fps=component.fps, size=component.size, max_frames=component.max_frames)
    rate = float(component.fps or clip.info.fps)
    count = len(frames)
    window = max(1, math.ceil(count / MAX_WINDOWS))
    starts = list(range(0, count, window))
    fill = _fill(settings.fill, frames)

    def vary(i: int, values: list[Any]) -> list[Any]:
        hidden = frames.copy()
        hidden[starts[i] : starts[i] + window] = fill
        row = list(values)
        row[index] = EditedVideo(hidden, (), clip.name, rate, clip.limits)
        return row

    def combine(drops: np.ndarray) -> InputExplanation:
        times = [start / rate for start in starts]
        pieces: list[tuple[str, float | None]] = [
            (f"{t:.1f} s", float(drop)) for t, drop in zip(times, drops, strict=True)
        ]
        kind = "the clip's mean frame" if settings.fill == "mean" else f"{settings.fill}"
        note = f"{len(starts)} windows of {window} frame(s) ({window / rate:.2f} s), each replaced by {kind}"
        return InputExplanation(component.label, "features", pieces=pieces, note=note, times=times)

    return Perturbation(len(starts), vary, combine, frames.nbytes)


def _fill(fill: str | tuple[int, ...], frames: np.ndarray) -> Any:
    if fill == "mean":
        return frames.mean(axis=0).round().astype(np.uint8)
    if isinstance(fill, str):
        return _GRAYS[fill]
    color = np.asarray(fill, dtype=np.uint8)
    if color.size != 3:
        raise ValueError(f"Occlusion(fill=...) has {color.size} values but a video frame has 3 channels")
    return color
