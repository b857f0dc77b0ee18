"""The runner: a pipeline and the one queue that guards its model, shared by every viewer of an interface."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from .pipeline import Failed, Pipeline
from .queue import InferenceQueue

__all__ = ["Runner"]

Answer = tuple[list[Any], float, str]
"""What a viewer's request gives: the wire outputs, the seconds the model took, the version that answered."""


class Runner:
    """Runs rows of wire values through ``pipeline`` on ``queue``: one row at a time, or, with ``batch``, rows that
    wait together as one batch of up to ``max_batch_size``."""

    def __init__(self, pipeline: Pipeline, queue: InferenceQueue, *, batch: bool, max_batch_size: int) -> None:
        self.pipeline = pipeline
        self.queue = queue
        self.batch = batch
        self.max_batch_size = max_batch_size

    def submit(self, values: list[Any], on_start: Callable[[], None] | None = None) -> Future[Answer]:
        """Queue one row of wire values; ``on_start`` runs on the worker just before it."""
        if self.batch:  # rows from several viewers waiting at once go through fn as one batch
            return self.queue.submit_row(self._run_batch, values, on_start, limit=self.max_batch_size)
        return self.queue.submit(lambda: self.pipeline.run_one(values), on_start)

    def run(self, job: Callable[[], Any]) -> Future[Any]:
        """Queue any job that calls the model (an explanation's batch, a validation row)."""
        return self.queue.submit(job)

    def position(self, future: Future[Any]) -> int | None:
        """How many jobs wait ahead of ``future`` (None when it is not waiting)."""
        return self.queue.position(future)

    def _run_batch(self, rows: list[list[Any]]) -> list[Any]:
        started = time.perf_counter()
        results, version = self.pipeline.run_rows(rows, isolate=True)
        elapsed = time.perf_counter() - started
        return [r if isinstance(r, Failed) else (r, elapsed, version) for r in results]
