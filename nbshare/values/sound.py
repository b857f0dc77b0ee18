"""Audio clips and their edit log: WAV in and out, trim and noise at a chosen SNR, replayed exactly with numpy.

Samples are float32 in [-1, 1], shaped (frames, channels). Operations, times in seconds of the clip as it is when
the operation is made:

- ``{"op": "trim", "start": s, "end": s}``: keep only that region.
- ``{"op": "noise", "snr_db": x, "seed": n}``: add white Gaussian noise whose power is the clip's power divided by
  10^(x/10), exactly (the drawn noise is rescaled to that power), from a NumPy generator seeded with ``n``.
- ``{"op": "undo"}``, ``{"op": "redo"}``, ``{"op": "reset"}``: as in the image log.
"""

from __future__ import annotations

import io
import math
import numbers
import os
import struct
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from .._errors import InputError
from .edits import HISTORY_OPS, edit_op, effective_edits, seconds_of, since_last_reset
from .stored import FileKind, Files, stored_kind

__all__ = [
    "EditedAudio",
    "apply_audio_edit",
    "check_audio_edit",
    "decode_wav",
    "encode_wav",
    "replay_audio",
    "snr_db",
    "to_clip",
]

SILENCE_PEAK = 1e-4  # -80 dBFS: below this a recording holds nothing but the microphone's floor
MIN_SNR_DB, MAX_SNR_DB = -20.0, 100.0


@stored_kind
@dataclass(frozen=True, eq=False)
class EditedAudio(FileKind):
    """A clip as the person gave it (``original``: float32, frames × channels), and the edits they made to it.

    In a flag record (kind "audio"): the edited and the original clip as 32-bit float WAV files, and the edit log.
    """

    kind: ClassVar[str] = "audio"

    sample_rate: int
    original: np.ndarray
    edits: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    name: str = ""

    def edited(self) -> np.ndarray:
        """The samples the function receives: ``replay_audio(original, sample_rate, edits)``."""
        return replay_audio(self.original, self.sample_rate, self.edits)

    def with_edit(self, edit: dict[str, Any]) -> EditedAudio:
        return EditedAudio(self.sample_rate, self.original, (*self.edits, edit), self.name)

    @property
    def duration(self) -> float:
        return len(self.original) / self.sample_rate

    def to_record(self, files: Files, stem: str) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file": files.write(encode_wav(self.edited(), self.sample_rate, float32=True), f"{stem}-edited.wav"),
            "original": files.write(encode_wav(self.original, self.sample_rate, float32=True), f"{stem}-original.wav"),
            "edits": list(self.edits),
        }

    @classmethod
    def from_record(cls, entry: dict[str, Any], files: Files) -> EditedAudio:
        rate, samples = decode_wav(files.path(entry.get("original", entry["file"])).read_bytes())
        return cls(rate, samples, tuple(entry.get("edits", ())))


def check_audio_edit(edit: Any, frames: int, sample_rate: int) -> dict[str, Any]:
    """A clean copy of ``edit`` for a clip of ``frames`` samples, or an InputError saying what is wrong.

    A noise edit without a seed gets one here, so the log replays to the same samples.
    """
    op = edit_op(edit)
    if op in HISTORY_OPS:
        return {"op": op}
    if op == "trim":
        start, end = seconds_of(edit.get("start"), "the start"), seconds_of(edit.get("end"), "the end")
        first, last = _frame_span(start, end, frames, sample_rate)
        if last - first < 1:
            raise InputError("select a region of the recording to keep before trimming")
        return {"op": "trim", "start": first / sample_rate, "end": last / sample_rate}
    if op == "noise":
        level = edit.get("snr_db")
        if isinstance(level, bool) or not isinstance(level, numbers.Real) or not math.isfinite(level):
            raise InputError(f"the signal-to-noise ratio must be a number of dB, got {level!r:.40}")
        if not MIN_SNR_DB <= float(level) <= MAX_SNR_DB:
            raise InputError(f"the signal-to-noise ratio must be between {MIN_SNR_DB:g} and {MAX_SNR_DB:g} dB")
        seed = edit.get("seed")
        if seed is None:
            import secrets

            seed = secrets.randbits(32)
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= int(seed) < 2**63:
            raise InputError(f"a noise seed must be a non-negative integer, got {seed!r:.40}")
        return {"op": "noise", "snr_db": float(level), "seed": int(seed)}
    raise InputError(f"unknown audio edit {op[:40]!r}; use trim, noise, undo, redo or reset")


def _frame_span(start: float, end: float, frames: int, sample_rate: int) -> tuple[int, int]:
    first, last = sorted((round(start * sample_rate), round(end * sample_rate)))
    return max(0, min(frames, first)), max(0, min(frames, last))


def power(samples: np.ndarray) -> float:
    """Mean square of the samples (all channels)."""
    return float(np.mean(np.square(samples, dtype=np.float64))) if samples.size else 0.0


def snr_db(clean: np.ndarray, noisy: np.ndarray) -> float:
    """The signal-to-noise ratio of ``noisy`` against ``clean``, in dB."""
    noise = power(np.asarray(noisy, dtype=np.float64) - np.asarray(clean, dtype=np.float64))
    return math.inf if noise == 0 else 10 * math.log10(power(clean) / noise)


def apply_audio_edit(samples: np.ndarray, sample_rate: int, edit: dict[str, Any]) -> np.ndarray:
    """The samples after one trim or noise ``edit`` (checked here)."""
    edit = check_audio_edit(edit, len(samples), sample_rate)
    if edit["op"] == "trim":
        first, last = _frame_span(edit["start"], edit["end"], len(samples), sample_rate)
        return samples[first:last]
    signal = power(samples)
    if signal < SILENCE_PEAK**2:
        raise InputError("the clip is silent, so noise at a signal-to-noise ratio has nothing to be measured against")
    noise = np.random.default_rng(edit["seed"]).standard_normal(samples.shape)
    noise *= math.sqrt(signal / 10 ** (edit["snr_db"] / 10) / power(noise))
    return (samples.astype(np.float64) + noise).astype(np.float32)


def replay_audio(original: Any, sample_rate: int, edits: Any) -> np.ndarray:
    """The samples ``original`` becomes after ``edits`` (a list of operations as the page records them)."""
    samples = np.asarray(original, dtype=np.float32)
    for edit in since_last_reset(effective_edits(list(edits))):  # a reset starts again from the original
        samples = apply_audio_edit(samples, sample_rate, edit)
    return samples


# -- conversions -------------------------------------------------------------------------------------------------


def _as_frames(array: Any) -> np.ndarray:
    """Float32 samples shaped (frames, channels) from mono, channels-last or integer PCM arrays."""
    samples = np.asarray(array)
    if samples.ndim == 1:
        samples = samples[:, None]
    if samples.ndim != 2 or samples.shape[1] > 64:
        raise InputError(
            f"audio samples must be 1-D (mono) or 2-D (frames, channels), got shape {samples.shape}; "
            "a (channels, frames) array needs .T"
        )
    if samples.dtype.kind == "i":
        samples = samples.astype(np.float32) / float(2 ** (8 * samples.dtype.itemsize - 1))
    elif samples.dtype.kind == "u":
        half = float(2 ** (8 * samples.dtype.itemsize - 1))
        samples = (samples.astype(np.float32) - half) / half
    elif samples.dtype.kind != "f":
        raise InputError(f"audio samples must be numbers, got dtype {samples.dtype}")
    samples = np.ascontiguousarray(samples, dtype=np.float32)
    if not np.isfinite(samples).all():
        raise InputError("the audio holds NaN or infinite samples")
    return samples


def to_clip(value: Any, name: str = "") -> EditedAudio:
    """An ``EditedAudio`` from ``(sample_rate, array)``, a WAV file's path or bytes, or an ``EditedAudio``."""
    if isinstance(value, EditedAudio):
        return value
    if isinstance(value, tuple | list) and len(value) == 2 and isinstance(value[0], numbers.Integral):
        rate, array = value
        if not 1 <= int(rate) <= 768_000:
            raise InputError(f"the sample rate must be between 1 and 768000 Hz, got {rate}")
        return EditedAudio(int(rate), _as_frames(array), (), name)
    if isinstance(value, str | os.PathLike):
        with open(value, "rb") as handle:
            data = handle.read()
        return to_clip(data, name or os.path.basename(value))
    if isinstance(value, bytes | bytearray | memoryview):
        rate, samples = decode_wav(bytes(value), name)
        return EditedAudio(rate, samples, (), name)
    raise InputError(f"audio must be (sample_rate, array), a WAV file's path or bytes, got {type(value).__name__}")


def decode_wav(data: bytes, name: str = "") -> tuple[int, np.ndarray]:
    """``(sample_rate, float32 samples (frames, channels))`` from a RIFF/WAVE file (8/16/24/32-bit PCM, float)."""
    what = name or "the file"
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise InputError(f"{what} is not a WAV file; Python reads WAV only (the page decodes any format)")
    offset, fmt, payload = 12, None, None
    while offset + 8 <= len(data):
        chunk, size = data[offset : offset + 4], struct.unpack_from("<I", data, offset + 4)[0]
        body = data[offset + 8 : offset + 8 + size]
        if chunk == b"fmt ":
            fmt = body
        elif chunk == b"data":
            payload = body
        offset += 8 + size + (size & 1)
    if fmt is None or payload is None or len(fmt) < 16:
        raise InputError(f"{what} is a damaged WAV file (no format or data chunk)")
    tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", fmt)
    if tag == 0xFFFE and len(fmt) >= 26:
        tag = struct.unpack_from("<H", fmt, 24)[0]  # WAVE_FORMAT_EXTENSIBLE: the real format is in the sub-format
    width = bits // 8
    if channels < 1 or rate < 1 or width < 1:
        raise InputError(f"{what} is a damaged WAV file ({channels} channels at {rate} Hz)")
    usable = len(payload) - len(payload) % (width * channels)
    raw = np.frombuffer(payload[:usable], dtype=np.uint8)
    if tag == 3 and bits in (32, 64):
        samples = raw.view("<f4" if bits == 32 else "<f8").astype(np.float32)
    elif tag == 1 and bits == 24:
        triples = raw.reshape(-1, 3).astype(np.int32)
        joined = triples[:, 0] | (triples[:, 1] << 8) | (triples[:, 2] << 16)
        samples = (np.where(joined >= 2**23, joined - 2**24, joined) / 2**23).astype(np.float32)
    elif tag == 1 and bits in (8, 16, 32):
        samples = _as_frames(raw.view({8: "u1", 16: "<i2", 32: "<i4"}[bits]))[:, 0]
    else:
        raise InputError(f"{what} uses a WAV encoding nbshare does not read (format {tag}, {bits}-bit)")
    return rate, _as_frames(samples.reshape(-1, channels))


def encode_wav(samples: np.ndarray, sample_rate: int, *, float32: bool = False) -> bytes:
    """A WAV file of ``samples`` (frames, channels): 16-bit PCM (clipped to [-1, 1]) or, losslessly, 32-bit float."""
    frames = _as_frames(samples)
    if float32:
        body, tag, bits = frames.astype("<f4").tobytes(), 3, 32
    else:
        body, tag, bits = (np.clip(frames, -1, 1) * 32767).round().astype("<i2").tobytes(), 1, 16
    channels = frames.shape[1]
    out = io.BytesIO()
    out.write(b"RIFF" + struct.pack("<I", 36 + len(body)) + b"WAVE")
    block = channels * bits // 8
    out.write(b"fmt " + struct.pack("<IHHIIHH", 16, tag, channels, sample_rate, sample_rate * block, block, bits))
    out.write(b"data" + struct.pack("<I", len(body)) + body)
    return out.getvalue()


def peaks(samples: np.ndarray, columns: int = 800) -> np.ndarray:
    """The waveform to draw: float32 (2, n) of per-column minimum and maximum of the channels' mean."""
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    if mono.size == 0:
        return np.zeros((2, 0), dtype=np.float32)
    count = min(columns, mono.size)
    edges = np.linspace(0, mono.size, count + 1).astype(int)
    return np.stack([np.minimum.reduceat(mono, edges[:-1]), np.maximum.reduceat(mono, edges[:-1])]).astype(np.float32)
