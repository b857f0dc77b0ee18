"""A flag of what one viewer sees: inputs (with edits), outputs once answered, the explanation on screen."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._errors import InputError
from .._version import __version__
from ..flagging import text_problem
from ..values.stored import ArrayValue, JsonValue

if TYPE_CHECKING:
    from .spec import Flagging
    from .view import InterfaceView

__all__ = ["MAX_OPTION_CHARS", "check_text", "flag_view"]

MAX_OPTION_CHARS = 200
"""The longest reason a flag may carry when the interface offers no ``flagging_options`` to choose from."""


def flag_view(flagging: Flagging, view: InterfaceView, option: str | None, message: str) -> dict[str, Any]:
    """Store what ``view`` shows now (its inputs; its outputs once it has answered) as a flag.

    Raises InputError for a message over the limit, a reason not offered (or over :data:`MAX_OPTION_CHARS` when
    none are), text that is not valid Unicode, or an input beyond its own limits (the message Submit would give);
    FlagError when the store refuses (over its size budget, or the disk).
    """
    check_text(message, "the message", flagging.max_message_chars)
    options = flagging.options
    if option is not None and options:
        if option not in options:
            raise InputError(f"unknown reason {str(option)[:40]!r}; choose one of {', '.join(options)}")
    elif option is not None:
        check_text(option, "the reason", MAX_OPTION_CHARS)
    for component in view.inputs:
        component.check_value(component.value)  # each input's own limits, as at Submit
    values = {c.label: {"role": "input", "value": c.to_stored(c.value)} for c in view.inputs}
    answered = view.answered_version is not None
    for component in view.outputs:
        shown = component.to_stored(component.value) if answered else JsonValue(None)
        values[component.label] = {"role": "output", "value": shown}
    explanation = view.explainer.current() if view.explainer is not None else None  # only one still on screen
    for part in explanation.inputs if explanation is not None else []:
        kept = ArrayValue(part.map) if part.map is not None else JsonValue([list(piece) for piece in part.pieces])
        values[f"{part.name} explanation"] = {"role": "explanation", "value": kept}
    fields: dict[str, Any] = {"explanation": explanation.summary()} if explanation is not None else {}
    fields |= {
        "option": option,
        "message": message,
        "session": view.session_id,
        "user": view.user,
        "visitor": view.visitor,
        "version": view.answered_version or view.runner.pipeline.model.version,
        "answered": answered,
        "nbshare_version": __version__,
    }
    return flagging.store().append(fields, values)


def check_text(text: Any, what: str, max_chars: int) -> None:
    """Raise InputError unless ``text`` is text of at most ``max_chars`` characters that can be stored."""
    problem = text_problem(text, what, max_chars)
    if problem is not None:
        raise InputError(problem)
