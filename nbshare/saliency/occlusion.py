"""Occlusion: hide one part of an input at a time (an image patch, a word, a feature) and keep the drop in score."""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..values import tables
from ..values.edits import EditedImage
from ..values.tables import Table
from .methods import Occlusion
from .superpixels import superpixels

if TYPE_CHECKING:
    from ..widgets import Component

__all__ = ["FEATURES", "InputExplanation", "Perturbation", "perturbations"]

FEATURES = "Inputs"
"""The name of the explanation that scores every "feature" input (numbers, choices) in one panel."""

_WORD = re.compile(r"\S+")
_GRAYS = {"black": 0, "gray": 128, "white": 255}


@dataclass
class InputExplanation:
    """One input's explanation: a map over the image's pixels, or a score per word or per feature."""

    name: str
    kind: str
    """"image" (``map``), "tokens" (``pieces``: text with a score per word) or "features" (``pieces``; a clip's
    moments too, with their ``times``)."""
    map: np.ndarray | None = None
    pieces: list[tuple[str, float | None]] = field(default_factory=list)
    note: str = ""
    times: list[float] = field(default_factory=list)
    """A clip's moments: the time of each piece, in seconds from the start of the kept part."""


@dataclass
class Perturbation:
    """``count`` variants of the input row (``vary(i, values)`` is variant ``i`` of ``values``) and how their score
    drops combine."""

    count: int
    vary: Callable[[int, list[Any]], list[Any]]
    combine: Callable[[np.ndarray], InputExplanation]
    variant_bytes: int = 0
    """Memory one variant takes (images), so a batch of variants of a large image stays within bounds."""


def _replacing(index: int, make: Callable[[int], Any]) -> Callable[[int, list[Any]], list[Any]]:
    """Variants of a row in which input ``index`` is ``make(i)``."""

    def vary(i: int, values: list[Any]) -> list[Any]:
        row = list(values)
        row[index] = make(i)
        return row

    return vary


def perturbations(
    settings: Occlusion, components: list[Component], values: list[Any], examples: list[list[Any]]
) -> list[Perturbation]:
    """The perturbations of every input that can be explained this way, as each component declares (``occlusion``:
    "image", "words", "table", "frames" or "feature"; numeric and choice features are scored together)."""
    plans: list[Perturbation] = []
    scalar_features: list[int] = []
    for index, (component, value) in enumerate(zip(components, values, strict=True)):
        how = component.occlusion
        if value is None or how is None:
            continue
        if how == "feature":
            scalar_features.append(index)
            continue
        plan = _PLANS[how](settings, index, component, value, [row[index] for row in examples])
        if plan is not None:
            plans.append(plan)
    if scalar_features:
        plans.extend(_scalars(settings, scalar_features, components, values, examples))
    return plans


# -- images ----------------------------------------------------------------------------------------


def _image(settings: Occlusion, index: int, component: Component, value: Any, _examples: list[Any]) -> Perturbation:
    name = component.label
    pixels = value.edited() if isinstance(value, EditedImage) else np.asarray(value)
    if settings.segments is not None:
        return _segments(settings, index, name, pixels)
    height, width = pixels.shape[:2]
    patch = min(settings.patch or max(1, round(max(height, width) / 8)), height, width)
    stride = settings.stride or max(1, patch // 2)
    tops, lefts = _starts(height, patch, stride), _starts(width, patch, stride)
    boxes = [(top, left) for top in tops for left in lefts]
    fill = _fill(settings.fill, pixels)

    def make(i: int) -> np.ndarray:
        top, left = boxes[i]
        hidden = pixels.copy()
        hidden[top : top + patch, left : left + patch] = fill
        return hidden

    def combine(drops: np.ndarray) -> InputExplanation:
        total = np.zeros((height, width), dtype=np.float64)
        covered = np.zeros((height, width), dtype=np.float64)
        for (top, left), drop in zip(boxes, drops, strict=True):
            total[top : top + patch, left : left + patch] += drop
            covered[top : top + patch, left : left + patch] += 1
        note = f"{len(boxes)} patches of {patch}×{patch} px, stride {stride}"
        return InputExplanation(name, "image", map=total / np.maximum(covered, 1), note=note)

    return Perturbation(len(boxes), _replacing(index, make), combine, pixels.nbytes)


def _segments(settings: Occlusion, index: int, name: str, pixels: np.ndarray) -> Perturbation:
    assert settings.segments is not None
    labels = superpixels(pixels, settings.segments)
    count = int(labels.max()) + 1
    fill = _fill(settings.fill, pixels)

    def make(i: int) -> np.ndarray:
        hidden = pixels.copy()
        hidden[labels == i] = fill
        return hidden

    def combine(drops: np.ndarray) -> InputExplanation:
        return InputExplanation(name, "image", map=drops[labels], note=f"{count} superpixels")

    return Perturbation(count, _replacing(index, make), combine, pixels.nbytes)


def _starts(length: int, patch: int, stride: int) -> list[int]:
    starts = list(range(0, max(length - patch, 0) + 1, stride))
    if starts[-1] + patch < length:
        starts.append(length - patch)  # the last patch reaches the edge, so every pixel is covered
    return starts


def _fill(fill: str | tuple[int, ...], pixels: np.ndarray) -> Any:
    if fill == "mean":
        return pixels.reshape(-1, *pixels.shape[2:]).mean(axis=0).round().astype(pixels.dtype)
    if isinstance(fill, str):
        return _GRAYS[fill]
    color = np.asarray(fill, dtype=pixels.dtype)
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    if color.size != channels:
        raise ValueError(f"Occlusion(fill=...) has {color.size} values but the image has {channels} channel(s)")
    return color if pixels.ndim == 3 else color.item()


# -- text ------------------------------------------------------------------------------------------


def _words(
    _settings: Occlusion, index: int, component: Component, text: Any, _examples: list[Any]
) -> Perturbation | None:
    if not isinstance(text, str) or not text.strip():
        return None
    name = component.label
    spans = [match.span() for match in _WORD.finditer(text)]

    def make(i: int) -> str:
        start, end = spans[i]
        return text[:start] + text[end:]

    def combine(drops: np.ndarray) -> InputExplanation:
        pieces: list[tuple[str, float | None]] = []
        position = 0
        for (start, end), drop in zip(spans, drops, strict=True):
            if start > position:
                pieces.append((text[position:start], None))
            pieces.append((text[start:end], float(drop)))
            position = end
        if position < len(text):
            pieces.append((text[position:], None))
        return InputExplanation(name, "tokens", pieces=pieces, note=f"each of {len(spans)} words left out in turn")

    return Perturbation(len(spans), _replacing(index, make), combine)


# -- tables and numeric features -------------------------------------------------------------------


def _table(
    settings: Occlusion, index: int, component: Component, table: Any, column_examples: list[Any]
) -> Perturbation | None:
    if not isinstance(table, Table) or not table.cells:
        return None
    references = [table]
    for example in column_examples:
        try:
            references.append(component.postprocess(example))
        except Exception:  # an example that does not convert adds no reference values
            continue
    baselines = []
    for column, (header, datatype) in enumerate(zip(table.headers, table.datatypes, strict=True)):
        given = (settings.baselines or {}).get(header)
        if given is not None:
            baselines.append(tables.format_cell(given, datatype))
            continue
        texts = [row[column] for ref in references for row in ref.cells if column < len(row)]
        baselines.append(_typical_text(texts, datatype, table))

    def make(i: int) -> Table:
        cells = [list(row) for row in table.cells]
        for row in cells:
            row[i] = baselines[i]
        return Table(table.headers, table.datatypes, cells, table.dtypes)

    def combine(drops: np.ndarray) -> InputExplanation:
        first = table.cells[0]
        pieces: list[tuple[str, float | None]] = [
            (f"{header} = {first[i]}", float(drop))
            for i, (header, drop) in enumerate(zip(table.headers, drops, strict=True))
        ]
        return InputExplanation(component.label, "features", pieces=pieces, note=_baseline_note(settings))

    return Perturbation(len(table.headers), _replacing(index, make), combine)


def _typical_text(texts: list[str], datatype: str, table: Table) -> str:
    values = []
    for text in texts:
        try:
            values.append(tables.parse_cell(text, datatype))
        except (ValueError, TypeError):
            continue
    if datatype in ("number", "int"):
        numbers = [v for v in values if not (isinstance(v, float) and math.isnan(v))]
        median = statistics.median(numbers) if len(set(numbers)) > 1 else 0
        return tables.format_cell(round(median) if datatype == "int" else median, datatype)
    if datatype == "bool" and values:
        return tables.format_cell(not values[0], datatype)  # the first row's value, flipped
    distinct = [t for t in texts if t.strip()]
    return statistics.mode(distinct) if len(set(distinct)) > 1 else ""


def _scalars(
    settings: Occlusion, indices: list[int], components: list[Component], values: list[Any], examples: list[list[Any]]
) -> list[Perturbation]:
    """Each numeric or choice input is one feature, replaced by its baseline; the scores show as one row."""
    baselines: dict[int, Any] = {}
    for index in indices:
        component, value = components[index], values[index]
        given = (settings.baselines or {}).get(component.label)
        seen = [row[index] for row in examples]
        if given is not None:
            baselines[index] = given
        elif isinstance(value, bool):
            baselines[index] = not value
        elif isinstance(value, int | float):
            numbers = [v for v in seen if isinstance(v, int | float) and not isinstance(v, bool)]
            baselines[index] = statistics.median(numbers) if len(set(numbers)) > 1 else 0
        else:
            others = [v for v in seen if v != value]
            if others:
                baselines[index] = statistics.mode(others)
    shown = [i for i in indices if i in baselines]
    if not shown:
        return []

    def vary(i: int, row: list[Any]) -> list[Any]:
        varied = list(row)
        varied[shown[i]] = baselines[shown[i]]
        return varied

    def combine(drops: np.ndarray) -> InputExplanation:
        scores = dict(zip(shown, map(float, drops), strict=True))
        pieces: list[tuple[str, float | None]] = [
            (f"{components[i].label} = {values[i]}", scores.get(i)) for i in indices
        ]
        return InputExplanation(FEATURES, "features", pieces=pieces, note=_baseline_note(settings))

    return [Perturbation(len(shown), vary, combine)]


def _baseline_note(settings: Occlusion) -> str:
    if settings.baselines:
        return "each feature replaced in turn by its baseline"
    return "each feature replaced in turn by its median over the examples (0 without examples)"


def _frames(settings: Occlusion, index: int, component: Component, value: Any, examples: list[Any]) -> Perturbation:
    from .video_occlusion import frames_plan  # it builds on this module's types

    return frames_plan(settings, index, component, value, examples)


_PLANS: dict[str, Callable[[Occlusion, int, Any, Any, list[Any]], Perturbation | None]] = {
    "image": _image,
    "words": _words,
    "table": _table,
    "frames": _frames,
}
