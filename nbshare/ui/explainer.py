"""A view's Explain button: runs an explanation of what the viewer sees and shows it where it belongs."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

import ipywidgets

from .._log import log_exception
from ..runtime.pipeline import user_message
from ..saliency import Cancelled, ExplainRun, Explanation
from ..widgets import Checkbox, Dataframe, Dropdown, HighlightedText, Image, Number, Radio, Slider, Textbox
from .explain_control import ExplainControl

if TYPE_CHECKING:
    from ..interface import Interface
    from .view import InterfaceView

FEATURES = "features"
_FEATURE_INPUTS = (Dataframe, Number, Slider, Checkbox, Dropdown, Radio)


class ViewExplainer:
    """The Explain control of one view, the panels that show word and feature scores, and the latest result.

    Image maps go onto the input image's overlay (aligned with the edited image); words and features show as
    HighlightedText panels under the outputs, hidden until there is something to show. A change of the inputs
    hides them, since they would explain an input that is no longer there.
    """

    def __init__(self, interface: Interface, view: InterfaceView) -> None:
        self._interface = interface
        self._view = view
        self.control = ExplainControl()
        self.panels: dict[str, HighlightedText] = {}
        for component in view.inputs:
            if isinstance(component, Textbox):
                self.panels[component.label] = HighlightedText(
                    label=f"What moved the answer: {component.label}", separator="", interactive=False
                )
        if any(isinstance(c, _FEATURE_INPUTS) for c in view.inputs):
            self.panels[FEATURES] = HighlightedText(
                label="What moved the answer: each input", separator="   ", interactive=False
            )
        for panel in self.panels.values():
            panel.layout.display = "none"
        self.widgets: list[ipywidgets.Widget] = [self.control, *self.panels.values()]
        self.latest: Explanation | None = None
        self._explained_values: list[Any] | None = None
        self._run: ExplainRun | None = None
        self._lock = threading.Lock()
        self.control.on_click("explain", self.explain)
        self.control.on_click("cancel", self.cancel)
        for component in view.inputs:
            component.observe(self._inputs_changed, "value")

    def explain(self) -> Future[Explanation]:
        """Explain the answer to the inputs as they are now; a running explanation is cancelled first.

        The future completes once the explanation is on screen (or has failed, or was cancelled).
        """
        values = [component.value for component in self._view.inputs]
        with self._lock:
            if self._run is not None:
                self._run.cancel()
            self._set(state="running", done=0, total=0, message="", summary="")
            run = ExplainRun(self._interface, values, on_progress=lambda done, total: self._progress(run, done, total))
            self._run = run
            run.start()  # after `run` is bound: its progress callback refers to it
        shown: Future[Explanation] = Future()
        run.future.add_done_callback(lambda future: self._finished(run, values, future, shown))
        return shown

    def cancel(self) -> None:
        """Stop the running explanation after its current batch."""
        with self._lock:
            if self._run is not None:
                self._run.cancel()

    def current(self) -> Explanation | None:
        """The latest explanation, when it still explains the inputs shown."""
        values = [component.value for component in self._view.inputs]
        explained = self._explained_values
        if self.latest is None or explained is None or any(a is not b for a, b in zip(values, explained, strict=True)):
            return None
        return self.latest

    def _progress(self, run: ExplainRun, done: int, total: int) -> None:
        if run is self._run:
            self._set(done=done, total=total)

    def _finished(
        self, run: ExplainRun, values: list[Any], future: Future[Explanation], shown: Future[Explanation]
    ) -> None:
        error = future.exception()
        try:
            if run is not self._run:
                return  # a newer explanation took its place
            if isinstance(error, Cancelled):
                self.control.state = "cancelled"
            elif error is not None:
                log_exception(f"{self._interface!r} could not explain an answer", error)
                self._set(state="error", message=user_message(error))
            else:
                explanation = future.result()
                self._show(explanation)
                self.latest, self._explained_values = explanation, values
                self._set(state="done", summary=explanation.summary())
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
            if part.kind == "image" and isinstance(component, Image):
                component.set_overlay(part.map)
                continue
            panel = self.panels.get(part.name if part.kind == "tokens" else FEATURES)
            if panel is not None:
                panel.set_trait("value", panel.postprocess(part.pieces))
                panel.layout.display = None

    def _inputs_changed(self, _change: Any) -> None:
        for panel in self.panels.values():
            panel.layout.display = "none"
        if self.control.state == "done":
            self.control.state = "idle"
