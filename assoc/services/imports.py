"""Member import from the spreadsheets ward chairs really keep, and export in the same shape.

    preview = parse(data, filename, unit)         # read → find header → normalise → duplicates
    summary = commit(actor, unit, preview, valid_only=False)   # one bulk INSERT

Files: .xlsx (title rows, merged cells, two-row "Năm sinh: Nam | Nữ" headers, totals and
signature blocks) and CSV (UTF-8 with or without BOM, Windows-1258; comma, semicolon or tab).
Rows are numbered as the spreadsheet numbers them, so every problem points at row + column.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
import time
import unicodedata
import uuid
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, text

from .. import search_index
from ..exports import csv_bytes, workbook_bytes
from ..extensions import db
from ..models import Member, Unit, User, today, utcnow
from ..text import clean, search_key
from . import DomainError, audit, tally
from .members import _derived, normalise, take_numbers

MAX_BYTES = 15 * 1024 * 1024
MAX_ROWS = 200_000
HEADER_SCAN_ROWS = 30

# Header text (search key, punctuation removed) → field. Exact names first, then fragments.
HEADER_EXACT = {
    "stt": "stt", "tt": "stt", "so tt": "stt", "so thu tu": "stt", "no": "stt",
    "ho va ten": "full_name", "ho ten": "full_name", "ho va ten hoi vien": "full_name",
    "ho ten hoi vien": "full_name", "ten hoi vien": "full_name", "full name": "full_name",
    "name": "full_name", "ten to chuc": "full_name", "ten don vi": "full_name",
    "ho va ten ten to chuc": "full_name",
    "ho": "family", "ho dem": "family", "ho va ten dem": "family", "ho lot": "family",
    "ho va chu lot": "family", "ten": "given",
    "gioi tinh": "sex", "gioi": "sex", "phai": "sex", "nam nu": "sex", "sex": "sex",
    "loai": "kind", "loai hoi vien": "kind", "kind": "kind",
    "danh du": "honorary", "hoi vien danh du": "honorary", "honorary": "honorary",
    "nguoi dai dien": "representative", "dai dien": "representative",
    "lien he": "contact", "contact": "contact",
    "ma hoi vien": "number", "so the": "number", "ma hv": "number", "so the hoi vien": "number",
}
HEADER_FRAGMENTS = [
    ("vao hoi", "joined_on"), ("gia nhap", "joined_on"), ("ket nap", "joined_on"),
    ("joined", "joined_on"),
    ("sinh", "birth"), ("birth", "birth"),
    ("cccd", "cccd"), ("can cuoc", "cccd"), ("dinh danh", "cccd"), ("cmnd", "cccd"),
    ("citizen", "cccd"),
    ("dien thoai", "phone"), ("sdt", "phone"), ("so dt", "phone"), ("phone", "phone"),
    ("di dong", "phone"),
    ("dia chi", "address"), ("cu tru", "address"), ("noi o", "address"), ("cho o", "address"),
    ("address", "address"),
    ("nghe", "occupation"), ("cong viec", "occupation"), ("occupation", "occupation"),
    ("chi hoi", "branch"), ("ban khuyen hoc", "branch"), ("branch", "branch"),
    ("ghi chu", "notes"), ("note", "notes"),
    ("ho va ten", "full_name"), ("ho ten", "full_name"),
]
NAME_FIELDS = {"full_name", "family", "given"}

FOOTER_RE = re.compile(
    r"^(?:(?:tong cong|tong so|nguoi lap|xac nhan|chu tich|pho chu tich|tm|t\.m|thu ky|"
    r"thu quy|ke toan|ky ten|danh sach (?:nay|co|gom)|lap bang)\b|tong\s*:|cong\s*:)"
    r"|ngay\s*[\d.…_]*\s*thang\s*[\d.…_]*\s*nam"
)
COLUMN_NUMBER_RE = re.compile(r"^\(?\d{1,2}\)?$")
SECTION_WORDS = ("chi hoi", "ban khuyen hoc", "khu pho", "to dan pho", "ap ", "to ")

# Export columns, in order: the importer reads every one of them back.
EXPORT_HEADERS = [
    ("stt", "STT"), ("number", "Mã hội viên"), ("full_name", "Họ và tên"),
    ("birth", "Ngày sinh"), ("sex", "Giới tính"), ("cccd", "Số CCCD"),
    ("phone", "Điện thoại"), ("address", "Địa chỉ"), ("occupation", "Nghề nghiệp"),
    ("branch", "Chi hội"), ("joined_on", "Ngày vào hội"), ("kind", "Loại hội viên"),
    ("honorary", "Danh dự"), ("representative", "Người đại diện"), ("contact", "Liên hệ"),
    ("notes", "Ghi chú"),
]
FIELD_LABELS = {f: label for f, label in EXPORT_HEADERS}


class ImportFileError(DomainError):
    """The file as a whole cannot be imported (not a spreadsheet, empty, no header, too big)."""

    def __init__(self, message: str):
        super().__init__(message, "file")


@dataclass
class ImportRow:
    row_no: int
    raw: list[Any]
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)     # (column label, reason)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    duplicate_of: str = ""   # the same person (same CCCD): never imported again
    possible_of: str = ""    # maybe the same person (one side has no CCCD): the user chooses
    unknown_branch: str = ""  # the file names a branch the tree does not have
    unit_id: int | None = None
    unit_name: str = ""

    @property
    def status(self) -> str:
        if self.errors:
            return "error"
        return "duplicate" if self.duplicate_of else ("possible" if self.possible_of else "ok")


@dataclass
class ImportPreview:
    filename: str
    header_row: int
    labels: list[str]                  # the file's own header texts, by column
    columns: dict[int, str]            # column index → field
    rows: list[ImportRow]

    @property
    def ok_rows(self) -> list[ImportRow]:
        return [r for r in self.rows if r.status == "ok"]

    @property
    def error_rows(self) -> list[ImportRow]:
        return [r for r in self.rows if r.errors]

    @property
    def duplicate_rows(self) -> list[ImportRow]:
        return [r for r in self.rows if r.status == "duplicate"]

    @property
    def possible_rows(self) -> list[ImportRow]:
        return [r for r in self.rows if r.status == "possible"]

    def summary(self, imported: int = 0) -> dict[str, int]:
        counts = Counter(r.status for r in self.rows)
        return {"read": len(self.rows), "valid": counts["ok"], "imported": imported,
                "duplicates": counts["duplicate"], "possible": counts["possible"],
                "errors": counts["error"],
                "notices": sum(1 for r in self.rows if r.warnings and not r.errors)}

    def notice_groups(self) -> list[dict[str, Any]]:
        """Notices of the rows that will be imported, one line per distinct notice:
        {"column", "message", "rows": [row numbers], "branch": unknown branch name or ""}."""
        groups: dict[tuple[str, str], dict[str, Any]] = {}
        for row in self.rows:
            if row.errors:
                continue
            for column, message in row.warnings:
                group = groups.setdefault((column, message), {
                    "column": column, "message": message, "rows": [], "branch": ""})
                group["rows"].append(row.row_no)
                if row.unknown_branch and message.find(row.unknown_branch) >= 0:
                    group["branch"] = row.unknown_branch
        return sorted(groups.values(), key=lambda g: -len(g["rows"]))

    def to_import(self, possible: Any = ()) -> list[ImportRow]:
        """The rows an import writes: the ready ones, plus the possible duplicates chosen
        (`possible` is True for all of them, or the chosen row numbers)."""
        chosen = set() if possible is False else possible
        return [r for r in self.rows if r.status == "ok" or (
            r.status == "possible" and (chosen is True or r.row_no in chosen))]

    @property
    def recognised(self) -> list[tuple[str, str]]:
        """(file's header text, field) for every recognised column."""
        return [(self.labels[i], f) for i, f in sorted(self.columns.items())]

    @property
    def unused(self) -> list[str]:
        """The file's header texts of the columns the import does not read, once each (a
        header merged over a recognised column is not one)."""
        used = {self.labels[i] for i in self.columns if i < len(self.labels)}
        out: list[str] = []
        for i, label in enumerate(self.labels):
            if label and i not in self.columns and label not in used and label not in out:
                out.append(label)
        return out


# ---------------------------------------------------------------------------------------------
# Reading the file into a grid of cell values
# ---------------------------------------------------------------------------------------------


BLANKS = " \t\r\n\u00a0\u200b\ufeff"


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and (not value.strip(BLANKS)
                                                         or value.isspace()))


def read_grid(data: bytes, filename: str = "") -> list[list[Any]]:
    if not data or not data.strip():
        raise ImportFileError(_("The file is empty."))
    limit = current_app.config.get("IMPORT_MAX_BYTES", MAX_BYTES)
    if len(data) > limit:
        raise ImportFileError(_("The file is larger than %(mb)s MB.", mb=limit // (1024 * 1024)))
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        grid = _read_sheet(data)  # .xlsx, .ods (zip) or the old .xls (OLE)
    else:
        grid = _read_csv(data)
    # Every reader gives None for a blank cell, so the rest of the import tests `is None`.
    if not any(v is not None for row in grid for v in row):
        raise ImportFileError(_("The file is empty."))
    return grid


def _cell_value(value: Any) -> Any:
    if isinstance(value, str):
        return None if _is_blank(value) else value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)  # as openpyxl gives whole numbers (phones, CCCDs, years)
    return value


def _read_sheet(data: bytes) -> list[list[Any]]:
    """The first sheet of an .xlsx, .xls or .ods file, read with python-calamine (Rust): about
    ten times faster than openpyxl on big files. Merged cells take the value of their top-left
    cell; rows keep the spreadsheet's numbering."""
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = book.get_sheet_by_index(0)
        if sheet.total_height > MAX_ROWS + HEADER_SCAN_ROWS:
            raise ImportFileError(_("The file has more than %(n)s rows.", n=MAX_ROWS))
        raw = sheet.to_python(skip_empty_area=False)
        merged = sheet.merged_cell_ranges or []
    except ImportFileError:
        raise
    except Exception as e:  # calamine raises its own errors for anything unreadable
        raise ImportFileError(_("This file is not a spreadsheet (.xlsx, .xls, .ods or .csv)."
                                )) from e
    grid = [[_cell_value(v) for v in row] for row in raw]
    if len(grid) > MAX_ROWS + HEADER_SCAN_ROWS:
        raise ImportFileError(_("The file has more than %(n)s rows.", n=MAX_ROWS))
    for (r0, c0), (r1, c1) in merged:
        if r0 >= len(grid):
            continue
        top = grid[r0][c0] if c0 < len(grid[r0]) else None
        for r in range(r0, min(r1 + 1, len(grid))):
            row = grid[r]
            if len(row) <= c1:
                row.extend([None] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                row[c] = top
    return grid


def _read_xlsx(data: bytes) -> list[list[Any]]:
    """openpyxl's reading of an .xlsx (kept for comparison in the bench; imports use
    `_read_sheet`)."""
    from openpyxl import load_workbook

    # Small files are read fully so merged cells can be filled; big ones stream.
    read_only = len(data) > 3 * 1024 * 1024
    try:
        wb = load_workbook(io.BytesIO(data), read_only=read_only, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        raise ImportFileError(_("This file is not a spreadsheet (.xlsx or .csv).")) from e
    ws = wb.active
    if ws is None:
        raise ImportFileError(_("The file is empty."))
    grid = [list(row) for row in ws.iter_rows(values_only=True)]
    if len(grid) > MAX_ROWS + HEADER_SCAN_ROWS:
        raise ImportFileError(_("The file has more than %(n)s rows.", n=MAX_ROWS))
    if not read_only:
        for rng in ws.merged_cells.ranges:
            top = grid[rng.min_row - 1][rng.min_col - 1] if rng.min_row - 1 < len(grid) else None
            for r in range(rng.min_row - 1, min(rng.max_row, len(grid))):
                row = grid[r]
                if len(row) < rng.max_col:
                    row.extend([None] * (rng.max_col - len(row)))
                for c in range(rng.min_col - 1, rng.max_col):
                    row[c] = top
    wb.close()
    return grid


BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def decode_text(data: bytes) -> str | None:
    """A text file's characters, NFC: by its byte-order mark (UTF-8, or the UTF-16 of Excel's
    "Unicode text"), else UTF-16 without a mark (every other byte NUL), else UTF-8, else
    Windows-1258 (old Vietnamese Excel, whose tone marks are combining characters). None when
    the bytes are not text (a NUL left over means a binary file)."""
    text = None
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                return None
            break
    else:
        head = data[:4096]
        odd, even = head[1::2].count(b"\x00"), head[0::2].count(b"\x00")
        # UTF-16 without a mark: the high byte of every Latin letter, digit and tab is NUL.
        utf16 = ("utf-16-le" if odd * 10 >= len(head) * 3 // 2 and even * 50 <= odd else
                 "utf-16-be" if even * 10 >= len(head) * 3 // 2 and odd * 50 <= even else None)
        if utf16:
            try:
                text = data[:len(data) // 2 * 2].decode(utf16)
            except UnicodeDecodeError:
                return None
        else:
            for encoding in ("utf-8", "cp1258"):
                try:
                    text = data.decode(encoding)
                    break
                except UnicodeDecodeError:
                    continue
    text = text.removeprefix("\ufeff").rstrip("\x1a") if text is not None else None
    if text is None or CONTROL_RE.search(text[:65536]):
        return None  # control characters: a binary file, not text
    return unicodedata.normalize("NFC", text)


CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def sniff_delimiter(text: str) -> str:
    """Tab, semicolon or comma: the one that splits the first lines most consistently (outside
    quotes), ties going to the one that appears most."""
    lines = [line for line in text.splitlines()[:40] if line.strip(BLANKS)]
    best, best_key = ",", (-1, -1)
    for delimiter in ("\t", ";", ","):
        counts = [len(r) - 1 for r in csv.reader(lines, delimiter=delimiter)]
        rows_split = sum(1 for c in counts if c > 0)
        key = (rows_split, sum(counts))
        if key > best_key:
            best, best_key = delimiter, key
    return best


def _read_csv(data: bytes) -> list[list[Any]]:
    """A text file (.csv or Excel's .txt): any encoding `decode_text` knows, any of the three
    delimiters."""
    text = decode_text(data)
    if text is None:
        raise ImportFileError(_("This file is not a spreadsheet (.xlsx or .csv)."))
    delimiter = sniff_delimiter(text)
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as e:
        raise ImportFileError(_("This file is not a spreadsheet (.xlsx or .csv).")) from e
    if len(rows) > MAX_ROWS + HEADER_SCAN_ROWS:
        raise ImportFileError(_("The file has more than %(n)s rows.", n=MAX_ROWS))
    return [[_text_cell(v) for v in row] for row in rows]


# A whole number as a spreadsheet program writes a number cell into a text file: digits, no
# leading zero (a leading zero means the cell was text, as "079058001234" is).
NUMBER_TEXT_RE = re.compile(r"[1-9][0-9]{0,14}")


def _text_cell(value: str) -> Any:
    """A text file's cell as the sheet reader gives it: None when blank, an int for a number
    Excel wrote from a number cell (so a CCCD or phone that lost its leading zeros is read as
    the number it was, like the same cell of the .xlsx), else the text."""
    if not value.strip(BLANKS) or value.isspace():
        return None
    if NUMBER_TEXT_RE.fullmatch(value):
        return int(value)
    return value


# ---------------------------------------------------------------------------------------------
# Header
# ---------------------------------------------------------------------------------------------


def header_key(text: Any) -> str | None:
    """A header cell as the header tables spell it (no case, diacritics or punctuation), or
    None when it cannot be a header (not text, empty, a sentence)."""
    if not isinstance(text, str) or not clean(text):
        return None
    key = " ".join(re.sub(r"[^a-z0-9 ]", " ", search_key(text)).split())
    return key if key and len(key) <= 60 else None


def header_field(text: Any, exact: dict[str, str] | None = None,
                 fragments: list[tuple[str, str]] | None = None) -> str | None:
    """The field a header cell names, by the member tables unless others are given."""
    key = header_key(text)
    if key is None:
        return None
    exact = HEADER_EXACT if exact is None else exact
    if key in exact:
        return exact[key]
    for fragment, name in HEADER_FRAGMENTS if fragments is None else fragments:
        if fragment in key:
            return name
    return None


def find_header(grid: list[list[Any]]) -> tuple[int, dict[int, str], int]:
    """(header row index, {column: field}, first data row index)."""
    best = None
    for r, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        fields = {c: header_field(v) for c, v in enumerate(row)}
        found = {f for f in fields.values() if f}
        if found & NAME_FIELDS and len(found) >= 2:
            best = r
            break
    if best is None:
        raise ImportFileError(_("No header row found: the file needs a column \"Họ và tên\" and "
                                "at least one other known column (Ngày sinh, Số CCCD, Điện "
                                "thoại…)."))
    columns: dict[int, str] = {}
    for c, v in enumerate(grid[best]):
        f = header_field(v)
        if f and f not in columns.values():
            columns[c] = f
    start = best + 1
    # Two-row header: "Năm sinh" over "Nam | Nữ" means the column holding the year says the sex.
    if start < len(grid):
        sub = {c: search_key(v) for c, v in enumerate(grid[start]) if isinstance(v, str)}
        male = [c for c, k in sub.items() if k == "nam"]
        female = [c for c, k in sub.items() if k == "nu"]
        if male and female:
            for c in list(columns):
                if columns[c] == "birth":
                    del columns[c]
            columns[male[0]], columns[female[0]] = "birth_male", "birth_female"
            start += 1
    return best, columns, start


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------


def _cell(row: list[Any], c: int) -> Any:
    return row[c] if c < len(row) else None


def _first_text(row: list[Any]) -> str:
    for v in row:
        if v is not None:
            # A row numbered in its first cell is a member row, not a footer: no key needed.
            if isinstance(v, (int, float)) or (isinstance(v, str) and v.strip().isdigit()):
                return ""
            return search_key(str(v))
    return ""


def _unit_key(name: str) -> str:
    key = search_key(name)
    key = re.sub(r"^(hoi khuyen hoc|chi hoi|ban khuyen hoc)\s+", "", key)
    key = re.sub(r"^kp\s*(\d+)$", r"khu pho \1", key)
    key = re.sub(r"^ap\s+", "ap ", key)
    return key


def _branch_index(unit: Unit) -> dict[str, Unit]:
    units = db.session.scalars(
        select(Unit).where(Unit.path.startswith(unit.path, autoescape=True),
                           Unit.valid_to.is_(None))
    ).all()
    index = {}
    for u in units:
        index.setdefault(_unit_key(u.name), u)
        index.setdefault(search_key(u.code), u)
    return index


def parse(data: bytes, filename: str, unit: Unit, *, on: date | None = None,
          user: User | None = None, progress=None) -> ImportPreview:
    """Read, normalise and check a file for `unit`. `user` (None from the command line, which
    sees everything) decides which existing members a duplicate message may name.
    `progress(done, total, "checking")` is called every thousand rows (jobs show it)."""
    on = on or today()
    grid = read_grid(data, filename)
    header_idx, columns, start = find_header(grid)
    width = max(len(grid[header_idx]), max((c + 1 for c in columns), default=0))
    labels = [clean(str(v)) if v is not None else "" for v in grid[header_idx]]
    labels += [""] * (width - len(labels))
    for c, f in columns.items():
        if f in ("birth_male", "birth_female"):
            labels[c] = f"{labels[c] or 'Năm sinh'} ({'Nam' if f == 'birth_male' else 'Nữ'})"
    name_col = next((c for c, f in columns.items() if f == "full_name"), None)
    field_cols = {f: c for c, f in columns.items()}
    field_items = list(field_cols.items())
    branches = _branch_index(unit)
    rows: list[ImportRow] = []
    section_unit: Unit | None = None

    for r in range(start, len(grid)):
        if progress is not None and (r - start) % 1000 == 0:
            progress(r - start, len(grid) - start, "checking")
        row = grid[r]
        non_empty = [v for v in row if v is not None]
        if not non_empty:
            continue
        first = _first_text(row)
        name_val = _cell(row, name_col) if name_col is not None else None
        if FOOTER_RE.search(first) or (name_val is not None and FOOTER_RE.search(
                search_key(str(name_val)))):
            break
        if name_val is not None and COLUMN_NUMBER_RE.match(str(name_val).strip()):
            continue
        # A section row ("Chi hội khu phố 1", often merged across the row): one text only.
        # (Member rows differ in their first two cells, so the set is rarely built.)
        if (len(non_empty) == 1 or str(non_empty[0]).strip() == str(non_empty[1]).strip()) and (
                len(texts := {str(v).strip() for v in non_empty}) == 1
                and (len(non_empty) >= 2 or first.startswith(SECTION_WORDS))
                and not isinstance(non_empty[0], (int, float))):
            section_unit = branches.get(_unit_key(next(iter(texts))), section_unit)
            continue
        n = len(row)
        values: dict[str, Any] = {f: row[c] if c < n else None for f, c in field_items}
        if "full_name" not in field_cols:
            values["full_name"] = " ".join(
                str(values[k]) for k in ("family", "given") if values.get(k) is not None)
        birth_source = "birth"
        if "birth_male" in field_cols or "birth_female" in field_cols:
            male, female = values.pop("birth_male", None), values.pop("birth_female", None)
            values["birth"] = male if male is not None else female
            birth_source = "birth_male" if male is not None or female is None else "birth_female"
            if values.get("sex") is None and (male is None) != (female is None):
                values["sex"] = "M" if male is not None else "F"
        meaningful = [k for k in ("full_name", "birth", "cccd", "phone") if values.get(k)]
        if not meaningful:
            continue
        item = ImportRow(row_no=r + 1, raw=list(row[:width]) + [None] * (width - len(row)))
        result = normalise(values, on=on)

        def label_of(f: str, birth_source=birth_source) -> str:
            if f == "birth":
                f = birth_source
            if f == "full_name" and "full_name" not in field_cols:
                f = "given" if "given" in field_cols else "family"
            c = field_cols.get(f)
            return labels[c] if c is not None and labels[c] else FIELD_LABELS.get(f, f)

        item.errors = [(label_of(f), m) for f, m in result.errors]
        item.warnings = [(label_of(f), m) for f, m in result.warnings]
        item.values = {**result.data, **_derived(result.data)} if not result.errors else (
            result.data)
        target = section_unit or unit
        branch = values.get("branch")
        if branch is not None:
            found = branches.get(_unit_key(str(branch)))
            if found is None:
                item.unknown_branch = clean(str(branch))[:200]
                item.warnings.append((label_of("branch"), _(
                    "Unknown branch %(v)s: the member is put in %(unit)s.", v=clean(str(branch)),
                    unit=target.name)))
            else:
                target = found
        item.unit_id, item.unit_name = target.id, target.name
        rows.append(item)
        if len(rows) > MAX_ROWS:
            raise ImportFileError(_("The file has more than %(n)s rows.", n=MAX_ROWS))
    if not rows:
        raise ImportFileError(_("No member rows were found under the header."))
    _mark_duplicates(rows, unit, user)
    return ImportPreview(filename=filename, header_row=header_idx + 1, labels=labels,
                         columns=columns, rows=rows)


def _what(reason: str) -> str:
    return {"cccd": _("CCCD"), "phone_name": _("phone number and name"),
            "name_birth": _("name and birth date")}[reason]


@dataclass
class _Person:
    """What the identity rules compare, for a file row or an existing member."""

    cccd: str | None
    phone: str
    name: str            # search key of the name
    birth: Any           # birth date, else birth year, else None
    ref: Any = None      # row number, or the existing member's row

    @classmethod
    def of(cls, v: dict[str, Any], ref: Any = None) -> _Person:
        name = v.get("search_key") or search_key(v.get("full_name"))
        return cls(v.get("cccd") or None, v.get("phone") or "", name,
                   v.get("birth_date") or v.get("birth_year"), ref)


def _match(a: _Person, b: _Person) -> tuple[str, str] | None:
    """("same" | "possible", reason) by the import's identity rules, or None.

    Same normalised CCCD: the same person. Two different CCCDs: two people, whatever else they
    share. Where one side has no CCCD: the same phone and name, or the same name and birth date,
    is a possible duplicate for the user to decide."""
    if a.cccd and b.cccd:
        return ("same", "cccd") if a.cccd == b.cccd else None
    if a.phone and a.phone == b.phone and a.name == b.name:
        return "possible", "phone_name"
    if a.birth and a.name == b.name and a.birth == b.birth:
        return "possible", "name_birth"
    return None


class _Index:
    """People by CCCD, by (phone, name) and by (name, birth), for the identity rules."""

    def __bool__(self) -> bool:
        return bool(self.by_cccd or self.by_phone or self.by_birth)

    def __init__(self):
        self.by_cccd: dict[str, list[_Person]] = {}
        self.by_phone: dict[tuple, list[_Person]] = {}
        self.by_birth: dict[tuple, list[_Person]] = {}

    def add(self, p: _Person) -> None:
        if p.cccd:
            self.by_cccd.setdefault(p.cccd, []).append(p)
        if p.phone:
            self.by_phone.setdefault((p.phone, p.name), []).append(p)
        if p.birth:
            self.by_birth.setdefault((p.name, p.birth), []).append(p)

    def find(self, p: _Person) -> tuple[str, str, _Person] | None:
        """The strongest match: a same-CCCD one first, then the first possible one."""
        if p.cccd:
            for other in self.by_cccd.get(p.cccd, ()):
                return "same", "cccd", other
        for people in (self.by_phone.get((p.phone, p.name), ()) if p.phone else (),
                       self.by_birth.get((p.name, p.birth), ()) if p.birth else ()):
            for other in people:
                if found := _match(p, other):
                    return (*found, other)
        return None


def _one_of(column, keys: list[str]):
    """`column IN (the keys)` with the keys as one parameter (a JSON array on SQLite, an array
    on PostgreSQL): one statement however many keys, each looked up through the column's index."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import String, any_, bindparam
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == any_(bindparam(None, keys, type_=ARRAY(String)))
    from sqlalchemy import func

    values = func.json_each(json.dumps(keys)).table_valued("value")
    return column.in_(select(values.c.value))


def _existing(people: list[_Person], unit: Unit) -> _Index:
    """Members of the association tree `unit` belongs to who share a CCCD, a phone or a name
    with someone in the file: only the file's own keys are looked up, never the whole table."""
    from ..models import Member

    root = f"/{unit.ancestor_ids[0]}/"
    index = _Index()
    seen: set[int] = set()
    cols = (Member.id, Member.number, Member.full_name, Member.cccd, Member.phone,
            Member.search_key, Member.birth_date, Member.birth_year, Unit.name, Unit.path)
    for column, keys in ((Member.cccd, {p.cccd for p in people if p.cccd}),
                         (Member.phone, {p.phone for p in people if p.phone}),
                         (Member.search_key, {p.name for p in people if p.birth})):
        if not keys:
            continue
        rows = db.session.execute(
            select(*cols).join(Unit, Member.unit_id == Unit.id)
            .where(_one_of(column, sorted(keys)), Member.status != "merged",
                   Unit.path.startswith(root, autoescape=True)))
        for row in rows:
            if row.id in seen:
                continue
            seen.add(row.id)
            index.add(_Person(row.cccd, row.phone or "", row.search_key,
                              row.birth_date or row.birth_year, row))
    return index


def _mark_duplicates(rows: list[ImportRow], unit: Unit, user: User | None) -> None:
    """Inside the file, then against the members of the association tree (identity rules in
    `_match`). A member the user may not see is "elsewhere in the association", unnamed."""
    from ..models import format_member_number
    from ..permissions import granting_paths

    people = {row.row_no: _Person.of(row.values, row.row_no) for row in rows if not row.errors}
    existing = _existing(list(people.values()), unit)
    paths = None if user is None else granting_paths(user, "member.view")
    in_file = _Index()
    for row in rows:
        person = people.get(row.row_no)
        if person is None:
            continue
        found = existing.find(person) if existing else None
        if found:
            kind, reason, other = found
            m = other.ref
            if paths is None or any(m.path.startswith(p) for p in paths):
                who = _("member %(no)s %(name)s (%(unit)s)", no=format_member_number(m.number),
                        name=m.full_name, unit=m.name)
                if kind == "same":
                    row.duplicate_of = _("Same %(what)s as %(who)s", what=_what(reason), who=who)
                else:
                    row.possible_of = _("Possibly the same person as %(who)s: same %(what)s, "
                                        "and one of them has no CCCD.", who=who,
                                        what=_what(reason))
            elif kind == "same":
                row.duplicate_of = _("Already a member elsewhere in the association (same "
                                     "%(what)s).", what=_what(reason))
            else:
                row.possible_of = _("Possibly already a member elsewhere in the association "
                                    "(same %(what)s, and one of them has no CCCD).",
                                    what=_what(reason))
        if not row.duplicate_of and not row.possible_of and (found := in_file.find(person)):
            kind, reason, other = found
            if kind == "same":
                row.duplicate_of = _("Same %(what)s as row %(row)s", what=_what(reason),
                                     row=other.ref)
            else:
                row.possible_of = _("Possibly the same person as row %(row)s: same %(what)s, "
                                    "and one of them has no CCCD.", row=other.ref,
                                    what=_what(reason))
        if not row.duplicate_of:
            in_file.add(person)


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


# The member columns an import writes, in the order of the rows handed to the database.
MEMBER_COLUMNS = (
    "number", "unit_id", "status", "kind", "honorary", "full_name", "search_key",
    "given_name_key", "birth_date", "birth_year", "sex", "cccd", "phone", "address",
    "occupation", "representative", "contact", "joined_on", "notes", "end_reason", "card_token",
    "created_at", "updated_at",
)
STEP = 5_000  # rows per statement (progress and cancel are checked between them)


def commit(actor: User | None, unit: Unit, preview: ImportPreview, *,
           valid_only: bool = False, possible: Any = (), progress=None) -> dict[str, int]:
    """Insert the ready rows (and the possible duplicates chosen: True for all, or their row
    numbers; the default skips them). With any error row nothing is written unless
    `valid_only`. `progress(done, total)` is called between chunks (jobs show it).

    Written in bulk, as the database's own loader would: member numbers taken in one step, the
    rows handed to the driver as they are (executemany on SQLite, COPY on PostgreSQL), the
    search index filled in one statement at the end, the roll-ups rebuilt once at commit, and
    one audit entry saying who imported which file, when, and how many (with the numbers they
    received; a member's history finds it by them)."""
    if preview.error_rows and not valid_only:
        raise DomainError(_("%(n)s rows have errors: nothing was imported. Fix the file, or "
                            "choose to import the valid rows only.", n=len(preview.error_rows)),
                          "valid_only")
    if not unit.is_active():
        raise DomainError(_("The unit is closed."), "unit")
    ok = preview.to_import(possible)
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        # A bigger page cache keeps the member indexes in memory during the bulk insert.
        db.session.execute(text("PRAGMA cache_size=-131072"))
    first = take_numbers(len(ok)) if ok else 0
    last = first + len(ok) - 1
    now = utcnow()
    chosen = [r.row_no for r in ok if r.status == "possible"]
    chosen_set = set(chosen)
    skipped = [r.row_no for r in preview.possible_rows if r.row_no not in chosen_set]
    summary = preview.summary(imported=len(ok))
    entry = audit.record(actor, "member.import", unit, data={
        "file": preview.filename, **summary, "numbers": [first, last] if ok else [],
        "possible_imported": chosen, "possible_skipped": skipped,
    })
    entry.at = now  # the members' created_at: a member's history finds its import by it
    if ok:
        rows = _member_rows(ok, first, now)
        with search_index.bulk_insert(db.session, (first, last)):
            _insert_members(rows, dialect, progress)
        tally.touch(unit_ids={r.unit_id for r in ok})  # the ORM did not see these
    db.session.flush()
    return summary


def _member_rows(ok: list[ImportRow], first: int, now: datetime) -> list[tuple]:
    # 18 random bytes per member: 24 base64 characters each, no padding (one call, not 100,000).
    tokens = base64.urlsafe_b64encode(os.urandom(18 * len(ok))).decode()
    return [
        (first + i, row.unit_id, "active", v["kind"], v["honorary"], v["full_name"],
         v["search_key"], v["given_name_key"], v["birth_date"], v["birth_year"], v["sex"],
         v["cccd"], v["phone"], v["address"], v["occupation"], v["representative"],
         v["contact"], v["joined_on"], v["notes"], "", tokens[i * 24:(i + 1) * 24], now, now)
        for i, row in enumerate(ok) for v in (row.values,)
    ]


# From this many rows, a PostgreSQL import brings the planner's statistics and the word
# indexes up to date itself (see fresh_statistics).
FRESH_STATISTICS = 2_000


def fresh_statistics(connection) -> None:
    """After a bulk load into `member` (PostgreSQL): ANALYZE it, so that the planner knows the
    ward has thousands of members (with no statistics it walks all of them to sort a page:
    40x slower), and move the GIN indexes' pending entries into the index proper (a search
    reads the pending list row by row: 28 ms at 100,000 new names). Autovacuum does both
    later, if it runs at all; the first lists and searches after an import should not wait.
    Both run inside the import's transaction (its own new rows are sampled and indexed)."""
    connection.exec_driver_sql("ANALYZE member")
    connection.exec_driver_sql(
        "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
        "WHERE i.indrelid = 'member'::regclass AND a.amname = 'gin'")


def _insert_members(rows: list[tuple], dialect: str, progress=None) -> None:
    """Hand the rows to the driver in chunks, inside the session's transaction."""
    connection = db.session.connection()
    names = ", ".join(MEMBER_COLUMNS)
    if dialect == "postgresql":
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor:
            for start in range(0, len(rows), STEP):
                with cursor.copy(f"COPY member ({names}) FROM STDIN") as copy:
                    for row in rows[start:start + STEP]:
                        copy.write_row(row)
                if progress is not None:
                    progress(min(start + STEP, len(rows)), len(rows), "writing")
        if len(rows) >= FRESH_STATISTICS:
            fresh_statistics(connection)
        return
    # What SQLAlchemy's SQLite types do to each value, done here once for all: dates as
    # yyyy-mm-dd text, the timestamp as its text, booleans as 0/1.
    stamp = Member.__table__.c.created_at.type.dialect_impl(connection.dialect).bind_processor(
        connection.dialect)
    now = stamp(rows[0][-1]) if stamp else rows[0][-1]
    marks = ", ".join("?" for _ in MEMBER_COLUMNS)
    sql = f"INSERT INTO member ({names}) VALUES ({marks})"
    for start in range(0, len(rows), STEP):
        chunk = [
            (*row[:4], 1 if row[4] else 0, *row[5:8], row[8] and row[8].isoformat(),
             *row[9:17], row[17] and row[17].isoformat(), *row[18:21], now, now)
            for row in rows[start:start + STEP]]
        connection.exec_driver_sql(sql, chunk)
        if progress is not None:
            progress(start + len(chunk), len(rows), "writing")


def rejected_xlsx(preview: ImportPreview) -> bytes:
    """The rows not imported (errors and duplicates), as the file had them, plus a reason."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Lỗi"
    ws.append(["Dòng", *preview.labels, "Lỗi"])
    for row in preview.rows:
        if row.status == "ok":
            continue
        reasons = [f"{col}: {msg}" for col, msg in row.errors] or [
            row.duplicate_of or row.possible_of]
        ws.append([row.row_no, *[_excel_safe(v) for v in row.raw], "; ".join(reasons)])
    return workbook_bytes(wb)


def _excel_safe(value: Any) -> Any:
    if isinstance(value, (int, float, date, datetime)) or value is None:
        return value
    return str(value)


# ---------------------------------------------------------------------------------------------
# Uploads kept between preview and confirm (on disk, keyed to the user, never in the session)
# ---------------------------------------------------------------------------------------------


def _upload_dir() -> Path:
    from ..config import INSTANCE

    path = Path(current_app.config.get("IMPORT_DIR") or INSTANCE / "imports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_upload(user: User, unit: Unit, data: bytes, filename: str, *, kind: str = "member",
                extra: dict | None = None) -> str:
    """Keep an upload between its preview and its confirmation. `kind` says which import it
    is for (a member list, a learning-model register); `extra` holds that import's choices."""
    folder = _upload_dir()
    cutoff = time.time() - 2 * 86400
    for old in folder.glob("*.json"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
            old.with_suffix(".data").unlink(missing_ok=True)
    token = uuid.uuid4().hex
    (folder / f"{token}.data").write_bytes(data)
    (folder / f"{token}.json").write_text(json.dumps(
        {"user_id": user.id, "unit_id": unit.id, "filename": filename[:200], "kind": kind,
         "at": utcnow().isoformat(), **(extra or {})}))
    return token


def load_upload(user: User, token: str, kind: str = "member") -> tuple[dict, bytes] | None:
    """The user's own upload of this kind, or None."""
    if not re.fullmatch(r"[0-9a-f]{32}", token or ""):
        return None
    folder = _upload_dir()
    meta_path = folder / f"{token}.json"
    if not meta_path.exists():
        return None
    meta = json.loads(meta_path.read_text())
    if meta.get("user_id") != user.id or meta.get("kind", "member") != kind:
        return None
    return meta, (folder / f"{token}.data").read_bytes()


def discard_upload(token: str) -> None:
    folder = _upload_dir()
    (folder / f"{token}.json").unlink(missing_ok=True)
    (folder / f"{token}.data").unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# Export (the same columns the importer reads)
# ---------------------------------------------------------------------------------------------


def export_records(members: list[Member], unit: Unit, progress=None) -> list[list[Any]]:
    """One list per member, in EXPORT_HEADERS order, with Python values (dates as dates)."""
    rows = []
    for i, m in enumerate(members, start=1):
        if progress is not None and i % 2000 == 0:
            progress(i, len(members), "exporting")
        rows.append([
            i, m.display_number, m.full_name,
            m.birth_date or m.birth_year, {"M": "Nam", "F": "Nữ"}.get(m.sex, ""),
            m.cccd or "", m.phone, m.address, m.occupation,
            m.unit.name if m.unit_id != unit.id else "",
            m.joined_on, "Tập thể" if m.is_collective else "Cá nhân",
            "x" if m.honorary else "", m.representative, m.contact, m.notes,
        ])
    return rows


def export_xlsx(members: list[Member], unit: Unit, progress=None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Hội viên"
    ws.append([label for _f, label in EXPORT_HEADERS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for record in export_records(members, unit, progress):
        ws.append(record)
        for col in (4, 11):
            cell = ws.cell(row=ws.max_row, column=col)
            if isinstance(cell.value, (date, datetime)):
                cell.number_format = "dd/mm/yyyy"
        for col in (6, 7):  # CCCD and phone stay text: leading zeros matter
            ws.cell(row=ws.max_row, column=col).number_format = "@"
    for letter, width in zip("ABCDEFGHIJKLMNOP", (5, 11, 26, 11, 8, 14, 12, 30, 16, 22, 11, 10,
                                                  7, 20, 16, 20), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    return workbook_bytes(wb)


def export_csv(members: list[Member], unit: Unit, progress=None) -> bytes:
    return csv_bytes([[label for _f, label in EXPORT_HEADERS],
                      *export_records(members, unit, progress)])
