"""Excel exports of the officers area: a remuneration sheet, the yearly reports."""

from __future__ import annotations

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ...models import RemunerationSheet, Unit
from ...money import amount_in_words
from ...services import officers as svc

MONEY = "#,##0"


def _widths(ws, widths: list[int]) -> None:
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def sheet_workbook(sheet: RemunerationSheet) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = f"{sheet.month:02d}-{sheet.year}"
    ws.append([sheet.unit.name])
    ws.append([_("REMUNERATION PAYMENT SHEET")])
    ws["A2"].font = Font(bold=True, size=14)
    ws.append([_("Month %(month)s", month=sheet.label)])
    ws.append([_("Base salary: %(amount)s đ", amount=f"{sheet.base_salary:,}".replace(",", "."))])
    ws.append([])
    header = [_("No."), _("Full name"), _("Posts"), _("Rates"), _("Days"), _("Computed"),
              _("Adjustment"), _("Reason"), _("Amount"), _("Signature")]
    ws.append(header)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    first = ws.max_row + 1
    for line in sheet.lines:
        ws.append([line.position_no, line.full_name, line.posts, line.rates, line.days,
                   line.computed, line.adjustment, line.adjustment_reason, line.amount, ""])
    sums = svc.sheet_sums(sheet)
    ws.append(["", _("Total"), "", "", "", sums.computed, sums.adjustment, "", sums.total, ""])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for row in ws.iter_rows(min_row=first, max_row=ws.max_row, min_col=6, max_col=9):
        for cell in row:
            if isinstance(cell.value, int):
                cell.number_format = MONEY
    ws.append([])
    ws.append([_("Amount in words: %(words)s", words=amount_in_words(sheet.total))])
    ws.freeze_panes = f"C{first}"
    _widths(ws, [6, 26, 30, 34, 7, 14, 14, 24, 14, 16])
    return wb


def reports_workbook(unit: Unit, year: int) -> Workbook:
    wb = Workbook()
    months = [f"{m:02d}" for m in range(1, 13)]
    for index, (title, rows) in enumerate([
        (_("By officer"), svc.yearly_by_officer(unit, year)),
        (_("By unit"), svc.yearly_by_unit(unit, year)),
    ]):
        ws = wb.active if index == 0 else wb.create_sheet()
        ws.title = title[:31]
        ws.append([unit.name, "", _("Year %(year)s", year=year)])
        ws.append([_("Name"), *months, _("Total")])
        for cell in ws[2]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([row.name, *row.months, row.total])
        total = svc.year_total(rows)
        ws.append([total.name, *total.months, total.total])
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
        for row in ws.iter_rows(min_row=3, min_col=2):
            for cell in row:
                cell.number_format = MONEY
        _widths(ws, [32] + [12] * 13)
    share = svc.unpaid_share(unit, year)
    ws = wb.create_sheet(_("Unpaid officers")[:31])
    ws.append([_("Officers with a post"), share.officers])
    ws.append([_("Paid"), share.paid])
    ws.append([_("Unpaid"), share.unpaid])
    ws.append([_("Share unpaid (%)"), share.percent])
    ws.append([])
    for officer in share.unpaid_officers:
        ws.append([officer.full_name, officer.unit.name])
    _widths(ws, [32, 40])
    return wb
