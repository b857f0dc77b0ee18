"""Explanations of an answer: occlusion (any model), gradients (torch), or the researcher's own function."""

from __future__ import annotations

from .explain_run import Cancelled, ExplainRun, Explanation
from .methods import Gradient, Occlusion, resolve_interpretation
from .occlusion import FEATURES, InputExplanation

__all__ = [
    "FEATURES",
    "Cancelled",
    "ExplainRun",
    "Explanation",
    "Gradient",
    "InputExplanation",
    "Occlusion",
    "resolve_interpretation",
]
