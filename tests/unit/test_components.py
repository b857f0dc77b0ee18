"""Tier 1: each component's pure contract and its trait validation, no browser."""

from __future__ import annotations

import numpy as np
import pytest
import traitlets

import nbshare
from nbshare.widgets import InputError, resolve


class TestTextbox:
    def test_passes_text_and_empties_none(self):
        box = nbshare.Textbox(label="Note")
        assert box.preprocess("héllo") == "héllo"
        assert box.preprocess(None) == ""

    def test_refuses_text_over_the_limit_with_a_fix(self):
        box = nbshare.Textbox(max_length=5, label="Note")
        with pytest.raises(InputError, match=r"Note is 6 characters long; the limit is 5 .*max_length"):
            box.preprocess("abcdef")

    def test_refuses_non_text(self):
        with pytest.raises(InputError, match="expects text, got int"):
            nbshare.Textbox().preprocess(3)

    def test_postprocess_turns_anything_into_text(self):
        assert nbshare.Text().postprocess(3.5) == "3.5"
        assert nbshare.Text().postprocess(None) == ""

    def test_bad_options(self):
        with pytest.raises(traitlets.TraitError, match="lines must be 1 or more"):
            nbshare.Textbox(lines=0)


class TestNumber:
    def test_converts_wire_values(self):
        number = nbshare.Number(label="Dose")
        assert number.preprocess(2.5) == 2.5
        assert number.preprocess("3") == 3.0

    def test_precision_zero_gives_int(self):
        assert nbshare.Number(precision=0).preprocess(2.6) == 3
        assert isinstance(nbshare.Number(precision=0).preprocess(2.6), int)
        assert nbshare.Number(precision=2).postprocess(np.float32(1.23456)) == 1.23

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            (None, "Dose is empty: enter a number"),
            ("abc", "Dose must be a number, got 'abc'"),
            (float("nan"), "Dose must be a finite number"),
            (11, "Dose must be at most 10, got 11"),
            (-1, "Dose must be at least 0, got -1"),
            (True, "Dose must be a number, got bool"),
        ],
    )
    def test_refuses_bad_values_clearly(self, value, message):
        with pytest.raises(InputError, match=message):
            nbshare.Number(label="Dose", minimum=0, maximum=10).preprocess(value)

    def test_bounds_must_be_ordered(self):
        with pytest.raises(traitlets.TraitError, match=r"minimum \(5.0\) must not be above maximum \(1.0\)"):
            nbshare.Number(minimum=5, maximum=1)

    def test_output_needs_a_number(self):
        with pytest.raises(TypeError, match="needs a number"):
            nbshare.Number().postprocess("many")
        assert nbshare.Number().postprocess(np.array([4.0])) == 4.0


class TestSlider:
    def test_defaults_and_start_value(self):
        slider = nbshare.Slider(minimum=10, maximum=20)
        assert slider.value == 10
        assert slider.preprocess(15) == 15
        assert slider.empty_value() == 10

    def test_minimum_must_be_below_maximum(self):
        with pytest.raises(traitlets.TraitError, match="Slider needs minimum below maximum, got minimum=5, maximum=1"):
            nbshare.Slider(minimum=5, maximum=1)

    def test_bounds_set_together_are_checked_together(self):
        slider = nbshare.Slider(minimum=150, maximum=200)
        assert (slider.minimum, slider.maximum, slider.value) == (150, 200, 150)

    def test_step_must_be_positive(self):
        with pytest.raises(traitlets.TraitError, match="step must be above 0"):
            nbshare.Slider(step=0)

    def test_out_of_range_value_is_refused(self):
        with pytest.raises(InputError, match="at most 100"):
            nbshare.Slider().preprocess(101)


class TestCheckbox:
    def test_bools(self):
        box = nbshare.Checkbox()
        assert box.preprocess(True) is True
        assert box.postprocess(0) is False
        with pytest.raises(InputError, match="needs True or False"):
            box.preprocess("yes")


class TestChoices:
    def test_labels_and_values(self):
        dropdown = nbshare.Dropdown([("Small", 1), ("Large", 10)], label="Size")
        assert dropdown.choices == ["Small", "Large"]
        assert dropdown.preprocess("Large") == 10
        assert dropdown.postprocess(10) == "Large"

    def test_index_type(self):
        assert nbshare.Radio(["a", "b", "c"], type="index").preprocess("c") == 2

    def test_refuses_unknown_choice_and_empty(self):
        dropdown = nbshare.Dropdown(["a", "b"], label="Letter")
        with pytest.raises(InputError, match="'z' is not one of the choices: a, b"):
            dropdown.preprocess("z")
        with pytest.raises(InputError, match="Letter is empty: pick one of a, b"):
            dropdown.preprocess(None)

    def test_needs_choices(self):
        with pytest.raises(TypeError, match=r"Dropdown needs choices, e.g. nbshare.Dropdown\(\['a', 'b'\]\)"):
            nbshare.Dropdown()
        with pytest.raises(traitlets.TraitError, match="non-empty list"):
            nbshare.Radio([])
        with pytest.raises(traitlets.TraitError, match="distinct labels"):
            nbshare.Radio(["a", "a"])

    def test_value_must_be_a_choice(self):
        with pytest.raises(traitlets.TraitError, match="'c' is not one of the choices"):
            nbshare.Dropdown(["a", "b"], value="c")

    def test_clone_keeps_values(self):
        clone = nbshare.Dropdown([("Small", 1), ("Large", 10)]).clone()
        assert clone.preprocess("Small") == 1


class TestLabel:
    def test_dict_sorted_and_cut_to_top_k(self):
        label = nbshare.Label(num_top_classes=2)
        wire = label.postprocess({"cat": 0.2, "dog": 0.7, "fox": 0.1})
        assert wire == {
            "label": "dog",
            "confidences": [{"label": "dog", "confidence": 0.7}, {"label": "cat", "confidence": 0.2}],
        }

    def test_array_with_class_names_and_batch_of_one(self):
        label = nbshare.Label(class_names=["no", "yes"])
        assert label.postprocess(np.array([[0.3, 0.7]]))["label"] == "yes"
        assert label.postprocess([0.9, 0.1])["confidences"][0] == {"label": "no", "confidence": 0.9}

    def test_array_without_names_uses_indices(self):
        assert nbshare.Label().postprocess(np.array([0.1, 0.9]))["label"] == "1"

    def test_single_class(self):
        assert nbshare.Label().postprocess("pacemaker") == {"label": "pacemaker", "confidences": []}
        assert nbshare.Label().postprocess(np.int64(3)) == {"label": "3", "confidences": []}

    def test_mismatched_names_and_bad_results(self):
        with pytest.raises(TypeError, match="returned 3 confidences but Label has 2 class_names"):
            nbshare.Label(class_names=["a", "b"]).postprocess([0.1, 0.2, 0.7])
        with pytest.raises(TypeError, match="confidence of 'a' must be a number"):
            nbshare.Label().postprocess({"a": "high"})
        with pytest.raises(TypeError, match="needs a dict"):
            nbshare.Label().postprocess(object())


class TestJSONAndRichText:
    def test_json_converts_numpy_tuples_and_sets(self):
        result = nbshare.JSON().postprocess({"a": np.arange(3), "b": (1, 2), "c": {2, 1}, "d": np.float64(0.5)})
        assert result == {"a": [0, 1, 2], "b": [1, 2], "c": [1, 2], "d": 0.5}

    def test_json_refuses_objects(self):
        with pytest.raises(TypeError, match="cannot show a object"):
            nbshare.JSON().postprocess(object())

    def test_markdown_escapes_html(self):
        markdown = nbshare.Markdown(value="**hi** <img src=x onerror=alert(1)> [x](javascript:alert(1))")
        assert "<strong>hi</strong>" in markdown.html
        assert "<img" not in markdown.html
        assert "javascript:" not in markdown.html.split("&lt;img")[0]
        assert 'href="javascript' not in markdown.html

    def test_html_is_sanitized(self):
        html = nbshare.HTML(value='<b onclick="x()">bold</b><script>alert(1)</script><a href="javascript:x">l</a>')
        assert html.html.startswith("<b>bold</b>")
        assert "script" not in html.html
        assert "onclick" not in html.html
        assert "javascript" not in html.html

    def test_header_title_is_inline_markdown_with_html_escaped(self):
        from nbshare.ui.header import Header

        header = Header(title="**Sentiment** <img src=x onerror=alert(1)>", description="# not a title")
        assert header.title_html == "<strong>Sentiment</strong> &lt;img src=x onerror=alert(1)&gt;"
        assert header.description_html == "<h1>not a title</h1>\n"

    def test_value_change_rerenders(self):
        markdown = nbshare.Markdown()
        markdown.value = "# Title"
        assert markdown.html == "<h1>Title</h1>\n"


class TestContract:
    def test_unknown_keyword_is_an_error_that_lists_what_is_accepted(self):
        with pytest.raises(TypeError, match=r"Textbox\(\) got unexpected keyword argument\(s\) placeholdr; it accepts"):
            nbshare.Textbox(placeholdr="x")

    def test_clone_is_independent_and_equal(self):
        box = nbshare.Textbox(label="Note", placeholder="say", lines=3, value="v")
        clone = box.clone()
        assert clone is not box and clone.model_id != box.model_id
        assert (clone.label, clone.placeholder, clone.lines, clone.value) == ("Note", "say", 3, "v")
        clone.value = "changed"
        assert box.value == "v"

    def test_shortcuts_resolve_by_role(self):
        assert resolve("text", "input").declared_class() is nbshare.Textbox
        assert resolve("text", "output").declared_class() is nbshare.Text
        assert resolve("label", "output").declared_class() is nbshare.Label

    def test_clones_of_clones_stay_one_class_deep(self):
        clone = nbshare.Textbox().clone().clone()
        assert type(clone).__mro__[1] is nbshare.Textbox

    def test_shortcut_errors_say_what_exists(self):
        with pytest.raises(ValueError, match="unknown input 'imagee'; use a component or one of: audio, checkbox"):
            resolve("imagee", "input")
        with pytest.raises(ValueError, match="Label is an output component; put it in outputs=, not inputs="):
            resolve(nbshare.Label(), "input")
        with pytest.raises(
            TypeError, match="must be an nbshare component, an ipywidget with a value, or a shortcut string"
        ):
            resolve(42, "input")

    @pytest.mark.parametrize(
        "component",
        [
            nbshare.Textbox(),
            nbshare.Number(),
            nbshare.Slider(),
            nbshare.Checkbox(),
            nbshare.Dropdown(["a"]),
            nbshare.Radio(["a"]),
        ],
    )
    def test_example_value_is_accepted_by_preprocess(self, component):
        component.preprocess(component.example_value())

    def test_enter_in_a_field_asks_to_submit(self):
        box = nbshare.Textbox()
        calls = []
        box.on_submit(lambda: calls.append(1))
        box._receive_page_event(box, {"event": "submit"}, [])
        box._receive_page_event(box, {"event": "other"}, [])
        box._receive_page_event(box, "garbage", [])
        assert calls == [1]
