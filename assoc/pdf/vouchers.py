"""Receipts and payment vouchers laid out like Mẫu 01-TT / 02-TT (or C40-BB / C41-BB), and the
cash and bank books (S07-DN / S08-DN, or S11-H / S12-H under the administrative regime). The printed forms are Vietnamese legal documents, so their
wording is Vietnamese whatever the interface language.

One voucher fills half an A4 sheet (210 × 148.5 mm): alone it is printed on an A5-landscape page,
as two copies (liên 1 / liên 2) it fills both halves of an A4 page.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from reportlab.lib.pagesizes import A4, A5, landscape
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus.flowables import Flowable

from ..money import format_money, format_number
from ..voucher_paper import (  # noqa: F401 (re-exported: the forms' data lives there)
    LEGAL_BASIS,
    METHOD_WORDS,
    SERIES,
    freeze,
    legal_basis,
    paper_of,
)
from . import (
    FONT,
    FONT_BOLD,
    FONT_BOLD_ITALIC,
    FONT_ITALIC,
    draw_qr_modules,
    draw_stamp,
    layout,
    nfc,
    qr_modules,
    qr_ops,
    register_fonts,
)

HALF_W, HALF_H = A4[0], A4[1] / 2
MARGIN = 28
WIDTH = HALF_W - 2 * MARGIN

def date_in_words(d) -> str:
    return f"Ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


@dataclass
class VoucherPage:
    """Everything printed on one voucher, as plain strings (prepared once, drawn per copy).

    `mark` is the print state: "preview" (XEM TRƯỚC, before the first official print),
    "original" (the official first print: no stamp on any liên), "copy" (BẢN SAO)."""

    kind: str
    unit_name: str
    unit_address: str
    form_code: str
    basis: str
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
    mark: str
    print_no: int

    @property
    def copy(self) -> bool:
        return self.mark == "copy"

    @cached_property
    def qr_ops(self) -> str:
        """The QR code's fill operators, built once for both liên."""
        return qr_ops(self.qr)


def prepare(voucher, settings, verify_url: str, *, mark: str, print_no: int,
            maker_name: str = "") -> VoucherPage:
    """The voucher's page. Everything that could change after issue (form series and legal
    basis, signer titles and names, word style, the unit's name and address) comes from what was
    frozen on the voucher when it was issued (`voucher.paper`); `settings` and `maker_name` only
    fill a voucher that has none (not flushed yet)."""
    paper = paper_of(voucher, settings, maker_name)
    receipt = voucher.kind == "receipt"
    account = "111" if voucher.method == "cash" else "112"
    titles, names = paper["titles"], paper["names"]
    head = (titles["head"], "(Ký, họ tên, đóng dấu)", names["head"])
    accountant = (titles["accountant"], "(Ký, họ tên)", names["accountant"])
    cashier = ("Thủ quỹ", "(Ký, họ tên)", names["cashier"])
    maker = (titles["maker"], "(Ký, họ tên)", names["maker"])
    party = ("Người nộp tiền" if receipt else "Người nhận tiền", "(Ký, họ tên)",
             paper["party_name"])
    signatures = ([head, accountant, party, maker, cashier] if receipt
                  else [head, accountant, cashier, maker, party])
    return VoucherPage(
        kind=voucher.kind,
        unit_name=paper["unit_name"], unit_address=paper["unit_address"],
        form_code=paper["form_code"],
        basis=paper["basis"],
        title="PHIẾU THU" if receipt else "PHIẾU CHI",
        date_words=date_in_words(voucher.voucher_date),
        book_code=voucher.book.code, number=voucher.display_number,
        debit=account if receipt else "", credit="" if receipt else account,
        party_label="Họ và tên người nộp tiền:" if receipt else "Họ và tên người nhận tiền:",
        party_name=paper["party_name"], party_address=paper["party_address"],
        reason_label="Lý do nộp:" if receipt else "Lý do chi:", reason=voucher.reason,
        amount_figures=format_money(voucher.amount),
        amount_words=paper["amount_words"],
        attachments=f"{voucher.attachments}",
        method_fund=f"{METHOD_WORDS.get(voucher.method, voucher.method)} — {paper['fund_name']}",
        signatures=signatures, verify_url=verify_url, qr=qr_modules(verify_url),
        void=voucher.status == "void", void_reason=voucher.void_reason or "",
        mark=mark, print_no=print_no,
    )


class _QR(Flowable):
    """A QR code with its caption under it."""

    def __init__(self, modules, size: float = 62, ops: str | None = None):
        super().__init__()
        self.modules, self.size, self.ops = modules, size, ops

    def wrap(self, aw, ah):
        return self.size, self.size + 9

    def draw(self):
        draw_qr_modules(self.canv, self.modules, 0, 9, self.size, ops=self.ops)
        self.canv.setFont(FONT_ITALIC, 6)
        self.canv.drawCentredString(self.size / 2, 1, "Quét để kiểm tra")


class _Stamp(Flowable):
    """A stamp such as "BẢN SAO" that takes its own room in the layout (slightly slanted), so
    it can never lie over the voucher's number or any other text."""

    ANGLE = -6

    def __init__(self, text: str, size: float = 13, color=(0.1, 0.25, 0.6)):
        super().__init__()
        self.text, self.size, self.color = text, size, color
        register_fonts()
        self.box_w = stringWidth(nfc(text), FONT_BOLD, size) + 16
        self.box_h = size * 1.25
        a = math.radians(abs(self.ANGLE))
        self.w = self.box_w * math.cos(a) + self.box_h * math.sin(a)
        self.h = self.box_w * math.sin(a) + self.box_h * math.cos(a)

    def wrap(self, aw, ah):
        return self.w, self.h + 4

    def draw(self):
        # draw_stamp centres its box 0.275 × size above the baseline it is given.
        draw_stamp(self.canv, self.text, self.w / 2, self.h / 2 - 0.275 * self.size,
                   size=self.size, color=self.color, angle=self.ANGLE)


def _flowables(p: VoucherPage, liên: int | None) -> list:
    """The voucher, top to bottom, as flowables of width WIDTH."""
    W = WIDTH
    right_w = 200
    header = layout.table([[
        [layout.labelled("Đơn vị:", p.unit_name, W - right_w - 6, size=9),
         layout.labelled("Địa chỉ:", p.unit_address, W - right_w - 6, size=8.5,
                         value_font=FONT)],
        [layout.para(p.form_code, layout.style(9.5, FONT_BOLD, "c")),
         layout.para(f"({p.basis})", layout.style(7, FONT_ITALIC, "c", leading=8.6))],
    ]], [W - right_w, right_w], grid=False, extra=[
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)])
    box_w = 150
    numbers = [layout.labelled(label, value, box_w, size=9) for label, value in (
        ("Quyển số:", p.book_code), ("Số:", p.number), ("Nợ:", p.debit or " "),
        ("Có:", p.credit or " "))]
    if p.mark == "copy":
        numbers.append(_Stamp("BẢN SAO"))
    title = layout.table([[
        _QR(p.qr, ops=p.qr_ops),
        [layout.para(p.title, layout.style(17, FONT_BOLD, "c")),
         layout.para(p.date_words, layout.style(9.5, FONT_ITALIC, "c"))],
        numbers,
    ]], [80, W - 80 - box_w, box_w], grid=False, extra=[
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("VALIGN", (1, 0), (1, 0), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 4)])
    body = [
        layout.labelled(p.party_label, p.party_name, W),
        layout.labelled("Địa chỉ:", p.party_address, W, value_font=FONT),
        layout.labelled(p.reason_label, p.reason, W, value_font=FONT),
        layout.labelled("Số tiền:", p.amount_figures, W),
        layout.labelled("(Viết bằng chữ):", p.amount_words, W, value_font=FONT_BOLD_ITALIC),
        layout.table([[layout.para(f"Kèm theo: {p.attachments} chứng từ gốc."),
                       layout.labelled("Hình thức:", p.method_fund, W - 170, value_font=FONT)]],
                     [170, W - 170], grid=False, extra=[
                         ("LEFTPADDING", (0, 0), (-1, -1), 0),
                         ("RIGHTPADDING", (0, 0), (-1, -1), 0)]),
    ]
    for f in body:
        f.spaceAfter = 3
    col = W / 5
    sign_rows = [
        [layout.para(t, layout.style(8.5, FONT_BOLD, "c")) for t, _h, _n in p.signatures],
        [layout.para(h, layout.style(7, FONT_ITALIC, "c")) for _t, h, _n in p.signatures],
        ["" for _s in p.signatures],
        [layout.fitted(n, col - 6, size=8.5, font=FONT_BOLD, align="c") for _t, _h, n in
         p.signatures],
    ]
    signatures = layout.table(sign_rows, [col] * 5, grid=False, heights=[None, None, 42, None],
                              extra=[("LEFTPADDING", (0, 0), (-1, -1), 3),
                                     ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                                     ("TOPPADDING", (0, 0), (-1, -1), 0),
                                     ("BOTTOMPADDING", (0, 0), (-1, -1), 1)])
    foot = f"Liên {liên}" if liên else ""
    if p.mark == "preview":
        foot += f"{' · ' if foot else ''}Bản xem trước, chưa in chính thức"
    else:
        foot += f"{' · ' if foot else ''}In lần {p.print_no}"
    foot += f" · {p.verify_url}"
    # A void voucher says why in the flow of the page (red, under the title), so the reason
    # wraps like any text and never lies over the body; the "ĐÃ HỦY" stamp goes over the page.
    void = ([layout.para(f"ĐÃ HỦY — Lý do hủy: {p.void_reason}",
                         layout.style(8.5, FONT_BOLD, "c", textColor=(0.8, 0, 0),
                                      spaceAfter=3))] if p.void else [])
    return [
        header, title, *void, *body,
        layout.para(p.date_words, layout.style(9, FONT_ITALIC, "r", spaceBefore=4)),
        signatures,
        layout.labelled("Đã nhận đủ số tiền (viết bằng chữ):",
                        "................................................................", W,
                        size=9, value_font=FONT),
        layout.para(foot, layout.style(6.5, FONT_ITALIC, spaceBefore=4)),
    ]


def _stack(p: VoucherPage, liên: int | None) -> layout.Stack:
    return layout.Stack(_flowables(p, liên), WIDTH)


def voucher_height(p: VoucherPage, liên: int | None = None) -> float:
    return _stack(p, liên).height + 2 * MARGIN


def draw_voucher(c, p: VoucherPage, x0: float, y0: float, liên: int | None = None,
                 height: float = HALF_H, stack: layout.Stack | None = None) -> None:
    """Draw one voucher in the box of width HALF_W and `height` whose lower-left corner is
    (x0, y0); stamps go over the text. `stack`: its flowables already measured."""
    top = y0 + height - MARGIN
    (stack or _stack(p, liên)).draw(c, x0 + MARGIN, top)
    mid = x0 + HALF_W / 2
    if p.void:
        draw_stamp(c, "ĐÃ HỦY", mid, y0 + height * 0.6, size=34)
    if p.mark == "preview":
        draw_stamp(c, "XEM TRƯỚC", mid, y0 + height * 0.3, size=30, color=(0.55, 0.55, 0.55),
                   angle=15)
        c.saveState()  # the caption is part of the stamp: same slant, over the text
        c.translate(mid, y0 + height * 0.3)
        c.rotate(15)
        c.setFillColorRGB(0.45, 0.45, 0.45)
        c.setFont(FONT_BOLD, 8)
        c.drawCentredString(0, -22, nfc("Không có giá trị thanh toán"))
        c.restoreState()


def _new_canvas(buffer, pagesize, title: str):
    register_fonts()
    c = rl_canvas.Canvas(buffer, pagesize=pagesize, pageCompression=0, initialFontName=FONT)
    c.setTitle(nfc(title))
    c.setAuthor("assoc")
    return c


def vouchers_pdf(pages: Iterable[VoucherPage], *, copies: int = 1, title: str = "Phiếu") -> bytes:
    """One voucher per A5-landscape page, or (copies=2) liên 1 and liên 2 on one A4 page.
    A voucher whose text needs more room gets a taller page (one liên per A4 page when two
    would not fit on one)."""
    buffer = io.BytesIO()
    two = copies == 2
    c = _new_canvas(buffer, A4 if two else landscape(A5), title)
    for p in pages:
        if two:
            stacks = {liên: _stack(p, liên) for liên in (1, 2)}
            need = max(s.height for s in stacks.values()) + 2 * MARGIN
            if need <= HALF_H:
                c.setPageSize(A4)
                draw_voucher(c, p, 0, HALF_H, liên=1, stack=stacks[1])
                c.saveState()
                c.setDash(4, 3)
                c.setLineWidth(0.3)
                c.line(14, HALF_H, HALF_W - 14, HALF_H)
                c.restoreState()
                draw_voucher(c, p, 0, 0, liên=2, stack=stacks[2])
                c.showPage()
            else:
                h = max(A4[1], need)
                for liên in (1, 2):
                    c.setPageSize((HALF_W, h))
                    draw_voucher(c, p, 0, 0, liên=liên, height=h, stack=stacks[liên])
                    c.showPage()
        else:
            stack = _stack(p, None)
            h = max(HALF_H, stack.height + 2 * MARGIN)
            c.setPageSize((HALF_W, h))
            draw_voucher(c, p, 0, 0, height=h, stack=stack)
            c.showPage()
    c.save()
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Cash book (sổ quỹ tiền mặt) and bank book (sổ tiền gửi ngân hàng)
# ---------------------------------------------------------------------------------------------

# (header, sub-header letter, width in points, alignment)
CASH_COLUMNS = [
    ("Ngày ghi sổ", "A", 58, "c"),
    ("Ngày chứng từ", "B", 58, "c"),
    ("Số phiếu thu", "C", 74, "c"),
    ("Số phiếu chi", "D", 74, "c"),
    ("Diễn giải", "E", 212, "l"),
    ("Thu", "1", 82, "r"),
    ("Chi", "2", 82, "r"),
    ("Tồn", "3", 88, "r"),
    ("Ghi chú", "G", 74, "l"),
]
BOOK_TITLES = {
    "cash": ("SỔ QUỸ TIỀN MẶT", "Mẫu số S07-DN"),
    "transfer": ("SỔ TIỀN GỬI NGÂN HÀNG", "Mẫu số S08-DN"),
    None: ("SỔ THU, CHI QUỸ (TIỀN MẶT VÀ TIỀN GỬI)", ""),
}
# Under the administrative regime (form series "bb", vouchers C40-BB/C41-BB) the books are
# those of Thông tư 107/2017/TT-BTC, phụ lục 03 (danh mục sổ kế toán): S11-H "Sổ quỹ tiền
# mặt", S12-H "Sổ tiền gửi ngân hàng, kho bạc". S07-DN / S08-DN are the enterprise books of
# Thông tư 200/2014/TT-BTC (e.g. jes.edu.vn/mau-so-quy-tien-mat-theo-dung-quy-dinh-hien-hanh
# prints "Mẫu số S07-DN (Ban hành theo Thông tư số 200/2014/TT-BTC)"). The project's search
# tool held no copy of TT 107's appendix, so S11-H/S12-H are cited from the circular itself,
# unverified here: see README, "Domain notes".
BOOK_TITLES_BB = {
    "cash": ("SỔ QUỸ TIỀN MẶT", "Mẫu số S11-H"),
    "transfer": ("SỔ TIỀN GỬI NGÂN HÀNG, KHO BẠC", "Mẫu số S12-H"),
    None: BOOK_TITLES[None],
}


def book_title(method: str | None, series: str = "tt") -> tuple[str, str]:
    """The book's title and form code under the unit's regime (`series`: "tt" or "bb")."""
    titles = BOOK_TITLES_BB if series == "bb" else BOOK_TITLES
    return titles.get(method, titles[None])


def _cash_book_row(values, bold=False):
    font = FONT_BOLD if bold else FONT
    return [layout.line_cell(v, size=7.5, font=font, align=a)
            for (_h, _l, _w, a), v in zip(CASH_COLUMNS, values, strict=True)]


_CASH_PADDING = [("LEFTPADDING", (0, 0), (-1, -1), 2.5), ("RIGHTPADDING", (0, 0), (-1, -1), 2.5)]


def _cash_book_tail(book):
    """The book's last two rows (totals, closing balance): a table of their own that goes
    with the closing lines and the signatures, so those never stand on a page alone."""
    return layout.table([
        _cash_book_row(["", "", "", "", "Cộng phát sinh trong kỳ", format_number(book.total_in),
                        format_number(book.total_out), "", ""], bold=True),
        _cash_book_row(["", "", "", "", "Số dư cuối kỳ", "", "", format_number(book.closing),
                        ""], bold=True),
    ], [w for _h, _l, w, _a in CASH_COLUMNS], repeat=0, extra=_CASH_PADDING)


def _cash_book_rows(book):
    """The cash book's table (header, opening, one row per voucher; the totals are
    `_cash_book_tail`), built and measured once for all the passes of `cash_book_pdf`."""
    rows = [[layout.para(h, layout.style(8, FONT_BOLD, "c")) for h, _l, _w, _a in CASH_COLUMNS],
            [layout.para(x, layout.style(7, FONT_ITALIC, "c")) for _h, x, _w, _a in CASH_COLUMNS]]

    row = _cash_book_row
    rows.append(row(["", "", "", "", "Số dư đầu kỳ", "", "", format_number(book.opening), ""],
                    bold=True))
    for r in book.rows:
        d = f"{r.voucher_date:%d/%m/%Y}"
        amount = r.amount_in or r.amount_out
        note = (f"ĐÃ HỦY ({format_number(amount)} đ không ghi sổ): {r.note}" if r.void else "")
        rows.append(row([d, d, r.number if r.kind == "receipt" else "",
                         r.number if r.kind == "payment" else "", r.description,
                         "" if r.void else (format_number(r.amount_in) if r.amount_in else ""),
                         "" if r.void else (format_number(r.amount_out) if r.amount_out else ""),
                         format_number(r.balance), note]))
    return layout.table(rows, [w for _h, _l, w, _a in CASH_COLUMNS], repeat=2,
                        measure_once=True, extra=_CASH_PADDING)


def _cash_book_story(book, settings, pages: int | None, rows_table) -> list:
    from reportlab.platypus import Spacer

    unit = book.unit
    title, form = book_title(book.method, settings.form_series)
    width = sum(w for _h, _l, w, _a in CASH_COLUMNS)
    form_cell = [layout.para(form, layout.style(9, FONT_BOLD, "r"))]
    if form and settings.form_series == "bb":
        form_cell.append(layout.para(f"({LEGAL_BASIS['bb'][-1][1]})",
                                     layout.style(7.5, FONT_ITALIC, "r")))
    head = layout.table([[
        [layout.labelled("Đơn vị:", unit.name, width - 200, size=9),
         layout.labelled("Địa chỉ:", unit.address or "", width - 200, size=8.5, value_font=FONT)],
        form_cell,
    ]], [width - 200, 200], grid=False)
    story = [
        head, Spacer(1, 8),
        layout.para(title, layout.style(15, FONT_BOLD, "c")),
        layout.para(f"Quỹ: {book.fund.name}", layout.style(9.5, FONT, "c")),
        layout.para(f"Từ ngày {book.date_from:%d/%m/%Y} đến ngày {book.date_to:%d/%m/%Y}",
                    layout.style(9, FONT_ITALIC, "c")),
        layout.para("Đơn vị tính: đồng", layout.style(9, FONT_ITALIC, "r")),
    ]
    story.append(rows_table)
    n = f"{pages:02d}" if pages else "…"
    closing = [
        Spacer(1, 6),
        layout.para(f"Sổ này có {n} trang, đánh số từ trang 01 đến trang {n}. "
                    f"Ngày mở sổ: {book.date_from:%d/%m/%Y}.", layout.style(8.5, FONT_ITALIC)),
        Spacer(1, 6),
        layout.para("Ngày ..... tháng ..... năm ..........", layout.style(9, FONT_ITALIC, "r")),
    ]
    series = SERIES.get(settings.form_series, SERIES["tt"])
    signers = (("Người ghi sổ", "(Ký, họ tên)", settings.cashier_name),
               (series["accountant"], "(Ký, họ tên)", settings.accountant_name),
               (series["head"], "(Ký, họ tên, đóng dấu)", settings.head_name))
    col = width / 3
    sign = layout.table([
        [layout.para(t, layout.style(9, FONT_BOLD, "c")) for t, _h, _n in signers],
        [layout.para(h, layout.style(7.5, FONT_ITALIC, "c")) for _t, h, _n in signers],
        ["", "", ""],
        [layout.fitted(n, col - 8, size=9, font=FONT_BOLD, align="c") for _t, _h, n in signers],
    ], [col] * 3, grid=False, heights=[None, None, 40, None])
    from reportlab.platypus import KeepTogether

    # The page-count and date lines go with the signatures (never a page of signatures alone).
    story.append(KeepTogether([_cash_book_tail(book), *closing, sign]))
    return story


def cash_book_pdf(book, settings) -> bytes:
    from reportlab.platypus import SimpleDocTemplate

    register_fonts()
    pw, ph = landscape(A4)
    title, _form = book_title(book.method, settings.form_series)

    def footer(total):
        def draw(c, doc):
            c.saveState()
            c.setFont(FONT_ITALIC, 7)
            c.drawRightString(pw - 30, 18, nfc(f"Trang {doc.page:02d}/{total or doc.page:02d}"))
            c.restoreState()
        return draw

    rows_table = _cash_book_rows(book)

    def render(pages, measure_only=False):
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(buffer, pagesize=(pw, ph), leftMargin=20, rightMargin=20,
                                topMargin=26, bottomMargin=34,
                                title=nfc(f"{title.capitalize()} {book.fund.name}"),
                                author="assoc")
        story = _cash_book_story(book, settings, pages,
                                 rows_table.copy(measure_only=measure_only))
        layout.build(doc, story, under=footer(pages))
        return buffer.getvalue(), doc.page

    # The first pass only counts the pages: the table's pieces are laid out, not drawn.
    _data, pages = render(None, measure_only=True)
    data, again = render(pages)
    if again != pages:  # the page count line changed the layout: one more pass settles it
        data, _again = render(again)
    return data
