"""Flags: how long `iface.flags` takes to build from 10,000 records (images stay as paths, never loaded), and the
delay from a flag to its row in the DataFrame.

Run: python benchmarks/flags.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

import nbshare
from nbshare.flagging import FlagStore

RECORDS = 10_000


def main() -> None:
    folder = Path(tempfile.mkdtemp()) / "flags"
    store = FlagStore(folder)
    image = np.random.default_rng(0).integers(0, 255, (16, 16, 3), dtype=np.uint8)
    edits = [{"op": "paint", "color": "#000000", "width": 8, "points": [[1, 1], [10, 10]]}]
    started = time.perf_counter()
    for index in range(RECORDS):
        value = nbshare.EditedImage(image, tuple(edits)) if index % 10 == 0 else f"sentence {index}"
        store.append(
            {"option": "wrong", "message": f"message {index}", "session": "s", "version": "v1"},
            {"Input": {"role": "input", "value": value}, "Output": {"role": "output", "value": {"label": "a"}}},
        )
    writing = time.perf_counter() - started
    builds = []
    for _ in range(5):
        started = time.perf_counter()
        frame = nbshare.load_flags(folder)
        builds.append(time.perf_counter() - started)
    assert len(frame) == RECORDS
    each = writing / RECORDS * 1000
    print(f"writing {RECORDS} flags (1 in 10 with an image, fsync each): {writing:.1f} s ({each:.2f} ms each)")
    print(f"building the DataFrame of {RECORDS} flags: median {statistics.median(builds) * 1000:.0f} ms (target < 1 s)")

    iface = nbshare.Interface(lambda text: text.upper(), "text", "text", flagging_dir=Path(tempfile.mkdtemp()))
    view = iface.view()
    view.inputs[0].value = "hello"
    view.submit().result()
    delays = []
    for index in range(20):
        started = time.perf_counter()
        view.flag_current(None, f"flag {index}")
        assert iface.flags["message"].iloc[-1] == f"flag {index}"
        delays.append(time.perf_counter() - started)
    print(f"flag -> row in iface.flags (in the kernel, small store): median {statistics.median(delays) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
