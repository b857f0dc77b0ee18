"""Plot output ("plot"): a matplotlib figure, shown as a PNG image."""

from __future__ import annotations

import io
import sys
from typing import Any

import traitlets

from .._assets import component_esm
from ..values.dataurl import data_url_schema, encode_data_url
from ..values.stored import JsonValue, PictureValue, Stored
from ._component import Component


class Plot(Component):
    """Show a matplotlib ``Figure`` (or ``Axes``) the function returns, rendered as a PNG.

    matplotlib is optional: nbshare never imports it; a figure renders itself. Figures made with ``pyplot`` are
    closed once rendered, so a long-running interface does not keep every figure alive.
    """

    roles = frozenset({"output"})

    _esm = component_esm("plot.js")
    shortcuts = {"output": ("plot",)}
    expects = "a matplotlib Figure or Axes"

    value = traitlets.Bytes(b"").tag(sync=True)
    """The PNG shown (empty when there is none)."""

    dpi = traitlets.Int(100).tag(sync=True, option=True)
    """Resolution the figure is rendered at."""

    def postprocess(self, result: Any) -> bytes:
        if result is None:
            return b""
        if isinstance(result, bytes):
            return result
        figure = getattr(result, "figure", None) if not hasattr(result, "savefig") else result
        if figure is None or not hasattr(figure, "savefig"):
            raise TypeError(
                f"a Plot output needs a matplotlib Figure or Axes; the function returned {type(result).__name__}"
            )
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=self.dpi, bbox_inches="tight")
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:
            pyplot.close(figure)
        return buffer.getvalue()

    def empty_value(self) -> bytes:
        return b""

    def example_value(self) -> bytes:
        import numpy as np

        from ..values import imaging

        return imaging.encode_png(np.full((8, 8, 3), 255, dtype=np.uint8))

    def preview(self, value: Any) -> str:
        return "plot"

    def to_stored(self, value: Any) -> Stored:
        """The rendered PNG as a picture (nothing shown: an empty value)."""
        return PictureValue(value) if isinstance(value, bytes) and value else JsonValue(None)

    def json_schema(self) -> dict[str, Any]:
        return data_url_schema("a PNG as a data URL", required=False)

    def to_json(self, value: Any) -> Any:
        return encode_data_url(value, "image/png") if value else None
