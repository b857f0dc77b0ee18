"""Hugging Face ``transformers`` pipelines: ``nbshare.Interface(pipe)`` with inputs and outputs inferred from the task.

The pipeline is called with its inputs as it takes them (a PIL image, mono audio at the model's sampling rate, a list
of candidate labels) and its raw result becomes the value the output shows: ``{class: score}`` of every class for a
Label, a string for a Text, entities by character offsets for a HighlightedText, an annotated picture for object
detection. Many rows go through the pipeline's own batching (``batch_size`` = the rows). Asked before Keras and torch:
a pipeline holds a torch module but is called the pipeline's way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._kind import CannotStack, ModelKind, loaded
from .hf_tasks import TASKS, Task, prepare, run, task_of

__all__ = ["HFPipeline"]


def _unsupported(task: str) -> ValueError:
    return ValueError(
        f"nbshare does not know what a {task or 'task-less'!r} pipeline takes and gives; it infers the inputs and "
        f"outputs of these tasks: {', '.join(TASKS)}. Pass inputs= and outputs= (the pipeline then gets the inputs' "
        "values as they are and its result goes to the output unchanged), or wrap the pipeline in a function "
        "that returns what the output shows"
    )


class HFPipeline(ModelKind):
    """A ``transformers.Pipeline`` of a known task (see :data:`hf_tasks.TASKS`), or of any task with explicit
    components (then called with the values as they are)."""

    name = "transformers"
    order = 20

    task_name: str
    """The pipeline's task ("image-classification"...)."""
    task: Task | None
    """What nbshare knows of it; None for a task it does not (called with the values as they are)."""

    @classmethod
    def matches(cls, obj: Any) -> bool:
        transformers = loaded("transformers")
        return transformers is not None and isinstance(obj, transformers.Pipeline)

    @classmethod
    def input_names(cls, obj: Any) -> list[str] | None:
        known = task_of(obj)[1]
        return known.input_names if known else None

    @classmethod
    def components(cls, obj: Any) -> tuple[list[Any], list[Any]] | None:
        task, known = task_of(obj)
        if known is None:
            raise _unsupported(task)
        return known.components(obj)

    def check_model(self) -> None:
        if not self.matches(self.obj):
            raise TypeError(f"model_type='transformers' needs a transformers.Pipeline, got {type(self.obj).__name__}")
        self.task_name, self.task = task_of(self.obj)

    def check_inputs(self, input_labels: Sequence[str]) -> None:
        if self.task is not None and len(input_labels) != len(self.task.inputs):
            raise ValueError(
                f"the {self.task_name} pipeline takes {len(self.task.inputs)} input(s) "
                f"({', '.join(self.task.input_names)}) but the interface has {len(input_labels)} "
                f"({', '.join(input_labels) or 'none'}); give one input component for each, or wrap the pipeline "
                "in a function of the interface's inputs"
            )

    def call(self, *args: Any) -> Any:
        if self.task is None:
            return self.obj(*args)
        row = self._prepare(self.task, [[value] for value in args])
        return self.task.convert(run(self.obj, self.task, row, batched=False)[0], [column[0] for column in row])

    def call_many(self, columns: list[list[Any]]) -> list[Any]:
        if self.task is None or not self._can_batch():
            raise CannotStack
        prepared = self._prepare(self.task, columns)
        results = run(self.obj, self.task, prepared, batched=True)
        return [self.task.convert(raw, [column[index] for column in prepared]) for index, raw in enumerate(results)]

    def _prepare(self, task: Task, columns: list[list[Any]]) -> list[list[Any]]:
        return [
            [prepare(what, value, self.obj) for value in values]
            for what, values in zip(task.inputs, columns, strict=True)
        ]

    def _can_batch(self) -> bool:
        """Whether the pipeline can pad rows into a batch (as its own collate function checks): a tokenizer needs a
        pad token (GPT-2's has none: such rows run one by one), else a feature extractor or image processor."""
        tokenizer = getattr(self.obj, "tokenizer", None)
        if tokenizer is not None:
            return getattr(tokenizer, "pad_token_id", None) is not None
        return any(getattr(self.obj, name, None) is not None for name in ("feature_extractor", "image_processor"))
