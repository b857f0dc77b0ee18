"""Examples as the researcher writes them: rows of input values, each optionally an :class:`Example` with a caption."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .pipeline import input_row

__all__ = ["Example", "example_rows"]

MAX_CAPTION_CHARS = 200


class Example:
    """One example with a caption, shown under its thumbnail: ``nbshare.Example(scan, label="with device")``.

    Parameters
    ----------
    *values
        One value per input, as in ``iface.predict(*values)``.
    label
        The caption (plain text, shown escaped), such as what the example shows.
    """

    __slots__ = ("label", "values")

    def __init__(self, *values: Any, label: str | None = None) -> None:
        if not values:
            raise TypeError('Example needs the input values, e.g. nbshare.Example(image, label="with device")')
        if label is not None and not isinstance(label, str):
            raise TypeError(f"Example(label=...) must be a string, got {type(label).__name__}")
        if label is not None and len(label) > MAX_CAPTION_CHARS:
            raise ValueError(f"Example(label=...) is {len(label):,} characters; keep it under {MAX_CAPTION_CHARS}")
        self.values = values
        self.label = label

    def __repr__(self) -> str:
        values = ", ".join(type(value).__name__ for value in self.values)
        return f"Example({values}, label={self.label!r})"


def example_rows(examples: Sequence[Any] | None, count: int) -> tuple[list[list[Any]], list[str]]:
    """``(rows, captions)`` from ``examples=``: one value per input for each row, and its caption ("" for none).

    A row is a list of values, a bare value (one input), or an :class:`Example`.
    """
    if examples is None:
        return [], []
    if isinstance(examples, str) or not isinstance(examples, Sequence):
        raise TypeError(
            "examples must be a list of rows, one value per input, or nbshare.Example(*values, label=...) for a row "
            "with a caption"
        )
    rows, captions = [], []
    for number, row in enumerate(examples, start=1):
        caption = ""
        if isinstance(row, Example):
            caption, row = row.label or "", (row.values[0] if len(row.values) == 1 else list(row.values))
        rows.append(input_row(row, count, f"example {number}"))
        captions.append(caption)
    return rows, captions
