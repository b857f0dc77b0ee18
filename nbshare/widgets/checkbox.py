"""Checkbox input ("checkbox")."""

from __future__ import annotations

from typing import Any

import traitlets

from .._assets import component_esm
from ._component import Component, InputError


class Checkbox(Component):
    """A yes/no box; the function receives a ``bool``."""

    _esm = component_esm("checkbox.js")
    shortcuts = {"input": ("checkbox",)}
    expects = "True or False"
    occlusion = "feature"
    explanation_panel = "shared"

    value = traitlets.Bool(False).tag(sync=True)
    """Whether the box is ticked."""

    def preprocess(self, value: Any) -> bool:
        if not isinstance(value, bool | int) or value not in (0, 1):
            raise InputError(f"{self.label or 'The checkbox'} needs True or False, got {value!r}")
        return bool(value)

    def postprocess(self, result: Any) -> bool:
        return bool(result)

    def json_schema(self) -> dict[str, Any]:
        return {"type": "boolean"}

    def from_json(self, value: Any) -> Any:
        if not isinstance(value, bool):
            raise InputError(f"{self.label or 'The checkbox'} must be true or false, got {value!r:.60}")
        return value
