"""Highlighted text output ("highlightedtext"): text with a label or a score per token, coloured, with a legend."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import traitlets

from .._assets import component_esm
from ._component import Component, shorten

PALETTE = ("#f2c14e", "#7fc8a9", "#f78154", "#9ab3f5", "#d499b9", "#b5c99a", "#f4a259", "#8cd3e6")


def _score(value: Any) -> float | None:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    number = float(value)
    if not math.isfinite(number):
        raise TypeError(f"a token score must be finite, got {number}")
    return number


class HighlightedText(Component):
    """Text whose tokens carry a label (named entities, classes) or a score (saliency, attribution).

    The function returns a list of ``(token, label_or_score_or_None)`` pairs, or
    ``{"text": str, "entities": [{"start", "end", "label" or "score"}]}`` with character offsets. Labels get
    colours (``color_map=`` picks them) and a legend; scores get a diverging scale (blue below 0, red above) and a
    legend with the range.
    """

    roles = frozenset({"output"})

    _esm = component_esm("highlighted_text.js")
    shortcuts = {"output": ("highlightedtext",)}
    expects = "(token, label or score) pairs, or {'text', 'entities'}"

    value = traitlets.Dict(None, allow_none=True).tag(sync=True)
    """``{"tokens": [{"text", "label", "score"}], "mode": "labels" | "scores", "legend": [[label, colour]],
    "max_abs": float}``, or None."""

    color_map = traitlets.Dict(traitlets.Unicode(), {}).tag(sync=True, option=True)
    """Colours for labels, e.g. ``{"PER": "#f2c14e"}``; other labels take the next colour of a palette."""

    separator = traitlets.Unicode(" ").tag(sync=True, option=True)
    """Put between tokens given as a list (use "" when the tokens carry their own spaces)."""

    def postprocess(self, result: Any) -> dict[str, Any] | None:
        if result is None:
            return None
        if isinstance(result, Mapping) and "text" in result:
            pairs = _spans_to_pairs(result)
            separator = ""
        elif isinstance(result, Sequence) and not isinstance(result, str):
            pairs = []
            for item in result:
                if not isinstance(item, Sequence) or isinstance(item, str) or len(item) != 2:
                    raise TypeError(f"each highlighted token must be a (text, label or score) pair, got {item!r:.60}")
                pairs.append((str(item[0]), item[1]))
            separator = self.separator
        else:
            raise TypeError(
                "a HighlightedText output needs a list of (token, label or score) pairs or {'text', 'entities'}; "
                f"the function returned {type(result).__name__}"
            )
        tokens: list[dict[str, Any]] = []
        labels: list[str] = []
        scores_seen = labels_seen = False
        for index, (text, tag) in enumerate(pairs):
            if index and separator:
                tokens.append({"text": separator, "label": None, "score": None})
            score = _score(tag)
            if score is not None:
                scores_seen = True
                tokens.append({"text": text, "label": None, "score": score})
            else:
                label = None if tag is None else str(tag)
                labels_seen = labels_seen or label is not None
                if label is not None and label not in labels:
                    labels.append(label)
                tokens.append({"text": text, "label": label, "score": None})
        if scores_seen and labels_seen:
            raise TypeError("give each token either a label or a score, not a mix of both")
        colours = {**{label: PALETTE[i % len(PALETTE)] for i, label in enumerate(labels)}, **self.color_map}
        max_abs = max((abs(t["score"]) for t in tokens if t["score"] is not None), default=0.0)
        return {
            "tokens": tokens,
            "mode": "scores" if scores_seen else "labels",
            "legend": [[label, colours[label]] for label in labels],
            "max_abs": max_abs,
        }

    def example_value(self) -> Any:
        return self.postprocess([("An", None), ("example", "noun")])

    def preview(self, value: Any) -> str:
        shown = self.postprocess(value)
        return "" if shown is None else shorten("".join(token["text"] for token in shown["tokens"]))


def _spans_to_pairs(result: Mapping[str, Any]) -> list[tuple[str, Any]]:
    text = str(result["text"])
    spans = sorted(result.get("entities") or [], key=lambda span: span.get("start", 0))
    pairs, cursor = [], 0
    for span in spans:
        start, end = int(span.get("start", 0)), int(span.get("end", 0))
        if not 0 <= start <= end <= len(text) or start < cursor:
            raise TypeError(f"entity span {start}–{end} is outside the text or overlaps another")
        if start > cursor:
            pairs.append((text[cursor:start], None))
        pairs.append((text[start:end], span["score"] if "score" in span else span.get("label", span.get("entity"))))
        cursor = end
    if cursor < len(text):
        pairs.append((text[cursor:], None))
    return pairs
