"""Member cards (thẻ hội viên): credit-card size (85.6 × 54 mm), ten per A4 page, each with the
unit, member number, name, birth year, valid years and a QR to the public check page."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from ..models import Member
from . import FONT, FONT_BOLD, FONT_SEMIBOLD, draw_qr, layout, nfc, register_fonts

CARD_W, CARD_H = 85.6 * mm, 54 * mm
COLS, ROWS = 2, 5
GAP_X, GAP_Y = 6 * mm, 2 * mm
GREEN = (0.09, 0.46, 0.27)


def _block(parts: list[tuple[str, str, float]], width: float, height: float,
           color=None) -> tuple[list, float]:
    """Paragraphs for (text, font, size) that wrap within `width`; when they need more than
    `height`, every size steps down (the card is a fixed-size object) — nothing is cut."""
    scale = 1.0
    while True:
        flow = []
        for text, font, size in parts:
            kw = {"textColor": color} if color is not None else {}
            flow.append(layout.para(text, layout.style(size * scale, font, **kw)))
        need = layout.stack_height(flow, width)
        if need <= height or scale <= 0.55:
            return flow, need
        scale -= 0.05


def draw_card(canvas: Canvas, member: Member, x: float, y: float, *, check_url: str,
              valid_from: int, valid_to: int, unit_name: str,
              dues_payload: str | None = None, dues_year: int | None = None) -> None:
    """`dues_payload`: the VietQR of the year's dues (bank transfers), drawn above the check
    code when the member has not paid them."""
    inner = CARD_W - 6 * mm
    white = colors.white
    head, head_h = _block([(unit_name.upper(), FONT_BOLD, 7.5), ("THẺ HỘI VIÊN", FONT_SEMIBOLD, 9)],
                          inner, 20 * mm, color=white)
    band = max(13 * mm, head_h + 4 * mm)
    canvas.saveState()
    canvas.setStrokeColorRGB(0.6, 0.6, 0.6)
    canvas.setLineWidth(0.4)
    canvas.roundRect(x, y, CARD_W, CARD_H, 3 * mm, stroke=1, fill=0)
    # Header band: unit name and title.
    canvas.setFillColorRGB(*GREEN)
    path = canvas.beginPath()
    path.roundRect(x, y + CARD_H - band, CARD_W, band, 3 * mm)
    canvas.clipPath(path, stroke=0, fill=1)
    canvas.restoreState()
    canvas.saveState()
    canvas.setFillColorRGB(*GREEN)
    canvas.rect(x, y + CARD_H - band, CARD_W, band - 3 * mm, stroke=0, fill=1)
    layout.draw_stack(canvas, head, x + 3 * mm, y + CARD_H - 2 * mm, inner)
    # Body: name and details beside the QR code, wrapping; the footer line under them.
    canvas.setFillColorRGB(0, 0, 0)
    qr = 24 * mm
    text_w = CARD_W - qr - 9 * mm
    left = x + 3 * mm
    top = y + CARD_H - band - 2 * mm
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
    body, _h = _block([(member.full_name, FONT_BOLD, 11)] + [(t, FONT, 8) for t in lines],
                      text_w, top - (y + 7 * mm))
    layout.draw_stack(canvas, body, left, top, text_w)
    canvas.setFont(FONT, 5.5)
    canvas.setFillColorRGB(0.35, 0.35, 0.35)
    if dues_payload:
        # Two codes in the right column: the year's dues above, the card check below.
        small = min(17 * mm, (top - y - 5 * mm) / 2)
        qx = x + CARD_W - small - 3 * mm
        draw_qr(canvas, check_url, qx, y + 3 * mm, small)
        draw_qr(canvas, dues_payload, qx, y + 4 * mm + small, small)
        canvas.drawString(left, y + 3 * mm, nfc(
            f"Mã trên: chuyển khoản hội phí {dues_year} · mã dưới: kiểm tra thẻ"))
    else:
        draw_qr(canvas, check_url, x + CARD_W - qr - 3 * mm, y + 4 * mm, qr)
        canvas.drawString(left, y + 3 * mm,
                          nfc("Hội Khuyến học Việt Nam · quét mã để kiểm tra thẻ"))
    canvas.restoreState()


def member_cards_pdf(members: Iterable[Member], *, check_url: Callable[[Member], str],
                     valid_from: int, valid_to: int, title: str = "Thẻ hội viên",
                     dues: dict[int, str] | None = None, dues_year: int | None = None) -> bytes:
    """`dues`: member id → VietQR payload of `dues_year`'s dues, for those who owe them."""
    register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1, initialFontName=FONT)
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
                  valid_to=valid_to, unit_name=member.unit.name,
                  dues_payload=(dues or {}).get(member.id), dues_year=dues_year)
        count += 1
    if count == 0:
        canvas.setFont(FONT, 12)
        canvas.drawString(20 * mm, page_h - 30 * mm, nfc("Không có hội viên nào."))
    canvas.showPage()
    canvas.save()
    return out.getvalue()
