"""Bulk runs: many input rows through the interface's queue in batches, with a progress bar, into a DataFrame."""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .pipeline import Failed, input_row, user_message

if TYPE_CHECKING:
    from ..widgets import Component
    from .runner import Runner

__all__ = ["ProgressBar", "process"]


def process(runner: Runner, inputs: Any, *, progress: bool = True) -> Any:
    """Run every row of ``inputs`` (rows, a DataFrame or a folder; see ``Interface.process``) through ``runner``'s
    queue, ``max_batch_size`` at a time, and return a DataFrame of inputs, outputs and errors."""
    import pandas as pd

    pipeline = runner.pipeline
    rows, shown = _rows(pipeline.inputs, inputs)
    bar = ProgressBar(len(rows)) if progress else None
    results: list[Any] = []
    size = runner.max_batch_size
    started = time.perf_counter()
    for start in range(0, len(rows), size):
        part = rows[start : start + size]
        job = functools.partial(pipeline.run_rows, part, isolate=True)
        answered, _version = runner.run(job).result()
        results.extend(answered)
        if bar is not None:
            bar.update(len(results), time.perf_counter() - started)
    input_names = [c.label for c in pipeline.inputs]
    output_names = [c.label if c.label not in input_names else f"{c.label} (output)" for c in pipeline.outputs]
    records = []
    for values, result in zip(shown, results, strict=True):
        record: dict[str, Any] = dict(zip(input_names, values, strict=True))
        failed = isinstance(result, Failed)
        outputs = [None] * len(output_names) if failed else result
        record.update(zip(output_names, outputs, strict=True))
        record["error"] = user_message(result.error) if failed else None
        records.append(record)
    if bar is not None:
        bar.finish(sum(isinstance(r, Failed) for r in results), time.perf_counter() - started)
    return pd.DataFrame(records, columns=[*input_names, *output_names, "error"])


def _rows(components: list[Component], inputs: Any) -> tuple[list[list[Any]], list[list[Any]]]:
    """The rows to run and the input values to show for each (a folder's rows show the file paths)."""
    names = [c.label for c in components]
    if isinstance(inputs, str | os.PathLike) and Path(inputs).is_dir():
        if len(components) != 1:
            raise ValueError(f"a folder of files fits an interface with one input; this one has {len(components)}")
        files = sorted(p for p in Path(inputs).iterdir() if p.is_file() and not p.name.startswith("."))
        return [[components[0].read_file(p)] for p in files], [[str(p)] for p in files]
    if hasattr(inputs, "iloc") and hasattr(inputs, "columns"):
        if len(components) == 1 and components[0].takes_table_rows and names[0] not in inputs.columns:
            frames = [[inputs.iloc[[i]].reset_index(drop=True)] for i in range(len(inputs))]
            return frames, frames  # a table input: each row of the DataFrame is one one-row table
        if all(name in inputs.columns for name in names):
            columns = [inputs[name].tolist() for name in names]
        elif len(inputs.columns) == len(names):
            columns = [inputs.iloc[:, i].tolist() for i in range(len(names))]
        else:
            have = ", ".join(map(str, inputs.columns))
            raise ValueError(f"the DataFrame needs a column per input ({', '.join(names)}); it has {have}")
        rows = [list(row) for row in zip(*columns, strict=True)] if columns else [[] for _ in range(len(inputs))]
        return rows, rows
    if isinstance(inputs, str) or not isinstance(inputs, Sequence):
        raise TypeError(
            "process() takes a list of input rows, a DataFrame with a column per input, or a folder of files; "
            f"got {type(inputs).__name__}"
        )
    rows = [input_row(row, len(names), f"row {number}") for number, row in enumerate(inputs, start=1)]
    return rows, rows


class ProgressBar:
    """A progress bar in the notebook cell (nothing outside a notebook): ``description`` before it, counted in
    ``unit``."""

    def __init__(self, total: int, description: str = "Processing", unit: str = "rows") -> None:
        self.total = total
        self.unit = unit
        self._widgets: Any = None
        try:
            from IPython import get_ipython
        except ImportError:
            return
        if getattr(get_ipython(), "kernel", None) is None:
            return
        import ipywidgets
        from IPython.display import display

        self._bar = ipywidgets.IntProgress(value=0, min=0, max=max(total, 1), description=description)
        self._text = ipywidgets.Label(f"0 / {total:,} {unit}")
        self._widgets = ipywidgets.HBox([self._bar, self._text])
        display(self._widgets)

    def update(self, done: int, seconds: float) -> None:
        if self._widgets is not None:
            self._bar.value = done
            rate = done / seconds if seconds > 0 else 0.0
            self._text.value = f"{done:,} / {self.total:,} {self.unit} · {rate:,.0f} {self.unit}/s"

    def finish(self, failed: int, seconds: float) -> None:
        if self._widgets is not None:
            self._bar.bar_style = "warning" if failed else "success"
            note = f" · {failed:,} failed (see the error column)" if failed else ""
            self._text.value = f"{self.total:,} {self.unit} in {seconds:.1f} s{note}"
