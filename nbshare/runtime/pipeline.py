"""The path of one input row through an Interface: preprocess -> fn -> postprocess, for one row or a batch."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._errors import InputError
from ..values.files import call_files
from .queue import Failed, QueueError

if TYPE_CHECKING:
    from ..widgets import Component
    from .model import Model

__all__ = ["Failed", "OutputError", "Pipeline", "input_row", "split_outputs", "user_message"]


class OutputError(ValueError):
    """The function's result does not fit the interface's outputs; the message says what to return."""


def user_message(error: BaseException) -> str:
    """What a viewer reads: our own input/output/queue messages as they are, others as 'Type: message'."""
    if isinstance(error, InputError | OutputError | QueueError):
        return str(error)
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def input_row(row: Any, count: int, what: str) -> list[Any]:
    """One value per input from ``row``; with one input, ``row`` may be the value itself or a one-item row."""
    one_item_row = isinstance(row, list | tuple) and len(row) == 1
    values = list(row) if isinstance(row, list | tuple) and (count > 1 or one_item_row) else [row]
    if len(values) != count:
        raise ValueError(f"{what} has {len(values)} value(s) but the interface has {count} input(s)")
    return values


class Pipeline:
    """The path of a row through an interface: inputs' preprocess -> the model -> outputs' postprocess.

    ``preprocess``/``postprocess``: None (the components convert), False (raw wire values pass) or a function run
    after the inputs' conversion / before the outputs'. ``model`` may be replaced at any time (a swap); a call reads it
    once, so a hot swap never mixes two models.
    """

    def __init__(
        self,
        inputs: list[Component],
        outputs: list[Component],
        model: Model,
        preprocess: bool | Callable[..., Any] | None = None,
        postprocess: bool | Callable[..., Any] | None = None,
    ) -> None:
        self.inputs = inputs
        self.outputs = outputs
        self.model = model
        self.preprocess = preprocess
        self.postprocess = postprocess

    @property
    def preprocess_hook(self) -> Callable[..., Any] | None:
        """The researcher's preprocess function, if one was given."""
        hook = self.preprocess
        return hook if callable(hook) and not isinstance(hook, bool) else None

    @property
    def postprocess_hook(self) -> Callable[..., Any] | None:
        """The researcher's postprocess function, if one was given."""
        hook = self.postprocess
        return hook if callable(hook) and not isinstance(hook, bool) else None

    def prepare(self, values: list[Any]) -> list[Any]:
        """The arguments ``fn`` receives for one row of wire values."""
        if self.preprocess is False:
            return list(values)
        args = [_convert_input(c, v) for c, v in zip(self.inputs, values, strict=True)]
        hook = self.preprocess_hook
        if hook is not None:
            converted = hook(*args)
            args = list(converted) if isinstance(converted, tuple) else [converted]
        return args

    def results(self, result: Any) -> list[Any]:
        """One result of ``fn`` (through the postprocess function, if any) split into one value per output."""
        hook = self.postprocess_hook
        if hook is not None:
            result = hook(result)
        return split_outputs(len(self.outputs), result)

    def finish(self, result: Any) -> list[Any]:
        """The wire value of each output for one result of ``fn``."""
        results = self.results(result)
        if self.postprocess is False:
            return results
        return [_convert_output(c, r) for c, r in zip(self.outputs, results, strict=True)]

    def run_one(self, values: list[Any]) -> tuple[list[Any], float, str]:
        """One row through the pipeline: the wire outputs, the seconds ``fn`` took, the model version used.

        Temporary copies of the inputs (``type="filepath"``) are removed when it ends."""
        with call_files():
            args = self.prepare(values)
            model = self.model  # read once: a hot swap never mixes two models
            started = time.perf_counter()
            result = model.call(*args)
            elapsed = time.perf_counter() - started
            return self.finish(result), elapsed, model.version

    def run_rows(self, rows: list[list[Any]], *, isolate: bool) -> tuple[list[Any], str]:
        """Many rows with one batched call of ``fn``: per row, the wire outputs or :class:`Failed`.

        With ``isolate``, a batch that raises is run again row by row, so one bad row fails alone; without it, the
        batch's error propagates. Temporary copies of the inputs are removed when it ends.
        """
        with call_files():
            return self._run_rows(rows, isolate=isolate)

    def _run_rows(self, rows: list[list[Any]], *, isolate: bool) -> tuple[list[Any], str]:
        model = self.model
        prepared: list[Any] = []
        for values in rows:
            try:
                prepared.append(self.prepare(values))
            except Exception as error:
                if not isolate:
                    raise
                prepared.append(Failed(error))
        ready = [index for index, args in enumerate(prepared) if not isinstance(args, Failed)]
        results: list[Any] = list(prepared)
        if ready:
            columns = [list(column) for column in zip(*(prepared[i] for i in ready), strict=True)]
            try:
                raw: list[Any] = model.call_batch(columns, len(ready))
            except Exception:
                if not isolate:
                    raise
                raw = [_call_alone(model.call, prepared[i]) for i in ready]
            for index, result in zip(ready, raw, strict=True):
                results[index] = result if isinstance(result, Failed) else self._finish_row(result, isolate)
        return results, model.version

    def _finish_row(self, result: Any, isolate: bool) -> Any:
        try:
            return self.finish(result)
        except Exception as error:
            if not isolate:
                raise
            return Failed(error)


def _call_alone(call: Any, args: list[Any]) -> Any:
    try:
        return call(*args)
    except Exception as error:
        return Failed(error)


def _convert_input(component: Component, value: Any) -> Any:
    try:
        return component.preprocess(value)
    except InputError:
        raise
    except Exception as error:
        raise InputError(f"{component.label}: {error}") from error


def _convert_output(component: Component, result: Any) -> Any:
    try:
        return component.postprocess(result)
    except Exception as error:
        raise OutputError(f"{component.label}: {error}") from error


def split_outputs(count: int, result: Any) -> list[Any]:
    """One value per output: the result itself for one output, else the tuple's items."""
    if count == 1:
        return [result]
    if not isinstance(result, tuple | list) or len(result) != count:
        got = f"{len(result)} values" if isinstance(result, tuple | list) else f"a {type(result).__name__}"
        raise OutputError(
            f"the interface has {count} outputs, so the function must return a tuple of {count} values; "
            f"it returned {got}"
        )
    return list(result)
