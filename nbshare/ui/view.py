"""One viewer's widget tree of an Interface, and the wiring from its buttons to the inference queue."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

import ipywidgets

from .._log import log_exception
from .._routing import current_session
from ..flagging import FlagError
from ..runtime.pipeline import user_message
from ..runtime.queue import QueueError
from ..widgets import Component, InputError
from .actions import Actions
from .examples import Examples
from .flag_control import FlagControl
from .flag_view import flag_view
from .header import Header
from .status import Status
from .your_flags import YourFlags

if TYPE_CHECKING:
    from .explainer import ViewExplainer
    from .spec import ViewSpec

LIVE_DEBOUNCE_SECONDS = 0.25


class InterfaceView:
    """The widgets one viewer sees, with their own state; only the model and its queue are shared.

    A newer request from the same view supersedes an older one: a request still waiting is cancelled,
    and the answer of one already running is not shown over the newer one's. The status line shows how many
    requests wait ahead of this one, recounted as the queue moves, and offers Cancel (:meth:`cancel`).
    """

    def __init__(self, spec: ViewSpec) -> None:
        self.spec = spec
        self.runner = spec.runner
        pipeline = spec.runner.pipeline
        self.inputs: list[Component] = [template.clone() for template in pipeline.inputs]
        self.outputs: list[Component] = [template.clone() for template in pipeline.outputs]
        self.header = Header(spec.title, spec.description)
        self.actions = Actions(live=spec.live)
        self.status = Status()
        flagging = spec.flagging
        self.flag = FlagControl(flagging.options, flagging.max_message_chars) if flagging is not None else None
        session = current_session()
        self.session_id = session.id if session is not None else "notebook"
        self.user: str | None = getattr(session, "user", None)
        self.visitor: str | None = getattr(session, "visitor", None)
        """Who the viewer is across visits (their sign-in, else their browser's signed client id, hashed), if known."""
        self.your_flags = (
            YourFlags(flagging.store(), self.owns, look_back=self.visitor is not None or session is None)
            if flagging is not None
            else None
        )
        self.answered_version: str | None = None
        publish = getattr(session, "publish", None)  # a page far away: pictures by address
        self.examples = (
            Examples(
                headers=[c.label for c in self.inputs],
                rows=[[c.preview(value) for c, value in zip(self.inputs, row, strict=True)] for row in spec.examples],
                captions=spec.example_captions,
                publish=publish,
                prefetch=[
                    publish(data, content_type)
                    for row in spec.examples
                    for component, value in zip(self.inputs, row, strict=True)
                    for data, content_type in component.prefetch(value)
                ]
                if publish is not None
                else [],
            )
            if spec.examples
            else None
        )
        self.explainer: ViewExplainer | None = None
        if spec.interpretation is not None:  # the explanation machinery loads only for interfaces that explain
            from .explainer import ViewExplainer

            self.explainer = ViewExplainer(spec.runner, spec.interpretation, spec.examples, self)
        explaining = self.explainer.widgets if self.explainer else []
        flagging_widgets = [self.flag, self.your_flags] if self.flag and self.your_flags else []
        input_column = ipywidgets.VBox([*self.inputs, self.actions])
        output_column = ipywidgets.VBox([self.status, *self.outputs, *explaining, *flagging_widgets])
        row = ipywidgets.HBox([input_column, output_column])
        self.widget = ipywidgets.VBox([self.header, row, *([self.examples] if self.examples else [])])
        self._widgets: list[ipywidgets.Widget] = [
            self.widget,
            input_column,
            output_column,
            *self.widget.children,
            *input_column.children,
            *output_column.children,
        ]
        self.widget.add_class("nbshare-app")
        row.add_class("nbshare-row")
        input_column.add_class("nbshare-col")
        output_column.add_class("nbshare-col")

        self._lock = threading.Lock()
        self._generation = 0
        self._waiting: Future[Any] | None = None
        self._live_timer: threading.Timer | None = None
        self.actions.on_click("submit", self.submit)
        self.actions.on_click("clear", self.clear)
        self.status.on_cancel(self.cancel)
        if self.examples is not None:
            self.examples.on_select(self.load_example)
        if self.flag is not None:
            self.flag.on_flag(self.flag_current)
        for component in self.inputs:
            component.on_submit(self.submit)
            if spec.live:
                component.observe(self._schedule_live_run, "value")

    def submit(self) -> Future[Any]:
        """Run the function on the current input values; the outputs and status update when it ends."""
        values = [component.value for component in self.inputs]
        with self._lock:
            self._generation += 1
            generation = self._generation
            if self._waiting is not None:
                self._waiting.cancel()
            future = self.runner.submit(
                values,
                on_start=lambda: self._started(generation),
                on_ahead=lambda ahead: self._queued(generation, ahead),
            )
            self._waiting = future
        future.add_done_callback(lambda done: self._finished(generation, done))
        return future

    def cancel(self) -> bool:
        """Withdraw this view's request in flight: a queued one leaves the queue (the model never sees it); a running
        one cannot be interrupted, so its answer is discarded and the view is free at once. The outputs keep the
        earlier answer; no other viewer's request is affected. Returns whether there was a request to withdraw."""
        if not self._withdraw():
            return False
        self.status.state = "cancelled"
        return True

    def _withdraw(self) -> bool:
        with self._lock:
            future, self._waiting = self._waiting, None
            if future is None or future.done():
                return False
            self._generation += 1  # whatever the withdrawn request still reports is ignored
        return self.runner.cancel(future)

    def clear(self) -> None:
        """Empty every input and output and forget any request in flight."""
        with self._lock:
            self._generation += 1
            if self._waiting is not None:
                self._waiting.cancel()
        for component in [*self.inputs, *self.outputs]:
            component.value = component.empty_value()
        self.answered_version = None
        self.status.state = "idle"

    def flag_current(self, option: str | None = None, message: str = "") -> dict[str, Any] | None:
        """Store a flag of what this viewer sees now (inputs, outputs, edits) with ``option`` and ``message``.

        Returns the record, or None when it was refused (the reason is shown under the Flag button).
        """
        if self.spec.flagging is None:
            raise ValueError("this interface has flagging=False")
        try:
            record = flag_view(self.spec.flagging, self, option, message)
        except (InputError, FlagError) as error:
            if self.flag is not None:
                self.flag.confirmation, self.flag.error = "", str(error)
            return None
        if self.flag is not None:
            self.flag.error = ""
            self.flag.confirmation = "Flagged. Thank you — the researcher will see it with your message."
            self.flag.sent += 1
        return record

    def owns(self, record: dict[str, Any]) -> bool:
        """Whether a flag is this viewer's: sent from this view's session, or under the same sign-in or browser (the
        notebook's views: every flag sent from the notebook)."""
        return record.get("session") == self.session_id or (
            self.visitor is not None and record.get("visitor") == self.visitor
        )

    def load_example(self, index: int) -> None:
        """Fill the inputs with example ``index`` and run the function on it."""
        for component, value in zip(self.inputs, self.spec.examples[index], strict=True):
            component.value = component.postprocess(value)
        if not self.spec.live:  # in live mode the value changes above already schedule a run
            self.submit()

    def close(self) -> None:
        """Close every widget of this view; its request in flight is withdrawn (a visitor who left needs no answer)."""
        if self._live_timer is not None:
            self._live_timer.cancel()
        self._withdraw()
        if self.explainer is not None:
            self.explainer.cancel()
        if self.your_flags is not None:
            self.your_flags.stop()
        for widget in self._widgets:
            widget.close()
        if self.spec.on_close is not None:
            self.spec.on_close(self)

    def _schedule_live_run(self, _change: Any) -> None:
        if self._live_timer is not None:
            self._live_timer.cancel()
        self._live_timer = threading.Timer(LIVE_DEBOUNCE_SECONDS, self.submit)
        self._live_timer.daemon = True
        self._live_timer.start()

    def _queued(self, generation: int, ahead: int) -> None:
        if generation == self._generation:
            with self.status.hold_sync():
                self.status.ahead = ahead
                self.status.state = "queued"

    def _started(self, generation: int) -> None:
        if generation == self._generation:
            self.status.state = "running"

    def _finished(self, generation: int, future: Future[Any]) -> None:
        if future.cancelled() or generation != self._generation:
            return
        error = future.exception()
        if error is not None:
            if not isinstance(error, InputError | QueueError):  # the queue logs its own timeouts
                log_exception(f"{self.runner.pipeline.model.name} raised while answering a viewer", error)
            for component in self.outputs:
                component.value = component.empty_value()
            self.status.message = user_message(error)
            self.status.state = "error"
            return
        outputs, elapsed, version = future.result()
        for component, value in zip(self.outputs, outputs, strict=True):
            component.value = value
        self.answered_version = version
        self.status.elapsed_ms = elapsed * 1000
        self.status.state = "done"
