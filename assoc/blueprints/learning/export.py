"""The register and the yearly rates table as Excel workbooks, saved through the one safe-cell
helper (assoc/exports.py): a name starting with "=" stays text, never a formula."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from ...exports import workbook_bytes
from ...models import LEARNING_MODELS
from ...services.learning import MODEL_TITLES
from ...services.learning_import import COLUMN_TITLES, columns_for


def entries_workbook(unit, filters, entries, outstanding) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Đăng ký"
    ws.append([unit.name])
    ws.append([f"Danh sách đăng ký xây dựng mô hình học tập năm {filters.year}"])
    ws.append([])
    # The register's own columns carry the importer's titles (services/learning_import.py), so
    # the file imports back into another year or unit; the assessment columns are not read.
    header = [COLUMN_TITLES[c] for c in columns_for(None)] + [
        "Điểm", "Minh chứng", "Công nhận (số QĐ)", "Tiêu biểu (số năm liền)"]
    ws.append(header)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for n, e in enumerate(entries, start=1):
        ws.append([n, MODEL_TITLES[e.model], e.name, e.head, e.address,
                   e.people, e.households, e.description,
                   e.member.display_number if e.member else "",
                   e.unit.name if e.unit_id != unit.id else "",  # the unit itself: blank
                   e.registered_on, e.commitment, e.total_score,
                   e.evidence_count if e.is_assessed else None,
                   e.recognition.number if e.recognition else "",
                   outstanding.get(e.id)])
        ws.cell(ws.max_row, 11).number_format = "DD/MM/YYYY"
    for col, width in zip("ABCDEFGHIJKLMNOP", (6, 20, 28, 22, 32, 9, 8, 24, 12, 30, 12, 36, 8,
                                               10, 16, 12), strict=True):
        ws.column_dimensions[col].width = width
    ws["A1"].font = Font(bold=True, size=13)
    return workbook_bytes(wb)


def _pct(value):
    return None if value is None else value / 100


def rates_workbook(table) -> bytes:
    """One row per sub-unit; per model: total, registered, %, assessed, recognised, %."""
    wb = Workbook()
    ws = wb.active
    ws.title = f"Năm {table.year}"
    ws.append([table.unit.name])
    ws.append([f"Kết quả xây dựng mô hình học tập năm {table.year}"])
    ws.append([])
    top = ["Đơn vị"]
    sub = [""]
    for model in LEARNING_MODELS:
        top += [MODEL_TITLES[model], "", "", "", "", "", ""]
        sub += ["Tổng số", "Đăng ký", "ĐK / tổng số", "Đã đánh giá", "Công nhận", "CN / tổng số",
                "Chỉ tiêu (%)"]
    ws.append(top)
    ws.append(sub)
    for i in range(len(LEARNING_MODELS)):
        ws.merge_cells(start_row=4, start_column=2 + 7 * i, end_row=4, end_column=8 + 7 * i)
    for r in (4, 5):
        for cell in ws[r]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="top")

    def line(name, row):
        values = [name]
        for model in LEARNING_MODELS:
            c = row.cells[model]
            values += [c.denominator, c.registered, _pct(c.registered_percent), c.assessed,
                       c.recognised, _pct(c.recognised_percent), c.target]
        ws.append(values)
        for i in range(len(LEARNING_MODELS)):
            for col in (4 + 7 * i, 7 + 7 * i):
                ws.cell(ws.max_row, col).number_format = "0.0%"

    for row in table.rows:
        line(row.unit.name if row.unit else f"{table.unit.name} (trực tiếp)", row)
    line("Tổng cộng", table.total)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 40
    ws["A1"].font = Font(bold=True, size=13)
    return workbook_bytes(wb)
