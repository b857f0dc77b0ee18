"""Keras 3 models on any backend (torch, TensorFlow, JAX), tf.keras, and objects with a Keras-style ``.predict``.

Detected before torch: on the torch backend a Keras model is also a ``torch.nn.Module``, but it must be called the
Keras way. A model with several inputs gets one batch per input; several outputs come back per row as a list (or a
dict for named outputs). Calls go through ``predict_on_batch``: no progress bar, and none of ``predict``'s
per-call set-up.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

from ._kind import ModelKind, fit_shape, input_batches, module_roots, split_rows, stack_rows

__all__ = ["KerasModel"]


def _declared_inputs(model: Any) -> list[Any]:
    try:
        inputs = model.inputs  # a functional or built Sequential model's input tensors
    except (AttributeError, ValueError):
        return []
    return list(inputs) if isinstance(inputs, list | tuple) else []


class KerasModel(ModelKind):
    name = "keras"
    order = 30

    @classmethod
    def matches(cls, obj: Any) -> bool:
        return bool(module_roots(obj) & {"keras", "tf_keras"})

    @classmethod
    def looks_like(cls, obj: Any) -> bool:
        return callable(getattr(obj, "predict", None))

    @classmethod
    def input_names(cls, obj: Any) -> list[str] | None:
        inputs = _declared_inputs(obj)
        return [str(t.name) for t in inputs] if len(inputs) > 1 else None

    def check_model(self) -> None:
        if not callable(getattr(self.obj, "predict", None)):
            raise TypeError(f"model_type='keras' needs a model with .predict, got {type(self.obj).__name__}")

    def check_inputs(self, input_labels: Sequence[str]) -> None:
        declared = _declared_inputs(self.obj)
        if len(declared) > 1 and len(declared) != len(input_labels):
            names = ", ".join(str(t.name) for t in declared)
            raise ValueError(
                f"the Keras model has {len(declared)} inputs ({names}) but the interface has {len(input_labels)} "
                f"({', '.join(input_labels)}); give one input component per model input"
            )

    def call_many(self, columns: list[list[Any]]) -> list[Any]:
        declared = _declared_inputs(self.obj)
        starts: list[int] | None = None
        if len(declared) > 1:
            batch: Any = input_batches(columns, [tuple(t.shape) for t in declared])
        else:
            batch, starts = stack_rows(columns)
            if hasattr(batch, "dtype") and batch.dtype.kind == "f" and batch.dtype.itemsize == 8:
                batch = batch.astype("float32")  # Keras' default float; torch and JAX refuse to mix
            if len(declared) == 1 and hasattr(batch, "reshape"):
                batch = fit_shape(batch, tuple(declared[0].shape))
        return split_rows(self._predict(batch), starts if starts is not None else len(columns[0]))

    def _predict(self, batch: Any) -> Any:
        predict_on_batch = getattr(self.obj, "predict_on_batch", None)
        if callable(predict_on_batch) and module_roots(self.obj) & {"keras", "tf_keras"}:
            return predict_on_batch(batch)
        quiet = {"verbose": 0} if _accepts_verbose(self.obj.predict) else {}  # Keras prints a progress bar otherwise
        return self.obj.predict(batch, **quiet)


def _accepts_verbose(predict: Any) -> bool:
    try:
        parameters = inspect.signature(predict).parameters
    except (TypeError, ValueError):
        return False
    return "verbose" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())
