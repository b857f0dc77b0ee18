"""A Python stand-in for the shared page: speaks the page's websocket protocol, for refusal and load tests."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

from nbshare.server.frames import decode_frame, encode_frame


def run(coroutine: Any) -> Any:
    """Run ``coroutine`` to the end on a fresh event loop in its own thread.

    (Playwright's sync API keeps an event loop running on the main thread once a browser is open.)
    """
    import threading

    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(coroutine)
        except BaseException as error:
            result["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


async def fetch(url: str, cookie: str = "", **kwargs: Any) -> Any:
    """GET/POST without following redirects; returns the response whatever its status."""
    headers = {"Cookie": cookie, **kwargs.pop("headers", {})} if cookie else kwargs.pop("headers", {})
    request = HTTPRequest(url, follow_redirects=False, headers=headers, **kwargs)
    try:
        return await AsyncHTTPClient().fetch(request, raise_error=False)
    except HTTPClientError as error:
        return error.response


async def token_cookie(link_url: str) -> str:
    """Open a link as a browser would and return the Cookie header it earns (with the page itself, or with a
    redirect to the sign-in form when the link needs one)."""
    response = await fetch(link_url)
    assert response.code in (200, 303), (response.code, response.body[:200])
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("Set-Cookie"):
        jar.load(header)
    return "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())


class PageClient:
    """One visitor's connection; ``models`` mirrors the state of every widget the session opened."""

    def __init__(self, socket: WebSocketClientConnection) -> None:
        self.socket = socket
        self.models: dict[str, dict[str, Any]] = {}
        self.controls: list[dict[str, Any]] = []
        self.customs: list[tuple[str, dict[str, Any], list[bytes]]] = []
        """Custom messages from the widgets: (comm id, content, buffers)."""
        self.session: str | None = None
        self.next_id = 0

    @classmethod
    async def connect(
        cls, base_url: str, cookie: str, *, origin: str | None = None, session: str | None = None,
        headers: dict[str, str] | None = None, tree: dict[str, Any] | None = None,
    ) -> PageClient:  # fmt: skip
        parts = urlsplit(base_url)
        ws_url = f"ws://{parts.netloc}{parts.path}ws" + (f"?session={session}" if session else "")
        headers = {"Cookie": cookie, "Origin": origin or f"{parts.scheme}://{parts.netloc}", **(headers or {})}
        socket = await websocket_connect(HTTPRequest(ws_url, headers=headers))
        client = cls(socket)
        for item in (tree or {}).get("messages", []):  # the page's first tree comes before anything on the socket
            client.take(item["message"], [base64.b64decode(buffer) for buffer in item["buffers"]])
        expected = "nbshare_welcome" if session else "nbshare_display"  # a new session's widgets come first
        await client.until(lambda: any(c["msg_type"] == expected for c in client.controls))
        return client

    async def receive_one(self, timeout: float = 10) -> dict[str, Any] | None:
        frame = await asyncio.wait_for(self.socket.read_message(), timeout)
        if frame is None:
            return None
        assert isinstance(frame, bytes)
        message, buffers = decode_frame(frame)
        return self.take(message, buffers)

    def take(self, message: dict[str, Any], buffers: list[bytes]) -> dict[str, Any]:
        """Mirror one message from the session (from the websocket, or from the page's first tree)."""
        content = message.get("content", {})
        kind = message["msg_type"]
        if kind == "comm_open":
            self.models[content["comm_id"]] = dict(content["data"]["state"])
        elif kind == "comm_msg" and content["data"].get("method") == "update":
            self.models.setdefault(content["comm_id"], {}).update(content["data"]["state"])
        elif kind == "comm_msg" and content["data"].get("method") == "custom":
            self.customs.append((content["comm_id"], content["data"]["content"], [bytes(b) for b in buffers]))
        elif kind == "comm_close":
            self.models.pop(content["comm_id"], None)
        else:
            self.controls.append(message)
            if kind == "nbshare_welcome":
                self.session = content["session"]
        return message

    @classmethod
    async def from_page(cls, base_url: str, cookie: str, **options: Any) -> tuple[PageClient, dict[str, Any]]:
        """What a browser does: the page (with its first widget tree, which the client mirrors), then the websocket
        to that tree's session. Also returns the tree."""
        page = await fetch(base_url, cookie, headers=options.get("headers") or {})
        found = re.search(r'<script type="application/json" id="nbshare-first">(.*?)</script>', page.body.decode())
        assert found and found.group(1), "the page came without its first widget tree"
        tree = json.loads(found.group(1))
        client = await cls.connect(base_url, cookie, session=tree["welcome"]["session"], tree=tree, **options)
        return client, tree

    async def until(self, condition: Callable[[], Any], timeout: float = 10) -> Any:
        deadline = time.monotonic() + timeout
        while not (result := condition()):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the condition did not become true")
            if await self.receive_one(remaining) is None:
                raise ConnectionError(f"closed: {self.socket.close_code} {self.socket.close_reason}")
        return result

    def find(self, class_name: str, index: int = 0) -> str:
        ids = [cid for cid, state in self.models.items() if state.get("_anywidget_id", "").endswith(f".{class_name}")]
        return ids[index]

    def send(self, msg_type: str, comm_id: str, data: Any, buffers: list[bytes] = ()) -> str:  # type: ignore[assignment]
        self.next_id += 1
        message_id = f"t{self.next_id}"
        message = {"msg_type": msg_type, "msg_id": message_id, "content": {"comm_id": comm_id, "data": data}}
        self.socket.write_message(encode_frame(message, list(buffers)), binary=True)
        return message_id

    def update(self, comm_id: str, **state: Any) -> str:
        return self.send("comm_msg", comm_id, {"method": "update", "state": state, "buffer_paths": []})

    def custom(self, comm_id: str, content: dict[str, Any]) -> str:
        return self.send("comm_msg", comm_id, {"method": "custom", "content": content})

    def errors(self) -> list[str]:
        return [c["content"]["message"] for c in self.controls if c["msg_type"] == "nbshare_error"]

    def acked(self, message_id: str) -> bool:
        return any(c["msg_type"] == "nbshare_ack" and c["content"]["msg_id"] == message_id for c in self.controls)

    async def ask(self, text: str) -> Any:
        """Type ``text`` into the first Textbox, press Submit, and return the first Text output's new value."""
        textbox, actions, output = self.find("Textbox"), self.find("Actions"), self.find("Text")
        self.models[output]["value"] = None
        self.update(textbox, value=text)
        self.custom(actions, {"event": "submit"})
        await self.until(lambda: self.models[output].get("value") not in (None, ""))
        return self.models[output]["value"]

    def close(self) -> None:
        self.socket.close()
