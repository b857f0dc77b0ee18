"""A clip explained (occlusion over frames: which moments matter), the filmstrip the timeline shows, and a flagged
clip: its thumbnail in the inbox, its columns in ``iface.flags`` and Load putting it back with its edits."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import nbshare
from nbshare.values import imaging
from nbshare.values.video_clip import EditedVideo, encode_mp4

W, H = 64, 48


def ramp(count: int) -> np.ndarray:
    """Frames a codec keeps well, each 10 levels brighter than the one before."""
    x = np.linspace(0, 40, W)[None, :] + np.linspace(0, 20, H)[:, None]
    return np.stack([np.repeat(((x + 10 * i) % 256)[..., None], 3, axis=2) for i in range(count)]).astype(np.uint8)


@pytest.fixture(scope="module")
def twenty() -> bytes:
    return encode_mp4(ramp(20), 10)  # 2 s at 10 fps


def upload(component: nbshare.Video, data: bytes, name: str = "clip.mp4") -> None:
    content = {"event": "upload", "part": 0, "parts": 1, "name": name, "size": len(data), "token": "t-1"}
    component._receive_page_event(component, content, [data])
    assert component.message == "", component.message


def edit(component: nbshare.Video, change: dict) -> None:
    component._receive_page_event(component, {"event": "edit", "edit": change}, [])
    assert component.message == "", component.message


def strip_of(component: nbshare.Video) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(component.filmstrip)).convert("RGB"))


# -- the filmstrip ---------------------------------------------------------------------------------------------------


def test_an_upload_gives_the_timeline_a_filmstrip_of_12_thumbnails_64_px_high(twenty: bytes) -> None:
    component = nbshare.Video()
    assert component.filmstrip == b"" and component.filmstrip_times == []
    upload(component, twenty)
    strip = strip_of(component)
    assert strip.shape[0] == 64 and strip.shape[1] == 12 * round(64 * W / H)
    assert component.filmstrip_times == pytest.approx([i * 2 / 12 for i in range(12)], abs=1e-5)
    thumbs = strip.reshape(64, 12, -1, 3).mean(axis=(0, 2, 3))
    assert np.all(np.diff(thumbs) > 0)  # later moments are brighter, as the clip is


def test_a_trim_remakes_the_filmstrip_over_the_kept_part_and_an_occlusion_does_not(twenty: bytes) -> None:
    component = nbshare.Video()
    upload(component, twenty)
    whole = strip_of(component)
    edit(component, {"op": "trim", "start": 1.0, "end": 1.5})  # 5 frames kept
    assert component.filmstrip_times == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    kept = strip_of(component)
    assert kept.shape[1] == 5 * round(64 * W / H) and kept.mean() > whole.mean()
    strip = component.filmstrip
    edit(component, {"op": "occlude", "box": [0, 0, 32, 24], "color": "#000000"})
    assert component.filmstrip == strip  # the page draws the occlusion; the strip shows the frames
    component.value = None
    assert component.filmstrip == b"" and component.filmstrip_times == []


# -- explaining a clip -----------------------------------------------------------------------------------------------


def looks_at_frames_10_to_14(frames: np.ndarray) -> float:
    """A model that only looks at how bright frames 10-14 are."""
    return float(frames[10:15].mean() / 255)


def clip_with_bright_moment() -> EditedVideo:
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 60, (24, 24, 32, 3), dtype=np.uint8)
    frames[10:15] += 150  # a bright moment, 1.0 s to 1.5 s
    return EditedVideo(frames, (), "moment", 10.0)


def test_occlusion_over_frames_finds_the_moments_the_model_looks_at() -> None:
    batches: list[int] = []

    def model(clips: list[np.ndarray]) -> list[float]:
        batches.append(len(clips))
        return [looks_at_frames_10_to_14(frames) for frames in clips]

    iface = nbshare.Interface(
        model, nbshare.Video(label="Echo"), nbshare.Number(), interpretation="occlusion", batch=True, max_batch_size=8
    )
    explanation = iface.explain(clip_with_bright_moment())
    (part,) = explanation.inputs
    assert part.name == "Echo" and part.kind == "features"
    assert [label for label, _score in part.pieces] == [f"{i / 10:.1f} s" for i in range(24)]
    assert part.times == pytest.approx([i / 10 for i in range(24)])
    scores = np.array([score for _label, score in part.pieces])
    assert set(np.argsort(scores)[-5:]) == {10, 11, 12, 13, 14}
    assert np.all(scores[10:15] > 0.05) and np.allclose(np.delete(scores, range(10, 15)), 0)
    assert max(batches) == 8 and len(batches) == 1 + 3  # the answer, then 24 variants in batches of 8
    assert "24 windows of 1 frame(s)" in part.note and "mean frame" in part.note


def test_a_long_clip_is_scored_in_windows_and_the_view_shows_them_under_the_timeline() -> None:
    rng = np.random.default_rng(1)
    frames = rng.integers(0, 60, (60, 24, 32, 3), dtype=np.uint8)
    frames[10:15] += 150
    iface = nbshare.Interface(
        looks_at_frames_10_to_14, nbshare.Video(label="Echo"), nbshare.Number(), interpretation="occlusion"
    )
    view = iface.view()
    video = view.inputs[0]
    video.value = EditedVideo(frames, (), "long", 10.0)
    assert view.explainer is not None
    explanation = view.explainer.explain().result(60)
    part = explanation.inputs[0]
    assert part.times == pytest.approx([i * 0.3 for i in range(20)])  # 60 frames in 20 windows of 3
    assert video.frame_score_times == pytest.approx(part.times)
    assert video.frame_scores == pytest.approx([score for _label, score in part.pieces])
    best = sorted(range(20), key=lambda i: video.frame_scores[i])[-2:]
    assert set(best) <= {3, 4}  # windows 9-11 and 12-14
    video.value = EditedVideo(frames[:40], (), "another", 10.0)  # another clip: the scores are gone
    assert video.frame_scores == [] and video.frame_score_times == []


def test_a_flat_fill_and_a_file_clip_explain_too(twenty: bytes) -> None:
    iface = nbshare.Interface(
        lambda frames: float(frames[-1].mean()),
        nbshare.Video(type="frames", fps=5),
        nbshare.Number(),
        interpretation=nbshare.Occlusion(fill="black"),
    )
    part = iface.explain(twenty).inputs[0]
    scores = [score for _label, score in part.pieces]
    assert len(scores) == 10 and part.times[-1] == pytest.approx(1.8)  # 2 s at 5 frames a second
    assert scores[-1] > 10 and np.allclose(scores[:-1], 0)


# -- flags -----------------------------------------------------------------------------------------------------------


def test_a_flagged_clip_shows_a_thumbnail_its_columns_and_loads_back_with_its_edits(
    twenty: bytes, tmp_path: Path
) -> None:
    received: list[np.ndarray] = []

    def brightness(frames: np.ndarray) -> float:
        received.append(frames)
        return float(frames.mean())

    iface = nbshare.Interface(brightness, nbshare.Video(label="Echo"), nbshare.Number(), flagging_dir=tmp_path)
    view = iface.view()
    video = view.inputs[0]
    upload(video, twenty)
    edit(video, {"op": "trim", "start": 0.5, "end": 1.5})
    edit(video, {"op": "occlude", "box": [0, 0, 32, 24], "color": "#ff0000"})
    expected = nbshare.replay_video(twenty, video.value.edits)
    view.submit().result(20)
    assert view.flag_current(message="the valve") is not None

    flags = iface.flags
    assert Path(flags.loc[0, "Echo"]).read_bytes() == twenty
    assert flags.loc[0, "Echo edits"] == list(video.value.edits)

    (row,) = iface.inbox()._rows.children
    still = np.asarray(Image.open(io.BytesIO(row.children[0].value)).convert("RGB"))  # the flag's thumbnail
    assert still.shape[0] == 72
    middle = expected[len(expected) // 2]  # 1.0 s: the middle of the kept part, occlusion painted
    shown = imaging.resize(still, W, H).astype(int)
    assert np.abs(shown[30:, 40:] - middle[30:, 40:].astype(int)).mean() < 12
    assert shown[2:20, 2:28, 0].mean() > 200 and shown[2:20, 2:28, 1:].mean() < 60  # the red occlusion

    video.value = None
    loaded = iface.load_flag(str(flags.loc[0, "id"]))
    clip = loaded.inputs[0].value
    assert clip.original == twenty and list(clip.edits) == flags.loc[0, "Echo edits"]
    assert (loaded.inputs[0].start, loaded.inputs[0].end) == (0.5, 1.5)
    assert loaded.inputs[0].filmstrip != b""
    np.testing.assert_array_equal(clip.edited(), expected)
    np.testing.assert_array_equal(received[-1], expected)  # the model answered the loaded clip as flagged


def test_a_flag_sent_with_the_moments_on_screen_keeps_their_scores(tmp_path: Path) -> None:
    iface = nbshare.Interface(
        looks_at_frames_10_to_14,
        nbshare.Video(label="Echo"),
        nbshare.Number(),
        interpretation="occlusion",
        flagging_dir=tmp_path,
    )
    view = iface.view()
    view.inputs[0].value = clip_with_bright_moment()
    view.submit().result(20)
    assert view.explainer is not None
    explanation = view.explainer.explain().result(20)
    assert view.flag_current(message="the bright moment") is not None
    kept = iface.flags.loc[0, "Echo explanation"]
    assert [tuple(piece) for piece in kept] == explanation.inputs[0].pieces
