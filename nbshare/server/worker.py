"""A visitor session's worker: the session's messages run here, in order, one at a time, never on the server's loop.

The server's event loop only parses frames, checks access and hands each message over; decoding an image,
rasterising a stroke, replaying edits or writing a flag then delays that visitor alone. The thread starts with the
first message and ends after a while without one, or when the session closes (a handler that is running finishes
first: Python cannot interrupt it).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from .._log import log_exception

__all__ = ["SessionWorker"]

IDLE_SECONDS = 30.0
MAX_WAITING_BYTES = 64 * 1024 * 1024
MAX_WAITING_MESSAGES = 1000
MAX_TOTAL_WAITING_BYTES = 256 * 1024 * 1024
"""Bytes waiting in every session's worker together: past it, each page with something still waiting is paused until
its own worker catches up, so many sessions (each under its own budget) cannot pile up the kernel's memory."""

_total_lock = threading.Lock()
_total_waiting = [0]


def total_waiting_bytes() -> int:
    """Bytes of visitors' messages waiting in every session's worker now."""
    return _total_waiting[0]


def _add_total(size: int) -> None:
    with _total_lock:
        _total_waiting[0] += size


class SessionWorker:
    """Runs jobs strictly in the order they were submitted, one at a time, on a thread named ``name``.

    While more than ``max_waiting_bytes`` (or ``max_waiting_messages``) wait, :meth:`submit` returns an awaitable
    that resolves once they drained: the server awaits it before reading that visitor's next frame, so a page that
    sends faster than its handlers run is slowed down rather than queued without bound (other visitors are not).
    """

    def __init__(
        self,
        name: str,
        *,
        max_waiting_bytes: int = MAX_WAITING_BYTES,
        max_waiting_messages: int = MAX_WAITING_MESSAGES,
        idle_seconds: float = IDLE_SECONDS,
    ) -> None:
        self.name = name
        self.max_waiting_bytes = max_waiting_bytes
        self.max_waiting_messages = max_waiting_messages
        self.idle_seconds = idle_seconds
        self.thread: threading.Thread | None = None
        """The thread running jobs now, if any."""
        self._jobs: deque[tuple[Callable[[], None], int]] = deque()
        self._waiting_bytes = 0
        self._wakeup = threading.Condition()
        self._paused: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._closed = False

    def submit(self, job: Callable[[], None], size: int = 0) -> asyncio.Future[None] | None:
        """Queue ``job`` (``size``: the bytes it holds); returns an awaitable when the submitter should wait."""
        with self._wakeup:
            if self._closed:
                return None
            self._jobs.append((job, size))
            self._waiting_bytes += size
            _add_total(size)
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self.thread.start()
            else:
                self._wakeup.notify()
            if not self._over_budget():
                return None
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # not called from an event loop: nothing to pause
                return None
            paused = loop.create_future()
            self._paused.append((loop, paused))
            return paused

    def close(self) -> None:
        """Drop the jobs not started; the thread ends once the running one (if any) returns."""
        with self._wakeup:
            self._closed = True
            self._jobs.clear()
            _add_total(-self._waiting_bytes)
            self._waiting_bytes = 0
            self._wakeup.notify()
            self._resume()

    @property
    def closed(self) -> bool:
        return self._closed

    def _over_budget(self) -> bool:
        crowded = total_waiting_bytes() > MAX_TOTAL_WAITING_BYTES and self._waiting_bytes > 0
        return crowded or self._waiting_bytes > self.max_waiting_bytes or len(self._jobs) > self.max_waiting_messages

    def _run(self) -> None:
        while True:
            with self._wakeup:
                if not self._jobs and not self._closed:
                    self._wakeup.wait(self.idle_seconds)
                if self._closed or not self._jobs:
                    self.thread = None
                    return
                job, size = self._jobs.popleft()
                self._waiting_bytes -= size
                _add_total(-size)
                if self._paused and not self._over_budget():
                    self._resume()
            try:
                job()
            except BaseException as error:  # a job reports its own errors; this is the last resort
                log_exception(f"{self.name}: a job failed", error)

    def _resume(self) -> None:
        """Let paused submitters go on (called with the lock held)."""
        paused, self._paused = self._paused, []
        for loop, future in paused:
            with contextlib.suppress(RuntimeError):  # the loop has closed (the server stopped): nobody waits
                loop.call_soon_threadsafe(_resolve, future)


def _resolve(future: asyncio.Future[Any]) -> None:
    if not future.done():
        future.set_result(None)
