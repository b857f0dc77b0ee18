"""Choice inputs: Dropdown (a select box) and, in radio.py, Radio (buttons) share this logic."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import traitlets

from .._assets import component_esm
from ._component import Component, InputError, shorten


def _split_choices(choices: Any) -> tuple[list[str], list[Any]]:
    """Labels shown on the page and the values the function receives, from strings or (label, value)."""
    if isinstance(choices, str | bytes) or not isinstance(choices, Sequence) or not choices:
        raise traitlets.TraitError(
            f"choices must be a non-empty list of strings or (label, value) pairs, got {choices!r}"
        )
    labels, values = [], []
    for choice in choices:
        if isinstance(choice, tuple | list) and len(choice) == 2:
            label, value = choice
        else:
            label = value = choice
        labels.append(str(label))
        values.append(value)
    if len(set(labels)) != len(labels):
        raise traitlets.TraitError(f"choices must have distinct labels, got {labels}")
    return labels, values


class Dropdown(Component):
    """Pick one of ``choices`` from a select box.

    ``choices`` are strings, or ``(label, value)`` pairs when the function needs other values than the
    text shown. ``type="index"`` hands the function the position instead.
    """

    _esm = component_esm("dropdown.js")
    shortcuts = {"input": ("dropdown",)}
    expects = "one of the choices (text)"
    occlusion = "feature"
    explanation_panel = "shared"

    value = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    """Label of the chosen entry, or None when nothing is chosen."""

    choices = traitlets.List(traitlets.Unicode()).tag(sync=True)
    """Labels shown on the page."""

    type = traitlets.Enum(["value", "index"], "value").tag(sync=True, option=True)
    """What the function receives: the choice's value, or its index."""

    def __init__(self, choices: Any = None, **kwargs: Any) -> None:
        if choices is None:
            raise TypeError(f"{type(self).__name__} needs choices, e.g. nbshare.{type(self).__name__}(['a', 'b'])")
        labels, self._choice_values = _split_choices(choices)
        self._choices_given = list(choices)
        super().__init__(choices=labels, **kwargs)

    @classmethod
    def _accepted_kwargs(cls) -> set[str]:
        return super()._accepted_kwargs() | {"choices"}

    @traitlets.validate("value")
    def _check_value(self, proposal: Any) -> str | None:
        value = proposal["value"]
        if value is not None and value not in self.choices:
            raise traitlets.TraitError(f"{shorten(repr(value), 60)} is not one of the choices {self.choices}")
        return value

    def _clone_kwargs(self) -> dict[str, Any]:
        return {**super()._clone_kwargs(), "choices": self._choices_given}

    def preprocess(self, value: Any) -> Any:
        if value is None:
            raise InputError(f"{self.label or 'A choice'} is empty: pick one of {', '.join(self.choices)}")
        if value not in self.choices:
            raise InputError(f"{shorten(repr(value), 60)} is not one of the choices: {', '.join(self.choices)}")
        index = self.choices.index(value)
        return index if self.type == "index" else self._choice_values[index]

    def check_page_value(self, name: str, value: Any) -> None:
        """A page may choose only what is offered (or nothing)."""
        if name == "value" and value is not None:
            self.preprocess(value)

    def postprocess(self, result: Any) -> str | None:
        if result is None:
            return None
        for label, value in zip(self.choices, self._choice_values, strict=True):
            if result == value or str(result) == label:
                return label
        raise ValueError(f"the function returned {result!r}, which is not one of {self.choices}")

    def example_value(self) -> str:
        return self.value if self.value is not None else self.choices[0]

    def json_schema(self) -> dict[str, Any]:
        if not self.interactive:
            return {"enum": [*self.choices, None]}
        return {"type": "string", "enum": list(self.choices)}

    def from_json(self, value: Any) -> Any:
        if not isinstance(value, str) or value not in self.choices:
            raise InputError(f"{shorten(repr(value), 60)} is not one of the choices: {', '.join(self.choices)}")
        return value
