"""The Video component from Python: uploads in parts through its page-event door, limits refused with the message
(the clip before kept), trim and occlude events replayed exactly for the function, outputs. Clips are made here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nbshare
from nbshare import InputError
from nbshare.values.video import probe
from nbshare.values.video_clip import encode_mp4

W, H = 64, 48


def ramp(count: int, width: int = W, height: int = H) -> np.ndarray:
    """Frames a codec keeps well: a smooth gradient rising 10 levels a frame."""
    x = np.linspace(0, 40, width)[None, :] + np.linspace(0, 20, height)[:, None]
    return np.stack([np.repeat(((x + 10 * i) % 256)[..., None], 3, axis=2) for i in range(count)]).astype(np.uint8)


@pytest.fixture(scope="module")
def twenty() -> bytes:
    return encode_mp4(ramp(20), 10)  # 2 s at 10 fps


def upload(component: nbshare.Video, data: bytes, name: str = "clip.mp4", part_bytes: int = 1 << 20) -> None:
    """Send a file as the page does: its bytes, in parts, the first announcing the name, size and the page's token."""
    parts = max(1, -(-len(data) // part_bytes))
    for part in range(parts):
        meta = {"name": name, "size": len(data), "token": "t-1"} if part == 0 else {}
        content = {**meta, "event": "upload", "part": part, "parts": parts}
        component._receive_page_event(component, content, [data[part * part_bytes : (part + 1) * part_bytes]])


def edit(component: nbshare.Video, change: dict) -> None:
    component._receive_page_event(component, {"event": "edit", "edit": change}, [])


def test_an_upload_in_parts_becomes_the_clip_the_page_plays_from_its_own_copy(twenty: bytes) -> None:
    component = nbshare.Video(label="Echo")
    upload(component, twenty, part_bytes=len(twenty) // 3 + 1)
    assert component.message == ""
    assert component.value.original == twenty and component.value.name == "clip.mp4"
    assert (component.duration, component.start, component.end) == (2.0, 0.0, 2.0)
    assert (component.width, component.height, component.frame_rate) == (W, H, 10.0)
    assert component.media == b"" and component.media_token == "t-1"  # nothing sent back: the page has the file
    assert component.media_type == "video/mp4"


def test_trim_and_occlude_events_give_the_function_exactly_the_replay(twenty: bytes) -> None:
    component = nbshare.Video()
    upload(component, twenty)
    edit(component, {"op": "trim", "start": 0.5, "end": 1.7})
    edit(component, {"op": "trim", "start": 0.2, "end": 1.0})  # of the clip as it is now: 0.7 s to 1.5 s
    assert (component.start, component.end) == (0.7, 1.5)
    stroke = {"op": "occlude", "points": [[10, 10], [30, 12]], "width": 8, "color": "#ff0000"}
    edit(component, stroke)
    edit(component, {"op": "occlude", "box": [40, 30, 60, 44], "color": "#00ff00"})
    assert component.message == "" and component.edit_count == 4 and len(component.occlusions) == 2
    assert component.occlusions[1] == {"color": "#00ff00", "box": [40, 30, 60, 44]}

    frames = component.preprocess(component.value)
    expected = nbshare.replay_video(twenty, component.value.edits)
    assert frames.shape == (8, H, W, 3) and np.array_equal(frames, expected)
    assert (frames[:, 10, 20] == [255, 0, 0]).all() and (frames[:, 35, 50] == [0, 255, 0]).all()
    untouched = nbshare.replay_video(twenty, component.value.edits[:2])
    assert np.array_equal(frames[:, 0, 0], untouched[:, 0, 0])  # outside the occlusions: the clip's own pixels

    edit(component, {"op": "undo"})
    assert len(component.occlusions) == 1 and component.can_redo
    edit(component, {"op": "reset"})
    assert (component.start, component.end, component.occlusions) == (0.0, 2.0, [])
    assert len(component.preprocess(component.value)) == 20


def test_fps_size_and_filepath_are_what_the_function_asked_for(twenty: bytes) -> None:
    component = nbshare.Video(fps=5, size=(32, 24), value=twenty)
    edit(component, {"op": "trim", "start": 0, "end": 1})
    frames = component.preprocess(component.value)
    assert frames.shape == (5, 24, 32, 3) and frames.dtype == np.uint8
    path = nbshare.Video(type="filepath", value=twenty).preprocess(twenty)
    assert path.endswith(".mp4")
    info = probe(path)
    assert (info.codec, info.width, info.height, info.frames) == ("h264", W, H, 20)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_duration": 1.5}, "clip.mp4 lasts 2.0 s; the limit is 1.5 s"),
        ({"max_frames": 10}, "the limit is 10 (raise it with Video(max_frames=...))"),
        ({"max_pixels": 1000}, "64×48 = 3,072 pixels; the limit is 1,000"),
        ({"max_upload_bytes": 2_000}, "clip.mp4 is 2.2 KB; the limit is 2.0 KB"),
    ],
)
def test_clips_over_the_limits_are_refused_and_the_clip_before_is_kept(
    twenty: bytes, options: dict, message: str
) -> None:
    component = nbshare.Video(**options)
    small = encode_mp4(ramp(2, 16, 16), 10)
    upload(component, small, name="small.mp4")
    kept = component.value
    assert component.message == "" and kept is not None
    upload(component, twenty)
    assert message in component.message
    assert component.value is kept and component.media_token == "t-1" and component.width == 16


def test_what_is_not_a_clip_and_broken_uploads_are_refused(twenty: bytes) -> None:
    component = nbshare.Video()
    upload(component, b"%PDF-1.4 not a video at all", name="notes.pdf")
    assert component.message == "notes.pdf is not a video nbshare reads: send an MP4, MOV or WebM file"
    upload(component, twenty[: len(twenty) // 2], name="cut.mp4")
    assert "cut.mp4 is damaged or truncated" in component.message
    component._receive_page_event(component, {"event": "upload", "part": 0, "parts": 1, "name": "x"}, [b"12"])
    assert component.message == "x arrived without its size; try again"
    component._receive_page_event(
        component, {"event": "upload", "part": 0, "parts": 1, "name": "x", "size": 100}, [b"\0" * 10]
    )
    assert component.message == "x arrived incomplete (10 bytes of 100 bytes); try again"
    assert component.value is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"op": "trim", "start": 1.5, "end": 1.0}, "must come before the end"),
        ({"op": "trim", "start": 0, "end": 9}, "outside the clip, which lasts 2.00 s"),
        ({"op": "occlude", "points": [[1, 1]], "width": 500}, "the brush width must be between 1 and 64"),
        ({"op": "occlude", "box": [70, 50, 90, 60]}, "outside the frame"),
        ({"op": "crop"}, "unknown video edit"),
        ({"op": "redo"}, "Nothing to redo"),
    ],
)
def test_edits_are_checked_in_python_with_the_reason(twenty: bytes, change: dict, message: str) -> None:
    component = nbshare.Video(value=twenty)
    edit(component, change)
    assert message in component.message and component.value.edits == ()


def test_an_edit_before_any_clip_says_so() -> None:
    component = nbshare.Video()
    edit(component, {"op": "trim", "start": 0, "end": 1})
    assert component.message == "there is no clip to edit yet: upload one first"


def test_outputs_take_frames_files_and_bytes_and_send_an_mp4_to_play(twenty: bytes, tmp_path: Path) -> None:
    output = nbshare.Video(interactive=False)
    output.value = output.postprocess(ramp(6))
    assert output.media_token == "" and probe(output.media).frames == 6  # encoded at 25 fps for the page
    assert probe(output.media).fps == 25.0
    output.value = output.postprocess((5, ramp(10)))
    assert output.duration == 2.0
    (tmp_path / "out.mp4").write_bytes(twenty)
    output.value = output.postprocess(str(tmp_path / "out.mp4"))
    assert output.media == twenty and output.value.name == "out.mp4"
    output.value = output.postprocess(twenty)
    assert output.media == twenty
    with pytest.raises(InputError, match="a video must be"):
        output.postprocess(3.5)
    with pytest.raises(InputError, match="is empty"):
        nbshare.Video(label="Echo").preprocess(None)


def test_a_page_without_its_copy_asks_for_the_file(twenty: bytes) -> None:
    component = nbshare.Video()
    upload(component, twenty)
    sent: list[tuple[dict, list[bytes]]] = []
    component.send = lambda content, buffers=None: sent.append((content, buffers))  # type: ignore[method-assign]
    component._receive_page_event(component, {"event": "fetch"}, [])
    ((content, (data,)),) = sent
    assert content == {"event": "media", "revision": component.revision} and data == twenty


def test_the_api_takes_a_data_url_and_gives_one(twenty: bytes) -> None:
    from nbshare.values.dataurl import decode_data_url, encode_data_url

    component = nbshare.Video()
    clip = component.from_json(encode_data_url(twenty, "video/mp4", "a.mp4"))
    assert clip.original == twenty and clip.name == "a.mp4"
    data, media_type, _name = decode_data_url(nbshare.Video(interactive=False).to_json(ramp(4)), "x")
    assert media_type == "video/mp4" and probe(data).frames == 4
