"""Video clips with PyAV (FFmpeg's libraries, in its wheels): the header checked before decoding, frames decoded
within budgets, frames encoded as H.264 MP4; the edit log is in :mod:`.video_edits`, the
edited clip in :mod:`.video_clip`.

A clip is a decompression bomb surface: a few megabytes can hold gigabytes of frames. :func:`probe` refuses from the
container's header what is over the limits (bytes, duration, pixels per frame, frames) before any frame is decoded,
and decoding counts what it actually gets, so a header that lies stops it at the same limits. Only MP4/MOV and
WebM/Matroska files holding H.264, HEVC, VP8, VP9, AV1 or MPEG-4 video are opened (the formats phones and browsers
record); the container's format is chosen from the file's first bytes, so no FFmpeg demuxer that opens other files
or URLs (playlists) ever reads a visitor's upload.

Frames are uint8 RGB arrays (T, H, W, 3), upright (a phone's rotation flag applied, as the browser shows them); times
are seconds from the first frame.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from .._errors import InputError
from .files import format_bytes
from .video_edits import ResolvedEdits, check_video_log, occlusion_layers, resolve_video_edits

__all__ = ["VideoInfo", "VideoLimits", "decode", "probe", "replay_video"]

ALLOWED_CODECS = frozenset({"h264", "hevc", "vp8", "vp9", "av1", "mpeg4"})
_MP4_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip", b"pnot")
_MATROSKA = b"\x1a\x45\xdf\xa3"
_EPS = 1e-6  # seconds: timestamps closer than this are the same moment


@dataclass(frozen=True)
class VideoLimits:
    """What a clip may hold. Each is checked on the container's header before decoding, and again while decoding."""

    max_upload_bytes: int = 200_000_000
    max_duration: float = 120.0  # seconds
    max_pixels: int = 3840 * 2160  # per frame: a phone's 4K
    max_frames: int = 3_600  # in the whole clip: duration x frame rate (a minute at 60 fps)
    max_decoded_bytes: int = 1 << 30  # the frames a function receives: T x H x W x 3


@dataclass(frozen=True)
class VideoInfo:
    """What a clip's header says: ``width`` × ``height`` upright, ``frames`` an estimate (the header's count, or
    duration × fps when larger)."""

    duration: float
    width: int
    height: int
    frames: int
    fps: float
    has_audio: bool
    codec: str
    rotation: int = 0  # degrees counter-clockwise the frames are turned to stand upright
    container: str = "mov"  # "mov" (MP4, MOV) or "matroska" (WebM, MKV); "frames" for an array


def _load(source: Any, limits: VideoLimits, what: str) -> bytes:
    """The file's bytes, refused unread when over ``max_upload_bytes``."""
    if isinstance(source, bytes | bytearray | memoryview):
        size = len(source)
    elif isinstance(source, str | os.PathLike):
        size = os.path.getsize(source)
    else:
        raise InputError(f"a video must be a file's bytes or path, got {type(source).__name__}")
    if size > limits.max_upload_bytes:
        raise InputError(
            f"{what} is {format_bytes(size)}; the limit is {format_bytes(limits.max_upload_bytes)} "
            "(raise it with Video(max_upload_bytes=...))"
        )
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as handle:
            return handle.read(limits.max_upload_bytes + 1)
    return bytes(source)


def _container(data: bytes, what: str) -> str:
    if data[4:8] in _MP4_BOXES:
        return "mov"
    if data[:4] == _MATROSKA:
        return "matroska"
    raise InputError(f"{what} is not a video nbshare reads: send an MP4, MOV or WebM file")


def _open(data: bytes, what: str) -> Any:
    import av

    try:
        return av.open(io.BytesIO(data), mode="r", format=_container(data, what))
    except av.FFmpegError as error:
        raise InputError(f"{what} is damaged or truncated: FFmpeg cannot read it ({_reason(error)})") from None


def _reason(error: Any) -> str:
    return str(getattr(error, "strerror", None) or error)[:120]


def probe(source: Any, limits: VideoLimits | None = None, *, name: str = "") -> VideoInfo:
    """What the clip ``source`` (a file's bytes or path) holds, from its header, or an InputError when it is over
    ``limits``, not a video, or damaged. Decodes one frame at most (after the header's checks), for its rotation."""
    limits = limits or VideoLimits()
    what = name or "the clip"
    return _probe(_load(source, limits, what), limits, what)


def _probe(data: bytes, limits: VideoLimits, what: str) -> VideoInfo:
    import av

    with _open(data, what) as container:
        if not container.streams.video:
            raise InputError(f"{what} holds no video (no video stream)")
        stream = container.streams.video[0]
        codec = stream.codec_context.name
        if codec not in ALLOWED_CODECS:
            raise InputError(f"{what} is {codec} video; nbshare reads {', '.join(sorted(ALLOWED_CODECS))}")
        width, height = stream.codec_context.width, stream.codec_context.height
        if width < 1 or height < 1:
            raise InputError(f"{what} is damaged: its header gives no frame size")
        if width * height > limits.max_pixels:
            raise InputError(
                f"{what}'s frames are {width}×{height} = {width * height:,} pixels; the limit is "
                f"{limits.max_pixels:,} (raise it with Video(max_pixels=...))"
            )
        duration = container.duration / 1e6 if container.duration else None
        if duration is None and stream.duration and stream.time_base:
            duration = float(stream.duration * stream.time_base)
        fps = float(stream.average_rate or stream.guessed_rate or 0)
        frames = stream.frames or 0
        try:
            if duration and fps > 0:  # the header's claims first: refused without reading further
                _check_length(duration, max(frames, round(duration * fps)), limits, what)
            duration, frames = _scan(container, stream, limits, what)  # then the packets' (demuxed, not decoded)
            fps = frames / duration if fps <= 0 else fps
            _check_length(duration, max(frames, round(duration * fps)), limits, what)
            rotation = _rotation(container, stream, what)
        except av.FFmpegError as error:
            raise InputError(f"{what} is damaged or truncated: FFmpeg cannot read it ({_reason(error)})") from None
        if rotation % 180:
            width, height = height, width
        return VideoInfo(
            duration=duration,
            width=width,
            height=height,
            frames=max(frames, round(duration * fps)),
            fps=fps,
            has_audio=bool(container.streams.audio),
            codec=codec,
            rotation=rotation,
            container=container.format.name.split(",")[0],
        )


def _check_length(duration: float, frames: int, limits: VideoLimits, what: str) -> None:
    if duration > limits.max_duration:
        raise InputError(
            f"{what} lasts {duration:.1f} s; the limit is {limits.max_duration:g} s "
            "(trim it before uploading, or raise it with Video(max_duration=...))"
        )
    if frames > limits.max_frames:
        raise InputError(
            f"{what} holds {frames:,} frames; the limit is {limits.max_frames:,} (raise it with Video(max_frames=...))"
        )


def _scan(container: Any, stream: Any, limits: VideoLimits, what: str) -> tuple[float, int]:
    """``(duration, frames)`` from the packets' timestamps (demuxed, not decoded), stopping past the limits."""
    count, first, last = 0, math.inf, -math.inf
    for packet in container.demux(stream):
        if packet.size == 0:
            continue
        count += 1
        if count > limits.max_frames:
            raise InputError(
                f"{what} holds more than {limits.max_frames:,} frames (raise it with Video(max_frames=...))"
            )
        if packet.pts is not None and packet.time_base:
            first = min(first, float(packet.pts * packet.time_base))
            last = max(last, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    if count == 0:
        raise InputError(f"{what} holds no frames")
    if not math.isfinite(first) or last <= first:
        raise InputError(f"{what} is damaged: its frames have no timestamps")
    container.seek(0, stream=stream)
    return last - first, count


def _rotation(container: Any, stream: Any, what: str) -> int:
    frame = next(iter(container.decode(stream)), None)
    if frame is None:
        raise InputError(f"{what} is damaged or truncated: no frame decodes")
    rotation = round(getattr(frame, "rotation", 0) or 0)  # PyAV 14+ reads the display matrix
    return rotation % 360 if rotation % 90 == 0 else 0


# -- decoding ----------------------------------------------------------------------------------------------------

Frames = Iterator[tuple[float, Callable[[], np.ndarray]]]


def _decoded(data: bytes, info: VideoInfo, limits: VideoLimits, what: str) -> Frames:
    """``(time, get)`` for each frame of the clip, in order (``get()``: its upright RGB pixels, converted only when
    asked); at most ``max_frames`` frames are decoded and each must have the header's size."""
    import av

    turns = info.rotation // 90
    with _open(data, what) as container:
        stream = container.streams.video[0]
        count, first, previous = 0, None, 0.0
        try:
            for frame in container.decode(stream):
                count += 1
                if count > limits.max_frames:
                    raise InputError(
                        f"{what} holds more than {limits.max_frames:,} frames, more than its header says; "
                        "the clip may be damaged"
                    )
                if {frame.width, frame.height} != {info.width, info.height}:
                    raise InputError(f"{what} changes frame size mid-clip ({frame.width}×{frame.height})")
                moment = float(frame.time) if frame.time is not None else (count - 1) / info.fps
                first = moment if first is None else first
                previous = max(previous, moment - first)  # a timestamp going back is taken as the one before

                def get(frame: Any = frame) -> np.ndarray:
                    pixels = frame.to_ndarray(format="rgb24")
                    return np.ascontiguousarray(np.rot90(pixels, turns)) if turns else pixels

                yield previous, get
        except av.FFmpegError as error:
            raise InputError(f"{what} is damaged or truncated: FFmpeg cannot decode it ({_reason(error)})") from None


def _held(frames: np.ndarray, fps: float) -> Frames:
    for index in range(len(frames)):
        yield index / fps, partial(np.array, frames[index])


def decode(
    source: Any,
    *,
    fps: float | None = None,
    size: tuple[int, int] | None = None,
    max_frames: int | None = None,
    limits: VideoLimits | None = None,
    name: str = "",
) -> np.ndarray:
    """The frames of the clip ``source`` (a file's bytes or path): uint8 (T, H, W, 3), sampled at ``fps`` (None:
    every frame the clip holds, at its own times) and resized to ``size`` = (width, height) (None: as it is).

    At most ``max_frames`` frames (None: ``limits.max_frames``) and ``limits.max_decoded_bytes`` bytes are returned;
    a clip over them is refused before decoding when its header says so, and while decoding when it does not.
    """
    limits = limits or VideoLimits()
    return replay_video(source, (), fps=fps, size=size, max_frames=max_frames, limits=limits, name=name)


def _render(
    frames: Frames,
    info: VideoInfo,
    resolved: ResolvedEdits,
    *,
    fps: float | None,
    size: tuple[int, int] | None,
    max_frames: int,
    limits: VideoLimits,
    what: str,
) -> np.ndarray:
    """Sample ``frames`` in the kept window, cover the occlusions, resize; into one array within the budgets."""
    from .imaging import resize

    start, end = resolved.start, min(resolved.end, info.duration)
    width, height = size or (info.width, info.height)
    rate = fps or info.fps
    expected = max(1, math.ceil((end - start) * rate - _EPS))
    frame_bytes = width * height * 3
    budget = min(max_frames, limits.max_decoded_bytes // frame_bytes)
    if expected > budget:
        raise InputError(
            f"the clip to give the function is {end - start:.2f} s at {rate:g} frames a second = {expected:,} "
            f"frames of {width}×{height} ({format_bytes(expected * frame_bytes)}); the most is {budget:,} "
            "frames: trim it shorter"
        )
    layers = occlusion_layers(resolved.occlusions, info.height, info.width)
    out = np.empty((expected, height, width, 3), dtype=np.uint8)
    count = 0

    def emit(pixels: np.ndarray) -> None:
        nonlocal count
        if count >= budget:
            raise InputError(f"the clip holds more than {budget:,} frames to give, more than its header says")
        if count == len(out):
            out.resize((min(budget, 2 * count), height, width, 3), refcheck=False)  # realloc: no copy held twice
        out[count] = pixels
        count += 1

    def pixels_of(get: Callable[[], np.ndarray]) -> np.ndarray:
        pixels = get()
        if pixels.shape != (info.height, info.width, 3):
            raise InputError(f"{what} changes frame size mid-clip ({pixels.shape[1]}×{pixels.shape[0]})")
        if layers is not None:
            covered, colour = layers
            for channel in range(3):
                np.copyto(pixels[..., channel], colour[..., channel], where=covered)
        return resize(pixels, width, height) if size else pixels

    if fps is None:  # the clip's own frames in the window
        for moment, get in frames:
            if moment >= end - _EPS:
                break
            if moment >= start - _EPS:
                emit(pixels_of(get))
    else:  # sample k at start + k/fps shows the last frame at or before it (the first frame before that)
        held: list[Any] = []  # [get, pixels or None]: the latest frame, converted once when a sample shows it
        sample = 0
        for moment, get in frames:
            while held and sample < expected and start + sample / fps < moment - _EPS:
                held[1] = pixels_of(held[0]) if held[1] is None else held[1]
                emit(held[1])
                sample += 1
            if sample >= expected:
                break
            held = [get, None]
        while held and sample < expected:  # after the last frame: it stays on screen to the end
            held[1] = pixels_of(held[0]) if held[1] is None else held[1]
            emit(held[1])
            sample += 1
    if count == 0:
        raise InputError(f"the kept part of {what} holds no frame: keep a longer part")
    if count < len(out):
        out.resize((count, height, width, 3), refcheck=False)
    return out


def replay_video(
    original: Any,
    edits: Any = (),
    *,
    fps: float | None = None,
    size: tuple[int, int] | None = None,
    max_frames: int | None = None,
    limits: VideoLimits | None = None,
    source_fps: float | None = None,
    name: str = "",
) -> np.ndarray:
    """Rebuild exactly the frames a function received from the clip ``original`` (a file's bytes or path, or a uint8
    (T, H, W, 3) array at ``source_fps``) and the edit log ``edits``, sampled at ``fps`` and resized to ``size``
    (width, height) as the component asked. Deterministic: the same arguments give the same array."""
    limits = limits or VideoLimits()
    what = name or "the clip"
    if isinstance(original, np.ndarray):
        info = _array_info(original, source_fps)
        frames = _held(original, info.fps)
    else:
        data = _load(original, limits, what)
        info = _probe(data, limits, what)
        frames = _decoded(data, info, limits, what)
    clean = check_video_log(list(edits), duration=info.duration, width=info.width, height=info.height)
    resolved = resolve_video_edits(clean, info.duration)
    return _render(
        frames,
        info,
        resolved,
        fps=fps,
        size=size,
        max_frames=limits.max_frames if max_frames is None else max_frames,
        limits=limits,
        what=what,
    )


def _array_info(frames: np.ndarray, fps: float | None) -> VideoInfo:
    if frames.ndim != 4 or frames.shape[3] != 3 or frames.dtype != np.uint8 or len(frames) == 0:
        raise InputError(f"video frames must be a uint8 array (T, H, W, 3), got {frames.dtype} {frames.shape}")
    if fps is None or not math.isfinite(fps) or fps <= 0:
        raise InputError(f"video frames need their frame rate (fps=...), got {fps!r}")
    count, height, width = frames.shape[:3]
    return VideoInfo(count / fps, width, height, count, float(fps), False, "frames", container="frames")
