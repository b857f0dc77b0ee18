"""The audio edit log's budgets, driven the way a page drives them: its length, the noise additions in effect, and an
exact replay of what the function receives after many edits, undos and redos."""

from __future__ import annotations

import numpy as np
import pytest

import nbshare

RATE = 16_000


def edit(component, change):
    component._receive_page_event(component, {"event": "edit", "edit": change}, [])


def tone(seconds: float) -> np.ndarray:
    return (0.5 * np.sin(2 * np.pi * 440 * np.arange(int(seconds * RATE)) / RATE)).astype(np.float32)


def test_the_audio_log_has_a_limit_and_a_limit_on_noise_in_effect():
    clip = nbshare.Audio(value=(RATE, tone(4)), max_edits=3)
    for start in (0.1, 0.2, 0.3):
        edit(clip, {"op": "trim", "start": start, "end": 3.5})
    assert clip.message == "" and len(clip.value.edits) == 3
    kept = clip.value
    edit(clip, {"op": "trim", "start": 0.1, "end": 2})
    assert clip.message == (
        "The edit history is full (3 edits in effect, the most one audio keeps): undo some edits or Reset to start "
        "again from the original (the researcher can raise it with Audio(max_edits=...))"
    )
    assert clip.value is kept
    edit(clip, {"op": "undo"})
    assert clip.message == "" and clip.duration == pytest.approx(3.2)  # 4 s, trimmed to 3.4 s, then to 3.2 s

    noisy = nbshare.Audio(value=(RATE, tone(1)))
    for _ in range(4):
        edit(noisy, {"op": "noise", "snr_db": 30})
    edit(noisy, {"op": "noise", "snr_db": 30})
    assert noisy.message == (
        "The clip has 4 noise additions in effect, the most it takes: undo some edits or Reset to start again from "
        "the original (the researcher can raise it with Audio(max_noise=...))"
    )
    assert len(noisy.value.edits) == 4


def test_the_function_receives_exactly_the_replay_of_the_log_after_many_edits():
    rng = np.random.default_rng(8)
    original = np.stack([tone(6), tone(6)[::-1]], axis=1)
    received = []
    iface = nbshare.Interface(lambda clip: received.append(clip) or "ok", nbshare.Audio(max_noise=3), "text")
    view = iface.view()
    field = view.inputs[0]
    field.value = (RATE, original)
    for _ in range(80):
        roll = rng.random()
        if roll < 0.35 and field.duration > 0.5:
            start = rng.uniform(0, field.duration * 0.4)
            edit(field, {"op": "trim", "start": start, "end": start + rng.uniform(0.1, field.duration - start)})
        elif roll < 0.55:
            edit(field, {"op": "noise", "snr_db": float(rng.uniform(0, 40))})
        elif roll < 0.75:
            edit(field, {"op": "undo"})
        elif roll < 0.95:
            edit(field, {"op": "redo"})
        else:
            edit(field, {"op": "reset"})
        if rng.random() < 0.2:
            view.submit().result(timeout=60)
            rate, samples = received[-1]
            expected = nbshare.replay_audio(field.value.original, RATE, field.value.edits)
            assert rate == RATE and np.array_equal(samples, expected)
            assert np.array_equal(field._samples, expected)  # what the page plays, kept one edit at a time
    assert received
