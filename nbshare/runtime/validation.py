"""Check an interface before serving it: run its examples (or generated inputs) through the function and report,
per component, what it expected and what it got."""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..values.files import call_files
from ..widgets._component import shorten
from .pipeline import Pipeline, user_message

if TYPE_CHECKING:
    from ..widgets import Component
    from .runner import Runner

__all__ = ["Check", "ValidationError", "ValidationReport", "describe", "validate"]


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


def validate(runner: Runner, examples: list[list[Any]]) -> ValidationReport:
    """Run every example (or one generated value per input) through the pipeline on the runner's queue and check
    each component; see ``Interface.validate``."""
    pipeline = runner.pipeline
    if examples:
        rows = [(f"example {n}", [c.postprocess(v) for c, v in zip(pipeline.inputs, row, strict=True)])
                for n, row in enumerate(examples, start=1)]  # fmt: skip
    else:
        rows = [("generated inputs", [c.example_value() for c in pipeline.inputs])]
    checks: list[Check] = []
    for name, values in rows:
        checks.extend(runner.run(functools.partial(_check_row, pipeline, name, values)).result())
    return ValidationReport(checks)


def _check_row(pipeline: Pipeline, row: str, values: list[Any]) -> list[Check]:
    with call_files():  # copies made for the call (type="filepath") are removed after it
        return _checks_of_row(pipeline, row, values)


def _checks_of_row(pipeline: Pipeline, row: str, values: list[Any]) -> list[Check]:
    checks = []
    try:
        args = pipeline.prepare(values)
    except Exception as error:
        for component, value in zip(pipeline.inputs, values, strict=True):
            checks.append(_input_check(row, component, value, error if component.label in str(error) else None))
        if all(check.ok for check in checks):
            checks.append(
                Check(row, "preprocess", "inputs", "the inputs converted", describe(values), user_message(error))
            )
        return checks
    inputs = pipeline.inputs
    for component, arg in zip(inputs, args if len(args) == len(inputs) else values, strict=True):
        checks.append(_input_check(row, component, arg, None))
    model = pipeline.model
    try:
        result = model.call(*args)
    except Exception as error:
        checks.append(Check(row, "function", model.name, "an answer", "an exception", user_message(error)))
        return checks
    try:
        results = pipeline.results(result)
    except Exception as error:
        shown = [c.label for c in pipeline.outputs]
        checks.append(Check(row, "function", model.name, f"a tuple of {len(shown)} values ({', '.join(shown)})",
                            describe(result), user_message(error)))  # fmt: skip
        return checks
    for component, value in zip(pipeline.outputs, results, strict=True):
        problem = ""
        if pipeline.postprocess is not False:
            try:
                component.postprocess(value)
            except Exception as error:
                problem = str(error)
        checks.append(Check(row, "output", component.label, component.expects, describe(value), problem))
    return checks


def _input_check(row: str, component: Component, value: Any, error: BaseException | None) -> Check:
    return Check(row, "input", component.label, component.expects, describe(value), str(error) if error else "")
