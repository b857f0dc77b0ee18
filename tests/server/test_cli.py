"""`nbshare serve app.py` and `nbshare demo` from a terminal: a real process, its printed link, a real visit."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import REPO
from page_client import PageClient, fetch, run, token_cookie


def serve(args: list[str], cwd: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "nbshare", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    printed = []
    for line in process.stdout:
        printed.append(line)
        found = re.search(r"Local link \(this machine only\): (\S+)", line)
        if found:
            yield process, found.group(1)
            break
    else:
        raise AssertionError("no link printed:\n" + "".join(printed))
    process.send_signal(signal.SIGINT)
    assert process.wait(20) == 0


def test_serve_a_script_and_answer_a_visitor(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import nbshare\n"
        "def greet(name):\n"
        "    return f'Hello, {name}!'\n"
        "demo = nbshare.Interface(greet, 'text', 'text', title='Greeter')\n"
    )
    for _process, url in serve(["serve", "app.py"], tmp_path):

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


@pytest.mark.timeout(120)
def test_demo_serves_the_pacemaker_classifier() -> None:
    for _process, url in serve(["demo"], REPO):

        async def visit(url: str) -> None:
            page = await fetch(url.split("?")[0], await token_cookie(url))
            assert page.code == 200 and "Pacemaker detector" in page.body.decode()
            client = await PageClient.connect(url.split("?")[0], await token_cookie(url))
            labels = [state for state in client.models.values() if state.get("_anywidget_id", "").endswith(".Label")]
            assert labels and client.find("Image")
            client.close()

        run(visit(url))
