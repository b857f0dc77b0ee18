"""Comparing values as a person sees them: the answer an output shows (a Label's top class), two answers alike up to
float noise, two inputs that show the same thing."""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING, Any

from ..values.stored import as_stored
from ..widgets._component import shorten

if TYPE_CHECKING:
    from ..values.stored import Files
    from ..widgets import Component

__all__ = ["MemoryFiles", "answer_of", "answer_text", "entry_of", "same", "same_input"]

ANSWER_CHARS = 200


def answer_of(component: Component, value: Any) -> Any:
    """What ``value`` (an output's wire value) answers: the top class for an output that measures a class (a Label),
    else the value itself."""
    if component.measure == "class":
        return value.get("label") if isinstance(value, dict) else None
    return value


def answer_text(component: Component, value: Any) -> str:
    """A short text of the answer, for the inbox and the visitor's Your flags."""
    answer = answer_of(component, value)
    if answer is None or isinstance(answer, str | numbers.Number | list | dict):
        return shorten(str(answer), ANSWER_CHARS)
    return str(as_stored(component.to_stored(value)).kind)  # a picture, a clip, a file: what it is


def same(a: Any, b: Any) -> bool:
    """Whether two JSON-like values are alike: numbers up to float noise (a batched call rounds differently than a
    single one), text, lists and objects item by item."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None or isinstance(a, str):
        return a is b or (type(a) is type(b) and a == b)
    if isinstance(a, numbers.Real) and isinstance(b, numbers.Real):
        return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-9) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[key], b[key]) for key in a)
    return a is b


def same_input(a: Any, b: Any) -> bool:
    """Whether two values of an input show the same thing: the same object, or equal text, numbers or choices (a page
    may send a field's unchanged text again: the field then holds an equal, new object). An upload's value (an image
    with its edits) is only ever the same object."""
    if a is b:
        return True
    if isinstance(a, str | numbers.Number | list | dict | tuple) or a is None:
        return same(a, b)
    return False


class MemoryFiles:
    """Where a value's record writes its files when it is only compared, not stored: in memory."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    def write(self, data: bytes, name: str) -> str:
        self.data[name] = data
        return name

    def path(self, relative: str) -> Any:
        raise FileNotFoundError(relative)  # nothing is read back from memory by path


def entry_of(component: Component, value: Any, files: Files) -> dict[str, Any]:
    """The record entry ``value`` would have in a flag (its files written to ``files``)."""
    return as_stored(component.to_stored(value)).to_record(files, "compared")
