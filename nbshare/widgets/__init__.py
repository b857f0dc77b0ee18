"""Input and output components, and the string shortcuts that name them."""

from __future__ import annotations

from typing import Any

from ._component import Component, InputError
from .audio import Audio
from .checkbox import Checkbox
from .dataframe import Dataframe
from .dropdown import Dropdown
from .file import File
from .foreign import ForeignWidget
from .highlighted_text import HighlightedText
from .image import Image
from .json import JSON
from .label import Label
from .markdown import HTML, Markdown
from .number import Number
from .plot import Plot
from .radio import Radio
from .sketchpad import Sketchpad
from .slider import Slider
from .textbox import Text, Textbox

__all__ = [
    "HTML",
    "JSON",
    "Audio",
    "Checkbox",
    "Component",
    "Dataframe",
    "Dropdown",
    "File",
    "HighlightedText",
    "Image",
    "InputError",
    "Label",
    "Markdown",
    "Number",
    "Plot",
    "Radio",
    "Sketchpad",
    "Slider",
    "Text",
    "Textbox",
    "resolve",
]

_SHORTCUTS: dict[str, dict[str, type[Component]]] = {
    "input": {
        "text": Textbox,
        "textbox": Textbox,
        "number": Number,
        "slider": Slider,
        "checkbox": Checkbox,
        "dropdown": Dropdown,
        "radio": Radio,
        "image": Image,
        "sketchpad": Sketchpad,
        "audio": Audio,
        "dataframe": Dataframe,
        "file": File,
    },
    "output": {
        "text": Text,
        "textbox": Text,
        "number": Number,
        "label": Label,
        "json": JSON,
        "markdown": Markdown,
        "html": HTML,
        "image": Image,
        "audio": Audio,
        "dataframe": Dataframe,
        "highlightedtext": HighlightedText,
        "file": File,
        "plot": Plot,
    },
}


def resolve(spec: Any, role: str) -> Component | ForeignWidget:
    """A component template from a component object or a string shortcut, for ``role`` input/output."""
    if isinstance(spec, str):
        shortcuts = _SHORTCUTS[role]
        cls = shortcuts.get(spec.lower())
        if cls is None:
            raise ValueError(f"unknown {role} {spec!r}; use a component or one of: {', '.join(sorted(shortcuts))}")
        return cls()
    if isinstance(spec, Component):
        if role not in spec.roles:
            (only,) = spec.roles
            raise ValueError(f"{type(spec).__name__} is an {only} component; put it in {only}s=, not {role}s=")
        return spec
    if isinstance(spec, ForeignWidget):
        return spec
    if ForeignWidget.accepts(spec):
        return ForeignWidget(spec)
    raise TypeError(
        f"each {role} must be an nbshare component, an ipywidget with a value, or a shortcut string such as 'text', "
        f"got {type(spec).__name__}"
    )
