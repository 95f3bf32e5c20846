"""The period report as an Excel workbook (numbers stay numbers; money as whole đồng)."""

from __future__ import annotations

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from ...exports import workbook_bytes
from ...filters import fmt_date


def period_report_xlsx(unit, period, rows, totals, columns, money_columns, *,
                       name: str | None = None) -> bytes:
    name_then = name or unit.name  # a unit renamed since: its name in the period
    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    ws.append([name_then])
    ws.append([f"{fmt_date(period.start)} – {fmt_date(period.end)}"])
    ws.append([])
    ws.append([str(_("Unit")), *(str(label) for label in columns.values())])
    for cell in ws[4]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        label = row.name if row.unit else str(_("%(u)s itself", u=name_then))
        ws.append([label, *(row.values[key] for key in columns)])
    ws.append([str(_("Total")), *(totals[key] for key in columns)])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for col, key in enumerate(columns, start=2):
        if key in money_columns:
            for (cell,) in ws.iter_rows(min_row=5, min_col=col, max_col=col):
                cell.number_format = "#,##0"
    ws.column_dimensions["A"].width = 42
    for letter in "BCDEFGHIJ":
        ws.column_dimensions[letter].width = 15
    ws["A1"].font = Font(bold=True, size=13)
    return workbook_bytes(wb)

