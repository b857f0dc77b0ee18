"""ONNX Runtime sessions as the model: torch modules exported to ONNX in the test, called through the interface."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nbshare
from nbshare.runtime.models import detect_model_type

from libraries import require
from waiting import until

ort = require("onnxruntime")
onnx = require("onnx")
torch = require("torch")

CLASSES = ["setosa", "versicolor", "virginica"]


class Tabular(torch.nn.Module):
    """Four features -> probabilities of three classes."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(4, 3)

    def forward(self, features: Any) -> Any:
        return torch.softmax(self.linear(features), dim=-1)


class DoseAndSite(torch.nn.Module):
    """A float dose and an int64 site index (an embedding) -> one number per row."""

    def __init__(self) -> None:
        super().__init__()
        self.site = torch.nn.Embedding(5, 2)
        self.linear = torch.nn.Linear(3, 1)

    def forward(self, dose: Any, site: Any) -> Any:
        return self.linear(torch.cat([dose.unsqueeze(-1), self.site(site)], dim=-1))


def export(module: Any, path: Path, example: tuple[Any, ...], inputs: list[str], output: str) -> Path:
    axes = {name: {0: "batch"} for name in [*inputs, output]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's notice that the TorchScript exporter is the legacy one
        torch.onnx.export(
            module.eval(), example, path, input_names=inputs, output_names=[output], dynamic_axes=axes, dynamo=False
        )
    return path


def with_metadata(path: Path, **props: str) -> Path:
    model = onnx.load(path)
    for key, value in props.items():
        model.metadata_props.add(key=key, value=value)
    onnx.save(model, path)
    return path


def session(path: Path) -> Any:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


@pytest.fixture(scope="module")
def tabular(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any, Path]:
    torch.manual_seed(0)
    module = Tabular()
    path = export(module, tmp_path_factory.mktemp("onnx") / "iris.onnx", (torch.zeros(1, 4),), ["features"], "scores")
    return module, session(path), path


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    torch.manual_seed(1)
    module = Tabular()
    path = export(module, tmp_path_factory.mktemp("onnx") / "named.onnx", (torch.zeros(1, 4),), ["features"], "scores")
    names = '["sepal_length", "sepal_width", "petal_length", "petal_width"]'
    return module, session(with_metadata(path, class_names=",".join(CLASSES), feature_names=names))


@pytest.fixture(scope="module")
def two_inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    torch.manual_seed(2)
    module = DoseAndSite()
    example = (torch.zeros(1), torch.zeros(1, dtype=torch.int64))
    path = export(module, tmp_path_factory.mktemp("onnx") / "dose.onnx", example, ["dose", "site"], "effect")
    return module, session(path)


def torch_answer(module: Any, *tensors: Any) -> Any:
    with torch.no_grad():
        return module(*tensors).numpy()


ROWS = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5], [4.4, 2.9, 1.4, 0.2]]


def test_import_nbshare_imports_neither_onnxruntime_nor_ray() -> None:
    code = "import sys, nbshare; print(sorted(m for m in ('onnxruntime', 'onnx', 'ray') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_four_numbers_form_one_feature_row_and_the_answer_is_the_torch_modules(tabular) -> None:
    module, model, _path = tabular
    assert detect_model_type(model) == "onnx"
    iface = nbshare.Interface(model, ["number"] * 4, nbshare.Label(class_names=CLASSES))
    expected = torch_answer(module, torch.tensor([ROWS[1]]))[0]
    result = iface.predict(*ROWS[1])
    assert result["label"] == CLASSES[int(np.argmax(expected))]
    by_name = {c["label"]: c["confidence"] for c in result["confidences"]}
    np.testing.assert_allclose([by_name[name] for name in CLASSES], expected, rtol=1e-5)


def test_process_runs_the_rows_as_one_batch_with_the_same_answers_as_row_by_row(tabular, tmp_path) -> None:
    module, _model, path = tabular
    options = ort.SessionOptions()
    options.enable_profiling = True  # the profile lists each run of the session
    options.profile_file_prefix = str(tmp_path / "profile")
    profiled = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    iface = nbshare.Interface(profiled, ["number"] * 4, nbshare.Label(class_names=CLASSES))
    table = iface.process(ROWS, progress=False)
    runs = [e for e in json.loads(Path(profiled.end_profiling()).read_text()) if e.get("name") == "model_run"]
    assert len(runs) == 1  # one run of the session for all the rows
    assert table["error"].isna().all()
    one_by_one = [iface.predict(*row) for row in ROWS]
    assert list(table["Output"]) == pytest.approx(one_by_one)
    expected = torch_answer(module, torch.tensor(ROWS))
    assert [row["label"] for row in table["Output"]] == [CLASSES[i] for i in np.argmax(expected, axis=1)]


def test_metadata_names_the_classes_and_the_features_so_the_interface_needs_no_components(labelled) -> None:
    module, model = labelled
    iface = nbshare.Interface(model)
    assert [c.label for c in iface.inputs] == ["Sepal length", "Sepal width", "Petal length", "Petal width"]
    assert [type(c).__name__ for c in iface.inputs] == ["Number"] * 4
    (output,) = iface.outputs
    assert isinstance(output, nbshare.Label) and output.class_names == CLASSES
    expected = torch_answer(module, torch.tensor([ROWS[0]]))[0]
    assert iface.predict(*ROWS[0])["label"] == CLASSES[int(np.argmax(expected))]
    # explicit components still win; the class names come from the metadata only when outputs are not given
    assert nbshare.Interface(model, ["number"] * 4, "json").predict(*ROWS[0]) == pytest.approx(expected.tolist())


def test_explain_by_occlusion_scores_each_feature_by_the_drop_it_causes(labelled) -> None:
    module, model = labelled
    iface = nbshare.Interface(model, examples=ROWS, interpretation="occlusion")
    (features,) = iface.explain(*ROWS[1]).inputs
    assert features.kind == "features"
    names = ["Sepal length", "Sepal width", "Petal length", "Petal width"]
    assert [name for name, _score in features.pieces] == [f"{n} = {v}" for n, v in zip(names, ROWS[1], strict=True)]
    original = torch_answer(module, torch.tensor([ROWS[1]]))[0]
    target = int(np.argmax(original))
    hidden = []  # each feature replaced by its median over the examples, as occlusion hides a number
    for index in range(4):
        row = list(ROWS[1])
        row[index] = float(np.median([example[index] for example in ROWS]))
        hidden.append(row)
    drops = original[target] - torch_answer(module, torch.tensor(hidden))[:, target]
    assert [score for _name, score in features.pieces] == pytest.approx(drops.tolist(), abs=1e-5)


def test_the_notebook_view_shows_the_answer(labelled) -> None:
    module, model = labelled
    view = nbshare.Interface(model).view()
    for field, value in zip(view.inputs, ROWS[2], strict=True):
        field.value = value
    view.submit().result(30)
    until(lambda: view.status.state == "done")
    expected = torch_answer(module, torch.tensor([ROWS[2]]))[0]
    assert view.outputs[0].value["label"] == CLASSES[int(np.argmax(expected))]


def test_a_float_and_an_int64_input_each_get_their_declared_type(two_inputs) -> None:
    module, model = two_inputs
    assert [(arg.name, arg.type) for arg in model.get_inputs()] == [
        ("dose", "tensor(float)"),
        ("site", "tensor(int64)"),
    ]
    iface = nbshare.Interface(model)  # one value per row each: a Number, and a whole Number for the index
    assert [c.label for c in iface.inputs] == ["Dose", "Site"]
    assert [c.precision for c in iface.inputs] == [None, 0]
    assert isinstance(iface.outputs[0], nbshare.Number)
    expected = torch_answer(module, torch.tensor([0.5, 1.5]), torch.tensor([3, 1]))
    assert iface.predict(0.5, 3) == pytest.approx(float(expected[0][0]), rel=1e-5)
    table = iface.process([[0.5, 3], [1.5, 1]], progress=False)
    assert list(table["Output"]) == pytest.approx(expected[:, 0].tolist(), rel=1e-5)


def test_a_value_of_the_wrong_type_says_what_the_input_takes(two_inputs) -> None:
    _module, model = two_inputs
    iface = nbshare.Interface(model, ["number", "number"], "number")
    whole = r"input 'site' of the ONNX model takes whole numbers \(tensor\(int64\)\), got 2\.5"
    with pytest.raises(ValueError, match=whole):
        iface.predict(0.5, 2.5)
    text = nbshare.Interface(model, ["text", "number"], "number")
    numbers = r"input 'dose' of the ONNX model takes numbers \(tensor\(float\)\), got 'a lot'"
    with pytest.raises(ValueError, match=numbers):
        text.predict("a lot", 1)


def test_a_row_of_the_wrong_shape_says_what_the_input_expects(tabular) -> None:
    _module, model, _path = tabular
    iface = nbshare.Interface(model, ["number"] * 3, nbshare.Label(class_names=CLASSES))
    message = (
        r"input 'features' of the ONNX model expects shape \(batch, 4\) \(4 value\(s\) per row\), "
        r"got a row of shape \(3,\) \(3 value\(s\)\)"
    )
    with pytest.raises(ValueError, match=message):
        iface.predict(1.0, 2.0, 3.0)
    table = iface.process([[1.0, 2.0, 3.0]], progress=False)
    assert "expects shape (batch, 4)" in table["error"][0]


def test_an_interface_that_does_not_fit_the_models_inputs_is_refused(two_inputs, tabular) -> None:
    _module, model = two_inputs
    declared = r"the ONNX model takes 2 input\(s\): dose \(tensor\(float\), shape \(batch,\)\), site"
    with pytest.raises(ValueError, match=declared):
        nbshare.Interface(model, ["number"] * 3, "number")
    _module, image_like, _path = tabular
    with pytest.raises(ValueError, match="Interface needs inputs and outputs for a onnx model"):
        nbshare.Interface(image_like)
    with pytest.raises(ValueError, match=r"the ONNX model gives 1 output\(s\) \(scores\) but the interface has 2"):
        nbshare.Interface(image_like, ["number"] * 4, ["label", "json"])
