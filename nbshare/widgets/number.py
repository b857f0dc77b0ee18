"""Number input and output ("number")."""

from __future__ import annotations

import math
import numbers
from typing import Any

import traitlets

from .._assets import component_esm
from ._component import Component, InputError


class Number(Component):
    """A number field; ``precision=0`` hands the function an ``int``."""

    _esm = component_esm("number.js")
    shortcuts = {"input": ("number",), "output": ("number",)}
    expects = "a number"
    occlusion = "feature"
    explanation_panel = "shared"
    measure = "value"

    value = traitlets.Float(None, allow_none=True).tag(sync=True)
    """The number shown, or None when the field is empty."""

    minimum = traitlets.Float(None, allow_none=True).tag(sync=True, option=True)
    """Smallest accepted value, or None for no bound."""

    maximum = traitlets.Float(None, allow_none=True).tag(sync=True, option=True)
    """Largest accepted value, or None for no bound."""

    precision = traitlets.Int(None, allow_none=True).tag(sync=True, option=True)
    """Decimal places to round to (0 gives an int), or None to keep the number as typed."""

    @traitlets.validate("minimum", "maximum")
    def _check_bounds(self, proposal: Any) -> float | None:
        low = proposal["value"] if proposal["trait"].name == "minimum" else self.minimum
        high = proposal["value"] if proposal["trait"].name == "maximum" else self.maximum
        if low is not None and high is not None and low > high:
            raise traitlets.TraitError(f"minimum ({low}) must not be above maximum ({high})")
        return proposal["value"]

    @traitlets.validate("precision")
    def _check_precision(self, proposal: Any) -> int | None:
        if proposal["value"] is not None and proposal["value"] < 0:
            raise traitlets.TraitError(f"precision must be 0 or more, got {proposal['value']}")
        return proposal["value"]

    def preprocess(self, value: Any) -> float | int:
        name = self.label or "The number"
        if value is None or value == "":
            raise InputError(f"{name} is empty: enter a number")
        if isinstance(value, bool) or not isinstance(value, numbers.Real | str):
            raise InputError(f"{name} must be a number, got {type(value).__name__}")
        try:
            number = float(value)
        except ValueError:
            raise InputError(f"{name} must be a number, got {value!r}") from None
        if not math.isfinite(number):
            raise InputError(f"{name} must be a finite number, got {number}")
        if self.minimum is not None and number < self.minimum:
            raise InputError(f"{name} must be at least {self.minimum:g}, got {number:g}")
        if self.maximum is not None and number > self.maximum:
            raise InputError(f"{name} must be at most {self.maximum:g}, got {number:g}")
        return self._round(number)

    def _round(self, number: float) -> float | int:
        if self.precision is None:
            return number
        if self.precision == 0:
            return round(number)
        return round(number, self.precision)

    def postprocess(self, result: Any) -> float | int | None:
        if result is None:
            return None
        if hasattr(result, "item") and getattr(result, "size", 1) == 1:
            result = result.item()  # numpy / torch scalars
        if isinstance(result, bool) or not isinstance(result, numbers.Real):
            raise TypeError(f"a Number output needs a number, the function returned {type(result).__name__}")
        return self._round(float(result))

    def example_value(self) -> float:
        if self.value is not None:
            return self.value
        for candidate in (self.minimum, self.maximum):
            if candidate is not None:
                return candidate
        return 0.0

    def json_schema(self) -> dict[str, Any]:
        if not self.interactive:
            return {"type": ["number", "null"]}
        limits = {"minimum": self.minimum, "maximum": self.maximum}
        return {"type": "number", **{key: bound for key, bound in limits.items() if bound is not None}}

    def from_json(self, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(f"{self.label or 'The number'} must be a number (JSON), got {value!r:.60}")
        return value
