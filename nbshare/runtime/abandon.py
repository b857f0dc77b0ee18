"""Telling a running model call that nobody waits for it any more, so a call that can be stopped (a request to a
remote deployment) is cancelled instead of left running.

The queue marks the requests waiting for the call it runs on a worker thread (:func:`awaited_by`); a model kind that
can stop its call asks to be told (:func:`on_abandon`) when every one of them has stopped waiting before the call
returned: the call ran past the queue's ``timeout``, or each of its callers cancelled it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any

from .._log import log_exception

__all__ = ["awaited_by", "on_abandon"]

_local = threading.local()


@contextmanager
def awaited_by(futures: list[Future[Any]]) -> Iterator[None]:
    """While the block runs, the call on this thread is awaited by ``futures`` (one per request it answers)."""
    previous = getattr(_local, "futures", None)
    _local.futures = futures
    try:
        yield
    finally:
        _local.futures = previous


def on_abandon(callback: Callable[[], None]) -> Callable[[], None]:
    """Run ``callback`` once, when every request awaiting the call running on this thread stops waiting before the
    call ends (it ran past the timeout, or was cancelled). Returns ``finished``: call it when the call ends; after it,
    ``callback`` never runs. Outside a queue's worker (nobody awaits through a queue) nothing is watched.

    ``callback`` runs on the thread that gave up (the queue's watchdog, a viewer's Cancel); it must not block.
    """
    futures = list(getattr(_local, "futures", None) or [])
    watch = _Watch(callback, len(futures))
    for future in futures:
        future.add_done_callback(watch.one_stopped)
    return watch.finish


class _Watch:
    def __init__(self, callback: Callable[[], None], waiting: int) -> None:
        self.callback = callback
        self.waiting = waiting
        self.over = waiting == 0
        self.lock = threading.Lock()

    def one_stopped(self, _future: Future[Any]) -> None:
        with self.lock:
            self.waiting -= 1
            if self.over or self.waiting > 0:
                return
            self.over = True
        try:
            self.callback()
        except Exception as error:  # stopping a call is best effort: the caller has its answer already
            log_exception("an abandoned call could not be stopped", error)

    def finish(self) -> None:
        with self.lock:
            self.over = True
