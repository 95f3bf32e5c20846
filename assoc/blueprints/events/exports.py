"""The event report as an Excel workbook (openpyxl): summary, receipts, donations, sheets."""

from __future__ import annotations

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from ...filters import local_dt
from ...services.events import donor_label

MONEY = '#,##0" đ"'


def _sheet(wb, title: str, header: list[str], rows: list[list], money_cols: set[int]):
    ws = wb.create_sheet(title[:31])
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for col in money_cols:
        for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            cell.number_format = MONEY
    for column in ws.columns:
        width = max(len(str(c.value or "")) for c in column)
        ws.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))
    return ws


def event_report_xlsx(*, event, totals, donations, sheets, vouchers, receipted) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    method = {"cash": _("Cash"), "transfer": _("Bank transfer"), "in_kind": _("In kind")}
    _sheet(wb, _("Summary"), [_("Item"), _("Value")], [
        [_("Event"), event.title],
        [_("Unit"), event.unit.name],
        [_("Date and time"), local_dt(event.starts_at).strftime("%d/%m/%Y %H:%M")],
        [_("Place"), event.place],
        [_("Target"), totals.target],
        [_("Cash"), totals.cash],
        [_("Bank transfer"), totals.transfer],
        [_("Piggy banks"), totals.piggy_bank],
        [_("Money raised"), totals.money],
        [_("In kind (estimated)"), totals.in_kind],
        [_("Raised (money + in kind)"), totals.raised],
        [_("Receipted by the treasury"), receipted],
        [_("Donors"), totals.donors],
        [_("Participants"), event.participants_total],
    ], set())
    ws = wb[_("Summary")[:31]]
    for row in range(6, 14):
        ws.cell(row=row, column=2).number_format = MONEY
    _sheet(wb, _("Receipts"), [_("Number"), _("Date"), _("Payer"), _("Amount"), _("Status")],
           [[v.display_number, v.voucher_date, v.party_name, v.amount,
             _("void") if v.is_void else _("valid")] for v in vouchers], {4})
    _sheet(wb, _("Donations"),
           [_("Date"), _("Donor"), _("Method"), _("Amount"), _("Items"), _("Quantity"),
            _("Estimated value")],
           [[d.received_on, donor_label(d), method[d.method], d.amount, d.items,
             d.quantity or None, d.estimated_value] for d in donations], {4, 7})
    if sheets:
        _sheet(wb, _("Counting sheets"), [_("Class / group"), _("Counter 1"), _("Counter 2"),
                                          _("Total")],
               [[s.group_name, s.counter_1, s.counter_2, s.total] for s in sheets], {4})
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if hasattr(cell.value, "year") and not isinstance(cell.value, str):
                    cell.number_format = "DD/MM/YYYY"
    from ...exports import workbook_bytes

    return workbook_bytes(wb)
