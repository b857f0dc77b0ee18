"""export_csv: a visitor's flag message can never become a spreadsheet formula, whatever line breaks it holds."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from nbshare.flagging import FlagStore, export_csv

MESSAGES = [
    "see note\r=cmd|' /C calc'!A0",
    "see note\n=cmd|' /C calc'!A0",
    "see note\r\n+SUM(A1:A9)",
    "@import\r\r-2+3",
    '=HYPERLINK("http://evil.example")',
    "\t=1+1",
    'plain words, a comma and "quotes"',
]


@pytest.mark.parametrize("message", MESSAGES)
def test_every_cell_is_quoted_and_no_line_of_a_cell_starts_a_formula(tmp_path: Path, message: str) -> None:
    store = FlagStore(tmp_path / "flags")
    store.append({"message": message, "option": "wrong", "session": "s1"}, {})
    target = tmp_path / "flags.csv"
    export_csv(store.dataframe(), target)
    raw = target.read_bytes().decode("utf-8")
    with open(target, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == 2, rows  # a header and one flag: no line break inside a cell starts a row
    header, row = rows
    assert row[header.index("option")] == "wrong" and row[header.index("session")] == "s1"
    cell = row[header.index("message")]
    assert cell.replace("'", "") == message.replace("'", "")  # only neutralising marks were added
    for line in cell.replace("\r", "\n").split("\n"):
        assert line[:1] not in ("=", "+", "-", "@", "\t"), (cell, line)
    quoted = "".join(",".join('"' + field.replace('"', '""') + '"' for field in fields) + "\n" for fields in rows)
    assert raw == quoted  # every cell quoted, so a bare CR cannot end a record
