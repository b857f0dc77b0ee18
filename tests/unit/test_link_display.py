"""A link's token never reaches what a notebook saves: the display of launch(), the Link's repr and str, the links
widget's state and plain text. The full addresses travel only in the widget's reply to its own view."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from IPython.core.formatters import DisplayFormatter

import nbshare
from nbshare._routing import CommSession, session_scope
from nbshare.share import Link


@pytest.fixture
def link() -> Iterator[Link]:
    launched = nbshare.Interface(lambda text: text[::-1], "text", "text", title="Reverse").launch(inline=False)
    yield launched
    launched.close()


def token_of(link: Link) -> str:
    return link.local_url.split("token=")[1]


def shown(link: Link) -> str:
    """Everything IPython would put in the cell's output for ``link`` as the cell's last expression."""
    data, metadata = DisplayFormatter().format(link)
    return json.dumps([data, metadata], ensure_ascii=False)


def test_the_display_repr_and_str_of_a_link_hold_no_token(link: Link) -> None:
    token = token_of(link)
    assert len(token) > 20 and token in link.url and link.urls == {"local": link.local_url}
    output = shown(link)
    assert token not in output and "application/vnd.jupyter.widget-view+json" in output
    assert "token=…" in output and "link.url" in output  # masked, and says where the full link is
    for text in (repr(link), str(link), repr(link._panel)):
        assert token not in text and "token=…" in text
    state = json.dumps(link._panel.get_state(), default=repr)
    assert token not in state and "127.0.0.1" not in state  # JupyterLab may save a widget's state in the .ipynb


def test_the_notebook_display_of_launch_is_the_links_widget(link: Link) -> None:
    """What launch() displays in a notebook: the interface, then the link, which IPython shows as the widget."""
    data, _metadata = DisplayFormatter().format(link)
    assert set(data) == {"text/plain", "application/vnd.jupyter.widget-view+json"}  # no text/html with the URL
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == link._panel.model_id


def test_the_widget_sends_the_full_links_to_its_own_view_and_never_to_a_visitor(link: Link) -> None:
    sent: list[dict[str, Any]] = []
    recorder = CommSession(lambda message, _buffers: sent.append(message))
    with session_scope(recorder):
        link._repr_mimebundle_()  # the link's widget, on a comm that records what it publishes
    panel = link._panel

    def replies() -> list[Any]:
        return [m["content"]["data"]["content"] for m in sent if m["content"]["data"].get("method") == "custom"]

    with session_scope(recorder):  # the request arriving from a visitor's page: nothing answers
        panel._receive_page_event(panel, {"event": "links"}, [])
    assert replies() == []

    panel._receive_page_event(panel, {"event": "links"}, [])  # the notebook's own view asks when it renders
    assert replies() == [{"links": [{"name": "Local link (this machine only)", "url": link.local_url}]}]

    link.close()
    assert panel.closed
    panel._receive_page_event(panel, {"event": "links"}, [])
    assert replies()[-1] == {"links": []}
    assert "closed" in shown(link) and token_of(link) not in shown(link)


def test_a_script_prints_the_full_links(capsys: pytest.CaptureFixture[str]) -> None:
    """Outside a notebook (a script, a terminal) nothing is saved: launch() prints the links whole."""
    launched = nbshare.Interface(lambda text: text, "text", "text").launch()
    try:
        assert f"Local link (this machine only): {launched.local_url}" in capsys.readouterr().out
    finally:
        launched.close()


def test_a_hub_link_that_is_only_a_path_is_completed_from_the_notebook_page(
    monkeypatch: pytest.MonkeyPatch, link: Link
) -> None:
    """A JupyterHub without public_url gives the kernel only its prefix: the proxy link is a path, which a colleague
    cannot open. The notebook's view sends its page's address; the link becomes whole there and in link.url."""
    token = token_of(link)
    bare = nbshare.share.Link(local_url=link.local_url, proxy_url=f"/user/ada/proxy/8123/?token={token}")
    sent: list[dict[str, Any]] = []
    recorder = CommSession(lambda message, _buffers: sent.append(message))
    with session_scope(recorder):
        bare._repr_mimebundle_()
    panel = bare._panel
    with session_scope(recorder):  # a visitor's page cannot move the researcher's link elsewhere
        panel._receive_page_event(panel, {"event": "links", "page": "https://evil.example/x"}, [])
    assert bare.proxy_url == f"/user/ada/proxy/8123/?token={token}"
    for refused in ("javascript:alert(1)", "vscode-webview://abc/index.html", "https://user:pw@hub.example/", 7):
        panel._receive_page_event(panel, {"event": "links", "page": refused}, [])
        assert bare.proxy_url.startswith("/user/ada/")
    panel._receive_page_event(panel, {"event": "links", "page": "https://hub.example.org:8443/user/ada/lab/tree/a"}, [])
    whole = f"https://hub.example.org:8443/user/ada/proxy/8123/?token={token}"
    assert bare.url == whole and bare.urls["proxy"] == whole
    replies = [m["content"]["data"]["content"] for m in sent if m["content"]["data"].get("method") == "custom"]
    assert replies[-1]["links"][0] == {"name": "Notebook server link", "url": whole}
    panel._receive_page_event(panel, {"event": "links", "page": "https://other.example/"}, [])
    assert bare.url == whole  # completed once: a second view elsewhere does not move it
