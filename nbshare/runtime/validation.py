"""Check an interface before serving it: run its examples (or generated inputs) through the function and report,
per component, what it expected and what it got."""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..widgets._component import shorten
from .pipeline import split_outputs, user_message

if TYPE_CHECKING:
    from ..interface import Interface
    from ..widgets import Component

__all__ = ["Check", "ValidationError", "ValidationReport", "describe", "validate"]

# What each output needs from the function (inputs: what the function receives), in the words of the docs.
EXPECTS = {
    "Label": "a dict {class: confidence}, a list of confidences or one class",
    "Number": "a number",
    "Textbox": "text",
    "Text": "text",
    "Markdown": "Markdown text",
    "HTML": "HTML text",
    "JSON": "anything JSON can hold (dict, list, numbers, text)",
    "Image": "an image: a uint8 array (H, W[, C]), a PIL image or a path",
    "Sketchpad": "an image: a uint8 array (H, W[, C]), a PIL image or a path",
    "HighlightedText": "(token, label or score) pairs, or {'text', 'entities'}",
    "Dataframe": "a pandas DataFrame (or rows of values)",
    "Audio": "(sample_rate, samples) or the path of an audio file",
    "File": "a path, bytes or (name, bytes)",
    "Plot": "a matplotlib Figure or Axes",
}


class ValidationError(ValueError):
    """Running the examples (or generated inputs) through the function failed before serving; ``report`` says
    where."""

    def __init__(self, message: str, report: ValidationReport | None = None) -> None:
        super().__init__(message)
        self.report = report


@dataclass(frozen=True)
class Check:
    """One component's part in one row: what it expected, what it got, and the problem if any."""

    row: str
    role: str
    component: str
    expected: str
    got: str
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


class ValidationReport:
    """Every check of :meth:`Interface.validate`; shown as a table in a notebook, as text in a terminal."""

    def __init__(self, checks: list[Check]) -> None:
        self.checks = checks

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def problems(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]

    def dataframe(self) -> Any:
        import pandas as pd

        columns = ["row", "role", "component", "expected", "got", "problem"]
        return pd.DataFrame([[getattr(c, name) for name in columns] for c in self.checks], columns=columns)

    def __str__(self) -> str:
        lines = []
        for check in self.checks:
            mark = "ok" if check.ok else "PROBLEM"
            line = f"[{mark}] {check.row}, {check.role} {check.component!r}: expected {check.expected}; got {check.got}"
            lines.append(line + (f" -> {check.problem}" if check.problem else ""))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(text)}</td>"
                for text in ("✓" if c.ok else "✗", c.row, f"{c.role} {c.component}", c.expected, c.got, c.problem)
            )
            + "</tr>"
            for c in self.checks
        )
        head = "".join(f"<th>{name}</th>" for name in ("", "row", "component", "expected", "got", "problem"))
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"

    def __repr__(self) -> str:
        return f"ValidationReport({len(self.checks)} checks, {len(self.problems)} problem(s))\n{self}"


def describe(value: Any) -> str:
    """A short description of ``value``: its type, and its shape, length or text."""
    kind = type(value).__name__
    if value is None:
        return "None"
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"{kind} {value.dtype} {tuple(value.shape)}"
    if hasattr(value, "columns") and hasattr(value, "iloc"):
        return f"DataFrame {len(value)}×{len(value.columns)} ({shorten(', '.join(map(str, value.columns)), 40)})"
    if isinstance(value, str | bytes | int | float | bool):
        return f"{kind} {shorten(repr(value), 40)}"
    if isinstance(value, dict | list | tuple):
        return f"{kind} of {len(value)}: {shorten(repr(value), 50)}"
    return kind


def validate(interface: Interface) -> ValidationReport:
    """Run every example (or one generated value per input) through the pipeline; see :meth:`Interface.validate`."""
    if interface.examples:
        rows = [(f"example {n}", [c.postprocess(v) for c, v in zip(interface._inputs, row, strict=True)])
                for n, row in enumerate(interface.examples, start=1)]  # fmt: skip
    else:
        rows = [("generated inputs", [c.example_value() for c in interface._inputs])]
    checks: list[Check] = []
    for name, values in rows:
        checks.extend(interface._queue.submit(functools.partial(_check_row, interface, name, values)).result())
    return ValidationReport(checks)


def _check_row(interface: Interface, row: str, values: list[Any]) -> list[Check]:
    from .pipeline import prepare

    checks = []
    try:
        args = prepare(interface, values)
    except Exception as error:
        for component, value in zip(interface._inputs, values, strict=True):
            checks.append(_input_check(row, component, value, error if component.label in str(error) else None))
        if all(check.ok for check in checks):
            checks.append(
                Check(row, "preprocess", "inputs", "the inputs converted", describe(values), user_message(error))
            )
        return checks
    for component, arg in zip(interface._inputs, args if len(args) == len(interface._inputs) else values, strict=True):
        checks.append(_input_check(row, component, arg, None))
    call, _caller, _version = interface._model
    try:
        result = call(*args)
    except Exception as error:
        checks.append(Check(row, "function", _name(interface), "an answer", "an exception", user_message(error)))
        return checks
    try:
        if callable(interface._postprocess) and not isinstance(interface._postprocess, bool):
            result = interface._postprocess(result)
        results = split_outputs(len(interface._outputs), result)
    except Exception as error:
        shown = [c.label for c in interface._outputs]
        checks.append(Check(row, "function", _name(interface), f"a tuple of {len(shown)} values ({', '.join(shown)})",
                            describe(result), user_message(error)))  # fmt: skip
        return checks
    for component, value in zip(interface._outputs, results, strict=True):
        problem = ""
        if interface._postprocess is not False:
            try:
                component.postprocess(value)
            except Exception as error:
                problem = str(error)
        checks.append(Check(row, "output", component.label, _expects(component), describe(value), problem))
    return checks


def _input_check(row: str, component: Component, value: Any, error: BaseException | None) -> Check:
    return Check(row, "input", component.label, _expects(component), describe(value), str(error) if error else "")


def _expects(component: Component) -> str:
    return EXPECTS.get(type(component).__name__, type(component).__name__)


def _name(interface: Interface) -> str:
    return getattr(interface.fn, "__name__", type(interface.fn).__name__)
