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
    KeepTogether,
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


RATE_PAD = 2.0  # a cell's left and right padding in the rates table (points)


def _rate_columns() -> dict[str, tuple[str, ...]]:
    # Citizens have no denominator: only their counts.
    cols = {m: ("Tổng số", "Đăng ký", "ĐK / tổng số", "Công nhận", "CN / tổng số", "Chỉ tiêu")
            for m in LEARNING_MODELS}
    cols["citizen"] = ("Đăng ký", "Công nhận")
    return cols


def _rate_values(row, models=LEARNING_MODELS) -> list[str]:
    out = []
    for model in models:
        c = row.cells[model]
        if model == "citizen":
            out += [_fmt(c.registered), _fmt(c.recognised)]
            continue
        out += [_fmt(c.denominator), _fmt(c.registered), _pct(c.registered_percent),
                _fmt(c.recognised), _pct(c.recognised_percent),
                "" if c.target is None else f"{c.target}%"]
    return out


def _rate_widths(lines: list[list[str]], heads: list[str], size: float, room: float,
                 min_name: float) -> tuple[list[float], float] | None:
    """Column widths fitted to the widest figure and the longest header word at `size`, the
    unit-name column taking what is left; None when the name column would be too narrow."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    widths = []
    for j, head in enumerate(heads):
        words = [stringWidth(w, FONT_BOLD, size) for w in head.split()]
        figures = [stringWidth(line[j], FONT_BOLD, size) for line in lines]
        widths.append(max([*words, *figures, 0.0]) + 2 * RATE_PAD + 2)
    name = room - sum(widths)
    return (widths, name) if name >= min_name else None


MIN_RATE_SIZE = 6.0  # below this the models are split over two tables


def _fit(lines, heads, room) -> tuple[list[float], float, float]:
    """(column widths, name column width, font size) for a rates grid."""
    size = 6.5
    fitted = _rate_widths(lines, heads, size, room, 32 * mm)
    while fitted is None and size > 4.5:
        size -= 0.25
        fitted = _rate_widths(lines, heads, size, room, 32 * mm)
    if fitted is None:  # beyond any real count: the names get what is left
        fitted = _rate_widths(lines, heads, size, room, 12 * mm) or (
            [(room - 32 * mm) / len(heads)] * len(heads), 32 * mm)
    return fitted[0], fitted[1], size


def _rates_grid(table, models, room) -> tuple[Table, float]:
    """One grid of the rates table for `models`, its columns fitted to its figures."""
    cols = _rate_columns()
    heads = [h for model in models for h in cols[model]]
    lines = [_rate_values(row, models) for row in table.rows] + [
        _rate_values(table.total, models)]
    widths, name_w, size = _fit(lines, heads, room)
    base = ParagraphStyle("b", fontName=FONT, fontSize=size, leading=size * 1.25,
                          alignment=TA_CENTER)
    bold = ParagraphStyle("bb", parent=base, fontName=FONT_BOLD)
    left = ParagraphStyle("l", parent=base, alignment=0)
    right = ParagraphStyle("r", parent=base, alignment=TA_RIGHT)
    right_b = ParagraphStyle("rb", parent=right, fontName=FONT_BOLD)
    top = [_p("STT", bold), _p("Đơn vị", bold)]
    sub = ["", ""]
    for model in models:
        top += [_p(MODEL_TITLES[model], bold)] + [""] * (len(cols[model]) - 1)
        sub += [_p(c, bold) for c in cols[model]]
    rows = [top, sub]
    style = [("GRID", (0, 0), (-1, -1), 0.4, colors.black),
             ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("LEFTPADDING", (0, 0), (-1, -1), RATE_PAD),
             ("RIGHTPADDING", (0, 0), (-1, -1), RATE_PAD),
             ("BACKGROUND", (0, 0), (-1, 1), colors.HexColor("#eeeeee")),
             ("SPAN", (0, 0), (0, 1)), ("SPAN", (1, 0), (1, 1))]
    start = 2
    for model in models:
        style.append(("SPAN", (start, 0), (start + len(cols[model]) - 1, 0)))
        start += len(cols[model])
    for n, (row, values) in enumerate(zip(table.rows, lines, strict=False), start=1):
        rows.append([_p(str(n), base),
                     _p(row.unit.name if row.unit else f"{table.unit.name} (trực tiếp)", left),
                     *(_p(v, right) for v in values)])
    rows.append([_p("", base), _p("Tổng cộng", bold), *(_p(v, right_b) for v in lines[-1])])
    grid = Table(rows, colWidths=[8 * mm, name_w, *widths], repeatRows=2)
    grid.setStyle(TableStyle(style))
    return grid, size


def rates_pdf(table, *, signer: str = "", place: str = "", on=None) -> bytes:
    """The yearly table: one row per sub-unit; per model total, registered, %, recognised, %,
    target. Every column is as wide as its widest figure, so no figure touches its cell's
    border; when all models on one landscape page would need a font under 6 pt, the models
    go in two tables, one under the other. Then the signatures."""
    register_fonts()
    unit = table.unit
    room = PAGE[0] - 20 * mm - 8 * mm
    grid, size = _rates_grid(table, LEARNING_MODELS, room)
    grids = [grid]
    if size < MIN_RATE_SIZE:
        grids = [_rates_grid(table, LEARNING_MODELS[:2], room)[0],
                 _rates_grid(table, LEARNING_MODELS[2:], room)[0]]
    head_st = ParagraphStyle("hs", fontName=FONT, fontSize=6.5, leading=8, alignment=TA_CENTER)
    head_b = ParagraphStyle("hb", parent=head_st, fontName=FONT_BOLD)
    title = ParagraphStyle("t", parent=head_st, fontName=FONT_BOLD, fontSize=13, leading=17)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=PAGE, leftMargin=10 * mm, rightMargin=10 * mm,
                            topMargin=10 * mm, bottomMargin=12 * mm,
                            title=nfc(f"Kết quả xây dựng mô hình học tập năm {table.year}"),
                            author=nfc(unit.name))
    head = Table([[[_p(unit.parent.name.upper() if unit.parent else "", head_st),
                    _p(unit.name.upper(), head_b)],
                   [_p("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", head_b),
                    _p("Độc lập - Tự do - Hạnh phúc", head_b)]]],
                 colWidths=[120 * mm, 150 * mm])
    story = [head, Spacer(1, 4 * mm),
             _p(f"KẾT QUẢ XÂY DỰNG CÁC MÔ HÌNH HỌC TẬP NĂM {table.year}", title),
             Spacer(1, 4 * mm)]
    for i, grid in enumerate(grids):
        if i:
            story.append(Spacer(1, 4 * mm))
        story.append(grid)
    story.append(Spacer(1, 3 * mm))
    story.append(_p("Tổng số: số hộ gia đình, dòng họ, cộng đồng (thôn, tổ dân phố), đơn vị của "
                    "địa bàn do đơn vị ghi nhận cho năm; Tỷ lệ tính trên tổng số; Chỉ tiêu: tỷ "
                    "lệ công nhận phải đạt, do đơn vị hoặc cấp trên đặt.",
                    ParagraphStyle("note", parent=head_st, alignment=0, fontName=FONT_ITALIC,
                                   fontSize=8, leading=10)))
    story.append(Spacer(1, 5 * mm))
    story.append(_rates_signatures(signer, place, on))

    def footer(canvas, doc_):
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.drawRightString(PAGE[0] - 10 * mm, 6 * mm, nfc(f"Trang {doc_.page}"))
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _rates_signatures(signer: str, place: str, on) -> KeepTogether:
    """"Người lập biểu" and the chair, under the place-and-date line, kept together."""
    base = ParagraphStyle("sg", fontName=FONT, fontSize=10, leading=13, alignment=TA_CENTER)
    bold = ParagraphStyle("sgb", parent=base, fontName=FONT_BOLD)
    italic = ParagraphStyle("sgi", parent=base, fontName=FONT_ITALIC, fontSize=9)
    when = (f"ngày {on.day:02d} tháng {on.month:02d} năm {on.year}" if on
            else "ngày ….. tháng ….. năm ……")
    half = (PAGE[0] - 20 * mm) / 2
    sign = Table([
        ["", _p(f"{place or '……'}, {when}", italic)],
        [_p("NGƯỜI LẬP BIỂU", bold), _p("TM. BAN CHẤP HÀNH", bold)],
        ["", _p("CHỦ TỊCH", bold)],
        [_p("(Ký, họ tên)", italic), _p("(Ký, họ tên, đóng dấu)", italic)],
        ["", ""],
        ["", _p(signer, bold)],
    ], colWidths=[half, half], rowHeights=[None, None, None, None, 18 * mm, None])
    sign.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return KeepTogether([sign])


__all__ = ["certificates_pdf", "rates_pdf"]
