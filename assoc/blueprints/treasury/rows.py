"""The rows of a voucher table as HTML, built in one pass (issue 30): as a Jinja loop each of a
page's 50 rows cost ~130 Python calls (escapes, filters, lookups), a third of the page. The
markup is the template's, cell for cell (treasury/_macros.html keeps the head and the
empty-table row). Void vouchers are struck through."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import Select, literal

from ...filters import fmt_date, url_by_id
from ...models import Fund, Unit, Voucher, VoucherBook
from ...money import format_money


class VoucherRow(NamedTuple):
    """What a voucher table shows of a voucher, read as plain columns (no ORM object, no book
    or fund loaded per row)."""

    id: int
    number: int
    book_code: str
    voucher_date: date
    party_name: str
    reason: str
    fund_name: str
    kind: str
    amount: int
    status: str
    unit_name: str

    @property
    def display_number(self) -> str:  # as Voucher.display_number
        return f"{self.book_code}/{self.number:04d}"

    @property
    def is_void(self) -> bool:
        return self.status == "void"


ROW_COLUMNS = (Voucher.id, Voucher.number, VoucherBook.code, Voucher.voucher_date,
               Voucher.party_name, Voucher.reason, Fund.name, Voucher.kind, Voucher.amount,
               Voucher.status)


def as_rows(query: Select, *, unit_joined: bool = False) -> Select:
    """`query` (a select of Voucher) reading the columns of VoucherRow instead; the unit's name
    only where `query` joins Unit already (the treasury-wide list shows it), else ""."""
    unit_name = Unit.name if unit_joined else literal("")
    q = query.with_only_columns(*ROW_COLUMNS, unit_name, maintain_column_froms=True)
    return q.join(VoucherBook, Voucher.book_id == VoucherBook.id).join(
        Fund, Voucher.fund_id == Fund.id)


def voucher_rows(vouchers, show_unit: bool = False) -> Markup:
    voucher_url = url_by_id("treasury.voucher", "voucher_id")
    void_badge = f'<span class="badge text-bg-danger">{escape(_("Void"))}</span>'
    out = []
    for v in vouchers:
        void = v.is_void
        amount = escape(format_money(v.amount))
        unit = f"<td>{escape(v.unit_name)}</td>" if show_unit else ""
        out.append(
            ('<tr class="text-decoration-line-through text-muted" data-testid="voucher-row">'
             if void else '<tr class="" data-testid="voucher-row">') +
            f'<td class="text-nowrap"><a href="{voucher_url(v.id)}">'
            f"{escape(v.display_number)}</a></td>"
            f'<td class="text-nowrap">{fmt_date(v.voucher_date)}</td>{unit}'
            f"<td>{escape(v.party_name)}</td>"
            f'<td class="small">{escape(v.reason)}</td>'
            f'<td class="small">{escape(v.fund_name)}</td>'
            f'<td class="text-end text-nowrap">{amount if v.kind == "receipt" else ""}</td>'
            f'<td class="text-end text-nowrap">{amount if v.kind == "payment" else ""}</td>'
            f"<td>{void_badge if void else ''}</td></tr>\n")
    return Markup("".join(out))
