"""JSON output ("json"): any JSON-like result, shown pretty-printed."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import traitlets

from .._assets import component_esm
from ._component import Component


def to_jsonable(value: Any) -> Any:
    """Turn numpy/pandas values, tuples and sets into plain JSON types; refuse what has no JSON form."""
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return number if math.isfinite(number) else str(number)
    if isinstance(value, Mapping):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if hasattr(value, "to_dict") and callable(value.to_dict):  # pandas objects
        return to_jsonable(value.to_dict())
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return to_jsonable(value.tolist())
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [to_jsonable(item) for item in items]
    raise TypeError(f"a JSON output cannot show a {type(value).__name__}: return dicts, lists, numbers or text")


class JSON(Component):
    """Show a dict/list/number result as formatted JSON."""

    roles = frozenset({"output"})

    _esm = component_esm("json.js")
    shortcuts = {"output": ("json",)}
    expects = "anything JSON can hold (dict, list, numbers, text)"

    value = traitlets.Any(None).tag(sync=True)
    """The JSON value shown."""

    def postprocess(self, result: Any) -> Any:
        return to_jsonable(result)

    def example_value(self) -> Any:
        return {"example": 1}
