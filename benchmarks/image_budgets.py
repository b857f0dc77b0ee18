"""What an image editor costs the kernel per visitor, and what the largest allowed stroke costs to draw.

Each case runs in a fresh Python process, driving ``nbshare.Image`` the way a page does (``_receive_page_event``):

- memory per session: resident memory (RSS) that each further editor adds once it received the upload (and, for the
  photo, 50 strokes, a flip and an undo), over SESSIONS editors; and, in another run, the memory still allocated
  (tracemalloc: numpy arrays, the edit logs) per editor;
- the 7000×7000 uniform PNG of issue 14 (159 KB), with the default limit and with ``max_pixels=50_000_000``;
- a 12 MP (4000×3000) photo-like PNG;
- Undo after 20 and 100 strokes on the 12 MP photo (the time of the page event);
- strokes at the drawing budget (``max_stroke_cost``, 300 M) on a 24 MP image, in several shapes: the time to draw
  them at full size (what replay does when the function is called) and at display size (what the editor does).

Run: python benchmarks/image_budgets.py [--against PATH]   (PATH: another checkout, e.g. the commit before, to compare)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

SESSIONS = 5
ROOT = Path(__file__).resolve().parent.parent

CASE = r"""
import gc, io, json, sys, time, tracemalloc
import numpy as np
from PIL import Image as PILImage
import nbshare

def rss():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS"))

def send(widget, content, buffers=()):
    widget._receive_page_event(widget, content, list(buffers))

def stroke(k):
    return {"op": "paint", "points": [[200 + 70 * k, 300], [260 + 70 * k, 2600]], "width": 60, "color": "#ff0000"}

case, options = sys.argv[1], json.loads(sys.argv[2])
if case == "uniform":
    buffer = io.BytesIO()
    PILImage.new("RGB", (7000, 7000), (200, 200, 200)).save(buffer, "PNG")
    data, strokes = buffer.getvalue(), 0
else:
    y, x = np.mgrid[0:3000, 0:4000]
    noise = np.random.default_rng(0).integers(0, 24, size=(3000, 4000), dtype=np.uint8)[..., None]
    photo = np.dstack([(x // 16) % 256, (y // 12) % 256, ((x + y) // 28) % 256]).astype(np.uint8) + noise
    buffer = io.BytesIO()
    PILImage.fromarray(photo).save(buffer, "PNG", compress_level=1)
    data, strokes = buffer.getvalue(), 50
    del photo, y, x, noise
gc.collect()
tracing = options.get("traced", False)
if tracing:
    tracemalloc.start()
traced_before = tracemalloc.get_traced_memory()[0]
editors, message, rss_first = [], "", 0
for session in range(options.get("sessions", 4)):
    image = nbshare.Image(**options.get("kwargs", {}))
    send(image, {"event": "upload", "name": "picture.png"}, [data])
    message = image.message
    for k in range(strokes):
        send(image, {"event": "edit", "edit": stroke(k)})
    if strokes:
        send(image, {"event": "edit", "edit": {"op": "flip", "axis": "horizontal"}})
        send(image, {"event": "edit", "edit": {"op": "undo"}})
    editors.append(image)
    if session == 0:
        gc.collect()
        rss_first = rss()  # the first session also leaves what the allocator keeps from decoding: not counted
gc.collect()
result = {
    "rss": (rss() - rss_first) / max(1, len(editors) - 1),
    "traced": (tracemalloc.get_traced_memory()[0] - traced_before) / len(editors),
    "message": message[:90],
}
if tracing:
    tracemalloc.stop()
if case == "photo":
    image = editors[0]
    for count in (20, 100):
        while len(image.value.edits) < count:
            send(image, {"event": "edit", "edit": stroke(len(image.value.edits) % 50)})
        started = time.perf_counter()
        send(image, {"event": "edit", "edit": {"op": "undo"}})
        result[f"undo_after_{count}"] = time.perf_counter() - started
        result[f"undo_message_{count}"] = image.message[:60]
        send(image, {"event": "edit", "edit": {"op": "redo"}})
print(json.dumps(result))
"""

STROKES = r"""
import json, math, time
import numpy as np
from nbshare.values.edits import Replayer, stroke_cost
from nbshare.values.display import ShownHistory

height, width, budget = 4000, 6000, 300_000_000
original = np.zeros((height, width, 3), dtype=np.uint8)

def fit(make):
    # The largest stroke of this shape within the budget: grow its point count until the next would be over.
    low, high = 2, 20_000
    while low < high:
        middle = (low + high + 1) // 2
        if stroke_cost(make(middle), height, width) <= budget:
            low = middle
        else:
            high = middle - 1
    return make(low)

rng = np.random.default_rng(0)
def zigzag(n):
    xs, ys = rng.uniform(0, width, n), rng.uniform(0, height, n)
    return [[round(float(x), 2), round(float(y), 2)] for x, y in zip(xs, ys)]
def smooth(n):
    turns = [(math.cos(i / n * 9), math.sin(i / n * 13)) for i in range(n)]
    return [[round(3000 + 2500 * c, 2), round(2000 + 1700 * s, 2)] for c, s in turns]
def paint(points, brush):
    return lambda n: {"op": "paint", "points": points(n), "width": brush, "color": "#ff0000"}

shapes = {
    "zigzag across the image, brush 2": paint(zigzag, 2),
    "zigzag across the image, brush 40": paint(zigzag, 40),
    "zigzag across the image, brush 1500": paint(zigzag, 1500),
    "smooth scribble, brush 10": paint(smooth, 10),
    "smooth scribble, brush 300": paint(smooth, 300),
    "smooth scribble, brush 6000 (the widest)": paint(smooth, 6000),
}
rows = []
for name, make in shapes.items():
    edit = fit(make)
    replayer = Replayer(original)
    started = time.perf_counter()
    replayer.apply(edit)
    full = time.perf_counter() - started
    history = ShownHistory(original, 512)
    history.state([])
    started = time.perf_counter()
    history.state([edit])
    shown = time.perf_counter() - started
    rows.append([name, len(edit["points"]), stroke_cost(edit, height, width), full, shown])
print(json.dumps(rows))
"""


def run(code: str, root: Path, *args: str) -> dict | list:
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=root, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def memory(root: Path, label: str) -> None:
    print(f"\n{label} ({root})")
    cases = [
        ("uniform", {}, "7000×7000 uniform PNG (159 KB), default limit"),
        ("uniform", {"kwargs": {"max_pixels": 50_000_000}}, "7000×7000 uniform PNG, max_pixels=50 M"),
        ("photo", {}, "12 MP photo + 50 strokes, flip, undo"),
    ]
    for case, options, name in cases:
        result = run(CASE, root, case, json.dumps({"sessions": SESSIONS, **options}))
        traced = run(CASE, root, case, json.dumps({"sessions": SESSIONS, "traced": True, **options}))
        assert isinstance(result, dict) and isinstance(traced, dict)
        result["traced"] = traced["traced"]
        line = f"  {name:44s} RSS {result['rss'] / 1e6:7.1f} MB/session   numpy held {result['traced'] / 1e6:7.1f} MB"
        print(line + (f"   [{result['message']}]" if result["message"] else ""))
        for count in (20, 100):
            if f"undo_after_{count}" in result:
                note = result[f"undo_message_{count}"]
                took = result[f"undo_after_{count}"] * 1000
                print(f"  Undo after {count} strokes: {took:8.1f} ms" + (f"  [{note}]" if note else ""))


def strokes(root: Path) -> None:
    print(f"\nStrokes at the drawing budget (300 M, about 0.3 s) on a 6000×4000 image ({root})")
    print(f"  {'shape':42s} {'points':>7s} {'cost':>8s} {'full size':>10s} {'display':>9s}")
    rows = run(STROKES, root)
    for name, points, cost, full, shown in rows:
        print(f"  {name:42s} {points:7d} {cost / 1e6:7.1f}M {full * 1000:8.1f} ms {shown * 1000:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="another checkout to measure the same way (before)")
    options = parser.parse_args()
    if options.against:
        memory(options.against.resolve(), "Before")
    memory(ROOT, "After")
    strokes(ROOT)


if __name__ == "__main__":
    main()
