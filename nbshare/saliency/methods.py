"""How an interface explains an answer: the settings a researcher passes as ``interpretation=``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..runtime.pipeline import Pipeline

__all__ = ["Gradient", "Occlusion", "resolve_interpretation"]

FILLS = ("mean", "black", "gray", "white")


@dataclass(frozen=True)
class Occlusion:
    """Hide one part of the input at a time and measure how much the answer drops: for an image a square patch
    (``patch`` pixels, moved by ``stride``; by default an eighth and a sixteenth of the image's longer side) or, with
    ``segments=n``, about n superpixels (regions of similar colour that follow the image's edges), filled with ``fill``
    ("mean" colour of the image, "black", "gray", "white" or an RGB tuple); for text one word; for a table or
    numeric inputs one feature, replaced by ``baselines[name]`` or else its median over the examples.

    The score of a part is the drop in the predicted class's confidence (or in a Number output) when it is hidden.
    """

    patch: int | None = None
    stride: int | None = None
    fill: str | tuple[int, ...] = "mean"
    baselines: dict[str, Any] | None = None
    segments: int | None = None

    def __post_init__(self) -> None:
        for name in ("patch", "stride", "segments"):
            size = getattr(self, name)
            if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 1):
                raise ValueError(f"Occlusion({name}=...) must be a whole number >= 1, got {size!r}")
        if isinstance(self.fill, str) and self.fill not in FILLS:
            raise ValueError(
                f"Occlusion(fill=...) must be one of {', '.join(FILLS)} or an RGB tuple, got {self.fill!r}"
            )


@dataclass(frozen=True)
class Gradient:
    """Gradient saliency for a ``torch.nn.Module``: how strongly each pixel moves the predicted class's output.

    ``method="smoothgrad"`` averages the gradient over ``samples`` copies with Gaussian noise of ``noise`` times the
    image's value range; ``"integrated"`` integrates it along ``samples`` steps from a black image (Integrated
    Gradients). Needs no library beyond torch.
    """

    method: str = "smoothgrad"
    samples: int = 25
    noise: float = 0.15

    def __post_init__(self) -> None:
        if self.method not in ("smoothgrad", "integrated"):
            raise ValueError(f"Gradient(method=...) must be 'smoothgrad' or 'integrated', got {self.method!r}")
        if not isinstance(self.samples, int) or self.samples < 1:
            raise ValueError(f"Gradient(samples=...) must be a whole number >= 1, got {self.samples!r}")
        if not 0 <= self.noise < 10:
            raise ValueError(f"Gradient(noise=...) is a fraction of the value range (e.g. 0.15), got {self.noise!r}")


Interpretation = Occlusion | Gradient | Callable[..., Any]


def resolve_interpretation(spec: Any, pipeline: Pipeline) -> Interpretation | None:
    """The interpretation ``spec`` names, checked against the pipeline; a clear error when it cannot work."""
    if spec is None or spec is False:
        return None
    if spec == "occlusion" or spec == "default":
        spec = Occlusion()
    elif spec == "gradient":
        spec = Gradient()
    if isinstance(spec, Gradient):
        if not pipeline.model.adapter.gradients:
            raise ValueError(
                "interpretation='gradient' needs a torch.nn.Module as the interface's model; for any other function "
                "use interpretation='occlusion'"
            )
        if pipeline.preprocess_hook is not None:
            raise ValueError(
                "interpretation='gradient' follows the image into the module, so it cannot pass through a "
                "preprocess= function; put that step inside the module (nn.Sequential) or use 'occlusion'"
            )
        if not any(c.takes_gradient() for c in pipeline.inputs):
            raise ValueError(
                "interpretation='gradient' explains an Image input with type='numpy'; the interface has none"
            )
        return spec
    if isinstance(spec, Occlusion) or callable(spec):
        return spec
    raise ValueError(
        "interpretation must be 'occlusion', 'gradient', nbshare.Occlusion(...), nbshare.Gradient(...), a function "
        f"or None; got {spec!r}"
    )
