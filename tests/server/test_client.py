"""nbshare.Client against launched interfaces over real sockets: the same answers as iface.predict, flags, explanations,
bulk runs, refusals, auth= and a real jupyter-server-proxy."""

from __future__ import annotations

import http.cookies
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PIL import Image as PILImage

import nbshare


def greet(name: str, times: float) -> str:
    return " ".join([f"Hello {name}"] * int(times))


def invert(image: np.ndarray) -> np.ndarray:
    return 255 - image


def classify(text: str) -> dict[str, float]:
    short = min(len(text) / 10, 1.0)
    return {"short": 1 - short, "long": short}


def brightness(image: np.ndarray) -> dict[str, float]:
    bright = float(image[:16].mean() / 255)  # only the top half matters
    return {"bright": bright, "dark": 1 - bright}


def picture(seed: int = 0, size: tuple[int, int] = (24, 40)) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (*size, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def text() -> Iterator[tuple[nbshare.Interface, nbshare.Link]]:
    iface = nbshare.Interface(
        greet, [nbshare.Textbox(label="Name"), nbshare.Number(label="Times", maximum=5)], "text", title="Greeter"
    )
    link = iface.launch(inline=False)
    yield iface, link
    link.close()


@pytest.fixture(scope="module")
def images() -> Iterator[tuple[nbshare.Interface, nbshare.Link]]:
    iface = nbshare.Interface(invert, "image", "image")
    link = iface.launch(inline=False)
    yield iface, link
    link.close()


def test_predict_equals_iface_predict_for_text_and_a_number(text: tuple[nbshare.Interface, nbshare.Link]) -> None:
    iface, link = text
    with nbshare.Client(link.local_url) as client:
        assert client.predict("Ada", 2) == iface.predict("Ada", 2) == "Hello Ada Hello Ada"
        assert client.predict("Grace", np.float64(1)) == "Hello Grace"  # numpy numbers travel as JSON numbers


def test_info_describes_the_inputs_and_outputs(text: tuple[nbshare.Interface, nbshare.Link]) -> None:
    _iface, link = text
    info = nbshare.Client(link.local_url).info()
    assert info["title"] == "Greeter"
    assert [(i["name"], i["kind"]) for i in info["inputs"]] == [("Name", "text"), ("Times", "number")]
    assert info["inputs"][1]["schema"]["maximum"] == 5
    assert [o["kind"] for o in info["outputs"]] == ["text"]
    assert info["flag"] is True and info["explain"] is False


def test_an_image_comes_back_pixel_for_pixel(images: tuple[nbshare.Interface, nbshare.Link], tmp_path: Path) -> None:
    iface, link = images
    array = picture()
    client = nbshare.Client(link.local_url)
    assert client.info()["inputs"][0]["kind"] == "image"
    answer = client.predict(array)
    assert answer.dtype == np.uint8 and answer.shape == array.shape
    np.testing.assert_array_equal(answer, iface.predict(array))
    np.testing.assert_array_equal(client.predict(PILImage.fromarray(array)), 255 - array)
    PILImage.fromarray(array).save(tmp_path / "scan.png")
    np.testing.assert_array_equal(client.predict(tmp_path / "scan.png"), 255 - array)  # a path: the file's bytes
    np.testing.assert_array_equal(client.predict(str(tmp_path / "scan.png")), 255 - array)


def test_audio_goes_as_wav_and_comes_back_as_rate_and_samples() -> None:
    iface = nbshare.Interface(lambda clip: clip, "audio", "audio")
    link = iface.launch(inline=False)
    try:
        samples = (np.sin(np.linspace(0, 200, 8000)) * 20000).astype(np.int16)
        rate, answer = nbshare.Client(link.local_url).predict((8000, samples))
        assert rate == 8000 and answer.shape == (8000,)
        np.testing.assert_allclose(answer, samples / 32768, atol=1 / 16384)  # the answer is 16-bit WAV
    finally:
        link.close()


def test_a_label_is_the_same_dict() -> None:
    iface = nbshare.Interface(classify, "text", "label")
    link = iface.launch(inline=False)
    try:
        client = nbshare.Client(link.local_url)
        assert client.info()["outputs"][0]["kind"] == "label"
        assert client.predict("a sentence") == iface.predict("a sentence")
        assert client.predict("abc")["label"] == "short"
    finally:
        link.close()


def test_a_flag_reaches_iface_flags_with_session_api(tmp_path: Path) -> None:
    iface = nbshare.Interface(greet, ["text", "number"], "text", flagging_dir=tmp_path / "flags")
    link = iface.launch(inline=False)
    try:
        flag_id = nbshare.Client(link.local_url).flag(["Ada", 3], message="should say it once")
        flags = iface.flags
        assert len(flags) == 1
        record = flags.iloc[0]
        assert record["id"] == flag_id and record["session"] == "api" and record["message"] == "should say it once"
        assert list(record[["Name", "Times"]]) == ["Ada", 3]
    finally:
        link.close()


def test_explain_gives_the_occlusion_map_as_an_array() -> None:
    iface = nbshare.Interface(brightness, "image", "label", interpretation=nbshare.Occlusion(patch=8, stride=8))
    link = iface.launch(inline=False)
    try:
        image = picture(1, (32, 32))
        client = nbshare.Client(link.local_url)
        assert client.info()["explain"] is True
        answer = client.explain(image)
        assert answer["summary"]
        (explained,) = answer["inputs"]
        assert explained["kind"] == "image" and explained["map"].shape == (32, 32)
        np.testing.assert_allclose(explained["map"], iface.explain(image).inputs[0].map, atol=1e-4)
        assert np.abs(explained["map"][16:]).max() < np.abs(explained["map"][:16]).max()  # the top half moves it
    finally:
        link.close()


def test_process_of_20_rows_equals_iface_process(text: tuple[nbshare.Interface, nbshare.Link]) -> None:
    iface, link = text
    rows = [[f"visitor {n}", n % 4] for n in range(19)] + [["too many", 9]]  # the last is over Times' maximum
    frame = nbshare.Client(link.local_url).process(rows, progress=False)
    expected = iface.process(rows, progress=False)
    pd.testing.assert_frame_equal(frame.drop(columns="error"), expected.drop(columns="error"))
    assert frame["error"].iloc[:19].isna().all()
    assert "Times" in frame["error"].iloc[19] and "5" in frame["error"].iloc[19]
    from_frame = nbshare.Client(link.local_url).process(
        pd.DataFrame(rows[:3], columns=["Name", "Times"]), progress=False
    )
    assert from_frame["Output"].tolist() == expected["Output"].iloc[:3].tolist()


def test_a_batch_over_the_links_rate_limit_waits_for_it(text: tuple[nbshare.Interface, nbshare.Link]) -> None:
    """The API allows 20 requests a second per address (a burst of 40): the client waits when told to (429)."""
    _iface, link = text
    frame = nbshare.Client(link.local_url).process([[f"row {n}", 1] for n in range(100)], progress=False)
    assert frame["error"].isna().all()
    assert frame["Output"].tolist() == [f"Hello row {n}" for n in range(100)]


def test_refusals_are_client_errors_with_the_status_and_the_message(
    text: tuple[nbshare.Interface, nbshare.Link],
) -> None:
    _iface, link = text
    with pytest.raises(nbshare.ClientError) as refused:
        nbshare.Client(link.local_url.split("?")[0], token="not-the-token").predict("Ada", 1)
    assert refused.value.status == 401 and isinstance(refused.value, RuntimeError)
    with pytest.raises(nbshare.ClientError) as over:
        nbshare.Client(link.local_url).predict("Ada", 50)
    assert over.value.status == 400 and over.value.input == "Times" and "5" in over.value.message
    with pytest.raises(TypeError, match="2 value"):
        nbshare.Client(link.local_url).predict("Ada")
    with pytest.raises(ValueError, match="token"):
        nbshare.Client(link.local_url.split("?")[0])
    assert "token" not in repr(nbshare.Client(link.local_url))


def test_with_auth_the_client_signs_in_and_without_it_is_refused() -> None:
    iface = nbshare.Interface(greet, ["text", "number"], "text")
    link = iface.launch(inline=False, auth=("ada", "lovelace"))
    try:
        assert nbshare.Client(link.local_url, auth=("ada", "lovelace")).predict("Ada", 1) == "Hello Ada"
        with pytest.raises(nbshare.ClientError) as refused:
            nbshare.Client(link.local_url).predict("Ada", 1)
        assert refused.value.status == 401
        with pytest.raises(nbshare.ClientError) as wrong:
            nbshare.Client(link.local_url, auth=("ada", "babbage")).predict("Ada", 1)
        assert wrong.value.status == 401
    finally:
        link.close()


def _jupyter_login_cookie(server: Any) -> str:
    """The cookie a Jupyter user holds after signing in with the server's token."""
    with urllib.request.urlopen(f"{server.url}api/status?token={server.token}") as response:
        jar: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
    return "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())


def test_through_a_real_jupyter_server_proxy(jupyter_server: Any) -> None:
    """jupyter-server-proxy forwards the API; Jupyter first checks its own sign-in (a cookie passed with headers=)."""
    iface = nbshare.Interface(invert, "image", "image")
    link = iface.launch(inline=False, server_url=jupyter_server.url)
    try:
        assert link.proxy_url.startswith(f"{jupyter_server.url}proxy/{link.server.port}/?token=")
        array = picture(2)
        with pytest.raises(nbshare.ClientError) as stranger:
            nbshare.Client(link.proxy_url).predict(array)
        assert stranger.value.status in (302, 403) and "Jupyter" in stranger.value.message
        client = nbshare.Client(link.proxy_url, headers={"Cookie": _jupyter_login_cookie(jupyter_server)})
        np.testing.assert_array_equal(client.predict(array), iface.predict(array))
        assert client.predict(array[:5]).shape == (5, 40, 3)  # a second call on the kept-alive connection
    finally:
        link.close()
