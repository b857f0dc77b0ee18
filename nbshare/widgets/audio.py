"""Audio input (upload, record, trim, add noise, play) and output (play, download) ("audio")."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import traitlets

from .._assets import component_esm
from ..values import sound as audio
from ..values.dataurl import data_url_schema, decode_data_url, encode_data_url
from ..values.edits import effective_edits, resolve_history, since_last_reset
from ..values.files import temporary_path
from ..values.sound import EditedAudio
from ._component import InputError, on_event
from ._edited import EditedComponent
from ._held import hold
from ._upload import PartsReceiver

SOURCES = ("upload", "microphone")
BYTES_PER_SECOND = 48_000 * 2 * 4  # float32 stereo at 48 kHz: the default upload budget per second of max_duration


def _duration_text(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)} min {rest:.0f} s" if minutes else f"{rest:.1f} s"


class Audio(EditedComponent):
    """A sound clip: as an input, upload any format the browser decodes, or record; trim it, add noise, play it.

    The page decodes files with the Web Audio API and sends PCM samples, so no ffmpeg is needed. Every edit is
    recorded; the function receives ``nbshare.replay_audio(original, sample_rate, edits)``.
    """

    _esm = component_esm("audio.js")
    shortcuts = {"input": ("audio",), "output": ("audio",)}
    expects = "(sample_rate, samples) or the path of an audio file"

    page_writable = frozenset()  # everything comes as checked events

    value = traitlets.Any(None)
    """The clip (an ``nbshare.EditedAudio``: sample rate, original samples, edit log), or None. Kept in Python."""

    type = traitlets.Enum(["numpy", "filepath"], "numpy").tag(sync=True, option=True)
    """What the function receives: ``(sample_rate, float32 array)`` (1-D for mono, frames × channels otherwise)
    or the path of a 32-bit float WAV file."""

    sources = traitlets.List(traitlets.Enum(list(SOURCES)), list(SOURCES)).tag(sync=True, option=True)
    """Where a clip can come from: "upload" (file picker, drag-and-drop) and "microphone"."""

    max_duration = traitlets.Float(300.0).tag(sync=True, option=True)
    """Longest clip accepted, in seconds (checked in the page after decoding, and again in Python)."""

    max_upload_bytes = traitlets.Int(None, allow_none=True).tag(sync=True, option=True)
    """Largest upload accepted, in bytes: the file before the page decodes it, and the float32 samples the page then
    sends (checked in Python on what the first part announces, before any part is held). None: what ``max_duration``
    of 48 kHz stereo takes (115 MB for the default 300 s)."""

    max_noise = traitlets.Int(4).tag(sync=True, option=True)
    """The most noise additions in effect at once (each is a pass over the whole clip when Undo replays the log)."""

    # State shown by the page, set by Python.
    peaks = traitlets.Bytes(b"").tag(sync=True)
    duration = traitlets.Float(0.0).tag(sync=True)
    sample_rate = traitlets.Int(0).tag(sync=True)
    channels = traitlets.Int(0).tag(sync=True)
    revision = traitlets.Int(0).tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        self._parts = PartsReceiver()
        self._samples: np.ndarray | None = None  # the clip as edited, kept for playback and the function
        self._samples_of: EditedAudio | None = None  # the clip ``_samples`` is the replay of
        super().__init__(**kwargs)

    @traitlets.validate("value")
    def _coerce_value(self, proposal: Any) -> EditedAudio | None:
        value = proposal["value"]
        return None if value is None else audio.to_clip(value)

    @traitlets.validate("max_duration", "max_upload_bytes", "max_noise")
    def _check_positive(self, proposal: Any) -> Any:
        if proposal["value"] is not None and proposal["value"] <= 0:
            raise traitlets.TraitError(f"{proposal['trait'].name} must be above 0, got {proposal['value']}")
        return proposal["value"]

    # -- the pure contract -------------------------------------------------------------------------

    def preprocess(self, value: Any) -> Any:
        if value is None:
            raise InputError(f"{self.label or 'The audio'} is empty: upload or record a clip, or pick an example")
        clip = audio.to_clip(value)
        samples = self._samples if value is self.value and self._samples is not None else clip.edited()
        if len(samples) == 0:
            raise InputError(f"{self.label or 'The audio'} has no samples left")
        if self.type == "filepath":
            path = temporary_path(".wav")
            with open(path, "wb") as handle:
                handle.write(audio.encode_wav(samples, clip.sample_rate, float32=True))
            return path
        return clip.sample_rate, samples[:, 0] if samples.shape[1] == 1 else samples

    def postprocess(self, result: Any) -> EditedAudio | None:
        return None if result is None else audio.to_clip(result)

    def example_value(self) -> Any:
        if self.value is not None:
            return self.value
        rate = 16_000
        return rate, (0.5 * np.sin(2 * np.pi * 440 * np.arange(rate) / rate)).astype(np.float32)

    def empty_value(self) -> Any:
        return None

    def preview(self, value: Any) -> str:
        clip = self.postprocess(value)
        return "" if clip is None else f"{clip.name or 'audio'} ({_duration_text(clip.duration)})"

    # -- events from the page ----------------------------------------------------------------------

    def upload_limit(self) -> int:
        """The most bytes an upload may send: ``max_upload_bytes``, or what ``max_duration`` takes."""
        if self.max_upload_bytes is not None:
            return int(self.max_upload_bytes)
        return math.ceil(self.max_duration * BYTES_PER_SECOND)

    @on_event("upload", heavy=True)
    def _receive_part(self, content: dict[str, Any], buffers: list[Any]) -> None:
        name = str(content.get("name") or "audio")[:200] if content.get("part") == 0 else "The recording"
        done = self._parts.receive(
            content,
            buffers,
            limit=self.upload_limit(),
            what=name,
            option="Audio(max_upload_bytes",
            total_of=lambda meta: self._announced_bytes(meta, name),
            noun=" of samples",
        )
        if done is None:
            return
        meta, data = done
        rate, channels, frames = (int(meta[key]) for key in ("sample_rate", "channels", "frames"))
        samples = np.frombuffer(data, dtype="<f4").reshape(frames, channels)
        hold(self, samples.nbytes, name)  # all visitors' uploads together have a budget too
        clip = audio.to_clip((rate, samples), name)
        if float(np.abs(clip.original).max()) < audio.SILENCE_PEAK:
            raise InputError(f"{name} is silent (every sample is below -80 dBFS): check the microphone or the file")
        self.value = clip

    def _announced_bytes(self, meta: dict[str, Any], name: str) -> int:
        """The bytes of samples the first part announces, once what it announces is checked (before any is held)."""
        given = [meta.get(key) for key in ("sample_rate", "channels", "frames")]
        if not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in given):
            raise InputError(f"{name} arrived without a valid sample rate, channel count and length")
        rate, channels, frames = (int(n) for n in given)  # type: ignore[arg-type]  # checked just above
        if rate > 768_000 or channels > 64:
            raise InputError(
                f"{name} arrived without a valid sample rate, channel count and length ({rate:,} Hz, {channels} "
                "channels; at most 768,000 Hz and 64 channels)"
            )
        if frames / rate > self.max_duration:
            raise InputError(
                f"{name} is {_duration_text(frames / rate)} long; the limit is {_duration_text(self.max_duration)} "
                "(raise it with Audio(max_duration=...))"
            )
        return frames * channels * 4

    def close(self) -> None:
        self._parts.drop()  # an unfinished upload is not kept for a page that is gone
        super().close()

    @on_event("edit", heavy=True)
    def _receive_edit(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        edit = content.get("edit")
        if self.value is None or self._samples is None:
            raise InputError("there is no recording to edit yet: upload or record one first")
        clean = audio.check_audio_edit(edit, len(self._samples), self.value.sample_rate)
        clip = self.value
        self.value = EditedAudio(clip.sample_rate, clip.original, self._logged(clip.edits, clean), clip.name)

    def _log_problem(self, edits: Any) -> tuple[str, str] | None:
        problem = super()._log_problem(edits)
        if problem is not None:
            return problem
        noise = sum(1 for edit in since_last_reset(resolve_history(edits)[0]) if edit.get("op") == "noise")
        if noise > self.max_noise:
            return f"The clip has {self.max_noise} noise additions in effect, the most it takes", "max_noise"
        return None

    @on_event("fetch", outputs=True, heavy=True)  # playback and download work for outputs too
    def _send_playback(self, _content: dict[str, Any], _buffers: list[Any]) -> None:
        if self.value is None or self._samples is None:
            return
        wav = audio.encode_wav(self._samples, self.value.sample_rate)
        self.send({"event": "playback", "revision": self.revision}, [wav])

    # -- what the page shows -----------------------------------------------------------------------

    def _replayed(self, clip: EditedAudio) -> np.ndarray:
        """The clip's samples: one step from the samples held when the log grew by one edit, else a replay."""
        before, samples = self._samples_of, self._samples
        if (
            before is not None
            and samples is not None
            and before.original is clip.original
            and len(clip.edits) == len(before.edits) + 1
            and all(a is b for a, b in zip(before.edits, clip.edits, strict=False))
            and clip.edits[-1].get("op") not in ("undo", "redo")
        ):
            edit = clip.edits[-1]
            return clip.original if edit["op"] == "reset" else audio.apply_audio_edit(samples, clip.sample_rate, edit)
        effective_edits(clip.edits)  # a log that cannot resolve says so here
        return clip.edited()

    @traitlets.observe("value")
    def _value_changed(self, change: Any) -> None:
        clip: EditedAudio | None = change["new"]
        try:
            samples = None if clip is None else self._replayed(clip)
        except InputError as error:  # an edit that cannot apply (noise on silence): refuse it, keep the clip
            self.value = change["old"]
            self.message = str(error)
            return
        self._samples, self._samples_of = samples, clip
        with self.hold_sync():
            if clip is None or samples is None:
                self.peaks, self.duration, self.sample_rate, self.channels = b"", 0.0, 0, 0
                self._show_history(())
            else:
                self.peaks = audio.peaks(samples).tobytes()
                self.duration = len(samples) / clip.sample_rate
                self.sample_rate, self.channels = clip.sample_rate, samples.shape[1]
                self._show_history(clip.edits)
            self.revision += 1

    # -- the HTTP API ------------------------------------------------------------------------------

    def json_schema(self) -> dict[str, Any]:
        return data_url_schema("a WAV file as a data URL, e.g. data:audio/wav;base64,...", required=self.interactive)

    def from_json(self, value: Any) -> Any:
        data, _type, name = decode_data_url(value, self.label or "The audio", limit=self.upload_limit())
        return self.from_upload(data, name)

    def from_upload(self, data: bytes, name: str) -> Any:
        what = name or self.label or "The audio"
        if len(data) > self.upload_limit():
            raise InputError(f"{what} is {len(data):,} bytes; the limit is {self.upload_limit():,} bytes")
        clip = audio.to_clip(data, name)
        if clip.duration > self.max_duration:
            raise InputError(f"{what} is {_duration_text(clip.duration)} long; the limit is "
                             f"{_duration_text(self.max_duration)}")  # fmt: skip
        return clip

    def to_json(self, value: Any) -> Any:
        clip = self.postprocess(value)
        return None if clip is None else encode_data_url(audio.encode_wav(clip.edited(), clip.sample_rate), "audio/wav")
