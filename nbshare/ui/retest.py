"""Re-testing flags on a model version: every flag's inputs, with their edits, through the queue in batches (as
``process`` runs rows), each answer compared with the one the collaborator saw, and the outcome recorded in the flag
store, where the inbox and each visitor's Your flags read it."""

from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING, Any

from ..runtime.pipeline import Failed, Pipeline, user_message
from ..values import stored
from .answers import MemoryFiles, answer_of, answer_text, entry_of, same
from .inbox import inputs_of

if TYPE_CHECKING:
    from ..flagging import FlagStore
    from ..runtime.model import Model
    from ..runtime.runner import Runner
    from ..widgets import Component

__all__ = ["retest_flags"]

ERROR_CHARS = 300


def retest_flags(runner: Runner, store: FlagStore, model: Model, *, progress: bool = True) -> Any:
    """Run every flag in ``store`` through ``model`` on ``runner``'s queue and compare; returns the DataFrame
    ``Interface.retest_flags`` describes and records one outcome per flag (``store.retests()``).

    Flags are loaded ``max_batch_size`` at a time, just before their batch runs, so only one batch's inputs (images
    with their edits replayed) are in memory at once.
    """
    import pandas as pd

    from ..runtime.bulk import ProgressBar

    pipeline = runner.pipeline
    fixed = Pipeline(pipeline.inputs, pipeline.outputs, model, pipeline.preprocess, pipeline.postprocess)
    records = store.records()
    bar = ProgressBar(len(records), "Re-testing", "flags") if progress else None
    started = time.perf_counter()
    table, outcomes = [], []
    for start in range(0, len(records), runner.max_batch_size):
        part = records[start : start + runner.max_batch_size]
        for record, (answer, error) in zip(part, _answers(runner, fixed, part, store), strict=True):
            row, changed, text = _compare(record, store, pipeline.outputs, answer)
            row.update({"version now": model.version, "changed": changed, "message": record.get("message")})
            row["error"] = error
            table.append(row)
            outcome = {"flag": record.get("id"), "version": model.version, "changed": changed, "answer": text}
            outcomes.append({**outcome, "error": error})
        if bar is not None:
            bar.update(len(table), time.perf_counter() - started)
    if bar is not None:
        bar.finish(sum(row["error"] is not None for row in table), time.perf_counter() - started)
    store.record_retests(outcomes)
    return _frame(pd, table, pipeline.outputs)


def _answers(
    runner: Runner, pipeline: Pipeline, records: list[dict[str, Any]], store: FlagStore
) -> list[tuple[list[Any] | None, str | None]]:
    """Per flag: the new answer (a wire value per output) or why there is none. The flags whose inputs load go
    through the queue as one batch, a row that fails failing alone (as in ``process``)."""
    rows: list[list[Any]] = []
    answers: list[tuple[list[Any] | None, str | None]] = []
    for record in records:
        try:
            rows.append(_input_row(record, store, pipeline.inputs))
            answers.append((None, None))
        except Exception as error:  # a file removed, a record from another interface: this flag alone
            answers.append((None, f"its inputs could not be loaded ({_cut(user_message(error))})"))
    if not rows:
        return answers
    try:
        results, _version = runner.run(functools.partial(pipeline.run_rows, rows, isolate=True)).result()
    except Exception as error:  # the batch as a whole (past the timeout, the model stuck): its flags say so
        results = [Failed(error)] * len(rows)
    loaded = iter(results)
    return [(answer, error) if error is not None else _answer(next(loaded)) for answer, error in answers]


def _answer(result: Any) -> tuple[list[Any] | None, str | None]:
    return (None, _cut(user_message(result.error))) if isinstance(result, Failed) else (list(result), None)


def _input_row(record: dict[str, Any], store: FlagStore, inputs: list[Component]) -> list[Any]:
    values = inputs_of(record, store)
    missing = [component.label for component in inputs if component.label not in values]
    if missing:
        raise ValueError(f"the flag has no value for {', '.join(missing)}: the interface's inputs changed since")
    return [values[component.label] for component in inputs]


def _compare(
    record: dict[str, Any], store: FlagStore, outputs: list[Component], answer: list[Any] | None
) -> tuple[dict[str, Any], bool | None, str | None]:
    """The row's flag and input cells and answers then and now, whether the answer changed (None when there is no
    earlier answer or no new one to compare) and the new answer's text."""
    values = record.get("values", {})
    row: dict[str, Any] = {"id": record.get("id"), "time": record.get("time")}
    for name, entry in values.items():
        if entry.get("role") == "input":
            try:
                row.update(stored.cells(name, entry, store))
            except Exception:  # a table's file removed: its cell says so, the row stays
                row[name] = None
    answered = record.get("answered")
    if answered is None:  # a flag from before the field: answered when it holds an output
        answered = any(e.get("role") == "output" and e.get("value") is not None for e in values.values())
    changes: list[bool | None] = []
    for position, component in enumerate(outputs):
        entry = values.get(component.label)
        then = _then(component, entry, store) if answered and entry is not None else None
        row[f"{component.label} then"] = then
        now = answer[position] if answer is not None else None
        row[f"{component.label} now"] = answer_of(component, now) if answer is not None else None
        if answer is None or not answered or entry is None:
            changes.append(None)
        elif component.measure == "class":
            changes.append(then != answer_of(component, now))
        else:
            changes.append(_entry_changed(entry, component, now, store))
    row["version then"] = record.get("version")
    known = [change for change in changes if change is not None]
    changed = None if len(known) < len(changes) else any(known)
    text = " · ".join(answer_text(c, a) for c, a in zip(outputs, answer, strict=True)) if answer is not None else None
    return row, changed, text


def _then(component: Component, entry: dict[str, Any], store: FlagStore) -> Any:
    if component.measure == "class":
        return answer_of(component, entry.get("value"))
    try:
        return stored.cells(component.label, entry, store).get(component.label)
    except Exception:
        return None


def _entry_changed(then: dict[str, Any], component: Component, now: Any, store: FlagStore) -> bool | None:
    """Whether the stored output ``then`` differs from the new answer ``now``: files by their bytes (a picture's PNG),
    everything else by value, up to float noise; None when a stored file is gone."""
    memory = MemoryFiles()
    entry = entry_of(component, now, memory)
    if then.get("kind") != entry.get("kind"):
        return True
    for key in (then.keys() | entry.keys()) - {"role"}:
        if key in ("file", "original") and key in then and key in entry:
            try:
                if store.path(then[key]).read_bytes() != memory.data[entry[key]]:
                    return True
            except OSError:
                return None
        elif not same(then.get(key), entry.get(key)):
            return True
    return False


def _frame(pd: Any, table: list[dict[str, Any]], outputs: list[Component]) -> Any:
    last = [
        *(f"{c.label} then" for c in outputs),
        "version then",
        *(f"{c.label} now" for c in outputs),
        "version now",
        "changed",
        "message",
        "error",
    ]
    first = ["id", "time"]
    inputs: list[str] = []
    for row in table:
        inputs.extend(key for key in row if key not in first and key not in last and key not in inputs)
    frame = pd.DataFrame(table, columns=[*first, *inputs, *last])
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    frame["changed"] = frame["changed"].astype("boolean")
    return frame


def _cut(text: str) -> str:
    return text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 1] + "…"
