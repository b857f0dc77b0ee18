"""Video values with real PyAV: the header's limits, decoding by timestamps, the edit log (trim, occlude, history),
replay, MP4 encoding and the flag record. Clips are made here, a few small frames encoded in memory."""

from __future__ import annotations

import io
import struct
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from nbshare import InputError
from nbshare.values import stored
from nbshare.values.imaging import encode_png
from nbshare.values.video import VideoLimits, decode, probe, replay_video
from nbshare.values.video_clip import EditedVideo, encode_mp4
from nbshare.values.video_edits import MAX_VIDEO_EDITS, check_video_edit, check_video_log

W, H = 64, 48


def ramp(count: int, width: int = W, height: int = H) -> np.ndarray:
    """Frames a codec keeps well: a smooth gradient whose level rises 10 per frame (frame i is told by its mean)."""
    x = np.linspace(0, 40, width)[None, :] + np.linspace(0, 20, height)[:, None]
    return np.stack([np.repeat(((x + 10 * i) % 256)[..., None], 3, axis=2) for i in range(count)]).astype(np.uint8)


def clip(
    frames: np.ndarray,
    fps: int = 10,
    *,
    fmt: str = "mp4",
    pts_ms: list[int] | None = None,
    audio: bool = False,
    rotation: int = 0,
) -> bytes:
    """An H.264 clip of ``frames`` (at ``fps``, or at the millisecond times ``pts_ms``), with a silent AAC track."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=fmt) as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = frames.shape[2], frames.shape[1], "yuv420p"
        if rotation:
            stream.set_display_rotation(rotation)
        if pts_ms is not None:
            stream.codec_context.time_base = Fraction(1, 1000)
        sound = out.add_stream("aac", rate=8000) if audio else None
        for index, pixels in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            if pts_ms is not None:
                frame.pts, frame.time_base = pts_ms[index], Fraction(1, 1000)
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
        if sound is not None:
            silence = av.AudioFrame.from_ndarray(np.zeros((1, 8000), np.float32), format="fltp", layout="mono")
            silence.sample_rate, silence.pts = 8000, 0
            out.mux(sound.encode(silence))
            out.mux(sound.encode())
    return buffer.getvalue()


@pytest.fixture(scope="module")
def twenty() -> bytes:
    return clip(ramp(20))  # 2 s at 10 fps


def levels(frames: np.ndarray) -> list[int]:
    return [round((float(f.mean()) - ramp(1).mean()) / 10) for f in frames]


def test_probe_reads_the_header(twenty: bytes) -> None:
    info = probe(twenty)
    assert (info.duration, info.width, info.height, info.frames, info.fps) == (2.0, W, H, 20, 10.0)
    assert (info.codec, info.has_audio, info.rotation) == ("h264", False, 0)


def test_trim_keeps_the_frames_between_start_and_end(twenty: bytes) -> None:
    whole = decode(twenty)
    assert levels(whole) == list(range(20))
    kept = replay_video(twenty, [{"op": "trim", "start": 0.5, "end": 1.5}])
    np.testing.assert_array_equal(kept, whole[5:15])
    # a second trim cuts within the first: times are of the clip as it is when the trim is made
    again = replay_video(twenty, [{"op": "trim", "start": 0.5, "end": 1.5}, {"op": "trim", "start": 0.2, "end": 0.5}])
    np.testing.assert_array_equal(again, whole[7:10])


@pytest.mark.parametrize(
    "occlude",
    [
        {"op": "occlude", "box": [8, 4, 30, 20], "color": "#FF0000"},
        {"op": "occlude", "points": [[10, 10], [40, 10]], "width": 8, "color": "#ff0000"},
    ],
)
def test_occlusion_covers_the_same_pixels_on_every_kept_frame(twenty: bytes, occlude: dict) -> None:
    whole = decode(twenty)
    edits = [occlude, {"op": "trim", "start": 1.0, "end": 2.0}]
    edited = replay_video(twenty, edits)
    assert len(edited) == 10
    covered = (edited == [255, 0, 0]).all(axis=3)
    assert covered[0].sum() > 100 and (covered == covered[0]).all()  # the same region on every frame
    assert not covered[0][40:, :].any()  # and only there
    np.testing.assert_array_equal(edited[~covered], whole[10:][~covered])  # the rest is the decoded original


def test_undo_redo_and_reset_replay_the_history(twenty: bytes) -> None:
    trim = {"op": "trim", "start": 0.5, "end": 1.0}
    box = {"op": "occlude", "box": [0, 0, 10, 10]}
    whole = decode(twenty)
    assert len(replay_video(twenty, [trim, box, {"op": "undo"}, {"op": "undo"}])) == 20
    undone = replay_video(twenty, [trim, box, {"op": "undo"}])
    np.testing.assert_array_equal(undone, whole[5:10])
    redone = replay_video(twenty, [trim, box, {"op": "undo"}, {"op": "redo"}])
    assert (redone[:, :10, :10] == 0).all()
    np.testing.assert_array_equal(replay_video(twenty, [trim, box, {"op": "reset"}]), whole)
    np.testing.assert_array_equal(replay_video(twenty, [trim, {"op": "reset"}, {"op": "undo"}]), whole[5:10])


def test_replay_is_deterministic_and_samples_at_the_asked_rate_and_size(twenty: bytes) -> None:
    edits = [{"op": "trim", "start": 0.3, "end": 1.3}, {"op": "occlude", "points": [[5, 5], [20, 30]], "width": 6}]
    first = replay_video(twenty, edits, fps=20, size=(32, 24))
    second = replay_video(twenty, edits, fps=20, size=(32, 24))
    assert first.shape == (20, 24, 32, 3) and first.dtype == np.uint8
    np.testing.assert_array_equal(first, second)
    assert levels(replay_video(twenty, [], fps=20))[:6] == [0, 0, 1, 1, 2, 2]  # each frame held for two samples
    assert levels(replay_video(twenty, [], fps=5)) == list(range(0, 20, 2))


def test_variable_frame_rate_with_audio_is_sampled_by_timestamps() -> None:
    data = clip(ramp(6), pts_ms=[0, 40, 80, 300, 310, 1000], audio=True)
    info = probe(data)
    assert info.has_audio and 1.0 < info.duration <= 1.1
    assert levels(decode(data)) == [0, 1, 2, 3, 4, 5]  # the clip's own frames
    # at 10 fps each sample shows the last frame at or before its time: 0.0 0.1 0.2 0.3 ... 0.9, then 1.0 is the last
    assert levels(decode(data, fps=10))[:10] == [0, 2, 2, 3, 4, 4, 4, 4, 4, 4]
    assert levels(replay_video(data, [{"op": "trim", "start": 0.25, "end": 0.35}])) == [3, 4]


def test_a_rotated_phone_clip_is_turned_upright() -> None:
    frames = ramp(3)
    frames[:, :8, :8] = 255  # a white corner top-left
    info = probe(clip(frames, rotation=90))
    assert (info.width, info.height, info.rotation) == (H, W, 90)
    upright = decode(clip(frames, rotation=90))
    assert upright.shape == (3, W, H, 3)
    assert upright[0, -8:, :8].mean() > 200  # turned counter-clockwise: the corner is now bottom-left


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (VideoLimits(max_upload_bytes=1_000), "the limit is 1.0 KB"),
        (VideoLimits(max_duration=1.5), "lasts 2.0 s; the limit is 1.5 s"),
        (VideoLimits(max_pixels=W * H - 1), f"{W}×{H} = {W * H:,} pixels"),
        (VideoLimits(max_frames=19), "holds 20 frames; the limit is 19"),
    ],
)
def test_the_header_is_checked_against_each_limit_before_decoding(
    twenty: bytes, limits: VideoLimits, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        probe(twenty, limits)
    with pytest.raises(InputError, match=message):
        decode(twenty, limits=limits)


def test_what_the_function_would_receive_is_budgeted_before_decoding(twenty: bytes) -> None:
    with pytest.raises(InputError, match=r"20 frames.*the most is 10 frames: trim it shorter"):
        decode(twenty, max_frames=10)
    with pytest.raises(InputError, match="the most is 5 frames"):
        decode(twenty, limits=VideoLimits(max_decoded_bytes=5 * W * H * 3))
    assert len(decode(twenty, max_frames=10, fps=5)) == 10


def test_a_header_that_lies_is_caught_by_the_packets_before_decoding() -> None:
    """Matroska, 400 frames 1 ms apart, declared 25 fps: the header's estimate is 11 frames."""
    data = clip(ramp(400, 16, 16), fps=25, fmt="matroska", pts_ms=list(range(400)))
    with pytest.raises(InputError, match="holds more than 100 frames"):
        probe(data, VideoLimits(max_frames=100))
    with pytest.raises(InputError, match="holds more than 100 frames"):
        decode(data, limits=VideoLimits(max_frames=100))
    # a Duration claiming 2 s over 16 s of frames: the packets' times count
    honest = clip(ramp(400, 16, 16), fps=25, fmt="matroska")
    at = honest.find(b"\x44\x89\x88")  # the Segment's Duration element, an 8-byte float of milliseconds
    lying = honest[: at + 3] + struct.pack(">d", 2000.0) + honest[at + 11 :]
    assert probe(lying).duration == pytest.approx(16.0)
    with pytest.raises(InputError, match=r"lasts 16.0 s; the limit is 10 s"):
        decode(lying, limits=VideoLimits(max_duration=10))


def test_truncated_and_non_video_files_are_refused_with_a_message(twenty: bytes) -> None:
    faststart = encode_mp4(ramp(20), 10)
    for damaged in (twenty[: len(twenty) // 2], faststart[: len(faststart) // 2], faststart[:-200]):
        with pytest.raises(InputError, match="damaged or truncated"):
            decode(damaged)
    png = encode_png(ramp(1)[0])
    noise = np.random.default_rng(1).bytes(5_000)
    for other in (png, noise, b"", b"\x00\x00\x00\x18ftypisom" + noise):
        with pytest.raises(InputError, match=r"not a video nbshare reads|damaged or truncated"):
            probe(other)
    only_audio = io.BytesIO()
    with av.open(only_audio, "w", format="mp4") as out:
        sound = out.add_stream("aac", rate=8000)
        silence = av.AudioFrame.from_ndarray(np.zeros((1, 8000), np.float32), format="fltp", layout="mono")
        silence.sample_rate, silence.pts = 8000, 0
        out.mux(sound.encode(silence))
        out.mux(sound.encode())
    with pytest.raises(InputError, match="holds no video"):
        probe(only_audio.getvalue())


def test_encode_mp4_round_trips_frames() -> None:
    frames = ramp(12, 63, 35)  # odd sizes are padded to even
    data = encode_mp4(frames, 24)
    info = probe(data)
    assert (info.codec, info.fps, info.frames, info.width, info.height) == ("h264", 24.0, 12, 64, 36)
    back = decode(data)[:, :35, :63]
    assert np.abs(back.astype(int) - frames).mean() < 2
    with pytest.raises(InputError, match=r"uint8 array \(T, H, W, 3\)"):
        encode_mp4(frames.astype(np.float32), 24)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"op": "trim", "start": 1.0, "end": 1.0}, "must come before the end"),
        ({"op": "trim", "start": -1, "end": 1.0}, "outside the clip"),
        ({"op": "trim", "start": 0.5, "end": 9.0}, "outside the clip, which lasts 2.00 s"),
        ({"op": "trim", "start": "0", "end": 1.0}, "finite number of seconds"),
        ({"op": "occlude", "points": [[1, 1]] * 20_001, "width": 4}, "at most 20,000 points"),
        ({"op": "occlude", "points": [], "width": 4}, "non-empty list"),
        ({"op": "occlude", "box": [100, 100, 200, 200]}, "empty or outside the frame"),
        ({"op": "occlude", "box": [0, 0, 5, 5], "color": "red"}, "#1a2b3c"),
        ({"op": "crop", "box": [0, 0, 5, 5]}, "unknown video edit"),
        ("trim", "must be a dict"),
    ],
)
def test_malformed_edits_are_refused_with_a_message(edit: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        check_video_edit(edit, duration=2.0, width=W, height=H)


def test_the_log_is_checked_whole(twenty: bytes) -> None:
    frame = {"duration": 2.0, "width": W, "height": H}
    with pytest.raises(InputError, match="edit 1: nothing to undo"):
        check_video_log([{"op": "undo"}], **frame)
    with pytest.raises(InputError, match=f"the most is {MAX_VIDEO_EDITS}"):
        check_video_log([{"op": "occlude", "box": [0, 0, 5, 5]}] * (MAX_VIDEO_EDITS + 1), **frame)
    # the second trim is checked against the 0.5 s the first one kept
    with pytest.raises(InputError, match=r"edit 2: .*outside the clip, which lasts 0.50 s"):
        replay_video(twenty, [{"op": "trim", "start": 0, "end": 0.5}, {"op": "trim", "start": 0, "end": 1.5}])
    value = EditedVideo(twenty)
    with pytest.raises(InputError, match="must come before the end"):
        value.with_edit({"op": "trim", "start": 1.5, "end": 0.5})
    assert value.edits == ()


class Folder:
    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, data: bytes, name: str) -> str:
        (self.root / name).write_bytes(data)
        return name

    def path(self, relative: str) -> Path:
        return self.root / relative


def test_the_record_keeps_the_original_file_and_the_log(twenty: bytes, tmp_path: Path) -> None:
    value = EditedVideo(twenty, name="echo.mp4").with_edit({"op": "trim", "start": 0.5, "end": 1.5})
    value = value.with_edit({"op": "occlude", "box": [0, 0, 10, 10], "color": "#00ff00"})
    files = Folder(tmp_path)
    entry = value.to_record(files, "flag1-clip")
    assert entry["kind"] == "video" and (tmp_path / entry["original"]).read_bytes() == twenty
    assert entry["original"].endswith(".mp4") and len(entry["edits"]) == 2
    assert (entry["start"], entry["end"], entry["frames"], entry["occlusions"]) == (0.5, 1.5, 10, 1)
    back = stored.decode(entry, files)
    assert isinstance(back, EditedVideo)
    np.testing.assert_array_equal(back.edited(), value.edited())
    assert stored.describe(entry) == "video, 2 edit(s)"
    frames = EditedVideo(ramp(6), ({"op": "trim", "start": 0.1, "end": 0.4},), fps=10)
    again = stored.decode(frames.to_record(files, "flag2-clip"), files)
    np.testing.assert_array_equal(again.edited(), ramp(6)[1:4])  # frames are kept exactly (.npy)
