"""The pacemaker detector of ``notebooks/pacemaker.ipynb``, ready to serve without the notebook.

The notebook trains a logistic regression on the 4×4 block means of synthetic ultrasound frames (in every training
frame the device is on the left, so the model misses one on a flipped frame: the blind spot a visitor can find). Its
weights (``assets/pacemaker-v1.npz``, 8 KB) and its two example frames (PNG) ship here, so the demo needs neither the
notebook, nor scikit-learn, nor any training. ``python -m nbshare.demo._build`` writes them again from the notebook in
a clone; a test checks that they are the notebook's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..interface import Interface

__all__ = ["ASSETS", "DESCRIPTION", "TITLE", "LogisticModel", "classifier", "example_frames", "features"]

ASSETS = Path(__file__).resolve().parent / "assets"
"""The shipped weights (``pacemaker-v1.npz``) and example frames (``with-device.png``, ``without-device.png``)."""

TITLE = "Pacemaker detector"
DESCRIPTION = (
    "Press **Explain** to see where the model looks; paint over it, or flip the frame, and **Submit**: "
    "does the prediction change? **Flag** the answers that are wrong."
)
EXAMPLES = ("with-device.png", "without-device.png")


def features(images: Any) -> np.ndarray:
    """The notebook's features: the 4×4 block means of each 128×128 frame, scaled to 0-1 (1,024 numbers a frame)."""
    frames = np.asarray(images, dtype=np.float32).reshape(-1, 128, 128) / 255
    return frames.reshape(len(frames), 32, 4, 32, 4).mean(axis=(2, 4)).reshape(len(frames), -1)


class LogisticModel:
    """A binary logistic regression from its weights: what scikit-learn's fitted ``LogisticRegression`` computes."""

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, classes: list[str]) -> None:
        self.coef = np.asarray(coef).reshape(-1)  # float32, as scikit-learn keeps it for float32 features
        self.intercept = np.asarray(intercept, dtype=self.coef.dtype).reshape(())
        self.classes_ = list(classes)

    @classmethod
    def load(cls, path: Path = ASSETS / "pacemaker-v1.npz") -> LogisticModel:
        with np.load(path) as saved:
            return cls(saved["coef"], saved["intercept"], [str(name) for name in saved["classes"]])

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """One row per sample: the probability of each class, in ``classes_`` order."""
        score = np.asarray(x, dtype=self.coef.dtype) @ self.coef + self.intercept
        positive = 1 / (1 + np.exp(-score))
        return np.stack([1 - positive, positive], axis=1)


def classifier(model: Any) -> Callable[[np.ndarray], dict[str, float]]:
    """The function the interface calls, as in the notebook: a grayscale frame of any size in, each class's
    probability out."""
    from PIL import Image as PILImage

    def classify(frame: np.ndarray) -> dict[str, float]:
        frame = np.asarray(PILImage.fromarray(frame).resize((128, 128)))
        probabilities = model.predict_proba(features(frame[None]))[0]
        return dict(zip(model.classes_, probabilities.tolist(), strict=True))

    return classify


def example_frames() -> list[np.ndarray]:
    """The notebook's two examples, one frame with a device and one without (128×128 grayscale)."""
    from PIL import Image as PILImage

    frames = []
    for name in EXAMPLES:
        with PILImage.open(ASSETS / name) as image:
            frames.append(np.asarray(image.convert("L")))
    return frames


def pacemaker_interface() -> Interface:
    """The notebook's interface, with its model v1 (the one with the blind spot) and its examples."""
    from ..widgets import Image, Label

    return Interface(
        classifier(LogisticModel.load()),
        inputs=Image(image_mode="L", brush_size=28, label="Ultrasound frame"),
        outputs=Label(),
        title=TITLE,
        description=DESCRIPTION,
        examples=example_frames(),
        interpretation="occlusion",
        version="v1",
    )
