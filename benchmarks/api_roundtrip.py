"""The HTTP API's round trip: nbshare.Client.predict vs gradio_client against Gradio's own app, same machine and run.

Two echo apps each: text (a short string) and a 512×512 RGB image (random pixels, a 768 KB PNG). Each client runs in
its own process (as a replicator's script would), against a server in another process: nbshare's in this one, as in
a kernel; Gradio's app in its own interpreter. Medians of --runs calls after 3 warm-up calls, one every 60 ms. For
reference the same requests with plain urllib (a new connection each time) and curl, and nbshare.Client without
keep-alive.

Both image echoes take the same PNG file's path and answer a PNG (Gradio's output set to format="png"; its default
is WebP). nbshare.Client returns the decoded numpy array; gradio_client returns the path of the downloaded file.

Run: python benchmarks/api_roundtrip.py [--gradio-python /path/to/venv/bin/python] [--runs 30]
(a venv with `pip install gradio gradio_client`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

import numpy as np
from PIL import Image as PILImage

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import nbshare

from harness import free_port

WARM_UP = 3
PACE = 0.06
"""Seconds from the start of one call to the next, for every client here: under the API's 20 requests a second per
address (its rate limit; a faster caller is told to wait), so no call is throttled and each is timed alone."""
PACING = [str(WARM_UP), str(PACE)]

# Runs in a fresh interpreter: times `runs` calls of one way of calling, prints the milliseconds as JSON.
NBSHARE_CALLER = textwrap.dedent(
    """
    import json, sys, time, urllib.request
    import numpy as np
    import nbshare
    from PIL import Image

    way, kind, link, runs, image_path = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    warm_up, pace = int(sys.argv[6]), float(sys.argv[7])
    client = nbshare.Client(link)
    client._keep_alive = way != "client-new-connections"
    token = link.split("token=")[1]
    value = "echo" if kind == "text" else image_path
    if way == "client-array":
        value = np.asarray(Image.open(image_path))
    image = open(image_path, "rb").read()

    def with_urllib():
        if kind == "text":
            body, kind_header = json.dumps({"inputs": {"Text": value}}).encode(), "application/json"
        else:
            head = ('--b\\r\\nContent-Disposition: form-data; name="Image"; filename="echo.png"\\r\\n'
                    'Content-Type: image/png\\r\\n\\r\\n').encode()
            body, kind_header = head + image + b"\\r\\n--b--\\r\\n", "multipart/form-data; boundary=b"
        request = urllib.request.Request(client.url + "api/predict", data=body, method="POST",
                                         headers={"Authorization": "Bearer " + token, "Content-Type": kind_header})
        with urllib.request.urlopen(request) as response:
            json.loads(response.read())

    call = with_urllib if way == "urllib" else (lambda: client.predict(value))
    times = []
    for run in range(warm_up + runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
        time.sleep(max(0.0, pace - (time.perf_counter() - started)))
    print(json.dumps(times[warm_up:]))
    """
)

GRADIO_APP = textwrap.dedent(
    """
    import sys
    import gradio as gr
    kind, port = sys.argv[1], int(sys.argv[2])

    def echo(value):
        return value

    if kind == "text":
        demo = gr.Interface(echo, gr.Textbox(label="Text"), gr.Textbox(label="Output"))
    else:
        demo = gr.Interface(echo, gr.Image(type="numpy"), gr.Image(type="numpy", format="png"))
    demo.launch(server_port=port, prevent_thread_lock=False)
    """
)

GRADIO_CALLER = textwrap.dedent(
    """
    import json, sys, time
    from gradio_client import Client, handle_file

    kind, url, runs, image_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    warm_up, pace = int(sys.argv[5]), float(sys.argv[6])
    client = Client(url, verbose=False)
    times = []
    for run in range(warm_up + runs):
        started = time.perf_counter()
        if kind == "text":
            assert client.predict("echo", api_name="/echo") == "echo"
        else:
            client.predict(handle_file(image_path), api_name="/echo")
        times.append((time.perf_counter() - started) * 1000)
        time.sleep(max(0.0, pace - (time.perf_counter() - started)))
    print(json.dumps(times[warm_up:]))
    """
)


def run_json(command: list[str]) -> list[float]:
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} {command[1][:40]}... failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def curl(link: str, kind: str, runs: int, image_path: Path) -> list[float] | None:
    if shutil.which("curl") is None:
        return None
    base, token = link.split("?token=")
    if kind == "text":
        data = ["-H", "Content-Type: application/json", "--data", json.dumps({"inputs": {"Text": "echo"}})]
    else:
        data = ["-F", f"Image=@{image_path};type=image/png"]
    command = ["curl", "-s", "-o", "/dev/null", "-w", "%{time_total}", "-H", f"Authorization: Bearer {token}"]
    times = []
    for _ in range(WARM_UP + runs):
        out = subprocess.run([*command, *data, base + "api/predict"], capture_output=True, text=True, check=True)
        times.append(float(out.stdout) * 1000)
        time.sleep(PACE)
    return times[WARM_UP:]


def nbshare_figures(runs: int, image_path: Path) -> dict[str, list[float]]:
    text = nbshare.Interface(lambda text: text, "text", "text").launch(inline=False)
    image = nbshare.Interface(lambda image: image, nbshare.Image(label="Image"), "image").launch(inline=False)
    figures: dict[str, list[float]] = {}
    try:
        for kind, link in (("text", text.local_url), ("image", image.local_url)):
            ways = ["client", "client-new-connections", "urllib"] + (["client-array"] if kind == "image" else [])
            for way in ways:
                caller = [sys.executable, "-c", NBSHARE_CALLER, way, kind, link, str(runs), str(image_path), *PACING]
                figures[f"{kind} {way}"] = run_json(caller)
            timed = curl(link, kind, runs, image_path)
            if timed is not None:
                figures[f"{kind} curl"] = timed
    finally:
        text.close()
        image.close()
    return figures


def gradio_figures(python: str, kind: str, runs: int, image_path: Path) -> list[float]:
    port = free_port()
    script = Path(tempfile.mkdtemp()) / "app.py"
    script.write_text(GRADIO_APP)
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    process = subprocess.Popen(
        [python, str(script), kind, str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(url + "config", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("Gradio's app did not start") from None
                time.sleep(0.5)
        return run_json([python, "-c", GRADIO_CALLER, kind, url, str(runs), str(image_path), *PACING])
    finally:
        process.terminate()
        process.wait(10)


def median(times: list[float]) -> float:
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gradio-python", default=None, help="a Python with gradio and gradio_client installed")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    image_path = Path(tempfile.mkdtemp()) / "echo.png"
    pixels = np.random.default_rng(0).integers(0, 255, (512, 512, 3), dtype=np.uint8)
    PILImage.fromarray(pixels).save(image_path)
    size = image_path.stat().st_size / 1024
    print(f"{args.runs} calls after {WARM_UP} warm-up, one per {PACE * 1000:.0f} ms; medians (ms); image {size:.0f} KB")

    figures = nbshare_figures(args.runs, image_path)
    for name, times in figures.items():
        print(f"nbshare {name:<30} {median(times):7.1f}")
    if args.gradio_python:
        g_text = gradio_figures(args.gradio_python, "text", args.runs, image_path)
        g_image = gradio_figures(args.gradio_python, "image", args.runs, image_path)
        print(f"gradio_client text echo{'':<16} {median(g_text):7.1f}")
        print(f"gradio_client 512² image echo{'':<10} {median(g_image):7.1f}")
        print(
            f"nbshare.Client / gradio_client: text {median(figures['text client']) / median(g_text):.2f}×, "
            f"image {median(figures['image client']) / median(g_image):.2f}× (target ≤ 0.25×)"
        )


if __name__ == "__main__":
    main()
