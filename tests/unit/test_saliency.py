"""Explanations: occlusion over images, words, tables and features; gradients of torch modules; batching."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest

import nbshare
from nbshare.saliency import Cancelled, ExplainRun

REGION = (slice(16, 32), slice(40, 56))  # rows, columns: the only pixels the models below look at


def _image(seed: int = 0) -> np.ndarray:
    pixels = np.random.default_rng(seed).integers(0, 120, (64, 64, 3), dtype=np.uint8)
    pixels[REGION] = 250
    return pixels


def _in_region(row: int, column: int, margin: int = 0) -> bool:
    return 16 - margin <= row < 32 + margin and 40 - margin <= column < 56 + margin


def _region_model(calls: list[int] | None = None):
    def bright(images):
        if calls is not None:
            calls.append(len(images))
        results = []
        for image in images:
            level = float(np.asarray(image)[REGION].mean()) / 255
            results.append({"bright": level, "dark": 1 - level})
        return results

    return bright


def test_occlusion_map_peaks_in_the_region_the_model_reads() -> None:
    calls: list[int] = []
    iface = nbshare.Interface(
        _region_model(calls), "image", "label", batch=True, max_batch_size=16, interpretation="occlusion"
    )
    explanation = iface.explain(_image())
    (image,) = explanation.inputs
    assert image.kind == "image" and image.map.shape == (64, 64)
    row, column = np.unravel_index(np.argmax(image.map), image.map.shape)
    assert _in_region(row, column)
    outside = image.map.copy()
    outside[16 - 8 : 32 + 8, 40 - 8 : 56 + 8] = 0  # patches are 8 px: beyond their reach the model sees no change
    assert np.abs(outside).max() == 0
    assert "bright" in explanation.target
    # 15 x 15 patches of 8 px at stride 4, 16 per call: batched, not one call per patch.
    assert sum(calls[1:]) == 225 and max(calls) == 16 and len(calls) == 1 + 15


def test_occlusion_settings_and_a_plain_function() -> None:
    def bright(image):
        return _region_model()([image])[0]

    iface = nbshare.Interface(bright, "image", "label", interpretation=nbshare.Occlusion(patch=16, stride=16))
    explanation = iface.explain(_image())
    heat = explanation.inputs[0].map
    assert heat[REGION].min() > 0 and heat[:16].max() == 0
    assert "16 patches of 16×16 px" in explanation.summary()


def test_gradient_map_of_a_small_cnn_lies_in_the_region() -> None:
    torch = pytest.importorskip("torch")

    class RegionCNN(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            torch.manual_seed(0)
            self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
            self.head = torch.nn.Linear(4, 2)
            mask = torch.zeros(1, 1, 64, 64)
            mask[..., REGION[0], REGION[1]] = 1
            self.register_buffer("mask", mask)

        def forward(self, images):  # (N, H, W, C) floats 0..255, as nbshare hands an image to a module
            x = images.permute(0, 3, 1, 2) / 255
            x = torch.relu(self.conv(x)) * self.mask
            return torch.softmax(self.head(x.mean(dim=(2, 3))), dim=1)

    model = RegionCNN()
    for method in ("smoothgrad", "integrated"):
        iface = nbshare.Interface(
            model,
            nbshare.Image(),
            nbshare.Label(class_names=["a", "b"]),
            interpretation=nbshare.Gradient(method=method, samples=12),
            max_batch_size=5,
        )
        heat = iface.explain(_image()).inputs[0].map
        assert heat.shape == (64, 64)
        row, column = np.unravel_index(np.argmax(heat), heat.shape)
        assert _in_region(row, column, margin=1)
        inside = heat[15:33, 39:57].sum()  # the region and the 3x3 convolution's one-pixel reach
        assert inside / heat.sum() > 0.999


def test_gradient_needs_a_torch_module() -> None:
    with pytest.raises(ValueError, match=r"needs a torch\.nn\.Module"):
        nbshare.Interface(lambda image: "x", "image", "label", interpretation="gradient")


def test_words_are_left_out_one_at_a_time() -> None:
    def sentiment(texts):
        return [{"positive": 0.9 if "good" in t.split() else 0.2, "negative": 0.1} for t in texts]

    iface = nbshare.Interface(sentiment, "text", "label", batch=True, interpretation="occlusion")
    (words,) = iface.explain("a  good film").inputs
    assert words.kind == "tokens"
    assert "".join(piece for piece, _ in words.pieces) == "a  good film"
    scores = {piece: score for piece, score in words.pieces if score is not None}
    assert scores["good"] == pytest.approx(0.7) and scores["a"] == 0 and scores["film"] == 0


def test_table_features_and_numeric_inputs() -> None:
    def risk(table):
        return {"high": float(table["age"].iloc[0] > 60), "low": float(table["age"].iloc[0] <= 60)}

    examples = [pd.DataFrame({"age": [40], "weight": [70.0]}), pd.DataFrame({"age": [50], "weight": [90.0]})]
    iface = nbshare.Interface(risk, "dataframe", "label", examples=examples, interpretation="occlusion")
    (table,) = iface.explain(pd.DataFrame({"age": [70], "weight": [80.0]})).inputs
    assert table.kind == "features"
    assert dict(table.pieces) == {"age = 70": 1.0, "weight = 80": 0.0}

    def price(rooms, area):
        return 10 * area

    iface = nbshare.Interface(
        price, ["number", "number"], "number", examples=[[1, 50], [3, 70]], interpretation="occlusion"
    )
    (features,) = iface.explain(2, 80).inputs
    assert dict(features.pieces) == {"Rooms = 2.0": 0.0, "Area = 80.0": pytest.approx(10 * (80 - 60))}


def test_custom_interpretation_function() -> None:
    def explain(image):
        heat = np.zeros(np.asarray(image).shape[:2])
        heat[0, 0] = 1
        return [heat]

    iface = nbshare.Interface(lambda image: {"x": 1.0}, "image", "label", interpretation=explain)
    assert iface.explain(_image()).inputs[0].map[0, 0] == 1


def test_an_explanation_can_be_cancelled_between_batches() -> None:
    release = threading.Event()
    calls: list[int] = []

    def slow(images):
        calls.append(len(images))
        if len(calls) == 4:  # the base answer and two batches went through; the third waits here
            release.wait(5)
        return _region_model()(images)

    iface = nbshare.Interface(slow, "image", "label", batch=True, max_batch_size=4, interpretation="occlusion")
    seen: list[tuple[int, int]] = []
    run = ExplainRun(iface.runner, iface.interpretation, [], [_image()], lambda done, total: seen.append((done, total)))
    run.start()
    while len(calls) < 4:
        threading.Event().wait(0.01)
    run.cancel()
    release.set()
    with pytest.raises(Cancelled):
        run.future.result(5)
    assert seen[-1] == (12, 225) and len(calls) == 4  # the running batch finished; nothing more was sent
    assert iface.predict(_image())["label"] == "bright"  # the queue is free for the next call


def test_explain_needs_a_label_or_number_output() -> None:
    iface = nbshare.Interface(lambda text: text, "text", "text", interpretation="occlusion")
    with pytest.raises(nbshare.InputError, match="Label or Number"):
        iface.explain("hello")


def test_batched_models_give_the_same_answers_as_one_row_at_a_time() -> None:
    torch = pytest.importorskip("torch")
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    features = rng.normal(size=(200, 3))
    classifier = LogisticRegression().fit(features, features[:, 0] > 0)
    iface = nbshare.Interface(classifier, ["number"] * 3, "label", max_batch_size=64)
    rows = [tuple(map(float, row)) for row in features[:100]]
    bulk = iface.process(rows, progress=False)
    for row, answer in zip(rows, bulk["Output"], strict=True):
        _assert_same_label(answer, iface.predict(*row))  # equal up to the last bits of a batched matrix product

    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 2))
    iface = nbshare.Interface(module, "image", nbshare.Label(class_names=["a", "b"]))
    images = [rng.integers(0, 255, (2, 2, 3), dtype=np.uint8) for _ in range(10)]
    bulk = iface.process(images, progress=False)
    for image, answer in zip(images, bulk["Output"], strict=True):
        _assert_same_label(answer, iface.predict(image))


def _assert_same_label(got: dict, want: dict) -> None:
    assert got["label"] == want["label"]
    assert [c["label"] for c in got["confidences"]] == [c["label"] for c in want["confidences"]]
    for mine, theirs in zip(got["confidences"], want["confidences"], strict=True):
        assert mine["confidence"] == pytest.approx(theirs["confidence"], rel=1e-5, abs=1e-6)


def test_a_view_shows_the_map_on_the_image_and_flags_it_with_the_sample(tmp_path) -> None:
    iface = nbshare.Interface(
        _region_model(),
        nbshare.Image(label="Scan"),
        "label",
        batch=True,
        interpretation="occlusion",
        flagging_dir=tmp_path,
    )
    view = iface.view()
    view.inputs[0].value = _image()
    view.submit().result(5)
    explanation = view.explainer.explain().result(10)
    image = view.inputs[0]
    assert image.overlay_png.startswith(b"\x89PNG")
    assert view.explainer.control.state == "done" and "bright" in view.explainer.control.summary
    assert view.explainer.control.done == view.explainer.control.total == 225

    record = view.flag_current(message="the map is right")
    assert record is not None
    flags = iface.flags
    saved = np.load(flags.loc[0, "Scan explanation"])
    np.testing.assert_array_equal(saved, explanation.inputs[0].map)
    assert flags.loc[0, "explanation"] == explanation.summary()

    image.value = image.value.with_edit({"op": "flip", "axis": "horizontal"})
    assert image.overlay_png == b""  # a map of the unflipped image would be misplaced
    assert view.explainer.current() is None  # and it no longer explains what is shown, so it is not flagged
    view.flag_current()
    assert "Scan explanation" not in iface.flag_store.records()[-1]["values"]


def test_a_view_shows_word_scores_and_reports_errors() -> None:
    def sentiment(text):
        if "crash" in text:
            raise RuntimeError("the model crashed")
        return {"positive": 0.9 if "good" in text.split() else 0.2, "negative": 0.1}

    iface = nbshare.Interface(sentiment, "text", "label", interpretation="occlusion")
    view = iface.view()
    view.inputs[0].value = "good film"
    view.explainer.explain().result(10)
    panel = view.explainer.panels["Text"]
    assert panel.layout.display is None
    assert [(token["text"], token["score"]) for token in panel.value["tokens"]] == [
        ("good", pytest.approx(0.7)),
        (" ", None),
        ("film", 0.0),
    ]
    view.inputs[0].value = "crash now"
    assert panel.layout.display == "none"
    with pytest.raises(RuntimeError):
        view.explainer.explain().result(10)
    assert view.explainer.control.state == "error"
    assert view.explainer.control.message == "RuntimeError: the model crashed"


def test_batches_of_a_large_image_stay_within_the_memory_bound(monkeypatch) -> None:
    from nbshare.saliency import explain_run as runner

    calls: list[int] = []
    monkeypatch.setattr(runner, "BATCH_BYTES", 64 * 64 * 3 * 5)  # five variants of the 64x64 test image
    iface = nbshare.Interface(_region_model(calls), "image", "label", batch=True, max_batch_size=32,
                              interpretation="occlusion")  # fmt: skip
    iface.explain(_image())
    assert max(calls[1:]) == 5 and sum(calls[1:]) == 225


def test_superpixels_follow_edges_and_occlusion_by_superpixel_finds_the_disc() -> None:
    from nbshare.saliency.superpixels import superpixels

    rows, columns = np.mgrid[0:120, 0:160]
    disc = (rows - 60) ** 2 + (columns - 100) ** 2 < 30**2
    pixels = np.full((120, 160, 3), 40, dtype=np.uint8)
    pixels[disc] = 210
    pixels = pixels + np.random.default_rng(0).integers(0, 15, pixels.shape).astype(np.uint8)
    labels = superpixels(pixels, 40)
    assert labels.shape == (120, 160) and 20 <= labels.max() + 1 <= 60
    purity = [max(disc[labels == k].mean(), 1 - disc[labels == k].mean()) for k in range(labels.max() + 1)]
    assert min(purity) > 0.9  # each region lies on one side of the disc's edge

    def disc_model(image):
        level = float(np.asarray(image)[disc].mean()) / 255
        return {"disc": level, "none": 1 - level}

    iface = nbshare.Interface(disc_model, "image", "label", interpretation=nbshare.Occlusion(segments=40))
    explanation = iface.explain(pixels)
    heat = explanation.inputs[0].map
    assert heat[disc].mean() > 0 and heat[~disc].max() <= heat[disc].min() + 1e-9
    assert "superpixels" in explanation.summary()


def test_the_explain_button_never_races_its_own_progress_callback() -> None:
    # The run reports progress from its own thread; it must never call back before the view knows the run
    # (it once failed about one press in twelve with "cannot access free variable 'run'").
    def price(rooms, area):
        return 10 * area

    iface = nbshare.Interface(price, ["number", "number"], "number", examples=[[1, 50], [3, 70]],
                              interpretation="occlusion")  # fmt: skip
    view = iface.view()
    view.inputs[0].value, view.inputs[1].value = 2, 80
    failures = []
    for _ in range(200):
        try:
            view.explainer.explain().result(10)
        except Exception as error:
            failures.append(repr(error))
        assert view.explainer.control.state == "done", view.explainer.control.message
    assert failures == []


def test_a_table_and_a_number_each_keep_their_own_explanation_panel() -> None:
    def risk(table, dose):
        return 10 * float(table["age"].iloc[0]) + dose

    examples = [[pd.DataFrame({"age": [40], "weight": [70.0]}), 1], [pd.DataFrame({"age": [50], "weight": [90.0]}), 3]]
    iface = nbshare.Interface(risk, ["dataframe", "number"], "number", examples=examples, interpretation="occlusion")
    view = iface.view()
    view.load_example(0)
    view.inputs[0].value = view.inputs[0].postprocess(pd.DataFrame({"age": [70], "weight": [80.0]}))
    view.inputs[1].value = 5
    view.explainer.explain().result(10)
    shown = [
        [token["text"] for token in panel.value["tokens"]]
        for panel in view.explainer.panels.values()
        if panel.layout.display is None
    ]
    assert ["age = 70", "weight = 80"] in [[t for t in texts if t.strip()] for texts in shown]
    assert any(any(t.startswith("Dose = 5") for t in texts) for texts in shown)
