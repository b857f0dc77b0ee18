"""HighlightedText: labels or scores per token, from pairs or character spans."""

from __future__ import annotations

import numpy as np
import pytest

import nbshare


def test_labelled_tokens_get_colours_a_legend_and_separators() -> None:
    shown = nbshare.HighlightedText(color_map={"DRUG": "#ff0000"}).postprocess(
        [("Aspirin", "DRUG"), ("eases", None), ("pain", "SYMPTOM")]
    )
    assert [t["text"] for t in shown["tokens"]] == ["Aspirin", " ", "eases", " ", "pain"]
    assert shown["mode"] == "labels" and shown["legend"] == [["DRUG", "#ff0000"], ["SYMPTOM", "#7fc8a9"]]


def test_scores_give_a_diverging_scale_with_its_range() -> None:
    shown = nbshare.HighlightedText(separator="").postprocess([("good", np.float32(0.75)), (" film", -0.25)])
    assert shown["mode"] == "scores" and shown["max_abs"] == 0.75
    assert [t["score"] for t in shown["tokens"]] == [0.75, -0.25] and shown["legend"] == []


def test_character_spans_cover_the_whole_text() -> None:
    shown = nbshare.HighlightedText().postprocess(
        {"text": "Take 20 mg daily", "entities": [{"start": 5, "end": 10, "label": "DOSE"}]}
    )
    assert [(t["text"], t["label"]) for t in shown["tokens"]] == [("Take ", None), ("20 mg", "DOSE"), (" daily", None)]


@pytest.mark.parametrize(
    ("result", "message"),
    [
        ([("a", "X"), ("b", 0.5)], "either a label or a score"),
        (["a", "b"], r"\(text, label or score\) pair"),
        (42, "needs a list"),
        ({"text": "abc", "entities": [{"start": 2, "end": 9, "label": "X"}]}, "outside the text"),
        ([("a", float("inf"))], "must be finite"),
    ],
)
def test_results_it_cannot_show_say_what_it_needs(result: object, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        nbshare.HighlightedText().postprocess(result)


def test_it_is_an_output_only() -> None:
    with pytest.raises(ValueError, match="HighlightedText is an output component"):
        nbshare.Interface(lambda x: x, nbshare.HighlightedText(), "text")
