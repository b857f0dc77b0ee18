"""Table input (an editable grid) and output (a sortable, virtualised grid) ("dataframe")."""

from __future__ import annotations

from typing import Any

import traitlets

from .._assets import component_esm
from ..values import tables
from ..values.tables import DATATYPES, Table
from ._component import Component, InputError, on_event, shorten


class Dataframe(Component):
    """A table. As an input, an editable grid: type in a cell, paste a block from a spreadsheet, add or delete rows;
    the function receives a pandas DataFrame with the columns' types. As an output, a grid sortable by column.

    Column names and types come from ``headers=`` and ``datatype=``, else from the value (an example DataFrame keeps
    its exact dtypes). A cell that does not parse as its column's type is marked where it is, with the reason.
    Rows left wholly blank are dropped.
    """

    _esm = component_esm("dataframe.js")
    shortcuts = {"input": ("dataframe",), "output": ("dataframe",)}
    expects = "a pandas DataFrame (or rows of values)"
    occlusion = "table"
    explanation_panel = "own"
    takes_table_rows = True

    page_writable = frozenset()  # everything comes as checked events

    value = traitlets.Any(None)
    """The table (an ``nbshare.tables.Table``: names, types, the cells' text), or None. Kept in Python."""

    headers = traitlets.List(traitlets.Unicode(), None, allow_none=True).tag(option=True)
    """Column names; by default the value's."""

    datatype = traitlets.Union(
        [traitlets.Enum(list(DATATYPES)), traitlets.List(traitlets.Enum(list(DATATYPES)))],
        default_value=None,
        allow_none=True,
    ).tag(option=True)
    """One type for every column or one per column, each of "str", "number", "int", "bool", "date"; by default
    the value's (text when there is none)."""

    row_count = traitlets.Int(3).tag(option=True)
    """Blank rows the grid starts with when there is no value."""

    max_rows = traitlets.Int(100_000).tag(sync=True, option=True)
    """Most rows an input accepts; an output shows the first ``max_rows`` rows and says how many there were."""

    # State shown by the page, set by Python. ``cells`` is the same list object as ``value.cells``: the page's edits
    # change both in place (no re-sending of a large table for one cell), so a page that asks for state gets them.
    columns = traitlets.List(traitlets.Dict()).tag(sync=True)
    cells = traitlets.Any([]).tag(sync=True)  # Any, not List: List would copy, and the sharing is the point
    cell_errors = traitlets.Dict().tag(sync=True)
    total_rows = traitlets.Int(0).tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        value = kwargs.pop("value", None)
        super().__init__(**kwargs)
        self.value = value if value is not None else self.empty_value()

    @traitlets.validate("value")
    def _coerce_value(self, proposal: Any) -> Table | None:
        value = proposal["value"]
        if value is None:
            return None
        return tables.table_from(
            value, self.headers, self._datatypes(value), self.max_rows, truncate=not self.interactive
        )

    def _datatypes(self, value: Any = None) -> list[str] | None:
        if self.datatype is None:
            return None if value is not None or not self.headers else ["str"] * len(self.headers)
        if isinstance(self.datatype, str):
            width = len(self.headers) if self.headers else len(getattr(value, "columns", None) or [])
            return [self.datatype] * width if width else None
        if self.headers and len(self.datatype) != len(self.headers):
            raise traitlets.TraitError(f"datatype has {len(self.datatype)} types for {len(self.headers)} headers")
        return list(self.datatype)

    @traitlets.validate("row_count", "max_rows")
    def _check_counts(self, proposal: Any) -> int:
        minimum = 0 if proposal["trait"].name == "row_count" else 1
        if proposal["value"] < minimum:
            raise traitlets.TraitError(f"{proposal['trait'].name} must be {minimum} or more, got {proposal['value']}")
        return int(proposal["value"])

    # -- the pure contract -------------------------------------------------------------------------

    def preprocess(self, value: Any) -> Any:
        if value is None:
            raise InputError(f"{self.label or 'The table'} is empty")
        table = value if isinstance(value, Table) else self._coerce_value({"value": value})
        try:
            return tables.to_dataframe(table)
        except InputError as error:
            if value is self.value:
                self.cell_errors = tables.cell_errors(table, submitting=True)
            raise InputError(f"{self.label or 'The table'}: {error}") from None

    def postprocess(self, result: Any) -> Table | None:
        if result is None:
            return None
        return tables.table_from(result, self.headers, self._datatypes(result), self.max_rows, truncate=True)

    def example_value(self) -> Any:
        if self.value is not None and self.value.cells:
            return self.value
        width = len(self.headers or []) or 1
        types = self._datatypes() or ["str"] * width
        sample = {"str": "a", "number": "1.5", "int": "1", "bool": "true", "date": "2024-01-01"}
        return Table(list(self.headers or ["column 1"]), types, [[sample[t] for t in types]])

    def empty_value(self) -> Any:
        if not self.headers:
            return None
        types = self._datatypes() or ["str"] * len(self.headers)
        return Table(list(self.headers), types, [[""] * len(self.headers) for _ in range(self.row_count)])

    def preview(self, value: Any) -> str:
        table = self.postprocess(value)
        if table is None:
            return ""
        first = ", ".join(table.cells[0]) if table.cells else ""
        count = len(table.cells)
        return shorten(f"{count} row{'s' if count != 1 else ''}: {first}")

    # -- edits from the page -----------------------------------------------------------------------

    def _accepts_page_event(self, for_outputs: bool) -> bool:
        return super()._accepts_page_event(for_outputs) and self.value is not None

    def _refuse(self, message: str) -> None:
        super()._refuse(message)
        self.send_state("cells")  # the page changed its copy first: put it back as Python has it

    @on_event("set", heavy=True)
    def _set_block(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        row: Any = content.get("row")
        column: Any = content.get("column")
        block: Any = content.get("block")
        table = self.value
        width = len(table.headers)
        if not _index(row, self.max_rows) or not _index(column, width):
            raise InputError("that cell is outside the table")
        if (
            not isinstance(block, list)
            or not block
            or not all(isinstance(line, list) and all(isinstance(cell, str) for cell in line) for line in block)
        ):
            raise InputError("a pasted block must be rows of text cells")
        if row + len(block) > self.max_rows:
            raise InputError(
                f"pasting {len(block):,} rows here would make {row + len(block):,}; the limit is {self.max_rows:,}"
            )
        clipped = max(len(line) for line in block) - (width - column)
        for _ in range(row + len(block) - len(table.cells)):
            table.cells.append([""] * width)
        for offset, line in enumerate(block):
            for index, text in enumerate(line[: width - column]):
                table.cells[row + offset][column + index] = text[:10_000]
        errors = {key: text for key, text in self.cell_errors.items() if not _inside(key, row, len(block))}
        self.cell_errors = errors | tables.cell_errors(table, range(row, row + len(block)))
        if clipped > 0:
            self.message = f"{clipped} pasted column(s) did not fit: the table has {width} columns"

    @on_event("insert_rows")
    def _insert_rows(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        at: Any = content.get("at")
        count: Any = content.get("count", 1)
        table = self.value
        if not _index(at, len(table.cells) + 1) or not _index(count, self.max_rows + 1) or count < 1:
            raise InputError("rows can be added between existing rows only")
        if len(table.cells) + count > self.max_rows:
            raise InputError(f"the table already has {len(table.cells):,} rows; the limit is {self.max_rows:,}")
        table.cells[at:at] = [[""] * len(table.headers) for _ in range(count)]
        self.cell_errors = tables.cell_errors(table)

    @on_event("delete_rows")
    def _delete_rows(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        start: Any = content.get("start")
        count: Any = content.get("count", 1)
        table = self.value
        if not _index(start, len(table.cells)) or not _index(count, len(table.cells) - start + 1) or count < 1:
            raise InputError("those rows are not in the table")
        del table.cells[start : start + count]
        self.cell_errors = tables.cell_errors(table)

    # -- what the page shows -----------------------------------------------------------------------

    @traitlets.observe("value")
    def _value_changed(self, change: Any) -> None:
        table: Table | None = change["new"]
        with self.hold_sync():
            self.columns = (
                []
                if table is None
                else [
                    {"name": name, "type": datatype}
                    for name, datatype in zip(table.headers, table.datatypes, strict=True)
                ]
            )
            self.cells = None  # then the new list itself, even when it equals the old one (which it no longer shares)
            self.cells = [] if table is None else table.cells
            self.total_rows = 0 if table is None else table.total_rows or len(table.cells)
            self.cell_errors = {} if table is None or not self.interactive else tables.cell_errors(table)
            self.message = ""

    # -- the HTTP API ------------------------------------------------------------------------------

    def json_schema(self) -> dict[str, Any]:
        rows: dict[str, Any] = {"type": "array", "items": {"type": "array"}}
        if self.interactive:
            rows["maxItems"] = self.max_rows
        table = {"type": "object", "required": ["columns", "data"],
                 "properties": {"columns": {"type": "array", "items": {"type": "string"}}, "data": rows}}  # fmt: skip
        return table if self.interactive else {"anyOf": [table, {"type": "null"}]}

    def from_json(self, value: Any) -> Any:
        what = self.label or "The table"
        if (
            not isinstance(value, dict)
            or not isinstance(value.get("columns"), list)
            or not isinstance(value.get("data"), list)
        ):
            raise InputError(f'{what} must be {{"columns": [...], "data": [[...], ...]}} (pandas "split" orientation)')
        columns, data = value["columns"], value["data"]
        if len(data) > self.max_rows:
            raise InputError(f"{what} has {len(data):,} rows; the limit is {self.max_rows:,}")
        if not all(isinstance(row, list) and len(row) == len(columns) for row in data):
            raise InputError(f"{what}: every row must be a list of {len(columns)} cell(s), one per column")
        import pandas as pd

        return pd.DataFrame(data, columns=[str(column) for column in columns])

    def to_json(self, value: Any) -> Any:
        table = value if value is None or isinstance(value, Table) else self.postprocess(value)
        return None if table is None else {"columns": list(table.headers), "data": [list(row) for row in table.cells]}


def _index(value: Any, limit: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < limit


def _inside(key: str, row: int, count: int) -> bool:
    return row <= int(key.split(",")[0]) < row + count
