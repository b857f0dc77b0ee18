"""Pure pieces of sharing: the frame format, access rules, BMP encoding, foreign ipywidgets."""

from __future__ import annotations

import io
import struct

import ipywidgets
import numpy as np
import pytest
from PIL import Image as PILImage

import nbshare
from nbshare.server.access import Access
from nbshare.server.frames import FrameError, decode_frame, encode_frame
from nbshare.values.imaging import encode_bmp


def test_frames_round_trip_with_buffers() -> None:
    message = {"msg_type": "comm_msg", "content": {"comm_id": "a", "data": {"x": "é"}}}
    frame = encode_frame(message, [b"\x00\x01", b"", bytes(range(256))])
    assert decode_frame(frame) == (message, [b"\x00\x01", b"", bytes(range(256))])


@pytest.mark.parametrize(
    "frame",
    [
        b"",
        b"\x00\x00\x00\x00",
        struct.pack("<2I", 1, 10) + b"{}",
        struct.pack("<2I", 1, 2) + b"{}extra",
        struct.pack("<2I", 1, 3) + b"[1]",
        struct.pack("<2I", 1, 2) + b"\xff\xfe",
        struct.pack("<I", 5000),
    ],
)
def test_malformed_frames_are_refused(frame: bytes) -> None:
    with pytest.raises(FrameError):
        decode_frame(frame)


@pytest.mark.parametrize("shape", [(7, 5, 3), (300, 513, 3), (31, 17)])
def test_bmp_is_lossless(shape: tuple[int, ...]) -> None:
    pixels = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    decoded = np.asarray(PILImage.open(io.BytesIO(encode_bmp(pixels))).convert("RGB"))
    expected = pixels if pixels.ndim == 3 else np.repeat(pixels[..., None], 3, axis=2)
    assert np.array_equal(decoded, expected)


def test_credentials_delays_origins_and_policy() -> None:
    access = Access(auth=lambda user, password: (user, password) == ("ada", "pw"), frame_ancestors=["https://a.org"])
    assert access.log_in("1.2.3.4", "ada", "wrong") is None
    assert access.failure_delay("1.2.3.4") == 0.5 and access.failure_delay("5.6.7.8") == 0
    access.log_in("1.2.3.4", "ada", "wrong")
    assert access.failure_delay("1.2.3.4") == 1.0
    key = access.log_in("1.2.3.4", "ada", "pw")
    assert key and access.user_for(key) == "ada" and access.failure_delay("1.2.3.4") == 0
    assert not access.token_matches("") and not access.token_matches(access.token[:-1])
    assert access.token_matches(access.token)
    headers = {"Host": "127.0.0.1:8000", "X-Forwarded-Host": "abc.ngrok-free.app"}
    assert Access.origin_matches("http://127.0.0.1:8000", headers)
    assert Access.origin_matches("https://abc.ngrok-free.app", headers)
    for origin in ["http://127.0.0.1:8001", "null", "", "file://", "http://127.0.0.1:8000.evil.org"]:
        assert not Access.origin_matches(origin, headers)
    assert "frame-ancestors https://a.org" in access.content_security_policy()
    with pytest.raises(ValueError, match="single CSP sources"):
        Access(frame_ancestors=["https://a.org; script-src *"])
    with pytest.raises(TypeError, match="auth must be"):
        Access(auth=[("user", "")])
    with pytest.raises(ValueError, match="expires_in"):
        Access(expires_in=0)


def test_a_plain_ipywidget_is_cloned_per_view_and_read_like_a_component() -> None:
    slider = ipywidgets.IntSlider(value=3, min=1, max=9, description="Times")
    iface = nbshare.Interface(lambda text, times: text * times, ["text", slider], "text")
    first, second = iface.view(), iface.view()
    assert first.inputs[1].inner is not second.inputs[1].inner is not slider
    first.inputs[1].value = 5
    assert second.inputs[1].value == 3 and slider.value == 3
    first.inputs[0].value = "ab"
    assert first.submit().result()[0] == ["ababababab"]
    assert iface.predict("x", 2) == "xx"
    with pytest.raises(TypeError, match="an ipywidget with a value"):
        nbshare.Interface(lambda x: x, ipywidgets.Button(), "text")
    iface.close()
