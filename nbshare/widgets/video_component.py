"""Video input (upload, trim on a timeline, occlude a region across frames, play) and output (play, download)
("video").

The page sends the file as it is, in parts, and plays it from its own copy (nothing comes back); Python probes the
header within the limits (:mod:`nbshare.values.video`) and keeps the file and its edit log
(:class:`~nbshare.values.video_clip.EditedVideo`). Frames are decoded only when the function is called.
"""

from __future__ import annotations

import numbers
import os
import re
from typing import Any

import numpy as np
import traitlets

from .._assets import component_esm
from ..values import imaging
from ..values.dataurl import data_url_schema, decode_data_url, encode_data_url
from ..values.files import format_bytes, temporary_path
from ..values.video import VideoLimits
from ..values.video_clip import EditedVideo, encode_mp4
from ._component import InputError, on_event
from ._edited import HISTORY_OPS, EditedComponent
from ._held import hold
from ._upload import PartsReceiver

SOURCES = ("upload", "camera")
DEFAULT_FPS = 25.0  # frames given without a rate (an output's array, a notebook value)
FILMSTRIP_FRAMES = 12
FILMSTRIP_HEIGHT = 64
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_DEFAULTS = VideoLimits()


class Video(EditedComponent):
    """A video clip: as an input, upload an MP4, MOV or WebM file, play it, trim it on a timeline, paint an occlusion
    that covers every kept frame; as an output, play and download it.

    Every edit is recorded; the function receives ``nbshare.replay_video(original, edits, fps=, size=)``: frames
    (``type="frames"``) or the path of an H.264 MP4 of them (``type="filepath"``).
    """

    _esm = component_esm("video.js")
    shortcuts = {"input": ("video",), "output": ("video",)}
    occlusion = "frames"  # a window of frames at a time (nbshare.saliency.video_occlusion)
    explanation_panel = "overlay"  # the scores show as a strip under the timeline (frame_scores)
    expects = "frames: a uint8 array (T, H, W, 3) or (fps, frames); or the path or bytes of a video file"

    page_writable = frozenset()  # everything comes as checked events

    value = traitlets.Any(None)
    """The clip (an ``nbshare.EditedVideo``: the original file or frames, and the edit log), or None."""

    type = traitlets.Enum(["frames", "filepath"], "frames").tag(sync=True, option=True)
    """What the function receives: a uint8 array (T, H, W, 3) of RGB frames, or the path of an H.264 MP4 file."""

    fps = traitlets.Float(None, allow_none=True).tag(sync=True, option=True)
    """Frames a second the function receives, sampled by time (None: every frame the clip holds). Also the rate of
    frames given without one (an output's array; None: 25)."""

    size = traitlets.Tuple(traitlets.Int(), traitlets.Int(), default_value=None, allow_none=True).tag(
        sync=True, option=True
    )
    """``(width, height)`` the frames are resized to for the function (None: as the clip is)."""

    max_frames = traitlets.Int(_DEFAULTS.max_frames).tag(sync=True, option=True)
    """The most frames a clip may hold (checked on its header, then while decoding) and the function may receive."""

    sources = traitlets.List(traitlets.Enum(list(SOURCES)), ["upload"]).tag(sync=True, option=True)
    """Where a clip can come from: "upload" (file picker, drag-and-drop), "camera" (recorded in the page, WebM)."""

    max_upload_bytes = traitlets.Int(100_000_000).tag(sync=True, option=True)
    """Largest file accepted, in bytes (checked in the page, and in Python on what the first part announces)."""

    max_duration = traitlets.Float(_DEFAULTS.max_duration).tag(sync=True, option=True)
    """Longest clip accepted, in seconds (from the header, before any frame is decoded)."""

    max_pixels = traitlets.Int(_DEFAULTS.max_pixels).tag(sync=True, option=True)
    """Most pixels a frame may have (width × height)."""

    # State shown by the page, set by Python.
    media = traitlets.Bytes(b"").tag(sync=True)  # the file to play, unless the page sent it (media_token)
    media_token = traitlets.Unicode("").tag(sync=True)  # the page's name for its own copy of the file
    media_type = traitlets.Unicode("").tag(sync=True)
    duration = traitlets.Float(0.0).tag(sync=True)  # of the original
    start = traitlets.Float(0.0).tag(sync=True)  # the kept part of the original, in its seconds
    end = traitlets.Float(0.0).tag(sync=True)
    width = traitlets.Int(0).tag(sync=True)
    height = traitlets.Int(0).tag(sync=True)
    frame_rate = traitlets.Float(0.0).tag(sync=True)
    # The occlusions in effect, in frame pixels: {"color", "points", "width"} or {"color", "box"}.
    occlusions: traitlets.List[Any] = traitlets.List().tag(sync=True)
    revision = traitlets.Int(0).tag(sync=True)
    # The timeline's filmstrip: one PNG, up to FILMSTRIP_FRAMES thumbnails FILMSTRIP_HEIGHT px high side by side,
    # sampled evenly over the kept part (without the occlusions), and each one's time in seconds from its start.
    filmstrip = traitlets.Bytes(b"").tag(sync=True)
    filmstrip_times: traitlets.List[float] = traitlets.List(traitlets.Float()).tag(sync=True)
    # An explanation's score per moment (each from its time, in seconds from the kept part's start, to the next one's),
    # set by Explain and cleared by any change of the clip; empty otherwise.
    frame_scores: traitlets.List[float] = traitlets.List(traitlets.Float()).tag(sync=True)
    frame_score_times: traitlets.List[float] = traitlets.List(traitlets.Float()).tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        self._parts = PartsReceiver()
        self._upload_name = "The video"
        self._incoming_token = ""  # set while the page's own upload becomes the value
        super().__init__(**kwargs)

    @traitlets.validate("fps", "max_frames", "max_upload_bytes", "max_duration", "max_pixels")
    def _check_positive(self, proposal: Any) -> Any:
        if proposal["value"] is not None and proposal["value"] <= 0:
            raise traitlets.TraitError(f"{proposal['trait'].name} must be above 0, got {proposal['value']}")
        return proposal["value"]

    @traitlets.validate("size")
    def _check_size(self, proposal: Any) -> Any:
        size = proposal["value"]
        if size is not None and min(size) < 1:
            raise traitlets.TraitError(f"size must be (width, height) of at least 1 pixel each, got {size}")
        return size

    @traitlets.validate("value")
    def _coerce_value(self, proposal: Any) -> EditedVideo | None:
        value = proposal["value"]
        return None if value is None else self.to_clip(value)

    def limits(self) -> VideoLimits:
        return VideoLimits(
            max_upload_bytes=self.max_upload_bytes,
            max_duration=self.max_duration,
            max_pixels=self.max_pixels,
            max_frames=self.max_frames,
        )

    def to_clip(self, value: Any, name: str = "") -> EditedVideo:
        """``value`` as a clip within this component's limits: an EditedVideo, a video file's bytes or path, frames
        (T, H, W, 3) at ``fps`` (or 25), or ``(fps, frames)``; InputError when it is none, or over the limits."""
        limits = self.limits()
        if isinstance(value, EditedVideo):
            clip = value
            if value.limits != limits:
                clip = EditedVideo(value.original, value.edits, value.name, value.fps, limits)
        elif isinstance(value, bytes | bytearray | memoryview):
            clip = EditedVideo(bytes(value), (), name, limits=limits)
        elif isinstance(value, str | os.PathLike):
            clip = EditedVideo(_read(value, limits), (), name or os.path.basename(value), limits=limits)
        elif isinstance(value, np.ndarray):
            clip = EditedVideo(value, (), name, self.fps or DEFAULT_FPS, limits)
        elif isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], numbers.Real):
            clip = EditedVideo(np.asarray(value[1]), (), name, float(value[0]), limits)
        else:
            raise InputError(f"a video must be {self.expects}, got {type(value).__name__}")
        clip.info  # noqa: B018  # the header read within the limits: an InputError when it is not a clip we take
        clip.resolved()  # and the log checked
        return clip

    # -- the pure contract -------------------------------------------------------------------------

    def preprocess(self, value: Any) -> Any:
        if value is None:
            raise InputError(f"{self.label or 'The video'} is empty: upload a clip, or pick an example")
        clip = self.to_clip(value)
        frames = clip.edited(fps=self.fps, size=self.size, max_frames=self.max_frames)
        if self.type == "filepath":
            path = temporary_path(".mp4")
            with open(path, "wb") as handle:
                handle.write(encode_mp4(frames, self.fps or clip.info.fps))
            return path
        return frames

    def postprocess(self, result: Any) -> EditedVideo | None:
        return None if result is None else self.to_clip(result)

    def example_value(self) -> Any:
        if self.value is not None:
            return self.value
        frames = np.zeros((8, 48, 64, 3), dtype=np.uint8)
        for index in range(8):  # a bright square crossing the frame
            frames[index, 16:32, 6 * index : 6 * index + 16] = 220
        return EditedVideo(frames, (), "example", 8.0, self.limits())

    def empty_value(self) -> Any:
        return None

    def show_explanation(self, part: Any) -> bool:
        """Scores per moment (occlusion over frames) go onto the strip under the timeline."""
        times = getattr(part, "times", None)
        if not times:
            return False
        with self.hold_sync():
            self.frame_scores = [0.0 if score is None else float(score) for _label, score in part.pieces]
            self.frame_score_times = [float(t) for t in times]
        return True

    def preview(self, value: Any) -> str:
        clip = self.postprocess(value)
        if clip is None:
            return ""
        info, kept = clip.info, clip.resolved()
        return f"{clip.name or 'video'} ({kept.duration:.1f} s, {info.width}×{info.height})"

    # -- events from the page ----------------------------------------------------------------------

    @on_event("upload", heavy=True)
    def _receive_part(self, content: dict[str, Any], buffers: list[Any]) -> None:
        if content.get("part") == 0:
            self._upload_name = str(content.get("name") or "The video")[:200]
        name = self._upload_name
        done = self._parts.receive(
            content,
            buffers,
            limit=self.max_upload_bytes,
            what=name,
            option="Video(max_upload_bytes",
            total_of=lambda meta: _announced(meta, name),
        )
        if done is None:
            return
        meta, data = done
        token = meta.get("token")
        token = token if isinstance(token, str) and _TOKEN.match(token) else ""
        before = getattr(self, "_held_bytes", 0)
        hold(self, len(data), name)  # all visitors' uploads together have a budget too
        try:
            clip = self.to_clip(data, name)  # the header within the limits, before anything is decoded
        except InputError:
            hold(self, before, name)  # the clip before is kept, and what it holds
            raise
        self._incoming_token = token
        try:
            self.value = clip
        finally:
            self._incoming_token = ""

    def close(self) -> None:
        self._parts.drop()  # an unfinished upload is not kept for a page that is gone
        super().close()

    @on_event("edit", heavy=True)
    def _receive_edit(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        clip = self.value
        if clip is None:
            raise InputError("there is no clip to edit yet: upload one first")
        edit = content.get("edit")
        if isinstance(edit, dict) and edit.get("op") in HISTORY_OPS:
            clean: dict[str, Any] = {"op": edit["op"]}
        else:
            clean = clip.with_edit(edit).edits[-1]  # checked against the clip as it is now
        edited = EditedVideo(clip.original, self._logged(clip.edits, clean), clip.name, clip.fps, clip.limits)
        edited.__dict__["info"] = clip.info  # the same original: its header is not read again
        self.value = edited

    @on_event("fetch", outputs=True, heavy=True)  # a page that lost its own copy asks for the file
    def _send_media(self, _content: dict[str, Any], _buffers: list[Any]) -> None:
        if self.value is not None:
            self.send({"event": "media", "revision": self.revision}, [_playable(self.value)])

    # -- what the page shows -----------------------------------------------------------------------

    @traitlets.observe("value")
    def _value_changed(self, change: Any) -> None:
        clip: EditedVideo | None = change["new"]
        old: EditedVideo | None = change["old"]
        restrip = False
        with self.hold_sync():
            if clip is None:
                self.media, self.media_token, self.media_type = b"", "", ""
                self.duration = self.start = self.end = self.frame_rate = 0.0
                self.width = self.height = 0
                self.occlusions = []
                self.filmstrip, self.filmstrip_times = b"", []
                self._show_history(())
            else:
                info, kept = clip.info, clip.resolved()
                if old is None or old.original is not clip.original:
                    token = self._incoming_token
                    self.media = b"" if token else _playable(clip)
                    self.media_token = token
                    self.media_type = "video/webm" if info.container == "matroska" else "video/mp4"
                new_file = old is None or old.original is not clip.original
                restrip = new_file or (self.start, self.end) != (kept.start, kept.end)
                if restrip:
                    self.filmstrip, self.filmstrip_times = b"", []  # the old strip is of another part: gone at once
                self.duration, self.start, self.end = info.duration, kept.start, kept.end
                self.width, self.height, self.frame_rate = info.width, info.height, info.fps
                self.occlusions = [_shown(occlusion) for occlusion in kept.occlusions]
                self._show_history(clip.edits)
            self.frame_scores, self.frame_score_times = [], []  # an explanation of the clip before
            self.revision += 1
        if clip is not None and restrip:  # after the clip's state reached the page: its first frame does not wait
            strip = _filmstrip(clip)
            if self.value is clip:
                self.filmstrip, self.filmstrip_times = strip

    # -- the HTTP API ------------------------------------------------------------------------------

    def json_schema(self) -> dict[str, Any]:
        description = "an MP4, MOV or WebM file as a data URL, e.g. data:video/mp4;base64,..."
        return data_url_schema(description, required=self.interactive)

    def from_json(self, value: Any) -> Any:
        data, _type, name = decode_data_url(value, self.label or "The video", limit=self.max_upload_bytes)
        return self.from_upload(data, name)

    def from_upload(self, data: bytes, name: str) -> Any:
        return self.to_clip(data, name)

    def to_json(self, value: Any) -> Any:
        clip = self.postprocess(value)
        return None if clip is None else encode_data_url(_playable(clip, edited=True), "video/mp4", clip.name or None)


def _read(path: Any, limits: VideoLimits) -> bytes:
    size = os.path.getsize(path)
    if size > limits.max_upload_bytes:
        raise InputError(
            f"{os.path.basename(path)} is {format_bytes(size)}; the limit is {format_bytes(limits.max_upload_bytes)} "
            "(raise it with Video(max_upload_bytes=...))"
        )
    with open(path, "rb") as handle:
        return handle.read()


def _announced(meta: dict[str, Any], name: str) -> int:
    size = meta.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise InputError(f"{name} arrived without its size; try again")
    return size


def _playable(clip: EditedVideo, *, edited: bool = False) -> bytes:
    """A file the page plays: the original file as it came, or an MP4 of frames (of the edited clip, if asked)."""
    if edited and clip.edits:
        return encode_mp4(clip.edited(), clip.info.fps)
    if isinstance(clip.original, np.ndarray):
        return encode_mp4(clip.original, clip.info.fps)
    return bytes(clip.original)


def _filmstrip(clip: EditedVideo) -> tuple[bytes, list[float]]:
    """The timeline's thumbnails of the kept part, side by side in one PNG, and their times; none for a clip whose
    frames do not decode (a cut-off file: Submit says why)."""
    try:
        strip, times = clip.stills(FILMSTRIP_FRAMES, FILMSTRIP_HEIGHT, occluded=False)
    except InputError:
        return b"", []
    return imaging.encode_png(np.concatenate(list(strip), axis=1)), [round(t, 6) for t in times]


def _shown(occlusion: Any) -> dict[str, Any]:
    if occlusion.box is not None:
        return {"color": occlusion.color, "box": list(occlusion.box)}
    points = [[round(x, 2), round(y, 2)] for x, y in occlusion.points]
    return {"color": occlusion.color, "points": points, "width": occlusion.width}
