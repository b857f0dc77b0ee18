"""A viewer's status line under a shared queue: the timeout message, Cancel, and the live count ahead."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import nbshare
from nbshare.ui.view import InterfaceView

from waiting import until


@pytest.fixture
def gates() -> Iterator[dict[str, threading.Event]]:
    """One event per input text the model waits on; all set at the end so no thread is left hanging."""
    events: dict[str, threading.Event] = {}
    yield events
    for event in events.values():
        event.set()


def model_waiting_on(gates: dict[str, threading.Event], calls: list[str]) -> Callable[[str], str]:
    for name in ("hang", "first", "second"):
        gates.setdefault(name, threading.Event())

    def model(text: str) -> str:
        calls.append(text)
        if text in gates:
            gates[text].wait(30)
        return text.upper()

    return model


def ask(view: InterfaceView, text: str) -> Any:
    view.inputs[0].value = text
    return view.submit()


def press_cancel(view: InterfaceView) -> None:
    """What the page's Cancel button sends, through the one door for page events."""
    view.status._receive_page_event(view.status, {"event": "cancel"}, [])


def test_a_hanging_call_fails_for_its_visitor_alone_and_the_next_visitor_is_answered(gates) -> None:
    calls: list[str] = []
    iface = nbshare.Interface(model_waiting_on(gates, calls), "text", "text", concurrency_limit=1, timeout=0.5)
    stuck, other = iface.view(), iface.view()
    ask(stuck, "hang")
    until(lambda: stuck.status.state == "running")
    answered = ask(other, "hello")
    assert answered.result(10)[0] == ["HELLO"]
    until(lambda: other.status.state == "done" and stuck.status.state == "error")
    assert stuck.status.message.startswith("The model took longer than 0.5 s")
    assert other.outputs[0].value == "HELLO" and stuck.outputs[0].value == ""
    assert iface.status().stuck == 1


def test_the_fifth_stuck_call_makes_new_requests_fail_at_once_with_a_clear_message(gates) -> None:
    iface = nbshare.Interface(model_waiting_on(gates, []), "text", "text", timeout=0.05)
    view = iface.view()
    for _ in range(5):  # four threads left behind, then the one slot waits for its own overdue call
        ask(view, "hang").exception(10)
    assert iface.status().stuck == 5
    refused = ask(view, "anything")
    assert refused.done()
    until(lambda: view.status.state == "error")
    assert view.status.message.startswith("The model is stuck: 5 call(s) ran past the 0.05 s timeout")
    gates["hang"].set()
    until(lambda: iface.status().stuck == 0)
    assert iface.predict("back") == "BACK"


def test_cancel_withdraws_a_queued_request_and_the_model_never_sees_it(gates) -> None:
    calls: list[str] = []
    iface = nbshare.Interface(model_waiting_on(gates, calls), "text", "text")
    first, withdrawing, last = iface.view(), iface.view(), iface.view()
    ask(first, "first")
    until(lambda: first.status.state == "running")
    ask(withdrawing, "withdrawn")
    answered = ask(last, "last")
    assert last.status.ahead == 1
    press_cancel(withdrawing)
    assert withdrawing.status.state == "cancelled"
    until(lambda: last.status.ahead == 0)
    gates["first"].set()
    assert answered.result(10)[0] == ["LAST"]
    assert calls == ["first", "last"]
    assert withdrawing.outputs[0].value == ""


def test_cancel_frees_a_running_request_at_once_and_its_answer_is_never_shown(gates) -> None:
    calls: list[str] = []
    iface = nbshare.Interface(model_waiting_on(gates, calls), "text", "text")
    view, other = iface.view(), iface.view()
    ask(view, "ready").result(10)
    until(lambda: view.status.state == "done")
    ask(view, "hang")
    until(lambda: view.status.state == "running")
    behind = ask(other, "other")
    press_cancel(view)
    assert view.status.state == "cancelled"  # at once, although the model is still running
    again = ask(view, "again")  # the view is free: a new request queues
    gates["hang"].set()
    assert behind.result(10)[0] == ["OTHER"] and again.result(10)[0] == ["AGAIN"]
    until(lambda: view.status.state == "done" and other.status.state == "done")
    assert view.outputs[0].value == "AGAIN" and other.outputs[0].value == "OTHER"
    assert calls == ["ready", "hang", "other", "again"]


def test_cancel_with_nothing_in_flight_changes_nothing() -> None:
    view = nbshare.Interface(str.upper, "text", "text").view()
    ask(view, "done").result(10)
    until(lambda: view.status.state == "done")
    assert not view.cancel()
    assert view.status.state == "done" and view.outputs[0].value == "DONE"


def test_the_count_ahead_is_recounted_as_the_queue_moves(gates) -> None:
    iface = nbshare.Interface(model_waiting_on(gates, []), "text", "text")
    views = [iface.view() for _ in range(4)]
    ask(views[0], "hang")
    until(lambda: views[0].status.state == "running")
    ask(views[1], "first")
    ask(views[2], "second")
    watched = views[3]
    seen: list[object] = []
    watched.status.observe(lambda change: seen.append(change["new"]), ["ahead", "state"])
    answered = ask(watched, "mine")
    assert watched.status.ahead == 2  # told at once
    press_cancel(views[2])  # a request ahead leaves
    until(lambda: watched.status.ahead == 1)
    gates["hang"].set()  # the running one ends, so the first request ahead starts
    until(lambda: watched.status.ahead == 0)
    gates["first"].set()  # ... and ends, so this one starts
    assert answered.result(10)[0] == ["MINE"]
    until(lambda: watched.status.state == "done")
    assert [s for s in seen if isinstance(s, int)] == [2, 1, 0]
    assert [s for s in seen if isinstance(s, str)] == ["queued", "running", "done"]


def test_a_view_that_closes_withdraws_its_queued_request(gates) -> None:
    calls: list[str] = []
    iface = nbshare.Interface(model_waiting_on(gates, calls), "text", "text")
    first, leaving = iface.view(), iface.view()
    ask(first, "first")
    until(lambda: first.status.state == "running")
    withdrawn = ask(leaving, "left")
    leaving.close()  # the visitor closed the tab
    assert withdrawn.cancelled()
    gates["first"].set()
    assert iface.predict("after") == "AFTER"
    assert calls == ["first", "after"]
