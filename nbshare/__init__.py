"""nbshare: wrap any model in an interactive interface inside a notebook cell, and share it."""

from __future__ import annotations

from ._errors import InputError
from .edits import EditedImage, replay
from .interface import Interface, OutputError
from .widgets import (
    HTML,
    JSON,
    Checkbox,
    Component,
    Dropdown,
    Image,
    Label,
    Markdown,
    Number,
    Radio,
    Sketchpad,
    Slider,
    Text,
    Textbox,
)

__version__ = "0.1.0"

__all__ = [
    "HTML",
    "JSON",
    "Checkbox",
    "Component",
    "Dropdown",
    "EditedImage",
    "Image",
    "InputError",
    "Interface",
    "Label",
    "Markdown",
    "Number",
    "OutputError",
    "Radio",
    "Sketchpad",
    "Slider",
    "Text",
    "Textbox",
    "__version__",
    "replay",
]
