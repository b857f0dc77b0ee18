"""The HTTP API's bodies: a request's inputs (JSON or multipart) as wire values, and answers as JSON.

Every value is converted by its component (``from_json``/``from_upload``/``to_json``): generic code never asks a
component's class. A value that cannot be one raises :class:`ApiError` naming the input.
"""

from __future__ import annotations

import json
from typing import Any

import tornado.httputil

from .._errors import InputError
from ..values import imaging

__all__ = ["ApiError", "decode_body", "explanation_json", "outputs_json", "wire_inputs"]

MAX_LABEL_CHARS = 200
MAX_JSON_DEPTH = 64
"""How deeply a request's JSON may nest (arrays and objects): deeper is refused before anything walks it."""


class ApiError(Exception):
    """A refusal the API answers with ``status`` and ``{"error": message, "input": label}``."""

    def __init__(self, status: int, message: str, input_label: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.input_label = input_label

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.message}
        if self.input_label is not None:
            body["input"] = self.input_label
        return body


def decode_body(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, tuple[bytes, str]]]:
    """The request's JSON object and its file parts (name -> (bytes, file name)): from a JSON body, or from
    multipart/form-data (text parts hold JSON; the fields ``inputs`` of a JSON body are the parts named by labels)."""
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json" or (kind == "" and body.lstrip()[:1] == b"{"):
        document = _json(body, "the body")
        if not isinstance(document, dict):
            raise ApiError(400, 'the body must be a JSON object such as {"inputs": {...}}')
        return document, {}
    if kind == "multipart/form-data":
        fields: dict[str, list[bytes]] = {}
        files: dict[str, list[tornado.httputil.HTTPFile]] = {}
        try:
            tornado.httputil.parse_body_arguments(content_type, body, fields, files)
        except tornado.httputil.HTTPInputError as error:
            raise ApiError(400, f"the multipart body cannot be read: {str(error)[:200]}") from None
        if not fields and not files:
            raise ApiError(400, "the multipart body has no parts (or its boundary does not match the header)")
        inputs: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for name, parts in fields.items():
            value = _json(parts[0], f"the part {name[:MAX_LABEL_CHARS]!r}", name)
            (extra if name in ("message", "option", "outputs") else inputs)[name] = value
        uploads = {name: (parts[0].body, parts[0].filename or "") for name, parts in files.items()}
        return {"inputs": inputs, **extra}, uploads
    raise ApiError(415, f"send application/json or multipart/form-data, not {kind[:80] or 'a body without a type'}")


def _json(data: bytes, what: str, label: str | None = None) -> Any:
    """``data`` parsed as JSON, nested at most :data:`MAX_JSON_DEPTH` deep (a deeper one would exhaust Python's
    recursion wherever it is walked: parsing, checking, storing a flag)."""
    try:
        value = json.loads(data.decode("utf-8"))
    except RecursionError:
        value = None
    except (UnicodeDecodeError, ValueError) as error:
        raise ApiError(400, f"{what} is not valid JSON: {str(error)[:200]}", label) from None
    else:
        level = [value] if isinstance(value, dict | list) else []
        for _depth in range(MAX_JSON_DEPTH):
            level = [x for item in level for x in (item.values() if isinstance(item, dict) else item)
                     if isinstance(x, dict | list)]  # fmt: skip
            if not level:
                break
        else:
            raise ApiError(400, f"{what} nests arrays and objects more than {MAX_JSON_DEPTH} deep", label)
        if b"\\u" in data:  # an escaped lone surrogate is valid JSON but no text: it could not be answered or stored
            try:
                json.dumps(value, ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError:
                raise ApiError(400, f"{what} is not valid Unicode (it holds a lone surrogate such as \\ud800)",
                               label) from None  # fmt: skip
        return value
    raise ApiError(400, f"{what} nests arrays and objects more than {MAX_JSON_DEPTH} deep", label)


def wire_inputs(components: list[Any], document: dict[str, Any], uploads: dict[str, tuple[bytes, str]]) -> list[Any]:
    """One wire value per input, each converted and checked by its component (as a visitor's Submit would)."""
    given = document.get("inputs")
    if not isinstance(given, dict):
        raise ApiError(400, 'the body needs "inputs": an object with one value per input, keyed by its label')
    labels = [c.label for c in components]
    unknown = sorted((set(given) | set(uploads)) - set(labels))
    if unknown:
        raise ApiError(400, f"unknown input(s) {', '.join(repr(n[:MAX_LABEL_CHARS]) for n in unknown[:5])}; the inputs "
                            f"are {', '.join(repr(label) for label in labels)}")  # fmt: skip
    values = []
    for component in components:
        label = component.label
        try:
            if label in uploads:
                data, name = uploads[label]
                value = component.from_upload(data, name)
            elif label in given:
                value = component.from_json(given[label])
            else:
                raise InputError(f"{label} is missing: every input needs a value")
            component.check_value(value)
        except InputError as error:
            raise ApiError(400, str(error), label) from None
        except (ValueError, TypeError, ArithmeticError) as error:  # a value the component's own checks refuse
            raise ApiError(400, f"{label}: {error}", label) from None
        values.append(value)
    return values


LOOPBACK = frozenset({"127.0.0.1", "::1"})


def outputs_json(components: list[Any], outputs: list[Any], address: str = "") -> dict[str, Any]:
    """The answer's outputs as JSON, keyed by label; pictures stored uncompressed for a client on this machine
    (``address``: the client's, as the server trusts it), where compressing costs more time than the bytes it saves."""
    with imaging.png_compression(0 if address in LOOPBACK else 1):
        return {c.label: c.to_json(value) for c, value in zip(components, outputs, strict=True)}


def explanation_json(explanation: Any) -> dict[str, Any]:
    """An :class:`nbshare.saliency.Explanation` as the API's JSON (maps rounded to 4 decimals)."""
    parts = []
    for part in explanation.inputs:
        shown = None if part.map is None else [[round(float(x), 4) for x in row] for row in part.map.tolist()]
        pieces = [[str(text), None if score is None else float(score)] for text, score in part.pieces]
        parts.append({"name": part.name, "kind": part.kind, "map": shown, "pieces": pieces})
    return {"summary": explanation.summary(), "inputs": parts}
