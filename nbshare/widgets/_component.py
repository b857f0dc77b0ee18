"""The base of every input and output component: an anywidget with a small pure contract."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import traitlets

from .._errors import InputError
from ..values.stored import Stored, as_stored
from ._held import release
from ._page import PageWidget, on_event

JS_DIR = Path(__file__).resolve().parent.parent / "js"
PREVIEW_CHARS = 80

__all__ = ["JS_DIR", "Component", "Contract", "InputError", "on_event", "registered", "shorten"]

_REGISTRY: list[type[Component]] = []


def shorten(text: str, limit: int = PREVIEW_CHARS) -> str:
    """``text`` cut to at most ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Contract:
    """What generic code may ask any input or output (an nbshare component or a wrapped ipywidget), with defaults.

    Generic code (validation, flags, the inbox, explanations, bulk runs) asks the component, never its class.
    """

    roles: ClassVar[frozenset[str]] = frozenset({"input", "output"})
    """Where the component may stand in an Interface: "input", "output" or both."""

    shortcuts: ClassVar[dict[str, tuple[str, ...]]] = {}
    """Names that stand for the component in ``Interface(inputs="image")``, per role."""

    expects: ClassVar[str] = "a value"
    """What the function receives (input) or must return (output), in the words of the docs; shown by validate()."""

    occlusion: ClassVar[str | None] = None
    """How occlusion hides a part of this input: "image" (patches or superpixels), "words", "table" (a column at a
    time), "feature" (the whole value, one score among the numeric inputs), or None (not explained)."""

    explanation_panel: ClassVar[str | None] = None
    """Where its explanation shows: "overlay" (:meth:`show_explanation` draws it), "own" (a panel of its own),
    "shared" (one panel of every "feature" input), or None."""

    measure: ClassVar[str | None] = None
    """What an explanation measures in this output: "class" (the predicted class's confidence), "value" (the
    number), or None."""

    takes_table_rows: ClassVar[bool] = False
    """Whether ``process()`` of a DataFrame gives this (single) input each row as a one-row table."""

    label: Any
    interactive: Any
    value: Any

    def preprocess(self, value: Any) -> Any:
        """Convert a wire value into what the function receives."""
        return value

    def postprocess(self, result: Any) -> Any:
        """Convert what the function returned into the wire value."""
        return result

    def empty_value(self) -> Any:
        """The value shown after Clear."""
        return None

    def check_value(self, value: Any) -> None:
        """Raise InputError when ``value`` (as the component holds it) is beyond the component's limits, with the
        message Submit would give; a flag asks before storing an input. Default: a value a page sets directly (text,
        a number, a choice) goes through :meth:`preprocess`; an empty one passes; an uploaded one (an image, a clip,
        a table, a file) was checked by its upload's handler, and its preprocess may write temporary files."""
        if isinstance(value, str | int | float):
            self.preprocess(value)

    def example_value(self) -> Any:
        """A valid wire value for this component."""
        return self.empty_value()

    def preview(self, value: Any) -> str | bytes:
        """A short text (or PNG bytes, for images) standing for ``value`` in the examples table."""
        return shorten(str(self.postprocess(value)))

    def prefetch(self, value: Any) -> list[tuple[bytes, str]]:
        """Pictures (bytes, content type) this component would send a page far away for ``value``, which the page may
        fetch ahead (an example, before it is clicked); none by default."""
        return []

    def to_stored(self, value: Any) -> Stored:
        """``value`` (as the component holds it) as a value the flag store can write: a value type that knows its
        ``kind`` (an edited image, a table...) as it is, anything else as JSON."""
        return as_stored(value)

    def read_file(self, path: Path) -> Any:
        """The value a file of a folder stands for in ``process(folder)``: its path, unless the component reads it."""
        return str(path)

    def takes_gradient(self) -> bool:
        """Whether gradient saliency can follow this input into a torch module (a numeric image)."""
        return False

    def show_explanation(self, part: Any) -> bool:
        """Show an explanation of this input on the component itself; False when it has no place for it."""
        return False

    # -- the HTTP API ------------------------------------------------------------------------------

    def json_schema(self) -> dict[str, Any]:
        """The JSON Schema of this component's value in the HTTP API: what it takes as an input (with its limits:
        ``maximum``, ``maxLength``, ``enum``...) or gives as an output. Default: any JSON value."""
        return {}

    def from_json(self, value: Any) -> Any:
        """The wire value an API request's JSON ``value`` stands for; InputError when it cannot be one. The result is
        then checked like a visitor's (:meth:`check_value`, then :meth:`preprocess` in the queue). Default: as is."""
        return value

    def from_upload(self, data: bytes, name: str) -> Any:
        """The wire value a file part of a multipart API request stands for (``name``: its file name). Default:
        refused, since this component takes a form field holding its JSON value."""
        raise InputError(f"{self.label or 'This input'} takes {self.expects} as a form field holding JSON, not a file")

    def to_json(self, value: Any) -> Any:
        """An output's wire ``value`` as JSON for the HTTP API (images, audio and files as data URLs)."""
        from .json import to_jsonable

        return to_jsonable(value)


def registered() -> list[type[Component]]:
    """Every component class that declares ``shortcuts``, in the order they were defined."""
    return list(_REGISTRY)


class Component(Contract, PageWidget):
    """Base class of nbshare components: a widget (its ``value`` trait is what the page shows and edits) plus the
    pure :class:`Contract`, testable without a browser.

    Constructor keyword arguments are the traits tagged ``option=True`` plus ``value``; anything else is an error,
    so a typo never passes silently. A subclass that declares ``shortcuts`` is registered: its name is exported by
    ``nbshare`` and its shortcuts work in ``Interface(inputs=..., outputs=...)``. Page events reach it only through
    methods marked ``@on_event("name")``.
    """

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

    @classmethod
    def _accepted_kwargs(cls) -> set[str]:
        return set(cls.class_trait_names(option=True)) | {"value"}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "shortcuts" in cls.__dict__:  # a declared component (not anywidget's per-instance subclass)
            _REGISTRY.append(cls)

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

    @on_event("submit")
    def _submitted(self, _content: dict[str, Any], _buffers: list[Any]) -> None:
        for callback in self._submit_callbacks:
            callback()

    def check_page_value(self, name: str, value: Any) -> None:
        """Raise InputError when a page's update of trait ``name`` to ``value`` is beyond what the component could
        ever hold (the server's guard asks before the value is set): a size limit, a choice not offered. Values
        still being typed (a number below its minimum on the way to a larger one) pass; Submit checks them."""

    def close(self) -> None:
        release(self)  # what its visitor uploaded no longer counts against the budget of all visitors
        super().close()

    def _accepts_page_event(self, for_outputs: bool) -> bool:
        return for_outputs or bool(self.interactive)

    def _page_event_starts(self, for_outputs: bool) -> None:
        if not for_outputs and self.has_trait("message"):
            self.message = ""  # a repeated refusal must still reach the page as a change

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in ("label", "value"))
        return f"{type(self).__name__}({shown})"
