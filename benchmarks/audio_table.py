"""Audio upload to the function, and editing a 10,000-row grid, measured in Chromium on the shared page.

- Audio: a 60 s, 44.1 kHz stereo WAV (10.6 MB) chosen in the page: decode (Web Audio) + sending the float32 samples in
  4 MB parts + joining them in Python, until the clip is ready in the kernel; then Submit until the function has
  ``(sample_rate, array)``.
- Grid: 10,000 rows × 6 number columns. Scrolling 120 px per frame for 240 frames: frame intervals from
  requestAnimationFrame. Editing a cell (type, Enter): time to the next painted frame with the new text in the page,
  and until Python holds it.

Run: python benchmarks/audio_table.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import nbshare
from nbshare.values import sound as audio

from harness import CHROMIUM_ARGS, chromium_path

RATE, SECONDS = 44_100, 60
ROWS = 10_000

SCROLL = """async () => {
  const grid = document.querySelector('.nbshare-grid');
  const gaps = [];
  let last = performance.now();
  for (let frame = 0; frame < 240; frame++) {
    grid.scrollTop += 120;
    await new Promise((resolve) => requestAnimationFrame(resolve));
    const now = performance.now();
    gaps.push(now - last);
    last = now;
  }
  return gaps;
}"""

EDIT = """async ([row, text]) => {
  const grid = document.querySelector('.nbshare-grid');
  const cell = () => grid.querySelector(`.nbshare-grid-cell[data-row="${row}"][data-column="1"]`);
  grid.scrollTop = row * 30 - 60;
  for (let frame = 0; frame < 3; frame++) await new Promise((resolve) => requestAnimationFrame(resolve));
  cell().dispatchEvent(new PointerEvent('pointerdown', { bubbles: true }));
  const started = performance.now();
  const sentAt = Date.now();
  grid.dispatchEvent(new KeyboardEvent('keydown', { key: text[0], bubbles: true }));
  const editor = grid.querySelector('.nbshare-grid-editor');
  editor.value = text;
  editor.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
  await new Promise((resolve) => requestAnimationFrame(resolve));
  if (cell().textContent !== text) throw new Error('the cell did not change');
  return [performance.now() - started, sentAt];
}"""


def median_ms(values: list[float]) -> str:
    return f"median {statistics.median(values):.1f} ms (min {min(values):.1f}, max {max(values):.1f})"


def wait_until(predicate, timeout: float = 60.0) -> float:
    """Poll ``predicate`` every 0.5 ms; return the wall-clock time (time.time) when it first holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the condition never held")
        time.sleep(0.0005)
    return time.time()


def audio_upload(browser, folder: Path, runs: int = 5) -> None:
    t = np.arange(RATE * SECONDS) / RATE
    clip = np.stack([0.4 * np.sin(2 * np.pi * 220 * t), 0.3 * np.sin(2 * np.pi * 330 * t)], axis=1)
    path = folder / "minute.wav"
    path.write_bytes(audio.encode_wav(clip.astype(np.float32), RATE))
    called: list[float] = []
    ready = threading.Event()

    def receive(recording: tuple) -> str:
        called.append(time.time())
        ready.set()
        return f"{len(recording[1])} frames"

    iface = nbshare.Interface(receive, nbshare.Audio(label="Recording", max_duration=120), "text")
    link = iface.launch(inline=False, validate=False)
    uploads, submits = [], []
    try:
        for run in range(runs):
            page = browser.new_context().new_page()
            page.goto(link.local_url)
            page.locator("#nbshare-root[aria-busy=false]").wait_for()
            view = iface._views[-1]
            with page.expect_file_chooser() as chooser:
                page.get_by_role("button", name="Choose audio").click()
            started = time.time()
            chooser.value.set_files(str(path))
            loaded = wait_until(lambda view=view: view.inputs[0].value is not None)
            uploads.append((loaded - started) * 1000)
            ready.clear()
            page.locator(".nbshare-audio-info").filter(has_text="1:00.0").wait_for()
            clicked = time.time()
            page.get_by_role("button", name="Submit").click()
            ready.wait(30)
            submits.append((called[-1] - clicked) * 1000)
            page.context.close()
            print(f"  run {run + 1}: chosen -> clip in Python {uploads[-1]:.0f} ms, Submit -> fn {submits[-1]:.0f} ms")
    finally:
        link.close()
    size = path.stat().st_size / 1e6
    print(f"audio, {SECONDS} s {RATE / 1000:.1f} kHz stereo WAV ({size:.1f} MB; {size * 2:.1f} MB of float32 sent):")
    print(f"  file chosen -> clip ready in the kernel: {median_ms(uploads)}")
    print(f"  Submit -> function has (sample_rate, array): {median_ms(submits)}")
    print(f"  upload -> function: {statistics.median(uploads) + statistics.median(submits):.0f} ms")


def grid(browser) -> None:
    frame = pd.DataFrame(np.random.default_rng(0).normal(size=(ROWS, 6)).round(4), columns=[f"f{i}" for i in range(6)])
    started = time.perf_counter()
    component = nbshare.Dataframe(label="Table", value=frame)
    built = (time.perf_counter() - started) * 1000
    iface = nbshare.Interface(lambda table: len(table), component, "number")
    link = iface.launch(inline=False, validate=False)
    try:
        page = browser.new_context().new_page()
        opened = time.perf_counter()
        page.goto(link.local_url)
        page.locator('.nbshare-grid-cell[data-row="0"]').first.wait_for()
        shown = (time.perf_counter() - opened) * 1000
        view = iface._views[-1]
        gaps = page.evaluate(SCROLL)[1:]
        latencies, to_python = [], []
        for run in range(20):
            row, text = 500 + run * 400, f"{run}.5"
            painted, sent_at = page.evaluate(EDIT, [row, text])
            latencies.append(painted)
            held = wait_until(lambda row=row, text=text: view.inputs[0].cells[row][1] == text)
            to_python.append(held * 1000 - sent_at)
        rendered = page.evaluate("document.querySelectorAll('.nbshare-grid-body .nbshare-grid-row').length")
        page.context.close()
    finally:
        link.close()
    slow = sum(gap > 1000 / 30 for gap in gaps)
    print(f"grid, {ROWS:,} rows x 6 columns:")
    print(f"  building the table in Python {built:.0f} ms; page open -> first rows shown {shown:.0f} ms")
    print(f"  rows in the DOM at any time: {rendered} (virtualised)")
    print(
        f"  scrolling 120 px/frame for {len(gaps)} frames: frame interval median {statistics.median(gaps):.1f} ms, "
        f"p95 {np.percentile(gaps, 95):.1f} ms, {slow} frames over 33 ms"
    )
    print(f"  edit a cell -> next frame shows it: {median_ms(latencies)}")
    print(f"  edit a cell -> Python holds it: {median_ms(to_python)}")


def main() -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        with tempfile.TemporaryDirectory() as folder:
            audio_upload(browser, Path(folder))
        grid(browser)
        browser.close()


if __name__ == "__main__":
    main()
