"""Flags from a visitor's page: each input's own limits apply, reasons are short, a rate per page, a size per flag,
and text that is not valid Unicode is refused with a reason. Over a real websocket, as a page would send them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nbshare
from nbshare.flagging import FlagError, FlagStore
from nbshare.values.stored import JsonValue, as_stored

from page_client import PageClient, run, token_cookie


def echo(text: str) -> str:
    return text


@pytest.fixture
def link(tmp_path: Path) -> Iterator[nbshare.Link]:
    iface = nbshare.Interface(echo, nbshare.Textbox(max_length=20), "text", flagging_dir=tmp_path / "flags")
    link = iface.launch(inline=False)
    yield link
    link.close()


def records(tmp_path: Path) -> list[dict[str, Any]]:
    lines = tmp_path / "flags" / "flags.jsonl"
    return [json.loads(line) for line in lines.read_text().splitlines()] if lines.exists() else []


async def connect(link: nbshare.Link) -> PageClient:
    return await PageClient.connect(link.local_url.split("?")[0], await token_cookie(link.local_url))


async def flag(client: PageClient, option: Any = None, message: Any = "") -> dict[str, Any]:
    """Press Flag; returns the control's state once the kernel answered."""
    control = client.find("FlagControl")
    sent = client.custom(control, {"event": "flag", "option": option, "message": message})
    await client.until(lambda: client.acked(sent))
    return client.models[control]


def test_a_flag_refuses_an_input_over_its_own_limit_with_the_message_submit_gives(
    link: nbshare.Link, tmp_path: Path
) -> None:
    async def scenario() -> None:
        client = await connect(link)
        # The page's over-long text is refused as it arrives (the value is never held)...
        client.update(client.find("Textbox"), value="x" * 4000)
        await client.until(lambda: client.errors())
        assert any("4,000 characters long; the limit is 20" in error for error in client.errors())
        # ...and a value set in the kernel (a notebook, a loaded flag) meets the same limit when flagged.
        link.server.sessions[client.session].view.inputs[0].set_trait("value", "x" * 4000)
        assert "4,000 characters long; the limit is 20" in (await flag(client, message="too long?"))["error"]
        assert records(tmp_path) == []
        client.update(client.find("Textbox"), value="short")
        state = await flag(client, message="fine now")
        assert state["error"] == "" and state["confirmation"].startswith("Flagged")
        assert [r["values"]["Text"]["value"] for r in records(tmp_path)] == ["short"]

    run(scenario())


def test_a_reason_is_short_when_none_are_offered_and_text_must_be_valid_unicode(
    link: nbshare.Link, tmp_path: Path
) -> None:
    async def scenario() -> None:
        client = await connect(link)
        assert "the reason is 3,000,000 characters; the limit is 200" in (await flag(client, "r" * 3_000_000))["error"]
        assert (await flag(client, ["not", "text"]))["error"] == "the reason must be text"
        lone = await flag(client, message="see \ud800 here")
        assert "U+D800 at position 5" in lone["error"] and "remove it" in lone["error"]
        assert "U+DC00" in (await flag(client, option="\udc00"))["error"]
        assert (await flag(client, "r" * 200, "fine"))["confirmation"].startswith("Flagged")
        assert [r["option"] for r in records(tmp_path)] == ["r" * 200]

    run(scenario())


def test_a_page_may_flag_ten_times_a_minute_then_hears_when_to_try_again(link: nbshare.Link, tmp_path: Path) -> None:
    async def scenario() -> None:
        client = await connect(link)
        for n in range(10):
            assert (await flag(client, message=f"flag {n}"))["error"] == ""
        refused = (await flag(client, message="one too many"))["error"]
        assert refused.startswith("You have sent 10 flags in the last 60 s") and "try again in" in refused
        other = await connect(link)  # the limit is this page's, not everyone's
        assert (await flag(other, message="another visitor"))["error"] == ""
        assert len(records(tmp_path)) == 11

    run(scenario())


def test_a_flag_over_the_stores_size_budget_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    store = FlagStore(tmp_path / "flags", max_flag_bytes=100_000)
    store.append({"message": "small"}, {"x": {"role": "input", "value": JsonValue("a")}})
    picture = np.random.default_rng(0).integers(0, 255, (300, 300, 3), dtype=np.uint8)
    with pytest.raises(FlagError, match=r"more than 100\.0 KB on disk.*iface\.flag_store\.max_flag_bytes"):
        store.append({"message": "big"}, {"x": {"role": "input", "value": as_stored(picture)}})
    assert [r["message"] for r in store.records()] == ["small"]
    assert list((tmp_path / "flags" / "files").iterdir()) == []
    with pytest.raises(FlagError, match="not valid Unicode"):
        store.append({"message": "ok"}, {"x": {"role": "input", "value": JsonValue("half \ud83d")}})
    assert len(store.records()) == 1
