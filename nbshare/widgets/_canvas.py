"""The image editor's ipycanvas plumbing: a canvas manager per shared-page visitor, layers on it, batched and
lossless drawing."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import ipycanvas

from ..values import imaging

__all__ = ["batched", "layers_for_session", "put_lossless", "rgba"]


def _canvas_manager_for_session() -> Any:
    """The ipycanvas manager that carries draw commands to the current page.

    In the notebook, ipycanvas's global one. For a visitor of a shared page, one of their own, made inside their
    session so its comm goes to their page (the global one talks to the notebook only).
    """
    from .._routing import current_session

    session = current_session()
    if session is None:
        return None
    if "canvas_manager" not in session.resources:
        session.resources["canvas_manager"] = ipycanvas.canvas._CanvasManager()
    return session.resources["canvas_manager"]


def layers_for_session(count: int) -> ipycanvas.MultiCanvas:
    """``count`` canvas layers drawing through the current page's canvas manager."""
    return _Layers(_canvas_manager_for_session(), count)


class _Layers(ipycanvas.MultiCanvas):
    """A MultiCanvas whose layers use ``manager``: MultiCanvas itself always gives its layers the global one."""

    def __init__(self, manager: Any, count: int) -> None:
        extra = {} if manager is None else {"_canvas_manager": manager}
        layers = [ipycanvas.Canvas(width=1, height=1, **extra) for _ in range(count)]
        # Skips MultiCanvas.__init__, which would make layers on the global manager; what it adds besides (mouse
        # events forwarded from the top layer) is not used here: the editor has its own pointer layer.
        ipycanvas.canvas._CanvasBase.__init__(self, _canvases=layers, width=1, height=1, **extra)


@contextlib.contextmanager
def batched(canvas: ipycanvas.MultiCanvas) -> Iterator[None]:
    """Send every draw command in the block as one message.

    ``ipycanvas.hold_canvas()`` does this only for its global manager; a canvas may have its own (one per visitor of
    a shared page), so this holds the canvas's own manager, through its private ``_caching`` flag.
    """
    manager = canvas._canvas_manager
    was_caching = manager._caching
    manager._caching = True
    try:
        yield
    finally:
        manager.flush()
        manager._caching = was_caching


def put_lossless(canvas: Any, pixels: Any) -> None:
    """Draw ``pixels`` at (0, 0) exactly: never ipycanvas's default JPEG for RGB (an expert judges the pixels).

    Opaque pixels go as BMP, which costs ~2 ms to encode against ~50 ms for the PNG ``put_image_data`` would make
    of a 512×512 photo; ipycanvas's page side decodes whatever image format the buffer holds.
    """
    from ipycanvas.canvas import COMMANDS

    if pixels.ndim == 3 and pixels.shape[2] == 4:
        canvas.put_image_data(pixels, 0, 0)  # RGBA: ipycanvas sends PNG, which keeps the alpha
        return
    canvas._canvas_manager.send_draw_command(canvas, COMMANDS["putImageData"], [0, 0], [imaging.encode_bmp(pixels)])


def rgba(pixels: Any) -> Any:
    import numpy as np

    if pixels.ndim == 2:
        return np.dstack([pixels, pixels, pixels, np.full_like(pixels, 255)])
    if pixels.shape[2] == 3:
        return np.dstack([pixels, np.full(pixels.shape[:2], 255, dtype=np.uint8)])
    return pixels.copy()
