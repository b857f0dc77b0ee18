"""Model calls seen from visitors' pages over real sockets: the timeout, Cancel, and the live count ahead."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

import nbshare

from page_client import PageClient, run, token_cookie

GATES = {name: threading.Event() for name in ("hang", "slow")}
CALLS: list[str] = []


def answer(text: str) -> str:
    CALLS.append(text)
    if text in GATES:
        GATES[text].wait(30)
    return text.upper()


@pytest.fixture
def link(request: pytest.FixtureRequest) -> Iterator[nbshare.Link]:
    """The interface shared by a link, with the model timeout a test passes as the fixture's parameter (or none)."""
    CALLS.clear()
    for gate in GATES.values():
        gate.clear()
    timeout = getattr(request, "param", None)
    iface = nbshare.Interface(answer, "text", "text", concurrency_limit=1, timeout=timeout)
    link = iface.launch(inline=False, grace_seconds=0.5)
    yield link
    for gate in GATES.values():  # no thread is left waiting
        gate.set()
    link.close()


def base(link: nbshare.Link) -> str:
    return link.local_url.split("?")[0]


def submit(client: PageClient, text: str) -> None:
    client.update(client.find("Textbox"), value=text)
    client.custom(client.find("Actions"), {"event": "submit"})


def status(client: PageClient) -> dict:
    return client.models[client.find("Status")]


@pytest.mark.parametrize("link", [0.5], indirect=True)
def test_a_hanging_call_fails_for_its_visitor_and_the_visitor_queued_behind_is_answered(link: nbshare.Link) -> None:
    async def scenario() -> None:
        cookie = await token_cookie(link.local_url)
        stuck, other = await PageClient.connect(base(link), cookie), await PageClient.connect(base(link), cookie)
        submit(stuck, "hang")
        await stuck.until(lambda: status(stuck).get("state") == "running")
        submit(other, "hello")
        assert await other.until(lambda: other.models[other.find("Text")].get("value")) == "HELLO"
        await stuck.until(lambda: status(stuck).get("state") == "error")
        assert status(stuck)["message"].startswith("The model took longer than 0.5 s")
        assert await stuck.ask("again") == "AGAIN"  # the visitor's session lives on
        stuck.close()
        other.close()

    run(scenario())


def test_cancel_withdraws_a_queued_request_and_the_count_ahead_of_others_falls(link: nbshare.Link) -> None:
    async def scenario() -> None:
        cookie = await token_cookie(link.local_url)
        first, leaving, watching = [await PageClient.connect(base(link), cookie) for _ in range(3)]
        submit(first, "slow")
        await first.until(lambda: status(first).get("state") == "running")
        submit(leaving, "withdrawn")
        await leaving.until(lambda: status(leaving).get("state") == "queued")
        submit(watching, "mine")
        await watching.until(lambda: status(watching).get("state") == "queued" and status(watching)["ahead"] == 1)
        leaving.custom(leaving.find("Status"), {"event": "cancel"})
        await leaving.until(lambda: status(leaving).get("state") == "cancelled")
        await watching.until(lambda: status(watching)["ahead"] == 0)  # recounted without any message from it
        GATES["slow"].set()
        assert await watching.until(lambda: watching.models[watching.find("Text")].get("value")) == "MINE"
        assert "withdrawn" not in CALLS
        for client in (first, leaving, watching):
            client.close()

    run(scenario())


def test_cancel_frees_a_visitor_whose_request_is_running(link: nbshare.Link) -> None:
    async def scenario() -> None:
        cookie = await token_cookie(link.local_url)
        client = await PageClient.connect(base(link), cookie)
        submit(client, "slow")
        await client.until(lambda: status(client).get("state") == "running")
        client.custom(client.find("Status"), {"event": "cancel"})
        await client.until(lambda: status(client).get("state") == "cancelled")
        GATES["slow"].set()
        assert await client.ask("next") == "NEXT"  # the withdrawn answer is never shown
        assert client.models[client.find("Text")]["value"] == "NEXT"
        client.close()

    run(scenario())
