"""The loop back to the collaborator over real websockets: two visitors flag, the researcher swaps the model, re-tests
the flags and replies to one; the reply reaches that visitor's open page live and their next visit from the same
browser, never the other visitor's page, which never sees the first visitor's flags either."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import nbshare

from page_client import PageClient, fetch, run, token_cookie


def careless(text: str) -> dict[str, float]:
    return {"pacemaker": 0.9, "no pacemaker": 0.1}


def reads_the_report(text: str) -> dict[str, float]:
    device = 0.9 if "device" in text else 0.1
    return {"pacemaker": device, "no pacemaker": 1 - device}


@pytest.fixture
def iface(tmp_path: Path) -> Iterator[nbshare.Interface]:
    iface = nbshare.Interface(
        careless, nbshare.Textbox(label="Report"), nbshare.Label(label="Finding"), flagging_dir=tmp_path, version="v1"
    )
    yield iface
    iface.close()


async def visit(link: nbshare.Link, cookie: str) -> PageClient:
    return await PageClient.connect(link.local_url.split("?")[0], cookie)


async def ask_and_flag(client: PageClient, report: str, message: str) -> None:
    textbox, actions, finding = client.find("Textbox"), client.find("Actions"), client.find("Label")
    client.update(textbox, value=report)
    client.custom(actions, {"event": "submit"})
    await client.until(lambda: (client.models[finding].get("value") or {}).get("label"))
    sent = client.custom(client.find("FlagControl"), {"event": "flag", "option": "", "message": message})
    await client.until(lambda: client.acked(sent))
    assert client.models[client.find("FlagControl")]["error"] == ""


def your_flags(client: PageClient) -> dict[str, Any]:
    return client.models[client.find("YourFlags")]


def everything(client: PageClient) -> str:
    """All the page holds: every widget's state and every control message."""
    return json.dumps([client.models, client.controls], default=str)


async def round_trip(client: PageClient) -> None:
    """A message the kernel answers: whatever it sent this page before has arrived."""
    sent = client.custom(client.find("Actions"), {"event": "no such event"})
    await client.until(lambda: client.acked(sent))


def test_a_reply_reaches_the_flagging_visitor_live_and_next_visit_and_never_another(iface: nbshare.Interface) -> None:
    link = iface.launch(inline=False)
    notebook = iface.view()
    inbox = iface.inbox()

    async def scenario() -> None:
        alice_cookie, bob_cookie = await token_cookie(link.local_url), await token_cookie(link.local_url)
        alice, bob = await visit(link, alice_cookie), await visit(link, bob_cookie)
        assert your_flags(alice)["items"] == [] and your_flags(bob)["items"] == []
        await ask_and_flag(alice, "clear lungs, nothing implanted", "wrong: <b>there is no pacemaker</b>")
        await alice.until(lambda: your_flags(alice)["items"])
        assert [(i["message"], i["status"]) for i in your_flags(alice)["items"]] == [
            ("wrong: <b>there is no pacemaker</b>", "sent")
        ]
        await ask_and_flag(bob, "a device in the chest", "bob agrees")
        await bob.until(lambda: your_flags(bob)["items"])
        assert [i["message"] for i in your_flags(bob)["items"]] == ["bob agrees"]
        # The notebook's inbox got both rows; none of its widgets went to a visitor's page.
        assert len(inbox._rows.children) == 2
        assert not any(state.get("description") == "Load" for state in alice.models.values())
        assert notebook.your_flags is not None and notebook.your_flags.items == []  # the notebook flagged nothing

        # The researcher retrains, re-tests the flags, and answers Alice.
        iface.swap(reads_the_report, version="v2")
        frame = iface.retest_flags(progress=False)
        assert list(frame["message"]) == ["wrong: <b>there is no pacemaker</b>", "bob agrees"]
        assert list(frame["Finding now"]) == ["no pacemaker", "pacemaker"] and frame["changed"].tolist() == [
            True,
            False,
        ]
        await alice.until(lambda: your_flags(alice)["items"][0]["retests"])
        assert your_flags(alice)["items"][0]["retests"] == ["Re-tested on v2: answer changed (now 'no pacemaker')"]
        await bob.until(lambda: your_flags(bob)["items"][0]["retests"])
        assert your_flags(bob)["items"][0]["retests"] == ["Re-tested on v2: answer unchanged"]

        text = "<script>alert('x')</script> Right, v2 reads the report now."
        iface.reply(frame.loc[0, "id"], text)
        await alice.until(lambda: your_flags(alice)["replies"] == 1)
        item = your_flags(alice)["items"][0]
        assert item["status"] == "replied" and item["replies"][0]["text"] == text  # text, set as text by the page
        await round_trip(bob)
        assert "Right, v2" not in everything(bob) and "there is no pacemaker" not in everything(bob)
        assert "bob agrees" not in everything(alice)
        forged = bob.update(bob.find("YourFlags"), items=[{"message": "forged"}])  # the list is the kernel's
        await bob.until(lambda: bob.acked(forged))
        assert any("may not change YourFlags.items" in error for error in bob.errors())

        # Alice comes back later from the same browser: a new session, the same flags and the reply.
        alice.close()
        again = await visit(link, alice_cookie)
        assert again.session != alice.session
        item = your_flags(again)["items"][0]
        assert (item["message"], item["status"], item["replies"][0]["text"]) == (
            "wrong: <b>there is no pacemaker</b>",
            "replied",
            text,
        )
        assert "bob agrees" not in everything(again)
        # Bob comes back: still only his own.
        bob.close()
        bob_again = await visit(link, bob_cookie)
        assert [i["message"] for i in your_flags(bob_again)["items"]] == ["bob agrees"]
        assert "Right, v2" not in everything(bob_again) and "there is no pacemaker" not in everything(bob_again)
        again.close()
        bob_again.close()

    try:
        run(scenario())
    finally:
        link.close()


def test_visitors_of_a_link_with_a_sign_in_are_known_by_it(iface: nbshare.Interface) -> None:
    link = iface.launch(inline=False, auth=[("alice", "alice-password"), ("bob", "bob-password")])

    async def signed_in(user: str) -> str:
        """A new browser that signs in as ``user``: its Cookie header."""
        cookie = await token_cookie(link.local_url)
        origin = {"Origin": f"http://127.0.0.1:{link.server.port}"}  # type: ignore[union-attr]
        body = f"username={user}&password={user}-password"
        response = await fetch(link.local_url.split("?")[0] + "login", cookie, body=body, method="POST", headers=origin)
        assert response.code == 303, response.code
        return f"{cookie}; {response.headers['Set-Cookie'].split(';')[0]}"

    async def scenario() -> None:
        alice = await visit(link, await signed_in("alice"))
        await ask_and_flag(alice, "clear lungs", "alice's flag")
        alice.close()
        elsewhere = await visit(link, await signed_in("alice"))  # another browser, the same sign-in
        assert [i["message"] for i in your_flags(elsewhere)["items"]] == ["alice's flag"]
        bob = await visit(link, await signed_in("bob"))
        assert your_flags(bob)["items"] == [] and "alice's flag" not in everything(bob)
        record = iface.flag_store.records()[0]
        assert record["user"] == "alice" and record["visitor"] == "user alice"
        elsewhere.close()
        bob.close()

    try:
        run(scenario())
    finally:
        link.close()
