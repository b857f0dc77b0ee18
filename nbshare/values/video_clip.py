"""The edited clip (a video as the person gave it and the edits they made to it, kept in flags as the original file
and the edit log) and H.264 MP4 encoding for outputs; :mod:`.video` decodes, :mod:`.video_edits` checks the log."""

from __future__ import annotations

import io
import math
import os
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import Any, ClassVar

import numpy as np

from .files import temporary_folder
from .imaging import encode_png
from .stored import FileKind, Files, stored_kind
from .video import _EPS, VideoInfo, VideoLimits, _array_info, probe, replay_video
from .video_edits import ResolvedEdits, check_video_edit, check_video_log, resolve_video_edits

__all__ = ["EditedVideo", "encode_mp4"]

THUMBNAIL_PIXELS = 72  # the height of a flag's thumbnail (the inbox shows it)


def encode_mp4(frames: Any, fps: float, *, crf: int = 20) -> bytes:
    """An H.264 MP4 file (yuv420p, playable in browsers, index first) of uint8 ``frames`` (T, H, W, 3) at ``fps``;
    odd widths and heights are padded by one pixel repeating the edge (H.264's 4:2:0 needs even sizes)."""
    import av

    frames = np.asarray(frames)
    _array_info(frames, fps)
    if frames.shape[1] % 2 or frames.shape[2] % 2:
        frames = np.pad(frames, ((0, 0), (0, frames.shape[1] % 2), (0, frames.shape[2] % 2), (0, 0)), mode="edge")
    with tempfile.TemporaryDirectory(dir=temporary_folder()) as folder:  # faststart rereads the file to move the index
        path = os.path.join(folder, "clip.mp4")
        with av.open(path, mode="w", format="mp4", options={"movflags": "+faststart"}) as container:
            stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
            stream.width, stream.height, stream.pix_fmt = frames.shape[2], frames.shape[1], "yuv420p"
            stream.options = {"crf": str(crf), "preset": "veryfast"}
            for pixels in frames:
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(pixels), format="rgb24")
                container.mux(stream.encode(frame))
            container.mux(stream.encode())
        with open(path, "rb") as handle:
            return handle.read()


@stored_kind
@dataclass(frozen=True, eq=False)
class EditedVideo(FileKind):
    """A clip as the person gave it (``original``: the file's bytes, or uint8 frames (T, H, W, 3) at ``fps``), and
    the edits they made to it.

    In a flag record (kind "video"): the original clip file as it arrived (frames: a ``.npy`` file), the edit log and
    a summary of the kept part; Load replays the log.
    """

    kind: ClassVar[str] = "video"

    original: bytes | np.ndarray
    edits: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    name: str = ""
    fps: float | None = None
    limits: VideoLimits = field(default_factory=VideoLimits)

    @cached_property
    def info(self) -> VideoInfo:
        if isinstance(self.original, np.ndarray):
            return _array_info(self.original, self.fps)
        return probe(self.original, self.limits, name=self.name)

    def resolved(self) -> ResolvedEdits:
        """The kept window of the original and the occlusions in effect."""
        info = self.info
        return resolve_video_edits(check_video_log(list(self.edits), **_frame_of(info)), info.duration)

    def edited(self, *, fps: float | None = None, size: tuple[int, int] | None = None, max_frames: int | None = None):
        """The frames the function receives: :func:`replay_video` of the original and the log."""
        return replay_video(
            self.original,
            self.edits,
            fps=fps,
            size=size,
            max_frames=max_frames,
            limits=self.limits,
            source_fps=self.fps,
            name=self.name,
        )

    def stills(self, count: int, height: int = 64, *, occluded: bool = True) -> tuple[np.ndarray, list[float]]:
        """Up to ``count`` frames sampled evenly over the kept part (uint8 (n, height, w, 3), the aspect kept), with
        occlusions painted unless ``occluded=False``, and their times in seconds from the kept part's start."""
        info, kept = self.info, self.resolved()
        shown = max(1, min(count, math.ceil(kept.duration * info.fps - _EPS)))
        rate = shown / kept.duration
        width = max(1, round(height * info.width / info.height))
        source: EditedVideo = self
        if not occluded:
            trim = {"op": "trim", "start": kept.start, "end": kept.end}
            source = EditedVideo(self.original, (trim,), self.name, self.fps, self.limits)
            source.__dict__["info"] = info
        frames = source.edited(fps=rate, size=(width, height), max_frames=shown)
        return frames, [index / rate for index in range(len(frames))]

    def with_edit(self, edit: Any) -> EditedVideo:
        """This clip with ``edit`` checked (against the clip as it is now) and appended to the log."""
        info = self.info
        current = self.resolved()
        clean = check_video_edit(edit, duration=current.duration, width=info.width, height=info.height)
        edited = EditedVideo(self.original, (*self.edits, clean), self.name, self.fps, self.limits)
        check_video_log(list(edited.edits), **_frame_of(info))
        edited.__dict__["info"] = info  # the same original: its header need not be read again
        return edited

    def to_record(self, files: Files, stem: str) -> dict[str, Any]:
        info, resolved = self.info, self.resolved()
        if isinstance(self.original, np.ndarray):
            buffer = io.BytesIO()
            np.save(buffer, self.original, allow_pickle=False)
            original = files.write(buffer.getvalue(), f"{stem}-original.npy")
        else:
            original = files.write(bytes(self.original), f"{stem}-original{_suffix(self.name, info)}")
        summary = {
            "start": resolved.start,
            "end": resolved.end,
            "duration": round(resolved.duration, 6),
            "width": info.width,
            "height": info.height,
            "fps": info.fps,
            "frames": max(1, math.ceil(resolved.duration * info.fps - _EPS)),
            "occlusions": len(resolved.occlusions),
            "codec": info.codec,
            "has_audio": info.has_audio,
        }
        middle = self.stills(2, THUMBNAIL_PIXELS)[0][-1]  # the frame at the middle of the kept part (or its only one)
        thumbnail = files.write(encode_png(middle), f"{stem}-thumbnail.png")
        return {
            "kind": self.kind,
            "file": original,
            "original": original,
            "edits": list(self.edits),
            "thumbnail": thumbnail,
            **summary,
        }

    @classmethod
    def from_record(cls, entry: dict[str, Any], files: Files) -> EditedVideo:
        path = files.path(entry.get("original", entry["file"]))
        edits = tuple(entry.get("edits", ()))
        if path.suffix == ".npy":
            return cls(np.load(path, allow_pickle=False), edits, fps=float(entry["fps"]))
        return cls(path.read_bytes(), edits, path.name)

    @classmethod
    def frame_cells(cls, name: str, entry: dict[str, Any], files: Files) -> dict[str, Any]:
        return {name: str(files.path(entry["original"])), f"{name} edits": entry.get("edits", [])}


def _frame_of(info: VideoInfo) -> dict[str, Any]:
    return {"duration": info.duration, "width": info.width, "height": info.height}


def _suffix(name: str, info: VideoInfo) -> str:
    ext = os.path.splitext(name)[1].lower()
    known = {"mov": (".mp4", ".mov", ".m4v"), "matroska": (".webm", ".mkv")}.get(info.container, ())
    if ext in known:
        return ext
    return ".mp4" if info.container == "mov" else ".webm" if info.codec in ("vp8", "vp9", "av1") else ".mkv"
