"""A view's Explain button: runs an explanation of what the viewer sees and shows it where it belongs."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

import ipywidgets

from .._log import log_exception
from ..runtime.pipeline import user_message
from ..saliency.explain_run import Cancelled, ExplainRun, Explanation
from ..saliency.occlusion import FEATURES
from ..widgets import HighlightedText
from .answers import same_input
from .explain_control import ExplainControl

if TYPE_CHECKING:
    from ..runtime.runner import Runner
    from .view import InterfaceView


class ViewExplainer:
    """The Explain control of one view, the panels that show word and feature scores, and the latest result.

    Each input says where its explanation goes (``explanation_panel``): on the component itself ("overlay": an
    image's map, aligned with the edited image), in a panel of its own ("own": words, a table's columns), or in one
    panel shared by the numeric and choice inputs ("shared"). Panels are HighlightedText under the outputs, hidden
    until there is something to show.

    The explanation follows what is on screen. It is current while the inputs are the very values it explained and
    the answer shown came from the model version that it measured. Once an input changes (a stroke, an undo, another
    value) or an answer from another version arrives, it is out of date (``stale``): an image's map stays, dimmed
    under an "out of date" note so the paint shows (the image itself removes a map that a crop, flip, rotation or
    new image would misplace), the panels hide, and the control offers Explain again. Explaining again makes it
    current; clearing the inputs forgets it. Only a current explanation is :meth:`current` (what a flag records).
    """

    def __init__(self, runner: Runner, interpretation: Any, examples: list[list[Any]], view: InterfaceView) -> None:
        self._runner = runner
        self._interpretation = interpretation
        self._examples = examples
        self._view = view
        self.control = ExplainControl()
        self.panels: dict[str, HighlightedText] = {}
        for component in view.inputs:
            if component.explanation_panel == "own":
                separator = "" if component.occlusion == "words" else "   "
                self.panels[component.label] = HighlightedText(
                    label=f"What moved the answer: {component.label}", separator=separator, interactive=False
                )
        if any(c.explanation_panel == "shared" for c in view.inputs):
            self.panels[FEATURES] = HighlightedText(
                label="What moved the answer: each input", separator="   ", interactive=False
            )
        for panel in self.panels.values():
            panel.layout.display = "none"
        self.widgets: list[ipywidgets.Widget] = [self.control, *self.panels.values()]
        self.latest: Explanation | None = None
        self._explained_values: list[Any] | None = None
        self._explained_version: str | None = None
        self._run: ExplainRun | None = None
        self._lock = threading.Lock()
        self.control.on_click("explain", self.explain)
        self.control.on_click("cancel", self.cancel)
        for component in view.inputs:
            component.observe(self._inputs_changed, "value")
        view.status.observe(self._answered, "state")

    @property
    def stale(self) -> bool:
        """Whether the latest explanation no longer explains the inputs or the answer shown."""
        return self.control.stale

    def explain(self) -> Future[Explanation]:
        """Explain the answer to the inputs as they are now; a running explanation is cancelled first.

        The future completes once the explanation is on screen (or has failed, or was cancelled).
        """
        values = [component.value for component in self._view.inputs]
        version = self._runner.pipeline.model.version
        with self._lock:
            if self._run is not None:
                self._run.cancel()
            self._set(state="running", done=0, total=0, message="", summary="")
            run = ExplainRun(
                self._runner,
                self._interpretation,
                self._examples,
                values,
                on_progress=lambda done, total: self._progress(run, done, total),
            )
            self._run = run
            run.start()  # after `run` is bound: its progress callback refers to it
        shown: Future[Explanation] = Future()
        run.future.add_done_callback(lambda future: self._finished(run, values, version, future, shown))
        return shown

    def cancel(self) -> None:
        """Stop the running explanation after its current batch."""
        with self._lock:
            if self._run is not None:
                self._run.cancel()

    def current(self) -> Explanation | None:
        """The latest explanation, when it still explains the inputs and the answer shown."""
        if self.latest is None or self.stale or not self._explains_inputs():
            return None
        return self.latest

    def _explains_inputs(self) -> bool:
        explained = self._explained_values
        values = [component.value for component in self._view.inputs]
        # by value for text and numbers: a page that sends a field's unchanged text again leaves a new, equal object
        return explained is not None and all(same_input(a, b) for a, b in zip(values, explained, strict=True))

    def _progress(self, run: ExplainRun, done: int, total: int) -> None:
        if run is self._run:
            self._set(done=done, total=total)

    def _finished(
        self,
        run: ExplainRun,
        values: list[Any],
        version: str,
        future: Future[Explanation],
        shown: Future[Explanation],
    ) -> None:
        error = future.exception()
        try:
            if run is not self._run:
                return  # a newer explanation took its place
            if isinstance(error, Cancelled):
                self.control.state = "cancelled"
            elif error is not None:
                log_exception(f"{self._runner.pipeline.model.name} could not explain an answer", error)
                self._set(state="error", message=user_message(error))
            else:
                explanation = future.result()
                self._show(explanation)
                self.latest, self._explained_values, self._explained_version = explanation, values, version
                self._set(state="done", summary=explanation.summary())
                self._mark(stale=not self._explains_inputs())  # the inputs may have changed while it ran
        finally:
            if error is not None:
                shown.set_exception(error)
            else:
                shown.set_result(future.result())

    def _set(self, **traits: Any) -> None:
        with self.control.hold_sync():  # one message to the page for all of them
            for name, value in traits.items():
                setattr(self.control, name, value)

    def _show(self, explanation: Explanation) -> None:
        by_label = {component.label: component for component in self._view.inputs}
        for part in explanation.inputs:
            component = by_label.get(part.name)
            if component is not None and component.show_explanation(part):
                continue
            panel = self.panels.get(part.name)
            if panel is not None:
                panel.set_trait("value", panel.postprocess(part.pieces))
                panel.layout.display = None

    def _mark(self, stale: bool) -> None:
        """Say on the page whether the explanation shown is out of date; panels of an outdated one hide."""
        if stale:
            for panel in self.panels.values():
                panel.layout.display = "none"
        for component in self._view.inputs:
            if component.has_trait("explanation_stale"):  # a component that draws its explanation on itself
                component.set_trait("explanation_stale", stale)
        self.control.stale = stale

    def _inputs_changed(self, _change: Any) -> None:
        if all(_is_empty(component) for component in self._view.inputs):  # cleared: nothing left to explain
            self.latest = self._explained_values = None
            self._mark(stale=False)
            for panel in self.panels.values():
                panel.layout.display = "none"
            if self.control.state != "running":
                self._set(state="idle", summary="")
        elif self.latest is not None:
            self._mark(stale=not self._explains_inputs())

    def _answered(self, change: Any) -> None:
        """A new answer is on screen: one from another model version than the explained one outdates it."""
        fresh = self.latest is not None and not self.stale
        if change["new"] == "done" and fresh and self._view.answered_version != self._explained_version:
            self._mark(stale=True)


def _is_empty(component: Any) -> bool:
    value, empty = component.value, component.empty_value()
    if value is empty:
        return True
    try:
        return bool(value == empty)
    except Exception:  # arrays and the like compare element by element: not empty
        return False
