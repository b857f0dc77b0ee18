"""Real-browser test harness: a real JupyterLab server, Debian's Chromium driven by Playwright, and a
kernel client that reads Python state from the very kernel the page is talking to."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import nbformat

REPO = Path(__file__).resolve().parent.parent

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # A synthetic camera that needs no permission prompt: the webcam source is tested for real.
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class JupyterLabServer:
    """A JupyterLab server on 127.0.0.1 with a random port and token, rooted in a temporary folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.runtime_dir = root / ".runtime"
        self.log_path = root / "jupyterlab.log"
        self.url = f"http://127.0.0.1:{self.port}/"
        env = {
            **os.environ,
            "JUPYTER_RUNTIME_DIR": str(self.runtime_dir),
            "JUPYTER_CONFIG_DIR": str(root / ".config"),  # the user's own ~/.jupyter must not leak in
            "JUPYTERLAB_SETTINGS_DIR": str(root / ".lab-settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(root / ".lab-workspaces"),
            "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        }
        settings = root / ".lab-settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True, exist_ok=True)
        # The news prompt would cover part of the page; it cannot fetch anything here anyway.
        (settings / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False})
        )
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyterlab",
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={self.port}",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={root}",
                "--ServerApp.open_browser=False",
                "--ServerApp.port_retries=0",
                "--allow-root",
            ],
            cwd=root,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited: {self.log_path.read_text(errors='replace')[-3000:]}")
            try:
                self.api("GET", "api/status")
                return
            except OSError:
                time.sleep(0.2)
        log = self.log_path.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"JupyterLab did not start in {timeout} s: {log}")

    def api(self, method: str, path: str) -> Any:
        request = urllib.request.Request(
            f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def kernel_client(self, notebook_name: str, timeout: float = 60) -> Any:
        """A client of the kernel that the open notebook ``notebook_name`` runs on."""
        return kernel_client(lambda: self.api("GET", "api/sessions"), self.runtime_dir, notebook_name, timeout)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log.close()


def kernel_client(sessions: Any, runtime_dir: Path, notebook: str, timeout: float = 60) -> Any:
    """A client of the kernel behind the open notebook ``notebook``: ``sessions()`` lists a Jupyter server's sessions
    (its ``api/sessions``), whose kernels write their connection files to ``runtime_dir`` on this machine."""
    from jupyter_client import BlockingKernelClient

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for session in sessions():
            if session["path"].endswith(notebook) and session.get("kernel"):
                connection = runtime_dir / f"kernel-{session['kernel']['id']}.json"
                if connection.exists():
                    client = BlockingKernelClient(connection_file=str(connection))
                    client.load_connection_file()
                    # No heartbeat channel: its 1 s deadline takes a kernel slowed by a busy machine for dead;
                    # readiness is the kernel's own reply to kernel_info (wait_for_ready).
                    client.start_channels(hb=False)
                    client.wait_for_ready(timeout=30)
                    return client
        time.sleep(0.2)
    raise RuntimeError(f"no kernel found for {notebook}")


class KernelProbe:
    """Evaluate Python expressions in a notebook's kernel and get their values back as JSON."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def eval(self, expression: str, timeout: float = 30) -> Any:
        marker = secrets.token_hex(4)
        code = f"import json as _j; print({marker!r}, _j.dumps({expression}))"
        printed: list[str] = []

        def hook(msg: dict[str, Any]) -> None:
            if msg["msg_type"] == "stream":
                printed.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                printed.append("ERROR " + "\n".join(msg["content"]["traceback"]))

        reply = self.client.execute_interactive(code, output_hook=hook, timeout=timeout, store_history=False)
        text = "".join(printed)
        if reply["content"]["status"] != "ok" or marker not in text:
            raise RuntimeError(f"evaluating {expression!r} failed: {text}")
        return json.loads(text.split(marker, 1)[1])

    def wait_for(self, expression: str, predicate: Any, timeout: float = 20) -> Any:
        """Poll ``expression`` until ``predicate(value)`` holds; return the value."""
        deadline = time.monotonic() + timeout
        value = self.eval(expression)
        while not predicate(value):
            if time.monotonic() > deadline:
                raise AssertionError(f"{expression} stayed {value!r}")
            time.sleep(0.1)
            value = self.eval(expression)
        return value


class OpenNotebook:
    """A notebook written from ``cells``, opened in JupyterLab in Chromium, with every cell run."""

    def __init__(self, server: JupyterLabServer, browser: Any, name: str, cells: list[str]) -> None:
        self.server = server
        self.name = name
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(notebook, server.root / name)
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))
        workspace = Path(name).stem  # a workspace of its own: nothing restored from an earlier test
        self.page.goto(f"{server.url}lab/workspaces/{workspace}/tree/{name}?reset&token={server.token}")
        self.page.locator(".jp-Notebook").first.wait_for(timeout=60_000)
        self._wait_kernel_idle()
        self.kernel = KernelProbe(server.kernel_client(name))
        self.run_all()

    def _wait_kernel_idle(self, timeout: float = 60_000) -> None:
        self.page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(
            state="attached", timeout=timeout
        )

    def run_all(self) -> None:
        self.page.locator(".jp-Notebook").first.click()
        self.page.get_by_role("menuitem", name="Run", exact=True).click()
        self.page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        last = len(nbformat.read(self.server.root / self.name, as_version=4).cells)
        # Every cell has an execution count once the kernel has run it.
        self.page.wait_for_function(
            """(count) => {
                const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
                return prompts.length === count && prompts.every((p) => /\\[\\d+\\]/.test(p.textContent));
            }""",
            arg=last,
            timeout=120_000,
        )

    def app(self, title: str) -> Any:
        """The locator of the nbshare interface titled ``title``."""
        return self.page.locator(".nbshare-app").filter(has=self.page.get_by_role("heading", name=title))

    def screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=True)

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the server may already be gone at the end of the session
            self.server.api("DELETE", f"api/sessions/{self._session_id()}")
        self.kernel.client.stop_channels()
        self.context.close()

    def _session_id(self) -> str:
        for session in self.server.api("GET", "api/sessions"):
            if session["path"].endswith(self.name):
                return str(session["id"])
        raise LookupError(self.name)
