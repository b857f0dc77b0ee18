"""No visitor work on the server's event loop: each session's messages run on a worker of its own, in order.

And what a visitor's messages break goes to the kernel log (rate-limited) and to that visitor's page, never into the
notebook.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import nbshare
from nbshare.widgets._component import InputError, on_event

from page_client import PageClient, run, token_cookie


class SlowBox(nbshare.Textbox):
    """A Textbox whose "slow" page event waits until the test releases it (no ``shortcuts``: not registered)."""

    release = threading.Event()
    entered = threading.Event()

    @on_event("slow")
    def _slow(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        SlowBox.entered.set()
        SlowBox.release.wait(60)
        self.placeholder = f"slow event {content.get('n')} done"

    @on_event("broken")
    def _broken(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        raise KeyError(f"a defect, with the visitor's text {content.get('text')!r}")

    @on_event("refuse")
    def _refuse_it(self, _content: dict[str, Any], _buffers: list[Any]) -> None:
        raise InputError("that is not allowed here")


def shout(text: str, _other: str) -> str:
    return text.upper()


@pytest.fixture
def link() -> Iterator[nbshare.Link]:
    SlowBox.release.clear()
    SlowBox.entered.clear()
    iface = nbshare.Interface(shout, ["text", SlowBox(label="Slow")], "text")
    link = iface.launch(inline=False, grace_seconds=0.5)
    yield link
    SlowBox.release.set()
    link.close()


def base(link: nbshare.Link) -> str:
    return link.local_url.split("?")[0]


def test_a_slow_page_event_of_one_visitor_never_delays_another_and_its_answers_keep_their_order(
    link: nbshare.Link,
) -> None:
    async def scenario() -> None:
        cookie = await token_cookie(link.local_url)
        a, b = await PageClient.connect(base(link), cookie), await PageClient.connect(base(link), cookie)
        slow = a.find("SlowBox")
        textbox = a.find("Textbox")
        first = a.custom(slow, {"event": "slow", "n": 1})
        then = a.update(textbox, value="after the slow event")  # queued behind it, on A's worker
        try:
            # While A's handler is blocked, B's whole round trip (update, Submit, answer) completes.
            assert await b.ask("hello") == "HELLO"
            assert SlowBox.entered.is_set()
            assert not a.acked(first)
        finally:
            SlowBox.release.set()
        await a.until(lambda: a.acked(then))
        assert a.models[slow]["placeholder"] == "slow event 1 done"
        kinds = [c["content"].get("msg_id") for c in a.controls if c["msg_type"] == "nbshare_ack"]
        assert kinds.index(first) < kinds.index(then)  # strictly in the order A sent them
        assert await a.ask("and on") == "AND ON"
        a.close()
        b.close()

    run(scenario())


def test_a_sessions_worker_thread_ends_when_the_session_closes(link: nbshare.Link) -> None:
    async def scenario() -> str:
        client = await PageClient.connect(base(link), await token_cookie(link.local_url))
        assert await client.ask("hi") == "HI"
        assert any(t.name == f"nbshare-visitor-{client.session}" for t in threading.enumerate())
        session = client.session
        assert session is not None
        client.close()
        return session

    session = run(scenario())
    worker = [t for t in threading.enumerate() if t.name == f"nbshare-visitor-{session}"]
    assert len(worker) == 1  # it waits for the next message a while, so a page's burst needs no new thread
    link.close()  # closes every session
    for thread in worker:
        thread.join(10)
        assert not thread.is_alive()


def test_defects_and_refusals_in_page_events_reach_that_page_and_a_bounded_log(
    link: nbshare.Link, log_lines: list[str]
) -> None:
    async def scenario() -> None:
        cookie = await token_cookie(link.local_url)
        client, other = await PageClient.connect(base(link), cookie), await PageClient.connect(base(link), cookie)
        slow = client.find("SlowBox")
        sent = [client.custom(slow, {"event": "broken", "text": f"secret {n}"}) for n in range(50)]
        sent.append(client.custom(slow, {"event": "refuse"}))
        await client.until(lambda: client.acked(sent[-1]))
        errors = client.errors()  # a Textbox has no message of its own: the page's banner says it
        assert errors[-1] == "that is not allowed here" and len(errors) == 51, errors
        assert "it was logged for the researcher" in errors[0] and "secret" not in errors[0]
        assert await client.ask("alive") == "ALIVE"
        assert other.errors() == []
        client.close()
        other.close()

    run(scenario())
    defects = [line for line in log_lines if "could not handle the page event" in line]
    assert 1 <= len(defects) <= 10
    assert any("left out" in line for line in log_lines), log_lines


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    """Every record the package's logger writes while the test runs (its real handler keeps writing too)."""
    import logging

    from nbshare import _log

    _log.log("test starts")  # the logger gets its handler on first use
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    keep = Keep()
    _log.logger.addHandler(keep)
    yield lines
    _log.logger.removeHandler(keep)


# -- in a real kernel: nothing a visitor sends prints into the notebook ---------------------------------------------


def test_fifty_bad_messages_in_a_kernel_print_nothing_into_the_notebook_and_few_log_lines(tmp_path: Path) -> None:
    with open(tmp_path / "kernel.stderr", "wb") as stderr:  # the kernel's own log (where nbshare's logger writes)
        _attack_a_kernel(stderr)
    log = (tmp_path / "kernel.stderr").read_text()
    lines = [line for line in log.splitlines() if line.startswith("[nbshare")]
    assert 1 <= len(lines) <= 12, log
    assert "visitor text 49" not in log


def _attack_a_kernel(stderr: Any) -> None:
    from jupyter_client.manager import start_new_kernel

    manager, kernel = start_new_kernel(kernel_name="python3", stderr=stderr)
    try:
        cell = (
            "import nbshare\n"
            "link = nbshare.Interface(lambda text, choice: text, ['text', nbshare.Dropdown(['a', 'b'])], 'text')"
            ".launch(inline=False)\n"
            "print('URL', link.local_url)"
        )
        printed: list[str] = []
        kernel.execute_interactive(cell, output_hook=lambda m: printed.append(m["content"].get("text", "")), timeout=60)
        url = "".join(printed).split("URL ", 1)[1].strip()

        async def attack() -> list[str]:
            client = await PageClient.connect(url.split("?")[0], await token_cookie(url))
            dropdown = client.find("Dropdown")
            sent = [client.update(dropdown, value=f"visitor text {n}") for n in range(50)]
            await client.until(lambda: client.acked(sent[-1]))
            client.close()
            return client.errors()

        errors = run(attack())
        notebook_output = _outputs_until_idle(kernel, "1")
        assert notebook_output == [], f"{len(notebook_output)} outputs in the notebook: {notebook_output[:2]}"
        assert len(errors) == 50 and "'visitor text 7' is not one of the choices" in errors[7]
        kernel.execute_interactive("link.close()", timeout=30)
    finally:
        kernel.stop_channels()
        manager.shutdown_kernel(now=True)


def _outputs_until_idle(kernel: Any, code: str) -> list[dict[str, Any]]:
    """Every output message on the kernel's iopub channel (whatever cell it claims) until ``code`` has run."""
    msg_id = kernel.execute(code, store_history=False)
    outputs = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            message = kernel.get_iopub_msg(timeout=1)
        except queue.Empty:
            continue
        kind = message["msg_type"]
        if kind in ("stream", "error", "display_data", "update_display_data"):
            outputs.append({"type": kind, "content": json.dumps(message["content"])[:300]})
        ours = message["parent_header"].get("msg_id") == msg_id
        if kind == "status" and ours and message["content"]["execution_state"] == "idle":
            return outputs
    raise TimeoutError("the kernel did not answer")
