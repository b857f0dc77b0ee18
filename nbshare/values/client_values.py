"""The HTTP API's values as a client sends and reads them: the OpenAPI description summarised, inputs as multipart
parts or JSON (data URLs), answers decoded back to numpy arrays, ``(rate, samples)``, DataFrames and file paths."""

from __future__ import annotations

import io
import json
import mimetypes
import os
import secrets
import struct
import tempfile
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from .dataurl import decode_data_url, encode_data_url

__all__ = [
    "BINARY",
    "decode_file",
    "decode_output",
    "describe",
    "json_body",
    "json_value",
    "multipart_body",
    "stored_png",
]

BINARY = ("image", "audio", "file")
_SIGNATURES = {b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg", b"GIF8": "image/gif", b"RIFF": "audio/wav"}


# -- the description ---------------------------------------------------------------------------------------------


def describe(spec: dict[str, Any]) -> dict[str, Any]:
    """The client's summary of an OpenAPI description (see :meth:`Client.info`)."""
    operations: dict[str, dict[str, Any]] = {}
    for path, item in spec.get("paths", {}).items():
        for operation in item.values():
            if isinstance(operation, dict):
                operations[operation.get("operationId") or path.rstrip("/").rsplit("/", 1)[-1]] = operation
    if "predict" not in operations:
        raise ValueError("the API description has no predict operation")
    predict = operations["predict"]
    content = predict.get("requestBody", {}).get("content", {})
    request = _resolve(spec, content.get("application/json", {}).get("schema", {}))
    form = _resolve(spec, content.get("multipart/form-data", {}).get("schema", {})).get("properties", {})
    inputs = _resolve(spec, request.get("properties", {}).get("inputs", {})).get("properties", {})
    answer = predict.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {})
    response = _resolve(spec, answer.get("schema", {}))
    outputs = _resolve(spec, response.get("properties", {}).get("outputs", {})).get("properties", {})

    def entry(name: str, schema: dict[str, Any], part: dict[str, Any] | None = None) -> dict[str, Any]:
        resolved = _resolve(spec, schema)
        return {"name": name, "kind": _kind(resolved, _resolve(spec, part or {})), "schema": resolved}

    return {
        "title": spec.get("info", {}).get("title", ""),
        "version": spec.get("info", {}).get("version", ""),
        "inputs": [entry(name, schema, form.get(name)) for name, schema in inputs.items()],
        "outputs": [entry(name, schema) for name, schema in outputs.items()],
        "explain": "explain" in operations,
        "flag": "flag" in operations,
    }


MAX_REF_HOPS = 32
"""``$ref`` links followed in a row: a description whose references go round in a circle is refused, not followed."""


def _resolve(spec: dict[str, Any], schema: Any) -> dict[str, Any]:
    for _hop in range(MAX_REF_HOPS):
        if not (isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and schema["$ref"].startswith("#/")):
            return schema if isinstance(schema, dict) else {}
        target: Any = spec
        for key in schema["$ref"][2:].split("/"):
            target = target.get(key.replace("~1", "/").replace("~0", "~"), {}) if isinstance(target, dict) else {}
        schema = target
    raise ValueError(f"the API description's $ref links go more than {MAX_REF_HOPS} deep (in a circle?)")


def _kind(schema: dict[str, Any], part: dict[str, Any]) -> str:
    """What a value is, from its JSON schema (and its multipart part's): the client encodes and decodes by it."""
    for choice in schema.get("anyOf", schema.get("oneOf", [])):  # a value or null: the value's schema
        if isinstance(choice, dict) and choice.get("type") != "null":
            return _kind(choice, part)
    declared = schema.get("x-nbshare-kind")
    if isinstance(declared, str):
        return declared
    media = str(schema.get("contentMediaType") or part.get("contentMediaType") or "")
    if media or str(schema.get("pattern", "")).startswith("^data:") or part.get("format") == "binary":
        said = f"{media} {schema.get('description', '')}"  # "... as a data URL, e.g. data:image/png;base64,..."
        return next((kind for kind in ("image", "audio") if f"{kind}/" in said), "file")
    properties = schema.get("properties", {})
    if {"columns", "data"} <= properties.keys():
        return "table"
    if {"label", "confidences"} <= properties.keys():
        return "label"
    if "enum" in schema:
        return "choice"
    types = schema.get("type")
    named = next((t for t in types if t != "null"), None) if isinstance(types, list) else types
    kinds = {"string": "text", "number": "number", "integer": "number", "boolean": "checkbox"}
    return kinds.get(named, "json") if isinstance(named, str) else "json"


# -- values --------------------------------------------------------------------------------------------------------


def _binary(kind: str, value: Any, label: str, fast: bool = False) -> tuple[bytes, str, str]:
    """``(bytes, media type, file name)`` of an image, audio or file input's value; ``fast``: an array as a PNG
    whose pixels are stored, not compressed (1 ms instead of 20-40 ms for 512×512, for a server on this machine)."""
    if isinstance(value, str | os.PathLike):
        with open(value, "rb") as handle:
            data = handle.read()
        name = os.path.basename(os.fspath(value))
        return data, mimetypes.guess_type(name)[0] or _sniff(data), name
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        return data, _sniff(data), f"{kind}{mimetypes.guess_extension(_sniff(data)) or ''}"
    if kind == "image":
        from .imaging import encode_png, to_array

        if hasattr(value, "save") and hasattr(value, "mode"):  # a PIL image, in its own mode
            buffer = io.BytesIO()
            value.save(buffer, "PNG", compress_level=1)
            return buffer.getvalue(), "image/png", "image.png"
        array = np.asarray(value)
        mode = "L" if array.ndim == 2 or (array.ndim == 3 and array.shape[2] == 1) else "RGBA"
        mode = "RGB" if array.ndim == 3 and array.shape[2] == 3 else mode
        pixels = to_array(array, mode=mode, max_pixels=2**40)
        return (stored_png(pixels) if fast else encode_png(pixels)), "image/png", "image.png"
    if kind == "audio" and isinstance(value, tuple | list) and len(value) == 2:
        from .sound import encode_wav

        rate, samples = value
        return encode_wav(np.asarray(samples), int(rate), float32=True), "audio/wav", "audio.wav"
    raise TypeError(f"{label}: a {kind} must be a path or bytes{_shapes(kind)}, got {type(value).__name__}")


def _shapes(kind: str) -> str:
    return {"image": ", a numpy array or a PIL image", "audio": " or (sample_rate, samples)"}.get(kind, "")


def _sniff(data: bytes) -> str:
    return next((media for head, media in _SIGNATURES.items() if data.startswith(head)), "application/octet-stream")


def json_value(kind: str, value: Any, label: str, fast: bool = False) -> Any:
    """A value as JSON: binary kinds as data URLs, tables as ``{"columns", "data"}``."""
    if kind in BINARY:
        data, media, name = _binary(kind, value, label, fast)
        return encode_data_url(data, media, name)
    if kind == "table" and hasattr(value, "columns") and hasattr(value, "to_numpy"):
        return {"columns": [str(c) for c in value.columns], "data": value.to_numpy(dtype=object).tolist()}
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be sent as JSON")


def multipart_body(inputs: list[dict[str, Any]], values: Sequence[Any], fast: bool = False) -> tuple[bytes, str]:
    boundary = f"nbshare-{secrets.token_hex(16)}"
    chunks: list[bytes] = []
    for spec, value in zip(inputs, values, strict=True):
        name = _quoted(spec["name"])
        if spec["kind"] in BINARY:
            data, media, file_name = _binary(spec["kind"], value, spec["name"], fast)
            disposition = f'form-data; name="{name}"; filename="{_quoted(file_name)}"'
        else:
            data = json.dumps(json_value(spec["kind"], value, spec["name"]), default=_json_default).encode()
            disposition, media = f'form-data; name="{name}"', "application/json"
        head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: {media}\r\n\r\n"
        chunks += [head.encode(), data, b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", " ").replace("\n", " ")


def decode_output(kind: str, value: Any) -> Any:
    """An output's JSON value as ``Interface.predict`` returns it."""
    if value is None:
        return None
    if kind == "table" and isinstance(value, dict):
        import pandas as pd

        return pd.DataFrame(value.get("data", []), columns=value.get("columns"))
    if not (isinstance(value, str) and value.startswith("data:")) or kind not in BINARY:
        return value
    data, media, name = decode_data_url(value, "the answer")
    return decode_file(data, media, name)


def decode_file(data: bytes, media: str, name: str = "") -> Any:
    """An image as a numpy array, a WAV as ``(rate, samples)`` (1-D when mono), anything else as a local copy's path."""
    if media.startswith("image/"):
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            image = image if image.mode in ("L", "RGB", "RGBA") else image.convert("RGBA")
            return np.asarray(image).copy()
    if media in ("audio/wav", "audio/x-wav", "audio/wave"):
        from .sound import decode_wav

        rate, samples = decode_wav(data)
        return rate, samples[:, 0] if samples.shape[1] == 1 else samples
    folder = tempfile.mkdtemp(prefix="nbshare-client-")
    base = os.path.basename(name.replace("\\", "/")).replace("\0", "")
    path = os.path.join(folder, base if base.strip(". ") else "file")  # never '..' nor a path: inside its folder
    with open(path, "wb") as handle:
        handle.write(data)
    return path


def json_body(inputs: list[dict[str, Any]], values: Sequence[Any], fast: bool = False, **fields: Any) -> bytes:
    """``{"inputs": {label: value}, **fields}`` as JSON (images, audio and files as data URLs)."""
    wire = {
        spec["name"]: json_value(spec["kind"], value, spec["name"]) for spec, value in zip(inputs, values, strict=True)
    }
    return json.dumps({"inputs": wire, **fields}, default=_json_default).encode()


def stored_png(pixels: np.ndarray) -> bytes:
    """A PNG of uint8 ``pixels`` (H, W), (H, W, 3) or (H, W, 4) whose data is stored, not compressed."""
    height, width = pixels.shape[:2]
    colour = {1: 0, 3: 2, 4: 6}[1 if pixels.ndim == 2 else pixels.shape[2]]
    rows = np.concatenate([np.zeros((height, 1), np.uint8), pixels.reshape(height, -1)], axis=1)  # filter: none

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    data = zlib.compress(rows.tobytes(), 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
