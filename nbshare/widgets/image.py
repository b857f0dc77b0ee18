"""Image input (with the editor) and output ("image")."""

from __future__ import annotations

from typing import Any

import ipycanvas
import traitlets
from ipywidgets import widget_serialization

from .._assets import component_esm
from .._routing import current_session
from ..values import imaging
from ..values.dataurl import data_url_schema, decode_data_url, encode_data_url
from ..values.display import Shown, ShownHistory
from ..values.edits import EditedImage, check_edit, effective_edits, resolve_history, since_last_reset, stroke_cost
from ..values.files import format_bytes, temporary_path
from ..values.stored import JsonValue, PictureValue, Stored
from ._canvas import batched, display_geometry, first_picture, layers_for_session, picture_message, rgba, shown_pixels
from ._component import InputError, on_event
from ._edited import EditedComponent
from ._held import hold

SOURCES = ("upload", "clipboard", "webcam")
GEOMETRY_OPS = ("crop", "flip", "rotate", "reset")
STROKE_OPS = ("paint", "erase")
POINTS_PER_EDIT = 500  # the log keeps at most max_edits times this many stroke points (~130 bytes each in Python)
REPLAY_STROKES = 8  # the strokes in effect may cost at most this many max_stroke_cost to replay at full size
MAX_PREFETCHED = 64
_PREFETCHED: dict[tuple[int, int, str, int], tuple[Any, bytes]] = {}  # examples' pictures, for every visitor


class Image(EditedComponent):
    """An image: as an input, upload (file, drag-and-drop, paste, webcam) and edit it; as an output, show it.

    The editor's tools are crop, brush (occlude), eraser (restore), flip, rotate, undo/redo and reset. Every edit is
    recorded; the function receives ``nbshare.replay(original, edits)``, at full resolution, whatever size the
    image is shown at.
    """

    _esm = component_esm("image.js")
    shortcuts = {"input": ("image",), "output": ("image",)}
    expects = "an image: a uint8 array (H, W[, C]), a PIL image or a path"
    occlusion = "image"
    explanation_panel = "overlay"
    page_writable = frozenset({"brush_size", "brush_color", "overlay_opacity"})

    value = traitlets.Any(None)
    """The image (an ``nbshare.EditedImage``: original pixels + edit log), or None. Kept in Python only."""

    type = traitlets.Enum(["numpy", "pil", "filepath"], "numpy").tag(sync=True, option=True)
    """What the function receives: a uint8 array (H, W, C), a PIL image, or the path of a PNG file."""

    image_mode = traitlets.Enum(list(imaging.IMAGE_MODES), "RGB").tag(sync=True, option=True)
    """Channels the function receives: "RGB", "L" (grayscale) or "RGBA"."""

    shape = traitlets.Tuple(traitlets.Int(), traitlets.Int(), default_value=None, allow_none=True).tag(
        sync=True, option=True
    )
    """``(width, height)`` to resize the edited image to before the function sees it, or None."""

    sources = traitlets.List(traitlets.Enum(list(SOURCES)), list(SOURCES)).tag(sync=True, option=True)
    """Where an image can come from: "upload" (file picker and drag-and-drop), "clipboard", "webcam"."""

    brush_color = traitlets.Unicode("#000000").tag(sync=True, option=True)
    """Colour of the occluding brush."""

    brush_size = traitlets.Int(24).tag(sync=True, option=True)
    """Brush diameter in screen pixels of the shown image."""

    max_pixels = traitlets.Int(imaging.DEFAULT_MAX_PIXELS).tag(sync=True, option=True)
    """Largest image accepted, in pixels (width × height), checked from the file's header before decoding. The
    default, 24 million, takes a photo as phones save them (12-24 MP); the kernel holds the image (3 bytes a pixel)
    while the visitor's page is open."""

    max_stroke_cost = traitlets.Int(300_000_000).tag(sync=True, option=True)
    """The most drawing work one brush or eraser stroke may take at full resolution, in units of about a nanosecond
    (``nbshare.values.edits.stroke_cost``: the rectangle it spans, each point's brush disc, each segment's length ×
    width), checked before it is drawn. The default is about 0.3 s; the strokes in effect may together take
    eight times that (what the function's call spends replaying them)."""

    max_upload_bytes = traitlets.Int(25_000_000).tag(sync=True, option=True)
    """Largest file accepted, in bytes (checked in the page before sending, and again in Python)."""

    display_size = traitlets.Int(512).tag(sync=True, option=True)
    """Longest side, in pixels, of the image as shown (small images are enlarged with crisp pixels, large ones
    reduced); the function always gets the image at its own resolution."""

    overlay_opacity = traitlets.Float(0.5).tag(sync=True, option=True)
    """Opacity of the overlay (heatmap or mask) drawn over the image."""

    explanation_stale = traitlets.Bool(False).tag(sync=True)
    """Whether the overlay explains an image or an answer that is no longer shown (set by the view's Explain): the
    page dims it under an "out of date" note, so the paint under it shows. A new overlay is current."""

    # State shown by the page, set by Python.
    view_width = traitlets.Int(0).tag(sync=True)
    view_height = traitlets.Int(0).tag(sync=True)
    scale = traitlets.Float(1.0).tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)
    overlay_png = traitlets.Bytes(b"").tag(sync=True)
    overlay_url = traitlets.Unicode("").tag(sync=True)  # a page far away fetches the overlay from here instead
    _canvas = traitlets.Instance(ipycanvas.MultiCanvas).tag(sync=True, **widget_serialization)

    def __init__(self, **kwargs: Any) -> None:
        value = kwargs.pop("value", None)
        super().__init__(**kwargs)
        self._shown: ShownHistory | None = None  # the log replayed at display size, with checkpoints
        self._shown_state: Shown | None = None
        self._costs: dict[int, tuple[dict[str, Any], int]] = {}  # id(stroke in the log) -> (it, its stroke_cost)
        self._drawn_source: Any = None
        self._picture: tuple[dict[str, Any], list[bytes]] = ({"picture": None}, [])  # the base layer, as last sent
        self._session = current_session()  # a visitor's page far away fetches pictures over HTTP (its publish)
        self._geometry: tuple[Any, ...] | None = None
        # ipycanvas keeps no picture: a browser that creates the canvas model (a reload, another client) starts
        # blank and says "client_ready"; draw everything again for it.
        self._canvas[0].on_client_ready(self._redraw)
        self.value = value  # after the canvas exists: setting it draws

    @traitlets.default("_canvas")
    def _make_canvas(self) -> ipycanvas.MultiCanvas:
        # Layer 0: the image as cropped/flipped/rotated; layer 1: the paint over it.
        return layers_for_session(2)

    @traitlets.validate("value")
    def _coerce_value(self, proposal: Any) -> EditedImage | None:
        value = proposal["value"]
        if value is None or isinstance(value, EditedImage):
            return value
        return EditedImage(imaging.to_array(value, mode=self.image_mode, max_pixels=self.max_pixels))

    @traitlets.validate("brush_color")
    def _check_color(self, proposal: Any) -> str:
        check_edit({"op": "paint", "points": [[0, 0]], "width": 1, "color": proposal["value"]}, 1, 1)
        return str(proposal["value"])

    @traitlets.validate("display_size", "brush_size", "max_pixels", "max_upload_bytes", "max_stroke_cost")
    def _check_positive(self, proposal: Any) -> int:
        if proposal["value"] < 1:
            raise traitlets.TraitError(f"{proposal['trait'].name} must be 1 or more, got {proposal['value']}")
        return int(proposal["value"])

    @traitlets.validate("explanation_stale")
    def _stale_needs_overlay(self, proposal: Any) -> bool:
        shown = bool(self.overlay_png or self.overlay_url)
        return bool(proposal["value"]) and shown  # nothing shown, nothing out of date

    @traitlets.validate("shape")
    def _check_shape(self, proposal: Any) -> tuple[int, int] | None:
        shape = proposal["value"]
        if shape is not None and (shape[0] < 1 or shape[1] < 1):
            raise traitlets.TraitError(f"shape must be (width, height) with both at least 1, got {shape}")
        return shape

    # -- the pure contract -------------------------------------------------------------------------

    def preprocess(self, value: Any) -> Any:
        if value is None:
            raise InputError(f"{self.label or 'The image'} is empty: upload an image or pick an example")
        if isinstance(value, EditedImage):
            pixels = imaging.to_array(value.edited(), mode=self.image_mode)
        else:
            pixels = imaging.to_array(value, mode=self.image_mode, max_pixels=self.max_pixels)
        if self.shape is not None:
            pixels = imaging.resize(pixels, *self.shape)
        if self.type == "numpy":
            return pixels
        from PIL import Image as PILImage

        picture = PILImage.fromarray(pixels)
        if self.type == "pil":
            return picture
        path = temporary_path(".png")
        picture.save(path, "PNG")
        return path

    def postprocess(self, result: Any) -> Any:
        if result is None:
            return None
        if isinstance(result, EditedImage):
            result = result.edited()
        return imaging.to_array(result, mode=self.image_mode, max_pixels=self.max_pixels)

    def example_value(self) -> Any:
        import numpy as np

        return self.value if self.value is not None else np.full((64, 64, 3), 128, dtype=np.uint8)

    def empty_value(self) -> Any:
        return None

    def preview(self, value: Any) -> bytes:
        """A small PNG of ``value`` for the examples table."""
        return imaging.thumbnail_png(self.postprocess(value))

    def prefetch(self, value: Any) -> list[tuple[bytes, str]]:
        """The picture a page far away will be sent when example ``value`` is chosen: the very bytes (so its address
        is the same), computed once per example and display size for every visitor."""
        key = (id(value), self.display_size, self.image_mode, self.max_pixels)
        held = _PREFETCHED.get(key)
        if held is None or held[0] is not value:
            picture = first_picture(self.postprocess(value), self.display_size)
            held = _PREFETCHED[key] = (value, picture)  # the value held too: its id names no other object meanwhile
            while len(_PREFETCHED) > MAX_PREFETCHED:
                del _PREFETCHED[next(iter(_PREFETCHED))]
        return [(held[1], "image/webp")]

    def to_stored(self, value: Any) -> Stored:
        """An input's edited image as it is (original + edits); an output's pixels as a picture."""
        return value if isinstance(value, EditedImage) else _picture_or_none(value)

    def takes_gradient(self) -> bool:
        return self.type == "numpy"

    def show_explanation(self, part: Any) -> bool:
        """A map over the pixels goes onto the image's overlay."""
        if getattr(part, "map", None) is None:
            return False
        self.set_overlay(part.map)
        return True

    # -- overlay (saliency maps, masks) ------------------------------------------------------------

    def set_overlay(self, overlay: Any, opacity: float | None = None) -> None:
        """Show ``overlay`` over the image: a boolean mask, a 2-D heatmap (any range) or an RGBA array; None hides it.

        It is stretched to the shown image, so give it the image's aspect ratio.
        """
        if opacity is not None:
            self.overlay_opacity = opacity
        if overlay is None:
            self._clear_overlay()
            return
        rgba = imaging.heatmap_rgba(overlay)
        width, height = self.view_width or rgba.shape[1], self.view_height or rgba.shape[0]
        with self.hold_sync():
            png = imaging.encode_png(imaging.resize(rgba, width, height))
            publish = self._session.publish if self._session is not None else None
            self.overlay_png, self.overlay_url = (b"", publish(png, "image/png")) if publish else (png, "")
            self.explanation_stale = False

    def _clear_overlay(self) -> None:
        with self.hold_sync():
            self.overlay_png, self.overlay_url = b"", ""
            self.explanation_stale = False

    # -- edits from the page -----------------------------------------------------------------------

    @on_event("dismiss")
    def _dismiss(self, _content: dict[str, Any], _buffers: list[Any]) -> None:
        """The visitor closed the message (the door cleared it)."""

    @on_event("upload", heavy=True)
    def _receive_upload(self, content: dict[str, Any], buffers: list[Any]) -> None:
        name = str(content.get("name") or "")[:200]
        if not buffers:
            raise InputError(f"{name or 'The file'} arrived without its bytes; try again")
        size = memoryview(buffers[0]).nbytes
        if size > self.max_upload_bytes:  # checked before anything is copied or decoded
            raise InputError(
                f"{name or 'The file'} is {format_bytes(size)}; the limit is "
                f"{format_bytes(self.max_upload_bytes)} (raise it with Image(max_upload_bytes=...))"
            )
        data = bytes(buffers[0])
        pixels = imaging.load_image(data, mode=self.image_mode, max_pixels=self.max_pixels, name=name)
        hold(self, pixels.nbytes, name or "The image")  # all visitors' uploads together have a budget too
        self.value = EditedImage(pixels, (), name)

    @on_event("edit", heavy=True)
    def _receive_edit(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        edit = content.get("edit")
        if self.value is None or self._shown_state is None:
            raise InputError("there is no image to edit yet: upload one first")
        height, width = self._shown_state.frame
        clean = check_edit(edit, height, width)
        if clean["op"] in STROKE_OPS:
            cost = stroke_cost(clean, height, width)
            if cost > self.max_stroke_cost:
                raise InputError(
                    f"This stroke is too big to draw ({len(clean['points']):,} points, a brush {clean['width']:g} "
                    f"pixels wide: about {cost / 1e9:,.1f} s of drawing at full size; the limit is "
                    f"{self.max_stroke_cost / 1e9:,.1f} s): draw shorter strokes or use a smaller brush "
                    "(the researcher can raise it with Image(max_stroke_cost=...))"
                )
            self._costs[id(clean)] = (clean, cost)
        self.value = EditedImage(self.value.original, self._logged(self.value.edits, clean), self.value.name)

    def _log_problem(self, edits: Any) -> tuple[str, str] | None:
        problem = super()._log_problem(edits)
        if problem is not None:
            return problem
        strokes = [edit for edit in edits if edit.get("op") in STROKE_OPS]
        points, most = sum(len(edit["points"]) for edit in strokes), self.max_edits * POINTS_PER_EDIT
        if points > most:
            return f"The edit history is full ({points:,} stroke points; the most one image keeps is {most:,})", (
                "max_edits"
            )
        replayed = since_last_reset(resolve_history(edits)[0])
        cost, limit = sum(self._costs.get(id(e), (e, 0))[1] for e in replayed), REPLAY_STROKES * self.max_stroke_cost
        if cost > limit:
            return (
                "The edits in effect would take too long to apply to the full-size image (about "
                f"{cost / 1e9:,.1f} s of drawing; the limit is {limit / 1e9:,.1f} s, {REPLAY_STROKES} strokes' worth)"
            ), "max_stroke_cost"
        return None

    # -- drawing -----------------------------------------------------------------------------------

    @traitlets.observe("value")
    def _value_changed(self, change: Any) -> None:
        self._draw(change["new"])

    def _draw(self, value: EditedImage | None) -> None:
        if value is None:
            self._shown = self._shown_state = self._drawn_source = self._geometry = None
            self._costs.clear()
            self._show_history(())
            self._clear_overlay()
            self._canvas[0].clear()
            self._canvas[1].clear()
            self.view_width = self.view_height = 0
            self._picture = ({"picture": None}, [])
            self._send_picture()
            return
        history = self._shown
        if history is None or history.original is not value.original or history.longest != self.display_size:
            history = self._shown = ShownHistory(value.original, self.display_size)
        in_log = {id(edit) for edit in value.edits}
        self._costs = {key: entry for key, entry in self._costs.items() if key in in_log}
        self._shown_state = state = history.state(effective_edits(value.edits))
        # An overlay (a saliency map) stays through paint and erase, so the expert can occlude where it points (the
        # view's Explain marks it out of date); a new image or a crop, flip or rotation would misplace it.
        geometry = (id(value.original), *(repr(e) for e in effective_edits(value.edits) if e["op"] in GEOMETRY_OPS))
        if geometry != self._geometry:
            self._clear_overlay()
            self._geometry = geometry
        self._show(state)
        self._show_history(value.edits)

    def _redraw(self) -> None:
        if self._shown_state is not None:
            self._drawn_source = None
            self._show(self._shown_state)

    def _show(self, state: Shown) -> None:
        import numpy as np

        width = state.frame[1]
        view_width, view_height, enlarge = display_geometry(state.frame, self.display_size)
        resized = (view_width, view_height) != (self.view_width, self.view_height)
        with self.hold_sync(), batched(self._canvas):
            if resized:
                self._canvas.width, self._canvas.height = view_width, view_height
                self._clear_overlay()  # an overlay made for another geometry would be misplaced
            if resized or state.base is not self._drawn_source:
                self._canvas[0].clear()
                shown = shown_pixels(state.base, view_width, view_height, enlarge)
                self._picture = picture_message(shown, enlarge, self._session.publish if self._session else None)
                self._drawn_source = state.base
                self._send_picture()
            self._canvas[1].clear()
            if state.paint is not None and state.painted is not None and state.painted.any():
                paint = rgba(state.paint)
                paint[..., 3] = np.where(state.painted, 255, 0)
                self._canvas[1].put_image_data(imaging.resize(paint, view_width, view_height, smooth=False), 0, 0)
            self.view_width, self.view_height, self.scale = view_width, view_height, view_width / width

    def _send_picture(self) -> None:
        content, buffers = self._picture
        self.send(content, buffers)

    @on_event("picture")
    def _resend_picture(self, _content: dict[str, Any], _buffers: list[Any]) -> None:
        """A view that has just rendered (a reload, a second view) asks for the picture it has not seen."""
        self._send_picture()

    # -- the HTTP API ------------------------------------------------------------------------------

    def json_schema(self) -> dict[str, Any]:
        kind = "a PNG, JPEG, WebP... file" if self.interactive else "a PNG"
        return data_url_schema(f"{kind} as a data URL, e.g. data:image/png;base64,...", required=self.interactive)

    def from_json(self, value: Any) -> Any:
        data, _type, name = decode_data_url(value, self.label or "The image", limit=self.max_upload_bytes)
        return self.from_upload(data, name)

    def from_upload(self, data: bytes, name: str) -> Any:
        what = name or self.label or "The image"
        if len(data) > self.max_upload_bytes:
            raise InputError(f"{what} is {format_bytes(len(data))}; the limit is {format_bytes(self.max_upload_bytes)}")
        return EditedImage(
            imaging.load_image(data, mode=self.image_mode, max_pixels=self.max_pixels, name=name), (), name
        )

    def to_json(self, value: Any) -> Any:
        return None if value is None else encode_data_url(imaging.encode_png(self.postprocess(value)), "image/png")


def _picture_or_none(value: Any) -> Stored:
    return JsonValue(None) if value is None else PictureValue(value)
