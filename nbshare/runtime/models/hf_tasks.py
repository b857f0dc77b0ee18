"""What nbshare knows of each Hugging Face pipeline task: what its inputs are, the components that show it, how it is
called (one row, or many through the pipeline's own batching) and how its raw result becomes the value an output
shows ({class: score} for a Label, a string for a Text, an annotated picture for an Image...).

Nothing here imports ``transformers``: a pipeline object arrives already built. The tasks that only transformers 4
has (image-to-text, summarization, translation, text2text-generation) are supported by their documented output keys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..._errors import InputError
from ...widgets import Audio, HighlightedText, Image, Label, Text, Textbox
from ._kind import CannotStack

__all__ = ["TASKS", "Task", "prepare", "resample", "run", "task_of"]

INPUT_NAMES = {
    "image": "Image", "text": "Text", "masked": "Text", "labels": "Candidate labels", "audio": "Audio",
    "prompt": "Prompt",
}  # fmt: skip
"""The label each kind of input gets in the interface."""

MAX_CANDIDATE_LABELS = 20
"""The most candidate labels a zero-shot pipeline scores for one row (a visitor's text cannot ask for thousands)."""

_ALIASES = {"sentiment-analysis": "text-classification", "ner": "token-classification"}
_TEXT_KEYS = ("generated_text", "summary_text", "translation_text", "text")
_BOX_COLOURS = ("#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6", "#bcf60c")


# -- results -> what the output shows ---------------------------------------------------------------------------


def _scores(raw: Any, _row: list[Any]) -> dict[str, float]:
    """``[{"label", "score"}, ...]`` -> ``{label: score}`` (every class: the Label shows bars, occlusion measures)."""
    return {str(item["label"]): float(item["score"]) for item in raw}


def _zero_shot(raw: Any, _row: list[Any]) -> dict[str, float]:
    """``{"sequence", "labels", "scores"}`` -> ``{label: score}``."""
    return {str(label): float(score) for label, score in zip(raw["labels"], raw["scores"], strict=True)}


def _fill_mask(raw: Any, _row: list[Any]) -> dict[str, float]:
    """``[{"token_str", "score"}, ...]`` for the one mask -> ``{word: score}``."""
    if raw and isinstance(raw[0], list):
        raise InputError(f"the text has {len(raw)} masks; put exactly one mask token in it")
    words: dict[str, float] = {}
    for item in raw:
        word = str(item["token_str"]).strip()
        words[word] = max(words.get(word, 0.0), float(item["score"]))
    return words


def _entities(raw: Any, row: list[Any]) -> Any:
    """The entities found in the text as HighlightedText takes them: ``{"text", "entities": [{start, end, label}]}``
    by character offsets; ``(word, label)`` pairs when the tokenizer gives no offsets (a slow tokenizer)."""
    text = row[0]
    if any(item.get("start") is None or item.get("end") is None for item in raw):
        return [(str(item["word"]), _entity_label(item)) for item in raw]
    entities, cursor = [], 0
    for item in sorted(raw, key=lambda item: int(item["start"])):
        start, end = int(item["start"]), int(item["end"])
        if start < cursor:
            continue  # overlapping spans (a custom aggregation): the first one stays
        entities.append({"start": start, "end": end, "label": _entity_label(item)})
        cursor = end
    return {"text": text, "entities": entities}


def _entity_label(item: dict[str, Any]) -> str:
    return str(item.get("entity_group", item.get("entity")))


def _text(raw: Any, _row: list[Any]) -> str:
    """The text of a generating task's result: ``generated_text``, ``summary_text``, ``translation_text`` or an ASR
    ``text``; of a chat, the last message's content."""
    if isinstance(raw, list):
        if not raw:
            return ""
        raw = raw[0]
    for key in _TEXT_KEYS:
        if key in raw:
            value = raw[key]
            if isinstance(value, list) and value and isinstance(value[-1], dict):  # a chat: the model's answer
                value = value[-1].get("content", "")
            return str(value)
    raise TypeError(f"the pipeline returned {sorted(raw)}, none of {', '.join(_TEXT_KEYS)}")


def _detections(raw: Any, row: list[Any]) -> Any:
    """A copy of the picture with each detected box drawn and captioned "label score"."""
    from PIL import Image as PILImage
    from PIL import ImageDraw

    source = row[0]
    picture = (PILImage.open(source) if isinstance(source, str) else source).convert("RGB").copy()
    draw = ImageDraw.Draw(picture)
    width = max(1, round(max(picture.size) / 200))
    colours: dict[str, str] = {}
    for item in raw:
        label = str(item["label"])
        colour = colours.setdefault(label, _BOX_COLOURS[len(colours) % len(_BOX_COLOURS)])
        box = item["box"]
        corners = (box["xmin"], box["ymin"], box["xmax"], box["ymax"])
        draw.rectangle(corners, outline=colour, width=width)
        caption = f"{label} {float(item['score']):.2f}"
        left, top, right, bottom = draw.textbbox((corners[0], corners[1]), caption)
        draw.rectangle((left, top, right + 2, bottom + 1), fill=colour)
        draw.text((corners[0] + 1, corners[1]), caption, fill="white")
    return picture


# -- components ---------------------------------------------------------------------------------------------------


def _class_names(pipe: Any) -> list[str] | None:
    id2label = getattr(getattr(getattr(pipe, "model", None), "config", None), "id2label", None)
    return [str(id2label[key]) for key in sorted(id2label)] if id2label else None


def _label(pipe: Any) -> Any:
    """A Label named by the model's classes (``config.id2label``)."""
    names = _class_names(pipe)
    return Label(label="Class", class_names=names) if names else Label(label="Class")


def _choice(label: str) -> Callable[[Any], Any]:
    """A Label for classes the model does not name in its config (candidate labels, words)."""

    def make(_pipe: Any) -> Any:
        return Label(label=label)

    return make


def _text_output(label: str) -> Callable[[Any], Any]:
    def make(_pipe: Any) -> Any:
        return Text(label=label)

    return make


def _entities_output(_pipe: Any) -> Any:
    return HighlightedText(label="Entities")


def _detections_output(_pipe: Any) -> Any:
    return Image(label="Detections")


def _input_component(what: str, pipe: Any) -> Any:
    if what == "image":
        return Image()
    if what == "audio":
        return Audio()
    if what == "labels":
        return Textbox(placeholder="Labels separated by commas, e.g. positive, negative", max_length=2_000)
    if what == "masked":
        mask = getattr(getattr(pipe, "tokenizer", None), "mask_token", None) or "the mask token"
        return Textbox(placeholder=f"A sentence with {mask} where a word is missing")
    return Textbox(lines=1 if what == "prompt" else 3)


# -- tasks --------------------------------------------------------------------------------------------------------


def _no_options(_pipe: Any) -> dict[str, Any]:
    return {}


def _every_class(pipe: Any) -> dict[str, Any]:
    """Scores of every class: ``top_k`` is the number of classes (image classification caps at it)."""
    names = _class_names(pipe)
    return {"top_k": len(names)} if names else {}


def _all_scores(_pipe: Any) -> dict[str, Any]:
    """Scores of every class: ``top_k=None`` (text and audio classification)."""
    return {"top_k": None}


@dataclass(frozen=True)
class Task:
    """One pipeline task as nbshare calls and shows it."""

    inputs: tuple[str, ...]
    """What each input is: "image", "text", "masked" (text with a mask token), "audio", "labels" (candidate labels,
    comma-separated) or "prompt" (the text that goes with an image)."""
    convert: Callable[[Any, list[Any]], Any]
    """``(raw result, the row as the pipeline got it) -> the output's value``."""
    output: Callable[[Any], Any]
    """``pipe -> the output component``."""
    options: Callable[[Any], dict[str, Any]] = field(default=_no_options)
    """``pipe -> keyword arguments of every call`` (all classes' scores)."""

    def components(self, pipe: Any) -> tuple[list[Any], list[Any]]:
        """New input and output components for ``pipe``."""
        return [_input_component(what, pipe) for what in self.inputs], [self.output(pipe)]

    @property
    def input_names(self) -> list[str]:
        return [INPUT_NAMES[what] for what in self.inputs]


_GENERATED = _text_output("Generated text")

TASKS: dict[str, Task] = {
    "image-classification": Task(("image",), _scores, _label, _every_class),
    "text-classification": Task(("text",), _scores, _label, _all_scores),
    "zero-shot-classification": Task(("text", "labels"), _zero_shot, _choice("Class")),
    "zero-shot-image-classification": Task(("image", "labels"), _scores, _choice("Class")),
    "audio-classification": Task(("audio",), _scores, _label, _all_scores),
    "fill-mask": Task(("masked",), _fill_mask, _choice("Masked word")),
    "token-classification": Task(("text",), _entities, _entities_output),
    "automatic-speech-recognition": Task(("audio",), _text, _text_output("Transcript")),
    "text-generation": Task(("text",), _text, _GENERATED),
    "image-text-to-text": Task(("image", "prompt"), _text, _GENERATED),
    "object-detection": Task(("image",), _detections, _detections_output),
    # transformers 4 only (documented output keys; no such pipeline in transformers 5)
    "image-to-text": Task(("image",), _text, _text_output("Caption")),
    "summarization": Task(("text",), _text, _text_output("Summary")),
    "translation": Task(("text",), _text, _text_output("Translation")),
    "text2text-generation": Task(("text",), _text, _GENERATED),
}


def task_of(pipe: Any) -> tuple[str, Task | None]:
    """The pipeline's task name and what nbshare knows of it (None: an unsupported task)."""
    name = str(getattr(pipe, "task", "") or "")
    if not name:
        name = _task_of_class(pipe)
    name = _ALIASES.get(name, name)
    known = TASKS.get("translation" if name.startswith("translation") else name)
    return name, known


def _task_of_class(pipe: Any) -> str:
    """The task of a pipeline built from its class rather than by ``pipeline(task)``."""
    import sys

    registry = getattr(sys.modules.get("transformers.pipelines"), "SUPPORTED_TASKS", {})
    return next((task for task, entry in registry.items() if entry.get("impl") is type(pipe)), "")


# -- calling --------------------------------------------------------------------------------------------------------


def prepare(what: str, value: Any, pipe: Any) -> Any:
    """One input's value as the pipeline takes it: a PIL image, mono float32 audio at the model's sampling rate, a
    list of candidate labels, a prompt with the processor's image token (put first when the prompt has none); text
    and paths as they are."""
    if what == "image":
        if hasattr(value, "__array__") and not hasattr(value, "convert"):
            import numpy as np
            from PIL import Image as PILImage

            return PILImage.fromarray(np.asarray(value))
        return value
    if what == "audio" and isinstance(value, tuple) and len(value) == 2:
        return _audio(value, pipe)
    if what == "prompt" and isinstance(value, str):
        token = getattr(getattr(pipe, "processor", None), "image_token", None)
        return value if not token or token in value else f"{token} {value}"  # where the image goes (LLaVA-style)
    if what == "labels":
        labels = [part.strip() for part in value.split(",")] if isinstance(value, str) else list(value)
        labels = [label for label in labels if label]
        if not labels:
            raise InputError(f"{INPUT_NAMES['labels']} is empty: enter the labels to choose from, separated by commas")
        if len(labels) > MAX_CANDIDATE_LABELS:  # each label costs the model one pass over the text
            raise InputError(
                f"{INPUT_NAMES['labels']}: {len(labels)} candidate labels; at most {MAX_CANDIDATE_LABELS} are scored "
                "at once (each one is a pass of the model)"
            )
        return labels
    return value


def _audio(clip: tuple[int, Any], pipe: Any) -> Any:
    import numpy as np

    rate, samples = int(clip[0]), np.asarray(clip[1], dtype=np.float32)
    if samples.ndim == 2:
        samples = samples.mean(axis=1)
    target = getattr(getattr(pipe, "feature_extractor", None), "sampling_rate", None)
    if not target:
        return {"raw": samples, "sampling_rate": rate}  # the pipeline resamples it (with torchaudio)
    return resample(samples, rate, int(target))


def resample(samples: Any, rate: int, target: int) -> Any:
    """Mono ``samples`` at ``rate`` Hz resampled to ``target`` Hz, band-limited (through the spectrum: no aliasing
    when going down), as float32."""
    import numpy as np

    if rate == target or len(samples) == 0:
        return np.asarray(samples, dtype=np.float32)
    count = max(1, round(len(samples) * target / rate))
    spectrum = np.fft.rfft(samples.astype(np.float64))
    return (np.fft.irfft(spectrum[: count // 2 + 1], n=count) * (count / len(samples))).astype(np.float32)


def run(pipe: Any, task: Task, columns: list[list[Any]], batched: bool) -> list[Any]:
    """The pipeline's raw result per row for ``columns`` (each input's prepared values): one call, batched through
    the pipeline (``batch_size`` = the rows) when ``batched``. Candidate labels go as one keyword: rows that differ
    in them raise :class:`CannotStack`."""
    kwargs = task.options(pipe)
    main: list[Any] = columns[0]
    rows = len(main)
    if "labels" in task.inputs:
        labels = columns[task.inputs.index("labels")]
        if any(row_labels != labels[0] for row_labels in labels):
            raise CannotStack
        kwargs["candidate_labels"] = labels[0]
    if "prompt" in task.inputs:
        prompts = columns[task.inputs.index("prompt")]
        kwargs["text"] = prompts if batched else prompts[0]
        kwargs["images"] = main if batched else main[0]
        return list(pipe(batch_size=rows, **kwargs)) if batched else [pipe(**kwargs)]
    if not batched:
        return [pipe(main[0], **kwargs)]
    return list(pipe(main, batch_size=rows, **kwargs))
