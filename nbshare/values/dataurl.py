"""Data URLs (``data:image/png;base64,...``): how the HTTP API carries images, audio and files inside JSON."""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import quote, unquote

from .._errors import InputError

__all__ = ["DATA_URL_PATTERN", "data_url_schema", "decode_data_url", "encode_data_url"]

DATA_URL_PATTERN = "^data:"
_HEADER = re.compile(r"^data:([A-Za-z0-9.+/-]*)((?:;[A-Za-z0-9_.-]+=[^;,]*)*)(;base64)?,", re.ASCII)


def data_url_schema(description: str, *, required: bool = True) -> dict[str, object]:
    """The JSON Schema of a file sent as a data URL (``required=False``: an output, which may be empty)."""
    return {
        "type": "string" if required else ["string", "null"],
        "pattern": DATA_URL_PATTERN,
        "description": description,
    }


def encode_data_url(data: bytes, media_type: str, name: str | None = None) -> str:
    """``data`` as a base64 data URL of ``media_type``, with ``;name=`` when a file name is given."""
    named = f";name={quote(name, safe='')}" if name else ""
    return f"data:{media_type}{named};base64,{base64.b64encode(data).decode('ascii')}"


def decode_data_url(value: object, what: str, *, limit: int | None = None) -> tuple[bytes, str, str]:
    """``(bytes, media type, name)`` of a data URL; InputError naming ``what`` when ``value`` is not one, or when
    its bytes would be over ``limit`` (checked from the text's length before decoding)."""
    if not isinstance(value, str):
        raise InputError(f"{what} must be a data URL such as 'data:image/png;base64,...', got {type(value).__name__}")
    match = _HEADER.match(value[:1024])
    if match is None:
        raise InputError(f"{what} must be a data URL such as 'data:image/png;base64,...'")
    body = value[match.end() :]
    if limit is not None and (len(body) * 3 // 4 if match.group(3) else len(body)) > limit:
        raise InputError(f"{what} is over its limit of {limit:,} bytes")
    name = ""
    for parameter in (match.group(2) or "").split(";"):
        key, _, text = parameter.partition("=")
        if key == "name":
            name = unquote(text)[:200]
    if match.group(3):
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise InputError(f"{what} is not valid base64 after 'base64,'") from None
    else:
        data = unquote(body).encode("utf-8", "surrogateescape")
    return data, match.group(1) or "text/plain", name
