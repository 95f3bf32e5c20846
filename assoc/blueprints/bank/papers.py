"""Printed requests for money with their VietQR: the pledge letter, the event's donation
poster (no amount) and the "next time" block of a thank-you letter."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from ...models import Event, Pledge
from ...money import format_money
from ...pdf import FONT, FONT_BOLD, draw_qr, layout, nfc, register_fonts
from .vietqr import TransferQR


class QR(Flowable):
    """A VietQR drawn with the app's one QR encoder, `size` points square."""

    def __init__(self, payload: str, size: float):
        super().__init__()
        self.payload, self.size = payload, size
        self.width = self.height = size

    def wrap(self, avail_width, avail_height):
        return self.size, self.size

    def draw(self):
        draw_qr(self.canv, self.payload, 0, 0, self.size)


def _detail_texts(tq: TransferQR) -> list[tuple[str, bool]]:
    rows = [(f"Ngân hàng: {tq.bank}", False), (f"Số tài khoản: {tq.account_number}", True),
            (f"Chủ tài khoản: {tq.account_name}", False)]
    if tq.amount:
        rows.append((f"Số tiền: {format_money(tq.amount)}", True))
    if tq.code:
        rows.append((f"Nội dung chuyển khoản: {tq.code}", True))
    return rows


def _details(tq: TransferQR, size: float = 10, align: str = "l") -> list:
    return [layout.para(text, layout.style(size, FONT_BOLD if bold else FONT, align))
            for text, bold in _detail_texts(tq)]


def _qr_table(tq: TransferQR, qr_size: float, intro: str, size: float = 10) -> Table:
    text = [layout.para(intro, layout.style(size))] + _details(tq, size)
    table = Table([[QR(tq.payload, qr_size), text]], colWidths=[qr_size + 6 * mm, None])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table


def next_time_flowables(tq: TransferQR | None) -> list:
    """The thank-you letter's "next time" line: the unit's account as a VietQR."""
    if tq is None:
        return []
    return [Spacer(1, 4 * mm), _qr_table(
        tq, 28 * mm, "Lần sau, quý vị có thể chuyển khoản bằng cách quét mã QR này bằng ứng dụng "
        "ngân hàng (tài khoản và nội dung được điền sẵn):", 9.5)]


def _doc(story: list, title: str) -> bytes:
    register_fonts()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=17 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm, title=nfc(title),
                            author="assoc")
    layout.build(doc, story)
    return out.getvalue()


def pledge_letter_pdf(pledge: Pledge, tq: TransferQR) -> bytes:
    unit, donor = pledge.unit, pledge.donor
    title = layout.style(15, FONT_BOLD, "c")
    body = layout.style(11.5, FONT, leading=17)
    story = [
        layout.para(unit.name.upper(), layout.style(10, FONT_BOLD)),
        Spacer(1, 8 * mm),
        layout.para("THƯ ĐỀ NGHỊ CHUYỂN KHOẢN THEO CAM KẾT ỦNG HỘ", title),
        Spacer(1, 6 * mm),
        layout.para(f"Kính gửi: {donor.name}", layout.style(11.5, FONT_BOLD)),
        Spacer(1, 3 * mm),
        layout.para(
            f"{unit.name} trân trọng cảm ơn quý vị đã cam kết ủng hộ quỹ khuyến học số tiền "
            f"{format_money(pledge.amount)}"
            + (f" nhân dịp {pledge.event.title}" if pledge.event else "")
            + (f", đã nhận {format_money(pledge.received)}" if pledge.received else "")
            + (f". Số tiền còn lại là {format_money(pledge.outstanding)}." if pledge.outstanding
               else "."), body),
        layout.para("Quý vị có thể chuyển khoản bằng cách quét mã QR dưới đây bằng ứng dụng "
                    "ngân hàng: tài khoản, số tiền và nội dung được điền sẵn. Xin giữ nguyên "
                    "nội dung chuyển khoản để hội ghi nhận đúng cam kết; có thể chuyển làm "
                    "nhiều lần.", body),
        Spacer(1, 5 * mm),
        _qr_table(tq, 45 * mm, f"Mã cam kết: {tq.code}", 11),
        Spacer(1, 10 * mm),
        layout.para("Trân trọng cảm ơn!", layout.style(11.5, FONT_BOLD, "r")),
    ]
    return _doc(story, f"Thư đề nghị chuyển khoản — {tq.code}")


def event_poster_pdf(event: Event, tq: TransferQR) -> bytes:
    story = [
        layout.para(event.unit.name.upper(), layout.style(12, FONT_BOLD, "c")),
        Spacer(1, 6 * mm),
        layout.para(event.title, layout.style(22, FONT_BOLD, "c", leading=28)),
        Spacer(1, 4 * mm),
        layout.para("CHUNG TAY ỦNG HỘ QUỸ KHUYẾN HỌC", layout.style(16, FONT_BOLD, "c")),
        Spacer(1, 8 * mm),
        Table([[QR(tq.payload, 110 * mm)]], colWidths=[175 * mm],
              style=TableStyle([("ALIGN", (0, 0), (-1, -1), "CENTER")])),
        Spacer(1, 6 * mm),
        layout.para("Quét mã bằng ứng dụng ngân hàng, nhập số tiền và giữ nguyên nội dung "
                    "chuyển khoản.", layout.style(12, FONT, "c")),
        Spacer(1, 4 * mm),
        *_details(tq, 13, "c"),
    ]
    return _doc(story, f"Ủng hộ {event.title}")
