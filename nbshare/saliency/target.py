"""What an explanation measures: the confidence of the predicted class, or the value of a Number output."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._errors import InputError

if TYPE_CHECKING:
    from ..widgets import Component


@dataclass(frozen=True)
class Target:
    """Output ``index`` of the interface, and for a Label the class whose confidence is measured."""

    index: int
    label: str | None
    base: float

    def score(self, outputs: list[Any]) -> float:
        """The measured quantity in one row's wire outputs."""
        value = outputs[self.index]
        if self.label is None:
            return float(value)
        if value is None:
            return 0.0
        confidences = value.get("confidences") or []
        if not confidences:  # a Label without confidences: 1 when it still names the class
            return 1.0 if value.get("label") == self.label else 0.0
        return next((float(c["confidence"]) for c in confidences if c["label"] == self.label), 0.0)

    def describe(self) -> str:
        if self.label is None:
            return "the output"
        return f"the confidence in {self.label!r}"


def find_target(components: list[Component], outputs: list[Any]) -> Target:
    """The quantity to explain in the unperturbed answer ``outputs``: the first output that offers a ``measure``."""
    for index, component in enumerate(components):
        if component.measure == "class":
            answer = outputs[index]
            if not answer or answer.get("label") is None:
                raise InputError("the model gave no class to explain")
            target = Target(index, str(answer["label"]), 0.0)
            return Target(index, target.label, target.score(outputs))
        if component.measure == "value" and outputs[index] is not None:
            return Target(index, None, float(outputs[index]))
    raise InputError("Explain needs a Label or Number output to measure; this interface has neither")
