"""The inference queue under a model that hangs: timeouts, the cap on abandoned workers, cancel, live positions."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

import pytest

import nbshare
from nbshare.runtime.queue import InferenceQueue, ModelStuck, ModelTimeout, RequestCancelled

from waiting import until


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Set at the end of the test, so every thread a hanging model holds finishes."""
    event = threading.Event()
    yield event
    event.set()


def test_a_call_past_the_timeout_fails_for_its_caller_and_the_next_one_is_answered(release: threading.Event) -> None:
    queue = InferenceQueue(concurrency_limit=1, timeout=0.2)
    hanging = queue.submit(lambda: release.wait(30) and "late answer")
    behind = queue.submit(lambda: "next")
    assert behind.result(10) == "next"  # the queue moved on past the stuck call
    with pytest.raises(ModelTimeout, match=r"^The model took longer than 0\.2 s"):
        hanging.result(10)
    assert queue.status().stuck == 1
    release.set()  # the abandoned thread finishes; its answer is discarded
    until(lambda: queue.status().stuck == 0)
    assert isinstance(hanging.exception(), ModelTimeout)
    assert queue.submit(lambda: "alive").result(10) == "alive"


def test_abandoned_workers_are_capped_and_then_requests_fail_at_once(release: threading.Event) -> None:
    def inference_threads() -> int:
        return sum(t.name.startswith("nbshare-inference-") for t in threading.enumerate())

    before = inference_threads()
    queue = InferenceQueue(concurrency_limit=1, timeout=0.05, max_abandoned=2)
    ran: list[str] = []
    for _ in range(2):  # each overdue call is left behind and a fresh worker takes its slot
        with pytest.raises(ModelTimeout):
            queue.submit(lambda: release.wait(30)).result(10)
    last = queue.submit(lambda: release.wait(30))
    waiting = queue.submit(lambda: ran.append("waiting"))
    with pytest.raises(ModelTimeout):
        last.result(10)
    with pytest.raises(ModelStuck, match="The model is stuck: 3 call"):  # no slot is left to run it
        waiting.result(10)
    refused = queue.submit(lambda: ran.append("refused"))
    assert refused.done()  # fails fast, without waiting for anything
    assert "at most 2 are left running" in str(refused.exception())
    assert queue.status().stuck == 3
    assert inference_threads() - before <= 1 + 2 + 1  # the slot, two abandoned threads, the watchdog
    release.set()
    until(lambda: queue.status().stuck == 0)
    assert queue.submit(lambda: "back").result(10) == "back"
    assert ran == []  # the requests refused while stuck never reached the model


def test_a_cancelled_waiting_request_leaves_the_queue_and_never_reaches_the_model(release: threading.Event) -> None:
    queue = InferenceQueue()
    calls: list[str] = []
    started = threading.Event()
    queue.submit(lambda: started.set() or release.wait(30))
    assert started.wait(10)
    withdrawn = queue.submit(lambda: calls.append("withdrawn"))
    kept = queue.submit(lambda: calls.append("kept"))
    assert queue.position(kept) == 1
    assert queue.cancel(withdrawn)
    assert withdrawn.cancelled() and queue.position(kept) == 0
    release.set()
    kept.result(10)
    assert calls == ["kept"]


def test_a_cancelled_running_request_is_freed_at_once_and_its_answer_dropped(release: threading.Event) -> None:
    queue = InferenceQueue()
    started = threading.Event()
    running = queue.submit(lambda: started.set() or (release.wait(30) and "dropped"))
    other = queue.submit(lambda: "other")
    assert started.wait(10)
    assert queue.cancel(running)
    assert isinstance(running.exception(timeout=0), RequestCancelled)  # at once, while the model still runs
    assert not queue.cancel(running)  # nothing left to withdraw
    release.set()
    assert other.result(10) == "other"  # another caller's request is not affected
    assert isinstance(running.exception(), RequestCancelled)


def test_the_count_ahead_is_told_again_as_requests_ahead_start_or_leave(release: threading.Event) -> None:
    queue = InferenceQueue()
    gates = {name: threading.Event() for name in ("first", "x")}
    started = threading.Event()
    queue.submit(lambda: started.set() or gates["first"].wait(30))
    assert started.wait(10)
    queue.submit(lambda: gates["x"].wait(30))
    leaving = queue.submit(lambda: None)
    seen: list[object] = []
    mine = queue.submit(lambda: "mine", on_start=lambda: seen.append("started"), on_ahead=seen.append)
    assert seen == [2]  # told at once
    assert queue.cancel(leaving)  # one ahead leaves
    until(lambda: seen[-1] == 1)
    gates["first"].set()  # the running one ends, the next ahead starts
    until(lambda: seen[-1] == 0)
    gates["x"].set()
    assert mine.result(10) == "mine"
    assert seen == [2, 1, 0, "started"]


def test_rows_waiting_together_still_go_through_as_one_batch_and_obey_the_timeout(release: threading.Event) -> None:
    calls: list[list[str]] = []
    started = threading.Event()

    def shout(texts: list[str]) -> list[str]:
        calls.append(list(texts))
        if texts == ["first"]:
            started.set()
        if "hang" in texts or texts == ["first"]:
            release.wait(30)
        return [text.upper() for text in texts]

    iface = nbshare.Interface(shout, "text", "text", batch=True, timeout=0.2)
    first = iface.runner.submit(["first"])
    assert started.wait(10)
    rows = [iface.runner.submit([text]) for text in ("a", "hang", "b")]
    with pytest.raises(ModelTimeout):
        first.result(10)
    for row in rows:  # one batch, over its time: every row in it fails with the timeout
        with pytest.raises(ModelTimeout, match=r"The model took longer than 0\.2 s"):
            row.result(10)
    assert calls == [["first"], ["a", "hang", "b"]]
    assert iface.predict("ok") == "OK"


def test_predict_process_and_explanations_obey_the_timeout(release: threading.Event) -> None:
    def length(text: str) -> float:
        if "hang" in text:
            release.wait(30)
        return float(len(text))

    iface = nbshare.Interface(length, "text", "number", timeout=0.2, interpretation="occlusion")
    with pytest.raises(ModelTimeout, match=r"The model took longer than 0\.2 s"):
        iface.predict("hang")
    with pytest.raises(ModelTimeout):
        iface.process(["fine", "hang"], progress=False)
    with pytest.raises(ModelTimeout):
        iface.explain("please hang")
    assert iface.predict("four") == 4.0
    status = iface.status()
    assert (status.queued, status.running, status.timeout, status.version) == (0, 0, 0.2, iface.version)
    assert status.stuck == 3


@pytest.mark.parametrize("timeout", [0, -1, True, "5"])
def test_timeout_must_be_a_positive_number_of_seconds(timeout: object) -> None:
    with pytest.raises(ValueError, match="timeout must be None or a number of seconds > 0"):
        nbshare.Interface(lambda t: t, "text", "text", timeout=timeout)


def test_without_a_timeout_nothing_is_abandoned() -> None:
    queue = InferenceQueue()
    gate = threading.Event()
    slow: Future[Any] = queue.submit(lambda: gate.wait(30) and "slow")
    until(lambda: queue.status().running == 1)
    assert queue.status().stuck == 0
    gate.set()
    assert slow.result(10) == "slow"


def test_a_swap_to_a_model_of_another_kind_takes_its_concurrency_and_a_lower_limit_is_obeyed_at_once(
    release: threading.Event,
) -> None:
    """A model in the kernel runs one call at a time; swapped to a kind whose calls may overlap (a remote deployment)
    three run at once; swapped back, one at a time again, although three workers were started."""
    from nbshare.runtime.models._kind import _KINDS
    from nbshare.runtime.models.function import Function

    class Deployment:
        def __call__(self, text: str) -> str:
            release.wait(30)
            return text

    class RemoteKind(Function):  # as the Ray kind: detected first, calls in flight at once
        name = "test-remote"
        order = 1
        concurrency = 3

        @classmethod
        def matches(cls, obj):
            return isinstance(obj, Deployment)

    def local(text: str) -> str:
        release.wait(30)
        return text

    try:
        iface = nbshare.Interface(local, "text", "text")
        queue = iface.runner.queue
        iface.swap(Deployment())
        first = [iface.runner.submit([str(i)]) for i in range(3)]
        until(lambda: queue.status().running == 3)  # three calls in flight
        release.set()
        assert [f.result(30)[0] for f in first] == [["0"], ["1"], ["2"]]
        release.clear()
        iface.swap(local)
        second = [iface.runner.submit([str(i)]) for i in range(3)]
        until(lambda: queue.status().running == 1 and queue.status().queued == 2)  # the others wait their turn
        release.set()
        assert [f.result(30)[0] for f in second] == [["0"], ["1"], ["2"]]
        fixed = nbshare.Interface(local, "text", "text", concurrency_limit=2)
        fixed.swap(Deployment())
        assert fixed.runner.queue.concurrency_limit == 2  # a limit the researcher gave stays
    finally:
        _KINDS.pop("test-remote", None)
