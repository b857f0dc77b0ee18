"""Reading any image a user may drop in, and encoding pixels for the page. Pure functions, no widgets."""

from __future__ import annotations

import contextlib
import contextvars
import io
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .._errors import InputError

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image as PILImage

IMAGE_MODES = ("RGB", "L", "RGBA")
DEFAULT_MAX_PIXELS = 24_000_000  # a phone photo (12-24 MP); full-sensor 48-200 MP shots need max_pixels=...


def _check_mode(mode: str) -> None:
    if mode not in IMAGE_MODES:
        raise ValueError(f"image_mode must be one of {', '.join(IMAGE_MODES)}, got {mode!r}")


def _normalize_pil(image: PILImage.Image, mode: str) -> PILImage.Image:
    """First frame, EXIF orientation applied, 16-bit scaled to 8-bit, palette/alpha resolved, then ``mode``."""
    import numpy as np
    from PIL import Image, ImageOps

    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)
    image = ImageOps.exif_transpose(image)
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        pixels = np.asarray(image)
        if image.mode.startswith("I;16") or (pixels.dtype.kind in "iu" and pixels.max(initial=0) <= 65535):
            scaled = pixels.astype(np.float64) / 257.0
        else:
            low, high = float(pixels.min(initial=0)), float(pixels.max(initial=0))
            scaled = (pixels - low) * (255.0 / (high - low or 1.0))
        image = Image.fromarray(np.clip(np.rint(scaled), 0, 255).astype(np.uint8), "L")
    elif image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    if mode == "RGB" and "A" in image.getbands():
        # Transparent areas become white, not the arbitrary colour hidden under alpha 0.
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert(mode)


def load_image(data: bytes, *, mode: str = "RGB", max_pixels: int = DEFAULT_MAX_PIXELS, name: str = "") -> np.ndarray:
    """Decode image file bytes into a uint8 array (H, W) for "L" or (H, W, C), refusing what cannot be read.

    The pixel count is checked from the header before any pixel is decoded, so a decompression bomb costs nothing.
    """
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    _check_mode(mode)
    what = f"{name!r}" if name else "The file"
    if not data:
        raise InputError(f"{what} is empty")
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise InputError(
                    f"{what} is {width}×{height} = {width * height:,} pixels; the limit is {max_pixels:,} "
                    "(raise it with Image(max_pixels=...))"
                )
            if width == 0 or height == 0:
                raise InputError(f"{what} has no pixels ({width}×{height})")
            image.load()
            return np.asarray(_normalize_pil(image, mode)).copy()
    except UnidentifiedImageError:
        raise InputError(f"{what} is not an image that can be read (PNG, JPEG, WebP, GIF, BMP, TIFF…)") from None
    except Image.DecompressionBombError as error:
        raise InputError(f"{what} is too large to decode safely: {error}") from None
    except (OSError, SyntaxError, ValueError) as error:
        if isinstance(error, InputError):
            raise
        raise InputError(f"{what} is damaged or truncated and cannot be decoded ({error})") from None


def to_array(value: Any, *, mode: str = "RGB", max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """A uint8 image array from a numpy array, a PIL image, a path or file bytes."""
    import numpy as np
    from PIL import Image

    _check_mode(mode)
    if isinstance(value, bytes | bytearray | memoryview):
        return load_image(bytes(value), mode=mode, max_pixels=max_pixels)
    if isinstance(value, str | os.PathLike):
        path = os.fspath(value)
        try:
            with open(path, "rb") as file:
                data = file.read()
        except OSError as error:
            raise InputError(f"cannot read image file {path!r}: {error.strerror}") from None
        return load_image(data, mode=mode, max_pixels=max_pixels, name=os.path.basename(path))
    if isinstance(value, Image.Image):
        return np.asarray(_normalize_pil(value, mode)).copy()
    if hasattr(value, "__array__"):
        return _array_to_mode(np.asarray(value), mode)
    raise InputError(f"an image must be a numpy array, a PIL image, a path or file bytes, got {type(value).__name__}")


def _array_to_mode(array: np.ndarray, mode: str) -> np.ndarray:
    import numpy as np
    from PIL import Image

    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise InputError(f"an image array must be (H, W), (H, W, 3) or (H, W, 4), got shape {array.shape}")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise InputError(f"an image array must have pixels, got shape {array.shape}")
    if array.dtype == bool:
        array = array.astype(np.uint8) * 255
    elif array.dtype.kind == "f":
        if not np.isfinite(array).all():
            raise InputError("an image array must not contain NaN or infinity")
        # Floats in [0, 1] are the usual convention (matplotlib, torchvision); anything else is taken as 0..255.
        scale = 255.0 if array.min(initial=0) >= 0 and array.max(initial=0) <= 1 else 1.0
        array = np.clip(np.rint(array * scale), 0, 255).astype(np.uint8)
    elif array.dtype == np.uint16:
        array = np.rint(array / 257.0).astype(np.uint8)
    elif array.dtype != np.uint8:
        array = np.clip(array, 0, 255).astype(np.uint8)
    source_mode = "L" if array.ndim == 2 else ("RGB" if array.shape[2] == 3 else "RGBA")
    if source_mode == mode:
        return np.ascontiguousarray(array)
    return np.asarray(_normalize_pil(Image.fromarray(np.ascontiguousarray(array), source_mode), mode)).copy()


def fit_within(width: int, height: int, longest: int) -> float:
    """The scale (≤ 1) that makes the longer side at most ``longest`` pixels."""
    return min(1.0, longest / max(width, height))


def resize(array: np.ndarray, width: int, height: int, *, smooth: bool = True) -> np.ndarray:
    import numpy as np
    from PIL import Image

    if array.shape[1] == width and array.shape[0] == height:
        return array
    method = Image.Resampling.BOX if smooth else Image.Resampling.NEAREST
    return np.asarray(Image.fromarray(array).resize((width, height), method))


_PNG_LEVEL: contextvars.ContextVar[int] = contextvars.ContextVar("nbshare_png_level", default=1)


@contextlib.contextmanager
def png_compression(level: int) -> Iterator[None]:
    """PNGs encoded in this block use zlib ``level`` (0: stored, for a client on this machine, where bytes are free
    and compressing a 512×512 photo costs tens of ms)."""
    token = _PNG_LEVEL.set(level)
    try:
        yield
    finally:
        _PNG_LEVEL.reset(token)


def encode_png(array: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    # Level 1 by default: speed over a few % of size, since it is sent at once.
    Image.fromarray(array).save(buffer, "PNG", compress_level=_PNG_LEVEL.get())
    return buffer.getvalue()


def encode_webp_lossless(pixels: np.ndarray) -> bytes:
    """An opaque image as lossless WebP at the fastest effort: the exact pixels, smaller than PNG and, for a 512×512
    photo, ~3× faster to encode (9 ms against PNG's 40 ms at level 1 here)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "WEBP", lossless=True, quality=0, method=0)
    return buffer.getvalue()


def thumbnail_png(array: np.ndarray, longest: int = 96) -> bytes:
    scale = fit_within(array.shape[1], array.shape[0], longest)
    width, height = max(1, round(array.shape[1] * scale)), max(1, round(array.shape[0] * scale))
    return encode_png(resize(array, width, height))


def read_png(path: str | os.PathLike[str]) -> np.ndarray:
    """Pixels exactly as a flag store wrote them (a grayscale PNG stays 2-D); the store wrote them, so no limits."""
    import numpy as np
    from PIL import Image as PILImage

    with PILImage.open(path) as image:
        return np.asarray(image)


def heatmap_rgba(overlay: Any) -> Any:
    """A boolean mask becomes translucent red; a float map becomes a blue→yellow→red ramp, alpha rising with it."""
    import numpy as np

    values = np.asarray(overlay)
    if values.ndim == 3 and values.shape[2] == 4 and values.dtype == np.uint8:
        return values  # already RGBA
    if values.ndim != 2:
        raise ValueError(f"an overlay must be a 2-D mask or heatmap (or an RGBA array), got shape {values.shape}")
    if values.dtype == bool:
        rgba = np.zeros((*values.shape, 4), dtype=np.uint8)
        rgba[values] = (255, 0, 0, 255)
        return rgba
    values = values.astype(np.float64)
    low, high = np.nanmin(values), np.nanmax(values)
    level = np.nan_to_num((values - low) / (high - low if high > low else 1.0))
    anchors = np.array([[0, 0, 255], [0, 255, 255], [255, 255, 0], [255, 0, 0]], dtype=np.float64)
    position = level * (len(anchors) - 1)
    index = np.minimum(position.astype(int), len(anchors) - 2)
    fraction = (position - index)[..., None]
    rgb = anchors[index] * (1 - fraction) + anchors[index + 1] * fraction
    alpha = np.clip(level * 255, 0, 255)
    return np.dstack([rgb, alpha]).round().astype(np.uint8)
