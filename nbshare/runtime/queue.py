"""One inference queue per Interface: every viewer's calls to the model pass through it.

A call that runs past the queue's ``timeout`` fails for its callers (:class:`ModelTimeout`) and the queue moves on: a
fresh worker takes the place of the stuck one, whose thread is left to finish (Python cannot interrupt it) and whose
answer is discarded. At most ``max_abandoned`` such threads are left running; past that, a slot whose call overruns
waits for it, and once every slot is stuck new requests fail at once (:class:`ModelStuck`), so a model that always
hangs cannot make the queue spawn threads without end.
"""

from __future__ import annotations

import collections
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from .._log import log, log_exception
from .abandon import awaited_by
from .queue_entries import Entry, RowsRunner, Run, Worker

__all__ = ["Failed", "InferenceQueue", "ModelStuck", "ModelTimeout", "QueueError", "QueueStatus", "RequestCancelled"]

MAX_ABANDONED = 4
"""How many threads running an overdue call the queue leaves behind at most (each replaced by a fresh worker)."""


@dataclass(frozen=True)
class Failed:
    """A row that failed, in a batch whose other rows did not: the error it raised."""

    error: BaseException


# Not subclasses of TimeoutError or CancelledError: code that polls ``future.result(timeout=...)`` and catches those
# to keep waiting would then wait forever on a future that has failed.
class QueueError(RuntimeError):
    """The queue gave up on a request; the message is meant for the person who made it."""


class ModelTimeout(QueueError):
    """The call ran past the queue's ``timeout``; its thread is left to finish and its answer is discarded."""


class ModelStuck(QueueError):
    """Every worker is held by a call that ran past the timeout, so the request could not start."""


class RequestCancelled(QueueError):
    """The caller cancelled its request while it was running; its answer will be discarded."""


@dataclass(frozen=True)
class QueueStatus:
    """What the queue is doing now: requests ``queued`` for a worker, calls ``running`` within their time, calls
    ``stuck`` past the ``timeout`` (seconds; None: no limit) that have not returned (their threads are left to finish),
    and the model ``version`` answering now (filled in by the runner)."""

    queued: int
    running: int
    stuck: int
    timeout: float | None
    version: str | None = None


class InferenceQueue:
    """Run jobs on at most ``concurrency_limit`` worker threads, first come first served.

    Workers start on the first submitted job (nothing runs at import or construction) and are daemon
    threads, so a model that hangs never keeps the kernel from exiting. A job cancelled through its
    future before it starts leaves the queue at once; :meth:`cancel` also detaches a running one. Rows submitted
    with :meth:`submit_row` that wait at the same time for the same runner go through it together, as one batch.
    ``on_ahead(n)`` is told how many requests wait ahead (0: next) at once, then, whenever that number falls, by a
    herald thread (off the model's path; a burst of changes is told once, as its latest count).
    """

    def __init__(
        self, concurrency_limit: int = 1, *, timeout: float | None = None, max_abandoned: int = MAX_ABANDONED
    ) -> None:
        for name, value, least in (("concurrency_limit", concurrency_limit, 1), ("max_abandoned", max_abandoned, 0)):
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise ValueError(f"{name} must be a whole number >= {least}, got {value!r}")
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0):
            raise ValueError(f"timeout must be None or a number of seconds > 0, got {timeout!r}")
        self.concurrency_limit = concurrency_limit
        self.timeout = timeout
        self.max_abandoned = max_abandoned
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)  # workers wait here for jobs
        self._clock = threading.Condition(self._lock)  # the watchdog waits here for deadlines
        self._pending: collections.deque[Entry] = collections.deque()
        self._workers: list[Worker] = []  # the ones holding a slot
        self._abandoned: list[Worker] = []  # left running an overdue call, slot given to a fresh worker
        self._threads = 0
        self._watchdog = False
        self._news = threading.Condition(self._lock)  # the herald waits here for positions that changed
        self._herald = self._moved = False
        self._alarm = math.inf  # when the watchdog wakes next

    def submit(
        self,
        job: Callable[[], Any],
        on_start: Callable[[], None] | None = None,
        on_ahead: Callable[[int], None] | None = None,
    ) -> Future[Any]:
        """Queue ``job``; ``on_start`` is called on the worker thread just before the job runs."""
        return self._enqueue(Entry(Future(), job, on_start, on_ahead))

    def submit_row(
        self,
        runner: RowsRunner,
        row: Any,
        on_start: Callable[[], None] | None = None,
        limit: int = 32,
        on_ahead: Callable[[int], None] | None = None,
    ) -> Future[Any]:
        """Queue one row for ``runner``; rows for the same runner waiting together run as one batch of up to
        ``limit``. The future holds the row's result, or the exception the row (or the whole batch) raised."""
        return self._enqueue(Entry(Future(), None, on_start, on_ahead, runner, row, limit))

    def cancel(self, future: Future[Any]) -> bool:
        """Withdraw the request of ``future``: a waiting one leaves the queue (the model never sees it); a running
        one cannot be interrupted, so its future fails now with :class:`RequestCancelled` and its answer is dropped.
        Returns whether there was anything to withdraw. No other request is affected."""
        if future.cancel():
            return True
        with self._lock:
            runs = [w.run for w in self._workers if w.run is not None and not w.run.overdue]
            member = next((m for run in runs for m in run.batch if m.future is future), None)
            if member is None or member.detached:
                return False
            member.detached = True
        future.set_exception(RequestCancelled("Cancelled"))
        return True

    def position(self, future: Future[Any]) -> int | None:
        """How many queued jobs are ahead of ``future`` (0: next), or None when it is not waiting."""
        with self._lock:
            return next((index for index, entry in enumerate(self._pending) if entry.future is future), None)

    def status(self) -> QueueStatus:
        """How many requests wait, run, and are stuck past the timeout."""
        with self._lock:
            runs = [w.run for w in self._workers if w.run is not None]
            overdue = sum(run.overdue for run in runs)
            return QueueStatus(len(self._pending), len(runs) - overdue, len(self._abandoned) + overdue, self.timeout)

    def resize(self, concurrency_limit: int) -> None:
        """Run at most ``concurrency_limit`` calls at once from now on (a swap to a model of another kind): workers
        over the new limit end once their call returns, before the next one starts; new ones start as jobs come."""
        with self._lock:
            self.concurrency_limit = concurrency_limit
            if self._pending:
                self._start_threads(herald=False)
            self._ready.notify_all()

    def _enqueue(self, entry: Entry) -> Future[Any]:
        with self._lock:
            stuck = self._stuck_message()
            if stuck is None:
                self._pending.append(entry)
                ahead = len(self._pending) - 1
                self._start_threads(herald=entry.on_ahead is not None)
                self._ready.notify()
        if stuck is not None:
            entry.future.set_exception(ModelStuck(stuck))
            return entry.future
        entry.future.add_done_callback(self._withdrawn)
        _tell([(entry, ahead)])
        return entry.future

    def _withdrawn(self, future: Future[Any]) -> None:
        if not future.cancelled():
            return
        with self._lock:
            for entry in self._pending:
                if entry.future is future:
                    self._pending.remove(entry)
                    break
            else:
                return
            self._positions_changed()

    def _positions_changed(self) -> None:
        if self._herald:
            self._moved = True
            self._news.notify()

    def _tell_positions(self) -> None:
        while True:
            with self._news:
                while not self._moved:
                    self._news.wait()
                self._moved = False
                moved = [(entry, index) for index, entry in enumerate(self._pending) if entry.on_ahead is not None]
            _tell(moved)

    def _start_threads(self, herald: bool) -> None:
        while len(self._workers) < self.concurrency_limit:
            self._spawn()
        if self.timeout is not None and not self._watchdog:
            self._watchdog = _daemon(self._watch, "nbshare-inference-watchdog")
        if herald and not self._herald:
            self._herald = _daemon(self._tell_positions, "nbshare-inference-herald")

    def _spawn(self) -> None:
        worker = Worker()
        self._workers.append(worker)
        self._threads += 1
        _daemon(lambda: self._work(worker), f"nbshare-inference-{self._threads}")

    def _work(self, worker: Worker) -> None:
        while True:
            with self._ready:
                while not self._pending and len(self._workers) <= self.concurrency_limit:
                    self._ready.wait()
                if len(self._workers) > self.concurrency_limit:  # the limit fell: this slot goes
                    self._workers.remove(worker)
                    self._ready.notify()  # a job that woke this worker goes to the next one
                    return
                entry = self._pending.popleft()
                batch = [entry, *self._take_batch_mates(entry)] if entry.runner is not None else [entry]
                batch = [member for member in batch if member.future.set_running_or_notify_cancel()]
                self._positions_changed()
                run = None
                if batch:
                    run = worker.run = Run(batch, time.monotonic() + (self.timeout or math.inf))
                    if run.deadline < self._alarm:
                        self._clock.notify()  # only when the watchdog would wake too late
            if run is None:
                continue
            with awaited_by([member.future for member in run.batch]):  # a kind may stop a call given up on
                results, error = _call(run.batch)
            with self._lock:
                run.finished, worker.run = True, None
                keep = [] if run.overdue else [member for member in run.batch if not member.detached]
                carry_on = self._after_run(worker)
            for member, result in zip(run.batch, results or [None] * len(run.batch), strict=True):
                if member not in keep:
                    continue
                if error is not None:
                    member.future.set_exception(error)
                elif isinstance(result, Failed):
                    member.future.set_exception(result.error)
                else:
                    member.future.set_result(result)
            if not carry_on:
                return

    def _after_run(self, worker: Worker) -> bool:
        """Whether ``worker``'s thread goes on working (under the lock)."""
        if not worker.abandoned:
            return True
        self._abandoned.remove(worker)
        overdue = next((w for w in self._workers if w.run is not None and w.run.overdue), None)
        if overdue is None:
            return False  # its slot has a fresh worker: this thread ends
        self._abandon(overdue)  # a slot left waiting for an overdue call gets this thread instead
        worker.abandoned = False
        self._workers.append(worker)
        return True

    def _take_batch_mates(self, first: Entry) -> list[Entry]:
        mates = [e for e in self._pending if e.runner is not None and e.runner == first.runner][: first.limit - 1]
        for mate in mates:
            self._pending.remove(mate)
        return mates

    def _watch(self) -> None:
        while True:
            with self._clock:
                while not (expired := self._expired()):
                    runs = [w.run for w in self._workers if w.run is not None and not w.run.overdue]
                    self._alarm = min([run.deadline for run in runs], default=math.inf)
                    self._clock.wait(None if self._alarm == math.inf else max(0.0, self._alarm - time.monotonic()))
                self._alarm = math.inf
                failures, dropped = self._expire(expired)
                stuck = len(self._abandoned) + sum(w.run is not None and w.run.overdue for w in self._workers)
            for entry in dropped:
                entry.close()
            for future, error in failures:
                future.set_exception(error)
            log(f"a call took longer than the {self.timeout:g} s timeout; {stuck} overdue call(s) left to finish")

    def _expired(self) -> list[Worker]:
        now = time.monotonic()
        return [w for w in self._workers if w.run is not None and not w.run.overdue and w.run.deadline <= now]

    def _expire(self, workers: list[Worker]) -> tuple[list[tuple[Future[Any], QueueError]], list[Entry]]:
        """Fail the overdue calls of ``workers`` and replace them while the cap allows (under the lock); when every
        slot is then stuck, the waiting requests fail too. Returns the failures to set and the requests dropped."""
        failures: list[tuple[Future[Any], QueueError]] = []
        message = f"The model took longer than {self.timeout:g} s, the limit for one call"
        for worker in workers:
            assert worker.run is not None
            worker.run.overdue = True
            failures += [(m.future, ModelTimeout(message)) for m in worker.run.batch if not m.detached]
            if len(self._abandoned) < self.max_abandoned:
                self._abandon(worker)
                self._spawn()
        stuck = self._stuck_message()
        if stuck is not None:  # nothing can run what waits: tell its callers now rather than never
            waiting = [e for e in self._pending if e.future.set_running_or_notify_cancel()]
            self._pending.clear()
            failures += [(entry.future, ModelStuck(stuck)) for entry in waiting]
            return failures, waiting
        return failures, []

    def _abandon(self, worker: Worker) -> None:
        worker.abandoned = True
        self._workers.remove(worker)
        self._abandoned.append(worker)

    def _stuck_message(self) -> str | None:
        """Why nothing can start now, when every slot is held by an overdue call (under the lock)."""
        if not self._workers or not all(w.run is not None and w.run.overdue for w in self._workers):
            return None
        stuck = len(self._abandoned) + len(self._workers)
        return (
            f"The model is stuck: {stuck} call(s) ran past the {self.timeout:g} s timeout and have not returned, "
            f"so no new request can start (at most {self.max_abandoned} are left running in the background). "
            "Try again later; the researcher can fix the model or restart the kernel."
        )


def _call(batch: list[Entry]) -> tuple[list[Any] | None, BaseException | None]:
    """Run one job or one batch of rows: the results in ``batch``'s order, or the error that failed them all."""
    try:
        for member in batch:
            member.start()
        if batch[0].runner is None:
            assert batch[0].job is not None
            return [batch[0].job()], None
        results = batch[0].runner([member.row for member in batch])
        if len(results) != len(batch):
            raise RuntimeError(f"a batch of {len(batch)} row(s) gave {len(results)} result(s)")
        return results, None
    except BaseException as error:  # the worker must survive anything a model raises
        return None, error


def _daemon(target: Callable[[], None], name: str) -> bool:
    threading.Thread(target=target, name=name, daemon=True).start()
    return True


def _tell(moved: list[tuple[Entry, int]]) -> None:
    for entry, ahead in moved:
        try:
            entry.moved(ahead)
        except Exception as error:  # a viewer's callback must not stop the queue
            log_exception("a queue position could not be shown", error)
