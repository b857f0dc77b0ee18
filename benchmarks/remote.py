"""nbshare's shared page and Gradio, the same two apps, as a visitor far away sees them: over a slow link this script
builds itself.

The link (``slow_link.py``). This kernel has no netem, so the delay and the bandwidth come from a relay: an asyncio
TCP relay in its own process, between the browser and the app's server. Each direction is one link shared by all
connections (as a phone's is): what a side sends is cut into 4 KB segments, which take size/rate on the wire and
arrive RTT/2 later; order and half-closes are kept per connection. The wire serves the connections with something to
send in turn, a segment each, as TCP flows sharing a bottleneck roughly do (``--queue fifo``: one first-in-first-out
queue instead, where a bulk transfer the server wrote at once goes out whole before a small answer written after it).
A new connection's first bytes leave one RTT after it opened (the TCP handshake). Not modelled: TCP slow start,
losses, TLS (a real https link adds one more RTT per new connection).

Where it runs. The browser (Debian's Chromium, driven by Playwright through a pipe) runs in a network namespace of
its own, with one veth pair and addresses this script creates (10.213.0.1 on this side, 10.213.0.2 in the
namespace), so the only thing it can reach is the relay, which listens on 10.213.0.1 and forwards to the apps'
servers on 127.0.0.1 (nbshare's ``launch()`` in this process, Gradio's in its own interpreter). Both are removed at
the end, also after an error. Chromium treats the relay's origins as secure, as it would an https link. Needs root
(``ip netns``); ``--no-netns`` runs the same relay on 127.0.0.1 without a namespace, but then nbshare sees a
loopback peer addressed as 127.0.0.1 and serves the page as to a visitor on this machine (pictures as raw pixels in
the websocket, not WebP fetched over HTTP): its image figures are then not a far visitor's. Neither page asks the
internet for anything (Gradio 6 serves its fonts itself); in the namespace such a request would fail at once.

The apps, the same for both systems (the same Python functions): text (a textbox, upper-cased into a textbox) and an
image classifier (an image, a Label of three colour classes, three 256×256 photo-like PNG examples of ~100 KB each).
Gradio's examples are cached (``cache_examples=True``, its default on Spaces): a click shows the answer, as on
nbshare, where a click runs the function; uncached, Gradio's click only fills the input.

What is measured, per link setting (loopback: the relay adds nothing; 50 ms RTT; 200 ms RTT with 2 Mbit/s down and
1 Mbit/s up), each visit in a new browser context (empty cache):
- cold page ready: from the navigation's start (``performance.now()`` in the page, which counts nbshare's
  ``?token=`` redirect) until the app is usable: the Submit button shown and enabled and, in the image app, every
  example thumbnail loaded (an ``img`` complete, with pixels). Same definition for both; on nbshare the page is
  built from the websocket, so "usable" implies connected; Gradio holds a heartbeat stream open from the start
  and opens a stream per Submit.
- Submit -> answer (text app) and example click -> answer (image app: the 2nd example, until the Label's top class
  reads "green"): timed inside the page from the click, polled every 2 ms. "first" is the first interaction after
  the cold load; "again" a second one (another text; the 3rd example, then the 2nd again).
- "all loaded": from the first interaction's click to the end of the last response or websocket frame it set off
  (DevTools events): the example's full-size picture may still be arriving when the Label shows.
- warm reload: the same context reloads; the same "usable" moment.
- bytes down and up per phase, counted at the relay (exact; headers included), each phase until the link has been
  quiet for 0.5 s + 2 RTT; and the TCP connections opened.
Medians over --runs visits (and the fastest–slowest). Gradio's servers have been up two minutes before they are
measured (``_let_age``: it decides whether Gradio's reload fetches its example pictures again). For the image
app's first cold load at the slowest setting it also prints the request waterfall (DevTools network events: each
request's start, response headers and end, its connection, and the websocket's handshake and frames), and the
same for the first example click, and each app's warm reload.

Run (as root; under the machine-wide lock where others share the machine):
    python benchmarks/remote.py --gradio-python /tmp/gradio-venv/bin/python [--runs 5] [--only nbshare]
Gradio needs a venv of its own: python -m venv /tmp/gradio-venv && /tmp/gradio-venv/bin/pip install gradio
"""

from __future__ import annotations

import argparse
import inspect
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from slow_link import SETTINGS, Relay, Setting, browser_namespace, free_port, no_namespace
from waterfall import NetworkLog, waterfall

from harness import CHROMIUM_ARGS

MIN_AGE = 120  # seconds a server is up before it is measured (see _let_age)


# -- the apps ------------------------------------------------------------------------------------------------------


def upper(text):  # type: ignore[no-untyped-def]
    return text.upper()


def classify(image):  # type: ignore[no-untyped-def]
    """Which colour an image mostly is: a stand-in model, the same code in both apps."""
    import numpy as np

    means = np.asarray(image, dtype=float).reshape(-1, 3).mean(0)
    weights = np.exp((means - means.max()) / 40)
    return {name: float(weight) for name, weight in zip(("red", "green", "blue"), weights / weights.sum(), strict=True)}


EXPECTED = ["red", "green", "blue"]  # each example's class

GRADIO_APP = "\n".join(
    [
        "import sys",
        "import gradio as gr",
        textwrap.dedent(inspect.getsource(upper)),
        textwrap.dedent(inspect.getsource(classify)),
        textwrap.dedent(
            """
            kind, port, examples = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
            if kind == "text":
                demo = gr.Interface(upper, gr.Textbox(label="Text"), gr.Textbox(label="Output"))
            else:
                demo = gr.Interface(classify, gr.Image(type="numpy", label="Image"), gr.Label(label="Class"),
                                    examples=[[path] for path in examples], cache_examples=True)
            demo.launch(server_name="127.0.0.1", server_port=port)
            """
        ),
    ]
)


def make_examples(folder: Path) -> list[Path]:
    """Three 256×256 photo-like PNGs (smooth colour fields and a little noise, ~100 KB), mostly red, green, blue."""
    import numpy as np
    from PIL import Image as PILImage

    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:256, 0:256] / 255.0
    paths = []
    for index, name in enumerate(EXPECTED):
        field = np.stack([0.25 + 0.25 * np.sin(3 * xx + c) * np.cos(2 * yy - c) for c in range(3)], axis=-1)
        field[..., index] += 0.4
        pixels = np.clip(field * 255 + rng.normal(0, 3, field.shape), 0, 255).astype(np.uint8)
        paths.append(folder / f"{name}.png")
        PILImage.fromarray(pixels).save(paths[-1])
    return paths


@dataclass
class App:
    """One app of one system, served on ``127.0.0.1:port``; ``path`` is what the visitor opens."""

    system: str
    kind: str  # "text" or "image"
    port: int
    path: str
    stop: Callable[[], None]
    started: float = field(default_factory=time.monotonic)


def start_nbshare(examples: list[Path], folder: Path, apps: list[App]) -> None:
    """Launch nbshare's two apps in this process, adding each to ``apps`` (which the caller stops) once it runs."""
    import nbshare

    interfaces = {
        "text": nbshare.Interface(upper, "text", "text", flagging_dir=folder / "flags-text"),
        "image": nbshare.Interface(
            classify, "image", "label", examples=[[str(path)] for path in examples], flagging_dir=folder / "flags-image"
        ),
    }
    for kind, interface in interfaces.items():
        # Every visit is a new browser through the same relay address: room for all their sessions.
        link = interface.launch(inline=False, max_sessions_per_address=1000, max_sessions_per_client=1000)
        parts = urlsplit(link.local_url)
        apps.append(App("nbshare", kind, parts.port or 80, f"{parts.path}?{parts.query}", link.close))


def start_gradio(python: str, examples: list[Path], folder: Path, apps: list[App]) -> None:
    """Start Gradio's two apps, each in ``python``, adding each to ``apps`` (which the caller stops); wait for both."""
    script = folder / "gradio_app.py"
    script.write_text(GRADIO_APP)
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    for kind in ("text", "image"):
        port = free_port("127.0.0.1")
        process = subprocess.Popen(
            [python, str(script), kind, str(port), *map(str, examples)],
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        apps.append(App("gradio", kind, port, "/", _stopper(process)))
    for app in apps:
        if app.system == "gradio":
            _wait_http(app.port)


def _stopper(process: subprocess.Popen[bytes]) -> Callable[[], None]:
    def stop() -> None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()

    return stop


def _wait_http(port: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


# -- what the page is asked -----------------------------------------------------------------------------------------

# The moment the app is usable (see the module docstring): performance.now() then, else false.
READY = """([examples, count]) => {
  const submit = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Submit');
  if (!submit || submit.disabled || !submit.getClientRects().length) return false;
  const images = [...document.querySelectorAll(examples)];
  if (images.length < count || !images.every((image) => image.complete && image.naturalWidth > 0)) return false;
  return performance.now();
}"""

# Click the index-th match of `target` (with the text `text`, unless null); poll every 2 ms until the last match of
# `answer` reads `want`. Returns [milliseconds, epoch ms of the click].
CLICK_UNTIL = """async ([target, text, index, answer, want]) => {
  const candidates = [...document.querySelectorAll(target)]
    .filter((b) => text === null || b.textContent.trim() === text);
  const shown = () => {
    const el = [...document.querySelectorAll(answer)].at(-1);
    return Boolean(el) && (el.value ?? el.textContent).trim() === want;
  };
  const started = performance.now();
  candidates[index].click();
  while (!shown()) {
    if (performance.now() - started > 60000) throw new Error(`no answer "${want}" in 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return [performance.now() - started, performance.timeOrigin + started];
}"""


@dataclass(frozen=True)
class Selectors:
    thumbnails: str
    example: str
    label: str
    text_in: str
    text_out: str


SELECTORS = {
    "nbshare": Selectors(
        thumbnails="img.nbshare-thumbnail",
        example="button.nbshare-example",
        label=".nbshare-label-top",
        text_in="textarea, input[type=text]",
        text_out="[role=status][aria-labelledby]",
    ),
    "gradio": Selectors(
        thumbnails="button.gallery-item img",
        example="button.gallery-item",
        label="[data-testid=label-output-value]",
        text_in="textarea",
        text_out="textarea",
    ),
}


# -- one visit ------------------------------------------------------------------------------------------------------


@dataclass
class Visit:
    figures: dict[str, float]
    load_waterfall: list[str]
    click_waterfall: list[str]
    warm_waterfall: list[str]


def wait_ready(page: Any, app: App, timeout: float = 90) -> float:
    selectors = SELECTORS[app.system]
    count = len(EXPECTED) if app.kind == "image" else 0
    handle = page.wait_for_function(READY, arg=[selectors.thumbnails, count], polling=5, timeout=timeout * 1000)
    return float(handle.json_value())


def interact(page: Any, app: App, again: bool) -> tuple[float, float]:
    """(milliseconds, epoch ms of the click) of one Submit -> answer or example -> answer."""
    selectors = SELECTORS[app.system]
    if app.kind == "text":
        text = f"hello {int(again)} from far away"
        page.locator(selectors.text_in).first.fill(text)
        result = page.evaluate(CLICK_UNTIL, ["button", "Submit", 0, selectors.text_out, text.upper()])
    else:
        if again:  # another class first, so the answer to time is a change on screen
            page.evaluate(CLICK_UNTIL, [selectors.example, None, 2, selectors.label, EXPECTED[2]])
        result = page.evaluate(CLICK_UNTIL, [selectors.example, None, 1, selectors.label, EXPECTED[1]])
    return float(result[0]), float(result[1])


def visit(browser: Any, app: App, relay: Relay, address: str, record: bool) -> Visit:
    """A new visitor: cold load, two interactions, a reload; times and the bytes of each phase."""
    figures: dict[str, float] = {}
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log = NetworkLog(context, page)
    load_lines: list[str] = []
    click_lines: list[str] = []
    warm_lines: list[str] = []
    try:
        before = relay.quiet()
        page.goto(f"http://{address}{app.path}", wait_until="commit")
        figures["cold"] = wait_ready(page, app)
        if record:
            origin = log.first_document()
            load_lines = waterfall(log, origin, origin + figures["cold"] / 1000, {"usable": figures["cold"]})
        before = _phase(figures, "cold", relay, before)
        for again in (False, True):
            name = "again" if again else "first"
            figures[name], clicked = interact(page, app, again)
            before = _phase(figures, name, relay, before)
            page.evaluate("0")  # a round trip, so that DevTools events queued meanwhile reach the log first
            figures[f"{name} settled"] = log.settled(clicked)
            if record and not again:
                origin = log.epoch_to_devtools(clicked)
                marks = {"answer": figures[name], "all loaded": figures[f"{name} settled"]}
                click_lines = waterfall(log, origin, origin + max(marks.values()) / 1000, marks, True)
        page.reload(wait_until="commit")
        figures["warm"] = wait_ready(page, app)
        _phase(figures, "warm", relay, before)
        if record:
            origin = log.last_document()
            warm_lines = waterfall(log, origin, origin + figures["warm"] / 1000, {"usable": figures["warm"]}, True)
    finally:
        context.close()
    return Visit(figures, load_lines, click_lines, warm_lines)


def _phase(figures: dict[str, float], name: str, relay: Relay, before: dict[str, Any]) -> dict[str, Any]:
    after = relay.quiet()
    for key in ("down", "up", "connections"):
        figures[f"{name} {key}"] = after[key] - before[key]
    return after


# -- the report -----------------------------------------------------------------------------------------------------

ROWS = [
    ("cold page ready", "cold", "ms"),
    ("warm reload", "warm", "ms"),
    ("Submit/example -> answer, first", "first", "ms"),
    ("Submit/example -> answer, again", "again", "ms"),
    ("... -> all loaded, first", "first settled", "ms"),
    ("bytes down, cold load", "cold down", "KB"),
    ("bytes down, warm reload", "warm down", "KB"),
    ("bytes down, first answer", "first down", "KB"),
    ("bytes down, answer again", "again down", "KB"),
    ("bytes up, cold load", "cold up", "KB"),
    ("bytes up, first answer", "first up", "KB"),
    ("connections, cold load", "cold connections", ""),
    ("connections, warm reload", "warm connections", ""),
]


def _cell(values: list[float] | None, unit: str) -> str:
    if not values:
        return "—"
    median = statistics.median(values)
    if unit == "KB":
        return f"{median / 1024:.1f} KB"
    if unit == "ms":
        spread = f" ({min(values):.0f}–{max(values):.0f})" if len(values) > 1 else ""
        return f"{median:.0f} ms{spread}"
    return f"{median:.0f}"


def table(setting: Setting, results: dict[tuple[str, str], list[dict[str, float]]]) -> list[str]:
    lines = [
        f"### {setting.name}",
        "",
        "| | nbshare text | Gradio text | nbshare image | Gradio image |",
        "|---|---|---|---|---|",
    ]
    for title, key, unit in ROWS:
        cells = []
        for kind in ("text", "image"):
            for system in ("nbshare", "gradio"):
                runs = results.get((system, kind))
                cells.append(_cell([run[key] for run in runs] if runs else None, unit))
        lines.append(f"| {title} | {' | '.join(cells)} |")
    return [*lines, ""]


def targets(results: dict[tuple[str, str], list[dict[str, float]]]) -> list[str]:
    """The issue's targets at the slowest setting, nbshare against Gradio."""

    def ratio(kind: str, key: str) -> float | None:
        mine, theirs = results.get(("nbshare", kind)), results.get(("gradio", kind))
        if not mine or not theirs:
            return None
        return statistics.median(r[key] for r in mine) / statistics.median(r[key] for r in theirs)

    checks = [
        ("page ready (image app)", ratio("image", "cold"), 0.5),
        ("page ready (text app)", ratio("text", "cold"), 0.5),
        ("example -> answer", ratio("image", "first"), 0.5),
        ("warm reload (image app)", ratio("image", "warm"), 1.0),
        ("warm reload (text app)", ratio("text", "warm"), 1.0),
    ]
    lines = []
    for name, value, target in checks:
        if value is not None:
            verdict = "met" if value <= target else "NOT met"
            lines.append(f"- {name}: nbshare/Gradio {value:.2f}× (target ≤ {target}×): {verdict}")
    return lines


# -- main -----------------------------------------------------------------------------------------------------------


def run(args: argparse.Namespace, workdir: Path) -> None:
    from playwright.sync_api import sync_playwright

    examples = make_examples(workdir)
    apps: list[App] = []
    namespace = no_namespace if args.no_netns else browser_namespace
    with namespace(workdir) as (address, chromium), sync_playwright() as playwright:
        try:
            if args.only in (None, "nbshare"):
                start_nbshare(examples, workdir, apps)
            if args.only in (None, "gradio"):
                start_gradio(args.gradio_python, examples, workdir, apps)
            ports = {id(app): free_port(address) for app in apps}
            secure = ",".join(f"http://{address}:{port}" for port in ports.values())
            browser = playwright.chromium.launch(
                executable_path=chromium, args=[*CHROMIUM_ARGS, f"--unsafely-treat-insecure-origin-as-secure={secure}"]
            )
            print(versions(args, browser), flush=True)
            for setting in [s for s in SETTINGS if args.settings is None or s.name.split()[0] in args.settings]:
                measure_setting(browser, apps, ports, address, setting, args)
            browser.close()
        finally:
            for app in apps:
                app.stop()


def _let_age(apps: list[App]) -> None:
    """Wait until Gradio's servers have been up MIN_AGE seconds, as a link's server usually has when visitors come.

    Gradio's example files carry no Cache-Control, only the Last-Modified of their copy made at launch: the browser
    keeps them for 10 % of that age (heuristic freshness), so whether a reload fetches them again depends on it.
    (nbshare's responses say no-store or immutable: its servers' age does not matter.)
    """
    ages = [time.monotonic() - app.started for app in apps if app.system == "gradio"]
    wait = max([MIN_AGE - age for age in ages], default=0.0)
    if wait > 0:
        print(f"  letting the servers age {wait:.0f} s (see _let_age)", file=sys.stderr, flush=True)
        time.sleep(wait)


def versions(args: argparse.Namespace, browser: Any) -> str:
    """What was measured: nbshare's commit (and how many of its files differ), Gradio's and Chromium's versions."""
    import nbshare

    def ask(*command: str) -> str:
        return subprocess.run(
            command, cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True
        ).stdout

    head = ask("git", "rev-parse", "--short", "HEAD").strip()
    changed = len(ask("git", "--no-optional-locks", "status", "--porcelain", "nbshare").splitlines())
    parts = [f"nbshare {nbshare.__version__} (commit {head}, {changed} files under nbshare/ changed since)"]
    if args.gradio_python and args.only != "nbshare":
        parts.append(f"Gradio {ask(args.gradio_python, '-c', 'import gradio; print(gradio.__version__)').strip()}")
    parts.append(f"Chromium {browser.version}")
    link = "network namespace" if not args.no_netns else "loopback relay"
    return f"{', '.join(parts)}; {args.runs} visits per app and setting; {link}, {args.queue} queue\n"


def measure_setting(
    browser: Any, apps: list[App], ports: dict[int, int], address: str, setting: Setting, args: argparse.Namespace
) -> None:
    runs = args.runs
    _let_age(apps)
    relays: dict[int, Relay] = {}
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    waterfalls: list[str] = []
    try:
        for app in apps:
            relays[id(app)] = Relay(address, ports[id(app)], app.port, setting, args.queue == "fair")
        for number in range(runs):
            for app in apps:
                record = number == 0 and setting is SETTINGS[-1]
                done = visit(browser, app, relays[id(app)], f"{address}:{ports[id(app)]}", record)
                results.setdefault((app.system, app.kind), []).append(done.figures)
                if record and app.kind == "image":
                    waterfalls += [f"#### {app.system}: cold load of the image app", "```", *done.load_waterfall]
                    waterfalls += ["```", f"#### {app.system}: first click on example 2", "```"]
                    waterfalls += [*done.click_waterfall, "```", ""]
                if record:
                    waterfalls += [f"#### {app.system}: warm reload of the {app.kind} app", "```"]
                    waterfalls += [*done.warm_waterfall, "```", ""]
                print(
                    f"  {setting.name} run {number + 1}/{runs} {app.system} {app.kind}: "
                    + ", ".join(f"{k} {v:.0f}" for k, v in done.figures.items() if " " not in k),
                    file=sys.stderr,
                )
    finally:
        for relay in relays.values():
            relay.close()
    print("\n".join(table(setting, results)), flush=True)
    if setting is SETTINGS[-1]:
        print("\n".join(["Targets at this setting:", *targets(results), "", *waterfalls]), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gradio-python", default=None, help="a Python with gradio installed")
    parser.add_argument("--runs", type=int, default=5, help="visits per app and link setting (medians)")
    parser.add_argument("--only", choices=["nbshare", "gradio"], default=None)
    parser.add_argument("--settings", nargs="+", choices=["loopback", "50", "200"], default=None)
    parser.add_argument("--queue", choices=["fair", "fifo"], default="fair", help="the link's queue (see Direction)")
    parser.add_argument(
        "--no-netns",
        action="store_true",
        help="relay on 127.0.0.1, no namespace (nbshare then takes the visitor for a local one)",
    )
    args = parser.parse_args()
    if args.only != "nbshare" and not args.gradio_python:
        parser.error("Gradio needs --gradio-python (or measure --only nbshare)")
    with tempfile.TemporaryDirectory(prefix="nbshare-remote-") as folder:
        run(args, Path(folder))


if __name__ == "__main__":
    main()
