"""Write the demo's assets from ``notebooks/pacemaker.ipynb`` (in a clone, with scikit-learn):
``python -m nbshare.demo._build``.

The notebook's code cells run in a fresh namespace up to the one that trains ``model``; its weights and the first two
frames (with and without a device: the notebook's examples) are written to ``nbshare/demo/assets``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .pacemaker import ASSETS, EXAMPLES

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "pacemaker.ipynb"


def notebook_model(notebook: Path = NOTEBOOK) -> dict[str, Any]:
    """Run the notebook's cells until ``model`` is trained; its namespace (``model``, ``frames``, ``features``...)."""
    namespace: dict[str, Any] = {"__name__": "__nbshare_demo_build__"}
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), str(notebook), "exec"), namespace)  # our own notebook
            if "model" in namespace:
                return namespace
    raise LookupError(f"{notebook} never trains a model")


def build(notebook: Path = NOTEBOOK, folder: Path = ASSETS) -> None:
    from PIL import Image as PILImage

    namespace = notebook_model(notebook)
    model = namespace["model"]
    if len(model.classes_) != 2:
        raise ValueError(f"the demo expects a binary classifier, the notebook's has classes {model.classes_}")
    folder.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        folder / "pacemaker-v1.npz",
        coef=model.coef_.reshape(-1),
        intercept=model.intercept_.reshape(()),
        classes=np.array([str(name) for name in model.classes_]),
    )
    for name, frame in zip(EXAMPLES, namespace["frames"][:2], strict=True):
        PILImage.fromarray(frame).save(folder / name, optimize=True)


if __name__ == "__main__":
    build()
    print(f"wrote the demo's assets to {ASSETS}")
