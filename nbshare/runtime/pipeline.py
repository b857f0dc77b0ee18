"""The path of one input row through an Interface: preprocess -> fn -> postprocess, for one row or a batch."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .._errors import InputError
from .queue import Failed

if TYPE_CHECKING:
    from ..interface import Interface
    from ..widgets import Component

__all__ = ["Failed", "OutputError", "finish", "input_row", "prepare", "run_one", "run_rows", "user_message"]


class OutputError(ValueError):
    """The function's result does not fit the interface's outputs; the message says what to return."""


def user_message(error: BaseException) -> str:
    """What a viewer reads: our own input/output messages as they are, others as 'Type: message'."""
    if isinstance(error, InputError | OutputError):
        return str(error)
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def input_row(row: Any, count: int, what: str) -> list[Any]:
    """One value per input from ``row``; with one input, ``row`` may be the value itself or a one-item row."""
    one_item_row = isinstance(row, list | tuple) and len(row) == 1
    values = list(row) if isinstance(row, list | tuple) and (count > 1 or one_item_row) else [row]
    if len(values) != count:
        raise ValueError(f"{what} has {len(values)} value(s) but the interface has {count} input(s)")
    return values


def prepare(interface: Interface, values: list[Any]) -> list[Any]:
    """The arguments ``fn`` receives for one row of wire values."""
    hook = interface._preprocess
    if hook is False:
        return list(values)
    args = [_convert_input(c, v) for c, v in zip(interface._inputs, values, strict=True)]
    if callable(hook) and not isinstance(hook, bool):
        converted = hook(*args)
        args = list(converted) if isinstance(converted, tuple) else [converted]
    return args


def finish(interface: Interface, result: Any) -> list[Any]:
    """The wire value of each output for one result of ``fn``."""
    hook = interface._postprocess
    if callable(hook) and not isinstance(hook, bool):
        result = hook(result)
    results = split_outputs(len(interface._outputs), result)
    if hook is False:
        return results
    return [_convert_output(c, r) for c, r in zip(interface._outputs, results, strict=True)]


def run_one(interface: Interface, values: list[Any]) -> tuple[list[Any], float, str]:
    """One row through the pipeline: the wire outputs, the seconds ``fn`` took, the model version used."""
    args = prepare(interface, values)
    call, _caller, version = interface._model  # read together: a hot swap never mixes two models
    started = time.perf_counter()
    result = call(*args)
    elapsed = time.perf_counter() - started
    return finish(interface, result), elapsed, version


def run_rows(interface: Interface, rows: list[list[Any]], *, isolate: bool) -> tuple[list[Any], str]:
    """Many rows through the pipeline with one batched call of ``fn``: per row, the wire outputs or :class:`Failed`.

    With ``isolate``, a batch that raises is run again row by row, so one bad row fails alone; without it, the
    batch's error propagates.
    """
    call, caller, version = interface._model
    prepared: list[Any] = []
    for values in rows:
        try:
            prepared.append(prepare(interface, values))
        except Exception as error:
            if not isolate:
                raise
            prepared.append(Failed(error))
    ready = [index for index, args in enumerate(prepared) if not isinstance(args, Failed)]
    results: list[Any] = list(prepared)
    if ready:
        columns = [list(column) for column in zip(*(prepared[i] for i in ready), strict=True)]
        try:
            raw: list[Any] = caller(columns, len(ready))
        except Exception:
            if not isolate:
                raise
            raw = [_call_alone(call, prepared[i]) for i in ready]
        for index, result in zip(ready, raw, strict=True):
            results[index] = result if isinstance(result, Failed) else _finish_row(interface, result, isolate)
    return results, version


def _call_alone(call: Any, args: list[Any]) -> Any:
    try:
        return call(*args)
    except Exception as error:
        return Failed(error)


def _finish_row(interface: Interface, result: Any, isolate: bool) -> Any:
    try:
        return finish(interface, result)
    except Exception as error:
        if not isolate:
            raise
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
