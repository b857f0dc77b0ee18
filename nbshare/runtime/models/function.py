"""Plain functions: called with one value per input; with ``batch=True``, with one list per input."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

from ._kind import CannotStack, ModelKind

__all__ = ["BatchError", "Function"]


class BatchError(ValueError):
    """A batch function returned something that is not one result per row."""


class Function(ModelKind):
    """Any callable: ``fn(*values)``, or with ``batch=True`` ``fn(*lists) -> list`` (a tuple of lists with several
    outputs)."""

    name = "pyfunc"
    order = 80

    @classmethod
    def matches(cls, obj: Any) -> bool:
        return callable(obj)

    @classmethod
    def input_names(cls, obj: Any) -> list[str] | None:
        try:
            parameters = inspect.signature(obj).parameters.values()
        except (TypeError, ValueError):
            return None
        return [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]

    def check_model(self) -> None:
        if not callable(self.obj):
            raise TypeError(f"model_type='pyfunc' needs a callable, got {type(self.obj).__name__}")

    def check_inputs(self, input_labels: Sequence[str]) -> None:
        check_arity(self.obj, len(input_labels), list(input_labels))

    def call(self, *args: Any) -> Any:
        if self.batch:
            return self.call_many([[value] for value in args])[0]
        return self.obj(*args)

    def call_many(self, columns: list[list[Any]]) -> list[Any]:
        if not self.batch:
            raise CannotStack
        rows = len(columns[0]) if columns else 1
        name = getattr(self.obj, "__name__", "the function")
        result = self.obj(*columns)
        if self.n_outputs == 1:
            return _one_per_row(result, rows, name)
        if not isinstance(result, tuple | list) or len(result) != self.n_outputs:
            raise BatchError(
                f"{name}() has batch=True and {self.n_outputs} outputs, so it must return a tuple of "
                f"{self.n_outputs} lists (one per output), got {type(result).__name__}"
            )
        per_output = [_one_per_row(item, rows, name) for item in result]
        return [tuple(values) for values in zip(*per_output, strict=True)]


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


def check_arity(fn: Any, n_inputs: int, input_names: list[str]) -> None:
    """Raise a ValueError saying what to change when ``fn`` cannot take ``n_inputs`` positional values."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return  # builtins and C callables without a signature: nothing to check against
    positional = [p for p in signature.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is p.empty]
    takes_varargs = any(p.kind is p.VAR_POSITIONAL for p in signature.parameters.values())
    required_kw = [p.name for p in signature.parameters.values() if p.kind is p.KEYWORD_ONLY and p.default is p.empty]
    name = getattr(fn, "__name__", type(fn).__name__)
    shown_inputs = ", ".join(input_names) or "none"
    if required_kw:
        raise ValueError(
            f"{name}() has required keyword-only parameter(s) {', '.join(required_kw)}, which an interface "
            "cannot fill; give them defaults or make them positional"
        )
    if n_inputs < len(required):
        missing = ", ".join(p.name for p in required[n_inputs:])
        raise ValueError(
            f"{name}() needs {len(required)} argument(s) ({', '.join(p.name for p in required)}) but the "
            f"interface has {n_inputs} input(s) ({shown_inputs}); add inputs for {missing}, or give those "
            "parameters defaults"
        )
    if n_inputs > len(positional) and not takes_varargs:
        raise ValueError(
            f"{name}() takes {len(positional)} argument(s) ({', '.join(p.name for p in positional) or 'none'}) "
            f"but the interface has {n_inputs} input(s) ({shown_inputs}); remove "
            f"{n_inputs - len(positional)} input(s) or add parameters to {name}()"
        )
