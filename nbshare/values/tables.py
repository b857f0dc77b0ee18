"""Tables as the grid shows them (text cells with a type per column) and as the function receives them (pandas).

The grid holds what the person typed, so a cell that does not parse as its column's type stays visible, marked, until
it is fixed; ``to_dataframe`` turns the text into typed columns.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .._errors import InputError
from .stored import Files, stored_kind

__all__ = ["DATATYPES", "Table", "cell_problem", "format_cell", "parse_cell", "table_from", "to_dataframe"]

DATATYPES = ("str", "number", "int", "bool", "date")
PANDAS_DTYPES = {"str": "object", "number": "float64", "int": "int64", "bool": "bool", "date": "datetime64[ns]"}
MAX_COLUMNS = 1_000
_INT = re.compile(r"^[+-]?\d+$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(nan|inf|infinity)$", re.IGNORECASE)
_BOOLS = {"true": True, "yes": True, "y": True, "t": True, "1": True,
          "false": False, "no": False, "n": False, "f": False, "0": False}  # fmt: skip
_NEEDS = {"int": "a whole number", "number": "a number", "bool": "true or false", "date": "a date (2024-05-31)"}


@stored_kind
@dataclass(eq=False)
class Table:
    """A grid's content: column names and types, rows of text cells, and (from an example) exact pandas dtypes.

    In a flag record (kind "table"): a CSV file of the cells' text, and the column types.
    """

    kind: ClassVar[str] = "table"

    headers: list[str]
    datatypes: list[str]
    cells: list[list[str]] = field(default_factory=list)
    dtypes: list[str | None] | None = None
    total_rows: int | None = None
    """Rows the source had, when only the first ones are kept (an output over its limit)."""

    def to_dataframe(self) -> Any:
        return to_dataframe(self)

    def to_record(self, files: Files, stem: str) -> dict[str, Any]:
        import csv
        import io

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.headers)
        writer.writerows(self.cells)
        return {
            "kind": self.kind,
            "file": files.write(out.getvalue().encode(), f"{stem}.csv"),
            "datatypes": self.datatypes,
            "dtypes": self.dtypes,
        }

    @classmethod
    def from_record(cls, entry: dict[str, Any], files: Files) -> Table:
        import csv

        with open(files.path(entry["file"]), newline="", encoding="utf-8") as handle:
            headers, *cells = list(csv.reader(handle))
        return cls(headers, list(entry["datatypes"]), cells, entry.get("dtypes"))

    @classmethod
    def frame_cells(cls, name: str, entry: dict[str, Any], files: Files) -> dict[str, Any]:
        """The table as a typed DataFrame (as text when it was flagged with cells that do not parse)."""
        import pandas as pd

        table = cls.from_record(entry, files)
        try:
            return {name: to_dataframe(table)}
        except InputError:
            return {name: pd.DataFrame(table.cells, columns=table.headers)}

    @classmethod
    def describe(cls, entry: dict[str, Any]) -> str:
        return "table"


def _formula(text: str) -> bool:
    stripped = text.lstrip()
    return len(stripped) > 1 and stripped[0] == "=" and not _NUMBER.match(stripped[1:].strip())


def cell_problem(text: str, datatype: str, *, blank_ok: bool = True) -> str | None:
    """Why ``text`` is not a valid ``datatype`` cell, or None. A blank cell is fine unless ``blank_ok`` is false
    (numbers and dates read it as missing; whole numbers and booleans cannot be missing)."""
    if _formula(text):
        return f"{text[:30]!r} is a spreadsheet formula, not a value: paste values (Paste special → Values)"
    stripped = text.strip()
    if not stripped:
        return None if blank_ok or datatype in ("str", "number", "date") else f"needs {_NEEDS[datatype]}"
    try:
        parse_cell(text, datatype)
    except (ValueError, TypeError):
        return f"{text[:30]!r} is not {_NEEDS[datatype]}"
    return None


def parse_cell(text: str, datatype: str) -> Any:
    """The value of a cell's text for a column of ``datatype``; ValueError when it does not parse."""
    stripped = text.strip()
    if datatype == "str":
        return text
    if datatype == "int":
        if not _INT.match(stripped):
            raise ValueError(text)
        return int(stripped)
    if datatype == "number":
        if not stripped:
            return math.nan
        if not _NUMBER.match(stripped):
            raise ValueError(text)
        return float(stripped)
    if datatype == "bool":
        if stripped.lower() not in _BOOLS:
            raise ValueError(text)
        return _BOOLS[stripped.lower()]
    if datatype == "date":
        import pandas as pd

        if not stripped:
            return pd.NaT
        stamp = pd.Timestamp(stripped)
        if stamp is pd.NaT:
            raise ValueError(text)
        return stamp
    raise ValueError(f"unknown datatype {datatype!r}")


def format_cell(value: Any, datatype: str) -> str:
    """The text a cell shows for ``value`` in a column of ``datatype``."""
    if hasattr(value, "item") and not hasattr(value, "isoformat"):
        value = value.item()  # numpy scalars
    if value is None or value != value:  # None, NaN, NaT
        return ""
    if isinstance(value, bool) or datatype == "bool":
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if hasattr(value, "isoformat") and hasattr(value, "year"):
        import pandas as pd

        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    return str(value)


def datatype_of(dtype: Any) -> str:
    """The grid type of a pandas/numpy dtype."""
    kind = getattr(dtype, "kind", "O")
    return {"i": "int", "u": "int", "f": "number", "b": "bool", "M": "date"}.get(kind, "str")


def _check_size(rows: int, columns: int, max_rows: int) -> None:
    if rows > max_rows:
        raise InputError(f"the table has {rows:,} rows; the limit is {max_rows:,} (raise it with max_rows=...)")
    if columns > MAX_COLUMNS:
        raise InputError(f"the table has {columns:,} columns; the limit is {MAX_COLUMNS:,}")


def table_from(
    value: Any, headers: list[str] | None, datatypes: list[str] | None, max_rows: int, *, truncate: bool = False
) -> Table:
    """A ``Table`` from a DataFrame, a dict of columns, a list of rows or a Table.

    Column names and types come from ``headers``/``datatypes`` when given, else from the value (a DataFrame's dtypes
    are kept exactly). Over ``max_rows`` rows is an InputError, or with ``truncate`` the first ``max_rows`` are kept.
    """
    import pandas as pd

    frame_rows: Any
    if isinstance(value, Table):
        frame_rows, source_types, dtypes, names = value.cells, value.datatypes, value.dtypes, value.headers
        texts_given = True
    else:
        if isinstance(value, dict):
            value = pd.DataFrame(value)
        if isinstance(value, pd.Series):
            value = value.to_frame()
        if isinstance(value, pd.DataFrame):
            frame = value
        elif isinstance(value, list | tuple) or hasattr(value, "tolist"):
            rows = value.tolist() if hasattr(value, "tolist") else [list(row) for row in value]
            if rows and not all(isinstance(row, list | tuple) for row in rows):
                raise InputError(
                    "a table needs a list of rows (each a list of cells), a dict of columns or a DataFrame"
                )
            frame = pd.DataFrame(rows, columns=headers if headers and rows and len(headers) == len(rows[0]) else None)
        else:
            raise InputError(
                f"a table needs a pandas DataFrame, a dict of columns or a list of rows, got {type(value).__name__}"
            )
        names = [str(name) for name in frame.columns]
        source_types = [datatype_of(dtype) for dtype in frame.dtypes]
        dtypes = [str(dtype) for dtype in frame.dtypes] if isinstance(value, pd.DataFrame) else None
        frame_rows, texts_given = frame, False
    total = value.total_rows or len(frame_rows) if isinstance(value, Table) else len(frame_rows)
    if truncate:
        frame_rows = frame_rows[:max_rows] if texts_given else frame_rows.iloc[:max_rows]
    width = len(names) if names else len(headers or [])
    _check_size(len(frame_rows), width, max_rows)
    final_headers = list(headers) if headers else names
    final_types = list(datatypes) if datatypes else source_types
    if len(final_headers) != len(final_types):
        raise InputError(f"{len(final_headers)} column names but {len(final_types)} column types")
    if names and len(names) != len(final_headers):
        raise InputError(
            f"the table has {len(names)} columns but the component has {len(final_headers)}: {final_headers}"
        )
    if datatypes:
        dtypes = None  # declared types win over the value's
    if texts_given:
        cells = [[str(cell) for cell in row] for row in frame_rows]
    else:
        columns = [frame_rows.iloc[:, index].tolist() for index in range(len(final_headers))]
        cells = [
            [format_cell(columns[c][r], final_types[c]) for c in range(len(columns))] for r in range(len(frame_rows))
        ]
    return Table(final_headers, final_types, cells, dtypes, total if total > len(cells) else None)


def cell_errors(table: Table, rows: range | None = None, *, submitting: bool = False) -> dict[str, str]:
    """``{"row,column": problem}`` for the cells of ``rows`` (all by default) that do not parse, row by row.

    While editing, a blank cell is fine; ``submitting`` also names the blank cells that cannot be missing (whole
    numbers, booleans) in rows that are not wholly blank, since those rows go to the function.
    """
    problems = {}
    for row in rows if rows is not None else range(len(table.cells)):
        cells = table.cells[row]
        blank_ok = not submitting or not any(cell.strip() for cell in cells)
        for column, text in enumerate(cells):
            problem = cell_problem(text, table.datatypes[column], blank_ok=blank_ok)
            if problem:
                problems[f"{row},{column}"] = problem
    return problems


def to_dataframe(table: Table) -> Any:
    """The DataFrame the function receives: typed columns, rows left wholly blank dropped.

    Raises InputError naming the first cells that do not parse (row numbers as the grid shows them, from 1).
    """
    import pandas as pd

    problems = []
    for key, problem in cell_errors(table, submitting=True).items():
        row, column = (int(part) for part in key.split(","))
        problems.append(f"row {row + 1}, {table.headers[column]!r}: {problem}")
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise InputError("fix the marked cells: " + "; ".join(problems[:3]) + more)
    kept = [row for row in table.cells if any(cell.strip() for cell in row)]
    columns = [[parse_cell(row[index], datatype) for row in kept] for index, datatype in enumerate(table.datatypes)]
    frame = pd.DataFrame(
        {
            index: pd.Series(values, dtype=PANDAS_DTYPES[datatype], index=range(len(kept)))
            for index, (values, datatype) in enumerate(zip(columns, table.datatypes, strict=True))
        }
    )
    for index, dtype in enumerate(table.dtypes or []):
        if dtype and str(frame[index].dtype) != dtype:
            frame[index] = frame[index].astype(dtype)
    frame.columns = list(table.headers)  # after the casts: names may repeat
    return frame
