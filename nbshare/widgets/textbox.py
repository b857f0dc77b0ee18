"""Text input ("text" among inputs) and text output ("text" among outputs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import traitlets

from .._assets import component_esm
from ._component import Component, InputError


class Textbox(Component):
    """A single- or multi-line text field.

    Pressing Enter in a single-line field (Ctrl/Cmd+Enter in a multi-line one) submits.
    """

    _esm = component_esm("textbox.js")
    shortcuts = {"input": ("text", "textbox")}
    expects = "text"
    occlusion = "words"
    explanation_panel = "own"

    value = traitlets.Unicode("").tag(sync=True)
    """The text in the field."""

    placeholder = traitlets.Unicode("").tag(sync=True, option=True)
    """Hint shown while the field is empty."""

    lines = traitlets.Int(1).tag(sync=True, option=True)
    """Visible lines: 1 is a one-line field, more is a text area."""

    max_length = traitlets.Int(100_000).tag(sync=True, option=True)
    """Longest text accepted, in characters."""

    @traitlets.validate("lines")
    def _check_lines(self, proposal: Any) -> int:
        if proposal["value"] < 1:
            raise traitlets.TraitError(f"lines must be 1 or more, got {proposal['value']}")
        return proposal["value"]

    @traitlets.validate("max_length")
    def _check_max_length(self, proposal: Any) -> int:
        if proposal["value"] < 1:
            raise traitlets.TraitError(f"max_length must be 1 or more, got {proposal['value']}")
        return proposal["value"]

    def preprocess(self, value: Any) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise InputError(f"{self.label or 'Textbox'} expects text, got {type(value).__name__}")
        if len(value) > self.max_length:
            raise InputError(
                f"{self.label or 'The text'} is {len(value):,} characters long; the limit is "
                f"{self.max_length:,} (raise it with Textbox(max_length=...))"
            )
        return value

    def postprocess(self, result: Any) -> str:
        return "" if result is None else str(result)

    def example_value(self) -> str:
        return self.value or "Hello world"

    def check_page_value(self, name: str, value: Any) -> None:
        """A page's text over ``max_length`` is refused before it is held (not only at Submit)."""
        if name == "value" and isinstance(value, str) and len(value) > self.max_length:
            self.preprocess(value)  # raises with the same message as Submit

    def read_file(self, path: Path) -> str:
        """A text file of a folder in ``process(folder)`` is read (undecodable bytes replaced)."""
        return path.read_text(encoding="utf-8", errors="replace")

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "maxLength": self.max_length} if self.interactive else {"type": "string"}

    def from_json(self, value: Any) -> Any:
        if not isinstance(value, str):
            raise InputError(f"{self.label or 'The text'} must be text (a JSON string), got {value!r:.60}")
        return value


class Text(Textbox):
    """Text shown as an output, with a Copy button."""

    _esm = component_esm("text.js")
    shortcuts = {"output": ("text", "textbox")}
