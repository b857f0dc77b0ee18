"""Links: ngrok through pyngrok (against a fake agent), jupyter-server-proxy discovery, launch() options."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import nbshare
from nbshare.share import NGROK_HELP

HERE = Path(__file__).resolve().parents[1]  # tests/, where fake_ngrok.py lives


@pytest.fixture
def fake_ngrok(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """pyngrok options pointing at the fake agent, and the list of API requests the agent received."""
    from pyngrok import ngrok

    executable = tmp_path / "ngrok"
    executable.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{HERE / "fake_ngrok.py"}" "$@"\n')
    executable.chmod(0o755)
    requests_log = tmp_path / "requests.jsonl"
    monkeypatch.setenv("FAKE_NGROK_LOG", str(requests_log))
    monkeypatch.delenv("NGROK_AUTHTOKEN", raising=False)
    options = {"ngrok_path": str(executable), "ngrok_config_path": str(tmp_path / "ngrok.yml")}

    def requests() -> list[dict[str, Any]]:
        if not requests_log.exists():
            return []
        return [json.loads(line) for line in requests_log.read_text().splitlines()]

    yield {"options": options, "requests": requests}
    from pyngrok import conf

    ngrok.kill(conf.PyngrokConfig(ngrok_path=str(executable), config_path=options["ngrok_config_path"]))


def echo(text: str) -> str:
    return text


def test_share_returns_the_public_url_the_agent_reports_and_close_deletes_the_tunnel(
    fake_ngrok: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NGROK_AUTHTOKEN", "a-valid-looking-token")
    link = nbshare.Interface(echo, "text", "text").launch(
        inline=False, share=True, share_auth=("guest", "s3cret-pass"), **fake_ngrok["options"]
    )
    try:
        assert link.public_url is not None and link.public_url.startswith("https://")
        assert ".ngrok-free.app/?token=" in link.public_url and link.url == link.public_url
        token = link.local_url.split("token=")[1]
        assert link.public_url.endswith(f"token={token}")
        (created,) = [r for r in fake_ngrok["requests"]() if r["method"] == "POST"]
        assert created["options"]["upstream"]["url"] == f"http://localhost:{link.server.port}"
        assert created["options"]["basic_auth"] == ["guest:s3cret-pass"]
        assert "Public link" in str(link) and token not in str(link) and link.urls["public"] == link.public_url
    finally:
        link.close()
    deleted = [r for r in fake_ngrok["requests"]() if r["method"] == "DELETE"]
    assert deleted and deleted[0]["path"] == created_uri(created)


def created_uri(created: dict[str, Any]) -> str:
    return f"/api/endpoints/{created['options']['name']}"


def test_share_without_an_authtoken_says_how_to_get_one_and_serves_nothing(fake_ngrok: dict[str, Any]) -> None:
    iface = nbshare.Interface(echo, "text", "text")
    with pytest.raises(nbshare.ShareError) as refused:
        iface.launch(inline=False, share=True, **fake_ngrok["options"])
    assert str(refused.value) == NGROK_HELP
    assert "NGROK_AUTHTOKEN" in NGROK_HELP and "dashboard.ngrok.com" in NGROK_HELP
    assert fake_ngrok["requests"]() == []
    assert iface._links == []


def test_an_authtoken_the_agent_rejects_is_reported_with_the_same_advice(
    fake_ngrok: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NGROK_AUTHTOKEN", "rejected")
    with pytest.raises(nbshare.ShareError, match="ERR_NGROK_4018") as refused:
        nbshare.Interface(echo, "text", "text").launch(inline=False, share=True, **fake_ngrok["options"])
    assert NGROK_HELP in str(refused.value)


def test_an_authtoken_saved_in_the_ngrok_config_is_enough(fake_ngrok: dict[str, Any]) -> None:
    Path(fake_ngrok["options"]["ngrok_config_path"]).write_text('version: "3"\nagent:\n  authtoken: saved-token\n')
    link = nbshare.Interface(echo, "text", "text").launch(inline=False, share=True, **fake_ngrok["options"])
    link.close()
    assert link.public_url


def test_the_notebook_server_link_comes_from_the_running_jupyter_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kernel's parent is its Jupyter server: its runtime file gives the base URL for jupyter-server-proxy."""
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    info = {"url": "http://127.0.0.1:8888/base/", "base_url": "/base/", "port": 8888, "pid": os.getppid()}
    (runtime / f"jpserver-{os.getppid()}.json").write_text(json.dumps(info))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(runtime))
    monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX", raising=False)
    link = nbshare.Interface(echo, "text", "text").launch(inline=False)
    link.close()
    assert (
        link.proxy_url
        == f"http://127.0.0.1:8888/base/proxy/{link.server.port}/?token=" + link.local_url.split("token=")[1]
    )
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/ada/")
    monkeypatch.setenv("JUPYTERHUB_EXTERNAL_URL", "https://hub.example.org")
    link = nbshare.Interface(echo, "text", "text").launch(inline=False)
    link.close()
    assert link.proxy_url is not None
    assert link.proxy_url.startswith(f"https://hub.example.org/user/ada/proxy/{link.server.port}/?token=")
    # A hub with c.JupyterHub.public_url gives each server its public URL, which already ends in the user's prefix
    # (it used to become .../user/ada/user/ada/proxy/..., a 404).
    monkeypatch.delenv("JUPYTERHUB_EXTERNAL_URL")
    monkeypatch.setenv("JUPYTERHUB_PUBLIC_URL", "https://hub.example.org/user/ada/")
    link = nbshare.Interface(echo, "text", "text").launch(inline=False)
    link.close()
    assert link.proxy_url is not None
    assert link.proxy_url.startswith(f"https://hub.example.org/user/ada/proxy/{link.server.port}/?token=")
    # Users on subdomains (c.JupyterHub.subdomain_host) under a base_url: the public URL is the user's own host.
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/jh/user/ada/")
    monkeypatch.setenv("JUPYTERHUB_PUBLIC_URL", "https://ada.hub.example.org/jh/user/ada/")
    link = nbshare.Interface(echo, "text", "text").launch(inline=False)
    link.close()
    assert link.proxy_url is not None
    assert link.proxy_url.startswith(f"https://ada.hub.example.org/jh/user/ada/proxy/{link.server.port}/?token=")
    # A default hub (no public_url: the variable is empty): only the path is known; the links widget completes it
    # from the notebook page's address (tests/browser/test_browser_hub.py).
    monkeypatch.setenv("JUPYTERHUB_PUBLIC_URL", "")
    link = nbshare.Interface(echo, "text", "text").launch(inline=False)
    link.close()
    assert link.proxy_url is not None
    assert link.proxy_url.startswith(f"/jh/user/ada/proxy/{link.server.port}/?token=")


def test_validate_reports_what_it_tried_and_launch_serves_nothing() -> None:
    def broken(text: str) -> str:
        return {"yes": "known"}[text]

    iface = nbshare.Interface(broken, "text", "text", examples=["hello"])
    with pytest.raises(nbshare.ValidationError, match=r"example 1 failed at function 'broken': KeyError: 'hello'"):
        iface.launch(inline=False)
    assert iface._links == []
    link = iface.launch(inline=False, validate=False)
    link.close()
