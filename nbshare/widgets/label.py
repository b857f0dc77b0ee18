"""Classification output ("label"): the top class and confidence bars."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import traitlets

from .._assets import component_esm
from ._component import Component


def _as_float(value: Any, what: str) -> float:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a number, got {value!r}")
    return float(value)


def _softmax(pairs: list[tuple[str, float]]) -> list[tuple[str, float]]:
    if not pairs:
        return pairs
    if not all(math.isfinite(score) for _name, score in pairs):
        raise TypeError("Label(softmax=True) needs finite logits; the function returned inf or nan")
    top = max(score for _name, score in pairs)
    weights = [math.exp(score - top) for _name, score in pairs]  # shifted: no overflow for large logits
    total = sum(weights)
    return [(name, weight / total) for (name, _score), weight in zip(pairs, weights, strict=True)]


class Label(Component):
    """Show a predicted class, with confidence bars sorted from the most likely.

    The function may return a dict ``{class: confidence}``, a list/array of confidences (named by
    ``class_names``, else by index), or a single class (a string or int) without confidences. With
    ``softmax=True`` the confidences are logits, turned into probabilities.
    """

    roles = frozenset({"output"})

    _esm = component_esm("label.js")
    shortcuts = {"output": ("label",)}
    expects = "a dict {class: confidence}, a list of confidences or one class"
    measure = "class"

    value = traitlets.Dict(None, allow_none=True).tag(sync=True)
    """``{"label": top class, "confidences": [{"label", "confidence"}, ...]}``, or None when empty."""

    num_top_classes = traitlets.Int(None, allow_none=True).tag(sync=True, option=True)
    """How many classes to show bars for; None shows all."""

    class_names = traitlets.List(traitlets.Unicode(), None, allow_none=True).tag(sync=True, option=True)
    """Names for a list/array of confidences, in order."""

    softmax = traitlets.Bool(False).tag(sync=True, option=True)
    """The function returns logits (a torch or Keras model's last layer without an activation): turn them into
    probabilities with a softmax before showing them."""

    @traitlets.validate("num_top_classes")
    def _check_top(self, proposal: Any) -> int | None:
        if proposal["value"] is not None and proposal["value"] < 1:
            raise traitlets.TraitError(f"num_top_classes must be 1 or more, got {proposal['value']}")
        return proposal["value"]

    def postprocess(self, result: Any) -> dict[str, Any] | None:
        if result is None:
            return None
        if isinstance(result, str | numbers.Integral) or (hasattr(result, "ndim") and result.ndim == 0):
            single = result.item() if hasattr(result, "item") else result
            return {"label": str(single), "confidences": []}
        if isinstance(result, Mapping):
            pairs = [(str(key), _as_float(conf, f"confidence of {key!r}")) for key, conf in result.items()]
        elif hasattr(result, "tolist") or isinstance(result, Sequence):
            scores = result.tolist() if hasattr(result, "tolist") else list(result)
            if scores and isinstance(scores[0], list):
                if len(scores) != 1:
                    raise TypeError(f"a Label shows one prediction; got a batch of {len(scores)}")
                scores = scores[0]
            names = self.class_names or [str(index) for index in range(len(scores))]
            if len(names) != len(scores):
                raise TypeError(
                    f"the function returned {len(scores)} confidences but Label has {len(names)} class_names"
                )
            pairs = [
                (name, _as_float(score, f"confidence of {name!r}")) for name, score in zip(names, scores, strict=True)
            ]
        else:
            raise TypeError(
                "a Label output needs a dict {class: confidence}, a list of confidences or a class name; "
                f"the function returned {type(result).__name__}"
            )
        if self.softmax:
            pairs = _softmax(pairs)
        pairs.sort(key=lambda pair: pair[1], reverse=True)
        if self.num_top_classes is not None:
            pairs = pairs[: self.num_top_classes]
        return {
            "label": pairs[0][0] if pairs else None,
            "confidences": [{"label": name, "confidence": conf} for name, conf in pairs],
        }

    def example_value(self) -> dict[str, Any]:
        return {"label": "example", "confidences": [{"label": "example", "confidence": 1.0}]}

    def json_schema(self) -> dict[str, Any]:
        confidence = {"type": "object", "required": ["label", "confidence"],
                      "properties": {"label": {"type": "string"}, "confidence": {"type": "number"}}}  # fmt: skip
        return {"type": ["object", "null"], "properties": {"label": {"type": ["string", "null"]},
                "confidences": {"type": "array", "items": confidence}}}  # fmt: skip
