"""ONNX Runtime sessions: an ``onnxruntime.InferenceSession`` fed its inputs by name, each of the declared type and
shape.

Inputs: a session with as many inputs as the interface takes one per input, in the session's order; a session with
one input and an interface with several takes them as one feature row (four Number inputs for an input of shape
(None, 4)). Values become the declared element type (``tensor(float)`` -> float32, ``tensor(int64)`` -> int64, ...;
never numpy's default float64) and are reshaped when only the layout differs (a number for an input of shape
(None, 1)); otherwise a ValueError says which shape the input expects. The session's input names label the
interface's inputs. Rows go to the model as one batch when its batch dimension is free (None or a name).

Outputs: the interface's outputs take the session's first outputs, in order; one output gives its row, several a
tuple per row.

Metadata (``session.get_modelmeta().custom_metadata_map``; written with the ``onnx`` package as
``model.metadata_props``) is read under two keys, each a JSON list (``["cat", "dog"]``), a JSON object of index to name
(``{"0": "cat", "1": "dog"}``, like Hugging Face's ``id2label``) or comma-separated names (``cat,dog``):

- ``class_names``: the classes of the first output's scores. With no outputs given, the interface shows them in a
  ``Label``.
- ``feature_names``: the columns of a one-input tabular model (an input of shape (None, n)). With no inputs given, the
  interface gets one Number per feature; they also label the inputs.

Inputs are inferred only for tabular models: from ``feature_names``, or one field per input when every input takes
one value per row (Number; Number with ``precision=0`` for integers; Checkbox for bool; Textbox for text). An image or
sequence model needs its inputs named. Likewise a model whose one output is one number per row gets a Number output.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...widgets import Checkbox, Label, Number, Textbox
from ._kind import CannotStack, ModelKind, fit_shape, module_roots, stack_rows

__all__ = ["OnnxSession"]

_DTYPES = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
    "tensor(float16)": np.float16,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
    "tensor(int16)": np.int16,
    "tensor(int8)": np.int8,
    "tensor(uint64)": np.uint64,
    "tensor(uint32)": np.uint32,
    "tensor(uint16)": np.uint16,
    "tensor(uint8)": np.uint8,
    "tensor(bool)": np.bool_,
    "tensor(string)": np.object_,
}
"""numpy's type for each ONNX tensor type a value can be converted to."""


class OnnxSession(ModelKind):
    name = "onnx"
    order = 50

    @classmethod
    def matches(cls, obj: Any) -> bool:
        return (
            "onnxruntime" in module_roots(obj)
            and callable(getattr(obj, "run", None))
            and callable(getattr(obj, "get_inputs", None))
        )

    @classmethod
    def input_names(cls, obj: Any) -> list[str] | None:
        inputs = obj.get_inputs()
        features = _names(_metadata(obj).get("feature_names"))
        if features and len(inputs) == 1 and _row_size(inputs[0]) == len(features):
            return features
        return [arg.name for arg in inputs]

    @classmethod
    def components(cls, obj: Any) -> tuple[list[Any], list[Any]] | None:
        metadata = _metadata(obj)
        inputs = _inferred_inputs(obj.get_inputs(), _names(metadata.get("feature_names")))
        classes = _names(metadata.get("class_names"))
        outputs = [Label(class_names=classes)] if classes else [Number()] if _one_number(obj.get_outputs()) else []
        return (inputs, outputs) if inputs or outputs else None

    def check_model(self) -> None:
        if not self.matches(self.obj):
            raise TypeError(f"model_type='onnx' needs an onnxruntime.InferenceSession, got {type(self.obj).__name__}")

    def check_inputs(self, input_labels: Sequence[str]) -> None:
        inputs, count = self.obj.get_inputs(), len(input_labels)
        declared = ", ".join(f"{arg.name} ({arg.type}, shape {_shape_text(arg.shape)})" for arg in inputs)
        if count == 0 or (len(inputs) > 1 and len(inputs) != count):
            given = f"{count} ({', '.join(input_labels)})" if count else "none"
            raise ValueError(
                f"the ONNX model takes {len(inputs)} input(s): {declared}; the interface has {given}. Give one input "
                "component per model input, in that order (or, for one input of shape (None, n), n Number inputs)"
            )
        outputs = self.obj.get_outputs()
        if len(outputs) < self.n_outputs:
            raise ValueError(
                f"the ONNX model gives {len(outputs)} output(s) ({', '.join(arg.name for arg in outputs)}) but the "
                f"interface has {self.n_outputs}; remove {self.n_outputs - len(outputs)} output component(s)"
            )

    def call(self, *args: Any) -> Any:
        return self._run([[value] for value in args])[0]

    def call_many(self, columns: list[list[Any]]) -> list[Any]:
        if any(_fixed(arg.shape[0]) for arg in self.obj.get_inputs() if arg.shape):
            raise CannotStack  # the model takes a fixed number of rows at once: one by one
        return self._run(columns)

    def _run(self, columns: list[list[Any]]) -> list[Any]:
        inputs = self.obj.get_inputs()
        if len(inputs) == len(columns):
            batches = [_stacked(values) for values in columns]
        else:  # one model input, several interface inputs: one feature row
            batches = [np.asarray(stack_rows(columns)[0])]
        feed = {arg.name: _fitted(arg, batch) for arg, batch in zip(inputs, batches, strict=True)}
        results = self.obj.run([arg.name for arg in self.obj.get_outputs()[: self.n_outputs]], feed)
        rows = range(len(columns[0]))
        if len(results) == 1:
            return [results[0][row] for row in rows]
        return [tuple(result[row] for result in results) for row in rows]


def _stacked(values: list[Any]) -> Any:
    """One input's values for every row as one array (:class:`CannotStack` when their shapes differ)."""
    if all(isinstance(value, str) for value in values):
        return np.asarray(values, dtype=object)
    arrays = [np.asarray(value) for value in values]
    if len({array.shape for array in arrays}) != 1:
        raise CannotStack
    return np.stack(arrays)


def _fitted(arg: Any, batch: Any) -> Any:
    """``batch`` as input ``arg`` declares it: its element type, and its shape when only the layout differs."""
    batch = _typed(arg, np.asarray(batch))
    shape = list(arg.shape or [])
    if not shape:
        return batch
    batch = fit_shape(batch, shape)
    if batch.ndim == len(shape) - 1 and not (_fixed(shape[-1]) and shape[-1] != 1):
        batch = batch[..., np.newaxis]  # one value per row for an input of shape (None, 1) or (None, n)
    rows = tuple(batch.shape[1:])
    if len(rows) != len(shape) - 1 or any(_fixed(dim) and dim != got for dim, got in zip(shape[1:], rows, strict=True)):
        per_row = _count(shape[1:])
        wanted = f"{per_row} value(s) per row" if per_row is not None else f"rows of rank {len(shape) - 1}"
        raise ValueError(
            f"input {arg.name!r} of the ONNX model expects shape {_shape_text(shape)} ({wanted}), got a row of shape "
            f"{rows} ({int(np.prod(rows))} value(s)); give the interface inputs that make one row of that shape"
        )
    return batch


def _typed(arg: Any, batch: Any) -> Any:
    """``batch`` converted to the element type ``arg`` declares, or a ValueError saying what the input takes."""
    dtype = _DTYPES.get(arg.type)
    if dtype is None or batch.dtype == dtype:
        return batch
    if dtype is np.object_:
        if batch.dtype.kind not in "OUS":
            raise ValueError(f"input {arg.name!r} of the ONNX model takes text ({arg.type}), got {batch.dtype} values")
        return batch.astype(object)
    try:
        converted = batch.astype(dtype)
    except (TypeError, ValueError):
        example = _plain(next(iter(batch.flat), None))
        raise ValueError(f"input {arg.name!r} of the ONNX model takes numbers ({arg.type}), got {example!r}") from None
    if np.dtype(dtype).kind in "iu" and batch.dtype.kind == "f" and not np.array_equal(converted, batch):
        example = _plain(next(value for value, whole in zip(batch.flat, converted.flat, strict=True) if value != whole))
        raise ValueError(f"input {arg.name!r} of the ONNX model takes whole numbers ({arg.type}), got {example!r}")
    return converted


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _inferred_inputs(inputs: list[Any], features: list[str] | None) -> list[Any]:
    """Fields for a tabular model's inputs (see the module's docstring); [] when they cannot be told."""
    if features and len(inputs) == 1 and _row_size(inputs[0]) == len(features):
        return [_field(inputs[0].type) for _name in features]  # labelled by input_names
    if inputs and all(_row_size(arg) == 1 for arg in inputs):
        return [_field(arg.type) for arg in inputs]
    return []


def _field(onnx_type: str) -> Any:
    dtype = _DTYPES.get(onnx_type)
    if dtype is np.bool_:
        return Checkbox()
    if dtype is np.object_ or dtype is None:
        return Textbox()
    return Number(precision=0 if np.dtype(dtype).kind in "iu" else None)


def _one_number(outputs: list[Any]) -> bool:
    """Whether the model gives one number per row (a regression)."""
    return len(outputs) == 1 and _row_size(outputs[0]) == 1 and _DTYPES.get(outputs[0].type) not in (None, np.object_)


def _row_size(arg: Any) -> int | None:
    """How many values one row of ``arg`` holds, when its shape fixes it (a shape (None,) row holds one)."""
    shape = arg.shape or []
    return _count(shape[1:]) if len(shape) >= 1 else None


def _count(dims: Sequence[Any]) -> int | None:
    return int(np.prod(dims)) if all(_fixed(dim) for dim in dims) else None


def _fixed(dim: Any) -> bool:
    return isinstance(dim, int) and dim > 0


def _shape_text(shape: Sequence[Any]) -> str:
    return (
        "(" + ", ".join("None" if dim is None else str(dim) for dim in shape) + ("," if len(shape) == 1 else "") + ")"
    )


def _metadata(session: Any) -> dict[str, str]:
    try:
        return dict(session.get_modelmeta().custom_metadata_map)
    except Exception:  # a session-like object without metadata
        return {}


def _names(text: str | None) -> list[str] | None:
    """Names from a metadata value: a JSON list, a JSON object of index to name, or comma-separated names."""
    if not text or not text.strip():
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return [name.strip() for name in text.split(",") if name.strip()] or None
    if isinstance(value, dict):
        try:
            return [str(value[key]) for key in sorted(value, key=int)]
        except ValueError:
            return [str(name) for name in value.values()]
    if isinstance(value, list):
        return [str(name) for name in value]
    return [str(value)]
