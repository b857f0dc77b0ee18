"""What a visitor's page may ask of its widgets: update synced traits that exist, request state, send events.

A page is not trusted: it must never change which front-end code runs (``_esm``, ``_model_module``...) or touch
traits the widget does not sync.
"""

from __future__ import annotations

from typing import Any

__all__ = ["check_page_message"]

ALLOWED_METHODS = ("update", "request_state", "custom")
PROTECTED_PREFIXES = ("_model_", "_view_", "_esm", "_css", "_anywidget", "_dom_classes")


def check_page_message(widget: Any, data: Any) -> None:
    """Raise ValueError (or a TraitError) unless ``data`` (a comm message's data) is something a page may send."""
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
    synced = set(widget.keys)
    writable = getattr(widget, "page_writable", None)  # nbshare components say; plain ipywidgets: any synced trait
    if writable is not None and not getattr(widget, "interactive", True):
        writable = writable - {"value"}  # an output's value is the model's answer
    for name in state:
        if name.startswith(PROTECTED_PREFIXES):
            raise ValueError(f"the page may not change {name!r}")
        if name not in synced:
            raise ValueError(f"{type(widget).__name__} has no trait {str(name)[:60]!r}")
        if writable is not None and name not in writable:
            raise ValueError(f"the page may not change {type(widget).__name__}.{name}")
    paths = data.get("buffer_paths", [])
    if not isinstance(paths, list) or not all(isinstance(path, list) and path for path in paths):
        raise ValueError("buffer_paths must be a list of non-empty paths")
    # Check the values' types here: ipywidgets would only log a refused value, and the page would never know.
    filled_by_buffers = {path[0] for path in paths}
    traits = widget.traits()
    for name, value in state.items():
        if name not in filled_by_buffers:
            from_json = widget.trait_metadata(name, "from_json", widget._trait_from_json)
            traits[name].validate(widget, from_json(value, widget))
