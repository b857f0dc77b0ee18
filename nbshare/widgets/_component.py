"""The base of every input and output component: an anywidget with a small pure contract."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import anywidget
import traitlets

from .._errors import InputError

JS_DIR = Path(__file__).resolve().parent.parent / "js"
PREVIEW_CHARS = 80

__all__ = ["JS_DIR", "Component", "InputError", "shorten"]


def shorten(text: str, limit: int = PREVIEW_CHARS) -> str:
    """``text`` cut to at most ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Component(anywidget.AnyWidget):
    """Base class of nbshare components.

    A component is a widget (its ``value`` trait is what the page shows and edits) plus three pure
    conversions used by the Interface, testable without a browser:

    - ``preprocess(value)``: the wire value (or a friendly Python value) -> what the function receives;
    - ``postprocess(result)``: what the function returned -> the wire value shown on the page;
    - ``example_value()``: a valid value, used to check an interface before serving it.

    Constructor keyword arguments are the traits tagged ``option=True`` plus ``value``; anything else is
    an error, so a typo never passes silently.
    """

    roles: ClassVar[frozenset[str]] = frozenset({"input", "output"})
    """Where the component may stand in an Interface: "input", "output" or both."""

    page_writable: ClassVar[frozenset[str]] = frozenset({"value"})
    """The synced traits a page may set: never a limit the page is told about (``max_length``, ``max_duration``...),
    and ``value`` only while the component is an input (an output's value is the model's answer, which flags record)."""

    label = traitlets.Unicode("").tag(sync=True, option=True)
    """Text shown above the field and used as its accessible name; the Interface fills it when empty."""

    interactive = traitlets.Bool(True).tag(sync=True, option=True)
    """Whether the user can edit the value; the Interface sets it from the component's position."""

    def __init__(self, **kwargs: Any) -> None:
        accepted = self._accepted_kwargs()
        unknown = sorted(set(kwargs) - accepted)
        if unknown:
            raise TypeError(
                f"{type(self).__name__}() got unexpected keyword argument(s) {', '.join(unknown)}; "
                f"it accepts {', '.join(sorted(accepted))}"
            )
        self._submit_callbacks: list[Callable[[], object]] = []
        super().__init__(**kwargs)
        self.on_msg(self._on_page_event)

    @classmethod
    def _accepted_kwargs(cls) -> set[str]:
        return set(cls.class_trait_names(option=True)) | {"value"}

    # -- the pure contract -------------------------------------------------------------------------

    def preprocess(self, value: Any) -> Any:
        """Convert a wire value into what the function receives."""
        return value

    def postprocess(self, result: Any) -> Any:
        """Convert what the function returned into the wire value."""
        return result

    def example_value(self) -> Any:
        """A valid wire value for this component."""
        return self.empty_value()

    def preview(self, value: Any) -> str | bytes:
        """A short text (or PNG bytes, for images) standing for ``value`` in the examples table."""
        return shorten(str(self.postprocess(value)))

    def empty_value(self) -> Any:
        """The value shown after Clear."""
        return self.trait_defaults("value")

    # -- factory support ---------------------------------------------------------------------------

    def clone(self, **overrides: Any) -> Component:
        """A new, independent widget configured like this one (each viewer gets its own)."""
        return self.declared_class()(**{**self._clone_kwargs(), **overrides})

    @classmethod
    def declared_class(cls) -> type[Component]:
        """The component class as written, not the per-instance subclass anywidget's ``add_traits`` makes."""
        return next(klass for klass in cls.__mro__ if "_anywidget_id" not in klass.__dict__)

    def _clone_kwargs(self) -> dict[str, Any]:
        kwargs = {name: getattr(self, name) for name in self.trait_names(option=True)}
        kwargs["value"] = self.value
        return kwargs

    # -- events from the page ----------------------------------------------------------------------

    def on_submit(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` when the user asks to submit from inside this field (Enter in a textbox)."""
        self._submit_callbacks.append(callback)

    def _on_page_event(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("event") == "submit" and self.interactive:
            for callback in self._submit_callbacks:
                callback()

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in ("label", "value"))
        return f"{type(self).__name__}({shown})"
