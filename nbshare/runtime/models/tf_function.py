"""TensorFlow callables: a ``tf.Module`` or ``tf.function``, or a SavedModel from ``tf.saved_model.load`` (called
directly, or through its ``serving_default`` signature when it has no ``__call__``).

Inputs become tensors of the declared dtypes and shapes (a model with one declared input of shape (None, 3) takes
three number inputs as one row); outputs come back as arrays, a signature's named outputs in name order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._kind import ModelKind, fit_shape, input_batches, module_roots, split_rows, stack_rows

__all__ = ["TensorFlowFunction"]


class TensorFlowFunction(ModelKind):
    name = "tensorflow"
    order = 40

    @classmethod
    def matches(cls, obj: Any) -> bool:
        return "tensorflow" in module_roots(obj) and (callable(obj) or bool(getattr(obj, "signatures", None)))

    @classmethod
    def input_names(cls, obj: Any) -> list[str] | None:
        specs = _specs(obj)[1]
        names = [str(getattr(spec, "name", None) or "") for spec in specs or []]
        return names if len(names) > 1 and all(names) else None

    def check_model(self) -> None:
        if not self.matches(self.obj):
            raise TypeError(
                "model_type='tensorflow' needs a tf.Module, a tf.function or a loaded SavedModel, "
                f"got {type(self.obj).__name__}"
            )

    def check_inputs(self, input_labels: Sequence[str]) -> None:
        specs = _specs(self.obj)[1]
        if specs is not None and len(specs) > 1 and len(specs) != len(input_labels):
            raise ValueError(
                f"the TensorFlow function takes {len(specs)} inputs but the interface has {len(input_labels)} "
                f"({', '.join(input_labels)}); give one input component per tensor"
            )

    def call_many(self, columns: list[list[Any]]) -> list[Any]:
        import tensorflow as tf

        function, specs, by_name = _specs(self.obj)
        if specs is not None and len(specs) > 1:
            arrays = input_batches(columns, [_shape(spec) for spec in specs])
        else:
            batch, _starts = stack_rows(columns)
            arrays = [fit_shape(batch, _shape(specs[0])) if specs else batch]
        dtypes = [spec.dtype for spec in specs] if specs else [_default_dtype(array) for array in arrays]
        tensors = [tf.convert_to_tensor(array, dtype=dtype) for array, dtype in zip(arrays, dtypes, strict=True)]
        if by_name:
            result = function(**{spec.name: tensor for spec, tensor in zip(specs or [], tensors, strict=True)})
        else:
            result = function(*tensors)
        return split_rows(self._arrays(result), len(columns[0]))

    def _arrays(self, result: Any) -> Any:
        if isinstance(result, dict):
            values = [result[key] for key in sorted(result)]
            return _numpy(values[0]) if len(values) == 1 else tuple(_numpy(value) for value in values)
        if isinstance(result, list | tuple):
            return type(result)(_numpy(value) for value in result)
        return _numpy(result)


def _default_dtype(array: Any) -> Any:
    """float32 for floats when nothing is declared (TensorFlow's default; numpy's float64 would not match)."""
    return "float32" if getattr(getattr(array, "dtype", None), "kind", "") == "f" else None


def _numpy(value: Any) -> Any:
    return value.numpy() if hasattr(value, "numpy") else value


def _shape(spec: Any) -> tuple[int | None, ...] | None:
    shape = getattr(spec, "shape", None)
    return None if shape is None or shape.rank is None else tuple(shape.as_list())


def _specs(obj: Any) -> tuple[Any, list[Any] | None, bool]:
    """The function to call, its input specs (None: not declared) and whether it takes them by name."""
    function = obj if callable(obj) else obj.signatures["serving_default"]
    structured = getattr(function, "structured_input_signature", None)  # a concrete function or signature
    if structured is not None:
        args, kwargs = structured
        if kwargs and not args:
            return function, [kwargs[name] for name in sorted(kwargs)], True
        return function, list(args) or None, False
    call = getattr(function, "__call__", function)  # noqa: B004 - a restored SavedModel keeps its signature here
    signature = getattr(function, "input_signature", None) or getattr(call, "input_signature", None)
    return function, (list(signature) if signature else None), False
