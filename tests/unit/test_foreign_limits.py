"""A plain ipywidget standing as an input: what a page may set on it, and the values its own limits allow."""

from __future__ import annotations

import datetime

import ipywidgets
import pytest

from nbshare.server.guard import check_page_message
from nbshare.widgets import InputError
from nbshare.widgets.foreign import ForeignWidget


def as_input(widget: ipywidgets.ValueWidget) -> ForeignWidget:
    return ForeignWidget(widget).clone(interactive=True)


def update(foreign: ForeignWidget, **state: object) -> None:
    check_page_message(foreign.inner, {"method": "update", "state": state, "buffer_paths": []})


@pytest.mark.parametrize(
    ("widget", "good", "bad", "reason"),
    [
        (ipywidgets.BoundedIntText(value=3, min=1, max=9), 9, 10, "from 1 to 9; got 10"),
        (ipywidgets.FloatSlider(value=0.5, min=0, max=1), 0.0, 1.5, "from 0.0 to 1.0; got 1.5"),
        (ipywidgets.FloatLogSlider(value=10, base=10, min=0, max=2), 100.0, 1000.0, "from 1.0 to 100.0; got 1000.0"),
        (ipywidgets.IntRangeSlider(value=(2, 3), min=0, max=5), (0, 5), (4, 2), "must not end before it starts"),
        (
            ipywidgets.DatePicker(value=datetime.date(2024, 1, 2), min=datetime.date(2024, 1, 1)),
            {"year": 2024, "month": 0, "date": 1},
            {"year": 2023, "month": 11, "date": 31},
            "from 2024-01-01 to None; got datetime.date(2023, 12, 31)",
        ),
        (ipywidgets.Combobox(value="a", options=["a", "b"], ensure_option=True), "b", "c", "'c' is not one of"),
    ],
)
def test_a_value_beyond_the_widgets_own_limits_is_refused_before_the_function_sees_it(
    widget: ipywidgets.ValueWidget, good: object, bad: object, reason: str
) -> None:
    foreign = as_input(widget)
    update(foreign, value=good)
    with pytest.raises(InputError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        update(foreign, value=bad)
    with pytest.raises(ValueError, match="may not change"):
        update(foreign, max=10**9) if foreign.inner.has_trait("max") else update(foreign, description="x")


def test_selections_take_an_index_among_their_options_and_outputs_take_nothing() -> None:
    choice = as_input(ipywidgets.SelectMultiple(options=["a", "b", "c"], value=["a"]))
    update(choice, index=[0, 2])
    with pytest.raises(InputError, match="3 options; there is no option 3"):
        update(choice, index=[1, 3])
    with pytest.raises(ValueError, match="SelectMultiple has no trait 'value'"):
        update(choice, value=["a"])
    choice.check_value(("a", "c"))
    with pytest.raises(InputError, match="'z' is not one of its options"):
        choice.check_value(("z",))

    shown = ForeignWidget(ipywidgets.HTML("answer")).clone(interactive=False)
    with pytest.raises(ValueError, match=r"may not change HTML\.value"):
        update(shown, value="<img src=x onerror=alert(1)>")
    assert shown.clone().interactive is False  # a viewer's copy of an output stays an output
