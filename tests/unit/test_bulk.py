"""iface.process: many rows through the queue in batches, into a DataFrame; failures stay per row."""

from __future__ import annotations

import time

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


def test_viewers_waiting_together_share_one_batched_call() -> None:
    import threading

    started, release = threading.Event(), threading.Event()
    calls: list[list[str]] = []

    def shout(texts):
        calls.append(list(texts))
        if len(calls) == 1:
            started.set()
            release.wait(5)
        if "boom" in texts and len(texts) == 1:
            raise ValueError("boom is not a word")
        if "boom" in texts:
            raise ValueError("a bad row in the batch")
        return [text.upper() for text in texts]

    iface = nbshare.Interface(shout, "text", "text", batch=True, max_batch_size=3)
    views = [iface.view() for _ in range(6)]
    for view, text in zip(views, ["first", "a", "b", "boom", "c", "d"], strict=True):
        view.inputs[0].value = text
    first = views[0].submit()
    assert started.wait(5)
    waiting = [view.submit() for view in views[1:]]
    assert views[4].status.state == "queued" and views[4].status.ahead == 3
    release.set()
    first.result(5)
    for future in waiting:
        future.exception(5)
    deadline = time.monotonic() + 5  # the views update in the futures' callbacks, just after the results
    while any(v.status.state not in ("done", "error") for v in views) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert calls[0] == ["first"] and calls[1] == ["a", "b", "boom"]  # three waiting rows, one call
    assert [v.outputs[0].value for v in views] == ["FIRST", "A", "B", "", "C", "D"]
    assert views[3].status.message == "ValueError: boom is not a word"  # the bad row fails alone
    assert views[2].status.state == "done"
