"""Interface: a function or model, its input and output components, and the one queue that guards it."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .flagging import DEFAULT_MAX_MESSAGE_CHARS, FlagStore
from .runtime.example_rows import example_rows
from .runtime.model import Model
from .runtime.models import detect, kind_named
from .runtime.pipeline import OutputError, Pipeline
from .runtime.queue import InferenceQueue, ModelStuck, ModelTimeout, QueueStatus
from .runtime.runner import Runner
from .runtime.served import ServedModels
from .runtime.signature import interface_components
from .runtime.validation import ValidationError
from .saliency import resolve_interpretation
from .widgets import Component

if TYPE_CHECKING:
    from .runtime.validation import ValidationReport
    from .saliency import Explanation
    from .ui.view import InterfaceView

__all__ = ["Interface", "ModelStuck", "ModelTimeout", "OutputError", "ValidationError"]


class Interface:
    """An interactive interface to ``fn``: shown live in a notebook cell, one widget tree per viewer.

    Parameters
    ----------
    fn
        A function taking one positional argument per input, or a model: a scikit-learn estimator, a
        ``torch.nn.Module``, a Keras model (any backend), a TensorFlow function or SavedModel, a Hugging Face
        ``pipeline``, an ONNX Runtime ``InferenceSession``, a Ray Serve deployment handle, or any object with
        ``.predict``.
    inputs, outputs
        Components (``nbshare.Textbox(...)``), shortcut strings (``"text"``, ``"label"``), or lists of them.
        A function with several outputs returns a tuple. Left out for a model that says what it takes and gives
        (a Hugging Face pipeline's task): inferred from it.
    examples
        Rows of input values shown as clickable thumbnails; a click fills the inputs and runs ``fn``. With a
        single input, a row may be the bare value. ``nbshare.Example(*values, label="with device")`` is a row with
        a caption.
    title, description
        Shown above the interface, as Markdown (the title as one line); HTML in either is escaped.
    live
        Run on every change (debounced) instead of on Submit.
    model_type
        The model's kind, to override the detected one: "pyfunc", "sklearn", "torch", "keras", "tensorflow",
        "transformers", "onnx" or "ray".
    preprocess
        ``False`` hands ``fn`` the raw wire values; a callable ``(*values) -> value or tuple`` runs on the
        components' converted values before ``fn``.
    postprocess
        ``False`` shows ``fn``'s result without the components' conversions; a callable runs on the result
        before them.
    concurrency_limit
        How many calls to ``fn`` may run at once, across every viewer. Default: 1 for a model in this kernel (one
        that is not thread-safe is safe), 8 for a Ray Serve deployment (requests in flight to its replicas).
    timeout
        Seconds a call to ``fn`` may take (default None); a longer one fails for its caller (:class:`ModelTimeout`).
    flagging, flagging_options, flagging_dir, max_flag_message_chars
        A Flag button under the outputs (on by default), its reasons to choose from, the store's folder
        (default ``./nbshare_flags/<name>/``) and the longest message accepted.
    version
        A name for the model's version, recorded with every flag (default: a fingerprint of ``fn``).
    batch, max_batch_size
        ``batch=True``: ``fn`` takes one list per input (a batch of rows) and returns a list of results (a tuple
        of lists with several outputs). Explanations and :meth:`process` send it up to ``max_batch_size`` rows at
        a time; models (scikit-learn, torch, Keras) are batched without it.
    interpretation
        ``"occlusion"``, ``"gradient"`` (torch models), an :class:`nbshare.Occlusion` / :class:`nbshare.Gradient`
        with settings, or a function ``(*inputs) -> one explanation per input``; adds an **Explain** button.
    """

    def __init__(
        self,
        fn: Any,
        inputs: Any = None,
        outputs: Any = None,
        *,
        examples: Sequence[Any] | None = None,
        title: str | None = None,
        description: str | None = None,
        live: bool = False,
        model_type: str | None = None,
        preprocess: bool | Callable[..., Any] | None = None,
        postprocess: bool | Callable[..., Any] | None = None,
        concurrency_limit: int | None = None,
        timeout: float | None = None,
        flagging: bool = True,
        flagging_options: Sequence[str] | None = None,
        flagging_dir: str | os.PathLike[str] | None = None,
        max_flag_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS,
        version: str | None = None,
        batch: bool = False,
        max_batch_size: int = 32,
        interpretation: Any = None,
    ) -> None:
        for name, hook in (("preprocess", preprocess), ("postprocess", postprocess)):
            if not (hook is None or isinstance(hook, bool) or callable(hook)):
                raise TypeError(f"{name} must be True, False or a function, got {type(hook).__name__}")
        for name, text in (("title", title), ("description", description)):
            if text is not None and not isinstance(text, str):
                raise TypeError(f"{name} must be text, got {type(text).__name__}")
        self.title = title
        self.description = description
        self.live = bool(live)
        self._views: list[InterfaceView] = []
        self._links: list[Any] = []
        self.flagging = bool(flagging)
        self.flagging_options = [str(option) for option in flagging_options or []]
        if not isinstance(max_flag_message_chars, int) or max_flag_message_chars < 1:
            raise ValueError(f"max_flag_message_chars must be a positive whole number, got {max_flag_message_chars!r}")
        self.max_flag_message_chars = max_flag_message_chars
        self._flagging_dir = flagging_dir
        self._flag_store: FlagStore | None = None
        if not isinstance(max_batch_size, int) or isinstance(max_batch_size, bool) or max_batch_size < 1:
            raise ValueError(f"max_batch_size must be a whole number >= 1, got {max_batch_size!r}")
        self.batch = bool(batch)
        self.max_batch_size = max_batch_size

        self._forced_model_type, self._concurrency_given = model_type, concurrency_limit is not None
        kind = kind_named(model_type) if model_type else detect(fn)
        inputs_, outputs_ = interface_components(fn, kind, inputs, outputs)
        model = self._adapt(fn, version, inputs_, outputs_)
        self._pipeline = Pipeline(inputs_, outputs_, model, preprocess, postprocess)
        self._served = ServedModels(model)  # the versions retest_flags(version) may name
        queue = InferenceQueue(kind.concurrency if concurrency_limit is None else concurrency_limit, timeout=timeout)
        self._runner = Runner(self._pipeline, queue, batch=self.batch, max_batch_size=max_batch_size)
        self.examples = self._check_examples(examples)
        self.interpretation = resolve_interpretation(interpretation, self._pipeline)

    # -- construction ------------------------------------------------------------------------------

    @property
    def fn(self) -> Any:
        """The function or model behind the interface; assigning a new one takes effect for every viewer."""
        return self._pipeline.model.obj

    @fn.setter
    def fn(self, model: Any) -> None:
        self.swap(model)

    def swap(self, model: Any, version: str | None = None) -> None:
        """Use ``model`` for every answer from now on, in every open view and shared page, under ``version``
        (default: a fingerprint of the model). Flags record which version answered. Without an explicit
        ``concurrency_limit``, the limit follows the new model's kind (1 in the kernel, 8 for a Ray deployment)."""
        adapted = self._adapt(model, version, self._pipeline.inputs, self._pipeline.outputs)
        if not self._concurrency_given:
            self._runner.queue.resize(adapted.adapter.concurrency)
        self._pipeline.model = adapted
        self._served.add(adapted)

    def _adapt(self, model: Any, version: str | None, inputs: list[Component], outputs: list[Component]) -> Model:
        return Model.adapt(
            model,
            model_type=self._forced_model_type,
            batch=self.batch,
            input_labels=[c.label for c in inputs],
            n_outputs=len(outputs),
            version=version,
        )

    @property
    def version(self) -> str:
        """The version answering now: the one given to ``Interface(version=)``/``swap``, or a fingerprint."""
        return self._pipeline.model.version

    def status(self) -> QueueStatus:
        """The queue now: requests ``queued``, ``running``, ``stuck`` past the ``timeout``; the ``version`` in use."""
        return self._runner.status()

    @property
    def runner(self) -> Runner:
        """The pipeline and the one queue every viewer's requests go through (what views and the server use)."""
        return self._runner

    @property
    def inputs(self) -> list[Component]:
        """The input components as configured (each viewer gets clones of them)."""
        return list(self._pipeline.inputs)

    @property
    def outputs(self) -> list[Component]:
        """The output components as configured (each viewer gets clones of them)."""
        return list(self._pipeline.outputs)

    def _check_examples(self, examples: Sequence[Any] | None) -> list[list[Any]]:
        rows, self.example_captions = example_rows(examples, len(self._pipeline.inputs))
        for number, values in enumerate(rows, start=1):
            for component, value in zip(self._pipeline.inputs, values, strict=True):
                try:
                    component.preprocess(component.postprocess(value))
                except Exception as error:
                    raise ValueError(f"example {number}, {component.label}: {error}") from error
        return rows

    # -- running -----------------------------------------------------------------------------------

    def predict(self, *values: Any) -> Any:
        """Run the interface's whole pipeline on ``values`` (one per input) from Python.

        The call waits its turn in the same queue as every viewer. Returns the postprocessed output
        (a list when there are several outputs). Exceptions from ``fn`` propagate; past ``timeout``: ModelTimeout.
        """
        count = len(self._pipeline.inputs)
        if len(values) != count:
            raise TypeError(f"predict() takes {count} value(s), one per input; got {len(values)}")
        outputs, *_ = self._runner.submit(list(values)).result()
        return outputs[0] if len(outputs) == 1 else outputs

    def process(self, inputs: Any, *, progress: bool = True) -> Any:
        """Run many inputs through the interface and return a pandas DataFrame of inputs, outputs and errors.

        ``inputs`` is a list of rows (one value per input; with one input, bare values), a DataFrame with a column
        per input (named by the inputs' labels, else in order; with a single table input, each row is one table) or
        a folder of files (one input: each file's path, or its text for a Textbox). Rows go through the same queue
        as every viewer, ``max_batch_size`` at a time (one call of a ``batch=True`` function or model per batch). A
        row that raises gets its message in the ``error`` column and empty outputs; the others are kept. Shows a
        progress bar in a notebook unless ``progress=False``.
        """
        from .runtime.bulk import process

        return process(self._runner, inputs, progress=progress)

    def explain(self, *values: Any, on_progress: Callable[[int, int], None] | None = None) -> Explanation:
        """Explain the answer for ``values`` (one per input) with the interface's ``interpretation``.

        Returns an :class:`nbshare.saliency.Explanation`: per input, a map over the image's pixels (``.map``) or a
        score per word or feature (``.pieces``). The work goes through the queue in batches.
        """
        if self.interpretation is None:
            raise ValueError("this interface has no interpretation; create it with interpretation='occlusion'")
        from .saliency import ExplainRun

        inputs = self._pipeline.inputs
        if len(values) != len(inputs):
            raise TypeError(f"explain() takes {len(inputs)} value(s), one per input; got {len(values)}")
        wire = [c.postprocess(v) for c, v in zip(inputs, values, strict=True)]
        run = ExplainRun(self._runner, self.interpretation, self.examples, wire, on_progress)
        return run.start().future.result()

    def validate(self) -> ValidationReport:
        """Run every example (or a generated value per input) through the whole pipeline and check each component.

        Returns a :class:`ValidationReport` (a table in a notebook: per row and component, what it expected and what
        it got). Raises :class:`ValidationError`, with the report as ``.report``, when anything failed.
        """
        from .runtime.validation import validate

        report = validate(self._runner, self.examples)
        if not report.ok:
            first = report.problems[0]
            raise ValidationError(
                f"checking the interface with {first.row} failed at {first.role} {first.component!r}: "
                f"{first.problem}. Fix the function or the outputs, or pass validate=False to serve it anyway.\n"
                f"{report}",
                report,
            )
        return report

    def launch(self, **options: Any) -> Any:
        """Serve this interface as a standalone page and return its :class:`nbshare.Link`.

        Keyword options: ``inline=True`` (show the interface and the links in the cell), ``inbrowser=False``,
        ``share=False`` (``True`` or ``"ngrok"``: a public ngrok link, which needs an authtoken;
        ``"ssh://user@host[:port][?remote_port=N]"``: a public link ``http://host:N/`` through an SSH tunnel to a host
        you log in to with a key, whose sshd needs ``GatewayPorts clientspecified`` or a reverse proxy there),
        ``ssh_options=()`` (extra ssh arguments for that tunnel, e.g. ``["-i", "/path/key"]``), ``validate=True``,
        ``auth=None`` (``("user", "password")``, a list of pairs, or a function), ``port=None``,
        ``host="127.0.0.1"`` (the address to listen on; ``"0.0.0.0"``, ``"::"`` or one interface's address let other
        machines in: a warning is printed and the link gets a network URL; put HTTPS in front),
        ``trusted_proxies=None`` (addresses or ranges of reverse proxies whose X-Forwarded-For/-Host/-Proto are
        believed; by default this machine's loopback when a notebook-proxy or ngrok link is made, else none),
        ``expires_in=None`` (seconds), ``frame_ancestors=()`` (sites allowed to embed the page), ``server_url=None``
        (the Jupyter server's URL as the browser sees it, when it differs from its bind address), ``share_auth=None``
        (basic auth at the ngrok edge), ``api=True``, ``api_cors=None``, ``max_message_bytes``, ``grace_seconds``,
        and the server's budgets ``max_sessions``, ``max_sessions_per_client``, ``max_sessions_per_address``,
        ``max_connections``, ``header_timeout`` (see :func:`nbshare.share.launch`).
        """
        from .share import launch

        link = launch(self, **options)
        self._links.append(link)
        return link

    # -- views -------------------------------------------------------------------------------------

    def view(self) -> InterfaceView:
        """A new, independent widget tree of this interface (what each viewer gets)."""
        from .ui.spec import Flagging, ViewSpec  # the views' widgets load with the first view
        from .ui.view import InterfaceView

        flagging = (
            Flagging(self.flagging_options, self.max_flag_message_chars, lambda: self.flag_store)
            if self.flagging
            else None
        )
        spec = ViewSpec(self._runner, self.examples, self.title, self.description, self.live, flagging,
                        self.interpretation, on_close=self._forget_view,
                        example_captions=self.example_captions)  # fmt: skip
        view = InterfaceView(spec)
        self._views.append(view)
        return view

    # -- flags -------------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The interface's name in file names: its title, else the function's name, as a slug."""
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", self.title or self._pipeline.model.name).strip("-").lower()
        return slug[:60] or "interface"

    @property
    def flag_store(self) -> FlagStore:
        if self._flag_store is None:
            folder = self._flagging_dir if self._flagging_dir is not None else Path("nbshare_flags") / self.name
            self._flag_store = FlagStore(folder)
        return self._flag_store

    @property
    def flags(self) -> Any:
        """Every flag so far as a pandas DataFrame, newest last (see :meth:`FlagStore.dataframe`)."""
        return self.flag_store.dataframe()

    def inbox(self) -> Any:
        """A live widget of the flags, newest first, with thumbnails, messages and a Load action."""
        from .ui.inbox import Inbox

        return Inbox(self.flag_store, self.load_flag)

    def retest_flags(self, version: str | None = None, *, progress: bool = True) -> Any:
        """Run every flag's inputs (with their edits) through the model answering now, or the one that answered as
        ``version`` (while it is still in memory), through the queue in batches like :meth:`process`. Returns a
        DataFrame, a row per flag: ``id``, ``time``, the inputs, ``<output> then``/``now`` (a Label's top class),
        ``version then``/``now``, ``changed``, ``message`` and ``error``; the outcome is recorded for the inbox and
        the visitor's Your flags."""
        from .ui.retest import retest_flags

        model = self._served.model(version, self._runner)
        return retest_flags(self._runner, self.flag_store, model, progress=progress)

    def reply(self, flag_id: str, text: str) -> dict[str, Any]:
        """Answer flag ``flag_id`` (the ``id`` column of ``iface.flags``): the visitor who sent it reads ``text`` on
        their page, live, or at their next visit with the same sign-in or browser. Returns the stored reply."""
        return self.flag_store.reply(flag_id, text, self.max_flag_message_chars)

    def load_flag(self, record: dict[str, Any] | str) -> InterfaceView:
        """Put a flag's inputs (images with their edits) into the notebook's newest view and run the model.

        ``record`` is a record from the store or a flag id (the ``id`` column of ``iface.flags``).
        """
        from .ui.inbox import inputs_of

        if isinstance(record, str):
            matches = [r for r in self.flag_store.records() if r.get("id") == record]
            if not matches:
                raise KeyError(f"no flag with id {record!r}")
            record = matches[0]
        views = [view for view in self._views if view.session_id == "notebook"]
        view = views[-1] if views else self.view()
        values = inputs_of(record, self.flag_store)
        for component in view.inputs:
            if component.label in values:
                component.value = values[component.label]
        view.submit()
        return view

    def _forget_view(self, view: InterfaceView) -> None:
        if view in self._views:
            self._views.remove(view)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.view().widget._repr_mimebundle_(**kwargs)

    def close(self) -> None:
        """Close every link and every view's widgets (they stop rendering and are freed in the kernel)."""
        for link in self._links:
            link.close()
        self._links.clear()
        for view in list(self._views):
            view.close()
        self._views.clear()

    def __repr__(self) -> str:
        inputs, outputs = (", ".join(type(c).__name__ for c in side) for side in (self.inputs, self.outputs))
        return f"Interface({self._pipeline.model.name}, inputs=[{inputs}], outputs=[{outputs}])"
