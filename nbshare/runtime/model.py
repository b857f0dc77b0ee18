"""A model as the runtime sees it: one call for a row, one call for a batch, and the version that answers."""

from __future__ import annotations

import hashlib
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .batching import BatchCaller, batch_caller
from .models import ModelKind, detect, kind_named

__all__ = ["Model", "fingerprint"]


@dataclass(frozen=True)
class Model:
    """The researcher's function or model behind an interface, adapted once.

    Frozen: a swap replaces the whole object, so a running call always reports the version it used.
    """

    obj: Any
    """The function or model as given (a ``torch.nn.Module`` for gradients, say)."""
    adapter: ModelKind
    """How it is called: its kind (``adapter.name``: "pyfunc", "sklearn", "torch", "keras"...)."""
    call: Callable[..., Any]
    """One row: ``call(*args) -> result``."""
    call_batch: BatchCaller
    """Many rows: ``call_batch(columns, rows) -> [result per row]``."""
    version: str
    """The name of this version: given by the researcher, or a fingerprint of ``obj``."""
    forced: bool = False
    """Whether ``kind`` was given by the researcher rather than detected."""

    @classmethod
    def adapt(
        cls,
        obj: Any,
        *,
        model_type: str | None,
        batch: bool,
        input_labels: list[str],
        n_outputs: int,
        version: str | None = None,
    ) -> Model:
        """Adapt ``obj`` to ``len(input_labels)`` inputs and ``n_outputs`` outputs; a clear error when it cannot."""
        kind = kind_named(model_type) if model_type else detect(obj)
        adapter = kind(obj, batch=batch, n_outputs=n_outputs)
        adapter.check_inputs(input_labels)
        return cls(
            obj, adapter, adapter.call, batch_caller(adapter), version or fingerprint(obj), model_type is not None
        )

    @property
    def kind(self) -> str:
        """The kind's ``model_type`` name."""
        return self.adapter.name

    @property
    def name(self) -> str:
        """The function's name, what its kind calls it, or the model's class name."""
        name = self.adapter.model_name(self.obj) or getattr(self.obj, "__name__", None)
        return name if isinstance(name, str) else type(self.obj).__name__  # a Ray handle answers any attribute


def fingerprint(model: Any) -> str:
    """A short name that changes when the function's code or the model object changes."""
    code = getattr(model, "__code__", None)
    if isinstance(code, types.CodeType):
        digest = hashlib.sha1(code.co_code + repr(code.co_consts).encode()).hexdigest()[:10]
        return f"{getattr(model, '__qualname__', 'fn')}@{digest}"
    name = getattr(model, "__qualname__", None)
    name = name if isinstance(name, str) else type(model).__qualname__  # not a Ray handle's made-up attribute
    return f"{name}@{id(model):x}"
