"""The HTTP API of a shared interface, over real HTTP: the description, predict/flag, access and every refusal."""

from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from openapi_spec_validator import validate
from PIL import Image

import nbshare

from waiting import until


def shout(text: str, times: float) -> tuple[str, float]:
    if text == "explode":
        raise RuntimeError("the model fell over")
    return text.upper(), times * 2


def invert(picture: np.ndarray) -> np.ndarray:
    return 255 - picture


def base(link: nbshare.Link) -> str:
    return link.local_url.split("?")[0]


def token(link: nbshare.Link) -> str:
    assert link.server is not None
    return link.server.access.token


def request(
    link: nbshare.Link, path: str, body: Any = None, *, headers: dict[str, str] | None = None, raw: bytes | None = None,
    bearer: bool = True, method: str | None = None,
) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
    sent = {"Content-Type": "application/json"} if body is not None else {}
    if bearer:
        sent["Authorization"] = f"Bearer {token(link)}"
    sent.update(headers or {})
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    call = urllib.request.Request(base(link) + path, data=data, headers=sent, method=method)
    try:
        with urllib.request.urlopen(call, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def answer(link: nbshare.Link, path: str, body: Any = None, **options: Any) -> tuple[int, Any]:
    status, headers, data = request(link, path, body, **options)
    assert headers["Content-Type"].startswith("application/json"), (status, data[:200])
    assert "Set-Cookie" not in headers
    return status, json.loads(data)


def png_url(pixels: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def pixels_of(data_url: str) -> np.ndarray:
    assert data_url.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))))


def multipart(parts: list[tuple[str, bytes, str | None]]) -> tuple[bytes, str]:
    """A multipart/form-data body: (name, bytes, file name or None for a text part)."""
    boundary = uuid.uuid4().hex
    body = b""
    for name, data, filename in parts:
        named = f'; filename="{filename}"' if filename else ""
        kind = "Content-Type: application/octet-stream\r\n" if filename else ""
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"{named}\r\n{kind}\r\n'.encode()
        body += data + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def still_answers(link: nbshare.Link) -> None:
    status, body = answer(link, "api/predict", {"inputs": {"Text": "ok", "Times": 1}})
    assert status == 200 and body["outputs"]["Echo"] == "OK"


@pytest.fixture(scope="module")
def text_link(tmp_path_factory: pytest.TempPathFactory) -> Iterator[nbshare.Link]:
    iface = nbshare.Interface(
        shout,
        [nbshare.Textbox(label="Text", max_length=50), nbshare.Number(label="Times", minimum=0, maximum=10)],
        [nbshare.Text(label="Echo"), nbshare.Number(label="Double")],
        examples=[["hello", 2]],
        flagging_dir=tmp_path_factory.mktemp("flags"),
        flagging_options=["wrong", "slow"],
    )
    link = iface.launch(inline=False, max_message_bytes=200_000)
    yield link
    link.close()


@pytest.fixture(scope="module")
def image_link() -> Iterator[nbshare.Link]:
    iface = nbshare.Interface(invert, nbshare.Image(label="Scan", max_pixels=10_000), nbshare.Image(label="Inverted"))
    link = iface.launch(inline=False)
    yield link
    link.close()


def test_the_description_is_valid_openapi_3_1_with_the_components_limits_and_the_first_example(
    text_link: nbshare.Link,
) -> None:
    status, document = answer(text_link, "api/openapi.json")
    assert status == 200
    validate(document)  # raises on anything OpenAPI 3.1 does not allow
    assert document["openapi"].startswith("3.1") and document["servers"] == [{"url": "./"}]
    predict = document["paths"]["/api/predict"]["post"]
    assert predict["operationId"] == "predict"
    inputs = predict["requestBody"]["content"]["application/json"]["schema"]["properties"]["inputs"]
    assert inputs["properties"]["Text"] == {"type": "string", "maxLength": 50}
    assert inputs["properties"]["Times"] == {"type": "number", "minimum": 0, "maximum": 10}
    assert inputs["examples"] == [{"Text": "hello", "Times": 2}]
    assert set(predict["responses"]) >= {"200", "400", "401", "403", "413", "415", "429", "500", "503", "504"}
    assert document["components"]["securitySchemes"] == {
        "bearer": {"type": "http", "scheme": "bearer", "description": "The link's token (?token=...)"}
    }
    assert document["paths"]["/api/flag"]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"][
        "option"
    ] == {"enum": ["wrong", "slow", None]}


def test_predict_answers_what_iface_predict_answers_and_goes_through_the_queue(text_link: nbshare.Link) -> None:
    status, body = answer(text_link, "api/predict", {"inputs": {"Text": "hi there", "Times": 2.5}})
    assert status == 200
    iface = text_link.server.interface  # type: ignore[union-attr]
    assert body["outputs"] == dict(zip(["Echo", "Double"], iface.predict("hi there", 2.5), strict=True))
    assert body["version"] == iface.version and body["seconds"] >= 0


def test_bad_input_is_a_400_naming_the_input_and_the_server_lives_on(text_link: nbshare.Link) -> None:
    cases = [
        ({"inputs": {"Text": "hi", "Times": 11}}, "Times", "at most 10"),
        ({"inputs": {"Text": "hi", "Times": "3"}}, "Times", "must be a number"),
        ({"inputs": {"Text": "x" * 51, "Times": 1}}, "Text", "the limit is 50"),
        ({"inputs": {"Text": "hi"}}, "Times", "missing"),
    ]
    for body, label, words in cases:
        status, refusal = answer(text_link, "api/predict", body)
        assert status == 400 and refusal["input"] == label and words in refusal["error"], refusal
        still_answers(text_link)
    status, refusal = answer(text_link, "api/predict", {"inputs": {"Text": "hi", "Times": 1, "Other": 2}})
    assert status == 400 and "'Other'" in refusal["error"]
    status, refusal = answer(text_link, "api/predict", raw=b"Text=hi", headers={"Content-Type": "text/plain"})
    assert status == 415
    status, refusal = answer(text_link, "api/predict", raw=b"{not json", headers={"Content-Type": "application/json"})
    assert status == 400 and "not valid JSON" in refusal["error"]
    still_answers(text_link)


def test_a_model_that_raises_is_a_500_with_its_message_and_no_traceback(text_link: nbshare.Link) -> None:
    status, refusal = answer(text_link, "api/predict", {"inputs": {"Text": "explode", "Times": 1}})
    assert status == 500 and refusal == {"error": "RuntimeError: the model fell over"}
    still_answers(text_link)


def test_without_the_token_or_with_a_wrong_one_is_401_and_no_cookie_is_set(text_link: nbshare.Link) -> None:
    for headers in ({}, {"Authorization": "Bearer not-the-token"}, {"Authorization": f"Basic {token(text_link)}"}):
        status, refusal = answer(
            text_link, "api/predict", {"inputs": {"Text": "hi", "Times": 1}}, headers=headers, bearer=False
        )
        assert status == 401 and "token" in refusal["error"]
    status, _ = answer(text_link, "api/openapi.json", bearer=False)
    assert status == 401
    # the page's cookie is no key to the API
    cookie = {"Cookie": f"nbshare-{text_link.server.access.server_id}={token(text_link)}"}  # type: ignore[union-attr]
    assert answer(text_link, "api/openapi.json", bearer=False, headers=cookie)[0] == 401
    still_answers(text_link)


def test_an_oversized_body_is_a_413_before_it_is_read(text_link: nbshare.Link) -> None:
    body = json.dumps({"inputs": {"Text": "x" * 300_000, "Times": 1}}).encode()
    status, refusal = answer(text_link, "api/predict", raw=body, headers={"Content-Type": "application/json"})
    assert status == 413 and "the limit here is 0.2 MB" in refusal["error"]
    still_answers(text_link)


def test_unknown_paths_are_404_and_wrong_methods_405_as_json(text_link: nbshare.Link) -> None:
    assert answer(text_link, "api/nothing", {"inputs": {}})[0] == 404
    assert answer(text_link, "api/predict")[0] == 405  # a GET
    status, headers, _ = request(text_link, "api/predict", method="DELETE")
    assert status == 405 and headers["Content-Type"].startswith("application/json")


def test_a_flag_from_the_api_is_recorded_with_session_api(text_link: nbshare.Link) -> None:
    body = {"inputs": {"Text": "flag me", "Times": 3}, "message": "looks wrong", "option": "wrong"}
    status, flagged = answer(text_link, "api/flag", body)
    assert status == 200
    flags = text_link.server.interface.flags  # type: ignore[union-attr]
    row = flags[flags["id"] == flagged["id"]].iloc[0]
    assert (row["session"], row["message"], row["option"], row["Text"], row["Times"]) == (
        "api", "looks wrong", "wrong", "flag me", 3
    )  # fmt: skip
    status, refusal = answer(text_link, "api/flag", {**body, "option": "not offered"})
    assert status == 400 and "unknown reason" in refusal["error"]


def test_images_as_data_urls_and_as_multipart_equal_iface_predict_pixel_for_pixel(image_link: nbshare.Link) -> None:
    pixels = np.random.default_rng(7).integers(0, 256, (40, 30, 3), dtype=np.uint8)
    expected = image_link.server.interface.predict(pixels)  # type: ignore[union-attr]
    status, body = answer(image_link, "api/predict", {"inputs": {"Scan": png_url(pixels)}})
    assert status == 200 and np.array_equal(pixels_of(body["outputs"]["Inverted"]), expected)
    png = base64.b64decode(png_url(pixels).split(",", 1)[1])
    data, kind = multipart([("Scan", png, "scan.png")])
    status, body = answer(image_link, "api/predict", raw=data, headers={"Content-Type": kind})
    assert status == 200 and np.array_equal(pixels_of(body["outputs"]["Inverted"]), expected)
    status, headers, raw = request(image_link, "api/predict?raw=1", raw=data, headers={"Content-Type": kind})
    assert status == 200 and headers["Content-Type"] == "image/png"
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(raw))), expected)


def test_a_non_image_upload_and_an_image_over_the_pixel_limit_are_400_naming_the_input(
    image_link: nbshare.Link,
) -> None:
    data, kind = multipart([("Scan", b"these are not pixels", "notes.txt")])
    status, refusal = answer(image_link, "api/predict", raw=data, headers={"Content-Type": kind})
    assert status == 400 and refusal["input"] == "Scan" and "not an image" in refusal["error"]
    status, refusal = answer(image_link, "api/predict", {"inputs": {"Scan": "/etc/passwd"}})
    assert status == 400 and refusal["input"] == "Scan" and "data URL" in refusal["error"]
    big = png_url(np.zeros((200, 200, 3), dtype=np.uint8))
    status, refusal = answer(image_link, "api/predict", {"inputs": {"Scan": big}})
    assert status == 400 and refusal["input"] == "Scan" and "the limit is 10,000" in refusal["error"]
    status, _body = answer(image_link, "api/predict", {"inputs": {"Scan": png_url(np.zeros((4, 4, 3), np.uint8))}})
    assert status == 200


def test_with_auth_the_api_takes_basic_plus_the_token_header_and_a_wrong_password_is_401() -> None:
    iface = nbshare.Interface(shout, [nbshare.Textbox(label="Text"), nbshare.Number(label="Times")], ["text", "number"])
    link = iface.launch(inline=False, auth=("ada", "lovelace"))
    try:
        good = "Basic " + base64.b64encode(b"ada:lovelace").decode()
        wrong = "Basic " + base64.b64encode(b"ada:babbage").decode()
        body = {"inputs": {"Text": "hi", "Times": 1}}
        headers = {"Authorization": good, "X-Nbshare-Token": token(link)}
        assert answer(link, "api/predict", body, headers=headers, bearer=False)[0] == 200
        status, refusal = answer(link, "api/predict", body, headers={**headers, "Authorization": wrong}, bearer=False)
        assert status == 401 and refusal["error"] == "wrong user name or password"
        assert answer(link, "api/predict", body, headers={"Authorization": good}, bearer=False)[0] == 401
        assert answer(link, "api/predict", body)[0] == 401  # the token alone is not the sign-in
        status, document = answer(link, "api/openapi.json", headers=headers, bearer=False)
        assert set(document["components"]["securitySchemes"]) == {"basic", "token"}
        assert document["security"] == [{"basic": [], "token": []}]
        assert answer(link, "api/predict", body, headers=headers, bearer=False)[0] == 200
    finally:
        link.close()


def test_an_expired_link_is_403_and_api_false_is_404() -> None:
    iface = nbshare.Interface(shout, [nbshare.Textbox(label="Text"), nbshare.Number(label="Times")], ["text", "number"])
    link = iface.launch(inline=False, expires_in=0.3)
    off = iface.launch(inline=False, api=False)
    try:
        until(link.server.access.expired)  # type: ignore[union-attr]
        status, refusal = answer(link, "api/predict", {"inputs": {"Text": "hi", "Times": 1}})
        assert status == 403 and "expired" in refusal["error"]
        for path in ("api/openapi.json", "api/predict"):
            assert request(off, path, {"inputs": {}})[0] == 404
    finally:
        link.close()
        off.close()


def test_cors_only_for_the_origins_given_with_a_preflight(text_link: nbshare.Link) -> None:
    status, headers, _ = request(text_link, "api/openapi.json", headers={"Origin": "https://evil.example"})
    assert status == 200 and "Access-Control-Allow-Origin" not in headers
    iface = nbshare.Interface(shout, [nbshare.Textbox(label="Text"), nbshare.Number(label="Times")], ["text", "number"])
    link = iface.launch(inline=False, api_cors=["https://lab.example"])
    try:
        preflight = {"Origin": "https://lab.example", "Access-Control-Request-Method": "POST"}
        status, headers, _ = request(link, "api/predict", method="OPTIONS", headers=preflight, bearer=False)
        assert status == 204 and headers["Access-Control-Allow-Origin"] == "https://lab.example"
        assert "Authorization" in headers["Access-Control-Allow-Headers"]
        other = {**preflight, "Origin": "https://lab.example.evil"}
        status, headers, _ = request(link, "api/predict", method="OPTIONS", headers=other, bearer=False)
        assert status == 403 and "Access-Control-Allow-Origin" not in headers
        body = {"inputs": {"Text": "hi", "Times": 1}}
        status, headers, _ = request(link, "api/predict", body, headers={"Origin": "https://lab.example"})
        assert status == 200 and headers["Access-Control-Allow-Origin"] == "https://lab.example"
    finally:
        link.close()
    with pytest.raises(ValueError, match="exact origins"):
        iface.launch(inline=False, api_cors=["*"])


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_with_the_token_and_a_file_part(image_link: nbshare.Link, tmp_path: Path) -> None:
    picture = tmp_path / "scan.png"
    Image.fromarray(np.full((5, 6, 3), 10, dtype=np.uint8)).save(picture)
    command = ["curl", "-s", "-H", f"Authorization: Bearer {token(image_link)}", "-F", f"Scan=@{picture}",
               base(image_link) + "api/predict"]  # fmt: skip
    body = json.loads(subprocess.run(command, capture_output=True, check=True, timeout=30).stdout)
    assert np.array_equal(pixels_of(body["outputs"]["Inverted"]), np.full((5, 6, 3), 245, dtype=np.uint8))
    command = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", base(image_link) + "api/openapi.json"]
    assert subprocess.run(command, capture_output=True, check=True, timeout=30).stdout == b"401"


def _page(link: nbshare.Link) -> str:
    import http.cookiejar

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(link.local_url) as response:  # the link as a visitor opens it: token traded for a cookie
        return response.read().decode()


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_pages_use_via_api_panel_gives_a_curl_line_that_works_as_it_is_copied(
    text_link: nbshare.Link, image_link: nbshare.Link, tmp_path: Path
) -> None:
    import html as html_module
    import re

    page = _page(text_link)
    assert token(text_link) not in page  # the panel never shows the token
    (shown,) = re.findall(r'<pre tabindex="0" aria-label="curl example">(.*?)</pre>', page, re.S)
    command = html_module.unescape(shown)
    environment = {
        "NBSHARE_TOKEN": token(text_link),
        "NBSHARE_URL": base(text_link).rstrip("/"),
        "PATH": "/usr/bin:/bin",
    }
    run = subprocess.run(["bash", "-c", command + " -s"], capture_output=True, text=True, env=environment, check=True)
    assert json.loads(run.stdout)["outputs"] == {"Echo": "HELLO", "Double": 4.0}  # the first example's answer

    (shown,) = re.findall(r'<pre tabindex="0" aria-label="curl example">(.*?)</pre>', _page(image_link), re.S)
    picture = tmp_path / "scan.png"
    Image.fromarray(np.full((20, 30, 3), 40, dtype=np.uint8)).save(picture)
    command = html_module.unescape(shown).replace("@path/to/your/file", f"@{picture}")
    environment = {**environment, "NBSHARE_TOKEN": token(image_link), "NBSHARE_URL": base(image_link).rstrip("/")}
    run = subprocess.run(["bash", "-c", command + " -s"], capture_output=True, text=True, env=environment, check=True)
    assert (pixels_of(json.loads(run.stdout)["outputs"]["Inverted"]) == 215).all()


def test_pictures_go_uncompressed_to_a_client_on_this_machine_and_compressed_to_others() -> None:
    from nbshare.server.api_values import outputs_json

    flat = np.full((256, 256, 3), 90, dtype=np.uint8)  # compresses to almost nothing
    output = nbshare.Image(label="Out", interactive=False)
    near = outputs_json([output], [flat], "127.0.0.1")["Out"]
    far = outputs_json([output], [flat], "203.0.113.7")["Out"]
    assert (pixels_of(near) == flat).all() and (pixels_of(far) == flat).all()
    assert len(near) > 256 * 256 * 3 > 100 * len(far)  # stored for loopback (no time spent), deflated for the network
