"""Submit -> answer on screen, for nbshare's shared page and for Gradio's own app, in the same Chromium harness.

Two echo apps each: text (a short string) and a 512×512 RGB image. The time is taken inside the page (JavaScript:
from the Submit click to the first moment the answer is on screen, polled every 2 ms), so the browser driver's own
round trips are not counted. Also: the page's first-load bytes (as transferred) and the memory one idle visitor
session costs the kernel.

Run: python benchmarks/roundtrip.py [--gradio-python /path/to/venv/bin/python] [--runs 30]
Gradio runs in its own interpreter (it need not be installed next to nbshare); without it only nbshare is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
from PIL import Image as PILImage

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import nbshare

from harness import CHROMIUM_ARGS, chromium_path, free_port

# Click, then poll every 2 ms until `answered()` is true; returns milliseconds.
PROBE = """async ([buttonSelector, answered]) => {
  const check = new Function('return (' + answered + ')()');
  const button = [...document.querySelectorAll(buttonSelector)].find((b) => b.textContent.trim() === 'Submit');
  const started = performance.now();
  button.click();
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 2));
  return performance.now() - started;
}"""

NBSHARE_TEXT_ANSWER = "() => document.querySelector('[role=status][aria-labelledby]')?.textContent === window.__want"
# The output image shows the answer when its picture's top-left pixel has the colour this run asked for (the picture
# is a canvas under the editor's layers).
NBSHARE_IMAGE_ANSWER = """() => {
  const picture = [...document.querySelectorAll('.nbshare-image')].at(-1)?.querySelector('canvas.nbshare-picture');
  if (!picture || picture.hidden || !picture.width) return false;
  const [r, g, b] = picture.getContext('2d').getImageData(0, 0, 1, 1).data;
  return r === window.__want[0] && g === window.__want[1] && b === window.__want[2];
}"""
GRADIO_TEXT_ANSWER = "() => [...document.querySelectorAll('textarea')].at(-1)?.value === window.__want"
GRADIO_LAST_FILE_IMAGE = "[...document.querySelectorAll('img')].filter((i) => i.src.includes('file=')).at(-1)"
GRADIO_IMAGE_ANSWER = f"""() => {{
  const img = {GRADIO_LAST_FILE_IMAGE};
  return Boolean(img && img.src !== window.__previous && img.complete && img.naturalWidth > 0);
}}"""

GRADIO_APP = textwrap.dedent(
    """
    import sys
    import gradio as gr
    kind, port = sys.argv[1], int(sys.argv[2])
    if kind == "text":
        demo = gr.Interface(lambda text: text, gr.Textbox(label="Text"), gr.Textbox(label="Output"))
    else:
        runs = [0]
        def echo(image):
            # A different top-left block each run, as for nbshare, so every answer is a new image to show.
            runs[0] += 1
            out = image.copy()
            out[0:4, 0:4] = (runs[0] * 37 % 250 + 3, runs[0] * 71 % 250 + 3, 128)
            return out
        demo = gr.Interface(echo, gr.Image(type="numpy"), gr.Image(type="numpy"))
    demo.launch(server_port=port, prevent_thread_lock=False)
    """
)


def launch_browser():
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    return playwright, playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)


def new_page(browser, **options):
    # The probe builds its check with `new Function`; the pages' CSP (rightly) forbids that to page scripts.
    return browser.new_context(bypass_csp=True, **options).new_page()


def page_bytes(page, url: str) -> int:
    sizes: list[int] = []
    count = lambda request: sizes.append(request.sizes()["responseBodySize"])  # noqa: E731
    page.on("requestfinished", count)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.remove_listener("requestfinished", count)  # a request that ends as the page closes cannot be asked its size
    return sum(sizes)


def nbshare_text(browser, runs: int) -> tuple[list[float], int]:
    link = nbshare.Interface(lambda text: text, "text", "text").launch(inline=False)
    page = new_page(browser)
    try:
        loaded = page_bytes(page, link.local_url)
        page.locator("#nbshare-root[aria-busy=false]").wait_for()
        times = []
        for run in range(runs):
            want = f"echo {run}"
            page.get_by_role("textbox", name="Text").fill(want)
            page.evaluate("(want) => { window.__want = want; }", want)
            times.append(page.evaluate(PROBE, ["button", NBSHARE_TEXT_ANSWER]))
        return times, loaded
    finally:
        page.close()
        link.close()


def nbshare_image(browser, runs: int, image_path: Path) -> list[float]:
    wanted: dict[str, tuple[int, int, int]] = {}

    def echo(image: np.ndarray) -> np.ndarray:
        out = image.copy()
        out[0:4, 0:4] = wanted.get("colour", (0, 0, 0))
        return out

    iface = nbshare.Interface(echo, nbshare.Image(), nbshare.Image())
    link = iface.launch(inline=False)
    page = new_page(browser, viewport={"width": 1400, "height": 1000})
    try:
        page.goto(link.local_url)
        with page.expect_file_chooser() as chooser:
            page.get_by_role("button", name="Choose image").click()
        chooser.value.set_files(str(image_path))
        page.locator("canvas.nbshare-draft").first.wait_for()
        times = []
        for run in range(runs):
            colour = (run * 37 % 250 + 3, run * 71 % 250 + 3, 128)
            wanted["colour"] = colour
            page.evaluate("(want) => { window.__want = want; }", list(colour))
            times.append(page.evaluate(PROBE, ["button", NBSHARE_IMAGE_ANSWER]))
        return times
    finally:
        page.close()
        link.close()


def gradio(browser, python: str, kind: str, runs: int, image_path: Path) -> tuple[list[float], int]:
    port = free_port()
    script = Path(tempfile.mkdtemp()) / "app.py"
    script.write_text(GRADIO_APP)
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    process = subprocess.Popen(
        [python, str(script), kind, str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    page = new_page(browser, viewport={"width": 1400, "height": 1000})
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 60
        while True:
            try:
                loaded = page_bytes(page, url)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        page.locator("button:text-is('Submit')").wait_for()
        times = []
        if kind == "image":
            page.locator("input[type=file]").first.set_input_files(str(image_path))
            page.wait_for_timeout(500)
        for run in range(runs):
            if kind == "text":
                want = f"echo {run}"
                page.locator("textarea").first.fill(want)
                page.evaluate("(want) => { window.__want = want; }", want)
                answered = GRADIO_TEXT_ANSWER
            else:
                page.evaluate(f"() => {{ window.__previous = {GRADIO_LAST_FILE_IMAGE}?.src; }}")
                answered = GRADIO_IMAGE_ANSWER
            times.append(page.evaluate(PROBE, ["button", answered]))
        return times, loaded
    finally:
        page.close()
        process.terminate()
        process.wait(10)


def idle_session_memory(sessions: int = 20) -> float:
    """MiB of this process's peak RSS added per idle visitor session (each a full widget tree of an image app)."""
    from page_client import PageClient, token_cookie

    link = nbshare.Interface(lambda image: image, nbshare.Image(), "label").launch(inline=False, validate=False)
    base = link.local_url.split("?")[0]

    async def open_sessions() -> tuple[float, float]:
        cookie = await token_cookie(link.local_url)
        warm = await PageClient.connect(base, cookie)  # the first session also imports and caches code
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # One browser each (its own client cookie): sessions are capped per client.
        clients = [await PageClient.connect(base, await token_cookie(link.local_url)) for _ in range(sessions)]
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for client in [warm, *clients]:
            client.close()
        return before, after

    before, after = asyncio.run(open_sessions())
    link.close()
    return (after - before) / 1024 / sessions


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    return f"median {statistics.median(ordered):6.1f} ms, p90 {ordered[int(len(ordered) * 0.9) - 1]:6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gradio-python", default=None, help="a Python with gradio installed")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    image_path = Path(tempfile.mkdtemp()) / "echo.png"
    PILImage.fromarray(np.random.default_rng(0).integers(0, 255, (512, 512, 3), dtype=np.uint8)).save(image_path)

    playwright, browser = launch_browser()
    try:
        text, loaded = nbshare_text(browser, args.runs)
        image = nbshare_image(browser, args.runs, image_path)
        print(f"nbshare text echo      {summary(text)}   first load {loaded / 1024:.0f} KB")
        print(f"nbshare 512² image echo {summary(image)}")
        if args.gradio_python:
            g_text, g_loaded = gradio(browser, args.gradio_python, "text", args.runs, image_path)
            g_image, _ = gradio(browser, args.gradio_python, "image", args.runs, image_path)
            print(f"gradio  text echo      {summary(g_text)}   first load {g_loaded / 1024:.0f} KB")
            print(f"gradio  512² image echo {summary(g_image)}")
            print(
                f"nbshare / gradio: text {statistics.median(text) / statistics.median(g_text):.2f}×, "
                f"image {statistics.median(image) / statistics.median(g_image):.2f}×"
            )
    finally:
        browser.close()
        playwright.stop()
    print(f"memory per idle session: {idle_session_memory():.2f} MiB")


if __name__ == "__main__":
    main()
