"""One inference queue per Interface: every viewer's calls to the model pass through it."""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

__all__ = ["InferenceQueue"]


class InferenceQueue:
    """Run jobs on at most ``concurrency_limit`` worker threads, first come first served.

    Workers start on the first submitted job (nothing runs at import or construction) and are daemon
    threads, so a model that hangs never keeps the kernel from exiting. A job cancelled through its
    future before it starts is skipped.
    """

    def __init__(self, concurrency_limit: int = 1) -> None:
        if not isinstance(concurrency_limit, int) or isinstance(concurrency_limit, bool) or concurrency_limit < 1:
            raise ValueError(f"concurrency_limit must be a whole number >= 1, got {concurrency_limit!r}")
        self.concurrency_limit = concurrency_limit
        self._pending: collections.deque[tuple[Future[Any], Callable[[], Any], Callable[[], None] | None]] = (
            collections.deque()
        )
        self._ready = threading.Condition()
        self._workers: list[threading.Thread] = []
        self._running = 0

    def submit(self, job: Callable[[], Any], on_start: Callable[[], None] | None = None) -> Future[Any]:
        """Queue ``job``; ``on_start`` is called on the worker thread just before the job runs."""
        future: Future[Any] = Future()
        with self._ready:
            self._pending.append((future, job, on_start))
            self._start_workers()
            self._ready.notify()
        return future

    def position(self, future: Future[Any]) -> int | None:
        """How many queued jobs are ahead of ``future`` (0: next), or None when it is not waiting."""
        with self._ready:
            for index, (queued, _job, _on_start) in enumerate(self._pending):
                if queued is future:
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
                future, job, on_start = self._pending.popleft()
                if not future.set_running_or_notify_cancel():
                    continue
                self._running += 1
            try:
                if on_start is not None:
                    on_start()
                result = job()
            except BaseException as error:  # the worker must survive anything a model raises
                future.set_exception(error)
            else:
                future.set_result(result)
            finally:
                with self._ready:
                    self._running -= 1
