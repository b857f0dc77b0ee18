"""An attacker's look at the HTTP API, over real sockets: someone with the link, with only its URL, a foreign page,
and a malicious server that a researcher's Client connects to."""

from __future__ import annotations

import base64
import http.server
import json
import os
import socket
import struct
import threading
import urllib.parse
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_api import answer, base, multipart, request, token

import nbshare
from nbshare.values.client_values import decode_file

from waiting import until


def shout(text: str, times: float) -> tuple[str, float]:
    return text.upper(), times * 2


def describe_file(path: str) -> str:
    return f"{os.path.dirname(path) != ''} {os.path.basename(path)}"


@pytest.fixture(scope="module")
def link(tmp_path_factory: pytest.TempPathFactory) -> Iterator[nbshare.Link]:
    iface = nbshare.Interface(
        shout,
        [nbshare.Textbox(label="Text", max_length=50), nbshare.Number(label="Times", minimum=0, maximum=10)],
        [nbshare.Text(label="Echo"), nbshare.Number(label="Double")],
        flagging_dir=tmp_path_factory.mktemp("flags"),
        flagging_options=["wrong"],
    )
    link = iface.launch(inline=False, max_message_bytes=200_000)
    yield link
    link.close()


def raw_socket(link: nbshare.Link, head: str, body: bytes = b"") -> socket.socket:
    parts = urllib.parse.urlsplit(base(link))
    connection = socket.create_connection((parts.hostname, parts.port), timeout=30)
    connection.sendall(head.encode() + b"\r\n" + body)
    return connection


def reply_status(connection: socket.socket) -> int | None:
    """The status of the answer on ``connection``, None when it closed without one."""
    data = b""
    while b"\r\n" not in data:
        chunk = connection.recv(4096)
        if not chunk:
            return None
        data += chunk
    return int(data.split(b" ", 2)[1])


# -- access ----------------------------------------------------------------------------------------------------------


PATHS = ["api/predict", "api/predict/", "api//predict", "api/%2e%2e/api/predict", "api/./predict", "api/flag",
         "api/openapi.json", "api/explain", "api/%70redict"]  # fmt: skip


def test_every_api_path_and_method_needs_the_token() -> None:
    iface = nbshare.Interface(shout, [nbshare.Textbox(label="Text"), nbshare.Number(label="Times")], ["text", "number"])
    link = iface.launch(inline=False)  # its own link: these requests use up the address's rate
    try:
        body = json.dumps({"inputs": {"Text": "hi", "Times": 1}}).encode()
        for path in PATHS:
            for method in ("GET", "POST", "HEAD", "PUT", "DELETE", "PATCH"):
                for wrong in ({}, {"Authorization": f"Bearer {token(link)[:-1]}x"}):
                    status, headers, data = request(link, path, bearer=False, raw=None if method == "HEAD" else body,
                                                    method=method, headers={"Content-Type": "application/json",
                                                                            **wrong})  # fmt: skip
                    assert status in (401, 429), (path, method, status, data[:200])  # 429: refused even earlier
                    assert "Set-Cookie" not in headers and b"outputs" not in data
    finally:
        link.close()


def test_a_case_variant_of_the_api_path_never_runs_the_model(link: nbshare.Link) -> None:
    for path in ("API/predict", "Api/predict"):
        status, _headers, data = request(link, path, {"inputs": {"Text": "hi", "Times": 1}})
        assert status in (403, 404, 405), (path, status)
        assert b'"outputs"' not in data


def test_the_pages_cookie_is_no_key_to_the_api(link: nbshare.Link) -> None:
    assert link.server is not None
    jar = f"{link.server.access.cookie_name}={token(link)}"  # what a visitor's browser holds after the first visit
    status, _ = answer(link, "api/predict", {"inputs": {"Text": "hi", "Times": 1}}, bearer=False,
                       headers={"Cookie": jar})  # fmt: skip
    assert status == 401


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://127.0.0.1"])
def test_a_foreign_origin_gets_no_cors_and_no_preflight(link: nbshare.Link, origin: str) -> None:
    status, headers, _ = request(link, "api/predict", bearer=False, method="OPTIONS", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})  # fmt: skip
    assert status == 403 and "Access-Control-Allow-Origin" not in headers
    status, headers, _ = request(link, "api/predict", {"inputs": {"Text": "hi", "Times": 1}},
                                 headers={"Origin": origin})  # fmt: skip
    assert status == 200 and "Access-Control-Allow-Origin" not in headers
    assert "Access-Control-Allow-Credentials" not in headers


def test_refusals_never_echo_the_token_or_a_path_of_the_kernel(link: nbshare.Link) -> None:
    secret = token(link)
    for headers in ({"Authorization": f"Bearer {secret}x"}, {"Authorization": f"Basic {secret}"}):
        _status, _headers, data = request(link, "api/predict", {"inputs": {}}, bearer=False, headers=headers)
        assert secret.encode() not in data
    _status, _headers, data = request(link, "api/openapi.json")
    assert secret.encode() not in data and os.getcwd().encode() not in data
    assert str(link.server.interface.flag_store.folder).encode() not in data  # type: ignore[union-attr]


# -- the rate limiter --------------------------------------------------------------------------------------------------


def test_a_client_that_leaves_mid_body_gives_its_place_back_and_a_forwarded_for_header_is_no_new_address(
    link: nbshare.Link,
) -> None:
    assert link.server is not None
    limiter = link.server.api_rate
    path = urllib.parse.urlsplit(base(link)).path + "api/predict"
    stalled = [
        raw_socket(
            link,
            f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token(link)}\r\n"
            f"Content-Type: application/json\r\nContent-Length: 1000\r\nX-Forwarded-For: 10.0.0.{n}\r\n",
            b'{"inputs": ',
        )
        for n in range(limiter.max_in_flight)
    ]
    try:
        until(lambda: limiter._open.get("127.0.0.1") == limiter.max_in_flight)
        status, refusal = answer(link, "api/predict", {"inputs": {"Text": "hi", "Times": 1}},
                                 headers={"X-Forwarded-For": "10.9.9.9", "X-Real-IP": "10.9.9.8"})  # fmt: skip
        assert status == 429 and "already open" in refusal["error"]
    finally:
        for connection in stalled:
            connection.close()
    until(lambda: "127.0.0.1" not in limiter._open)  # before: the 8 places were held for good, 429 for ever
    assert answer(link, "api/predict", {"inputs": {"Text": "hi", "Times": 1}})[0] == 200


# -- bodies -----------------------------------------------------------------------------------------------------------


def test_deeply_nested_json_is_a_400_not_a_500(link: nbshare.Link) -> None:
    deep = b'{"inputs": {"Text": ' + b"[" * 90_000 + b"]" * 90_000 + b', "Times": 1}}'
    status, refusal = answer(link, "api/predict", raw=deep, headers={"Content-Type": "application/json"})
    assert status == 400 and "deep" in refusal["error"]
    nested: Any = 1
    for _ in range(500):
        nested = [nested]
    flag = {"inputs": {"Text": "hi", "Times": 1}, "outputs": {"Echo": nested}}
    status, refusal = answer(link, "api/flag", flag)
    assert status == 400 and "deep" in refusal["error"]
    body, kind = multipart([("Text", json.dumps(nested).encode(), None), ("Times", b"1", None)])
    status, refusal = answer(link, "api/predict", raw=body, headers={"Content-Type": kind})
    assert status == 400 and refusal["input"] == "Text"


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e999", b"9" * 5000, b"1" * 4000])
def test_numbers_that_are_not_finite_or_too_long_are_400(link: nbshare.Link, number: bytes) -> None:
    body = b'{"inputs": {"Text": "hi", "Times": ' + number + b"}}"
    status, refusal = answer(link, "api/predict", raw=body, headers={"Content-Type": "application/json"})
    assert status == 400, refusal


def test_a_lone_surrogate_is_a_400_not_a_500(link: nbshare.Link) -> None:
    body = b'{"inputs": {"Text": "a\\ud800b", "Times": 1}}'
    status, refusal = answer(link, "api/predict", raw=body, headers={"Content-Type": "application/json"})
    assert status == 400 and "Unicode" in refusal["error"]
    body = b'{"inputs": {"Text": "\\ud83d\\ude00", "Times": 1}}'  # a real pair is a real character
    assert answer(link, "api/predict", raw=body, headers={"Content-Type": "application/json"})[0] == 200


def test_a_chunked_body_over_the_limit_is_cut_off_and_the_server_lives_on(link: nbshare.Link) -> None:
    path = urllib.parse.urlsplit(base(link)).path + "api/predict"
    connection = raw_socket(link, f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token(link)}\r\n"
                                  "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n")  # fmt: skip
    chunk = b"a" * 65536
    try:
        for _ in range(8):  # 512 KB against a 200 KB limit
            connection.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
    except OSError:
        pass  # the server closed the connection: refused
    assert reply_status(connection) in (None, 400, 413)
    connection.close()
    assert answer(link, "api/predict", {"inputs": {"Text": "hi", "Times": 1}})[0] == 200


# -- files and choices -------------------------------------------------------------------------------------------------


def png_header_only(width: int, height: int) -> bytes:
    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + chunk(b"IEND", b"")
    )


def test_files_are_bytes_never_paths_and_bombs_are_refused_from_their_header(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("private")
    iface = nbshare.Interface(
        lambda picture, clip, path, pick: (picture.shape[0], describe_file(path), pick),
        [nbshare.Image(label="Scan"), nbshare.Audio(label="Clip"), nbshare.File(label="Doc"),
         nbshare.Radio(["a", "b"], label="Pick")],
        [nbshare.Number(label="Rows"), nbshare.Text(label="Doc name"), nbshare.Text(label="Picked")],
    )  # fmt: skip
    link = iface.launch(inline=False)
    try:
        png = "data:image/png;base64," + base64.b64encode(png_header_only(30_000, 30_000)).decode()
        wav = b"RIFF\xff\xff\xff\xffWAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16)
        wav += b"data\xff\xff\xff\xff" + b"\0" * 64
        wav_url = "data:audio/wav;base64," + base64.b64encode(wav).decode()
        doc = "data:application/octet-stream;name=..%2F..%2Fetc%2Fpasswd;base64," + base64.b64encode(b"x").decode()
        good = {"Scan": png, "Clip": wav_url, "Doc": doc, "Pick": "a"}
        status, refusal = answer(link, "api/predict", {"inputs": good})
        assert status == 400 and refusal["input"] == "Scan" and "pixel" in refusal["error"]
        for label, value in [("Scan", str(secret)), ("Clip", str(secret)), ("Doc", str(secret)),
                             ("Doc", f"data:text/plain,{secret}"), ("Scan", "data:image/png;base64,@@@"),
                             ("Scan", "data:image/png," + "x" * 10), ("Pick", "c"), ("Pick", ["a"])]:  # fmt: skip
            status, refusal = answer(link, "api/predict", {"inputs": {**good, "Scan": "", label: value}})
            assert status == 400, (label, value)
            assert "private" not in json.dumps(refusal)
        small = base64.b64encode(png_header_only(4, 4)).decode()
        status, _result = answer(link, "api/predict", {"inputs": {**good, "Scan": "data:image/png;base64," + small}})
        assert status in (200, 400)  # the tiny PNG's IDAT is short: either way, no 500
        status, refusal = answer(link, "api/predict", {"inputs": {**good, "Doc": doc, "Scan": _real_png()}})
        assert status == 200, refusal
        assert refusal["outputs"]["Doc name"] == "True passwd"  # a temporary copy named by its last part only
    finally:
        link.close()


def _real_png() -> str:
    import io

    import numpy as np
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.zeros((4, 4, 3), dtype=np.uint8)).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_a_ragged_or_huge_table_is_400() -> None:
    iface = nbshare.Interface(lambda table: len(table), nbshare.Dataframe(label="Table", max_rows=10), "number")
    link = iface.launch(inline=False)
    try:
        for table in ({"columns": ["a", "b"], "data": [[1, 2], [3]]},
                      {"columns": ["a"], "data": [[1]] * 11}, {"columns": "a", "data": []}):  # fmt: skip
            status, refusal = answer(link, "api/predict", {"inputs": {"Table": table}})
            assert status == 400 and refusal["input"] == "Table", table
    finally:
        link.close()


# -- a malicious server, as the researcher's Client sees it ------------------------------------------------------------


class _Evil(http.server.BaseHTTPRequestHandler):
    seen: list[tuple[str, str | None]] = []  # noqa: RUF012
    mode = "redirect"

    def do_GET(self) -> None:
        _Evil.seen.append((self.path, self.headers.get("Authorization")))
        if self.mode == "redirect" and "evil.example" not in self.path:
            self.send_response(302)
            self.send_header("Location", "http://evil.example/steal")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = {"huge": b"x" * 5000, "loop": json.dumps({"$ref": "#/loop", "paths": {"/api/predict": {"post": {
            "operationId": "predict", "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/a"}}}}}}},
            "a": {"$ref": "#/a"}}).encode()}.get(self.mode, b"{}")  # fmt: skip
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def evil() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Evil)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Evil.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_client_never_follows_a_redirect_with_the_token_through_a_proxy(
    evil: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", evil)  # the proxy is the malicious server too: it sees every request
    _Evil.mode = "redirect"
    client = nbshare.Client("http://interface.example/?token=SECRET")
    with pytest.raises(nbshare.ClientError):
        client.info()
    assert [path for path, _auth in _Evil.seen] == ["http://interface.example/api/openapi.json"]  # not the redirect


def test_the_client_never_follows_a_redirect_directly(evil: str) -> None:
    _Evil.mode = "redirect"
    client = nbshare.Client(f"{evil}/?token=SECRET")
    with pytest.raises(nbshare.ClientError):
        client.info()
    assert [auth for _path, auth in _Evil.seen] == ["Bearer SECRET"]


def test_the_client_reads_no_more_than_max_answer_bytes(evil: str) -> None:
    _Evil.mode = "huge"
    client = nbshare.Client(f"{evil}/?token=SECRET")
    client.max_answer_bytes = 1000
    with pytest.raises(nbshare.ClientError, match="max_answer_bytes"):
        client.info()


def test_a_description_whose_refs_go_round_is_refused_not_followed_for_ever(evil: str) -> None:
    _Evil.mode = "loop"
    client = nbshare.Client(f"{evil}/?token=SECRET")
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            client.info()
            outcome.append(None)
        except BaseException as error:
            outcome.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    until(lambda: outcome, within=30)  # before: the client spun for ever
    assert isinstance(outcome[0], Exception) and "$ref" in str(outcome[0])


@pytest.mark.parametrize("name", ["..", ".", "../../../tmp/x", "a/../..", "\\..\\..\\x", "nul\0l"])
def test_a_file_answer_is_written_inside_its_own_folder_whatever_its_name(name: str) -> None:
    path = decode_file(b"data", "application/octet-stream", name)
    assert os.path.isfile(path) and os.path.basename(os.path.dirname(path)).startswith("nbshare-client-")
    assert Path(path).read_bytes() == b"data"


def test_a_decompression_bomb_answer_is_refused_by_the_client() -> None:
    with pytest.raises(Exception, match=r"(?i)decompression|pixels"):
        decode_file(png_header_only(30_000, 30_000), "image/png")
