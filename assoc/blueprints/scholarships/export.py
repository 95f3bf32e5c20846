"""The recipient list as an Excel workbook (same rows and totals as the PDF)."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from ...money import amount_in_words


def recipients_workbook(program, nominations, ceremony_date: date | None) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.title = "Danh sách ký nhận"
    ws.append([program.unit.name])
    ws.append(["DANH SÁCH KÝ NHẬN HỌC BỔNG"])
    ws.append([program.name])
    ws.append([f"Lễ trao học bổng ngày {ceremony_date.strftime('%d/%m/%Y')}"
               if ceremony_date else "Lễ trao học bổng"])
    ws.append([])
    header = ["STT", "Họ và tên", "Ngày sinh", "Đơn vị đề cử", "Trường", "Lớp",
              "Số tiền (đồng)", "Ký nhận"]
    ws.append(header)
    header_row = ws.max_row
    thin = Side(style="thin")
    total = 0
    for i, n in enumerate(nominations, start=1):
        ws.append([i, n.student_name, n.birth_date, n.quota.unit.name, n.school, n.grade,
                   n.amount, ""])
        ws.cell(ws.max_row, 3).number_format = "DD/MM/YYYY"
        total += n.amount
    ws.append(["", "Tổng cộng", "", "", "", "", total, ""])
    total_row = ws.max_row
    ws.append([])
    ws.append([f"Viết bằng chữ: {amount_in_words(total)}."])
    grid = Border(top=thin, bottom=thin, left=thin, right=thin)
    for row in ws.iter_rows(min_row=header_row, max_row=total_row):
        for cell in row:
            cell.border = grid
        row[6].number_format = "#,##0"
    for cell in ws[header_row] + ws[total_row]:
        cell.font = Font(bold=True)
    ws["A2"].font = Font(bold=True, size=14)
    for col, width in zip("ABCDEFGH", (6, 28, 12, 30, 32, 7, 16, 18), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=header_row + 1, max_row=total_row - 1):
        row[1].alignment = Alignment(wrap_text=True)
    from ...exports import workbook_bytes

    return io.BytesIO(workbook_bytes(wb))
