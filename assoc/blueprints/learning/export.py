"""The register and the yearly rates table as Excel workbooks. Every text cell goes through
`_safe`, so a name starting with "=" stays text (no formula injection)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from ...models import LEARNING_MODELS
from ...services.learning import MODEL_TITLES


def _safe(value):
    if value is None or isinstance(value, (int, float)):
        return value
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _save(wb) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def entries_workbook(unit, filters, entries, outstanding) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Đăng ký"
    ws.append([_safe(unit.name)])
    ws.append([f"Danh sách đăng ký xây dựng mô hình học tập năm {filters.year}"])
    ws.append([])
    header = ["STT", "Mô hình", "Tên / chủ hộ", "Người đứng đầu", "Địa chỉ / nơi ở", "Số người",
              "Số hộ", "Mô tả", "Đơn vị", "Ngày đăng ký", "Cam kết", "Điểm", "Minh chứng",
              "Công nhận (số QĐ)", "Tiêu biểu (số năm liền)"]
    ws.append(header)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for n, e in enumerate(entries, start=1):
        ws.append([n, MODEL_TITLES[e.model], _safe(e.name), _safe(e.head), _safe(e.address),
                   e.people, e.households, _safe(e.description), _safe(e.unit.name),
                   e.registered_on, _safe(e.commitment), e.total_score,
                   e.evidence_count if e.is_assessed else None,
                   _safe(e.recognition.number) if e.recognition else "",
                   outstanding.get(e.id)])
        ws.cell(ws.max_row, 10).number_format = "DD/MM/YYYY"
    for col, width in zip("ABCDEFGHIJKLMNO", (6, 20, 28, 22, 32, 9, 8, 24, 30, 12, 36, 8, 10,
                                              16, 12), strict=True):
        ws.column_dimensions[col].width = width
    ws["A1"].font = Font(bold=True, size=13)
    return _save(wb)


def _pct(value):
    return None if value is None else value / 100


def rates_workbook(table) -> bytes:
    """One row per sub-unit; per model: total, registered, %, assessed, recognised, %."""
    wb = Workbook()
    ws = wb.active
    ws.title = f"Năm {table.year}"
    ws.append([_safe(table.unit.name)])
    ws.append([f"Kết quả xây dựng mô hình học tập năm {table.year}"])
    ws.append([])
    top = ["Đơn vị"]
    sub = [""]
    for model in LEARNING_MODELS:
        top += [MODEL_TITLES[model], "", "", "", "", "", ""]
        sub += ["Tổng số", "Đăng ký", "Tỷ lệ ĐK", "Đã đánh giá", "Công nhận", "Tỷ lệ CN",
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
        values = [_safe(name)]
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
    return _save(wb)
