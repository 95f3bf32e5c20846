"""Bank statements (sao kê) as Vietnamese banks export them: .xlsx, .xls or .csv, title rows
(bank, account number, period, opening balance), then a header naming date, reference, debit,
credit, balance and description columns under their usual names, the lines, and a footer
(totals, closing balance, signatures).

Read with the project's one spreadsheet reader and header matcher (services/imports.py:
`read_grid`, `header_field`): the same file types, encodings and merged cells as the member
import. `read(data, filename)` gives a `ParsedStatement`; nothing here touches the database."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

from ...services.imports import ImportFileError, header_field, read_grid
from ...text import clean, parse_date_loose, search_key
from .transfer_codes import normalise

HEADER_SCAN_ROWS = 40

# Header text (no case, diacritics or punctuation) → field; exact names, then fragments in
# order (the longer, more telling ones first).
HEADER_EXACT = {
    "stt": "stt", "tt": "stt", "no": "debit", "co": "credit", "ngay": "date",
    "ngay gd": "date", "date": "date", "so du": "balance", "so tien": "amount",
    "amount": "amount", "ref": "reference", "ma gd": "reference", "so ct": "reference",
}
HEADER_FRAGMENTS = [
    ("ghi no", "debit"), ("ghi co", "credit"), ("tien ra", "debit"), ("tien vao", "credit"),
    ("rut ra", "debit"), ("gui vao", "credit"), ("phat sinh no", "debit"),
    ("phat sinh co", "credit"), ("debit", "debit"), ("credit", "credit"), ("so du", "balance"),
    ("balance", "balance"), ("tham chieu", "reference"), ("chung tu", "reference"),
    ("but toan", "reference"), ("ma giao dich", "reference"), ("so giao dich", "reference"),
    ("reference", "reference"), ("ref no", "reference"), ("transaction no", "reference"),
    ("noi dung", "description"), ("dien giai", "description"), ("mo ta", "description"),
    ("description", "description"), ("chi tiet", "description"), ("details", "description"),
    ("remark", "description"), ("ngay hieu luc", "value_date"), ("value date", "value_date"),
    ("ngay", "date"), ("date", "date"), ("so tien", "amount"), ("amount", "amount"),
]

ACCOUNT_LABELS = ("so tai khoan", "tai khoan so", "account number", "account no", "so tk")
OPENING_LABELS = ("so du dau ky", "so du dau", "opening balance", "beginning balance")
CLOSING_LABELS = ("so du cuoi ky", "so du cuoi", "closing balance", "ending balance")


@dataclass
class StatementLine:
    row_no: int               # as the spreadsheet numbers it
    on: date
    reference: str
    amount: int               # + credit (money in), - debit (money out)
    balance: int | None
    description: str
    fingerprint: str = ""

    @property
    def is_credit(self) -> bool:
        return self.amount > 0


@dataclass
class ParsedStatement:
    filename: str
    header_row: int
    lines: list[StatementLine] = field(default_factory=list)
    account_number: str = ""
    opening_balance: int | None = None
    closing_balance: int | None = None
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def date_from(self) -> date | None:
        return min((ln.on for ln in self.lines), default=None)

    @property
    def date_to(self) -> date | None:
        return max((ln.on for ln in self.lines), default=None)

    @property
    def last_balance(self) -> int | None:
        """The balance the bank states at the end: the closing-balance line of the footer, or
        the balance column of the latest line."""
        if self.closing_balance is not None:
            return self.closing_balance
        with_balance = [ln for ln in self.lines if ln.balance is not None]
        if not with_balance:
            return None
        return max(with_balance, key=lambda ln: (ln.on, ln.row_no)).balance


def _field(text: Any) -> str | None:
    return header_field(text, HEADER_EXACT, HEADER_FRAGMENTS)


_MONEY = re.compile(r"[+-]?\d{1,3}(?:([.,\s])\d{3})*(?:([.,])(\d{1,2}))?")


def money(value: Any) -> int | None:
    """A money cell as whole đồng: numbers as they are; text "1.250.000", "1,250,000",
    "1 250 000 VND", "+500,000.00", "(22.000)". None when empty; ValueError when not money."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return round(value)
    text = clean(str(value)).upper().replace("VND", "").replace("Đ", "").replace("\u00a0", " ")
    text = text.strip()
    if not text or text in ("-", "0"):
        return 0 if text == "0" else None
    negative = text.startswith("-") or (text.startswith("(") and text.endswith(")"))
    text = text.strip("()+- ")
    if not text:
        return None
    m = _MONEY.fullmatch(text)
    if m is None:
        if re.fullmatch(r"\d+", text):
            amount = int(text)
        else:
            raise ValueError(text)
    else:
        # Thousands come in groups of three; one or two digits after the last separator are
        # hundredths ("500,000.00"), which đồng do not have.
        whole = text[: m.start(2)] if m.group(2) else text
        amount = int(re.sub(r"\D", "", whole))
    return -amount if negative else amount


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        value = clean(value).split(" ")[0] if clean(value) else ""
        if not value:
            return None
    try:
        day, _year = parse_date_loose(value)
    except ValueError:
        return None
    return day


def _row_text(row: list[Any]) -> str:
    return " ".join(search_key(str(v)) for v in row if v is not None)


def _first_money_after(row: list[Any], labels: tuple[str, ...]) -> int | None:
    """The first amount in a title/footer row after a cell naming one of `labels`."""
    for c, v in enumerate(row):
        if v is None or not isinstance(v, str):
            continue
        key = search_key(v)
        if not any(label in key for label in labels):
            continue
        tail = v.split(":", 1)[1] if ":" in v else ""
        # After the label first; a bank that writes the label last has the amount before it.
        for candidate in [tail, *row[c + 1:], *row[:c]]:
            if candidate is None or candidate == "":
                continue
            try:
                amount = money(candidate)
            except ValueError:
                continue
            if amount is not None:
                return amount
    return None


def _account_in(row: list[Any]) -> str:
    for c, v in enumerate(row):
        if not isinstance(v, str):
            continue
        key = search_key(v)
        if any(label in key for label in ACCOUNT_LABELS):
            for candidate in [v.split(":", 1)[1] if ":" in v else "", *row[c + 1:]]:
                digits = re.sub(r"[\s.\-]", "", str(candidate or ""))
                if m := re.search(r"\d{6,19}", digits):
                    return m.group(0)
    return ""


def find_header(grid: list[list[Any]]) -> tuple[int, dict[int, str]]:
    for r, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        columns: dict[int, str] = {}
        for c, v in enumerate(row):
            f = _field(v)
            if f and f not in columns.values():
                columns[c] = f
        found = set(columns.values())
        if "value_date" in found and "date" not in found:
            columns = {c: ("date" if f == "value_date" else f) for c, f in columns.items()}
            found = set(columns.values())
        if "date" in found and "description" in found and (
                "credit" in found or "amount" in found):
            return r, columns
    raise ImportFileError(_(
        "No header row found: a bank statement needs columns for the date, the description "
        "(Nội dung / Diễn giải) and the money in (Ghi có / Số tiền)."))


def fingerprint(account_id: int, line: StatementLine, occurrence: int = 0) -> str:
    """The line's identity, the same in every statement that contains it: account, date,
    reference, amount, description (as letters and digits); the n-th identical line of one
    statement adds n."""
    raw = "|".join([str(account_id), line.on.isoformat(), normalise(line.reference),
                    str(line.amount), normalise(line.description), str(occurrence)])
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def read(data: bytes, filename: str = "") -> ParsedStatement:
    grid = read_grid(data, filename)
    header, columns = find_header(grid)
    statement = ParsedStatement(filename=filename, header_row=header + 1)
    for row in grid[:header]:
        statement.account_number = statement.account_number or _account_in(row)
        if statement.opening_balance is None:
            statement.opening_balance = _first_money_after(row, OPENING_LABELS)
    by_field = {f: c for c, f in columns.items()}

    def cell(row, name):
        c = by_field.get(name)
        return row[c] if c is not None and c < len(row) else None

    for r in range(header + 1, len(grid)):
        row = grid[r]
        if not any(v is not None for v in row):
            continue
        text = _row_text(row)
        if any(label in text for label in CLOSING_LABELS):
            amount = _first_money_after(row, CLOSING_LABELS)
            if amount is not None:
                statement.closing_balance = amount
            continue
        if any(label in text for label in OPENING_LABELS):
            if statement.opening_balance is None:
                statement.opening_balance = _first_money_after(row, OPENING_LABELS)
            continue
        on = _day(cell(row, "date"))
        try:
            credit = money(cell(row, "credit"))
            debit = money(cell(row, "debit"))
            signed = money(cell(row, "amount"))
            balance = money(cell(row, "balance"))
        except ValueError as e:
            if on is not None:
                statement.errors.append((r + 1, _("This is not an amount: %(v)s", v=str(e))))
            continue
        if on is None:
            continue  # a sub-header, a totals or signature row
        if credit or debit:
            amount = (credit or 0) - abs(debit or 0)
        elif signed:
            amount = signed
        else:
            continue
        if amount == 0:
            continue
        reference = clean(str(cell(row, "reference") or ""))[:60]
        description = clean(str(cell(row, "description") or ""))[:500]
        statement.lines.append(StatementLine(row_no=r + 1, on=on, reference=reference,
                                             amount=amount, balance=balance,
                                             description=description))
    if statement.opening_balance is None and statement.lines:
        first = min(statement.lines, key=lambda ln: (ln.on, ln.row_no))
        if first.balance is not None:
            statement.opening_balance = first.balance - first.amount
    if not statement.lines and not statement.errors:
        raise ImportFileError(_("The statement has no lines with money in or out."))
    return statement


def with_fingerprints(statement: ParsedStatement, account_id: int) -> ParsedStatement:
    seen: dict[tuple, int] = {}
    for line in statement.lines:
        key = (line.on, normalise(line.reference), line.amount, normalise(line.description))
        n = seen.get(key, 0)
        seen[key] = n + 1
        line.fingerprint = fingerprint(account_id, line, n)
    return statement
