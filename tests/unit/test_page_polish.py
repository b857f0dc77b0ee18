"""The expert's page, Python side: an explanation marked out of date when the input or the answer moves on, examples
with captions, outputs labelled by what the function returns."""

from __future__ import annotations

import threading
import typing

import numpy as np
import pytest

import nbshare

from waiting import until

REGION = (slice(16, 32), slice(40, 56))


def _scan(seed: int = 0) -> np.ndarray:
    pixels = np.random.default_rng(seed).integers(0, 120, (64, 64, 3), dtype=np.uint8)
    pixels[REGION] = 250
    return pixels


def _bright(images: list[np.ndarray]) -> list[dict[str, float]]:
    return [{"bright": float(np.asarray(i)[REGION].mean()) / 255, "dark": 0.5} for i in images]


def _answer(view: typing.Any) -> None:
    """Submit and wait until the view shows the answer (its own callback on the request runs before this one)."""
    shown = threading.Event()
    view.submit().add_done_callback(lambda _future: shown.set())
    assert shown.wait(10)


def _explained_view(**options: typing.Any) -> typing.Any:
    iface = nbshare.Interface(_bright, nbshare.Image(label="Scan"), "label", batch=True, version="v1",
                              interpretation=nbshare.Occlusion(patch=16, stride=16), **options)  # fmt: skip
    view = iface.view()
    view.inputs[0].value = _scan()
    _answer(view)
    view.explainer.explain().result(10)
    return iface, view


def _paint(image: typing.Any) -> None:
    stroke = {"op": "paint", "points": [[44.0, 20.0], [50.0, 24.0]], "width": 6.0, "color": "#000000"}
    image._receive_edit({"edit": stroke}, [])


# -- the explanation follows the state ---------------------------------------------------------------------------


def test_painting_marks_the_map_out_of_date_and_explaining_again_makes_it_current() -> None:
    _iface, view = _explained_view()
    image, control = view.inputs[0], view.explainer.control
    assert image.overlay_png and not image.explanation_stale and not control.stale
    assert view.explainer.current() is view.explainer.latest

    _paint(image)  # the expert occludes where the map points
    assert image.edit_count == 1
    assert image.overlay_png, "the map stays, so the expert can keep painting where it pointed"
    assert image.explanation_stale and control.stale  # ... but the page dims it under "out of date"
    assert view.explainer.current() is None  # a flag sent now does not claim it explains the painted image

    image._receive_edit({"edit": {"op": "undo"}}, [])
    assert image.explanation_stale  # the log moved on: Explain again to be sure

    view.explainer.explain().result(10)
    assert not image.explanation_stale and not control.stale and control.state == "done"
    assert view.explainer.current() is view.explainer.latest


def test_a_crop_flip_or_new_image_removes_the_map() -> None:
    _iface, view = _explained_view()
    image = view.inputs[0]
    image._receive_edit({"edit": {"op": "flip", "axis": "horizontal"}}, [])
    assert image.overlay_png == b"" and not image.explanation_stale  # gone: it would be misplaced
    assert view.explainer.control.stale  # the control still says the explanation it shows is out of date

    view.explainer.explain().result(10)
    image.value = _scan(seed=1)
    assert image.overlay_png == b""


def test_an_answer_from_another_model_version_outdates_the_map() -> None:
    iface, view = _explained_view()
    image = view.inputs[0]
    _answer(view)  # the same model on the same image: the map still explains this answer
    assert view.status.state == "done" and not image.explanation_stale and view.explainer.current() is not None

    iface.swap(lambda images: [{"bright": 0.1, "dark": 0.9} for _ in images], version="v2")
    _answer(view)
    assert view.answered_version == "v2"
    assert image.overlay_png and image.explanation_stale and view.explainer.control.stale
    assert view.explainer.current() is None


def test_an_explanation_that_finishes_after_the_image_was_painted_arrives_out_of_date() -> None:
    entered, release = threading.Event(), threading.Event()

    def held(images: list[np.ndarray]) -> list[dict[str, float]]:
        if len(images) > 1:  # the explanation's variants; a plain answer is one image
            entered.set()
            release.wait(10)
        return _bright(images)

    iface = nbshare.Interface(held, nbshare.Image(label="Scan"), "label", batch=True, max_batch_size=64,
                              interpretation=nbshare.Occlusion(patch=16, stride=16))  # fmt: skip
    view = iface.view()
    view.inputs[0].value = _scan()
    shown = view.explainer.explain()
    assert entered.wait(10)
    _paint(view.inputs[0])
    release.set()
    shown.result(10)
    image = view.inputs[0]
    assert image.overlay_png and image.explanation_stale and view.explainer.control.stale


def test_clear_forgets_the_explanation() -> None:
    _iface, view = _explained_view()
    view.clear()
    image, control = view.inputs[0], view.explainer.control
    assert image.overlay_png == b"" and not image.explanation_stale
    assert not control.stale and control.state == "idle" and control.summary == ""
    assert view.explainer.latest is None


def test_word_panels_hide_once_the_text_changes() -> None:
    iface = nbshare.Interface(lambda text: {"good": 0.9 if "good" in text else 0.1}, "text", "label",
                              interpretation="occlusion")  # fmt: skip
    view = iface.view()
    view.inputs[0].value = "good film"
    view.explainer.explain().result(10)
    panel = view.explainer.panels["Text"]
    assert panel.layout.display is None and not view.explainer.control.stale
    view.inputs[0].value = "bad film"
    assert panel.layout.display == "none" and view.explainer.control.stale


# -- examples with captions --------------------------------------------------------------------------------------


def test_examples_carry_captions_to_the_page() -> None:
    with_device, without = _scan(0), _scan(1)
    iface = nbshare.Interface(
        _bright,
        nbshare.Image(label="Scan"),
        "label",
        batch=True,
        examples=[nbshare.Example(with_device, label="with device"), without],
    )
    assert len(iface.examples) == 2 and iface.examples[0][0] is with_device  # rows of values, as before
    view = iface.view()
    assert view.examples.captions == ["with device", ""]
    assert [type(cell) for cell in view.examples.rows[0]] == [bytes]  # the thumbnail
    view.load_example(0)
    until(lambda: view.status.state == "done" and view.outputs[0].value is not None)
    assert view.outputs[0].value["label"] == "bright"


def test_an_example_with_several_inputs_and_its_checks() -> None:
    def dose(age: float, weight: float) -> float:
        return age * weight

    iface = nbshare.Interface(dose, ["number", "number"], "number",
                              examples=[nbshare.Example(40, 70, label="adult"), [8, 25]])  # fmt: skip
    assert iface.examples == [[40, 70], [8, 25]]
    assert iface.view().examples.captions == ["adult", ""]
    with pytest.raises(ValueError, match="example 1 has 1 value"):
        nbshare.Interface(dose, ["number", "number"], "number", examples=[nbshare.Example(40, label="one value")])
    with pytest.raises(TypeError, match="needs the input values"):
        nbshare.Example(label="nothing")
    with pytest.raises(TypeError, match="must be a string"):
        nbshare.Example(40, 70, label=3)
    with pytest.raises(ValueError, match="under 200"):
        nbshare.Example(40, 70, label="x" * 500)


# -- output labels say what they are -----------------------------------------------------------------------------


class Diagnosis(dict):
    """What a classifier returns, named by the researcher."""


class BloodPressure(float):
    pass


Severity = typing.NewType("Severity", float)


def test_an_annotated_return_names_the_output() -> None:
    def diagnose(text: str) -> Diagnosis:
        return Diagnosis(ok=1.0)

    iface = nbshare.Interface(diagnose, "text", "label")
    assert [c.label for c in iface.outputs] == ["Diagnosis"]
    assert list(iface.process(["a"]).columns) == ["Text", "Diagnosis", "error"]


def test_a_tuple_or_a_batch_list_names_each_output() -> None:
    def both(text: str) -> tuple[Diagnosis, BloodPressure]:
        return Diagnosis(ok=1.0), BloodPressure(120.0)

    def rows(texts: list[str]) -> list[Severity]:
        return [Severity(0.5) for _ in texts]

    assert [c.label for c in nbshare.Interface(both, "text", ["label", "number"]).outputs] == [
        "Diagnosis",
        "Blood pressure",
    ]
    assert [c.label for c in nbshare.Interface(rows, "text", "number", batch=True).outputs] == ["Severity"]


def test_a_quoted_annotation_names_the_output_even_when_it_does_not_resolve() -> None:
    def forward(text: str) -> ECGReading:  # noqa: F821 (a name defined elsewhere: the annotation stays a string)
        return {}

    assert [c.label for c in nbshare.Interface(forward, "text", "json").outputs] == ["ECG reading"]


def test_generic_types_and_explicit_labels() -> None:
    def plain(text: str) -> dict[str, float]:
        return {"a": 1.0}

    def array(text: str) -> np.ndarray:
        return np.zeros(3)

    def two(text: str) -> tuple[str, int]:
        return text, 1

    def unannotated(text):
        return text

    assert nbshare.Interface(plain, "text", "label").outputs[0].label == "Output"
    assert nbshare.Interface(array, "text", "json").outputs[0].label == "Output"
    assert [c.label for c in nbshare.Interface(two, "text", ["text", "number"]).outputs] == ["Output 1", "Output 2"]
    assert nbshare.Interface(unannotated, "text", "text").outputs[0].label == "Output"

    def diagnose(text: str) -> Diagnosis:
        return Diagnosis()

    assert nbshare.Interface(diagnose, "text", nbshare.Label(label="Finding")).outputs[0].label == "Finding"
