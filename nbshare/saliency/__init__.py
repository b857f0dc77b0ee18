"""Explanations of an answer: occlusion (any model), gradients (torch), or the researcher's own function."""

from __future__ import annotations

from .explain_run import Cancelled, ExplainRun, Explanation
from .methods import Gradient, Occlusion, resolve_interpretation
from .occlusion import InputExplanation

__all__ = [
    "Cancelled",
    "ExplainRun",
    "Explanation",
    "Gradient",
    "InputExplanation",
    "Occlusion",
    "resolve_interpretation",
]
