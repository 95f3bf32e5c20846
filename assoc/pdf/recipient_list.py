"""Danh sách ký nhận học bổng: the signed recipient list of a scholarship program.

An official Vietnamese document, so its wording is Vietnamese whatever the UI language:
program, unit, ceremony date, a table (no., name, school, grade, amount, signature), the total in
figures and in words, and signature boxes for the preparer, the treasurer and the chair."""

from __future__ import annotations

import io
from datetime import date

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..money import amount_in_words, format_number
from . import FONT, FONT_BOLD, FONT_ITALIC, layout, nfc, register_fonts
from .layout import esc

SIGN_H = 10 * mm - 6  # a signature row's least height, less the cell's top and bottom padding
NAME_W, SCHOOL_W, GRADE_W = 46 * mm, 43 * mm, 24 * mm
PAD = 12  # a cell's left and right padding (6 pt each)


def _styles():
    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=12)
    return {
        "base": base,
        "bold": ParagraphStyle("bold", parent=base, fontName=FONT_BOLD),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
        "center_bold": ParagraphStyle("cb", parent=base, fontName=FONT_BOLD, alignment=TA_CENTER),
        "italic_center": ParagraphStyle("ic", parent=base, fontName=FONT_ITALIC,
                                        alignment=TA_CENTER),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=14,
                                leading=18, alignment=TA_CENTER, spaceBefore=6),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=11),
    }


def _p(text, style) -> Paragraph:
    return Paragraph(esc(text), style)


def recipient_list_pdf(program, nominations, *, ceremony_date: date | None = None,
                       prepared_by: str = "") -> io.BytesIO:
    """`nominations` are the awarded nominations in list order (see services.recipients)."""
    register_fonts()
    s = _styles()
    unit = program.unit
    parent = unit.parent
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=12 * mm, bottomMargin=15 * mm,
                            title=nfc(f"Danh sách ký nhận học bổng — {program.name}"),
                            author=nfc(unit.name))
    story = []
    left = [_p(parent.name.upper() if parent else "", s["center"]),
            _p(unit.name.upper(), s["center_bold"])]
    right = [_p("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", s["center_bold"]),
             _p("Độc lập - Tự do - Hạnh phúc", s["center_bold"])]
    head = Table([[left, right]], colWidths=[80 * mm, 100 * mm])
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [head, Spacer(1, 4 * mm), _p("DANH SÁCH KÝ NHẬN HỌC BỔNG", s["title"]),
              _p(program.name, s["center_bold"])]
    if program.sponsor:
        story.append(_p(f"Nhà tài trợ: {program.sponsor}", s["center"]))
    when = ceremony_date.strftime("%d/%m/%Y") if ceremony_date else "……/……/………"
    story.append(_p(f"Lễ trao học bổng ngày {when}", s["italic_center"]))
    quota_units = {n.quota_id: n.quota.unit.name for n in nominations}
    if len(quota_units) == 1:
        story.append(_p(f"Đơn vị đề cử: {next(iter(quota_units.values()))}", s["center"]))
    story.append(Spacer(1, 4 * mm))

    header = ["STT", "Họ và tên", "Trường", "Lớp", "Số tiền (đồng)", "Ký nhận"]
    rows = [[_p(h, s["center_bold"]) for h in header]]
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
    ]
    several_units = len(quota_units) > 1
    current_quota, number, total = None, 0, 0
    for n in nominations:
        if several_units and n.quota_id != current_quota:
            current_quota = n.quota_id
            rows.append([_p(n.quota.unit.name, s["bold"]), "", "", "", "", ""])
            style += [("SPAN", (0, len(rows) - 1), (-1, len(rows) - 1)),
                      ("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1),
                       colors.HexColor("#f6f6f6"))]
        number += 1
        total += n.amount
        # Names, schools and classes wrap between words, never inside one ("chuy/ên").
        rows.append([_p(str(number), s["center"]),
                     layout.unbroken(n.student_name, NAME_W - PAD, size=9),
                     layout.unbroken(n.school, SCHOOL_W - PAD, size=9),
                     layout.unbroken(n.grade, GRADE_W - PAD, size=9.5, align="c"),
                     _p(format_number(n.amount), s["right"]), Spacer(1, SIGN_H)])
    rows.append(["", _p("Tổng cộng", s["bold"]), "", "",
                 _p(format_number(total), ParagraphStyle("tb", parent=s["right"],
                                                         fontName=FONT_BOLD)), ""])
    style.append(("SPAN", (1, len(rows) - 1), (3, len(rows) - 1)))
    # Every row is as tall as its text; a student's row is at least tall enough to sign in
    # (the empty signature cell holds a spacer), so a long name or school grows the row.
    table = Table(rows, colWidths=[13 * mm, NAME_W, SCHOOL_W, GRADE_W, 27 * mm, 27 * mm],
                  repeatRows=1)
    table.setStyle(TableStyle(style))
    story.append(table)
    story.append(Spacer(1, 3 * mm))
    # The summary lines go with the signatures (never a page of signatures alone).
    closing = [
        _p(f"Tổng số: {number} suất học bổng. Tổng số tiền: {format_number(total)} đồng.",
           s["base"]),
        _p(f"Viết bằng chữ: {amount_in_words(total)}.", s["bold"])]
    paid = [n for n in nominations if n.is_paid]
    vouchers = sorted({n.voucher.display_number for n in paid})
    if vouchers:
        # The note says what the vouchers paid; a total with awards not yet paid says so.
        listed = ", ".join(vouchers[:6]) + (f" và {len(vouchers) - 6} phiếu khác"
                                            if len(vouchers) > 6 else "")
        if len(paid) == number:
            closing.append(_p(f"Đã chi toàn bộ theo phiếu chi số: {listed}.", s["base"]))
        else:
            paid_total = sum(n.amount for n in paid)
            closing.append(_p(
                f"Đã chi {len(paid)} suất, {format_number(paid_total)} đồng theo phiếu chi "
                f"số: {listed}. Chưa chi {number - len(paid)} suất, "
                f"{format_number(total - paid_total)} đồng.", s["base"]))
    closing.append(Spacer(1, 6 * mm))

    place = (unit.address.split(",")[-1].strip() if unit.address else "") or "……"
    day = ceremony_date
    dateline = (f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}" if day
                else f"{place}, ngày …… tháng …… năm ………")
    boxes = [
        [_p("", s["center"]), _p("", s["center"]), _p(dateline, s["italic_center"])],
        [_p("NGƯỜI LẬP DANH SÁCH", s["center_bold"]), _p("THỦ QUỸ", s["center_bold"]),
         _p("CHỦ TỊCH", s["center_bold"])],
        [_p("(Ký, họ tên)", s["italic_center"]), _p("(Ký, họ tên)", s["italic_center"]),
         _p("(Ký, họ tên, đóng dấu)", s["italic_center"])],
        ["", "", ""],
        [_p(prepared_by, s["center_bold"]), "", ""],
    ]
    sig = Table(boxes, colWidths=[55 * mm, 50 * mm, 75 * mm], rowHeights=[None, None, None, 22 * mm, None])
    sig.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story.append(KeepTogether([*closing, sig]))

    foot_style = ParagraphStyle("foot", fontName=FONT, fontSize=7, leading=8.5)

    def footer(canvas, doc_):
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, nfc(f"Trang {doc_.page}"))
        # The program's name wraps within the left part of the bottom margin.
        layout.draw_stack(canvas, [_p(program.name, foot_style)], 15 * mm, 12.5 * mm,
                          A4[0] - 55 * mm)
        canvas.restoreState()

    layout.build(doc, story, under=footer)
    buffer.seek(0)
    return buffer
