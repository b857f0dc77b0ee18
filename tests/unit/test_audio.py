"""Audio: WAV conversions, the edit log (trim, noise at an SNR) and the component's checks, without a browser."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
import pytest
import scipy.io.wavfile

import nbshare
from nbshare import InputError
from nbshare.values import sound as audio

RATE = 16_000


def tone(seconds: float = 2.0, channels: int = 1) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    mono = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    return mono if channels == 1 else np.stack([mono, -mono], axis=1)


def upload(component: nbshare.Audio, samples: np.ndarray, name: str = "clip.wav", part_bytes: int = 1 << 20) -> None:
    """Send samples as the page does: float32 interleaved, in parts."""
    frames = samples.reshape(len(samples), -1)
    data = frames.astype("<f4").tobytes()
    parts = max(1, -(-len(data) // part_bytes))
    for part in range(parts):
        meta = (
            {"name": name, "sample_rate": RATE, "channels": frames.shape[1], "frames": len(frames)} if part == 0 else {}
        )
        content = {**meta, "event": "upload", "part": part, "parts": parts}
        component._receive_page_event(component, content, [data[part * part_bytes : (part + 1) * part_bytes]])


@pytest.mark.parametrize("dtype", ["int16", "int32", "float32", "float64", "uint8"])
def test_wav_files_of_every_common_encoding_decode_to_float_frames(dtype: str) -> None:
    signal = tone(0.1, channels=2)
    scaled = {
        "int16": (signal * 32767).astype(np.int16),
        "int32": (signal * (2**31 - 1)).astype(np.int32),
        "float32": signal,
        "float64": signal.astype(np.float64),
        "uint8": (signal * 127 + 128).astype(np.uint8),
    }[dtype]
    buffer = io.BytesIO()
    scipy.io.wavfile.write(buffer, RATE, scaled)
    rate, samples = audio.decode_wav(buffer.getvalue())
    assert rate == RATE and samples.shape == signal.shape and samples.dtype == np.float32
    assert np.abs(samples - signal).max() < (2 / 128 if dtype == "uint8" else 1e-4)


def test_24_bit_wav_and_our_own_encodings_round_trip() -> None:
    signal = tone(0.05)
    pcm24 = np.round(signal * (2**23 - 1)).astype(np.int32)
    raw = b"".join(int(v).to_bytes(4, "little", signed=True)[:3] for v in pcm24)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1), writer.setsampwidth(3), writer.setframerate(RATE)
        writer.writeframes(raw)
    assert np.abs(audio.decode_wav(buffer.getvalue())[1][:, 0] - signal).max() < 1e-6
    assert np.array_equal(audio.decode_wav(audio.encode_wav(signal, RATE, float32=True))[1][:, 0], signal)
    assert np.abs(audio.decode_wav(audio.encode_wav(signal, RATE))[1][:, 0] - signal).max() < 1 / 32767
    with wave.open(io.BytesIO(audio.encode_wav(signal, RATE))) as reader:  # 16-bit output opens anywhere
        assert (reader.getframerate(), reader.getnframes(), reader.getsampwidth()) == (RATE, len(signal), 2)


def test_what_is_not_a_wav_file_gets_a_clear_error() -> None:
    with pytest.raises(InputError, match="not a WAV file"):
        audio.decode_wav(b"ID3\x03 an mp3", "song.mp3")
    with pytest.raises(InputError, match="damaged"):
        audio.decode_wav(b"RIFF\x04\x00\x00\x00WAVE")
    with pytest.raises(InputError, match=r"\(channels, frames\) array needs \.T"):
        audio.to_clip((RATE, np.zeros((2, 1000, 3))))
    with pytest.raises(InputError, match="NaN"):
        audio.to_clip((RATE, np.array([0.1, np.nan])))
    with pytest.raises(InputError, match="sample rate"):
        audio.to_clip((0, np.zeros(10)))


def test_trim_then_noise_replays_to_the_requested_length_and_snr() -> None:
    signal = tone(2.0, channels=2)
    edits = [{"op": "trim", "start": 0.25, "end": 1.5}, {"op": "noise", "snr_db": 12.0, "seed": 7}]
    clean = [audio.check_audio_edit(edit, len(signal), RATE) for edit in edits]
    result = nbshare.replay_audio(signal, RATE, clean)
    assert result.shape == (20_000, 2) and result.dtype == np.float32
    assert abs(audio.snr_db(signal[4_000:24_000], result) - 12.0) < 0.5
    assert np.array_equal(result, nbshare.replay_audio(signal, RATE, clean))  # seeded: the same every time
    for level in (-5.0, 0.0, 30.0):
        noisy = nbshare.replay_audio(signal, RATE, [{"op": "noise", "snr_db": level, "seed": 1}])
        assert abs(audio.snr_db(signal, noisy) - level) < 0.5


def test_undo_redo_and_reset_are_kept_in_the_log_and_replayed() -> None:
    signal = tone(1.0)
    trim = {"op": "trim", "start": 0.0, "end": 0.5}
    assert len(nbshare.replay_audio(signal, RATE, [trim, {"op": "undo"}])) == RATE
    assert len(nbshare.replay_audio(signal, RATE, [trim, {"op": "undo"}, {"op": "redo"}])) == RATE // 2
    assert len(nbshare.replay_audio(signal, RATE, [trim, {"op": "reset"}])) == RATE
    assert len(nbshare.replay_audio(signal, RATE, [trim, {"op": "reset"}, {"op": "undo"}])) == RATE // 2


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"op": "trim", "start": 0.3, "end": 0.3}, "select a region"),
        ({"op": "trim", "start": "0", "end": 1}, "finite number of seconds"),
        ({"op": "noise", "snr_db": 500}, "between -20 and 100 dB"),
        ({"op": "noise", "snr_db": float("nan")}, "number of dB"),
        ({"op": "noise", "snr_db": 10, "seed": -1}, "non-negative integer"),
        ({"op": "echo"}, "unknown audio edit"),
        ("trim", "must be a dict"),
    ],
)
def test_malformed_edits_are_refused_with_the_reason(edit: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        audio.check_audio_edit(edit, RATE, RATE)


def test_the_component_takes_a_page_upload_in_parts_and_edits_it() -> None:
    component = nbshare.Audio(label="Heart sound")
    signal = tone(3.0, channels=2)
    upload(component, signal, part_bytes=100_000)  # 384 KB in 4 parts
    assert component.message == "" and component.duration == 3.0 and component.channels == 2
    assert np.array_equal(component.value.original, signal)
    component._receive_page_event(component, {"event": "edit", "edit": {"op": "trim", "start": 1, "end": 2}}, [])
    component._receive_page_event(component, {"event": "edit", "edit": {"op": "noise", "snr_db": 20}}, [])
    assert component.edit_count == 2 and component.can_undo and not component.can_redo
    rate, samples = component.preprocess(component.value)
    assert rate == RATE and samples.shape == (RATE, 2)
    assert abs(audio.snr_db(signal[RATE : 2 * RATE], samples) - 20) < 0.5
    assert len(component.peaks) == 2 * 800 * 4
    component._receive_page_event(component, {"event": "edit", "edit": {"op": "redo"}}, [])
    assert component.message == "Nothing to redo" and component.edit_count == 2


def test_upload_limits_and_silence_are_refused_and_the_clip_before_is_kept() -> None:
    component = nbshare.Audio(max_duration=2.0)
    upload(component, tone(1.0))
    kept = component.value
    upload(component, tone(2.5), name="long.wav")
    assert component.message == "long.wav is 2.5 s long; the limit is 2.0 s (raise it with Audio(max_duration=...))"
    upload(component, np.zeros(RATE, np.float32), name="quiet.wav")
    assert "quiet.wav is silent" in component.message
    component._receive_page_event(component, {"event": "upload", "part": 1, "parts": 2, "name": "x"}, [b"1234"])
    assert "arrived out of order" in component.message
    component._receive_page_event(
        component, {"event": "upload", "part": 0, "parts": 1, "name": "x", "sample_rate": RATE, "channels": 1,
                    "frames": 100}, [b"\0" * 10]
    )  # fmt: skip
    assert component.message == "x arrived incomplete (10 bytes of 400 bytes); try again"
    assert component.value is kept


def test_noise_on_a_silent_clip_is_refused_and_the_clip_stays() -> None:
    component = nbshare.Audio(value=(RATE, np.zeros(RATE, np.float32)))
    component._receive_page_event(component, {"event": "edit", "edit": {"op": "noise", "snr_db": 10}}, [])
    assert "the clip is silent" in component.message and component.value.edits == ()


def test_the_function_gets_arrays_or_a_wav_path_and_outputs_take_both(tmp_path: Path) -> None:
    signal = tone(0.5)
    component = nbshare.Audio(type="filepath", value=(RATE, signal))
    path = component.preprocess(component.value)
    assert path.endswith(".wav") and np.array_equal(audio.decode_wav(Path(path).read_bytes())[1][:, 0], signal)
    rate, samples = nbshare.Audio().preprocess((RATE, signal))
    assert rate == RATE and samples.ndim == 1
    with pytest.raises(InputError, match="is empty"):
        nbshare.Audio(label="Heart sound").preprocess(None)
    (tmp_path / "out.wav").write_bytes(audio.encode_wav(signal, RATE))
    output = nbshare.Audio(interactive=False)
    output.value = output.postprocess(str(tmp_path / "out.wav"))
    assert output.duration == 0.5 and output.value.name == "out.wav"
    output.value = output.postprocess((RATE, (signal * 32767).astype(np.int16)))
    assert abs(output.value.original[:, 0] - signal).max() < 1e-4


def test_playback_sends_the_edited_clip_as_wav_only_when_asked() -> None:
    component = nbshare.Audio(value=(RATE, tone(1.0)))
    sent: list[tuple[dict, list[bytes]]] = []
    component.send = lambda content, buffers=None: sent.append((content, buffers))  # type: ignore[method-assign]
    component._receive_page_event(component, {"event": "edit", "edit": {"op": "trim", "start": 0, "end": 0.25}}, [])
    assert sent == []
    component._receive_page_event(component, {"event": "fetch"}, [])
    ((content, (wav,)),) = sent
    assert content == {"event": "playback", "revision": component.revision}
    assert audio.decode_wav(wav)[1].shape == (RATE // 4, 1)
