"""The image editor's ipycanvas plumbing: a canvas manager per shared-page visitor, layers on it, batched drawing."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import ipycanvas

from ..values import imaging

__all__ = [
    "batched",
    "display_geometry",
    "first_picture",
    "layers_for_session",
    "picture_message",
    "rgba",
    "shown_pixels",
]


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


def display_geometry(frame: tuple[int, int], longest: int) -> tuple[int, int, bool]:
    """(width, height, enlarged) of an image of ``frame`` (height, width) shown with its longest side ``longest``."""
    height, width = frame
    scale = longest / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale)), scale > 1


def shown_pixels(base: Any, width: int, height: int, enlarged: bool) -> Any:
    """The pixels sent for the base layer. Never enlarged: the page scales a small image up with crisp pixels (an
    expert judges the pixels, not a blur), so they cross the link once at their own size; a large image is reduced
    to what is shown."""
    return base if enlarged else imaging.resize(base, width, height)


def first_picture(original: Any, longest: int) -> bytes:
    """The WebP a page far away is sent when ``original`` is shown unedited with its longest side ``longest``."""
    from ..values.display import ShownHistory

    state = ShownHistory(original, longest).state(())
    width, height, enlarged = display_geometry(state.frame, longest)
    return imaging.encode_webp_lossless(shown_pixels(state.base, width, height, enlarged))


def picture_message(
    pixels: Any, pixelated: bool, publish: Callable[[bytes, str], str] | None
) -> tuple[dict[str, Any], list[bytes]]:
    """An image's base layer as its page gets it (a custom message and its buffers).

    For a page far away (``publish``: its session's picture store), the address of a lossless WebP it fetches over
    HTTP, cached, on a connection of its own so that answers never wait behind it. Else the pixels themselves, raw
    rows of grey, RGB or RGBA: nothing to encode here and nothing to decode there (the page puts them straight into
    its canvas; a BMP decoded by an ``<img>`` cost 10-30 ms more per answer). ``pixelated``: the page enlarges it
    with crisp pixels.
    """
    if publish is not None:
        return {
            "picture": {"url": publish(imaging.encode_webp_lossless(pixels), "image/webp"), "pixelated": pixelated}
        }, []
    import numpy as np

    rows = np.ascontiguousarray(pixels, dtype=np.uint8)
    height, width = rows.shape[:2]
    channels = 1 if rows.ndim == 2 else rows.shape[2]
    shape = {"width": width, "height": height, "channels": channels}
    return {"picture": {"pixels": shape, "pixelated": pixelated}}, [rows.tobytes()]


def rgba(pixels: Any) -> Any:
    import numpy as np

    if pixels.ndim == 2:
        return np.dstack([pixels, pixels, pixels, np.full_like(pixels, 255)])
    if pixels.shape[2] == 3:
        return np.dstack([pixels, np.full(pixels.shape[:2], 255, dtype=np.uint8)])
    return pixels.copy()
