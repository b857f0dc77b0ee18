"""A Python client for a shared interface's HTTP API (``api/openapi.json``, ``api/predict``, ``explain``, ``flag``).

Transport: the standard library, so the client needs nothing installed and imports nothing heavy (no tornado, no
requests/httpx). ``http.client`` keeps one connection per thread open between calls (keep-alive); when the
environment names an HTTP proxy for the host, ``urllib.request`` is used instead, so ``HTTP(S)_PROXY`` and
``NO_PROXY`` are honoured. Images, audio and files go as raw ``multipart/form-data`` parts (a data URL inside JSON
would be a third larger, base64, and cost an encode and a decode); other values go as JSON.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from http.client import HTTPConnection, HTTPSConnection, RemoteDisconnected
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import numpy as np

from .runtime.pipeline import input_row
from .values.client_values import BINARY, decode_file, decode_output, describe, json_body, multipart_body

__all__ = ["Client", "ClientError"]

MAX_WAIT_SECONDS = 60.0
"""How long one call may wait in all, when the server says it is over its rate limit (429 with Retry-After)."""
MAX_ANSWER_BYTES = 1 << 30
"""The largest answer a client reads (``Client.max_answer_bytes``): a server cannot make it hold more."""
Answer = tuple[int, float | None, str, bytes]  # status, Retry-After seconds, content type, body


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are not followed: they would carry the link's token (``Authorization``) to wherever they point."""

    def redirect_request(self, *_args: Any) -> None:
        return None


class ClientError(RuntimeError):
    """The server refused or failed a request: ``status`` (None when it could not be reached), the server's
    ``message`` and, when one input was at fault, its label in ``input``."""

    def __init__(self, status: int | None, message: str, input: str | None = None) -> None:
        super().__init__(f"{status}: {message}" if status else message)
        self.status = status
        self.message = message
        self.input = input


class Client:
    """Call a shared interface from Python, with the same link (and sign-in) a visitor uses.

    Parameters
    ----------
    url
        The link (``http://…/?token=…``: the token is taken from it) or the page's address with ``token=``.
    token
        The link's token, when ``url`` does not carry it.
    auth
        ``("user", "password")`` for an interface launched with ``auth=``.
    headers
        Extra headers for every request, e.g. ``{"Cookie": "..."}`` with a Jupyter login when the link goes
        through jupyter-server-proxy (Jupyter checks its own sign-in before the request reaches the interface).
    timeout
        Seconds to wait for the server on each request.
    """

    def __init__(
        self,
        url: str,
        token: str | None = None,
        auth: tuple[str, str] | None = None,
        *,
        headers: dict[str, str] | None = None,
        timeout: float = 300.0,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"Client needs the link's http(s) address, got {url!r}")
        linked = [value for key, value in parse_qsl(parts.query) if key == "token"]
        token = token or (linked[0] if linked else None)
        if not token:
            raise ValueError("the link's token is missing: pass the whole link (…/?token=…) or token=")
        path = parts.path if parts.path.endswith("/") else parts.path + "/"
        self.url = urlunsplit((parts.scheme, parts.netloc, path, "", ""))
        """The page's address, without the token; the API's paths are relative to it."""
        self.timeout = timeout
        self._headers = dict(headers or {})
        if auth is not None:
            user, password = auth
            pair = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
            self._headers.update({"Authorization": f"Basic {pair}", "X-Nbshare-Token": token})
        else:
            self._headers["Authorization"] = f"Bearer {token}"
        self._parts = parts._replace(path=path, query="", fragment="")  # the token never goes in a URL
        self._via_proxy = bool(urllib.request.getproxies().get(parts.scheme)) and not urllib.request.proxy_bypass(
            parts.hostname
        )
        self._keep_alive = True
        self._here = _loopback(parts.hostname)  # a server on this machine: send pixels uncompressed
        self._local = threading.local()
        self._open: list[tuple[threading.Thread, HTTPConnection]] = []
        self._lock = threading.Lock()
        self._info: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"Client({self.url!r})"  # never the token

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections this client keeps open."""
        with self._lock:
            opened, self._open = self._open, []
        for _thread, connection in opened:
            connection.close()
        self._local = threading.local()

    # -- the API ---------------------------------------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        """What the interface takes and returns, from its OpenAPI description (fetched once).

        ``{"title", "version", "inputs": [{"name", "kind", "schema"}], "outputs": [...], "explain": bool,
        "flag": bool}``; ``kind`` is "text", "number", "checkbox", "choice", "table", "image", "audio", "file",
        "label" or "json"; ``schema`` is the value's JSON schema (limits, choices, examples).
        """
        if self._info is None:
            try:
                self._info = describe(self._call("GET", "api/openapi.json"))
            except ValueError as error:
                raise ClientError(None, f"{self.url}api/openapi.json: {error}") from None
        return self._info

    def predict(self, *values: Any) -> Any:
        """The interface's answer for ``values`` (one per input, as for ``Interface.predict``).

        One output: its value; several: a list. Images come back as numpy uint8 arrays, audio as
        ``(sample_rate, samples)``, tables as DataFrames, files as paths of local copies, labels as dicts.
        """
        outputs = self._predict(values)
        return outputs[0] if len(outputs) == 1 else outputs

    def explain(self, *values: Any) -> dict[str, Any]:
        """What in the inputs moved the answer: ``{"summary", "inputs": [{"name", "kind", "map", "pieces"}]}``;
        an image input's ``map`` is a float32 numpy array of the image's size."""
        answer = self._send("api/explain", values)
        for entry in answer.get("inputs", []):
            if entry.get("map") is not None:
                entry["map"] = np.asarray(entry["map"], dtype=np.float32)
        return answer

    def flag(self, values: Any, message: str = "", option: str | None = None) -> str:
        """Flag ``values`` (one per input; a bare value with one input) for the researcher; returns the flag's id.

        It is recorded with session "api" (and the signed-in user with ``auth=``)."""
        inputs = self.info()["inputs"]
        row = input_row(values, len(inputs), "flag(values)")
        body = json_body(inputs, row, self._here, message=message, option=option)
        return str(self._call("POST", "api/flag", body, "application/json")["id"])

    def process(self, rows: Any, *, progress: bool = True) -> Any:
        """Run many rows through ``predict`` and return a pandas DataFrame like ``Interface.process``: a column per
        input and per output, and ``error`` (the server's message for a row that failed; the others are kept).

        ``rows``: a list of rows (with one input, bare values) or a DataFrame with a column per input (by label,
        else in order). At most 4 requests are in flight; the interface's queue still runs the model in turn.
        """
        import pandas as pd

        info = self.info()
        names = [spec["name"] for spec in info["inputs"]]
        listed = _rows(rows, names)
        bar = _Progress(len(listed)) if progress else None
        results: list[tuple[list[Any] | None, str | None]] = [(None, None)] * len(listed)
        try:
            with ThreadPoolExecutor(
                max_workers=max(1, min(4, len(listed))), thread_name_prefix="nbshare-client"
            ) as pool:
                pending = {pool.submit(self._predict_row, row): number for number, row in enumerate(listed)}
                for future in as_completed(pending):
                    results[pending[future]] = future.result()
                    if bar is not None:
                        bar.update()
        finally:
            if bar is not None:
                bar.close()
            self._close_finished_threads()
        outputs = [o["name"] if o["name"] not in names else f"{o['name']} (output)" for o in info["outputs"]]
        records = []
        for row, (answer, error) in zip(listed, results, strict=True):
            record = dict(zip(names, row, strict=True))
            record.update(zip(outputs, answer if answer is not None else [None] * len(outputs), strict=True))
            record["error"] = error
            records.append(record)
        return pd.DataFrame(records, columns=[*names, *outputs, "error"])

    # -- requests --------------------------------------------------------------------------------------------

    def _predict(self, values: Sequence[Any]) -> list[Any]:
        outputs = self.info()["outputs"]
        if len(outputs) == 1 and outputs[0]["kind"] in ("image", "audio"):  # its bytes as they are, no base64
            answer = self._send("api/predict?raw=1", values)
            return [decode_file(*answer) if isinstance(answer, tuple) else decode_output("image", answer["outputs"])]
        answer = self._send("api/predict", values)["outputs"]
        kinds = {spec["name"]: spec["kind"] for spec in outputs}
        return [decode_output(kinds.get(name, "json"), value) for name, value in answer.items()]

    def _predict_row(self, row: list[Any]) -> tuple[list[Any] | None, str | None]:
        try:
            return self._predict(row), None
        except ClientError as error:
            return None, error.message
        except Exception as error:  # a value this side could not encode: that row's error, the others go on
            return None, f"{type(error).__name__}: {error}"

    def _send(self, path: str, values: Sequence[Any]) -> Any:
        inputs = self.info()["inputs"]
        if len(values) != len(inputs):
            raise TypeError(f"the interface takes {len(inputs)} value(s), one per input; got {len(values)}")
        if any(spec["kind"] in BINARY for spec in inputs):
            body, content_type = multipart_body(inputs, values, self._here)
        else:
            body, content_type = json_body(inputs, values, self._here), "application/json"
        return self._call("POST", path, body, content_type)

    def _call(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None) -> Any:
        headers = {**self._headers, "Accept": "application/json"}
        if content_type is not None:
            headers["Content-Type"] = content_type
        send = self._urllib if self._via_proxy else self._http
        waited = 0.0
        while True:
            status, retry_after, media, data = send(method, self._parts.path + path, body, headers)
            delay = max(retry_after or 0.0, 0.05)
            if status != 429 or retry_after is None or waited + delay > MAX_WAIT_SECONDS:
                break
            time.sleep(delay)  # over the link's rate limit: refused before any work, so asking again is safe
            waited += delay
        if status == 200 and media.split(";")[0].strip() in ("image/png", "audio/wav"):
            return data, media.split(";")[0].strip()  # a raw answer (?raw=1)
        try:
            payload = json.loads(data) if data else None
        except ValueError:
            payload = None
        if status >= 300 or payload is None:
            if isinstance(payload, dict) and isinstance(payload.get("error"), str):
                raise ClientError(status, payload["error"], payload.get("input"))
            text = data.decode("utf-8", "replace").strip()
            if not text or text.startswith("<") or len(text) > 300:  # a web page, a redirect: not the interface's
                text = (f"the answer to {path} is not the interface's (HTTP {status}); is something in front of it, "
                        "such as Jupyter's sign-in for a /proxy/ link? (headers= can carry its cookie)")  # fmt: skip
            raise ClientError(status, text)
        return payload

    max_answer_bytes = MAX_ANSWER_BYTES

    def _read(self, response: Any) -> bytes:
        """The answer's body, refused when over :attr:`max_answer_bytes` (as announced, or as it arrives)."""
        declared = str((response.headers or {}).get("Content-Length") or "").strip()
        if not (declared.isdigit() and int(declared) > self.max_answer_bytes):
            data: bytes = response.read(self.max_answer_bytes + 1)
            if len(data) <= self.max_answer_bytes:
                return data
        raise ClientError(None, f"the answer from {self.url} is over {self.max_answer_bytes:,} bytes; not read "
                                "(raise Client.max_answer_bytes if it should be this large)")  # fmt: skip

    def _http(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Answer:
        for attempt in (1, 2):
            connection, reused = self._connection()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                try:
                    data = self._read(response)
                except ClientError:
                    self._forget(connection)
                    raise
            except (RemoteDisconnected, ConnectionResetError, BrokenPipeError) as error:
                self._forget(connection)
                if reused and attempt == 1:
                    continue  # the server closed an idle kept-alive connection: once more on a fresh one
                raise ClientError(None, f"the server at {self.url} closed the connection ({error})") from None
            except OSError as error:
                self._forget(connection)
                raise ClientError(None, f"cannot reach {self.url}: {error}") from None
            if response.will_close or not self._keep_alive:
                self._forget(connection)
            return (
                response.status,
                _seconds(response.getheader("Retry-After")),
                response.getheader("Content-Type", ""),
                data,
            )
        raise AssertionError("unreachable")

    def _urllib(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Answer:
        url = urlunsplit(self._parts._replace(path=path))
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            opener = urllib.request.build_opener(_NoRedirect)  # built now: it reads the proxy settings of now
            with opener.open(request, timeout=self.timeout) as response:
                return response.status, None, response.headers.get("Content-Type", ""), self._read(response)
        except urllib.error.HTTPError as error:
            return error.code, _seconds(error.headers.get("Retry-After")), "", self._read(error)
        except (urllib.error.URLError, OSError) as error:
            raise ClientError(None, f"cannot reach {self.url}: {error}") from None

    def _connection(self) -> tuple[HTTPConnection, bool]:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            return connection, True
        kind = HTTPSConnection if self._parts.scheme == "https" else HTTPConnection
        connection = kind(self._parts.hostname or "", self._parts.port, timeout=self.timeout)
        self._local.connection = connection
        with self._lock:
            self._open.append((threading.current_thread(), connection))
        return connection, False

    def _forget(self, connection: HTTPConnection) -> None:
        connection.close()
        self._local.connection = None
        with self._lock:
            self._open = [(t, c) for t, c in self._open if c is not connection]

    def _close_finished_threads(self) -> None:
        with self._lock:
            finished = [c for t, c in self._open if not t.is_alive()]
            self._open = [(t, c) for t, c in self._open if t.is_alive()]
        for connection in finished:
            connection.close()


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _seconds(header: str | None) -> float | None:
    try:
        return max(0.0, float(header)) if header is not None else None
    except ValueError:
        return None


def _rows(rows: Any, names: list[str]) -> list[list[Any]]:
    if hasattr(rows, "iloc") and hasattr(rows, "columns"):
        if all(name in rows.columns for name in names):
            columns = [rows[name].tolist() for name in names]
        elif len(rows.columns) == len(names):
            columns = [rows.iloc[:, i].tolist() for i in range(len(names))]
        else:
            raise ValueError(f"the DataFrame needs a column per input ({', '.join(names)})")
        return [list(row) for row in zip(*columns, strict=True)]
    if isinstance(rows, str) or not isinstance(rows, Sequence):
        raise TypeError(f"process() takes a list of rows or a DataFrame, got {type(rows).__name__}")
    return [input_row(row, len(names), f"row {number}") for number, row in enumerate(rows, start=1)]


class _Progress:
    """tqdm's bar when tqdm is installed, else a line on stderr that counts up."""

    def __init__(self, total: int) -> None:
        self.total, self.done = total, 0
        try:
            from tqdm.auto import tqdm
        except ImportError:
            self._bar: Any = None
        else:
            self._bar = tqdm(total=total, desc="Processing", unit="row")

    def update(self) -> None:
        self.done += 1
        if self._bar is not None:
            self._bar.update(1)
        else:
            print(f"\rProcessing: {self.done:,} / {self.total:,} rows", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        else:
            print(file=sys.stderr, flush=True)
