"""Explanations and bulk runs: batched against one input at a time.

1. An occlusion map of a 224×224 image with a small torch CNN on CPU (225 patches of 28 px, stride 14), sending the
   patches through the model 32 at a time against one at a time; and a SmoothGrad map (25 samples).
2. ``iface.process`` on 10,000 rows against calling ``iface.predict`` in a loop: a scikit-learn classifier with ten
   numeric inputs, and a ``batch=True`` numpy function.

Run: python benchmarks/explain_bulk.py
"""

from __future__ import annotations

import functools
import time

import numpy as np
import torch

import nbshare

torch.manual_seed(0)


def small_cnn() -> torch.nn.Module:
    class SmallCNN(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.features = torch.nn.Sequential(
                torch.nn.Conv2d(3, 16, 3, stride=2, padding=1), torch.nn.ReLU(),
                torch.nn.Conv2d(16, 32, 3, stride=2, padding=1), torch.nn.ReLU(),
                torch.nn.Conv2d(32, 64, 3, stride=2, padding=1), torch.nn.ReLU(),
                torch.nn.AdaptiveAvgPool2d(1),
            )  # fmt: skip
            self.head = torch.nn.Linear(64, 10)

        def forward(self, images: torch.Tensor) -> torch.Tensor:
            x = images.permute(0, 3, 1, 2) / 255
            return torch.softmax(self.head(self.features(x).flatten(1)), dim=1)

    return SmallCNN()


def timed(run, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def explain_figures() -> None:
    model = small_cnn()
    image = np.random.default_rng(0).integers(0, 255, (224, 224, 3), dtype=np.uint8)
    names = [f"class {i}" for i in range(10)]
    seconds_by_size = {}
    maps = {}
    for batch_size in (32, 8, 1):
        iface = nbshare.Interface(
            model, nbshare.Image(), nbshare.Label(class_names=names), interpretation="occlusion",
            max_batch_size=batch_size,
        )  # fmt: skip
        explanation = iface.explain(image)
        seconds = timed(functools.partial(iface.explain, image))
        seconds_by_size[batch_size], maps[batch_size] = seconds, explanation.inputs[0].map
        print(
            f"occlusion 224x224, {explanation.evaluations} inputs, batches of {batch_size:>2}: "
            f"{seconds * 1000:5.0f} ms ({explanation.batches} model calls)"
        )
    agree = np.allclose(maps[32], maps[1], atol=1e-5)
    print(f"speed-up, batches of 32 against one at a time: {seconds_by_size[1] / seconds_by_size[32]:.1f}x "
          f"(same map: {agree})")  # fmt: skip
    iface = nbshare.Interface(model, nbshare.Image(), nbshare.Label(class_names=names), interpretation="gradient")
    seconds = timed(lambda: iface.explain(image))
    print(f"SmoothGrad 224x224, 25 samples in batches of 32: {seconds * 1000:.0f} ms")


def bulk_figures() -> None:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    features = rng.normal(size=(10_000, 10))
    classifier = LogisticRegression().fit(features, features[:, 0] + features[:, 1] > 0)
    rows = [tuple(map(float, row)) for row in features]
    iface = nbshare.Interface(classifier, ["number"] * 10, "label", max_batch_size=256)
    report("scikit-learn LogisticRegression, 10 inputs", iface, rows)

    def batched_score(*columns):
        stacked = np.column_stack(columns)
        level = 1 / (1 + np.exp(-stacked.sum(axis=1)))
        return [{"yes": float(p), "no": float(1 - p)} for p in level]

    iface = nbshare.Interface(batched_score, ["number"] * 10, "label", batch=True, max_batch_size=256)
    report("batch=True numpy function, 10 inputs", iface, rows)


def report(name: str, iface: nbshare.Interface, rows: list[tuple[float, ...]]) -> None:
    started = time.perf_counter()
    frame = iface.process(rows, progress=False)
    bulk = time.perf_counter() - started
    started = time.perf_counter()
    loop = [iface.predict(*row) for row in rows]
    looped = time.perf_counter() - started
    assert [answer["label"] for answer in frame["Output"]] == [answer["label"] for answer in loop]
    print(
        f"{name}: process {len(rows) / bulk:8,.0f} rows/s, predict loop {len(rows) / looped:7,.0f} rows/s "
        f"({looped / bulk:.1f}x)"
    )


if __name__ == "__main__":
    torch.set_num_threads(2)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    explain_figures()
    bulk_figures()
