"""The OpenAPI 3.1 description of a shared interface's HTTP API, generated from its components.

Each input's and output's JSON Schema comes from the component (``json_schema()``: types, ``maximum``,
``maxLength``, ``enum`` from its options); the example from the interface's first ``examples=`` row.
"""

from __future__ import annotations

import json
from typing import Any

from .._version import __version__
from ..values.dataurl import DATA_URL_PATTERN

__all__ = ["ERROR_SCHEMA", "openapi_description"]

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string", "description": "What went wrong, for a person"},
        "input": {"type": "string", "description": "The input at fault, when one is"},
    },
}
ERRORS = {
    "400": "Bad input: a wrong type, a value over a component's limits, not an image...",
    "401": "The token (or, with a sign-in, the user name or password) is missing or wrong",
    "403": "The link has expired",
    "404": "Not found (this link has no API, or no such endpoint)",
    "413": "The body is over the server's limit (max_message_bytes)",
    "415": "The body is neither application/json nor multipart/form-data",
    "429": "Over a rate limit (requests per second per address, or sign-in attempts)",
    "500": "The model raised: its message as 'Type: message'",
    "503": "The model is stuck, or the queue refused the request",
    "504": "The model took longer than the interface's timeout",
}
MAX_EXAMPLE_CHARS = 1_000_000
BINARY_TYPES = ("image/png", "audio/wav", "application/octet-stream")


def openapi_description(interface: Any, title: str, *, needs_login: bool) -> dict[str, Any]:
    """The OpenAPI 3.1 document for ``interface`` (an :class:`nbshare.Interface`)."""
    inputs = _object({c.label: c.json_schema() for c in interface.inputs})
    outputs = _object({c.label: c.json_schema() for c in interface.outputs})
    example = _example(interface)
    if example is not None:
        inputs["examples"] = [example]
    answer = {
        "type": "object",
        "required": ["outputs", "version", "seconds"],
        "properties": {"outputs": outputs, "version": {"type": "string"}, "seconds": {"type": "number"}},
    }
    binary_output = len(interface.outputs) == 1 and "^data:" in json.dumps(interface.outputs[0].json_schema())
    paths: dict[str, Any] = {
        "/api/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This description",
                "responses": {"200": _json("This description", {"type": "object"}), **_errors("401", "403", "429")},
            }
        },
        "/api/predict": {
            "post": _operation("predict", "Run the model on one row of inputs", inputs, answer, raw=binary_output)
        },
    }
    if interface.interpretation is not None:
        paths["/api/explain"] = {"post": _operation("explain", "Explain the answer for one row", inputs, EXPLANATION)}
    if interface.flagging:
        flag = {
            "type": "object",
            "required": ["inputs"],
            "additionalProperties": False,
            "properties": {
                "inputs": inputs,
                "message": {"type": "string", "maxLength": interface.max_flag_message_chars},
                "option": {"enum": [*interface.flagging_options, None]}
                if interface.flagging_options
                else {"type": ["string", "null"], "maxLength": 200},
                "outputs": {"type": "object", "description": "The answer you saw (recorded with the flag)"},
            },
        }
        paths["/api/flag"] = {"post": _operation("flag", "Flag a row for the researcher", flag,
                                                 _object({"id": {"type": "string"}}), whole_body=True)}  # fmt: skip
    if needs_login:
        schemes = {
            "basic": {"type": "http", "scheme": "basic", "description": "A user name and password of the link"},
            "token": {"type": "apiKey", "in": "header", "name": "X-Nbshare-Token", "description": "The link's token"},
        }
        security: list[dict[str, list[str]]] = [{"basic": [], "token": []}]
    else:
        schemes = {"bearer": {"type": "http", "scheme": "bearer", "description": "The link's token (?token=...)"}}
        security = [{"bearer": []}]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": str(interface.version),
            "description": f"The HTTP API of a shared nbshare interface (nbshare {__version__}). Paths are "
            "relative to the page's address without its ?token=.",
        },
        "servers": [{"url": "./"}],
        "paths": paths,
        "components": {"securitySchemes": schemes, "schemas": {"Error": ERROR_SCHEMA}},
        "security": security,
    }


EXPLANATION: dict[str, Any] = {
    "type": "object",
    "required": ["summary", "inputs"],
    "properties": {
        "summary": {"type": "string"},
        "inputs": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "kind", "map", "pieces"],
                "properties": {
                    "name": {"type": "string"},
                    "kind": {"enum": ["image", "tokens", "features"]},
                    "map": {"type": ["array", "null"], "items": {"type": "array", "items": {"type": "number"}}},
                    "pieces": {
                        "type": "array",
                        "items": {"type": "array", "prefixItems": [{"type": "string"}, {"type": ["number", "null"]}]},
                    },
                },
            },
        },
    },
}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "additionalProperties": False, "properties": properties}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: str) -> dict[str, Any]:
    return {code: _json(ERRORS[code], {"$ref": "#/components/schemas/Error"}) for code in codes}


def _operation(
    name: str, summary: str, body: dict[str, Any], answer: dict[str, Any], *, raw: bool = False,
    whole_body: bool = False,
) -> dict[str, Any]:  # fmt: skip
    request = body if whole_body else {"type": "object", "required": ["inputs"], "additionalProperties": False,
                                       "properties": {"inputs": body}}  # fmt: skip
    inputs = body["properties"]["inputs"] if whole_body else body
    parts = {
        label: {"type": "string", "contentMediaType": "application/octet-stream"}
        if "^data:" in json.dumps(schema)
        else schema
        for label, schema in inputs["properties"].items()
    }
    multipart = {"type": "object", "properties": parts, "required": list(parts)}
    encoding = {label: {"contentType": "application/json"} for label, s in parts.items() if "contentMediaType" not in s}
    ok = _json("The answer", answer)
    operation: dict[str, Any] = {
        "operationId": name,
        "summary": summary,
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": request},
                "multipart/form-data": {"schema": multipart, "encoding": encoding},
            },
        },
        "responses": {"200": ok, **_errors("400", "401", "403", "413", "415", "429", "500", "503", "504")},
    }
    if raw:
        operation["parameters"] = [{"name": "raw", "in": "query", "required": False, "schema": {"enum": ["1"]},
                                    "description": "The one output's bytes (PNG, WAV...) instead of JSON"}]  # fmt: skip
        ok["content"].update({kind: {"schema": {"type": "string", "contentMediaType": kind}} for kind in BINARY_TYPES})
    return operation


def _example(interface: Any) -> dict[str, Any] | None:
    """The first ``examples=`` row as the API's JSON, or None (no examples, or one too large to show)."""
    if not interface.examples:
        return None
    try:
        row = {
            c.label: c.to_json(c.postprocess(v)) for c, v in zip(interface.inputs, interface.examples[0], strict=True)
        }
        return row if len(json.dumps(row)) <= MAX_EXAMPLE_CHARS else None
    except Exception:
        return None


def curl_example(interface: Any) -> str:
    """A ``curl`` line for the "Use via API" panel: one form part per input (a file for images, audio and files, the
    value's JSON otherwise: the first example's, or the component's own), the token and the page's address left as
    ``$NBSHARE_TOKEN`` and ``$NBSHARE_URL`` (the page never shows the token)."""
    row = list(interface.examples[0]) if interface.examples else None
    parts = []
    for index, component in enumerate(interface.inputs):
        label = component.label.replace("'", "")
        if component.json_schema().get("pattern") == DATA_URL_PATTERN:
            parts.append(f"-F '{label}=@path/to/your/file'")
            continue
        try:
            value = row[index] if row is not None else component.example_value()
            text = json.dumps(component.to_json(component.postprocess(value)))
        except Exception:  # a value the form cannot show: the schema in api/openapi.json says what goes there
            text = "..."
        text = text if len(text) <= 200 and "'" not in text else "..."  # too long to show, or breaks the quoting
        parts.append(f"--form-string '{label}={text}'")  # -F would strip the quotes of a JSON string
    lines = ['curl -H "Authorization: Bearer $NBSHARE_TOKEN"', *parts, '"$NBSHARE_URL/api/predict"']
    return " \\\n     ".join(lines)
