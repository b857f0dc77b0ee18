"""Superpixels: regions of similar colour that follow the image's edges (SLIC-style k-means on colour and position).

Computed on a copy at most 256 px on its longer side (k-means over every pixel and every centre is quadratic), then
scaled back, so a 12-megapixel photo takes as long as a thumbnail.
"""

from __future__ import annotations

import numpy as np

from ..values import imaging

__all__ = ["superpixels"]

WORK_SIDE = 256


def superpixels(pixels: np.ndarray, count: int, compactness: float = 20.0, iterations: int = 8) -> np.ndarray:
    """A label (0..n-1) per pixel of ``pixels`` (H×W or H×W×C), about ``count`` regions.

    ``compactness`` weighs position against colour: higher gives rounder, more regular regions.
    """
    height, width = pixels.shape[:2]
    scale = min(1.0, WORK_SIDE / max(height, width))
    small_w, small_h = max(1, round(width * scale)), max(1, round(height * scale))
    small = imaging.resize(pixels, small_w, small_h) if scale < 1 else pixels
    colour = small.reshape(small_h * small_w, -1).astype(np.float64)
    rows, columns = np.mgrid[0:small_h, 0:small_w]
    position = np.column_stack([rows.ravel(), columns.ravel()]).astype(np.float64)
    step = max(1.0, np.sqrt(small_h * small_w / max(count, 1)))
    weight = compactness / step
    centre_rows = np.arange(step / 2, small_h, step)
    centre_columns = np.arange(step / 2, small_w, step)
    grid = np.array([(r, c) for r in centre_rows for c in centre_columns])
    index = grid[:, 0].astype(int) * small_w + grid[:, 1].astype(int)
    centres = np.column_stack([colour[index], position[index] * weight])
    points = np.column_stack([colour, position * weight])
    labels = np.zeros(len(points), dtype=np.int64)
    for _ in range(iterations):
        # |p - c|² = |p|² - 2 p·c + |c|²: one matrix product instead of a pixels x centres x features array.
        distances = (points**2).sum(1)[:, None] - 2 * points @ centres.T + (centres**2).sum(1)[None, :]
        labels = distances.argmin(axis=1)
        sums = np.zeros_like(centres)
        np.add.at(sums, labels, points)
        sizes = np.bincount(labels, minlength=len(centres))[:, None]
        centres = np.where(sizes > 0, sums / np.maximum(sizes, 1), centres)
    _, labels = np.unique(labels, return_inverse=True)  # numbered 0..n-1 without the centres left empty
    small_labels = labels.reshape(small_h, small_w)
    if scale == 1:
        return small_labels
    row_index = np.minimum((np.arange(height) * small_h / height).astype(int), small_h - 1)
    column_index = np.minimum((np.arange(width) * small_w / width).astype(int), small_w - 1)
    return small_labels[row_index[:, None], column_index[None, :]]
