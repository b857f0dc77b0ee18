"""Slider input ("slider")."""

from __future__ import annotations

from typing import Any

import traitlets

from .._assets import component_esm
from .number import Number


class Slider(Number):
    """A range slider between ``minimum`` and ``maximum`` (defaults 0 and 100)."""

    _esm = component_esm("slider.js")
    shortcuts = {"input": ("slider",)}

    value = traitlets.Float(None, allow_none=True).tag(sync=True)
    """The chosen value; starts at ``minimum`` when not given."""

    minimum = traitlets.Float(0.0).tag(sync=True, option=True)  # type: ignore[assignment]  # required here, optional in Number
    """Left end of the slider."""

    maximum = traitlets.Float(100.0).tag(sync=True, option=True)  # type: ignore[assignment]  # required here, optional in Number
    """Right end of the slider."""

    step = traitlets.Float(1.0).tag(sync=True, option=True)
    """Distance between selectable values."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.value is None:
            self.value = self.minimum

    @traitlets.validate("step")
    def _check_step(self, proposal: Any) -> float:
        if proposal["value"] <= 0:
            raise traitlets.TraitError(f"step must be above 0, got {proposal['value']}")
        return proposal["value"]

    @traitlets.validate("minimum", "maximum")
    def _check_bounds(self, proposal: Any) -> float:
        low = proposal["value"] if proposal["trait"].name == "minimum" else self.minimum
        high = proposal["value"] if proposal["trait"].name == "maximum" else self.maximum
        if low >= high:
            raise traitlets.TraitError(f"Slider needs minimum below maximum, got minimum={low:g}, maximum={high:g}")
        return proposal["value"]

    def empty_value(self) -> float:
        return self.minimum
