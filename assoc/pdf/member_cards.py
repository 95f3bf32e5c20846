"""Member cards (thẻ hội viên): credit-card size (85.6 × 54 mm), ten per A4 page, each with the
unit, member number, name, birth year, valid years and a QR to the public check page."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from ..models import Member
from . import FONT, FONT_BOLD, FONT_SEMIBOLD, draw_qr, nfc, register_fonts

CARD_W, CARD_H = 85.6 * mm, 54 * mm
COLS, ROWS = 2, 5
GAP_X, GAP_Y = 6 * mm, 2 * mm
GREEN = (0.09, 0.46, 0.27)


def _fit(canvas: Canvas, text: str, font: str, size: float, width: float, min_size=5.5) -> float:
    while size > min_size and canvas.stringWidth(text, font, size) > width:
        size -= 0.25
    return size


def _draw_text(canvas: Canvas, text: str, x: float, y: float, font: str, size: float,
               width: float) -> None:
    text = nfc(text)
    size = _fit(canvas, text, font, size, width)
    canvas.setFont(font, size)
    canvas.drawString(x, y, text)


def draw_card(canvas: Canvas, member: Member, x: float, y: float, *, check_url: str,
              valid_from: int, valid_to: int, unit_name: str) -> None:
    canvas.saveState()
    canvas.setStrokeColorRGB(0.6, 0.6, 0.6)
    canvas.setLineWidth(0.4)
    canvas.roundRect(x, y, CARD_W, CARD_H, 3 * mm, stroke=1, fill=0)
    # Header band: unit name and title.
    band = 13 * mm
    canvas.setFillColorRGB(*GREEN)
    path = canvas.beginPath()
    path.roundRect(x, y + CARD_H - band, CARD_W, band, 3 * mm)
    canvas.clipPath(path, stroke=0, fill=1)
    canvas.restoreState()
    canvas.saveState()
    canvas.setFillColorRGB(*GREEN)
    canvas.rect(x, y + CARD_H - band, CARD_W, band - 3 * mm, stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    inner = CARD_W - 6 * mm
    _draw_text(canvas, unit_name.upper(), x + 3 * mm, y + CARD_H - 5.5 * mm, FONT_BOLD, 7.5,
               inner)
    _draw_text(canvas, "THẺ HỘI VIÊN", x + 3 * mm, y + CARD_H - 10.5 * mm, FONT_SEMIBOLD, 9,
               inner)
    # Body.
    canvas.setFillColorRGB(0, 0, 0)
    qr = 24 * mm
    text_w = CARD_W - qr - 9 * mm
    left = x + 3 * mm
    top = y + CARD_H - band - 6.5 * mm
    _draw_text(canvas, member.full_name, left, top, FONT_BOLD, 11, text_w)
    lines = []
    if member.is_collective:
        lines.append("Hội viên tập thể")
        if member.representative:
            lines.append(f"Đại diện: {member.representative}")
    elif member.shown_birth_year:
        lines.append(f"Năm sinh: {member.shown_birth_year}")
    if member.honorary:
        lines.append("Hội viên danh dự")
    lines.append(f"Số thẻ: {member.display_number}")
    lines.append(f"Giá trị: {valid_from} – {valid_to}")
    line_y = top - 5.2 * mm
    for line in lines[:5]:
        _draw_text(canvas, line, left, line_y, FONT, 8, text_w)
        line_y -= 4.3 * mm
    draw_qr(canvas, check_url, x + CARD_W - qr - 3 * mm, y + 4 * mm, qr)
    canvas.setFont(FONT, 5.5)
    canvas.setFillColorRGB(0.35, 0.35, 0.35)
    canvas.drawString(left, y + 3 * mm, nfc("Hội Khuyến học Việt Nam · quét mã để kiểm tra thẻ"))
    canvas.restoreState()


def member_cards_pdf(members: Iterable[Member], *, check_url: Callable[[Member], str],
                     valid_from: int, valid_to: int, title: str = "Thẻ hội viên") -> bytes:
    register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(nfc(title))
    page_w, page_h = A4
    grid_w = COLS * CARD_W + (COLS - 1) * GAP_X
    grid_h = ROWS * CARD_H + (ROWS - 1) * GAP_Y
    x0, y0 = (page_w - grid_w) / 2, (page_h + grid_h) / 2
    per_page = COLS * ROWS
    count = 0
    for member in members:
        slot = count % per_page
        if count and slot == 0:
            canvas.showPage()
        col, row = slot % COLS, slot // COLS
        x = x0 + col * (CARD_W + GAP_X)
        y = y0 - (row + 1) * CARD_H - row * GAP_Y
        draw_card(canvas, member, x, y, check_url=check_url(member), valid_from=valid_from,
                  valid_to=valid_to, unit_name=member.unit.name)
        count += 1
    if count == 0:
        canvas.setFont(FONT, 12)
        canvas.drawString(20 * mm, page_h - 30 * mm, nfc("Không có hội viên nào."))
    canvas.showPage()
    canvas.save()
    return out.getvalue()
