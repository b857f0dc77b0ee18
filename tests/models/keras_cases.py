"""Keras 3 models through nbshare on the backend named by KERAS_BACKEND, run by test_keras.py in a fresh process
(a backend is fixed when Keras is first imported). Each case asserts; the script prints one line per case passed."""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile

import numpy as np

import nbshare
from nbshare.runtime.models import detect_model_type


def numpy_of(tensor):
    import keras

    return keras.ops.convert_to_numpy(tensor)


def assert_same_label(got, expected):
    assert got["label"] == expected["label"], (got, expected)
    scores = {c["label"]: c["confidence"] for c in got["confidences"]}
    for c in expected["confidences"]:
        np.testing.assert_allclose(scores[c["label"]], c["confidence"], rtol=1e-5)


def classifier():
    import keras

    keras.utils.set_random_seed(0)
    features = keras.Input(shape=(4,), name="features")
    hidden = keras.layers.Dense(8, activation="relu")(features)
    return keras.Model(features, keras.layers.Dense(3, activation="softmax")(hidden))


def case_detected_as_keras_and_predicts_without_a_progress_bar() -> None:
    model = classifier()
    assert detect_model_type(model) == "keras", detect_model_type(model)
    iface = nbshare.Interface(model, ["number"] * 4, nbshare.Label(class_names=["a", "b", "c"]))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        answer = iface.predict(1, 2, 3, 4)
    assert printed.getvalue() == "", printed.getvalue()  # no "1/1 ━━━━ 0s" per call
    expected = numpy_of(model(np.array([[1, 2, 3, 4]], dtype="float32")))[0]
    got = {c["label"]: c["confidence"] for c in answer["confidences"]}
    np.testing.assert_allclose([got["a"], got["b"], got["c"]], expected, rtol=1e-5)


def case_batches_are_stacked_into_one_call() -> None:
    model = classifier()
    calls = []
    original = model.predict_on_batch

    def counted(batch):
        calls.append(np.shape(batch))
        return original(batch)

    model.predict_on_batch = counted
    iface = nbshare.Interface(model, ["number"] * 4, "label")
    rows = [[float(i), 1.0, 2.0, float(-i)] for i in range(10)]
    table = iface.process(rows, progress=False)
    assert calls == [(10, 4)], calls
    for row, answer in zip(rows, table["Output"], strict=True):
        assert_same_label(answer, iface.predict(*row))  # equal up to the last bits of a batched matrix product


def case_several_inputs_and_outputs() -> None:
    import keras

    keras.utils.set_random_seed(1)
    age, dose = keras.Input(shape=(1,), name="age"), keras.Input(shape=(1,), name="dose")
    joined = keras.layers.Concatenate()([age, dose])
    risk = keras.layers.Dense(2, activation="softmax", name="risk")(joined)
    days = keras.layers.Dense(1, name="days")(joined)
    model = keras.Model([age, dose], [risk, days])
    iface = nbshare.Interface(model, ["number", "number"], [nbshare.Label(class_names=["low", "high"]), "number"])
    assert [c.label for c in iface.inputs] == ["Age", "Dose"]
    label, number = iface.predict(60.0, 2.5)
    expected_risk, expected_days = (numpy_of(t) for t in model([np.array([[60.0]]), np.array([[2.5]])]))
    assert number == float(expected_days[0, 0])
    assert {c["label"]: c["confidence"] for c in label["confidences"]}["high"] == float(expected_risk[0, 1])
    table = iface.process([[60.0, 2.5], [30.0, 1.0], [45.0, 0.0]], progress=False)
    expected_days = [iface.predict(*row)[1] for row in ([60.0, 2.5], [30.0, 1.0], [45.0, 0.0])]
    np.testing.assert_allclose(list(table["Output 2"]), expected_days, rtol=1e-5)
    try:
        nbshare.Interface(model, ["number"], "number")
    except ValueError as error:
        assert "the Keras model has 2 inputs (age, dose) but the interface has 1" in str(error), error
    else:
        raise AssertionError("a missing input was accepted")


def image_model():
    import keras

    keras.utils.set_random_seed(2)
    image = keras.Input(shape=(16, 16, 3))
    scaled = keras.layers.Rescaling(1 / 255)(image)
    pooled = keras.layers.GlobalAveragePooling2D()(keras.layers.Conv2D(4, 3, activation="relu")(scaled))
    return keras.Model(image, keras.layers.Dense(2, activation="softmax")(pooled))


def case_image_model_explained_by_occlusion_and_run_from_a_notebook_view() -> None:
    model = image_model()
    iface = nbshare.Interface(
        model, nbshare.Image(), nbshare.Label(class_names=["dark", "bright"]), interpretation="occlusion"
    )
    picture = np.zeros((16, 16, 3), dtype=np.uint8)
    picture[:, 8:] = 255
    answer = iface.predict(picture)
    expected = numpy_of(model(picture[None].astype("float32")))[0]
    assert answer["label"] == ["dark", "bright"][int(expected.argmax())]
    explanation = iface.explain(picture)
    (image,) = explanation.inputs
    assert image.map is not None and image.map.shape[:2] == (16, 16) and np.isfinite(image.map).all()
    assert float(np.abs(image.map).max()) > 0

    view = iface.view()
    view.inputs[0].value = picture
    outputs, _seconds, _version = view.submit().result(120)
    assert outputs[0]["label"] == answer["label"], outputs
    assert view.outputs[0].value["label"] == answer["label"]


def case_keras_style_object_and_tf_keras_functions() -> None:
    if os.environ["KERAS_BACKEND"] != "tensorflow":
        return
    import tensorflow as tf

    class Scorer(tf.Module):
        def __init__(self):
            super().__init__()
            self.weights = tf.Variable([[1.0, -1.0], [0.5, 0.5], [0.0, 2.0]])

        @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
        def __call__(self, x):
            return tf.nn.softmax(x @ self.weights)

    folder = tempfile.mkdtemp()
    tf.saved_model.save(Scorer(), folder)
    loaded = tf.saved_model.load(folder)
    assert detect_model_type(loaded) == "tensorflow", detect_model_type(loaded)
    iface = nbshare.Interface(loaded, ["number"] * 3, nbshare.Label(class_names=["no", "yes"]))
    answer = iface.predict(1, 2, 3)  # Python ints: sent as the declared float32
    expected = loaded(tf.constant([[1.0, 2.0, 3.0]])).numpy()[0]
    assert {c["label"]: c["confidence"] for c in answer["confidences"]}["yes"] == float(expected[1])
    table = iface.process([[1, 2, 3], [0, 0, 1]], progress=False)
    assert_same_label(table.loc[1, "Output"], iface.predict(0, 0, 1))

    serving = tf.saved_model.load(folder).signatures["serving_default"]  # a signature: inputs by name
    by_signature = nbshare.Interface(serving, ["number"] * 3, nbshare.Label(class_names=["no", "yes"]))
    assert by_signature.predict(1, 2, 3) == answer


CASES = [(name, case) for name, case in sorted(globals().items()) if name.startswith("case_")]

if __name__ == "__main__":
    wanted = sys.argv[1:]
    for name, case in CASES:
        if not wanted or name in wanted:
            case()
            print("passed", name, flush=True)
