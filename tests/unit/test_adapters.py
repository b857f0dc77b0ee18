"""Tier 1: model adapters, with real scikit-learn and torch models built here."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

import nbshare
from nbshare.runtime.models import detect_model_type
from nbshare.runtime.models.torch_module import TorchModule


@pytest.fixture(scope="module")
def iris():
    from sklearn.datasets import load_iris

    return load_iris(as_frame=True)


def test_import_nbshare_imports_no_heavy_library():
    heavy = "('pandas', 'torch', 'sklearn', 'tensorflow', 'keras', 'jax', 'transformers', 'onnxruntime', 'ray')"
    code = f"import sys, nbshare; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_sklearn_classifier_gives_class_confidences(iris):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(max_iter=500).fit(iris.data.values, iris.target_names[iris.target])
    assert detect_model_type(model) == "sklearn"
    iface = nbshare.Interface(model, ["number"] * 4, "label")
    result = iface.predict(6.7, 3.0, 5.2, 2.3)
    assert result["label"] == "virginica"
    assert {c["label"] for c in result["confidences"]} == {"setosa", "versicolor", "virginica"}
    assert sum(c["confidence"] for c in result["confidences"]) == pytest.approx(1.0)


def test_sklearn_feature_names_become_labels_and_feature_count_is_checked(iris):
    from sklearn.tree import DecisionTreeClassifier

    model = DecisionTreeClassifier().fit(iris.data, iris.target)
    iface = nbshare.Interface(model, ["number"] * 4, "label")
    assert [c.label for c in iface.inputs][:2] == ["Sepal length (cm)", "Sepal width (cm)"]
    with pytest.raises(ValueError, match="fitted on 4 features but the interface has 3 inputs"):
        nbshare.Interface(model, ["number"] * 3, "label")


def test_sklearn_regressor_and_text_pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.pipeline import make_pipeline

    regressor = LinearRegression().fit([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
    assert nbshare.Interface(regressor, "number", "number").predict(3) == pytest.approx(7.0)

    texts = ["great film", "loved it", "awful film", "hated it"]
    pipeline = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(texts, ["pos", "pos", "neg", "neg"])
    assert nbshare.Interface(pipeline, "text", "label").predict("loved it")["label"] == "pos"


def test_torch_module_eval_no_grad_batch_dims():
    torch = pytest.importorskip("torch")

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(3, 2)
            self.dropout = torch.nn.Dropout(0.9)
            self.seen = None

        def forward(self, x):
            self.seen = (tuple(x.shape), torch.is_grad_enabled(), self.training)
            return torch.softmax(self.dropout(self.linear(x)), dim=-1)

    torch.manual_seed(0)
    net = Net()
    net.train()
    assert detect_model_type(net) == "torch"
    run = TorchModule(net).call
    first = run(np.array([1.0, 2.0, 3.0]))
    assert net.seen == ((1, 3), False, False)  # batch dim added, no grad, eval mode (dropout off)
    assert isinstance(first, np.ndarray) and first.shape == (2,)
    np.testing.assert_allclose(run(np.array([1.0, 2.0, 3.0])), first)  # deterministic in eval mode


def test_torch_module_through_interface_with_number_inputs():
    torch = pytest.importorskip("torch")

    class Add(torch.nn.Module):
        def forward(self, a, b):
            return a + b

    assert nbshare.Interface(Add(), ["number", "number"], "number").predict(2, 3) == 5.0


def test_keras_style_object_with_predict():
    class KerasLike:
        def predict(self, batch, verbose=1):
            assert verbose == 0
            return np.asarray(batch) * 2

    assert detect_model_type(KerasLike()) == "keras"
    assert nbshare.Interface(KerasLike(), "number", "number").predict(4) == 8.0


def test_model_type_override_and_errors():
    class Both:
        def __call__(self, x):
            return "called"

        def predict(self, batch):
            return ["predicted"]

    assert nbshare.Interface(Both(), "text", "text").predict("x") == "called"
    assert nbshare.Interface(Both(), "text", "text", model_type="keras").predict("x") == "predicted"
    with pytest.raises(ValueError, match=r"model_type must be one of .*keras.*sklearn, pyfunc, got 'nonsense'"):
        nbshare.Interface(Both(), "text", "text", model_type="nonsense")
    with pytest.raises(TypeError, match=r"needs a function or a model \(.*\), got int; wrap it in a function"):
        nbshare.Interface(3, "text", "text")


def test_sklearn_fitted_on_a_dataframe_gets_its_columns_and_warns_nothing(iris, recwarn):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(max_iter=500).fit(iris.data, iris.target_names[iris.target])
    iface = nbshare.Interface(model, ["number"] * 4, "label")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "X does not have valid feature names" would fail here
        answer = iface.predict(6.7, 3.0, 5.2, 2.3)
        table = iface.process([[6.7, 3.0, 5.2, 2.3], [5.1, 3.5, 1.4, 0.2]])
    assert answer["label"] == "virginica"
    assert list(table["Output"].map(lambda label: label["label"])) == ["virginica", "setosa"]
    expected = model.predict_proba(iris.data.iloc[[0]])[0]
    got = {c["label"]: c["confidence"] for c in iface.predict(*iris.data.iloc[0])["confidences"]}
    assert [got[name] for name in model.classes_] == pytest.approx(list(expected))


def test_sklearn_column_transformer_pipeline_from_named_inputs():
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    frame = pd.DataFrame(
        {
            "age": [25, 62, 47, 71, 33, 58],
            "sex": ["f", "m", "f", "m", "m", "f"],
            "ward": ["icu", "cardio", "icu", "cardio", "general", "cardio"],
        }
    )
    outcome = ["home", "stay", "home", "stay", "home", "stay"]
    columns = ColumnTransformer([("num", StandardScaler(), ["age"]), ("cat", OneHotEncoder(), ["sex", "ward"])])
    model = make_pipeline(columns, LogisticRegression()).fit(frame, outcome)
    iface = nbshare.Interface(model, ["number", nbshare.Radio(["f", "m"]), "text"], "label")
    assert [c.label for c in iface.inputs] == ["Age", "Sex", "Ward"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        answer = iface.predict(70, "m", "cardio")
        table = iface.process([[70, "m", "cardio"], [30, "f", "icu"]])
    expected = model.predict_proba(pd.DataFrame({"age": [70], "sex": ["m"], "ward": ["cardio"]}))[0]
    assert answer["label"] == model.classes_[expected.argmax()]
    assert table.loc[0, "Output"] == answer


def test_torch_logits_shown_as_probabilities_with_label_softmax():
    torch = pytest.importorskip("torch")

    class Logits(torch.nn.Module):  # the last layer has no softmax
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(3, 3)

        def forward(self, heart_rate, width, age):
            return self.linear(torch.stack([heart_rate, width, age], dim=-1))

    torch.manual_seed(0)
    net = Logits()
    label = nbshare.Label(class_names=["normal", "pacemaker", "other"], softmax=True)
    iface = nbshare.Interface(net, ["number"] * 3, label)
    answer = iface.predict(1.0, -2.0, 0.5)
    with torch.no_grad():
        expected = torch.softmax(net(*torch.tensor([[1.0], [-2.0], [0.5]])), dim=-1)[0].tolist()
    got = {c["label"]: c["confidence"] for c in answer["confidences"]}
    assert [got[name] for name in ("normal", "pacemaker", "other")] == pytest.approx(expected, rel=1e-5)
    assert sum(got.values()) == pytest.approx(1.0)
    huge = nbshare.Label(softmax=True).postprocess([1000.0, 0.0])  # shifted before exp: no overflow
    assert huge["confidences"][0]["confidence"] == pytest.approx(1.0)
    with pytest.raises(TypeError, match="finite logits"):
        nbshare.Label(softmax=True).postprocess([float("nan"), 0.0])
