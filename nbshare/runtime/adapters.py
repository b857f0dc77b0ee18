"""Model adapters: turn a plain callable, a scikit-learn estimator, a torch module or a Keras-style model
into one function of the interface's inputs.

Heavy libraries are never imported here unless the model given is one of theirs (then they already are).
"""

from __future__ import annotations

import inspect
import numbers
import sys
from collections.abc import Callable
from typing import Any

MODEL_TYPES = ("pyfunc", "sklearn", "torch", "keras")

__all__ = ["MODEL_TYPES", "adapt_model", "check_inputs", "detect_model_type"]


def _module_roots(model: Any) -> set[str]:
    return {klass.__module__.split(".")[0] for klass in type(model).__mro__}


def detect_model_type(model: Any) -> str:
    """Which adapter fits ``model``: "torch", "sklearn", "keras" or "pyfunc"."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(model, torch.nn.Module):
        return "torch"
    roots = _module_roots(model)
    if "sklearn" in roots:
        return "sklearn"
    if roots & {"keras", "tensorflow", "tf_keras"}:
        return "keras"
    if callable(model):
        return "pyfunc"
    if callable(getattr(model, "predict", None)):
        return "keras"
    raise TypeError(f"Interface needs a function or a model with a .predict method, got {type(model).__name__}")


def adapt_model(model: Any, model_type: str | None = None) -> Callable[..., Any]:
    """A function of the interface's input values that runs ``model``."""
    kind = model_type or detect_model_type(model)
    if kind not in MODEL_TYPES:
        raise ValueError(f"model_type must be one of {', '.join(MODEL_TYPES)}, got {kind!r}")
    if kind == "pyfunc":
        if not callable(model):
            raise TypeError(f"model_type='pyfunc' needs a callable, got {type(model).__name__}")
        return model  # type: ignore[no-any-return]
    if kind == "sklearn":
        return _sklearn(model)
    if kind == "torch":
        return _torch(model)
    return _keras(model)


def _batch_of_one(args: tuple[Any, ...]) -> Any:
    """A one-sample batch from the inputs: several inputs are one row of features."""
    import numpy as np

    if len(args) > 1:
        return np.asarray([list(args)])
    (value,) = args
    if isinstance(value, str):
        return [value]  # text models (vectorizer pipelines) take a list of documents
    if hasattr(value, "iloc"):
        return value  # a DataFrame is already a batch
    if isinstance(value, numbers.Number):
        return np.asarray([[value]])
    return np.asarray(value)[None, ...]


def _sklearn(estimator: Any) -> Callable[..., Any]:
    from sklearn.base import is_classifier

    if is_classifier(estimator) and hasattr(estimator, "predict_proba"):

        def classify(*args: Any) -> dict[str, float]:
            probabilities = estimator.predict_proba(_batch_of_one(args))[0]
            return {str(name): float(p) for name, p in zip(estimator.classes_, probabilities, strict=True)}

        return classify

    def predict(*args: Any) -> Any:
        result = estimator.predict(_batch_of_one(args))[0]
        return result.item() if hasattr(result, "item") else result

    return predict


def torch_batch_of_one(value: Any) -> Any:
    """``value`` as a torch module receives it: a tensor with a batch dimension of one (whole-number scalars as int64,
    everything else as float32); text and other objects unchanged."""
    import numpy as np
    import torch

    if isinstance(value, torch.Tensor):
        return value.unsqueeze(0)
    if isinstance(value, numbers.Number) or hasattr(value, "__array__") or isinstance(value, list | tuple):
        array = np.asarray(value)
        dtype = torch.int64 if array.dtype.kind in "iu" and array.ndim == 0 else torch.float32
        return torch.as_tensor(array, dtype=dtype).unsqueeze(0)
    return value


def _torch(module: Any) -> Callable[..., Any]:
    import torch

    def as_numpy(value: Any) -> Any:
        if isinstance(value, torch.Tensor):
            return value.detach().cpu().numpy()[0]
        if isinstance(value, tuple | list):
            return type(value)(as_numpy(item) for item in value)
        return value

    def forward(*args: Any) -> Any:
        module.eval()
        with torch.no_grad():
            return as_numpy(module(*(torch_batch_of_one(arg) for arg in args)))

    return forward


def _keras(model: Any) -> Callable[..., Any]:
    quiet = {"verbose": 0} if _accepts_verbose(model) else {}  # Keras prints a progress bar per call otherwise

    def predict(*args: Any) -> Any:
        result = model.predict(_batch_of_one(args), **quiet)
        if isinstance(result, list | tuple) and all(hasattr(item, "shape") for item in result):
            return type(result)(item[0] for item in result)  # a multi-output Keras model: a list of batches
        return result[0]

    return predict


def _accepts_verbose(model: Any) -> bool:
    try:
        parameters = inspect.signature(model.predict).parameters
    except (TypeError, ValueError):
        return False
    return "verbose" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def check_inputs(model: Any, kind: str, n_inputs: int, input_names: list[str]) -> None:
    """Raise a ValueError saying what to change when ``model`` cannot take the interface's inputs."""
    if kind == "pyfunc":
        _check_arity(model, n_inputs, input_names)
    n_features = getattr(model, "n_features_in_", None)
    if kind == "sklearn" and n_inputs > 1 and isinstance(n_features, int) and n_features != n_inputs:
        raise ValueError(
            f"the model was fitted on {n_features} features but the interface has {n_inputs} inputs "
            f"({', '.join(input_names)}); give one input per feature"
        )


def _check_arity(fn: Callable[..., Any], n_inputs: int, input_names: list[str]) -> None:
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
