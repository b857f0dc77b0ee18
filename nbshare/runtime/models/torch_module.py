"""torch modules: in eval mode and without gradients, each input as a tensor with a batch dimension."""

from __future__ import annotations

import numbers
from typing import Any

from ._kind import CannotStack, ModelKind, loaded

__all__ = ["TorchModule", "torch_batch_of_one"]


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


class TorchModule(ModelKind):
    name = "torch"
    order = 60
    gradients = True

    @classmethod
    def matches(cls, obj: Any) -> bool:
        torch = loaded("torch")
        return torch is not None and isinstance(obj, torch.nn.Module)

    def check_model(self) -> None:
        if not self.matches(self.obj):
            raise TypeError(f"model_type='torch' needs a torch.nn.Module, got {type(self.obj).__name__}")

    def call(self, *args: Any) -> Any:
        return self._forward([torch_batch_of_one(arg) for arg in args], 1)[0]

    def call_many(self, columns: list[list[Any]]) -> list[Any]:
        import torch

        tensors = []
        for values in columns:
            rows = [torch_batch_of_one(v) for v in values]  # each row exactly as the module gets it alone
            if not all(isinstance(row, torch.Tensor) for row in rows):
                raise CannotStack  # text and other objects: the module takes them one at a time
            if len({(tuple(row.shape), row.dtype) for row in rows}) != 1:
                raise CannotStack
            tensors.append(torch.cat(rows))
        return self._forward(tensors, len(columns[0]))

    def _forward(self, inputs: list[Any], rows: int) -> list[Any]:
        import torch

        self.obj.eval()
        with torch.no_grad():
            return _split(self.obj(*inputs), rows)


def _split(output: Any, rows: int) -> list[Any]:
    import torch

    if isinstance(output, torch.Tensor):
        array = output.detach().cpu().numpy()
        return [array[row] for row in range(rows)]
    if isinstance(output, tuple | list):
        parts = [_split(item, rows) for item in output]
        return [type(output)(part[row] for part in parts) for row in range(rows)]
    return [output] * rows
