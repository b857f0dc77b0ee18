"""iface.process: many rows through the queue in batches, into a DataFrame; failures stay per row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import nbshare


def _score(age: float, dose: float) -> dict[str, float]:
    if dose < 0:
        raise ValueError("a dose cannot be negative")
    level = 1 / (1 + np.exp(-(0.05 * age + 0.1 * dose - 4)))
    return {"respond": float(level), "no response": float(1 - level)}


def test_a_thousand_rows_with_a_batched_function_equal_predict_row_by_row() -> None:
    calls: list[int] = []

    def batched(ages, doses):
        calls.append(len(ages))
        return [_score(age, dose) for age, dose in zip(ages, doses, strict=True)]

    rng = np.random.default_rng(0)
    rows = [
        (float(age), float(dose)) for age, dose in zip(rng.uniform(20, 90, 1000), rng.uniform(0, 30, 1000), strict=True)
    ]
    rows[417] = (50.0, -1.0)
    iface = nbshare.Interface(batched, ["number", "number"], "label", batch=True, max_batch_size=100)
    result = iface.process(rows, progress=False)
    # Ten batches of 100; the batch that raised then ran row by row to find the row that failed.
    assert sorted(calls, reverse=True) == [100] * 10 + [1] * 100

    assert list(result.columns) == ["Ages", "Doses", "Output", "error"]
    assert len(result) == 1000
    assert result.loc[417, "error"] == "ValueError: a dose cannot be negative"
    assert result.loc[417, "Output"] is None
    assert result["error"].notna().sum() == 1
    for index, row in enumerate(rows):
        if index != 417:
            assert result.loc[index, "Output"] == iface.predict(*row)
    assert list(result["Ages"]) == [age for age, _dose in rows]


def test_a_dataframe_with_a_column_per_input_and_inputs_that_do_not_convert() -> None:
    iface = nbshare.Interface(_score, ["number", "number"], "label")
    frame = pd.DataFrame({"Dose": [1.0, "lots", 3.0], "Age": [40.0, 50.0, 60.0]})
    result = iface.process(frame, progress=False)
    assert list(result["Age"]) == [40.0, 50.0, 60.0]
    assert result.loc[1, "error"].startswith("Dose")
    assert result.loc[0, "Output"] == iface.predict(40.0, 1.0)


def test_a_table_input_takes_each_row_as_one_table() -> None:
    def risk(table):
        return {"high": float(table["age"].iloc[0] > 60), "low": float(table["age"].iloc[0] <= 60)}

    iface = nbshare.Interface(risk, "dataframe", "label")
    result = iface.process(pd.DataFrame({"age": [30, 70], "sex": ["f", "m"]}), progress=False)
    assert [answer["label"] for answer in result["Output"]] == ["low", "high"]


def test_a_folder_of_images(tmp_path) -> None:
    from PIL import Image

    for index, shade in enumerate([10, 200, 90]):
        Image.fromarray(np.full((8, 8, 3), shade, dtype=np.uint8)).save(tmp_path / f"scan-{index}.png")
    (tmp_path / "notes.txt").write_text("not an image")
    iface = nbshare.Interface(lambda image: float(image.mean()), "image", "number")
    result = iface.process(tmp_path, progress=False)
    assert [p.rsplit("/", 1)[-1] for p in result["Image"]] == ["notes.txt", "scan-0.png", "scan-1.png", "scan-2.png"]
    assert list(result["Output"][1:]) == [10.0, 200.0, 90.0]
    assert "notes.txt" in result.loc[0, "error"]


def test_wrong_inputs_say_what_process_takes() -> None:
    iface = nbshare.Interface(_score, ["number", "number"], "label")
    with pytest.raises(TypeError, match="list of input rows"):
        iface.process(42)
    with pytest.raises(ValueError, match="row 2 has 1 value"):
        iface.process([(1, 2), (3,)])
    with pytest.raises(ValueError, match="a column per input"):
        iface.process(pd.DataFrame({"a": [1], "b": [2], "c": [3]}))
