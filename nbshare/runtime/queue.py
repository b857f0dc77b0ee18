"""One inference queue per Interface: every viewer's calls to the model pass through it."""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

__all__ = ["Failed", "InferenceQueue", "RowsRunner"]


RowsRunner = Callable[[list[Any]], list[Any]]
"""Runs many rows in one call; returns per row a result, or a :class:`Failed` for a row that failed alone."""


@dataclass(frozen=True)
class Failed:
    """A row that failed, in a batch whose other rows did not: the error it raised."""

    error: BaseException


class InferenceQueue:
    """Run jobs on at most ``concurrency_limit`` worker threads, first come first served.

    Workers start on the first submitted job (nothing runs at import or construction) and are daemon
    threads, so a model that hangs never keeps the kernel from exiting. A job cancelled through its
    future before it starts is skipped. Rows submitted with :meth:`submit_row` that wait at the same time
    for the same runner go through it together, as one batch.
    """

    def __init__(self, concurrency_limit: int = 1) -> None:
        if not isinstance(concurrency_limit, int) or isinstance(concurrency_limit, bool) or concurrency_limit < 1:
            raise ValueError(f"concurrency_limit must be a whole number >= 1, got {concurrency_limit!r}")
        self.concurrency_limit = concurrency_limit
        self._pending: collections.deque[_Entry] = collections.deque()
        self._ready = threading.Condition()
        self._workers: list[threading.Thread] = []
        self._running = 0

    def submit(self, job: Callable[[], Any], on_start: Callable[[], None] | None = None) -> Future[Any]:
        """Queue ``job``; ``on_start`` is called on the worker thread just before the job runs."""
        return self._enqueue(_Entry(Future(), job, on_start))

    def submit_row(
        self, runner: RowsRunner, row: Any, on_start: Callable[[], None] | None = None, limit: int = 32
    ) -> Future[Any]:
        """Queue one row for ``runner``; rows for the same runner waiting together run as one batch of up to
        ``limit``. The future holds the row's result, or the exception the row (or the whole batch) raised."""
        return self._enqueue(_Entry(Future(), None, on_start, runner, row, limit))

    def _enqueue(self, entry: _Entry) -> Future[Any]:
        with self._ready:
            self._pending.append(entry)
            self._start_workers()
            self._ready.notify()
        return entry.future

    def position(self, future: Future[Any]) -> int | None:
        """How many queued jobs are ahead of ``future`` (0: next), or None when it is not waiting."""
        with self._ready:
            for index, entry in enumerate(self._pending):
                if entry.future is future:
                    return index
        return None

    @property
    def running(self) -> int:
        """How many jobs are running now."""
        return self._running

    def _start_workers(self) -> None:
        while len(self._workers) < self.concurrency_limit:
            worker = threading.Thread(target=self._work, name=f"nbshare-inference-{len(self._workers)}", daemon=True)
            self._workers.append(worker)
            worker.start()

    def _work(self) -> None:
        while True:
            with self._ready:
                while not self._pending:
                    self._ready.wait()
                entry = self._pending.popleft()
                batch = [entry, *self._take_batch_mates(entry)] if entry.runner is not None else [entry]
                batch = [member for member in batch if member.future.set_running_or_notify_cancel()]
                if not batch:
                    continue
                self._running += 1
            try:
                self._run(batch)
            finally:
                with self._ready:
                    self._running -= 1

    def _take_batch_mates(self, first: _Entry) -> list[_Entry]:
        mates = [e for e in self._pending if e.runner is not None and e.runner == first.runner][: first.limit - 1]
        for mate in mates:
            self._pending.remove(mate)
        return mates

    @staticmethod
    def _run(batch: list[_Entry]) -> None:
        try:
            for member in batch:
                if member.on_start is not None:
                    member.on_start()
            if batch[0].runner is None:
                assert batch[0].job is not None
                results = [batch[0].job()]
            else:
                results = batch[0].runner([member.row for member in batch])
        except BaseException as error:  # the worker must survive anything a model raises
            for member in batch:
                member.future.set_exception(error)
            return
        for member, result in zip(batch, results, strict=True):
            if isinstance(result, Failed):
                member.future.set_exception(result.error)
            else:
                member.future.set_result(result)


@dataclass(eq=False)
class _Entry:
    future: Future[Any]
    job: Callable[[], Any] | None
    on_start: Callable[[], None] | None
    runner: RowsRunner | None = None
    row: Any = None
    limit: int = 1
