"""Any ipywidget with a ``value`` (an ``IntSlider``, a ``DatePicker``...) standing as an input or output.

On a shared page such a widget is as untrusted as the rest of the page: the page may set its ``value`` (``index`` for
a selection: what ipywidgets' own front-end sends) while it is an input, nothing while it is an output, and the
value is checked against the widget's own bounds, options and length before the function sees it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import ipywidgets
import traitlets
from ipywidgets.widgets.widget_selection import _MultipleSelection, _Selection

from .._errors import InputError
from ._component import Contract, shorten

__all__ = ["ForeignWidget"]

NOT_COPIED = ("layout", "style", "value")


class ForeignWidget(Contract, ipywidgets.VBox):
    """Wraps an ipywidget so an Interface can clone it per viewer and read its value like a component's.

    The widget's ``description`` is its label; its ``disabled`` trait (when it has one) follows ``interactive``.
    Values pass to the function as they are, once :meth:`check_value` found them within the widget's limits.
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
        self._interactive = not getattr(widget, "disabled", False)
        # What the server's guard asks the widget a page writes to (the inner one): see server/guard.py.
        widget.check_page_value = self.check_page_value  # type: ignore[attr-defined]
        self._expose()
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
        return self._interactive

    @interactive.setter
    def interactive(self, allowed: bool) -> None:
        self._interactive = bool(allowed)
        if self.inner.has_trait("disabled"):
            self.inner.disabled = not allowed
        self._expose()

    def _expose(self) -> None:
        """Tell the guard what a page may set on the inner widget: its value while it is an input, else nothing."""
        keys = self.inner.keys
        trait = "value" if "value" in keys else "index" if "index" in keys else None
        writable = frozenset({trait}) if trait is not None and self._interactive else frozenset()
        self.inner.page_writable = writable  # type: ignore[attr-defined]  # read by server/guard.py

    # -- limits ------------------------------------------------------------------------------------

    def check_page_value(self, name: str, value: Any) -> None:
        """Raise InputError unless ``value`` (of trait ``name``, as a page sets it) is within the widget's limits."""
        if name == "index":
            self._check_index(value)
        elif name == "value":
            self.check_value(value)

    def check_value(self, value: Any) -> None:
        """Raise InputError unless ``value`` is one the widget itself offers: within ``min``/``max`` (each end of a
        range), one of its ``options`` (a selection, a Combobox with ``ensure_option``), at most ``max_length``
        long."""
        inner = self.inner
        if value is None:
            return
        if isinstance(inner, _Selection | _MultipleSelection):
            chosen = value if isinstance(inner, _MultipleSelection) else (value,)
            allowed = list(inner._options_values)
            for item in chosen:
                if item not in allowed:
                    raise InputError(f"{self._name()}: {shorten(repr(item), 60)} is not one of its options")
            return
        if getattr(inner, "ensure_option", False) and value not in ("", *getattr(inner, "options", ())):
            raise InputError(f"{self._name()}: {shorten(repr(value), 60)} is not one of its options")
        max_length = getattr(inner, "max_length", None)
        if isinstance(value, str) and isinstance(max_length, int) and len(value) > max_length:
            raise InputError(f"{self._name()} is {len(value):,} characters long; the limit is {max_length:,}")
        self._check_bounds(value)

    def _check_bounds(self, value: Any) -> None:
        inner = self.inner
        if not (inner.has_trait("min") and inner.has_trait("max")):
            return
        low, high = inner.min, inner.max
        if inner.has_trait("base"):  # a FloatLogSlider's min and max are exponents
            low, high = inner.base**low, inner.base**high
        ends = list(value) if isinstance(value, tuple | list) else [value]
        for end in ends:
            if isinstance(end, float) and not math.isfinite(end):
                raise InputError(f"{self._name()} takes finite numbers, got {end!r}")
            try:
                outside = (low is not None and end < low) or (high is not None and end > high)
            except TypeError:
                raise InputError(f"{self._name()} cannot take {shorten(repr(end), 60)}") from None
            if outside:
                raise InputError(f"{self._name()} takes values from {low} to {high}; got {shorten(repr(end), 60)}")
        if len(ends) == 2 and isinstance(value, tuple | list) and ends[0] > ends[1]:
            raise InputError(f"{self._name()}: a range must not end before it starts, got {ends[0]} to {ends[1]}")

    def _check_index(self, index: Any) -> None:
        count = len(getattr(self.inner, "options", ()))
        chosen = index if isinstance(index, tuple | list) else (index,)
        for item in chosen:
            if item is None and not isinstance(index, tuple | list):
                return
            if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item < count:
                raise InputError(f"{self._name()} has {count} options; there is no option {shorten(repr(item), 40)}")

    def _name(self) -> str:
        return self.label or type(self.inner).__name__

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
        # A selection's options are not synced (the page gets their labels): copied first, before its index.
        names = [*(["options"] if inner.has_trait("options") else []), *inner.keys]
        options = {name: getattr(inner, name) for name in names if not name.startswith("_") and name not in NOT_COPIED}
        copy = type(inner)(**options)
        copy.value = inner.value
        return ForeignWidget(copy, **{"interactive": self.interactive, **overrides})

    def close(self) -> None:
        self.inner.close()
        super().close()
