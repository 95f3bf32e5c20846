"""Learning models: recognition certificates (one A4 landscape page per entry, with a QR to the
public check page) and the yearly rates table a province sends up. Official Vietnamese
documents, so their wording is Vietnamese whatever the UI language. Every text is a Paragraph:
long names wrap, nothing is cut."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepInFrame,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from ..models import LEARNING_MODELS
from ..services.learning import MODEL_TITLES
from . import FONT, FONT_BOLD, FONT_ITALIC, draw_qr, nfc, register_fonts

PAGE = landscape(A4)
RED = colors.HexColor("#b3121a")


def _p(text, style) -> Paragraph:
    return Paragraph(escape(nfc(text)).replace("\n", "<br/>"), style)


def _styles():
    base = ParagraphStyle("base", fontName=FONT, fontSize=12, leading=16, alignment=TA_CENTER)
    return {
        "base": base,
        "bold": ParagraphStyle("b", parent=base, fontName=FONT_BOLD),
        "italic": ParagraphStyle("i", parent=base, fontName=FONT_ITALIC),
        "small": ParagraphStyle("s", parent=base, fontSize=9, leading=11),
        "title": ParagraphStyle("t", parent=base, fontName=FONT_BOLD, fontSize=30, leading=38,
                                textColor=RED, spaceBefore=4, spaceAfter=4),
        "model": ParagraphStyle("m", parent=base, fontName=FONT_BOLD, fontSize=22, leading=28,
                                textColor=RED),
        "name": ParagraphStyle("n", parent=base, fontName=FONT_BOLD, fontSize=22, leading=28),
    }


def _paper(decision) -> dict:
    """What was frozen on the decision when it was made; for one made before that existed,
    the names as they stand."""
    if decision.paper:
        return decision.paper
    unit = decision.unit
    return {"parent_name": unit.parent.name if unit.parent else "",
            "place": unit.address.split(",")[-1].strip() if unit.address else "",
            "unit_names": {}}


def _dateline(decision) -> str:
    d = decision.decided_on
    place = _paper(decision)["place"]
    return f"{place + ', ' if place else ''}ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


def _certificate_story(decision, entry, s) -> list:
    paper = _paper(decision)
    unit_name = paper["unit_names"].get(str(entry.id), entry.unit.name)
    head_left = [_p(paper["parent_name"].upper(), s["small"]),
                 _p(decision.issuing_body.upper(), ParagraphStyle("hb", parent=s["small"],
                                                                  fontName=FONT_BOLD))]
    head_right = [_p("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", ParagraphStyle(
        "hr", parent=s["small"], fontName=FONT_BOLD)),
        _p("Độc lập - Tự do - Hạnh phúc", ParagraphStyle("hr2", parent=s["small"],
                                                        fontName=FONT_BOLD))]
    head = Table([[head_left, head_right]], colWidths=[110 * mm, 130 * mm])
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    where = entry.address or unit_name
    story = [
        head, Spacer(1, 8 * mm),
        _p("GIẤY CÔNG NHẬN", s["title"]),
        _p(f"{decision.issuing_body} công nhận", s["base"]),
        Spacer(1, 3 * mm),
        _p(entry.name, s["name"]),
        _p(where, s["base"]),
        _p(f"Đơn vị: {unit_name}", s["base"]),
        Spacer(1, 3 * mm),
        _p("đạt danh hiệu", s["italic"]),
        _p(f"{MODEL_TITLES[entry.model].upper()} NĂM {decision.year}", s["model"]),
        Spacer(1, 3 * mm),
        _p(f"Theo Quyết định số {decision.number} ngày "
           f"{decision.decided_on.strftime('%d/%m/%Y')}", s["italic"]),
        Spacer(1, 4 * mm),
    ]
    sign = Table([["", [_p(_dateline(decision), s["italic"]),
                        _p("CHỦ TỊCH", s["bold"]), Spacer(1, 18 * mm),
                        _p(decision.signer, s["bold"])]]],
                 colWidths=[130 * mm, 110 * mm])
    sign.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story.append(sign)
    return story


def certificates_pdf(decision, entries_with_urls) -> bytes:
    """One landscape page per entry; the QR (bottom left) leads to the public check page."""
    register_fonts()
    s = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=PAGE, leftMargin=20 * mm, rightMargin=20 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm,
                            title=nfc(f"Giấy công nhận {MODEL_TITLES[decision.model]} "
                                      f"năm {decision.year}"),
                            author=nfc(decision.issuing_body))
    urls = [url for _e, url in entries_with_urls]
    story = []
    for i, (entry, _url) in enumerate(entries_with_urls):
        if i:
            story.append(PageBreak())
        # Shrunk to fit if a name is extraordinarily long: always exactly one page per entry,
        # so page n carries entry n's QR code.
        story.append(KeepInFrame(PAGE[0] - 40 * mm, PAGE[1] - 32 * mm,
                                 _certificate_story(decision, entry, s), mode="shrink"))

    def page(canvas, doc_):
        canvas.saveState()
        w, h = PAGE
        canvas.setStrokeColor(RED)
        canvas.setLineWidth(3)
        canvas.rect(10 * mm, 10 * mm, w - 20 * mm, h - 20 * mm)
        canvas.setLineWidth(0.8)
        canvas.rect(13 * mm, 13 * mm, w - 26 * mm, h - 26 * mm)
        index = doc_.page - 1
        if 0 <= index < len(urls):
            draw_qr(canvas, urls[index], 18 * mm, 18 * mm, 26 * mm)
            canvas.setFont(FONT, 7)
            canvas.drawString(18 * mm, 15 * mm, nfc("Quét để kiểm tra"))
        canvas.restoreState()

    doc.build(story, onFirstPage=page, onLaterPages=page)
    return buffer.getvalue()


def _fmt(n) -> str:
    if n is None:
        return ""
    return f"{n:,}".replace(",", ".")


def _pct(value) -> str:
    return "" if value is None else f"{value:.1f}%".replace(".", ",")


def rates_pdf(table) -> bytes:
    """The yearly table: one row per sub-unit; per model total, registered, %, recognised, %."""
    register_fonts()
    base = ParagraphStyle("b", fontName=FONT, fontSize=6.5, leading=8, alignment=TA_CENTER)
    bold = ParagraphStyle("bb", parent=base, fontName=FONT_BOLD)
    left = ParagraphStyle("l", parent=base, alignment=0)
    right = ParagraphStyle("r", parent=base, alignment=TA_RIGHT)
    title = ParagraphStyle("t", parent=base, fontName=FONT_BOLD, fontSize=13, leading=17)
    unit = table.unit
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=PAGE, leftMargin=10 * mm, rightMargin=10 * mm,
                            topMargin=10 * mm, bottomMargin=12 * mm,
                            title=nfc(f"Kết quả xây dựng mô hình học tập năm {table.year}"),
                            author=nfc(unit.name))
    head = Table([[[_p(unit.parent.name.upper() if unit.parent else "", base),
                    _p(unit.name.upper(), bold)],
                   [_p("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold),
                    _p("Độc lập - Tự do - Hạnh phúc", bold)]]],
                 colWidths=[120 * mm, 150 * mm])
    story = [head, Spacer(1, 4 * mm),
             _p(f"KẾT QUẢ XÂY DỰNG CÁC MÔ HÌNH HỌC TẬP NĂM {table.year}", title),
             Spacer(1, 4 * mm)]
    # Citizens have no denominator: only their counts.
    cols = {m: ("Tổng số", "Đăng ký", "Tỷ lệ ĐK", "Công nhận", "Tỷ lệ CN")
            for m in LEARNING_MODELS}
    cols["citizen"] = ("Đăng ký", "Công nhận")
    top = [_p("STT", bold), _p("Đơn vị", bold)]
    sub = ["", ""]
    for model in LEARNING_MODELS:
        top += [_p(MODEL_TITLES[model], bold)] + [""] * (len(cols[model]) - 1)
        sub += [_p(c, bold) for c in cols[model]]
    rows = [top, sub]
    style = [("GRID", (0, 0), (-1, -1), 0.4, colors.black),
             ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("LEFTPADDING", (0, 0), (-1, -1), 1.5), ("RIGHTPADDING", (0, 0), (-1, -1), 1.5),
             ("BACKGROUND", (0, 0), (-1, 1), colors.HexColor("#eeeeee")),
             ("SPAN", (0, 0), (0, 1)), ("SPAN", (1, 0), (1, 1))]
    start = 2
    for model in LEARNING_MODELS:
        style.append(("SPAN", (start, 0), (start + len(cols[model]) - 1, 0)))
        start += len(cols[model])

    def line(no, name, row, strong=False):
        cells = [_p(no, base), _p(name, bold if strong else left)]
        for model in LEARNING_MODELS:
            c = row.cells[model]
            if model == "citizen":
                cells += [_p(_fmt(c.registered), right), _p(_fmt(c.recognised), right)]
                continue
            cells += [_p(_fmt(c.denominator), right), _p(_fmt(c.registered), right),
                      _p(_pct(c.registered_percent), right), _p(_fmt(c.recognised), right),
                      _p(_pct(c.recognised_percent), right)]
        rows.append(cells)

    for n, row in enumerate(table.rows, start=1):
        line(str(n), row.unit.name if row.unit else f"{unit.name} (trực tiếp)", row)
    line("", "Tổng cộng", table.total, strong=True)
    n_cols = sum(len(c) for c in cols.values())
    width = (PAGE[0] - 20 * mm - 8 * mm - 44 * mm) / n_cols
    grid = Table(rows, colWidths=[8 * mm, 44 * mm] + [width] * n_cols, repeatRows=2)
    grid.setStyle(TableStyle(style))
    story.append(grid)
    story.append(Spacer(1, 3 * mm))
    story.append(_p("Tổng số: số hộ gia đình, dòng họ, cộng đồng (thôn, tổ dân phố), đơn vị của "
                    "địa bàn do đơn vị ghi nhận cho năm; Tỷ lệ tính trên tổng số.",
                    ParagraphStyle("note", parent=left, fontName=FONT_ITALIC, fontSize=8,
                                   leading=10)))

    def footer(canvas, doc_):
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.drawRightString(PAGE[0] - 10 * mm, 6 * mm, nfc(f"Trang {doc_.page}"))
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


__all__ = ["certificates_pdf", "rates_pdf"]
