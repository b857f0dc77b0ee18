"""Gradient saliency for torch modules: SmoothGrad and Integrated Gradients, in batches, with torch alone."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..runtime.models import torch_batch_of_one
from .methods import Gradient
from .occlusion import InputExplanation

if TYPE_CHECKING:
    from ..runtime.pipeline import Pipeline
    from .target import Target

__all__ = ["gradient_chunks"]


def gradient_chunks(
    settings: Gradient, pipeline: Pipeline, args: list[Any], target: Target, batch_size: int
) -> tuple[list[tuple[int, Callable[[], Any]]], Callable[[list[Any]], list[InputExplanation]]]:
    """Jobs of at most ``batch_size`` samples each (run on the inference queue), and how their sums combine.

    ``args`` are what the module's adapter receives for the row (the image as a uint8 array, H×W×C).
    """
    import torch

    image_index = next(
        i for i, c in enumerate(pipeline.inputs) if c.takes_gradient() and isinstance(args[i], np.ndarray)
    )
    name = pipeline.inputs[image_index].label
    module = pipeline.model.obj
    image = torch.as_tensor(np.asarray(args[image_index]), dtype=torch.float32)
    others = [torch_batch_of_one(value) for value in args]
    class_index = _class_index(pipeline, target)
    steps = settings.samples
    sigma = settings.noise * float(image.max() - image.min() or 255.0)
    baseline = torch.zeros_like(image)

    def job(first: int, count: int) -> Any:
        generator = torch.Generator().manual_seed(first)  # the same map for the same image, run after run
        if settings.method == "smoothgrad":
            noise = torch.randn((count, *image.shape), generator=generator) * sigma
            batch = image.unsqueeze(0) + noise
        else:
            alphas = (torch.arange(first, first + count, dtype=torch.float32) + 1) / steps
            batch = baseline + alphas.view(-1, *([1] * image.ndim)) * (image - baseline)
        batch.requires_grad_(True)
        inputs = [
            batch if i == image_index else other.expand(count, *other.shape[1:]) for i, other in enumerate(others)
        ]
        module.eval()
        with torch.enable_grad():
            output = module(*inputs)
            output = output[0] if isinstance(output, tuple | list) else output
            picked = (
                output.reshape(count, -1)[:, class_index]
                if class_index is not None
                else output.reshape(count, -1).sum(1)
            )
            (gradient,) = torch.autograd.grad(picked.sum(), batch)
        return gradient.sum(0).detach()

    chunks: list[tuple[int, Callable[[], Any]]] = [
        (min(batch_size, steps - first), functools.partial(job, first, min(batch_size, steps - first)))
        for first in range(0, steps, batch_size)
    ]

    def combine(sums: list[Any]) -> list[InputExplanation]:
        mean = (sum(sums) / steps).numpy()
        if settings.method == "integrated":
            mean = mean * (image - baseline).numpy()
            note = f"Integrated Gradients, {steps} steps from a black image"
        else:
            note = f"SmoothGrad, {steps} samples, noise {settings.noise:g} of the value range"
        heat = np.abs(mean).sum(axis=-1) if mean.ndim == 3 else np.abs(mean)
        return [InputExplanation(name, "image", map=heat, note=note)]

    return chunks, combine


def _class_index(pipeline: Pipeline, target: Target) -> int | None:
    if target.label is None:
        return None
    names = getattr(pipeline.outputs[target.index], "class_names", None)
    if names:
        return list(names).index(target.label)
    try:
        return int(target.label)
    except ValueError:
        raise ValueError(
            f"the Label output names its classes ({target.label!r}) without class_names=, so the gradient cannot "
            "find the class's position in the module's output; give Label(class_names=[...])"
        ) from None
