"""The runner: a pipeline and the one queue that guards its model, shared by every viewer of an interface."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from .pipeline import Failed, Pipeline
from .queue import InferenceQueue, QueueStatus

__all__ = ["Runner"]

Answer = tuple[list[Any], float, str]
"""What a viewer's request gives: the wire outputs, the seconds the model took, the version that answered."""


class Runner:
    """Runs rows of wire values through ``pipeline`` on ``queue``: one row at a time, or, with ``batch``, rows that
    wait together as one batch of up to ``max_batch_size``. Every job obeys the queue's timeout."""

    def __init__(self, pipeline: Pipeline, queue: InferenceQueue, *, batch: bool, max_batch_size: int) -> None:
        self.pipeline = pipeline
        self.queue = queue
        self.batch = batch
        self.max_batch_size = max_batch_size

    def submit(
        self,
        values: list[Any],
        on_start: Callable[[], None] | None = None,
        on_ahead: Callable[[int], None] | None = None,
    ) -> Future[Answer]:
        """Queue one row of wire values; ``on_start`` runs on the worker just before it, ``on_ahead(n)`` whenever
        the number of requests waiting ahead of it falls (and once at once)."""
        if self.batch:  # rows from several viewers waiting at once go through fn as one batch
            return self.queue.submit_row(self._run_batch, values, on_start, self.max_batch_size, on_ahead)
        return self.queue.submit(lambda: self.pipeline.run_one(values), on_start, on_ahead)

    def run(self, job: Callable[[], Any]) -> Future[Any]:
        """Queue any job that calls the model (an explanation's batch, a validation row)."""
        return self.queue.submit(job)

    def cancel(self, future: Future[Any]) -> bool:
        """Withdraw a request: it leaves the queue if waiting, its answer is discarded if running."""
        return self.queue.cancel(future)

    def position(self, future: Future[Any]) -> int | None:
        """How many jobs wait ahead of ``future`` (None when it is not waiting)."""
        return self.queue.position(future)

    def status(self) -> QueueStatus:
        """The queue's counts (queued, running, stuck past the timeout), its timeout and the version answering."""
        return dataclasses.replace(self.queue.status(), version=self.pipeline.model.version)

    def _run_batch(self, rows: list[list[Any]]) -> list[Any]:
        started = time.perf_counter()
        results, version = self.pipeline.run_rows(rows, isolate=True)
        elapsed = time.perf_counter() - started
        return [r if isinstance(r, Failed) else (r, elapsed, version) for r in results]
