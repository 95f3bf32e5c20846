"""Receipts and payment vouchers laid out like Mẫu 01-TT / 02-TT (or C40-BB / C41-BB), and the
cash book (sổ quỹ tiền mặt, S07-DN). The printed forms are Vietnamese legal documents, so their
wording is Vietnamese whatever the interface language.

One voucher fills half an A4 sheet (210 × 148.5 mm): alone it is printed on an A5-landscape page,
as two copies (liên 1 / liên 2) it fills both halves of an A4 page.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4, A5, landscape
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen import canvas as rl_canvas

from ..money import amount_in_words, format_money, format_number
from . import (
    FONT,
    FONT_BOLD,
    FONT_BOLD_ITALIC,
    FONT_ITALIC,
    draw_qr_modules,
    draw_stamp,
    nfc,
    qr_modules,
    register_fonts,
)

HALF_W, HALF_H = A4[0], A4[1] / 2
MARGIN = 28

# Form code, legal basis and signature titles of each series (unit setting `form_series`).
SERIES = {
    "tt": {
        "receipt": "01-TT", "payment": "02-TT",
        "basis": ("(Ban hành kèm theo Thông tư số 99/2025/TT-BTC", "của Bộ trưởng Bộ Tài chính)"),
        "head": "Chủ tịch", "accountant": "Kế toán", "maker": "Người lập phiếu",
    },
    "bb": {
        "receipt": "C40-BB", "payment": "C41-BB",
        "basis": ("(Ban hành kèm theo Thông tư số 107/2017/TT-BTC", "của Bộ trưởng Bộ Tài chính)"),
        "head": "Thủ trưởng đơn vị", "accountant": "Kế toán trưởng", "maker": "Người lập",
    },
}
METHOD_WORDS = {"cash": "Tiền mặt", "transfer": "Chuyển khoản"}


def date_in_words(d) -> str:
    return f"Ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


@dataclass
class VoucherPage:
    """Everything printed on one voucher, as plain strings (prepared once, drawn per copy)."""

    kind: str
    unit_name: str
    unit_address: str
    form_code: str
    basis: tuple[str, str]
    title: str
    date_words: str
    book_code: str
    number: str
    debit: str
    credit: str
    party_label: str
    party_name: str
    party_address: str
    reason_label: str
    reason: str
    amount_figures: str
    amount_words: str
    attachments: str
    method_fund: str
    signatures: list[tuple[str, str, str]]  # (title, hint, printed name)
    verify_url: str
    qr: list[list[bool]]
    void: bool
    void_reason: str
    copy: bool
    print_no: int


def prepare(voucher, settings, verify_url: str, *, copy: bool, print_no: int,
            maker_name: str = "") -> VoucherPage:
    series = SERIES.get(settings.form_series, SERIES["tt"])
    receipt = voucher.kind == "receipt"
    account = "111" if voucher.method == "cash" else "112"
    head = (series["head"], "(Ký, họ tên, đóng dấu)", settings.head_name)
    accountant = (series["accountant"], "(Ký, họ tên)", settings.accountant_name)
    cashier = ("Thủ quỹ", "(Ký, họ tên)", settings.cashier_name)
    maker = (series["maker"], "(Ký, họ tên)", maker_name)
    party = ("Người nộp tiền" if receipt else "Người nhận tiền", "(Ký, họ tên)",
             voucher.party_name)
    signatures = ([head, accountant, party, maker, cashier] if receipt
                  else [head, accountant, cashier, maker, party])
    unit = voucher.unit
    return VoucherPage(
        kind=voucher.kind,
        unit_name=unit.name, unit_address=unit.address or "",
        form_code=f"Mẫu số {series[voucher.kind]}", basis=series["basis"],
        title="PHIẾU THU" if receipt else "PHIẾU CHI",
        date_words=date_in_words(voucher.voucher_date),
        book_code=voucher.book.code, number=str(voucher.number),
        debit=account if receipt else "", credit="" if receipt else account,
        party_label="Họ và tên người nộp tiền:" if receipt else "Họ và tên người nhận tiền:",
        party_name=voucher.party_name, party_address=voucher.party_address,
        reason_label="Lý do nộp:" if receipt else "Lý do chi:", reason=voucher.reason,
        amount_figures=format_money(voucher.amount),
        amount_words=amount_in_words(voucher.amount, style=settings.word_style,
                                     chan=bool(settings.chan)),
        attachments=f"{voucher.attachments}",
        method_fund=f"{METHOD_WORDS.get(voucher.method, voucher.method)} — {voucher.fund.name}",
        signatures=signatures, verify_url=verify_url, qr=qr_modules(verify_url),
        void=voucher.status == "void", void_reason=voucher.void_reason or "",
        copy=copy, print_no=print_no,
    )


def _fit(c, text: str, font: str, size: float, width: float, min_size: float = 6) -> float:
    """The largest font size <= size at which `text` fits in `width`."""
    w = c.stringWidth(text, font, size)
    if w <= width:
        return size
    return max(min_size, size * width / w)


def _labelled(c, x, y, label, value, width, *, value_font=FONT, size=9.5, max_lines=2,
              leading=15.5) -> float:
    """`label` then `value` on a dotted line, wrapping onto more dotted lines. Returns the y
    below the last line."""
    label, value = nfc(label), nfc(value)
    c.setFont(FONT, size)
    c.drawString(x, y, label)
    lw = c.stringWidth(label + " ", FONT, size)
    lines = simpleSplit(value, value_font, size, width - lw) or [""]
    if len(lines) > 1:
        rest = simpleSplit(" ".join(lines[1:]), value_font, size, width)
        lines = [lines[0], *rest][:max_lines]
    c.setFont(value_font, size)
    for i, line in enumerate(lines):
        lx = x + lw if i == 0 else x
        c.drawString(lx, y, line)
        c.line(lx, y - 2.5, x + width, y - 2.5)
        y -= leading
    return y


def draw_voucher(c, p: VoucherPage, x0: float, y0: float, liên: int | None = None) -> None:
    """Draw one voucher in the half-A4 box whose lower-left corner is (x0, y0)."""
    left, right = x0 + MARGIN, x0 + HALF_W - MARGIN
    width = right - left
    top = y0 + HALF_H - MARGIN - 4
    c.setLineWidth(0.4)
    c.setDash(0.6, 1.8)

    # Header: unit (left), form code and legal basis (right).
    unit_line = nfc(f"Đơn vị: {p.unit_name}")
    c.setFont(FONT_BOLD, _fit(c, unit_line, FONT_BOLD, 9, 300))
    c.drawString(left, top, unit_line)
    addr = nfc(f"Địa chỉ: {p.unit_address}")
    c.setFont(FONT, _fit(c, addr, FONT, 8.5, 300))
    c.drawString(left, top - 12, addr)
    cx = right - 95
    c.setFont(FONT_BOLD, 9.5)
    c.drawCentredString(cx, top, nfc(p.form_code))
    c.setFont(FONT_ITALIC, 7)
    c.drawCentredString(cx, top - 10, nfc(p.basis[0]))
    c.drawCentredString(cx, top - 19, nfc(p.basis[1]))

    # QR (left), title and date (centre), book / number / debit / credit (right).
    draw_qr_modules(c, p.qr, left, top - 98, 64)
    c.setFont(FONT_ITALIC, 6)
    c.drawCentredString(left + 32, top - 105, "Quét để kiểm tra")
    mid = x0 + HALF_W / 2
    c.setFont(FONT_BOLD, 17)
    c.drawCentredString(mid, top - 50, nfc(p.title))
    c.setFont(FONT_ITALIC, 9.5)
    c.drawCentredString(mid, top - 64, nfc(p.date_words))
    bx = right - 120
    c.setFont(FONT, 9)
    for i, (label, value) in enumerate(
            (("Quyển số:", p.book_code), ("Số:", p.number), ("Nợ:", p.debit),
             ("Có:", p.credit))):
        y = top - 40 - i * 13
        c.drawString(bx, y, nfc(label))
        c.setFont(FONT_BOLD, 9)
        c.drawString(bx + 48, y, nfc(value))
        c.setFont(FONT, 9)
        c.line(bx + 46, y - 2.5, right, y - 2.5)

    # Body.
    y = top - 124
    y = _labelled(c, left, y, p.party_label, p.party_name, width, value_font=FONT_BOLD,
                  max_lines=1)
    y = _labelled(c, left, y, "Địa chỉ:", p.party_address, width, max_lines=1)
    y = _labelled(c, left, y, p.reason_label, p.reason, width, max_lines=2)
    c.setFont(FONT, 9.5)
    c.drawString(left, y, nfc("Số tiền:"))
    c.setFont(FONT_BOLD, 9.5)
    c.drawString(left + 40, y, nfc(p.amount_figures))
    c.line(left + 38, y - 2.5, left + 150, y - 2.5)
    y = _labelled(c, left + 160, y, "(Viết bằng chữ):", p.amount_words, width - 160,
                  value_font=FONT_BOLD_ITALIC, max_lines=1)
    c.setFont(FONT, 9.5)
    c.drawString(left, y, nfc(f"Kèm theo: {p.attachments} chứng từ gốc."))
    hint = nfc(f"Hình thức: {p.method_fund}")
    c.setFont(FONT, _fit(c, hint, FONT, 9.5, width - 170))
    c.drawString(left + 170, y, hint)
    y -= 22

    # Signatures.
    c.setFont(FONT_ITALIC, 9)
    c.drawCentredString(right - width / 10, y, nfc(p.date_words))
    y -= 13
    col = width / 5
    for i, (title, hint, name) in enumerate(p.signatures):
        sx = left + col * i + col / 2
        c.setFont(FONT_BOLD, 8.5)
        c.drawCentredString(sx, y, nfc(title))
        c.setFont(FONT_ITALIC, 7)
        c.drawCentredString(sx, y - 10, nfc(hint))
        if name:
            name = nfc(name)
            c.setFont(FONT_BOLD, _fit(c, name, FONT_BOLD, 8.5, col - 4))
            c.drawCentredString(sx, y - 66, name)
    y -= 88
    c.setFont(FONT, 9)
    received = nfc("Đã nhận đủ số tiền (viết bằng chữ):")
    c.drawString(left, y, received)
    c.line(left + c.stringWidth(received, FONT, 9) + 3, y - 2.5, right, y - 2.5)
    c.setDash()

    # Footer: liên, print number, verification address.
    c.setFont(FONT_ITALIC, 6.5)
    foot = f"Liên {liên}" if liên else ""
    foot += f"{' · ' if foot else ''}In lần {p.print_no} · {p.verify_url}"
    c.drawString(left, y0 + 12, nfc(foot))

    if p.void:
        draw_stamp(c, "ĐÃ HỦY", mid, top - 150, size=34)
        c.setFillColorRGB(0.8, 0, 0)
        c.setFont(FONT_BOLD, 8)
        c.drawCentredString(mid, top - 90, nfc(f"Lý do hủy: {p.void_reason}")[:120])
        c.setFillColorRGB(0, 0, 0)
    if p.copy:
        draw_stamp(c, "BẢN SAO", right - 60, top - 112, size=18, color=(0.1, 0.25, 0.6),
                   angle=-12)


def _new_canvas(buffer, pagesize, title: str):
    register_fonts()
    c = rl_canvas.Canvas(buffer, pagesize=pagesize, pageCompression=0)
    c.setTitle(nfc(title))
    c.setAuthor("assoc")
    return c


def vouchers_pdf(pages: Iterable[VoucherPage], *, copies: int = 1, title: str = "Phiếu") -> bytes:
    """One voucher per A5-landscape page, or (copies=2) liên 1 and liên 2 on one A4 page."""
    buffer = io.BytesIO()
    two = copies == 2
    c = _new_canvas(buffer, A4 if two else landscape(A5), title)
    for p in pages:
        if two:
            draw_voucher(c, p, 0, HALF_H, liên=1)
            c.setDash(4, 3)
            c.setLineWidth(0.3)
            c.line(14, HALF_H, HALF_W - 14, HALF_H)
            c.setDash()
            draw_voucher(c, p, 0, 0, liên=2)
        else:
            draw_voucher(c, p, 0, 0)
        c.showPage()
    c.save()
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Cash book (sổ quỹ tiền mặt)
# ---------------------------------------------------------------------------------------------

# (header, sub-header letter, width in points, alignment)
CASH_COLUMNS = [
    ("Ngày ghi sổ", "A", 52, "c"),
    ("Ngày chứng từ", "B", 52, "c"),
    ("Số phiếu thu", "C", 70, "c"),
    ("Số phiếu chi", "D", 70, "c"),
    ("Diễn giải", "E", 262, "l"),
    ("Thu", "1", 82, "r"),
    ("Chi", "2", 82, "r"),
    ("Tồn", "3", 88, "r"),
    ("Ghi chú", "G", 50, "l"),
]
ROW_H = 13


def _count_pages(n_rows: int, ph: float) -> int:
    """Pages the cash book will take: the same steps as the drawing below, without drawing
    (the first page says how many pages the book has)."""
    y, pages = ph - 140 - ROW_H, 1  # after the header and the opening-balance row
    for _ in range(n_rows + 3):  # voucher rows, totals, closing, the page-count line
        if y - ROW_H < 40:
            pages, y = pages + 1, ph - 54
        y -= ROW_H
    y += ROW_H - 30  # the page-count line takes 30 points, not a row
    return pages + (1 if y < 110 else 0)


def cash_book_pdf(book, settings) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    pw, ph = landscape(A4)
    c = _new_canvas(buffer, (pw, ph), f"Sổ quỹ {book.fund.name}")
    left = (pw - sum(w for _h, _l, w, _a in CASH_COLUMNS)) / 2
    pages = _count_pages(len(book.rows), ph)
    page = 1

    def header(y):
        c.setFont(FONT_BOLD, 8)
        x = left
        for head, letter, w, _a in CASH_COLUMNS:
            c.rect(x, y - 24, w, 24, stroke=1, fill=0)
            c.setFont(FONT_BOLD, _fit(c, nfc(head), FONT_BOLD, 8, w - 4))
            c.drawCentredString(x + w / 2, y - 11, nfc(head))
            c.setFont(FONT_ITALIC, 7)
            c.drawCentredString(x + w / 2, y - 21, letter)
            c.setFont(FONT_BOLD, 8)
            x += w
        return y - 24

    def footer():
        c.setFont(FONT_ITALIC, 7)
        c.drawRightString(pw - 30, 18, nfc(f"Trang {page:02d}/{pages:02d}"))

    def row(y, values, *, bold=False, strike=False):
        x = left
        font = FONT_BOLD if bold else FONT
        for (_h, letter, w, align), value in zip(CASH_COLUMNS, values, strict=True):
            c.rect(x, y - ROW_H, w, ROW_H, stroke=1, fill=0)
            if value:
                text = nfc(value)
                size = 7.5
                if c.stringWidth(text, font, size) > w - 4:
                    while len(text) > 3 and c.stringWidth(text + "…", font, size) > w - 4:
                        text = text[:-1]
                    text += "…"
                c.setFont(font, size)
                ty = y - ROW_H + 3.5
                if align == "r":
                    c.drawRightString(x + w - 2, ty, text)
                elif align == "c":
                    c.drawCentredString(x + w / 2, ty, text)
                else:
                    c.drawString(x + 2, ty, text)
                if strike and letter != "G":
                    tw = c.stringWidth(text, font, size)
                    sx = {"r": x + w - 2 - tw, "c": x + w / 2 - tw / 2}.get(align, x + 2)
                    c.line(sx, ty + 2.5, sx + tw, ty + 2.5)
            x += w
        return y - ROW_H

    unit = book.unit
    c.setLineWidth(0.4)
    c.setFont(FONT_BOLD, 9)
    c.drawString(30, ph - 30, nfc(f"Đơn vị: {unit.name}"))
    c.setFont(FONT, 8.5)
    c.drawString(30, ph - 42, nfc(f"Địa chỉ: {unit.address or ''}"))
    c.setFont(FONT_BOLD, 9)
    c.drawRightString(pw - 30, ph - 30, "Mẫu số S07-DN")
    c.setFont(FONT_BOLD, 15)
    c.drawCentredString(pw / 2, ph - 68, nfc("SỔ QUỸ TIỀN MẶT"))
    c.setFont(FONT, 9.5)
    c.drawCentredString(pw / 2, ph - 83, nfc(f"Quỹ: {book.fund.name}"))
    c.setFont(FONT_ITALIC, 9)
    c.drawCentredString(pw / 2, ph - 96, nfc(
        f"Từ ngày {book.date_from:%d/%m/%Y} đến ngày {book.date_to:%d/%m/%Y}"))
    c.drawRightString(pw - 30, ph - 110, nfc("Đơn vị tính: đồng"))
    y = header(ph - 116)

    def room():
        nonlocal y, page
        if y - ROW_H < 40:
            footer()
            c.showPage()
            page += 1
            c.setLineWidth(0.4)
            y = header(ph - 30)

    y = row(y, ["", "", "", "", "Số dư đầu kỳ", "", "", format_number(book.opening), ""],
            bold=True)
    for r in book.rows:
        room()
        d = f"{r.voucher_date:%d/%m/%Y}"
        y = row(y, [d, d, r.number if r.kind == "receipt" else "",
                    r.number if r.kind == "payment" else "", r.description,
                    format_number(r.amount_in) if r.amount_in else "",
                    format_number(r.amount_out) if r.amount_out else "",
                    "" if r.void else format_number(r.balance),
                    "ĐÃ HỦY" if r.void else ""], strike=r.void)
    room()
    y = row(y, ["", "", "", "", "Cộng phát sinh trong kỳ", format_number(book.total_in),
                format_number(book.total_out), "", ""], bold=True)
    room()
    y = row(y, ["", "", "", "", "Số dư cuối kỳ", "", "", format_number(book.closing), ""],
            bold=True)
    room()
    c.setFont(FONT_ITALIC, 8.5)
    c.drawString(left, y - 14, nfc(
        f"Sổ này có {pages:02d} trang, đánh số từ trang 01 đến trang {pages:02d}. "
        f"Ngày mở sổ: {book.date_from:%d/%m/%Y}."))
    y -= 30
    if y < 110:
        footer()
        c.showPage()
        page += 1
        y = ph - 40
    series = SERIES.get(settings.form_series, SERIES["tt"])
    col = (pw - 60) / 3
    for i, (title, name) in enumerate((("Người ghi sổ", settings.cashier_name),
                                        (series["accountant"], settings.accountant_name),
                                        (series["head"], settings.head_name))):
        sx = 30 + col * i + col / 2
        c.setFont(FONT_BOLD, 9)
        c.drawCentredString(sx, y, nfc(title))
        c.setFont(FONT_ITALIC, 7.5)
        c.drawCentredString(sx, y - 11, nfc("(Ký, họ tên, đóng dấu)" if i == 2 else "(Ký, họ tên)"))
        if name:
            c.setFont(FONT_BOLD, 9)
            c.drawCentredString(sx, y - 60, nfc(name))
    footer()
    c.showPage()
    c.save()
    return buffer.getvalue()
