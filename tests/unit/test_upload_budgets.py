"""Upload budgets enforced in Python, per part and in total, before any byte is held; unfinished uploads dropped after
an idle timeout; and the temporary copies made for a call removed after it. Driven the way a page drives them."""

from __future__ import annotations

import gc
import io
import os
import tracemalloc

import numpy as np
import pytest
from PIL import Image as PILImage

import nbshare
from nbshare.values import files

MB = 1_000_000
PART = 4 * 1024 * 1024  # js/upload.js PART_BYTES


def send(component, content, buffers=()):
    component._receive_page_event(component, content, list(buffers))


def send_parts(component, meta, data, part_bytes=PART):
    parts = max(1, -(-len(data) // part_bytes))
    for part in range(parts):
        content = {**(meta if part == 0 else {}), "event": "upload", "part": part, "parts": parts}
        send(component, content, [data[part * part_bytes : (part + 1) * part_bytes]])


def held_after(action) -> int:
    """Bytes still allocated (traced) after ``action`` ran, beyond what was allocated before."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        action()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def tone(seconds: float, rate: int = 16_000) -> np.ndarray:
    return (0.5 * np.sin(2 * np.pi * 440 * np.arange(int(seconds * rate)) / rate)).astype(np.float32)


def test_audio_refuses_parts_beyond_its_upload_limit_at_the_first_one_and_holds_nothing():
    audio = nbshare.Audio(max_upload_bytes=10 * MB, max_duration=1000)
    send_parts(audio, {"name": "before.wav", "sample_rate": 16_000, "channels": 1, "frames": 16_000}, tone(1).tobytes())
    kept = audio.value
    chunk = bytes(16 * MB)
    messages = []

    def attack():
        for part in range(10):
            meta = {"name": "huge.wav", "sample_rate": 48_000, "channels": 2, "frames": 20_000_000} if part == 0 else {}
            send(audio, {**meta, "event": "upload", "part": part, "parts": 10**9}, [chunk])
            messages.append(audio.message)

    assert held_after(attack) < MB  # before: all ten parts held (+160 MB)
    assert (
        messages
        == ["huge.wav is 160.0 MB of samples; the limit is 10.0 MB (raise it with Audio(max_upload_bytes=...))"] * 10
    )
    assert audio.value is kept


def test_audio_checks_what_a_first_part_announces_before_holding_it():
    audio = nbshare.Audio(max_duration=60)
    assert audio.max_upload_bytes is None  # the budget follows max_duration: 60 s of 48 kHz stereo float32
    one_second = tone(1, 48_000)
    announced = {"name": "long.wav", "sample_rate": 48_000, "channels": 2, "frames": 48_000 * 61}
    send(audio, {**announced, "event": "upload", "part": 0, "parts": 3}, [one_second.tobytes()])
    assert audio.message == "long.wav is 1 min 1 s long; the limit is 1 min 0 s (raise it with Audio(max_duration=...))"
    lying = {"name": "small.wav", "sample_rate": 16_000, "channels": 1, "frames": 100}
    send(audio, {**lying, "event": "upload", "part": 0, "parts": 1}, [bytes(PART)])
    assert audio.message == "small.wav arrived larger than announced (4.2 MB for 400 bytes); try again"
    send(audio, {**lying, "event": "upload", "part": 0, "parts": 10**9}, [bytes(400)])
    assert audio.message == "small.wav arrived in 1,000,000,000 parts for 400 bytes; try again"
    send(audio, {**lying, "event": "upload", "part": 0, "parts": 1, "channels": 65}, [bytes(400)])
    assert audio.message.startswith("small.wav arrived without a valid sample rate, channel count and length")
    assert audio.value is None and audio._parts.held_bytes == 0


def test_a_file_announced_over_the_limit_is_refused_before_any_part_is_held():
    component = nbshare.File(max_upload_bytes=1 * MB)

    def attack():
        for part in range(3):
            meta = {"name": "big.bin", "size": 3 * PART} if part == 0 else {}
            send(component, {**meta, "event": "upload", "part": part, "parts": 3}, [bytes(PART)])

    assert held_after(attack) < MB
    assert component.message == "big.bin is 12.6 MB; the limit is 1.0 MB (raise it with File(max_upload_bytes=...))"
    assert component.value is None


def test_parts_out_of_order_are_refused_and_a_new_upload_starts_clean():
    component = nbshare.File()
    send(component, {"event": "upload", "part": 1, "parts": 3}, [bytes(PART)])
    assert component.message == "The file arrived out of order (part 2 of 3 first); try again"
    assert component._parts.held_bytes == 0
    send_parts(component, {"name": "notes.txt", "size": 2 * PART + 5}, bytes(2 * PART + 5))
    assert component.message == "" and component.file_size == 2 * PART + 5


def test_an_upload_that_stops_arriving_is_dropped_after_an_idle_timeout():
    component = nbshare.File()
    component._parts.idle_seconds = 0.05
    send(component, {"name": "slow.bin", "size": 3 * PART, "event": "upload", "part": 0, "parts": 3}, [bytes(PART)])
    assert component._parts.held_bytes == PART
    assert component._parts.expired.wait(30)  # the timer drops it; no later message needed
    assert component._parts.held_bytes == 0
    send(component, {"event": "upload", "part": 1, "parts": 3}, [bytes(PART)])
    assert component.message == "The file arrived out of order (part 2 of 3 first); try again"


def test_closing_a_component_drops_its_unfinished_upload():
    component = nbshare.Audio()
    meta = {"name": "a.wav", "sample_rate": 48_000, "channels": 2, "frames": 48_000 * 30}
    send(component, {**meta, "event": "upload", "part": 0, "parts": 3}, [bytes(PART)])
    receiver = component._parts
    assert receiver.held_bytes == PART
    component.close()
    assert receiver.held_bytes == 0


def temporary_files() -> list[str]:
    root = files.temporary_folder()
    return [os.path.join(folder, name) for folder, _dirs, names in os.walk(root) for name in names]


def png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    PILImage.fromarray(array).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("kind", ["file", "image", "audio"])
def test_the_copies_made_for_a_call_are_removed_after_it(kind):
    sizes = []

    def fn(path):
        sizes.append(os.path.getsize(path))
        return "ok"

    component = {
        "file": lambda: nbshare.File(type="filepath"),
        "image": lambda: nbshare.Image(type="filepath"),
        "audio": lambda: nbshare.Audio(type="filepath"),
    }[kind]()
    iface = nbshare.Interface(fn, component, "text")
    view = iface.view()
    field = view.inputs[0]
    if kind == "file":
        send_parts(field, {"name": "scan.bin", "size": 2 * MB}, os.urandom(2 * MB))
    elif kind == "image":
        send(field, {"event": "upload", "name": "scan.png"}, [png(np.full((600, 800, 3), 90, dtype=np.uint8))])
    else:
        samples = tone(10).tobytes()
        send_parts(field, {"name": "talk.wav", "sample_rate": 16_000, "channels": 1, "frames": 160_000}, samples)
    assert field.message == ""
    before = set(temporary_files())
    for _ in range(25):
        view.submit().result(timeout=60)
    assert len(sizes) == 25 and min(sizes) > 0  # the function had its file
    assert set(temporary_files()) - before == set()  # before: 25 copies left until the kernel exits
    view.close()
