"""Batch callers: run the model on many input rows in one call, and give back one result per row.

The model's kind stacks the rows into one call when it can; rows it cannot stack (images of different sizes, text
for a tensor model, a plain function without ``batch=True``) run one by one. Every caller returns results shaped as
the one-row call would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .models import CannotStack, ModelKind

__all__ = ["BatchCaller", "batch_caller"]

BatchCaller = Callable[[list[list[Any]], int], list[Any]]
"""``caller(columns, rows)``: ``columns[i]`` holds input ``i``'s value for each of the ``rows`` rows."""


def batch_caller(kind: ModelKind) -> BatchCaller:
    """The batch caller for a wrapped model: stacked by its kind, row by row when the rows cannot be stacked."""

    def run(columns: list[list[Any]], rows: int) -> list[Any]:
        if columns and (rows > 1 or kind.batch):
            try:
                return kind.call_many(columns)
            except CannotStack:
                pass
        return [kind.call(*(column[row] for column in columns)) for row in range(rows)]

    return run
