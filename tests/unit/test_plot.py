"""Plot: a matplotlib figure or axes becomes a PNG; pyplot figures are closed once shown."""

from __future__ import annotations

import io
import sys

import pytest
from PIL import Image as PILImage

import nbshare

matplotlib = pytest.importorskip("matplotlib")  # optional for nbshare; in the test extra, so CI has it
matplotlib.use("Agg")


def test_a_pyplot_figure_becomes_a_png_and_is_closed() -> None:
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(4, 3))
    axes.plot([0, 1, 2], [1, 0, 1])
    png = nbshare.Plot(dpi=50).postprocess(figure)
    assert png.startswith(b"\x89PNG") and PILImage.open(io.BytesIO(png)).width > 100
    assert not plt.fignum_exists(figure.number)


def test_axes_work_and_a_figure_without_pyplot_renders_itself() -> None:
    from matplotlib.figure import Figure

    figure = Figure()
    axes = figure.add_subplot()
    axes.bar(["a", "b"], [1, 2])
    assert nbshare.Plot().postprocess(axes).startswith(b"\x89PNG")


def test_other_results_are_refused_and_nbshare_never_imports_matplotlib_itself() -> None:
    with pytest.raises(TypeError, match="needs a matplotlib Figure or Axes"):
        nbshare.Plot().postprocess([1, 2, 3])
    assert nbshare.Plot().postprocess(None) == b""
    import subprocess

    code = "import nbshare, sys; nbshare.Plot().postprocess(None); print('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
