"""A stand-in for the ngrok agent (ngrok's cloud cannot be reached from tests): same start-up log lines and the
same local API (``/api/endpoints``, ``/api/tunnels``) as the real agent, no tunnel.

Run as ``fake_ngrok.py start --none --log stdout [--config PATH] [--authtoken TOKEN]`` (how pyngrok starts it).
Every API request it gets is appended to the JSON-lines file named by ``FAKE_NGROK_LOG``.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

endpoints: dict[str, dict[str, object]] = {}


def log_line(level: str, message: str, **fields: str) -> None:
    extra = "".join(f' {key}="{value}"' if " " in value else f" {key}={value}" for key, value in fields.items())
    print(f't=2026-11-23T12:00:00+0000 lvl={level} msg="{message}"{extra}', flush=True)


def record(entry: dict[str, object]) -> None:
    with open(os.environ["FAKE_NGROK_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(entry) + "\n")


class Api(BaseHTTPRequestHandler):
    def _reply(self, status: int, body: object | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path.rstrip("/") in ("/api/endpoints", "/api/tunnels"):
            key = self.path.strip("/").split("/")[1]
            self._reply(200, {key: list(endpoints.values()), "uri": self.path})
        else:
            self._reply(404, {"error_code": 100, "msg": "not found"})

    def do_POST(self) -> None:
        options = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        record({"method": "POST", "path": self.path, "options": options})
        name = options.get("name") or f"endpoint-{uuid.uuid4().hex[:8]}"
        kind = self.path.strip("/").split("/")[1]
        endpoint = {
            "id": f"ep_{uuid.uuid4().hex[:12]}",
            "name": name,
            "uri": f"/api/{kind}/{name}",
            "public_url": f"https://{uuid.uuid4().hex[:10]}.ngrok-free.app",
            "proto": "https",
            "upstream": options.get("upstream", {}),
            "config": {"addr": options.get("addr", "")},
        }
        endpoints[name] = endpoint
        self._reply(201, endpoint)

    def do_DELETE(self) -> None:
        name = self.path.rstrip("/").rsplit("/", 1)[-1]
        record({"method": "DELETE", "path": self.path})
        self._reply(204 if endpoints.pop(name, None) else 404)

    def log_message(self, *_args: object) -> None:
        pass


def main(args: list[str]) -> int:
    if args[:1] == ["--version"] or args[:1] == ["version"]:
        print("ngrok version 3.30.0")
        return 0
    token = args[args.index("--authtoken") + 1] if "--authtoken" in args else None
    config = args[args.index("--config") + 1] if "--config" in args else None
    if token is None and config and os.path.exists(config):
        with open(config, encoding="utf-8") as file:
            token = "authtoken" if "authtoken:" in file.read() else None
    if not token or token == "rejected":
        log_line("eror", "failed to reconnect session", err="authentication failed: ERR_NGROK_4018")
        return 1
    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    log_line("info", "starting web service", obj="web", addr=f"127.0.0.1:{server.server_address[1]}")
    log_line("info", "tunnel session started", obj="tunnels.session")
    log_line("info", "client session established", obj="csess", id="fake")
    threading.Event().wait()  # until pyngrok kills the process
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
