"""Run one explanation: its work goes through the interface's queue in batches, with progress and cancelling."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .._errors import InputError
from .gradient import gradient_chunks
from .methods import Gradient, Occlusion
from .occlusion import FEATURES, InputExplanation, perturbations
from .target import Target, find_target

if TYPE_CHECKING:
    from ..runtime.runner import Runner

__all__ = ["Cancelled", "ExplainRun", "Explanation"]

Progress = Callable[[int, int], None]
BATCH_BYTES = 256 * 1024 * 1024


class Cancelled(Exception):
    """The explanation was cancelled before it finished."""


@dataclass
class Explanation:
    """What made the answer: one :class:`InputExplanation` per explained input."""

    target: str
    inputs: list[InputExplanation] = field(default_factory=list)
    evaluations: int = 0
    """Inputs the model answered (the original and every variant)."""
    batches: int = 0
    """Calls of the model (or jobs on the queue) they took."""
    seconds: float = 0.0

    def summary(self) -> str:
        notes = "; ".join(f"{e.name}: {e.note}" for e in self.inputs if e.note)
        key = " Red marks the pixels that move it most." if any(e.kind == "image" for e in self.inputs) else ""
        return (
            f"What moves {self.target}: {self.evaluations:,} inputs in {self.batches:,} batches, "
            f"{self.seconds:.1f} s.{key} {notes}"
        ).strip()


class ExplainRun:
    """One explanation of ``values``, run on its own thread once :meth:`start` is called; ``future`` holds the
    :class:`Explanation`.

    The thread starts only on :meth:`start`, so whoever holds the run (and its progress callback) knows it before
    the first progress report arrives.
    """

    def __init__(
        self,
        runner: Runner,
        interpretation: Any,
        examples: list[list[Any]],
        values: list[Any],
        on_progress: Progress | None = None,
    ) -> None:
        self._runner = runner
        self._interpretation = interpretation
        self._examples = examples
        self._values = list(values)
        self._on_progress = on_progress or (lambda _done, _total: None)
        self._cancelled = threading.Event()
        self._batches = 0
        self.future: Future[Explanation] = Future()
        self.future.set_running_or_notify_cancel()

    def start(self) -> ExplainRun:
        """Start the work on its own thread; returns the run."""
        threading.Thread(target=self._run, name="nbshare-explain", daemon=True).start()
        return self

    def cancel(self) -> None:
        """Stop after the batch running now; nothing more is sent to the model."""
        self._cancelled.set()

    def _run(self) -> None:
        try:
            self.future.set_result(self._explain())
        except BaseException as error:  # reported to the viewer; the thread must end cleanly
            self.future.set_exception(error)

    def _on_queue(self, job: Callable[[], Any]) -> Any:
        if self._cancelled.is_set():
            raise Cancelled
        future = self._runner.run(job)
        while True:
            try:
                return future.result(timeout=0.05)
            except TimeoutError:
                if self._cancelled.is_set() and future.cancel():
                    raise Cancelled from None

    def _explain(self) -> Explanation:
        pipeline, values = self._runner.pipeline, self._values
        started = time.perf_counter()
        spec = self._interpretation

        def answer() -> tuple[list[Any], list[Any]]:
            (outputs,), _version = pipeline.run_rows([values], isolate=False)
            return outputs, pipeline.prepare(values)

        outputs, args = self._on_queue(answer)
        self._batches = 1
        target = find_target(pipeline.outputs, outputs)
        if isinstance(spec, Occlusion):
            inputs, calls = self._occlusion(spec, target)
        elif isinstance(spec, Gradient):
            chunks, combine = gradient_chunks(spec, pipeline, args, target, self._runner.max_batch_size)
            inputs, calls = combine(self._run_chunks(chunks)), spec.samples
        else:
            assert callable(spec)  # resolve_interpretation allows nothing else
            inputs, calls = [*self._custom(spec, args)], 1
        if not inputs:
            raise InputError("nothing here can be explained: give an image, text, a table or numeric inputs")
        return Explanation(target.describe(), inputs, calls + 1, self._batches, time.perf_counter() - started)

    def _run_chunks(self, chunks: list[tuple[int, Callable[[], Any]]]) -> list[Any]:
        total = sum(size for size, _job in chunks)
        done, results = 0, []
        self._on_progress(0, total)
        for size, job in chunks:
            results.append(self._on_queue(job))
            self._batches += 1
            done += size
            self._on_progress(done, total)
        return results

    def _occlusion(self, settings: Occlusion, target: Target) -> tuple[list[InputExplanation], int]:
        runner, pipeline, values = self._runner, self._runner.pipeline, self._values
        plans = perturbations(settings, pipeline.inputs, values, self._examples)
        order = [(plan, i) for plan in plans for i in range(plan.count)]
        largest = max((plan.variant_bytes for plan in plans), default=0)
        # Variants of a 12-megapixel photo are 36 MB each: a batch of them is kept under BATCH_BYTES.
        size = max(1, min(runner.max_batch_size, BATCH_BYTES // max(largest, 1)))

        def job(part: list[tuple[Any, int]]) -> list[float]:
            rows = [plan.vary(i, values) for plan, i in part]
            results, _version = pipeline.run_rows(rows, isolate=False)
            return [target.score(outputs) for outputs in results]

        chunks: list[tuple[int, Callable[[], Any]]] = [
            (len(part), functools.partial(job, part)) for part in _slices(order, size)
        ]
        scores = np.concatenate([np.asarray(s, dtype=np.float64) for s in self._run_chunks(chunks)] or [np.zeros(0)])
        explained, position = [], 0
        for plan in plans:
            drops = target.base - scores[position : position + plan.count]
            position += plan.count
            explained.append(plan.combine(drops))
        return explained, len(order)

    def _custom(self, spec: Callable[..., Any], args: list[Any]) -> list[InputExplanation]:
        inputs = self._runner.pipeline.inputs
        result = self._on_queue(lambda: spec(*args))
        self._batches += 1
        items = list(result) if isinstance(result, list | tuple) else [result]
        if len(items) != len(inputs):
            raise ValueError(
                f"the interpretation function must return one explanation per input ({len(inputs)}), got {len(items)}"
            )
        explained = []
        features: list[tuple[str, float | None]] = []
        for component, item in zip(inputs, items, strict=True):
            if item is None:
                continue
            if isinstance(item, int | float) and not isinstance(item, bool):
                features.append((component.label, float(item)))
            elif isinstance(item, np.ndarray) and item.ndim == 2:
                explained.append(InputExplanation(component.label, "image", map=item.astype(np.float64)))
            elif isinstance(item, list | tuple):
                pieces = [(str(token), None if score is None else float(score)) for token, score in item]
                explained.append(InputExplanation(component.label, "tokens", pieces=pieces))
            else:
                raise ValueError(
                    f"{component.label}: an explanation is a 2-D array (image), a list of (token, score) pairs "
                    f"(text) or a number (a feature); got {type(item).__name__}"
                )
        if features:
            explained.append(InputExplanation(FEATURES, "features", pieces=features))
        return explained


def _slices(items: list[Any], size: int) -> list[list[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]
