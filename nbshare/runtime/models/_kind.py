"""The model-kind contract: how nbshare calls one library's models, asked by generic code instead of type checks.

A kind is a subclass of :class:`ModelKind` with a ``name``; defining it registers it. Detection asks each kind, in
``order``, whether it ``matches`` a model, by module names alone: no library is imported to look at a model that is
not one of its own (then it already is).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

__all__ = ["CannotStack", "ModelKind", "detect", "kind_named", "kind_names", "module_roots"]

_KINDS: dict[str, type[ModelKind]] = {}


class CannotStack(Exception):
    """The rows cannot go to the model as one batch (images of different sizes, text for a tensor model): they run
    one by one."""


def module_roots(obj: Any) -> set[str]:
    """The top-level packages that define ``obj``'s class and its bases."""
    return {klass.__module__.split(".")[0] for klass in type(obj).__mro__}


def loaded(name: str) -> Any:
    """The module ``name`` if something already imported it, else None (never imports it)."""
    return sys.modules.get(name)


class ModelKind:
    """How to call one library's models: one row, a stacked batch, and what the model says about its inputs.

    An instance wraps one model (``obj``) for an interface with ``n_outputs`` outputs; ``batch`` is the researcher's
    ``batch=True`` (a plain function that takes lists).
    """

    name: ClassVar[str] = ""
    """What ``model_type=`` calls this kind."""
    order: ClassVar[int] = 100
    """Detection order: lower is asked first (a Keras model on the torch backend is also a ``torch.nn.Module``)."""
    concurrency: ClassVar[int] = 1
    """The default ``concurrency_limit``: calls in flight at once. 1 for a model in this kernel (one that is not
    thread-safe stays safe); more for a remote deployment that guards its own replicas."""
    gradients: ClassVar[bool] = False
    """Whether ``interpretation="gradient"`` can follow an input into the model (a torch module)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("name"):
            _KINDS[cls.name] = cls

    def __init__(self, obj: Any, *, batch: bool = False, n_outputs: int = 1) -> None:
        self.obj = obj
        self.batch = batch
        self.n_outputs = n_outputs
        self.check_model()

    # -- what a kind says about models of its library (class-level: no instance needed) ------------------------

    @classmethod
    def matches(cls, obj: Any) -> bool:
        """Whether ``obj`` is a model of this kind (by module names: nothing is imported)."""
        return False

    @classmethod
    def looks_like(cls, obj: Any) -> bool:
        """Whether ``obj`` fits this kind by duck typing, asked only when no kind ``matches`` it (any object with a
        ``.predict`` is called the Keras way)."""
        return False

    @classmethod
    def model_name(cls, obj: Any) -> str | None:
        """What logs and the page call the model, when its class name would say less (a Ray deployment's name)."""
        return None

    @classmethod
    def input_names(cls, obj: Any) -> list[str] | None:
        """The names of the model's inputs (feature names, a session's input names), when it has them."""
        return None

    @classmethod
    def components(cls, obj: Any) -> tuple[list[Any], list[Any]] | None:
        """Input and output components for a model that says what it takes and gives (a pipeline's task), or None:
        the researcher names them."""
        return None

    # -- calling one wrapped model -----------------------------------------------------------------------------

    def check_model(self) -> None:
        """Raise a TypeError saying what to change when ``obj`` cannot be called as this kind."""

    def check_inputs(self, input_labels: Sequence[str]) -> None:
        """Raise a ValueError saying what to change when the model cannot take the interface's inputs."""

    def call(self, *args: Any) -> Any:
        """The model's result for one row: one value per input in, the outputs' values out (by default, a batch of
        one through :meth:`call_many`)."""
        return self.call_many([[value] for value in args])[0]

    def call_many(self, columns: list[list[Any]]) -> list[Any]:
        """The results for many rows in one call of the model (``columns[i]``: input ``i``'s value per row), each
        shaped as :meth:`call` gives it; raise :class:`CannotStack` when they cannot go as one batch."""
        raise CannotStack


def kind_names() -> list[str]:
    """Every registered kind's ``model_type`` name, in detection order."""
    return [kind.name for kind in sorted(_KINDS.values(), key=lambda kind: kind.order)]


def kind_named(name: str) -> type[ModelKind]:
    """The kind ``model_type=name`` asks for; a ValueError listing the names otherwise."""
    if name not in _KINDS:
        raise ValueError(f"model_type must be one of {', '.join(kind_names())}, got {name!r}")
    return _KINDS[name]


def detect(obj: Any) -> type[ModelKind]:
    """The first kind, in detection order, that ``obj`` matches; a TypeError when none does."""
    kinds = sorted(_KINDS.values(), key=lambda kind: kind.order)
    for kind in kinds:
        if kind.matches(obj):
            return kind
    for kind in kinds:
        if kind.looks_like(obj):
            return kind
    raise TypeError(
        f"Interface needs a function or a model ({', '.join(kind_names())}), got {type(obj).__name__}; "
        "wrap it in a function of the inputs"
    )


def stack_rows(columns: list[list[Any]]) -> tuple[Any, list[int] | None]:
    """The rows as one array-like batch for a tabular or tensor model, and for DataFrames the first row of each input.

    Several inputs: one feature row per row. One input: a list of texts, a DataFrame of all rows, a column of
    numbers, or the arrays stacked (:class:`CannotStack` when their shapes differ).
    """
    import numbers

    import numpy as np

    if len(columns) > 1:
        return np.asarray([list(row) for row in zip(*columns, strict=True)]), None
    (values,) = columns
    if all(isinstance(value, str) for value in values):
        return list(values), None
    if all(hasattr(value, "iloc") for value in values):
        pandas = sys.modules["pandas"]
        starts = list(np.cumsum([0] + [len(value) for value in values[:-1]]))
        return pandas.concat(values, ignore_index=True), [int(start) for start in starts]
    if all(isinstance(value, numbers.Number) for value in values):
        return np.asarray([[value] for value in values]), None
    arrays = [np.asarray(value) for value in values]
    if len({array.shape for array in arrays}) != 1:
        raise CannotStack
    return np.stack(arrays), None


def one_row(args: Sequence[Any]) -> Any:
    """A one-row batch from one row's values (as :func:`stack_rows` builds batches)."""
    return stack_rows([[value] for value in args])[0]


def split_rows(result: Any, rows: int | list[int]) -> list[Any]:
    """Per row, its part of a model's batched result: an array's rows, or per row a tuple/list of each output's row.
    ``rows``: how many, or which indexes to pick (a DataFrame input's first rows)."""
    picked = range(rows) if isinstance(rows, int) else rows
    if isinstance(result, list | tuple) and result and all(hasattr(item, "shape") for item in result):
        return [type(result)(item[row] for item in result) for row in picked]
    if isinstance(result, dict):
        return [type(result)((key, value[row]) for key, value in result.items()) for row in picked]
    return [result[row] for row in picked]


Call = Callable[..., Any]


def input_batches(
    columns: list[list[Any]], shapes: Sequence[Sequence[int | None] | None], floats: str = "float32"
) -> list[Any]:
    """One batch per model input, for a model with as many declared inputs as the interface (``shapes``: each
    input's declared shape, batch first, None for a free size). Each batch is fitted to its shape when only the
    layout differs (a number for an input of shape (None, 1)); float64 becomes ``floats``."""
    import numpy as np

    batches = []
    for values, shape in zip(columns, shapes, strict=True):
        arrays = [np.asarray(value) for value in values]
        if len({array.shape for array in arrays}) != 1:
            raise CannotStack
        batch = np.stack(arrays)
        if batch.dtype == np.float64:
            batch = batch.astype(floats)
        batches.append(fit_shape(batch, shape))
    return batches


def fit_shape(batch: Any, shape: Sequence[int | None] | None) -> Any:
    """``batch`` reshaped to a declared ``shape`` (batch first; None or a name: any size) when they hold the same
    number of values per row; unchanged otherwise (the model then says what it expected)."""
    if shape is None or len(shape) == 0:
        return batch
    fixed = [dim if isinstance(dim, int) and dim > 0 else None for dim in shape[1:]]
    if tuple(batch.shape[1:]) == tuple(fixed) or None in fixed:
        return batch
    per_row = 1
    for dim in fixed:
        per_row *= dim  # type: ignore[operator]
    values = 1
    for dim in batch.shape[1:]:
        values *= dim
    return batch.reshape((batch.shape[0], *fixed)) if per_row == values else batch
