"""Any ipywidget with a ``value`` (an ``IntSlider``, a ``DatePicker``...) standing as an input or output."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets
import traitlets

from ._component import Contract, shorten

__all__ = ["ForeignWidget"]

NOT_COPIED = ("layout", "style", "value")


class ForeignWidget(Contract, ipywidgets.VBox):
    """Wraps an ipywidget so an Interface can clone it per viewer and read its value like a component's.

    The widget's ``description`` is its label; its ``disabled`` trait (when it has one) follows ``interactive``.
    Values pass to the function as they are.
    """

    @staticmethod
    def accepts(widget: Any) -> bool:
        """Whether ``widget`` is an ipywidget that shows on a page and holds a value."""
        return isinstance(widget, ipywidgets.ValueWidget) and isinstance(widget, ipywidgets.DOMWidget)

    def __init__(self, widget: ipywidgets.ValueWidget, **overrides: Any) -> None:
        if not self.accepts(widget):
            raise TypeError(f"an ipywidget used as an input or output needs a value, got {type(widget).__name__}")
        super().__init__([widget])
        self.inner = widget
        self._initial = widget.value
        for name, value in overrides.items():
            setattr(self, name, value)

    @property
    def label(self) -> str:
        return str(getattr(self.inner, "description", "") or "")

    @label.setter
    def label(self, text: str) -> None:
        if self.inner.has_trait("description"):
            self.inner.description = text

    @property
    def interactive(self) -> bool:
        return not getattr(self.inner, "disabled", False)

    @interactive.setter
    def interactive(self, allowed: bool) -> None:
        if self.inner.has_trait("disabled"):
            self.inner.disabled = not allowed

    @property
    def value(self) -> Any:
        return self.inner.value

    @value.setter
    def value(self, value: Any) -> None:
        self.inner.value = value

    def observe(self, handler: Any, names: Any = traitlets.All, type: str = "change") -> None:
        if names == "value":
            self.inner.observe(handler, names, type)
        else:
            super().observe(handler, names, type)

    def example_value(self) -> Any:
        return self._initial

    def empty_value(self) -> Any:
        return self._initial

    def preview(self, value: Any) -> str:
        return shorten(str(value))

    def on_submit(self, _callback: Callable[[], object]) -> None:
        """ipywidgets have no submit gesture of their own; Submit is the interface's button."""

    def clone(self, **overrides: Any) -> ForeignWidget:
        inner = self.inner
        options = {
            name: getattr(inner, name) for name in inner.keys if not name.startswith("_") and name not in NOT_COPIED
        }
        copy = type(inner)(**options)
        copy.value = inner.value
        return ForeignWidget(copy, **overrides)

    def close(self) -> None:
        self.inner.close()
        super().close()
