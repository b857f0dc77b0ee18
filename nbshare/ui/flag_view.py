"""A flag of what one viewer sees: inputs (with edits), outputs once answered, the explanation on screen."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._errors import InputError
from .._version import __version__
from ..values.stored import ArrayValue, JsonValue

if TYPE_CHECKING:
    from .spec import Flagging
    from .view import InterfaceView

__all__ = ["flag_view"]


def flag_view(flagging: Flagging, view: InterfaceView, option: str | None, message: str) -> dict[str, Any]:
    """Store what ``view`` shows now (its inputs; its outputs once it has answered) as a flag.

    Raises InputError for a message over the limit or a reason not offered, FlagError when the disk refuses.
    """
    if not isinstance(message, str):
        raise InputError("the flag message must be text")
    if len(message) > flagging.max_message_chars:
        raise InputError(f"the message is {len(message):,} characters; the limit is {flagging.max_message_chars:,}")
    options = flagging.options
    if option is not None and options and option not in options:
        raise InputError(f"unknown reason {option[:40]!r}; choose one of {', '.join(options)}")
    values = {c.label: {"role": "input", "value": c.to_stored(c.value)} for c in view.inputs}
    answered = view.answered_version is not None
    for component in view.outputs:
        shown = component.to_stored(component.value) if answered else JsonValue(None)
        values[component.label] = {"role": "output", "value": shown}
    explanation = view.explainer.current() if view.explainer is not None else None
    for part in explanation.inputs if explanation is not None else []:
        kept = ArrayValue(part.map) if part.map is not None else JsonValue([list(piece) for piece in part.pieces])
        values[f"{part.name} explanation"] = {"role": "explanation", "value": kept}
    fields: dict[str, Any] = {"explanation": explanation.summary()} if explanation is not None else {}
    fields |= {
        "option": option,
        "message": message,
        "session": view.session_id,
        "user": view.user,
        "version": view.answered_version or view.runner.pipeline.model.version,
        "answered": answered,
        "nbshare_version": __version__,
    }
    return flagging.store().append(fields, values)
