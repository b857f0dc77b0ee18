"""nbshare: wrap any model in an interactive interface inside a notebook cell, and share it."""

from __future__ import annotations

from ._errors import InputError
from .flagging import FlagError, export_csv, load_flags
from .interface import Interface, OutputError, ValidationError
from .saliency import Explanation, Gradient, Occlusion
from .values.edits import EditedImage, replay
from .values.sound import EditedAudio, replay_audio
from .widgets import (
    HTML,
    JSON,
    Audio,
    Checkbox,
    Component,
    Dataframe,
    Dropdown,
    File,
    HighlightedText,
    Image,
    Label,
    Markdown,
    Number,
    Plot,
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
    "Audio",
    "Checkbox",
    "Component",
    "Dataframe",
    "Dropdown",
    "EditedAudio",
    "EditedImage",
    "Explanation",
    "File",
    "FlagError",
    "Gradient",
    "HighlightedText",
    "Image",
    "InputError",
    "Interface",
    "Label",
    "Link",
    "Markdown",
    "Number",
    "Occlusion",
    "OutputError",
    "Plot",
    "Radio",
    "ShareError",
    "Sketchpad",
    "Slider",
    "Text",
    "Textbox",
    "ValidationError",
    "__version__",
    "export_csv",
    "load_flags",
    "replay",
    "replay_audio",
]


def __getattr__(name: str) -> object:
    # The sharing side (tornado, the server) loads on first use, so `import nbshare` stays light.
    if name in ("Link", "ShareError"):
        from . import share

        return getattr(share, name)
    raise AttributeError(f"module 'nbshare' has no attribute {name!r}")
