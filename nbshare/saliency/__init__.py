"""Explanations of an answer: occlusion (any model), gradients (torch), or the researcher's own function.

Only the settings load with ``import nbshare``; the machinery (runs, occlusion, gradients) loads on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .methods import Gradient, Occlusion, resolve_interpretation

if TYPE_CHECKING:
    from .explain_run import Cancelled, ExplainRun, Explanation
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

_LAZY = {
    "Cancelled": "explain_run",
    "ExplainRun": "explain_run",
    "Explanation": "explain_run",
    "FEATURES": "occlusion",
    "InputExplanation": "occlusion",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'nbshare.saliency' has no attribute {name!r}")
