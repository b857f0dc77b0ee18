"""What an interface shows for a model: its input and output components, as the researcher names them or as the
model's kind infers them (a pipeline's task), labelled with the model's own input names when it has them and the
outputs with the name of the function's return annotation (``-> Diagnosis``) when it names something."""

from __future__ import annotations

import contextlib
import inspect
import re
import types
import typing
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
    output_labels = output_names(model, len(output_specs)) or (["Output"] if len(output_specs) == 1 else None)
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


# Types whose name says how a value is held, not what it is: an output "Ndarray" or "Dict" tells the expert nothing.
_GENERIC_MODULES = frozenset(
    {"builtins", "typing", "typing_extensions", "collections", "types", "numbers", "decimal", "fractions", "pathlib"}
    | {"numpy", "pandas", "PIL", "torch", "tensorflow", "keras", "jax", "matplotlib", "plotly", "scipy", "nbshare"}
)
_GENERIC_NAMES = frozenset(
    {"Any", "Optional", "Union", "List", "Tuple", "Dict", "Sequence", "Mapping", "None", "NDArray", "ArrayLike"}
    | {"DataFrame", "Series", "Image", "Tensor", "Figure", "Path", "Array"}  # written as strings: "pd.DataFrame"
)
_CONTAINERS = (list, tuple, typing.Sequence, typing.List, typing.Tuple)  # noqa: UP006 (the typing aliases as written)


def output_names(fn: Any, count: int) -> list[str] | None:
    """The outputs' labels from ``fn``'s return annotation, or None when it names nothing.

    ``-> Diagnosis`` (a class, a ``typing.NewType``, a ``type Diagnosis = ...`` alias, or any name written as a string)
    labels one output "Diagnosis"; ``-> tuple[Diagnosis, Heatmap]`` labels two; ``-> list[Diagnosis]`` (a batch
    function's rows) is the same as ``-> Diagnosis``. Built-in and library types (``str``, ``dict``, ``np.ndarray``,
    ``PIL.Image.Image``) name nothing the expert would read, so they are skipped.
    """
    if not callable(fn) or isinstance(fn, type):
        return None
    try:
        annotation = inspect.signature(fn).return_annotation
    except (TypeError, ValueError):
        return None
    if annotation is inspect.Signature.empty:
        return None
    if isinstance(annotation, str):  # `from __future__ import annotations`, or a quoted name
        with contextlib.suppress(Exception):  # a name that does not resolve here still reads as itself
            annotation = typing.get_type_hints(fn).get("return", annotation)
    parts = _parts(annotation, count)
    if parts is None:
        return None
    names = [_name(part) for part in parts]
    if all(name is None for name in names):
        return None
    return [name or (f"Output {index + 1}" if count > 1 else "Output") for index, name in enumerate(names)]


def _parts(annotation: Any, count: int) -> list[Any] | None:
    """One annotation per output: a tuple's items for several outputs, the items of a list (a batch's rows)."""
    if isinstance(annotation, str):
        text = annotation.strip().strip("'\"")  # a quoted name under `from __future__ import annotations`
        match = re.fullmatch(r"(?:typing\.)?(?:list|List|Sequence|tuple|Tuple)\[(.*)\]", text)
        if match is None:
            return [text] if count == 1 else None
        items = [item.strip() for item in match.group(1).split(",")]
        if count == 1 and len(items) == 1:
            return items
        return items if len(items) == count else None
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in _CONTAINERS and args:
        args = tuple(a for a in args if a is not Ellipsis)
        if count > 1:
            return list(args) if len(args) == count else None
        return _parts(args[0], 1) if len(args) == 1 else None
    return [annotation] if count == 1 else None


def _name(annotation: Any) -> str | None:
    if isinstance(annotation, str):
        match = re.fullmatch(r"[A-Za-z_][\w.]*", annotation)
        name = annotation.rsplit(".", 1)[-1] if match else None
        return words(name) if name and name not in _GENERIC_NAMES and name[:1].isupper() else None
    if typing.get_origin(annotation) in (typing.Union, getattr(types, "UnionType", typing.Union)):
        named = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _name(named[0]) if len(named) == 1 else None  # Optional[Diagnosis] is a Diagnosis
    if annotation is None or typing.get_origin(annotation) is not None:
        return None  # dict[str, float], ...: how it is held, not what it is
    name = getattr(annotation, "__name__", None)
    module = str(getattr(annotation, "__module__", "") or "").split(".")[0]
    if not isinstance(name, str) or module in _GENERIC_MODULES or name in _GENERIC_NAMES:
        return None
    return words(name)


def words(name: str) -> str:
    """A type's name as words: ``"BloodPressure"`` -> ``"Blood pressure"``, ``"ECGReading"`` -> ``"ECG reading"``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name.replace("_", " ")).split()
    return " ".join([spaced[0], *(w if w.isupper() else w.lower() for w in spaced[1:])]) if spaced else name
