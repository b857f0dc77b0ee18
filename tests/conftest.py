"""Shared fixtures. Browser tests get one JupyterLab server and one Chromium per test session."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness import CHROMIUM_ARGS, JupyterLabServer, OpenNotebook, chromium_path

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def _browser_unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser)."""
    executable = chromium_path()
    if executable is None:
        _browser_unavailable("Chromium is not installed: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_unavailable('Playwright is not installed: pip install -e ".[test]"')
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def jupyter_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLabServer]:
    server = JupyterLabServer(tmp_path_factory.mktemp("jupyterlab"))
    yield server
    server.stop()


@pytest.fixture
def open_notebook(
    jupyter_server: JupyterLabServer, browser: Any, request: pytest.FixtureRequest
) -> Iterator[Callable[[list[str]], OpenNotebook]]:
    """``open_notebook(cells)``: write, open and run a notebook; closed (kernel shut down) after the test."""
    opened: list[OpenNotebook] = []

    def open_(cells: list[str]) -> OpenNotebook:
        name = re.sub(r"[^A-Za-z0-9_]+", "_", request.node.name) + f"_{len(opened)}.ipynb"
        notebook = OpenNotebook(jupyter_server, browser, name, cells)
        opened.append(notebook)
        return notebook

    yield open_
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for notebook in opened:
        if failed:
            notebook.screenshot(ARTIFACTS / f"{notebook.name}.failed.png")
            print("browser console:", *notebook.console[-30:], sep="\n  ")
        notebook.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
