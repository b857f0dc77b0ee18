"""Visitors' heavy handlers take turns in one lane; small events and the notebook's own events never wait for it."""

from __future__ import annotations

import threading
from typing import Any

import traitlets

import nbshare
from nbshare._routing import CommSession, session_scope
from nbshare.widgets._component import on_event


class Slow(nbshare.Textbox):
    """A test component whose heavy handler waits until released, and whose light one answers at once."""

    release = threading.Event()
    entered = threading.Semaphore(0)
    inside = 0
    most_inside = 0
    lock = threading.Lock()
    light_calls = traitlets.Int(0)

    @on_event("crunch", heavy=True)
    def _crunch(self, _content: dict[str, Any], _buffers: list[Any]) -> None:
        with Slow.lock:
            Slow.inside += 1
            Slow.most_inside = max(Slow.most_inside, Slow.inside)
        Slow.entered.release()
        Slow.release.wait(10)
        with Slow.lock:
            Slow.inside -= 1

    @on_event("ping")
    def _ping(self, _content: dict[str, Any], _buffers: list[Any]) -> None:
        self.light_calls += 1


def _in_session(widget: Slow, event: str) -> threading.Thread:
    session = CommSession(lambda _message, _buffers: None)

    def send() -> None:
        with session_scope(session):
            widget._receive_page_event(widget, {"event": event}, [])

    thread = threading.Thread(target=send)
    thread.start()
    return thread


def test_two_visitors_heavy_handlers_take_turns_while_light_events_and_the_notebook_go_on() -> None:
    Slow.release.clear()
    first, second = Slow(), Slow()
    crunching = [_in_session(first, "crunch"), _in_session(second, "crunch")]
    assert Slow.entered.acquire(timeout=5)  # one heavy handler is running...
    assert not Slow.entered.acquire(timeout=0.3)  # ...and the other waits for the lane
    _in_session(second, "ping").join(5)  # a light event of the waiting visitor is not held up
    assert second.light_calls == 1
    notebook = threading.Thread(target=first._receive_page_event, args=(first, {"event": "crunch"}, []))
    notebook.start()  # the notebook's own heavy event (no session): no lane, so it runs beside the visitor's
    assert Slow.entered.acquire(timeout=5)
    Slow.release.set()
    for thread in [*crunching, notebook]:
        thread.join(5)
    assert Slow.most_inside == 2  # the notebook's one ran beside a visitor's; two visitors' never did together
