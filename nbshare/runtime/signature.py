"""What an interface shows for a model: its input and output components, as the researcher names them or as the
model's kind infers them (a pipeline's task), labelled with the model's own input names when it has them."""

from __future__ import annotations

from typing import Any

from ..widgets import Component, resolve
from .models import ModelKind

__all__ = ["interface_components"]


def _as_list(specs: Any) -> list[Any] | None:
    return None if specs is None else list(specs) if isinstance(specs, list | tuple) else [specs]


def humanize(name: str) -> str:
    """``"sepal_length"`` -> ``"Sepal length"``."""
    return (text := name.replace("_", " ").strip())[:1].upper() + text[1:]


def interface_components(
    model: Any, kind: type[ModelKind], inputs: Any, outputs: Any
) -> tuple[list[Component], list[Component]]:
    """The input and output templates: from ``inputs``/``outputs`` (components, shortcut strings or lists of them),
    or, for either left None, from what the model's kind infers; a ValueError when neither says."""
    input_specs, output_specs = _as_list(inputs), _as_list(outputs)
    if input_specs is None or output_specs is None:
        inferred = kind.components(model)
        if inferred is None:
            missing = " and ".join(n for n, s in (("inputs", input_specs), ("outputs", output_specs)) if s is None)
            raise ValueError(
                f"Interface needs {missing} for a {kind.name} model, e.g. "
                "nbshare.Interface(fn, inputs='text', outputs='label')"
            )
        input_specs = inferred[0] if input_specs is None else input_specs
        output_specs = inferred[1] if output_specs is None else output_specs
    if not output_specs:
        raise ValueError("an Interface needs at least one output, e.g. outputs='text'")
    input_labels = _input_labels(model, kind, len(input_specs))
    output_labels = ["Output"] if len(output_specs) == 1 else None
    return _templates(input_specs, "input", input_labels), _templates(output_specs, "output", output_labels)


def _input_labels(model: Any, kind: type[ModelKind], count: int) -> list[str]:
    names = kind.input_names(model) or []
    if len(names) < count:
        return [f"Input {i + 1}" if count > 1 else "Input" for i in range(count)]
    return [humanize(name) for name in names[:count]]


def _templates(specs: list[Any], role: str, labels: list[str] | None) -> list[Component]:
    templates = []
    for index, spec in enumerate(specs):
        component = resolve(spec, role)
        label = component.label or (labels[index] if labels else f"{humanize(role)} {index + 1}")
        templates.append(component.clone(label=label, interactive=role == "input"))
    return templates
