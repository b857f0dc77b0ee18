"""Shows what the interface is doing: queued, running, done in N ms, or the error the function raised."""

from __future__ import annotations

import anywidget
import traitlets

from .._assets import component_esm


class Status(anywidget.AnyWidget):
    """One line above the outputs; errors are announced to screen readers (role="alert")."""

    _esm = component_esm("status.js")

    state = traitlets.Enum(["idle", "queued", "running", "done", "error"], "idle").tag(sync=True)
    """Where the latest request is."""

    message = traitlets.Unicode("").tag(sync=True)
    """The error text when ``state`` is "error"."""

    ahead = traitlets.Int(0).tag(sync=True)
    """Requests ahead of this one while queued."""

    elapsed_ms = traitlets.Float(0.0).tag(sync=True)
    """How long the function took, when done."""
