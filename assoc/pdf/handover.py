"""Biên bản bàn giao: the handover record of one successor in a reorganisation plan.

An official Vietnamese document, so its wording is Vietnamese whatever the UI language: the
units merged into the successor, members moved, each fund's balance handed over with the
numbers of the payment voucher and receipt that carried it, records moved, open items, posts
ended, and signature blocks for every outgoing unit and the incoming one. Every field is a
wrapped Paragraph: nothing is cut, however long a name."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..money import amount_in_words, format_money
from . import FONT, FONT_BOLD, FONT_ITALIC, nfc, register_fonts

METHOD = {"cash": "Tiền mặt", "transfer": "Tiền gửi ngân hàng"}


def _styles():
    base = ParagraphStyle("base", fontName=FONT, fontSize=10, leading=13)
    return {
        "base": base,
        "bold": ParagraphStyle("bold", parent=base, fontName=FONT_BOLD),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
        "center_bold": ParagraphStyle("cb", parent=base, fontName=FONT_BOLD, alignment=TA_CENTER),
        "italic_center": ParagraphStyle("ic", parent=base, fontName=FONT_ITALIC,
                                        alignment=TA_CENTER),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=15,
                                leading=19, alignment=TA_CENTER, spaceBefore=8, spaceAfter=4),
        "h": ParagraphStyle("h", parent=base, fontName=FONT_BOLD, spaceBefore=8, spaceAfter=2),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=11),
        "cell_right": ParagraphStyle("cr", parent=base, fontSize=9, leading=11,
                                     alignment=TA_RIGHT),
    }


def _p(text, style) -> Paragraph:
    """User text, escaped before it meets Paragraph markup."""
    return Paragraph(escape(nfc(text)).replace("\n", "<br/>"), style)


def _money(amount: int) -> str:
    """"1.250.000 đ" that never breaks before its "đ"."""
    return format_money(amount).replace(" ", "\u00a0")


def _list(items: list[str], s) -> list:
    if not items:
        return [_p("Không có.", s["base"])]
    return [_p(f"– {item}", s["base"]) for item in items]


def handover_pdf(plan, record: dict) -> io.BytesIO:
    """`record` is a handover as `blueprints.reorg.describe` renders it (sentences)."""
    register_fonts()
    s = _styles()
    successor = record["successor"]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm,
                            title=nfc(f"Biên bản bàn giao — {successor['name']}"),
                            author=nfc(successor["name"]))
    d = plan.effective
    story = [
        Table([[_p(successor["name"].upper(), s["center_bold"]),
                [_p("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", s["center_bold"]),
                 _p("Độc lập - Tự do - Hạnh phúc", s["center_bold"])]]],
              colWidths=[75 * mm, 100 * mm],
              style=[("VALIGN", (0, 0), (-1, -1), "TOP")]),
        _p(f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year}", s["right"]),
        _p("BIÊN BẢN BÀN GIAO", s["title"]),
        _p(("(Do sắp xếp, chia tách tổ chức Hội Khuyến học, có hiệu lực từ ngày "
            if record.get("splits") and len(record["splits"]) == len(record["predecessors"])
            else "(Do sắp xếp, sáp nhập tổ chức Hội Khuyến học, có hiệu lực từ ngày ")
           + f"{d:%d/%m/%Y})", s["italic_center"]),
        Spacer(1, 4 * mm),
        *[_p(f"{line}.", s["base"]) for line in record.get("split_lines", [])],
        _p("Bên giao: " + "; ".join(p["name"] for p in record["predecessors"])
           if record["predecessors"] else "Bên giao: các đơn vị trực thuộc chuyển về", s["base"]),
        _p(f"Bên nhận: {successor['name']}", s["base"]),
        _p("1. Hội viên", s["h"]),
        _p(f"Hội viên: {record['members_line']}." if record.get("members_line") else
           f"Số hội viên chuyển sinh hoạt về bên nhận: {record['members']:,}".replace(",", "."),
           s["base"]),
        *[_p(f"Lưu ý: {line}.", s["base"]) for line in record.get("warning_lines", [])],
        _p("2. Đơn vị trực thuộc chuyển về", s["h"]),
        *_list(record["sub_units"], s),
        _p("3. Quỹ và số dư bàn giao", s["h"]),
    ]
    funds = record["funds"]
    if funds:
        rows = [[_p(h, s["cell"]) for h in ("Đơn vị giao", "Quỹ", "Hình thức", "Số tiền",
                                            "Phiếu chi", "Phiếu thu")]]
        total = sum(f["amount"] for f in funds)
        # Money on one line: the amount column as wide as its largest figure (a no-break
        # space before "đ"); the fund's name takes what is left of the width.
        amount_width = max(stringWidth(_money(a), FONT_BOLD, 9) for a in
                           [total, *(f["amount"] for f in funds)]) + 6 * mm
        number_width = max(stringWidth(nfc(f[k]), FONT, 9) for f in funds
                           for k in ("payment", "receipt")) + 6 * mm  # numbers on one line too
        fixed = 30 * mm + 20 * mm + 2 * number_width
        widths = [30 * mm, max(24 * mm, 175 * mm - fixed - amount_width), 20 * mm,
                  amount_width, number_width, number_width]
        for f in funds:
            rows.append([_p(f.get("from_name") or f["from"], s["cell"]), _p(f["fund"], s["cell"]),
                         _p(METHOD.get(f["method"], f["method"]), s["cell"]),
                         _p(_money(f["amount"]), s["cell_right"]),
                         _p(f["payment"], s["cell"]), _p(f["receipt"], s["cell"])])
        rows.append([_p("Cộng", s["bold"]), "", "", _p(_money(total), s["cell_right"]),
                     "", ""])
        table = Table(rows, colWidths=widths, repeatRows=1)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
            ("SPAN", (0, -1), (2, -1)),
        ]))
        story += [table, Spacer(1, 2 * mm),
                  _p(f"Tổng số tiền bàn giao (viết bằng chữ): {amount_in_words(total)}",
                     s["base"])]
    else:
        story.append(_p("Không có số dư để bàn giao.", s["base"]))
    posts = _list(record["posts"], s)
    story += [
        _p("4. Hồ sơ, việc chuyển giao", s["h"]), *_list(record["moved"], s),
        _p("5. Việc còn dở cần giải quyết", s["h"]), *_list(record["open"], s),
        _p("6. Chức vụ kết thúc tại đơn vị cũ", s["h"]), *posts[:-1],
    ]
    # Signature blocks: one per outgoing unit, then the incoming unit, two to a row, each with
    # its signer's name; kept on one page with the record's last lines (never alone).
    signers = record.get("signers") or {}
    sides = [("ĐẠI DIỆN BÊN GIAO", p["name"]) for p in record["predecessors"]]
    sides.append(("ĐẠI DIỆN BÊN NHẬN", successor["name"]))
    cells = [[Paragraph(f"{side}<br/>{escape(nfc(name))}", s["center_bold"]),
              _p("(Ký, họ tên, đóng dấu)", s["italic_center"]), Spacer(1, 20 * mm),
              _p(signers.get(name, ""), s["center_bold"])] for side, name in sides]
    if len(cells) % 2:
        cells.append("")
    rows = [cells[i:i + 2] for i in range(0, len(cells), 2)]
    story.append(KeepTogether([*posts[-1:], Spacer(1, 6 * mm),
                               Table(rows, colWidths=[87 * mm, 87 * mm],
                                     style=[("VALIGN", (0, 0), (-1, -1), "TOP"),
                                            ("BOTTOMPADDING", (0, 0), (-1, -1), 12)])]))
    doc.build(story)
    buffer.seek(0)
    return buffer
