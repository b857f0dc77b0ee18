"""The base of components whose value is an original plus an edit log (Image, Audio, Video)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import traitlets

from ..values.edits import HISTORY_OPS, compact_history, resolve_history
from ._component import Component, InputError

__all__ = ["HISTORY_OPS", "EditedComponent"]


class EditedComponent(Component):
    """A component with an edit log: the page's Undo, Redo and Reset follow ``can_undo``, ``can_redo`` and
    ``edit_count``, which Python sets from the log.

    The log is budgeted (:meth:`_log_problem`): when an edit would take it past a limit, the log is first compacted
    (what was undone and replaced is dropped); if it is still too long, the edit is refused with what to do. Undo and
    Reset always work: at the limit an Undo forgets what Redo could have restored, and a Reset starts a new log.
    """

    max_edits = traitlets.Int(200).tag(sync=True, option=True)
    """The most edits the log keeps: strokes, crops, trims... (an Undo takes one back; Undo, Redo and Reset entries
    count a third each, and the log is compacted before it refuses). Past it the visitor is asked to undo some edits
    or Reset."""

    can_undo = traitlets.Bool(False).tag(sync=True)
    can_redo = traitlets.Bool(False).tag(sync=True)
    edit_count = traitlets.Int(0).tag(sync=True)

    @traitlets.validate("max_edits")
    def _check_max_edits(self, proposal: Any) -> int:
        if proposal["value"] < 1:
            raise traitlets.TraitError(f"max_edits must be 1 or more, got {proposal['value']}")
        return int(proposal["value"])

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

    def _logged(self, edits: Sequence[dict[str, Any]], edit: dict[str, Any]) -> tuple[dict[str, Any], ...]:
        """The log after ``edit`` (checked), within the budgets; an InputError says what the visitor can do."""
        self._check_history(edit["op"], edits)
        candidate = (*edits, edit)
        if self._log_problem(candidate) is None:
            return candidate
        if edit["op"] in HISTORY_OPS:
            compact = (*compact_history(edits), edit)
            problem = self._log_problem(compact)
            if problem is None:
                return compact
            if edit["op"] == "undo":  # the edit taken back is forgotten: Redo cannot restore it
                return tuple(resolve_history(edits)[0][:-1])
            if edit["op"] == "reset":
                return ()
            raise InputError(self._refusal(problem, "Reset to start again from the original"))
        compact = (*resolve_history(edits)[0], edit)  # a new edit drops what could have been redone anyway
        problem = self._log_problem(compact)
        if problem is None:
            return compact
        raise InputError(self._refusal(problem, "undo some edits or Reset to start again from the original"))

    def _refusal(self, problem: tuple[str, str], remedy: str) -> str:
        what, option = problem
        return f"{what}: {remedy} (the researcher can raise it with {type(self).__name__}({option}=...))"

    def _log_problem(self, edits: Sequence[dict[str, Any]]) -> tuple[str, str] | None:
        """``(what is over a budget, in words for the visitor; the option that raises it)`` for ``edits``, or None.

        Subclasses add their own budgets."""
        edits_kept = sum(1 for edit in edits if edit.get("op") not in HISTORY_OPS)
        if edits_kept > self.max_edits or len(edits) > 3 * self.max_edits:
            what = type(self).__name__.lower()
            return f"The edit history is full ({self.max_edits:,} edits in effect, the most one {what} keeps)", (
                "max_edits"
            )
        return None
