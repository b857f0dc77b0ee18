"""A call the queue gives up on is told so (``on_abandon``), so a remote model kind can cancel its request."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from nbshare.runtime.abandon import on_abandon
from nbshare.runtime.queue import InferenceQueue, ModelTimeout, RequestCancelled

from waiting import until


def stoppable(told: list[str], name: str) -> Any:
    """A job that waits until it is told it was abandoned (as a cancelled remote request ends), or 30 s."""

    def job() -> str:
        stopped = threading.Event()
        finished = on_abandon(lambda: (told.append(name), stopped.set()))
        try:
            stopped.wait(30)
            return "stopped" if stopped.is_set() else "ran to the end"
        finally:
            finished()

    return job


def test_a_call_past_the_timeout_is_told_and_its_thread_is_freed() -> None:
    told: list[str] = []
    queue = InferenceQueue(1, timeout=0.2)
    with pytest.raises(ModelTimeout):
        queue.submit(stoppable(told, "slow")).result(10)
    until(lambda: queue.status().stuck == 0)
    assert told == ["slow"]
    assert queue.submit(lambda: "next").result(10) == "next"


def test_a_cancelled_call_is_told_and_one_that_returns_is_not() -> None:
    told: list[str] = []
    queue = InferenceQueue(1)
    started = threading.Event()
    future = queue.submit(stoppable(told, "cancelled"), on_start=started.set)
    assert started.wait(10)
    assert queue.cancel(future)
    with pytest.raises(RequestCancelled):
        future.result(10)
    until(lambda: told == ["cancelled"])
    finished: list[str] = []

    def quick() -> str:
        on_abandon(lambda: finished.append("told"))()
        return "done"

    assert queue.submit(quick).result(10) == "done"
    on_abandon(lambda: finished.append("told"))  # outside a queue's worker: nothing is watched
    assert finished == []


def test_a_batch_is_told_only_when_every_row_was_cancelled() -> None:
    told: list[str] = []
    queue = InferenceQueue(1)
    seen: list[int] = []

    def rows(batch: list[Any]) -> list[Any]:
        seen.append(len(batch))
        stopped = threading.Event()
        finished = on_abandon(lambda: (told.append("batch"), stopped.set()))
        try:
            stopped.wait(30)
            return list(batch)
        finally:
            finished()

    blocker = threading.Event()
    queue.submit(blocker.wait)  # holds the worker so the two rows queue up and run as one batch
    first, second = queue.submit_row(rows, 1), queue.submit_row(rows, 2)
    blocker.set()
    until(lambda: seen == [2])
    queue.cancel(first)
    assert told == []  # the other row still waits for its answer
    queue.cancel(second)
    until(lambda: told == ["batch"])
