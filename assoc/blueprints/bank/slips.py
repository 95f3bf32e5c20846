"""The dues reminder slips (phiếu nhắc đóng hội phí): one slip per member who has not paid the
year's dues, four to an A4 page with dashed cut lines; each slip carries the VietQR that fills
the unit's account, the amount and the member's transfer code in a banking app."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import exists, select

from ...extensions import db
from ...models import BankAccount, DuesPayment, Member, Unit
from ...money import format_money
from ...pdf import FONT, FONT_BOLD, draw_qr, layout, nfc, register_fonts
from ...services import members as member_svc
from . import banks, transfer_codes, vietqr

PER_PAGE = 4
QR_SIZE = 46 * mm


def collected_units(unit: Unit) -> list[Unit]:
    """The unit and its branches and boards, whose members' dues it receipts."""
    children = db.session.scalars(select(Unit).where(
        Unit.parent_id == unit.id, Unit.level.in_(("branch", "board")))).all()
    return [unit, *children]


def unpaid_members(unit: Unit, year: int) -> list[Member]:
    """Active members the unit receipts dues for who have not paid `year` (the member list's
    "unpaid" filter, honorary members included as there)."""
    ids = [u.id for u in collected_units(unit)]
    paid = exists().where(DuesPayment.member_id == Member.id, DuesPayment.year == year,
                          member_svc.payment_counts())
    return list(db.session.scalars(
        select(Member).where(Member.unit_id.in_(ids), Member.status == "active", ~paid)
        .order_by(Member.unit_id, Member.given_name_key, Member.search_key, Member.id)))


def _slip(c: Canvas, unit: Unit, account: BankAccount, member: Member, year: int,
          amount: int | None, x: float, top: float, width: float, height: float) -> None:
    code = transfer_codes.dues_code(member.number, year)
    data = vietqr.payload(bin_=account.bank_bin, account=account.account_number,
                          amount=amount, text=code)
    draw_qr(c, data, x + width - QR_SIZE, top - height + (height - QR_SIZE) / 2, QR_SIZE)
    text_w = width - QR_SIZE - 6 * mm
    rows = [
        (unit.name.upper(), FONT_BOLD, 8.5),
        (f"PHIẾU NHẮC ĐÓNG HỘI PHÍ NĂM {year}", FONT_BOLD, 12),
        (f"Hội viên: {member.full_name}", FONT_BOLD, 10.5),
        (f"Số thẻ: {member.display_number} · {member.unit.name}", FONT, 9),
        (f"Số tiền: {format_money(amount) if amount else 'theo mức của hội'}", FONT_BOLD, 10),
        (f"Ngân hàng: {banks.short_name(account.bank_bin)} · Số tài khoản: "
         f"{account.account_number}", FONT, 9),
        (f"Chủ tài khoản: {account.account_name}", FONT, 9),
        (f"Nội dung chuyển khoản: {code}", FONT_BOLD, 10),
        ("Quét mã QR bằng ứng dụng ngân hàng: tài khoản, số tiền và nội dung được điền sẵn. "
         "Xin giữ nguyên nội dung để hội ghi nhận đúng hội viên và năm.", FONT, 8),
    ]
    flow = [layout.para(t, layout.style(s, f)) for t, f, s in rows]
    layout.draw_stack(c, flow, x, top - 2 * mm, text_w)


def dues_slips_pdf(unit: Unit, account: BankAccount, members: list[Member], year: int) -> bytes:
    register_fonts()
    out = io.BytesIO()
    c = Canvas(out, pagesize=A4, pageCompression=1, initialFontName=FONT)
    c.setTitle(nfc(f"Phiếu nhắc đóng hội phí năm {year} — {unit.name}"))
    page_w, page_h = A4
    margin = 12 * mm
    slot_h = (page_h - 2 * margin) / PER_PAGE
    width = page_w - 2 * margin
    rates: dict[int, int | None] = {}
    for i, member in enumerate(members):
        slot = i % PER_PAGE
        if i and slot == 0:
            c.showPage()
        top = page_h - margin - slot * slot_h
        if member.unit_id not in rates:
            rates[member.unit_id] = member_svc.dues_rate(member.unit, year)
        _slip(c, unit, account, member, year, rates[member.unit_id], margin, top - 4 * mm,
              width, slot_h - 8 * mm)
        if slot < PER_PAGE - 1 and i < len(members) - 1:
            c.saveState()
            c.setDash(4, 3)
            c.setStrokeColorRGB(0.5, 0.5, 0.5)
            c.setLineWidth(0.5)
            c.line(margin / 2, top - slot_h, page_w - margin / 2, top - slot_h)
            c.setFont(FONT, 6.5)
            c.setFillColorRGB(0.4, 0.4, 0.4)
            c.drawString(margin / 2, top - slot_h + 1.5 * mm, nfc("cắt theo đường này"))
            c.restoreState()
    if not members:
        c.setFont(FONT, 12)
        c.drawString(20 * mm, page_h - 30 * mm,
                     nfc(f"Mọi hội viên đã đóng hội phí năm {year}."))
    c.showPage()
    c.save()
    return out.getvalue()
