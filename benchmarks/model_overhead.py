"""What nbshare adds over calling a model directly: one row (``iface.predict`` vs the library's own call) and a batch
of 32 rows (``iface.process`` vs one batched call), for scikit-learn, torch, Keras 3 (torch backend) and a Hugging Face
pipeline. The models are tiny on purpose: the figures are nbshare's overhead, not the models' speed.

``iface.predict`` goes the whole way a visitor's request goes (the components' conversions, the queue's worker
thread, the model's kind); ``process`` adds a DataFrame of results.

Run: python benchmarks/model_overhead.py
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import nbshare

REPEATS = 200
BATCH = 32


def timed(call: Callable[[], Any], repeats: int) -> float:
    """Median milliseconds of ``call`` after a warm-up."""
    for _ in range(5):
        call()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def sklearn_case() -> tuple[str, Any, Callable[[], Any], Callable[[], Any], list[Any], Any]:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    iris = load_iris(as_frame=True)
    model = LogisticRegression(max_iter=500).fit(iris.data, iris.target_names[iris.target])
    row = iris.data.iloc[[0]]
    rows = [list(iris.data.iloc[i]) for i in range(BATCH)]
    batch = iris.data.iloc[:BATCH]
    iface = nbshare.Interface(model, ["number"] * 4, "label")
    return (
        "scikit-learn LogisticRegression (DataFrame)",
        iface,
        lambda: model.predict_proba(row),
        lambda: model.predict_proba(batch),
        rows,
        rows[0],
    )


def torch_case() -> tuple[str, Any, Callable[[], Any], Callable[[], Any], list[Any], Any]:
    import torch

    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(8, 3),
    ).eval()

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = model

        def forward(self, image: torch.Tensor) -> torch.Tensor:
            return self.body(image.permute(0, 3, 1, 2) / 255)

    net = Net().eval()
    images = np.random.default_rng(0).integers(0, 255, (BATCH, 64, 64, 3), dtype=np.uint8)
    one = torch.as_tensor(images[:1], dtype=torch.float32)
    many = torch.as_tensor(images, dtype=torch.float32)
    iface = nbshare.Interface(net, "image", nbshare.Label(class_names=["a", "b", "c"], softmax=True))

    def direct(batch: torch.Tensor) -> Any:
        with torch.no_grad():
            return torch.softmax(net(batch), -1).numpy()

    return (
        "torch CNN, 64×64 image",
        iface,
        lambda: direct(one),
        lambda: direct(many),
        [[i] for i in images],
        images[0],
    )


def keras_case() -> tuple[str, Any, Callable[[], Any], Callable[[], Any], list[Any], Any]:
    import keras

    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(8,))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(keras.layers.Dense(16)(inputs)))
    rows = np.random.default_rng(0).normal(size=(BATCH, 8)).astype("float32")
    iface = nbshare.Interface(model, ["number"] * 8, "label")
    predict_ms = timed(lambda: model.predict(rows[:1], verbose=0), 50)
    print(f"   (Keras model.predict(x, verbose=0) on one row, for comparison: {predict_ms:.2f} ms)")
    return (
        f"Keras 3 MLP ({keras.backend.backend()} backend)",
        iface,
        lambda: model(rows[:1], training=False),
        lambda: model(rows, training=False),
        [list(map(float, row)) for row in rows],
        list(map(float, rows[0])),
    )


def transformers_case() -> tuple[str, Any, Callable[[], Any], Callable[[], Any], list[Any], Any]:
    import tokenizers
    import torch
    import transformers

    words = [
        "[PAD]",
        "[UNK]",
        "[CLS]",
        "[SEP]",
        "the",
        "film",
        "was",
        "great",
        "awful",
        "i",
        "loved",
        "hated",
        "it",
        "plot",
    ]
    vocab = {word: index for index, word in enumerate(words)}
    backend = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab, unk_token="[UNK]"))
    backend.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=backend, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]"
    )
    torch.manual_seed(0)
    config = transformers.BertConfig(
        vocab_size=len(words), hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
        max_position_embeddings=64, id2label={0: "negative", 1: "positive"}, label2id={"negative": 0, "positive": 1},
    )  # fmt: skip
    model = transformers.BertForSequenceClassification(config).eval()
    pipe = transformers.pipeline("text-classification", model=model, tokenizer=tokenizer)
    texts = [f"i {'loved' if i % 2 else 'hated'} the plot {'it was great' * (i % 3)}" for i in range(BATCH)]
    iface = nbshare.Interface(pipe)
    return (
        "transformers text-classification pipeline (tiny BERT)",
        iface,
        lambda: pipe(texts[0], top_k=None),
        lambda: pipe(texts, top_k=None, batch_size=BATCH),
        [[text] for text in texts],
        texts[0],
    )


def main() -> None:
    print(
        f"Median of {REPEATS} calls (one row) and of {REPEATS // 10} calls (a batch of {BATCH} rows), milliseconds.\n"
    )
    header = f"{'model':55} {'direct':>8} {'predict':>8} {'+':>7} | {'direct':>8} {'process':>8} {'+/row':>7}"
    print(header)
    print("-" * len(header))
    for case in (sklearn_case, torch_case, keras_case, transformers_case):
        name, iface, one, many, rows, row = case()
        args = row if isinstance(row, list) else [row]
        direct_one = timed(one, REPEATS)
        ours_one = timed(lambda: iface.predict(*args), REPEATS)  # noqa: B023 - called inside this iteration
        direct_many = timed(many, REPEATS // 10)
        ours_many = timed(lambda: iface.process(rows, progress=False), REPEATS // 10)  # noqa: B023
        print(
            f"{name:55} {direct_one:8.2f} {ours_one:8.2f} {ours_one - direct_one:7.2f} | "
            f"{direct_many:8.2f} {ours_many:8.2f} {(ours_many - direct_many) / BATCH:7.3f}"
        )


if __name__ == "__main__":
    main()
