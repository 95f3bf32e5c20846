"""The one safe-cell helper every .xlsx and .csv writer goes through.

A spreadsheet program runs a cell that starts with "=", "+", "-" or "@" (or with a tab or carriage
return before one of them) as a formula: "=HYPERLINK(...)" typed as a member's name would become
a live link in the treasurer's copy of the list. So user text never reaches a file as a formula:
- in .xlsx it is stored as a text cell with Excel's quote prefix (shown exactly as typed, never
  evaluated, still text after an edit);
- in .csv it gets a leading apostrophe (the usual defence: the cell reads as text when opened).
Characters an .xlsx file cannot hold (NUL and other control characters) are dropped.

Writers build a workbook as usual and return `workbook_bytes(wb)`; write-only workbooks make
their cells with `xlsx_cell(ws, value)`; CSV goes through `csv_bytes(rows)`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def starts_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def clean_text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def mark_text(cell) -> None:
    """Make an openpyxl cell that holds a string safe: no illegal characters, never a formula."""
    value = cell.value
    if not isinstance(value, str):
        return
    cleaned = clean_text(value)
    if cleaned != value:
        cell.value = cleaned
    if starts_formula(cleaned) or cell.data_type == "f":
        cell.data_type = "s"
        cell.quotePrefix = True


def xlsx_cell(ws, value: Any, **style):
    """A write-only worksheet's cell holding `value` safely (fonts etc. via keyword args)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=clean_text(value) if isinstance(value, str) else value)
    mark_text(cell)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def safe_workbook(wb) -> None:
    """Mark every text cell of a (normal) workbook as text."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                mark_text(cell)


def workbook_bytes(wb) -> bytes:
    """The .xlsx file of `wb`, every text cell made safe first (write-only workbooks made their
    cells with `xlsx_cell`)."""
    if not getattr(wb, "write_only", False):
        safe_workbook(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str):
        value = clean_text(value)
        return "'" + value if starts_formula(value) else value
    return value


def csv_bytes(rows: Iterable[Iterable[Any]]) -> bytes:
    """CSV in UTF-8 with a byte-order mark (Excel then reads Vietnamese right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")
