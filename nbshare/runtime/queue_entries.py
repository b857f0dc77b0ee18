"""What the inference queue holds: a request waiting or running (:class:`Entry`), one call of the model on a worker
(:class:`Run`), and a worker's slot (:class:`Worker`)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Entry", "RowsRunner", "Run", "Worker"]

RowsRunner = Callable[[list[Any]], list[Any]]
"""Runs many rows in one call; returns per row a result, or a ``Failed`` for a row that failed alone."""


@dataclass(eq=False)
class Entry:
    future: Future[Any]
    job: Callable[[], Any] | None
    on_start: Callable[[], None] | None
    on_ahead: Callable[[int], None] | None = None
    runner: RowsRunner | None = None
    row: Any = None
    limit: int = 1
    detached: bool = False  # cancelled while running: its answer is dropped
    _told: int | None = None
    _started: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def moved(self, ahead: int) -> None:
        """Tell ``on_ahead`` the new count, unless it started or a lower count was told (calls may race)."""
        if self.on_ahead is None:
            return
        with self._lock:
            if self._started or (self._told is not None and ahead >= self._told):
                return
            self._told = ahead
            self.on_ahead(ahead)

    def start(self) -> None:
        with self._lock:  # after this, no queue position is told
            self._started = True
            if self.on_start is not None:
                self.on_start()

    def close(self) -> None:
        """Tell no more positions (the request left the queue without starting)."""
        with self._lock:
            self._started = True


@dataclass(eq=False)
class Run:
    batch: list[Entry]
    deadline: float  # math.inf without a timeout
    overdue: bool = False  # ran past the deadline: its callers were told, its answer is dropped
    finished: bool = False


@dataclass(eq=False)
class Worker:
    run: Run | None = None
    abandoned: bool = False
