"""A unit's own data, for its chair to keep: members, vouchers, funds and events of the unit and
its sub-tree, one .xlsx each, in one zip. Every sheet is scoped like every other export (the
rows of units where the user holds the matching view right) and written through the safe-cell
helper. The caller records the download in the audit log."""

from __future__ import annotations

import io
import zipfile
from datetime import date

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..exports import workbook_bytes
from ..extensions import db
from ..filters import local_dt
from ..models import Event, Fund, Member, Unit, User, Voucher
from ..permissions import scope_query
from . import imports, treasury
from . import members as member_svc

XLSX_DATE = "dd/mm/yyyy"
MONEY = "#,##0"


def _in_subtree(q, user: User, action: str, unit: Unit):
    q = scope_query(q, user, action)
    return q.where(Unit.path.startswith(unit.path, autoescape=True))


def _sheet(title: str, header: list[str], rows: list[list], money: set[int]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
        for col, value in enumerate(row, start=1):
            cell = ws.cell(row=ws.max_row, column=col)
            if isinstance(value, date):
                cell.number_format = XLSX_DATE
            elif col in money:
                cell.number_format = MONEY
    ws.freeze_panes = "A2"
    for column in ws.columns:
        width = max(len(str(c.value or "")) for c in column)
        ws.column_dimensions[column[0].column_letter].width = min(50, max(10, width + 2))
    return workbook_bytes(wb)


def members_xlsx(user: User, unit: Unit) -> tuple[bytes, int]:
    filters = member_svc.ListFilters(status="all", sort="number")
    members = db.session.scalars(member_svc.member_query(user, unit, filters)
                                 .options(selectinload(Member.unit))).all()
    return imports.export_xlsx(members, unit), len(members)


def vouchers_xlsx(user: User, unit: Unit) -> tuple[bytes, int]:
    q = _in_subtree(select(Voucher).join(Unit, Voucher.unit_id == Unit.id), user,
                    "voucher.view", unit)
    vouchers = db.session.scalars(q.options(selectinload(Voucher.fund), selectinload(Voucher.unit))
                                  .order_by(Unit.path, Voucher.voucher_date, Voucher.id)).all()
    kinds = {"receipt": _("Receipt"), "payment": _("Payment")}
    rows = [[v.unit.name, v.display_number, v.voucher_date, kinds.get(v.kind, v.kind),
             v.amount, v.fund.name, v.party_name, v.party_address, v.reason,
             _("void") if v.is_void else _("valid"), v.void_reason] for v in vouchers]
    return _sheet(_("Vouchers"), [_("Unit"), _("Number"), _("Date"), _("Type"), _("Amount"),
                                  _("Fund"), _("Name"), _("Address"), _("Reason"), _("Status"),
                                  _("Reason for voiding")], rows, {5}), len(rows)


def funds_xlsx(user: User, unit: Unit) -> tuple[bytes, int]:
    q = _in_subtree(select(Fund).join(Unit, Fund.unit_id == Unit.id), user, "fund.view", unit)
    funds = db.session.scalars(q.options(selectinload(Fund.unit)).order_by(Unit.path, Fund.code)
                               ).all()
    balance = treasury.balances([f.id for f in funds])
    rows = [[f.unit.name, f.code, f.name, f.sponsor, _("yes") if f.active else _("no"),
             balance.get(f.id, 0)] for f in funds]
    return _sheet(_("Funds"), [_("Unit"), _("Code"), _("Name"), _("Sponsor"), _("Active"),
                               _("Balance")], rows, {6}), len(rows)


def events_xlsx(user: User, unit: Unit) -> tuple[bytes, int]:
    q = _in_subtree(select(Event).join(Unit, Event.unit_id == Unit.id), user, "event.view", unit)
    found = db.session.scalars(q.options(selectinload(Event.unit))
                               .order_by(Unit.path, Event.starts_at)).all()
    rows = [[e.unit.name, e.title, e.kind, local_dt(e.starts_at).strftime("%d/%m/%Y %H:%M"),
             e.place, e.status, e.target_amount, e.participants_total] for e in found]
    return _sheet(_("Events"), [_("Unit"), _("Title"), _("Type"), _("Date and time"),
                                _("Place"), _("Status"), _("Target"), _("Participants")],
                  rows, {7}), len(rows)


def subtree_zip(user: User, unit: Unit) -> tuple[bytes, dict[str, int]]:
    """The zip and the number of rows of each file (for the audit entry)."""
    parts = {"hoi-vien": members_xlsx, "phieu-thu-chi": vouchers_xlsx, "quy": funds_xlsx,
             "su-kien": events_xlsx}
    counts = {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, build in parts.items():
            data, counts[name] = build(user, unit)
            archive.writestr(f"{name}.xlsx", data)
    return buffer.getvalue(), counts
