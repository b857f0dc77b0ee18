"""A real JupyterHub for tests: configurable-http-proxy from npm, shared-password sign-in, local single-user
JupyterLab servers (SimpleLocalProcessSpawner), everything on 127.0.0.1 in a temporary folder."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from harness import REPO, free_port, kernel_client

PASSWORD = "a shared password for the tests"


def proxy_command() -> str | None:
    """configurable-http-proxy, installed by npm with the project's devDependencies (or on PATH)."""
    local = REPO / "node_modules" / ".bin" / "configurable-http-proxy"
    return str(local) if local.exists() else shutil.which("configurable-http-proxy")


class JupyterHubServer:
    """JupyterHub at ``http://127.0.0.1:{port}{base_url}``, users ``users``, all signing in with :data:`PASSWORD`.

    ``public_url``: set ``c.JupyterHub.public_url`` (the usual setting behind a domain name), which JupyterHub passes
    to each user's server as ``JUPYTERHUB_PUBLIC_URL``.
    """

    def __init__(self, root: Path, *, users: tuple[str, ...], base_url: str = "/jh/", public_url: bool = True) -> None:
        command = proxy_command()
        if command is None:
            raise RuntimeError("configurable-http-proxy is missing: npm ci (it is a devDependency)")
        self.root = root
        self.port = free_port()
        self.base_url = base_url
        self.url = f"http://127.0.0.1:{self.port}{base_url}"
        self.api_token = secrets.token_hex(24)
        self.runtime_dir = root / "runtime"
        self.log_path = root / "jupyterhub.log"
        homes = root / "home"
        for user in users:
            (homes / user).mkdir(parents=True, exist_ok=True)
        lab_settings = root / "lab-settings" / "@jupyterlab" / "apputils-extension"
        lab_settings.mkdir(parents=True, exist_ok=True)
        (lab_settings / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False})
        )
        environment = {
            "JUPYTER_RUNTIME_DIR": str(self.runtime_dir),
            "JUPYTER_CONFIG_DIR": str(root / "jupyter-config"),
            "JUPYTERLAB_SETTINGS_DIR": str(root / "lab-settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(root / "lab-workspaces"),
            "PYTHONPATH": str(REPO),
        }
        settings = {
            "JupyterHub": {
                "ip": "127.0.0.1",
                "port": self.port,
                "hub_ip": "127.0.0.1",
                "hub_port": free_port(),
                "base_url": base_url,
                "db_url": f"sqlite:///{root / 'jupyterhub.sqlite'}",
                "cookie_secret_file": str(root / "cookie_secret"),
                "pid_file": str(root / "jupyterhub.pid"),
                "authenticator_class": "shared-password",
                "spawner_class": "simple",
                "services": [{"name": "tests", "api_token": self.api_token}],
                "load_roles": [
                    {"name": "tests", "scopes": ["admin:users", "admin:servers", "tokens"], "services": ["tests"]}
                ],
                **({"public_url": self.url} if public_url else {}),
            },
            "ConfigurableHTTPProxy": {"command": [command], "api_url": f"http://127.0.0.1:{free_port()}"},
            "SharedPasswordAuthenticator": {"user_password": PASSWORD},
            "Authenticator": {"allowed_users": list(users)},
            "Spawner": {
                "args": ["--allow-root", "--ServerApp.open_browser=False"],
                "default_url": "/lab",
                "environment": environment,
                "start_timeout": 90,
                "http_timeout": 90,
            },
            "SimpleLocalProcessSpawner": {"home_dir_template": str(homes / "{username}")},
        }
        config = root / "jupyterhub_config.py"
        config.write_text(
            f"import json\nfor section, values in json.loads({json.dumps(settings)!r}).items():\n"
            "    for name, value in values.items():\n        setattr(getattr(c, section), name, value)\n"
        )
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(config)],
            cwd=root,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def home(self, user: str) -> Path:
        return self.root / "home" / user

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterHub exited: {self.log()}")
            try:
                self.api("GET", "hub/api/")
                return
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.3)
        raise RuntimeError(f"JupyterHub did not start in {timeout} s: {self.log()}")

    def api(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        """A request to the hub (or, through its proxy, to a user's server) with an API token."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"token {token or self.api_token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            reply = response.read()
        return json.loads(reply) if reply else None

    def start_server(self, user: str, timeout: float = 120) -> None:
        """Start ``user``'s JupyterLab server (as the hub's Start button would) and wait until it is ready."""
        try:
            self.api("POST", f"hub/api/users/{user}/server")
        except urllib.error.HTTPError as error:
            if error.code != 400:  # 400: already running
                raise
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            server = self.api("GET", f"hub/api/users/{user}")["servers"].get("", {})
            if server.get("ready"):
                return
            time.sleep(0.5)
        raise RuntimeError(f"{user}'s server did not start in {timeout} s: {self.log()}")

    def user_token(self, user: str) -> str:
        """An API token of ``user``'s own (for its server's REST API: sessions, kernels)."""
        return str(self.api("POST", f"hub/api/users/{user}/tokens", {"note": "tests", "expires_in": 3600})["token"])

    def kernel_client(self, user: str, notebook: str, token: str, timeout: float = 60) -> Any:
        """A client of the kernel behind ``user``'s open notebook ``notebook`` (the servers run on this machine)."""
        sessions = lambda: self.api("GET", f"user/{user}/api/sessions", token=token)  # noqa: E731
        return kernel_client(sessions, self.runtime_dir, notebook, timeout)

    def stop(self) -> None:
        """Stop the hub, its proxy and every user's server (JupyterHub stops them on SIGTERM)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()
