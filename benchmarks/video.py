"""A 10 s 720p clip on the shared page, in real Chromium: upload to the first frame on screen, trim+Submit to the
function's first frame, and the kernel memory a session holds with its clip; against Gradio's Video where it applies.

Upload to first frame: from the file input's change (taken in the page, before any component's own handler) to the
moment the page's player has the first frame to show (readyState >= 2 with the clip's size, after Python read the
clip's header and said what to show). Trim+Submit: one page script types Start/End, presses Enter (the trim) and
clicks Submit; the time runs until the function starts with its frames (decoded, trimmed). Memory: resident set size
of this process (the kernel: the interface runs in it) after N visitors have each uploaded the clip, per visitor.

Run: python benchmarks/video.py [--gradio-python /tmp/gradio-venv/bin/python] [--runs 5] [--sessions 4]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import nbshare
from nbshare.values.video_clip import encode_mp4

from harness import CHROMIUM_ARGS, chromium_path, free_port

W, H, FPS, SECONDS = 1280, 720, 25, 10

# The time of the file input's change event, in the page's clock, before any handler of the component runs.
MARK_CHANGE = """() => { window.__changed = null;
  document.addEventListener('change', (e) => { if (e.target.type === 'file') window.__changed = performance.now(); },
    { capture: true, once: true }); }"""
FIRST_FRAME = """async ([selector, width]) => {
  for (;;) {
    const video = document.querySelector(selector);
    if (window.__changed !== null && video && video.readyState >= 2 && video.videoWidth === width
        && video.getBoundingClientRect().height > 0) return performance.now() - window.__changed;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}"""
TRIM_AND_SUBMIT = """([start, end]) => {
  const set = (name, value) => {
    const input = [...document.querySelectorAll('.nbshare-video label')].find((l) => l.textContent.trim() === name)
      .querySelector('input');
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    return input;
  };
  set('Start', start);
  set('End', end).dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
  [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Submit').click();
}"""

GRADIO_APP = textwrap.dedent(
    """
    import sys, time
    import gradio as gr
    port, log = int(sys.argv[1]), sys.argv[2]
    def count(video):
        open(log, "a").write(f"{time.time()}\\n")
        return {"file": str(video)}
    demo = gr.Interface(count, gr.Video(), "json")
    demo.launch(server_port=port, prevent_thread_lock=False)
    """
)


def clip() -> bytes:
    """Drifting speckle with a bright device crossing it: 10 s of 720p at 25 fps, H.264."""
    speckle = np.random.default_rng(0).integers(20, 90, (H, W + SECONDS * FPS * 3), dtype=np.uint8)
    frames = np.empty((SECONDS * FPS, H, W, 3), dtype=np.uint8)
    for index in range(len(frames)):
        frames[index] = speckle[:, index * 3 : index * 3 + W, None]
        x = 40 + index * 4
        frames[index, 300:420, x : x + 60] = 230
    return encode_mp4(frames, FPS)


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def new_page(browser):
    return browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()


def upload(page, button: str, path: Path) -> float:
    page.evaluate(MARK_CHANGE)
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name=button).click()
    chooser.value.set_files(str(path))
    return page.evaluate(FIRST_FRAME, ["video.nbshare-video-player", W])


def nbshare_runs(browser, path: Path, runs: int) -> tuple[list[float], list[float]]:
    started: list[float] = []

    def count(video: np.ndarray) -> dict:
        started.append(time.perf_counter())
        return {"frames": len(video)}

    link = nbshare.Interface(count, nbshare.Video(label="Clip"), "json").launch(inline=False)
    first, submit = [], []
    try:
        for run in range(runs):
            page = new_page(browser)
            try:
                page.goto(link.local_url)
                page.locator("#nbshare-root[aria-busy=false]").wait_for()
                first.append(upload(page, "Choose video", path))
                page.locator(".nbshare-video-info").get_by_text("10.00 s of 10.00 s", exact=False).wait_for()
                before = len(started)
                begun = time.perf_counter()
                page.evaluate(TRIM_AND_SUBMIT, ["2", str(4 + run % 3)])
                while len(started) == before:
                    time.sleep(0.002)
                submit.append((started[-1] - begun) * 1000)
                page.locator(".nbshare-json").get_by_text('"frames"').wait_for()
            finally:
                page.context.close()
    finally:
        link.close()
    return first, submit


def nbshare_memory(browser, path: Path, sessions: int) -> float:
    link = nbshare.Interface(lambda video: len(video), nbshare.Video(label="Clip"), "json").launch(inline=False)
    pages = []
    try:
        warm = new_page(browser)  # the first visitor also imports and caches code
        warm.goto(link.local_url)
        upload(warm, "Choose video", path)
        pages.append(warm)
        gc.collect()
        before = rss_mib()
        for _ in range(sessions):
            page = new_page(browser)
            page.goto(link.local_url)
            upload(page, "Choose video", path)
            page.locator(".nbshare-video-info").get_by_text("10.00 s of 10.00 s", exact=False).wait_for()
            pages.append(page)
        gc.collect()
        return (rss_mib() - before) / sessions
    finally:
        for page in pages:
            page.context.close()
        link.close()


def gradio_runs(browser, python: str, path: Path, runs: int) -> tuple[list[float], list[float], str]:
    port = free_port()
    folder = Path(tempfile.mkdtemp())
    (folder / "app.py").write_text(GRADIO_APP)
    log = folder / "calls.log"
    log.write_text("")
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    with open(folder / "stderr.log", "w") as errors:
        process = subprocess.Popen(
            [python, str(folder / "app.py"), str(port), str(log)], env=env, stdout=subprocess.DEVNULL, stderr=errors
        )
    first, submit = [], []
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 90
        for _ in range(runs):
            page = new_page(browser)
            try:
                while True:
                    try:
                        page.goto(url)
                        break
                    except Exception:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.5)
                page.locator("button:text-is('Submit')").wait_for()
                page.evaluate(MARK_CHANGE)
                page.locator("input[type=file]").first.set_input_files(str(path))
                first.append(page.evaluate(FIRST_FRAME, ["video", W]))
                calls = len(log.read_text().split())
                begun = time.time()
                page.locator("button:text-is('Submit')").click()  # Gradio's trim needs ffmpeg.wasm from a CDN
                until = time.monotonic() + 60
                while len(log.read_text().split()) == calls:
                    if time.monotonic() > until:
                        raise RuntimeError((folder / "stderr.log").read_text()[-2000:])
                    time.sleep(0.002)
                submit.append((float(log.read_text().split()[-1]) - begun) * 1000)
            finally:
                page.context.close()
        return first, submit, ""
    except Exception as error:  # reported, not hidden
        return first, submit, str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
    finally:
        process.terminate()
        process.wait(10)


def summary(times: list[float]) -> str:
    return f"median {statistics.median(times):7.1f} ms (min {min(times):.1f}, max {max(times):.1f}, n={len(times)})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gradio-python", default=None, help="a Python with gradio installed")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sessions", type=int, default=4)
    args = parser.parse_args()
    data = clip()
    path = Path(tempfile.mkdtemp()) / "clip.mp4"
    path.write_bytes(data)
    print(f"clip: {SECONDS} s, {W}×{H}, {FPS} fps, {len(data) / 1e6:.1f} MB")

    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    try:
        first, submit = nbshare_runs(browser, path, args.runs)
        print(f"nbshare upload → first frame on screen    {summary(first)}")
        print(f"nbshare trim+Submit → function's frames   {summary(submit)}")
        held = nbshare_memory(browser, path, args.sessions)
        print(f"nbshare kernel memory per session with the clip: {held:.1f} MiB")
        if args.gradio_python:
            g_first, g_submit, problem = gradio_runs(browser, args.gradio_python, path, args.runs)
            if g_first:
                print(f"gradio  upload → first frame on screen    {summary(g_first)}")
            if g_submit:
                print(f"gradio  Submit (no trim) → function called {summary(g_submit)}")
            if problem:
                print(f"gradio: stopped: {problem}")
    finally:
        browser.close()
        playwright.stop()


if __name__ == "__main__":
    main()
