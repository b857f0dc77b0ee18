"""The model versions an interface has answered with, so flags can be re-run on one of them later, without keeping a
replaced model alive."""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .model import Model

if TYPE_CHECKING:
    from .runner import Runner

__all__ = ["ServedModels"]


class ServedModels:
    """Version name -> a weak reference to the model that answered under it (and its kind).

    A replaced model stays usable for as long as the researcher keeps it (``model_v1 = ...``); nbshare never holds
    one in memory on its own, since models can be large.
    """

    def __init__(self, first: Model) -> None:
        self._models: dict[str, tuple[Callable[[], Any] | None, str]] = {}
        self.add(first)

    def add(self, model: Model) -> None:
        """Remember that ``model`` answered under ``model.version`` (a later model under the same name replaces it)."""
        reference: Callable[[], Any] | None
        try:
            reference = weakref.WeakMethod(model.obj) if inspect.ismethod(model.obj) else weakref.ref(model.obj)
        except TypeError:  # an object that takes no weak reference (a builtin, __slots__ without __weakref__)
            reference = None
        self._models[model.version] = (reference, model.kind)

    @property
    def versions(self) -> list[str]:
        """Every version name seen, oldest first."""
        return list(self._models)

    def model(self, version: str | None, runner: Runner) -> Model:
        """The model answering now (``version`` None or its name), or the one that answered as ``version``.

        ValueError when no model answered under that name in this kernel, or when it is no longer in memory.
        """
        current = runner.pipeline.model
        if version is None or version == current.version:
            return current
        if not isinstance(version, str):
            raise TypeError(f"version must be a version name (text) or None, got {type(version).__name__}")
        if version not in self._models:
            raise ValueError(
                f"no model answered as version {version!r} here; the versions this interface has had are "
                f"{', '.join(repr(v) for v in self.versions)} (names come from Interface(version=) and "
                "swap(model, version=))"
            )
        reference, kind = self._models[version]
        obj = reference() if reference is not None else None
        if obj is None:
            raise ValueError(
                f"the model of version {version!r} is no longer in memory (nbshare keeps no copy of a replaced "
                f"model); keep a reference to it (model_v1 = ...) to re-test on it, or re-test on {current.version!r}"
            )
        pipeline = runner.pipeline
        return Model.adapt(
            obj,
            model_type=kind,
            batch=runner.batch,
            input_labels=[component.label for component in pipeline.inputs],
            n_outputs=len(pipeline.outputs),
            version=version,
        )
