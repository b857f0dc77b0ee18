"""Batch callers: run the model on many input rows in one call, and give back one result per row.

A ``batch=True`` function takes one list per input and returns a list of results (one output) or a tuple of lists
(one per output). Models (scikit-learn, torch, Keras) are batched natively by stacking the rows; a plain function
without ``batch=True`` is called once per row. Every caller returns results shaped as the one-row call would.
"""

from __future__ import annotations

import numbers
import sys
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["BatchCaller", "batch_caller", "one_row_of"]

BatchCaller = Callable[[list[list[Any]], int], list[Any]]
"""``caller(columns, rows)``: ``columns[i]`` holds input ``i``'s value for each of the ``rows`` rows."""


class BatchError(ValueError):
    """A batch function returned something that is not one result per row."""


def batch_caller(model: Any, kind: str, call: Callable[..., Any], batch: bool, n_outputs: int) -> BatchCaller:
    """The batch caller for ``model`` (adapted to ``call`` for one row)."""
    if kind == "pyfunc":
        return _batched_function(model, n_outputs) if batch else _row_by_row(call)
    stack = {"sklearn": _stack_sklearn, "torch": _stack_torch, "keras": _stack_keras}[kind]
    return _stacked(model, call, stack)


def one_row_of(caller: BatchCaller) -> Callable[..., Any]:
    """A function of one row's values that runs ``caller`` on a batch of one."""

    def call(*args: Any) -> Any:
        return caller([[value] for value in args], 1)[0]

    return call


def _row_by_row(call: Callable[..., Any]) -> BatchCaller:
    def run(columns: list[list[Any]], rows: int) -> list[Any]:
        return [call(*(column[row] for column in columns)) for row in range(rows)]

    return run


def _batched_function(fn: Callable[..., Any], n_outputs: int) -> BatchCaller:
    name = getattr(fn, "__name__", "the function")

    def run(columns: list[list[Any]], rows: int) -> list[Any]:
        result = fn(*columns)
        if n_outputs == 1:
            return _one_per_row(result, rows, name)
        if not isinstance(result, tuple | list) or len(result) != n_outputs:
            raise BatchError(
                f"{name}() has batch=True and {n_outputs} outputs, so it must return a tuple of {n_outputs} lists "
                f"(one per output), got {type(result).__name__}"
            )
        per_output = [_one_per_row(item, rows, name) for item in result]
        return [tuple(values) for values in zip(*per_output, strict=True)]

    return run


def _one_per_row(result: Any, rows: int, name: str) -> list[Any]:
    if isinstance(result, str) or not (isinstance(result, Sequence) or hasattr(result, "__len__")):
        raise BatchError(
            f"{name}() has batch=True, so it must return a list with one result per input row; "
            f"got {type(result).__name__}"
        )
    results = list(result)
    if len(results) != rows:
        raise BatchError(f"{name}() has batch=True and got {rows} row(s) but returned {len(results)} result(s)")
    return results


def _stacked(model: Any, call: Callable[..., Any], stack: Callable[[Any, list[list[Any]]], list[Any]]) -> BatchCaller:
    """Stack the rows into one batch for the model; rows that cannot be stacked (images of different sizes, ragged
    tables) run one by one."""
    single = _row_by_row(call)

    def run(columns: list[list[Any]], rows: int) -> list[Any]:
        if rows == 1 or not columns:
            return single(columns, rows)
        try:
            results = stack(model, columns)
        except _CannotStack:
            return single(columns, rows)
        return results

    return run


class _CannotStack(Exception):
    pass


def _feature_matrix(columns: list[list[Any]]) -> tuple[Any, list[int] | None]:
    """The rows as one batch for a scikit-learn or Keras model, and for DataFrames the first row of each input."""
    import numpy as np

    if len(columns) > 1:
        return np.asarray([list(row) for row in zip(*columns, strict=True)]), None
    (values,) = columns
    if all(isinstance(value, str) for value in values):
        return list(values), None
    if all(hasattr(value, "iloc") for value in values):
        pandas = sys.modules["pandas"]
        starts = list(np.cumsum([0] + [len(value) for value in values[:-1]]))
        return pandas.concat(values, ignore_index=True), starts
    if all(isinstance(value, numbers.Number) for value in values):
        return np.asarray([[value] for value in values]), None
    arrays = [np.asarray(value) for value in values]
    if len({array.shape for array in arrays}) != 1:
        raise _CannotStack
    return np.stack(arrays), None


def _stack_sklearn(estimator: Any, columns: list[list[Any]]) -> list[Any]:
    from sklearn.base import is_classifier

    batch, starts = _feature_matrix(columns)
    if is_classifier(estimator) and hasattr(estimator, "predict_proba"):
        probabilities = estimator.predict_proba(batch)
        picked = probabilities if starts is None else probabilities[starts]
        return [{str(name): float(p) for name, p in zip(estimator.classes_, row, strict=True)} for row in picked]
    predictions = estimator.predict(batch)
    picked = predictions if starts is None else predictions[starts]
    return [value.item() if hasattr(value, "item") else value for value in picked]


def _stack_keras(model: Any, columns: list[list[Any]]) -> list[Any]:
    from .adapters import _accepts_verbose

    batch, starts = _feature_matrix(columns)
    result = model.predict(batch, **({"verbose": 0} if _accepts_verbose(model) else {}))
    if isinstance(result, list | tuple) and all(hasattr(item, "shape") for item in result):
        rows = len(result[0])
        picked_rows = range(rows) if starts is None else starts
        return [type(result)(item[row] for item in result) for row in picked_rows]
    return list(result) if starts is None else [result[row] for row in starts]


def _stack_torch(module: Any, columns: list[list[Any]]) -> list[Any]:
    import torch

    from .adapters import torch_batch_of_one

    tensors = []
    for values in columns:
        rows = [torch_batch_of_one(v) for v in values]  # each row exactly as the module gets it alone
        if not all(isinstance(row, torch.Tensor) for row in rows):
            raise _CannotStack  # text and other objects: the module takes them one at a time
        if len({(tuple(row.shape), row.dtype) for row in rows}) != 1:
            raise _CannotStack
        tensors.append(torch.cat(rows))
    module.eval()
    with torch.no_grad():
        output = module(*tensors)
    return _split_torch(output, len(columns[0]))


def _split_torch(output: Any, rows: int) -> list[Any]:
    import torch

    if isinstance(output, torch.Tensor):
        array = output.detach().cpu().numpy()
        return [array[row] for row in range(rows)]
    if isinstance(output, tuple | list):
        parts = [_split_torch(item, rows) for item in output]
        return [type(output)(part[row] for part in parts) for row in range(rows)]
    return [output] * rows
