"""What a visitor's page may ask of its widgets: set the traits the widget lets a page set, request state, send events.

A page is not trusted: it must never change which front-end code runs (``_esm``, ``_model_module``...), a limit the
researcher set (``max``, ``max_length``), an output (the model's answer, which a flag records) or anything of a
widget that does not say what a page may set (layout boxes, styles). A widget says it with ``page_writable``:
nbshare's components and controls on their class, a plain ipywidget standing as an input through the
:class:`~nbshare.widgets.foreign.ForeignWidget` around it, which also checks the value against the widget's own
bounds and options (``check_page_value``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["check_page_message", "resend_refused_state"]

ALLOWED_METHODS = ("update", "request_state", "custom")
PROTECTED_PREFIXES = ("_model_", "_view_", "_esm", "_css", "_anywidget", "_dom_classes")


def check_page_message(widget: Any, data: Any, buffers: Sequence[bytes] = ()) -> None:
    """Raise ValueError (or a TraitError) unless ``data`` (a comm message's data, with its ``buffers``) is something
    a page may send to ``widget``.

    An update's buffers are put in place in ``data["state"]`` (as ipywidgets would) and every value is checked
    (its trait's type, then the widget's own ``check_page_value``), so ipywidgets only ever sets checked values.
    """
    if widget is None:
        raise ValueError("the message names a widget this page does not have")
    if not isinstance(data, dict):
        raise ValueError("a widget message's data must be an object")
    method = data.get("method")
    if method not in ALLOWED_METHODS:
        raise ValueError(f"unknown widget message method {str(method)[:40]!r}")
    if method != "update":
        return
    state = data.get("state")
    if not isinstance(state, dict):
        raise ValueError("an update message needs a state object")
    paths = data.get("buffer_paths", [])
    if not isinstance(paths, list) or not all(isinstance(path, list) and path for path in paths):
        raise ValueError("buffer_paths must be a list of non-empty paths")
    writable = page_writable(widget)
    synced = set(widget.keys)
    # A buffer's path names a trait too (a binary value's name is not a key of the state the page sends): each is
    # checked like the state's names.
    for name in [*state, *(path[0] for path in paths)]:
        if not isinstance(name, str):
            raise ValueError(f"a trait name must be text, got {str(name)[:60]!r}")
        if name.startswith(PROTECTED_PREFIXES):
            raise ValueError(f"the page may not change {name!r}")
        if name not in synced:
            raise ValueError(f"{type(widget).__name__} has no trait {str(name)[:60]!r}")
        if name not in writable:
            raise ValueError(f"the page may not change {type(widget).__name__}.{name}")
    _put_buffers(state, paths, buffers)
    # Check the values here: ipywidgets would only log a refused value, and the page would never know.
    traits = widget.traits()
    check = getattr(widget, "check_page_value", None)
    for name, value in state.items():
        from_json = widget.trait_metadata(name, "from_json", widget._trait_from_json)
        checked = _validate(traits[name], widget, from_json(value, widget))
        if check is not None:
            check(name, checked)


def _validate(trait: Any, widget: Any, value: Any) -> Any:
    """``value`` as the trait's own type check takes it (not the class's cross-validation, which may clip it)."""
    if value is None and trait.allow_none:
        return None
    validate = getattr(trait, "validate", None)  # optional on a TraitType (ipywidgets' Date has none)
    return value if validate is None else validate(widget, value)


def page_writable(widget: Any) -> frozenset[str]:
    """The synced traits a page may set on ``widget`` now: none unless the widget says (``page_writable``), and never
    ``value`` while it is an output (``interactive`` false)."""
    writable = frozenset(getattr(widget, "page_writable", None) or ())
    if not getattr(widget, "interactive", True):
        writable = writable - {"value"}  # an output's value is the model's answer
    return writable


def resend_refused_state(widget: Any, data: Any) -> None:
    """After a refused update, send the page what the kernel holds for the traits it tried to set, so the field shows
    the value that counts (the earlier one) rather than the refused one."""
    if widget is None or not isinstance(data, dict) or not isinstance(data.get("state"), dict):
        return
    names = [
        name
        for name in data["state"]
        if isinstance(name, str) and name in widget.keys and not name.startswith(PROTECTED_PREFIXES)
    ]
    if names and getattr(widget, "comm", None) is not None:
        widget.send_state(names)


def _put_buffers(state: dict[str, Any], paths: list[list[Any]], buffers: Sequence[bytes]) -> None:
    """Put each buffer where its path says (as ipywidgets will): into a key of an object, or over an item of a list
    the state already has."""
    if len(paths) != len(buffers):
        raise ValueError(f"the message has {len(buffers)} buffer(s) for {len(paths)} buffer path(s)")
    for path, buffer in zip(paths, buffers, strict=True):
        place: Any = state
        for depth, key in enumerate(path):
            last = depth == len(path) - 1
            if isinstance(place, dict) and isinstance(key, str):
                found = last or key in place
            elif isinstance(place, list) and isinstance(key, int) and not isinstance(key, bool):
                found = 0 <= key < len(place)
            else:
                found = False
            if not found:
                raise ValueError(f"buffer path {str(path)[:80]} does not name a place in the update's state")
            if last:
                place[key] = buffer
            else:
                place = place[key]
