"""Pure pieces of sharing: the frame format, access rules, BMP encoding, foreign ipywidgets."""

from __future__ import annotations

import struct

import ipywidgets
import pytest

import nbshare
from nbshare.server.access import Access
from nbshare.server.frames import FrameError, decode_frame, encode_frame
from nbshare.server.listening import check_host, local_url, network_url
from nbshare.share import Link


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
    behind_ngrok = Access(trusted_proxies=["127.0.0.1"])
    assert behind_ngrok.origin_matches("http://127.0.0.1:8000", "127.0.0.1", headers)
    assert behind_ngrok.origin_matches("https://abc.ngrok-free.app", "127.0.0.1", headers)
    for origin in ["http://127.0.0.1:8001", "null", "", "file://", "http://127.0.0.1:8000.evil.org"]:
        assert not behind_ngrok.origin_matches(origin, "127.0.0.1", headers)
    assert "frame-ancestors https://a.org" in access.content_security_policy()
    with pytest.raises(ValueError, match="single CSP sources"):
        Access(frame_ancestors=["https://a.org; script-src *"])
    with pytest.raises(TypeError, match="auth must be"):
        Access(auth=[("user", "")])
    with pytest.raises(ValueError, match="expires_in"):
        Access(expires_in=0)


def test_forwarded_host_and_proto_count_only_from_a_trusted_proxy() -> None:
    """X-Forwarded-Host (the origin check) and X-Forwarded-Proto (the cookies' Secure) are text any client can write:
    only a proxy we trust (by its peer address) is believed; anyone else gets their own Host and scheme."""
    headers = {"Host": "10.0.0.5:7860", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
    access = Access(trusted_proxies=["172.18.0.0/16"])
    for peer in ["203.0.113.9", "127.0.0.1", None, "garbage"]:  # not the proxy we named
        assert not access.origin_matches("https://evil.example", peer, headers)
        assert access.origin_matches("http://10.0.0.5:7860", peer, headers)
        assert access.forwarded(peer, headers, "X-Forwarded-Host") is None
        assert not access.is_https(peer, headers, "http")
    assert access.origin_matches("https://evil.example", "172.18.0.3", headers)  # what our proxy says the host was
    assert access.is_https("172.18.0.3", headers, "http")
    assert access.is_https("203.0.113.9", {}, "https")  # our own TLS needs no proxy's word
    chained = {"X-Forwarded-Host": " app.example.org , inner", "X-Forwarded-Proto": "HTTPS, http"}
    assert access.forwarded("172.18.0.3", chained, "X-Forwarded-Host") == "app.example.org"
    assert access.is_https("172.18.0.3", chained, "http")
    assert not Access().is_https("127.0.0.1", headers, "http")  # trusting nobody is the default


def test_where_the_server_listens_and_the_urls_it_is_reached_by() -> None:
    assert check_host("[::1]") == "::1" and check_host("0.0.0.0") == "0.0.0.0"
    for name in ["localhost", "example.org", "", "10.0.0.0/8"]:
        with pytest.raises(ValueError, match="host must be an IP address"):
            check_host(name)
    assert local_url("127.0.0.1", 80) == "http://127.0.0.1:80/" and network_url("127.0.0.1", 80) is None
    assert network_url("127.0.0.2", 80) is None and network_url("::1", 80) is None  # loopback is this machine
    assert local_url("0.0.0.0", 80) == "http://127.0.0.1:80/" and local_url("::", 80) == "http://[::1]:80/"
    assert local_url("10.1.2.3", 80) == network_url("10.1.2.3", 80) == "http://10.1.2.3:80/"
    assert network_url("fd00::5", 80) == "http://[fd00::5]:80/"
    everywhere = network_url("0.0.0.0", 80)
    assert everywhere is not None and everywhere.endswith(":80/") and "0.0.0.0" not in everywhere


def test_a_network_link_comes_before_the_local_one_and_an_address_is_listed_once() -> None:
    link = Link(local_url="http://127.0.0.1:1/?token=t", network_url="http://10.1.2.3:1/?token=t")
    assert list(link.urls) == ["network", "local"] and link.url == link.network_url
    assert link._links()[0][0].startswith("Network link")
    one_interface = Link(local_url="http://10.1.2.3:1/?token=t", network_url="http://10.1.2.3:1/?token=t")
    assert one_interface.urls == {"network": "http://10.1.2.3:1/?token=t"}


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
