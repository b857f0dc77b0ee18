"""Tables: cell parsing by column type, the grid's edits (cells, pasted blocks, rows) and the DataFrame it gives."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import nbshare
from nbshare import InputError
from nbshare.values import tables


def page(component: nbshare.Dataframe, **content: object) -> None:
    component._receive_page_event(component, content, [])


@pytest.mark.parametrize(
    ("text", "datatype", "value"),
    [
        ("42", "int", 42), (" -7 ", "int", -7), ("2.5", "number", 2.5), ("1e3", "number", 1000.0),
        ("", "number", math.nan), ("yes", "bool", True), ("FALSE", "bool", False), ("0", "bool", False),
        ("2024-05-31", "date", pd.Timestamp("2024-05-31")), ("=not a formula? no: text", "str", None),
        ("plain text", "str", "plain text"),
    ],
)  # fmt: skip
def test_cells_parse_by_their_column_type(text: str, datatype: str, value: object) -> None:
    if value is None:
        assert tables.cell_problem(text, datatype) is not None
        return
    parsed = tables.parse_cell(text, datatype)
    assert parsed == value or (isinstance(value, float) and math.isnan(value) and math.isnan(parsed))


@pytest.mark.parametrize(
    ("text", "datatype", "problem"),
    [
        ("4.5", "int", "'4.5' is not a whole number"), ("1_000", "int", "is not a whole number"),
        ("abc", "number", "'abc' is not a number"), ("maybe", "bool", "is not true or false"),
        ("31/31/2024", "date", "is not a date"), ("=SUM(A1:A3)", "number", "is a spreadsheet formula"),
        ("=HYPERLINK(\"http://x\")", "str", "is a spreadsheet formula"),
    ],
)  # fmt: skip
def test_cells_that_do_not_parse_say_why(text: str, datatype: str, problem: str) -> None:
    assert problem in tables.cell_problem(text, datatype)


def test_an_example_dataframe_sets_names_types_and_exact_dtypes() -> None:
    example = pd.DataFrame(
        {"age": np.array([61, 47], dtype=np.int32), "bmi": [31.2, np.nan], "smoker": [True, False],
         "ward": pd.Categorical(["A", "B"]), "seen": pd.to_datetime(["2024-01-02", "2024-03-04 10:30"], format="mixed")}
    )  # fmt: skip
    component = nbshare.Dataframe(value=example)
    assert [c["type"] for c in component.columns] == ["int", "number", "bool", "str", "date"]
    assert component.cells == [
        ["61", "31.2", "true", "A", "2024-01-02"],
        ["47", "", "false", "B", "2024-03-04T10:30:00"],
    ]
    frame = component.preprocess(component.value)
    assert frame.dtypes.astype(str).tolist() == example.dtypes.astype(str).tolist()
    pd.testing.assert_frame_equal(frame, example)


def test_headers_and_datatype_make_an_empty_grid_and_blank_rows_are_dropped() -> None:
    component = nbshare.Dataframe(headers=["dose", "response"], datatype=["int", "number"], row_count=4)
    assert component.cells == [["", ""]] * 4
    page(component, event="set", row=1, column=0, block=[["5", "0.25"]])
    frame = component.preprocess(component.value)
    assert frame.to_dict("list") == {"dose": [5], "response": [0.25]}
    assert frame.dtypes.astype(str).tolist() == ["int64", "float64"]
    page(component, event="set", row=2, column=1, block=[["0.5"]])  # a row without its whole number
    with pytest.raises(InputError, match=r"row 3, 'dose': needs a whole number"):
        component.preprocess(component.value)
    assert component.cell_errors == {"2,0": "needs a whole number"}  # shown at the cell


def test_a_bad_cell_is_marked_where_it_is_and_fixing_it_clears_the_mark() -> None:
    component = nbshare.Dataframe(value=pd.DataFrame({"age": [61, 47], "name": ["a", "b"]}))
    page(component, event="set", row=1, column=0, block=[["forty"]])
    assert component.cell_errors == {"1,0": "'forty' is not a whole number"}
    assert component.cells[1] == ["forty", "b"]  # what was typed is kept, not lost
    with pytest.raises(InputError, match="fix the marked cells: row 2, 'age'"):
        component.preprocess(component.value)
    page(component, event="set", row=1, column=0, block=[["40"]])
    assert component.cell_errors == {}
    assert component.preprocess(component.value)["age"].tolist() == [61, 40]


def test_a_pasted_block_grows_the_table_clips_extra_columns_and_marks_formulas() -> None:
    component = nbshare.Dataframe(headers=["a", "b"], datatype="number", row_count=1)
    page(component, event="set", row=0, column=0, block=[["1", "2", "3"], ["=A1*2", "4"], ["5", "6"]])
    assert component.cells == [["1", "2"], ["=A1*2", "4"], ["5", "6"]]
    assert component.message == "1 pasted column(s) did not fit: the table has 2 columns"
    assert "spreadsheet formula" in component.cell_errors["1,0"]


def test_rows_are_added_and_deleted_and_limits_hold_with_the_table_intact() -> None:
    component = nbshare.Dataframe(headers=["x"], datatype="int", row_count=2, max_rows=3)
    page(component, event="insert_rows", at=1, count=1)
    assert len(component.cells) == 3
    sent: list[str] = []
    component.send_state = lambda key=None: sent.append(key)  # type: ignore[method-assign]
    page(component, event="insert_rows", at=0, count=1)
    assert "the limit is 3" in component.message and len(component.cells) == 3 and "cells" in sent
    page(component, event="set", row=2, column=0, block=[["1"], ["2"]])
    assert "the limit is 3" in component.message
    page(component, event="delete_rows", start=0, count=2)
    assert len(component.cells) == 1
    page(component, event="delete_rows", start=5, count=1)
    assert component.message == "those rows are not in the table"
    page(component, event="set", row=0, column=9, block=[["1"]])
    assert component.message == "that cell is outside the table"
    page(component, event="set", row=0, column=0, block="1")
    assert component.message == "a pasted block must be rows of text cells"


def test_a_huge_table_is_refused_as_input_and_shown_first_rows_as_output() -> None:
    huge = pd.DataFrame({"x": np.arange(150_000)})
    with pytest.raises(Exception, match="150,000 rows; the limit is 100,000"):
        nbshare.Dataframe(value=huge)
    output = nbshare.Dataframe(interactive=False, max_rows=1_000)
    output.value = output.postprocess(huge)
    assert len(output.cells) == 1_000 and output.total_rows == 150_000


def test_outputs_accept_dataframes_dicts_lists_and_series() -> None:
    output = nbshare.Dataframe(interactive=False)
    assert output.postprocess({"a": [1, 2]}).cells == [["1"], ["2"]]
    assert output.postprocess([[1, "x"], [2, "y"]]).headers == ["0", "1"]
    assert output.postprocess(pd.Series([0.5], name="p")).cells == [["0.5"]]
    with pytest.raises(InputError, match="a table needs"):
        output.postprocess(42)


def test_each_viewer_gets_its_own_copy_of_the_table() -> None:
    template = nbshare.Dataframe(value=pd.DataFrame({"a": [1]}))
    first, second = template.clone(), template.clone()
    page(first, event="set", row=0, column=0, block=[["9"]])
    assert second.cells == [["1"]] and template.cells == [["1"]]


def test_dataframe_examples_may_be_given_bare_or_as_one_item_rows() -> None:
    first, second = pd.DataFrame({"dose": [1.5]}), pd.DataFrame({"dose": [2.0, 3.0]})
    for examples in ([first, second], [[first], [second]]):
        doses = nbshare.Dataframe(label="Doses")
        iface = nbshare.Interface(lambda table: len(table), doses, "number", examples=examples)
        assert iface.examples[0][0] is first
        assert iface.view().examples.rows == [["1 row: 1.5"], ["2 rows: 2"]]
