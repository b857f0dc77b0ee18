"""The base of components whose value is an original plus an edit log (Image, Audio)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import traitlets

from ..values.edits import resolve_history
from ._component import Component, InputError


class EditedComponent(Component):
    """A component with an edit log: the page's Undo, Redo and Reset follow ``can_undo``, ``can_redo`` and
    ``edit_count``, which Python sets from the log."""

    can_undo = traitlets.Bool(False).tag(sync=True)
    can_redo = traitlets.Bool(False).tag(sync=True)
    edit_count = traitlets.Int(0).tag(sync=True)

    def _show_history(self, edits: Sequence[dict[str, Any]]) -> None:
        done, undone = resolve_history(edits)
        self.can_undo, self.can_redo = bool(done), bool(undone)
        self.edit_count = len(edits)

    @staticmethod
    def _check_history(op: str, edits: Sequence[dict[str, Any]]) -> None:
        """Refuse an undo (redo) with nothing to take back (restore), before it enters the log."""
        done, undone = resolve_history(edits)
        if (op == "undo" and not done) or (op == "redo" and not undone):
            raise InputError(f"Nothing to {op}")
