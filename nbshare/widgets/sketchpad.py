"""Sketchpad input ("sketchpad"): a blank canvas to draw on, with the image editor's tools."""

from __future__ import annotations

from typing import Any

import traitlets

from ..values.edits import EditedImage
from .image import Image


class Sketchpad(Image):
    """Draw digits or shapes on a blank canvas; the function receives the drawing as an array.

    Clear gives a blank canvas again. Files cannot be dropped in (``sources`` is empty).
    """

    shortcuts = {"input": ("sketchpad",)}

    canvas_size = traitlets.Tuple(traitlets.Int(), traitlets.Int(), default_value=(256, 256)).tag(
        sync=True, option=True
    )
    """``(width, height)`` of the drawing, in pixels."""

    background = traitlets.Unicode("#ffffff").tag(sync=True, option=True)
    """Colour of the blank canvas."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("sources", [])
        kwargs.setdefault("brush_size", 16)
        super().__init__(**kwargs)
        if self.value is None:
            self.value = self.empty_value()

    @traitlets.validate("canvas_size")
    def _check_canvas_size(self, proposal: Any) -> tuple[int, int]:
        width, height = proposal["value"]
        if not (1 <= width <= 4096 and 1 <= height <= 4096):
            raise traitlets.TraitError(f"canvas_size must be between (1, 1) and (4096, 4096), got {proposal['value']}")
        return proposal["value"]

    def empty_value(self) -> EditedImage:
        import numpy as np
        from PIL import ImageColor

        width, height = self.canvas_size
        fill = ImageColor.getcolor(self.background, "RGB")
        return EditedImage(np.full((height, width, 3), fill, dtype=np.uint8), (), "sketch")
