"""Model kinds: one module per library nbshare calls natively; each registers itself by defining its kind.

Generic code asks a kind (:class:`ModelKind`) how to call a model, never the model's type.
"""

from __future__ import annotations

from typing import Any

from . import function, hf_pipeline, keras_model, onnx_session, ray_handle, sklearn_estimator, tf_function, torch_module
from ._kind import CannotStack, ModelKind, detect, kind_named, kind_names
from .function import BatchError
from .torch_module import torch_batch_of_one

__all__ = [
    "BatchError",
    "CannotStack",
    "ModelKind",
    "detect",
    "detect_model_type",
    "kind_named",
    "kind_names",
    "torch_batch_of_one",
]

_REGISTERED = (
    function,
    hf_pipeline,
    keras_model,
    onnx_session,
    ray_handle,
    sklearn_estimator,
    tf_function,
    torch_module,
)


def detect_model_type(model: Any) -> str:
    """The ``model_type`` name of the kind that fits ``model``."""
    return detect(model).name
