"""Input and output components, and the string shortcuts that name them."""

from __future__ import annotations

from typing import Any

from ._component import Component, InputError, registered
from ._held import VISITOR_UPLOADS

# The registry: importing a component's module registers it (its class declares `shortcuts`); a new component is one
# line here. Names exported by nbshare and the shortcuts of Interface(inputs=..., outputs=...) come from it.
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
from .video_component import Video

COMPONENTS: tuple[type[Component], ...] = tuple(registered())
"""Every registered component class."""

__all__ = ["Component", "InputError", *(cls.__name__ for cls in COMPONENTS)]


def shortcuts(role: str) -> dict[str, type[Component]]:
    """The shortcut names for ``role`` ("input"/"output") and the component class each stands for."""
    found: dict[str, type[Component]] = {}
    for cls in registered():  # live: a component defined after import (a researcher's own) counts too
        for name in cls.shortcuts.get(role, ()):
            if name in found:
                raise RuntimeError(f"{cls.__name__} and {found[name].__name__} both claim the {role} shortcut {name!r}")
            found[name] = cls
    return found


def resolve(spec: Any, role: str) -> Component | ForeignWidget:
    """A component template from a component object or a string shortcut, for ``role`` input/output."""
    if isinstance(spec, str):
        named = shortcuts(role)
        cls = named.get(spec.lower())
        if cls is None:
            raise ValueError(f"unknown {role} {spec!r}; use a component or one of: {', '.join(sorted(named))}")
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
