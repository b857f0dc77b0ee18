"""iface.validate(): every example through the function, with what each component expected and got."""

from __future__ import annotations

import numpy as np
import pytest

import nbshare


def test_a_good_interface_reports_every_component_of_every_example() -> None:
    def classify(image, threshold):
        return {"bright": float(image.mean() > threshold), "dark": float(image.mean() <= threshold)}, image.mean()

    examples = [[np.zeros((4, 5, 3), np.uint8), 10], [np.full((2, 2, 3), 200, np.uint8), 100]]
    iface = nbshare.Interface(classify, ["image", "number"], ["label", "number"], examples=examples)
    report = iface.validate()
    assert report.ok and len(report.checks) == 2 * 4
    first = report.checks[0]
    assert (first.row, first.role, first.component) == ("example 1", "input", "Image")
    assert first.got == "ndarray uint8 (4, 5, 3)"
    assert report.checks[2].expected.startswith("a dict {class: confidence}")
    assert report.checks[2].got.startswith("dict of 2: {'bright': 0.0")
    assert "<td>example 2</td>" in report._repr_html_()
    assert list(report.dataframe().columns) == ["row", "role", "component", "expected", "got", "problem"]


def test_an_output_of_the_wrong_kind_is_named_with_what_it_needed() -> None:
    def classify(text):
        return ("positive", 0.9) if text != "odd" else {"positive": 1.0}

    iface = nbshare.Interface(classify, "text", nbshare.Label(label="Sentiment"), examples=["odd", "fine"])
    with pytest.raises(nbshare.ValidationError) as raised:
        iface.validate()
    report = raised.value.report
    (problem,) = report.problems
    assert (problem.row, problem.role, problem.component) == ("example 2", "output", "Sentiment")
    assert problem.expected == "a dict {class: confidence}, a list of confidences or one class"
    assert problem.got == "tuple of 2: ('positive', 0.9)"
    assert "confidence of '0' must be a number, got 'positive'" in problem.problem
    assert "[PROBLEM] example 2, output 'Sentiment'" in str(raised.value)


def test_a_wrong_number_of_outputs_and_generated_inputs() -> None:
    iface = nbshare.Interface(lambda text: text.upper(), "text", ["text", "label"])
    with pytest.raises(nbshare.ValidationError, match="expected a tuple of 2 values"):
        iface.validate()
    report = nbshare.Interface(lambda text: text.upper(), "text", "text").validate()
    assert [c.row for c in report.checks] == ["generated inputs"] * 2
    assert report.checks[1].got == "str 'HELLO WORLD'"
