"""How fast painting feels: pointer move -> stroke pixels, drawn locally, vs the kernel round trip it avoids.

Opens an image interface in a real JupyterLab with Debian's Chromium, paints strokes with the mouse and measures in
the page (JavaScript clocks, so the browser driver's own round trips are not counted):

- the browser's own delay: from each pointermove event's creation to its dispatch (Chromium aligns pointermove to
  animation frames), the floor no page can beat;
- local draw: from each pointermove event to its pixels being in the editor's canvas, and to the next frame;
- round trip: from pointerup to the kernel having applied the edit and its layers replacing the local draft —
  what every stroke segment would cost if drawing waited for Python.

Run: python benchmarks/stroke_latency.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from harness import CHROMIUM_ARGS, JupyterLabServer, OpenNotebook, chromium_path

STROKES = 10
CELLS = [
    "import numpy as np, nbshare\n"
    "image = np.random.default_rng(0).integers(0, 255, (512, 512, 3), dtype=np.uint8)\n"
    "nbshare.Interface(lambda x: x.shape, nbshare.Image(value=image), 'json', title='Latency')"
]
PROBE = """() => {
  const draft = document.querySelector('canvas.nbshare-draft');
  const context = draft.getContext('2d');
  window.__latency = { dispatched: [], drawn: [], framed: [], roundTrip: [] };
  // Capture phase on the window runs before the editor's own handler: when the browser hands the event over.
  window.addEventListener('pointermove', (event) => {
    if (event.buttons && event.target === draft) window.__latency.dispatched.push(performance.now() - event.timeStamp);
  }, true);
  const at = (event) => {
    const box = draft.getBoundingClientRect();
    return [Math.floor((event.clientX - box.left) * draft.width / box.width),
            Math.floor((event.clientY - box.top) * draft.height / box.height)];
  };
  draft.addEventListener('pointermove', (event) => {
    if (!event.buttons) return;
    const [x, y] = at(event);
    if (context.getImageData(x, y, 1, 1).data[3] > 0) {
      window.__latency.drawn.push(performance.now() - event.timeStamp);
      requestAnimationFrame(() => window.__latency.framed.push(performance.now() - event.timeStamp));
    }
  });
  draft.addEventListener('pointerup', (event) => {
    const [x, y] = at(event);
    const wait = () => {
      if (context.getImageData(x, y, 1, 1).data[3] === 0) {
        window.__latency.roundTrip.push(performance.now() - event.timeStamp);
      } else {
        requestAnimationFrame(wait);
      }
    };
    requestAnimationFrame(wait);
  });
}"""


def summary(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{name:58s} median {statistics.median(samples):7.2f} ms   p95 {p95:7.2f} ms   n={len(samples)}"


def main() -> None:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        sys.exit("Chromium is needed: apt-get install -y chromium")
    server = JupyterLabServer(Path(tempfile.mkdtemp(prefix="nbshare-bench-")))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            notebook = OpenNotebook(server, browser, "latency.ipynb", CELLS)
            page = notebook.page
            draft = notebook.app("Latency").locator("canvas.nbshare-draft")
            draft.wait_for()
            page.evaluate(PROBE)
            box = draft.bounding_box()
            assert box is not None
            for stroke in range(STROKES):
                y = box["y"] + box["height"] * (0.1 + 0.08 * stroke)
                page.mouse.move(box["x"] + 20, y)
                page.mouse.down()
                page.mouse.move(box["x"] + box["width"] - 20, y, steps=40)
                page.mouse.up()
                page.wait_for_function(f"window.__latency.roundTrip.length >= {stroke + 1}", timeout=30_000)
            results = page.evaluate("window.__latency")
            notebook.close()
            browser.close()
    finally:
        server.stop()
    print(summary("pointermove -> dispatched to the page (browser's own delay)", results["dispatched"]))
    print(summary("pointermove -> stroke pixels in the canvas (local)", results["drawn"]))
    print(summary("pointermove -> next frame with the stroke (local)", results["framed"]))
    print(summary("pointerup -> kernel applied edit, layers redrawn (round trip)", results["roundTrip"]))


if __name__ == "__main__":
    main()
