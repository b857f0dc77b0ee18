"""`nbshare serve app.py` and `nbshare demo` from a terminal: a real process, its printed link, a real visit."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from page_client import PageClient, fetch, run, token_cookie

NBSHARE = [sys.executable, "-m", "nbshare"]


def serve(args: list[str], cwd: Path, nbshare: Sequence[str] = NBSHARE) -> Iterator[tuple[str, str]]:
    """Run ``nbshare ARGS`` in ``cwd``; yield (its local link, all it printed up to "Press Ctrl+C"), then stop it."""
    process = subprocess.Popen([*nbshare, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    printed = []
    for line in process.stdout:
        printed.append(line)
        if line.startswith("Press Ctrl+C"):
            break
    text = "".join(printed)
    found = re.search(r"Local link \(this machine only\): (\S+)", text)
    if found is None:
        process.kill()
        raise AssertionError("no link printed:\n" + text)
    yield found.group(1), text
    process.send_signal(signal.SIGINT)
    assert process.wait(20) == 0


def test_serve_a_script_and_answer_a_visitor(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import nbshare\n"
        "def greet(name):\n"
        "    return f'Hello, {name}!'\n"
        "demo = nbshare.Interface(greet, 'text', 'text', title='Greeter')\n"
    )
    for url, _printed in serve(["serve", "app.py"], tmp_path):

        async def visit(url: str) -> None:
            client = await PageClient.connect(url.split("?")[0], await token_cookie(url))
            assert await client.ask("Ada") == "Hello, Ada!"
            client.close()

        run(visit(url))


def test_serve_explains_a_script_without_an_interface(tmp_path: Path) -> None:
    (tmp_path / "empty.py").write_text("x = 1\n")
    result = subprocess.run(
        [sys.executable, "-m", "nbshare", "serve", "empty.py"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 2 and "empty.py defines no Interface" in result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "nbshare", "serve", "missing.py"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 2 and "no such script: missing.py" in result.stderr


def test_demo_serves_the_pacemaker_detector_and_says_where_flags_go(tmp_path: Path) -> None:
    """From a folder that is not the clone: the shipped demo, no notebook read, flags under the current folder."""
    for url, printed in serve(["demo"], tmp_path):
        assert "Training" not in printed  # nothing is trained: the notebook's model ships in the package
        assert "token=" in url and "…" not in printed  # a terminal gets the full link
        flags = tmp_path.resolve() / "nbshare_flags" / "pacemaker-detector"
        assert f"Flags sent from the page are written to {flags}" in printed
        run(visit_the_demo(url))


async def visit_the_demo(url: str) -> None:
    """The visitor's page: the pacemaker detector; clicking the first example (a frame with a device) predicts."""
    page = await fetch(url.split("?")[0], await token_cookie(url))
    assert page.code == 200 and "Pacemaker detector" in page.body.decode()
    client = await PageClient.connect(url.split("?")[0], await token_cookie(url))
    label, examples = client.find("Label"), client.find("Examples")
    assert client.find("Image")
    client.custom(examples, {"event": "select", "index": 0})
    answer = await client.until(lambda: client.models[label].get("value"), timeout=30)
    assert answer["label"] == "pacemaker"
    client.custom(examples, {"event": "select", "index": 1})
    await client.until(lambda: client.models[label]["value"]["label"] == "no pacemaker", timeout=30)
    client.close()


def test_serve_keeps_the_token_it_is_given_so_a_permanent_link_survives_a_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "app.py").write_text("import nbshare\ndemo = nbshare.Interface(str.upper, 'text', 'text')\n")
    token = "a-fixed-token-for-a-permanent-link_0123456789"
    monkeypatch.setenv("NBSHARE_TOKEN", token)
    for _ in range(2):  # two starts, the same link
        for url, _printed in serve(["serve", "app.py"], tmp_path):
            assert url.endswith(f"/?token={token}")
            assert run(fetch(url)).code == 200  # the page, and the cookie that stands for the token
    monkeypatch.setenv("NBSHARE_TOKEN", "short")
    result = subprocess.run([*NBSHARE, "serve", "app.py"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "token must be 32 to 256 letters" in result.stderr
