"""The websocket frame format shared with ``js/host/frames.js``: one frame is one message.

``[u32 part count][u32 length of each part][parts...]``, little-endian; part 0 is the message as UTF-8 JSON
(an object), the others are its binary buffers.
"""

from __future__ import annotations

import json
import struct
from typing import Any

__all__ = ["FrameError", "decode_frame", "encode_frame"]

MAX_PARTS = 1024


class FrameError(ValueError):
    """A frame from a page that does not follow the format."""


def encode_frame(message: dict[str, Any], buffers: list[bytes] | tuple[bytes, ...] = ()) -> bytes:
    parts = [json.dumps(message, separators=(",", ":"), allow_nan=False).encode(), *map(bytes, buffers)]
    header = struct.pack(f"<{len(parts) + 1}I", len(parts), *(len(part) for part in parts))
    return b"".join([header, *parts])


def decode_frame(frame: bytes) -> tuple[dict[str, Any], list[bytes]]:
    if not isinstance(frame, bytes | bytearray | memoryview):
        raise FrameError("expected a binary frame")
    view = memoryview(frame)
    if len(view) < 4:
        raise FrameError("the frame is shorter than its header")
    (count,) = struct.unpack_from("<I", view)
    if not 1 <= count <= MAX_PARTS or len(view) < 4 * (count + 1):
        raise FrameError("the frame's part count does not fit the frame")
    lengths = struct.unpack_from(f"<{count}I", view, 4)
    offset = 4 * (count + 1)
    if offset + sum(lengths) != len(view):
        raise FrameError("the frame's part lengths do not add up to its size")
    parts = []
    for length in lengths:
        parts.append(bytes(view[offset : offset + length]))
        offset += length
    try:
        message = json.loads(parts[0])
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FrameError(f"the message is not JSON: {error}") from None
    if not isinstance(message, dict):
        raise FrameError("the message must be a JSON object")
    return message, parts[1:]
