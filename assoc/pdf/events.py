"""Event documents: piggy-bank counting sheets (biên bản kiểm đếm), acknowledgement of a gift
in kind (biên nhận hiện vật), thank-you letter, event report. Every string goes through nfc()."""

from __future__ import annotations

import io
from datetime import datetime

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from ..filters import fmt_date, local_dt
from ..models import Donation, Event
from ..money import amount_in_words, format_money, format_number
from . import FONT, FONT_BOLD, FONT_ITALIC, layout, nfc, register_fonts
from .layout import esc


def _styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("base", fontName=FONT, fontSize=10.5, leading=14)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=12),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=15,
                                leading=20, alignment=TA_CENTER, spaceBefore=6, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontName=FONT_ITALIC,
                                   alignment=TA_CENTER),
        "bold": ParagraphStyle("bold", parent=base, fontName=FONT_BOLD),
        "h2": ParagraphStyle("h2", parent=base, fontName=FONT_BOLD, fontSize=12, leading=16,
                             spaceBefore=10, spaceAfter=4),
    }


def P(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(esc(text), style)


def _header(unit, st) -> Table:
    left = [P(unit.parent.name.upper() if unit.parent else "", st["small"]),
            P(unit.name.upper(), ParagraphStyle("u", parent=st["small"], fontName=FONT_BOLD))]
    right = [P("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
               ParagraphStyle("r", parent=st["small"], fontName=FONT_BOLD, alignment=TA_CENTER)),
             P("Độc lập - Tự do - Hạnh phúc",
               ParagraphStyle("r2", parent=st["small"], fontName=FONT_BOLD, alignment=TA_CENTER))]
    table = Table([[left, right]], colWidths=[80 * mm, 95 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("ALIGN", (0, 0), (0, -1), "CENTER")]))
    return table


def _place_date(unit, when, st) -> Paragraph:
    from ..models import utcnow

    when = local_dt(when or utcnow()) if isinstance(when, datetime) or when is None else when
    place = (unit.address.split(",")[-1].strip() if unit.address else "") or "…"
    return P(_("%(place)s, day %(d)s month %(m)s year %(y)s", place=place, d=f"{when.day:02d}",
               m=f"{when.month:02d}", y=when.year), ParagraphStyle("pd", parent=st["subtitle"],
                                                                   alignment=TA_RIGHT))


def _signatures(titles: list[tuple[str, str]], st) -> Table:
    bold_c = ParagraphStyle("bc", parent=st["center"], fontName=FONT_BOLD)
    small_c = ParagraphStyle("sc", parent=st["small"], fontName=FONT_ITALIC, alignment=TA_CENTER)
    row1 = [P(t, bold_c) for t, _n in titles]
    row2 = [P(_("(Signature, full name)"), small_c) if t else "" for t, _n in titles]
    row3 = [P(n, st["center"]) for _t, n in titles]
    width = 175 * mm / len(titles)
    table = Table([row1, row2, [""] * len(titles), row3], colWidths=[width] * len(titles),
                  rowHeights=[None, None, 22 * mm, None])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _signed(date_line, signatures) -> KeepTogether:
    """The place-and-date line and the signatures under it, never parted by a page end."""
    return KeepTogether([date_line, Spacer(1, 2 * mm), signatures])


def _grid(data, widths, *, header=True, total_row=False) -> Table:
    table = Table(data, colWidths=widths, repeatRows=1 if header else 0)
    style = [("FONT", (0, 0), (-1, -1), FONT, 9.5),
             ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
             ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    if header:
        style += [("FONT", (0, 0), (-1, 0), FONT_BOLD, 9.5),
                  ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9f5ee"))]
    if total_row:
        style.append(("FONT", (0, -1), (-1, -1), FONT_BOLD, 9.5))
    table.setStyle(TableStyle(style))
    return table


def _build(story, title: str) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=17 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm, title=nfc(title),
                            author="assoc")
    layout.build(doc, story)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------


def counting_sheets_pdf(sheets) -> bytes:
    """One page per sheet: counts per denomination, total in figures and words, two counters."""
    st = _styles()
    story = []
    for i, sheet in enumerate(sheets):
        event, unit = sheet.event, sheet.unit
        if i:
            story.append(PageBreak())
        story += [_header(unit, st), Spacer(1, 4 * mm),
                  P("BIÊN BẢN KIỂM ĐẾM TIỀN HEO ĐẤT KHUYẾN HỌC", st["title"]),
                  P(f"{event.title} — {fmt_date(event.starts_at)}", st["subtitle"]),
                  Spacer(1, 4 * mm),
                  P(_("Class / group: %(group)s", group=sheet.group_name), st["bold"]),
                  P(_("Counted by: %(a)s and %(b)s", a=sheet.counter_1, b=sheet.counter_2),
                    st["base"]),
                  Spacer(1, 3 * mm)]
        data = [[nfc(_("No.")), nfc(_("Denomination")), nfc(_("Pieces")), nfc(_("Amount (đ)"))]]
        for n, (_key, value, coin, count, subtotal) in enumerate(sheet.lines(), start=1):
            label = f"{format_number(value)} đ" + (" (xu)" if coin else "")
            data.append([str(n), label, format_number(count) if count else "",
                         format_number(subtotal) if subtotal else ""])
        data.append(["", nfc(_("Total")), format_number(sum(sheet.counts.values())),
                     format_number(sheet.total)])
        table = _grid(data, [14 * mm, 60 * mm, 40 * mm, 50 * mm], total_row=True)
        table.setStyle(TableStyle([("ALIGN", (2, 1), (-1, -1), "RIGHT"),
                                   ("ALIGN", (0, 0), (0, -1), "CENTER")]))
        story += [table, Spacer(1, 3 * mm),
                  P(_("Total in words: %(words)s.", words=amount_in_words(sheet.total)),
                    st["bold"])]
        if sheet.note:
            story.append(P(_("Note: %(note)s", note=sheet.note), st["base"]))
        story += [Spacer(1, 4 * mm), _signed(
            _place_date(unit, sheet.created_at, st),
            _signatures([(_("Representative of the class/group"), ""),
                         (_("Counter"), sheet.counter_1),
                         (_("Counter"), sheet.counter_2)], st))]
    return _build(story, "Biên bản kiểm đếm")


def _frozen(donation: Donation):
    """(unit, donor, event title) as the donation's papers print them: from what was frozen
    when it was recorded (services.events.donation_paper), else as they stand."""
    from types import SimpleNamespace

    from ..services.events import donation_paper

    paper = donation.paper or donation_paper(donation)
    unit = SimpleNamespace(name=paper["unit_name"], address=paper["unit_address"],
                           parent=SimpleNamespace(name=paper["parent_name"])
                           if paper["parent_name"] else None)
    donor = (SimpleNamespace(name=paper["donor_name"], address=paper["donor_address"])
             if donation.donor is not None else None)
    return unit, donor, paper["event_title"]


def acknowledgement_pdf(donation: Donation) -> bytes:
    """Biên nhận hiện vật: goods received, quantity and estimated value; not a cash voucher."""
    st = _styles()
    unit, donor, event_title = _frozen(donation)
    donor_name = _("Anonymous donor") if donation.anonymous or donor is None else donor.name
    data = [[nfc(_("No.")), nfc(_("Items")), nfc(_("Quantity")), nfc(_("Estimated value (đ)"))],
            ["1", P(donation.items, st["small"]), format_number(donation.quantity),
             format_number(donation.estimated_value)]]
    table = _grid(data, [14 * mm, 90 * mm, 28 * mm, 42 * mm])
    table.setStyle(TableStyle([("ALIGN", (2, 1), (-1, -1), "RIGHT")]))
    story = [
        _header(unit, st), Spacer(1, 4 * mm),
        P("BIÊN NHẬN HIỆN VẬT", st["title"]),
        P(_("No. %(no)s", no=donation.ack_display), st["subtitle"]), Spacer(1, 5 * mm),
        P(_("%(unit)s acknowledges receiving from:", unit=unit.name), st["base"]),
        P(_("Donor: %(name)s", name=donor_name), st["bold"]),
    ]
    if donor is not None and not donation.anonymous and donor.address:
        story.append(P(_("Address: %(address)s", address=donor.address), st["base"]))
    if donation.event is not None:
        story.append(P(_("On the occasion of: %(event)s", event=event_title), st["base"]))
    story += [P(_("Received on: %(date)s", date=fmt_date(donation.received_on)), st["base"]),
              Spacer(1, 3 * mm), table, Spacer(1, 3 * mm),
              P(_("Estimated value in words: %(words)s.",
                  words=amount_in_words(donation.estimated_value)), st["base"]),
              P(_("Gifts in kind are recorded at their estimated value and do not enter the cash "
                  "book."), st["small"]),
              Spacer(1, 5 * mm), _signed(
                  _place_date(unit, donation.created_at, st),
                  _signatures([(_("Giver"), "" if donation.anonymous else donor_name),
                               (_("Receiver"), ""), (_("For the association"), "")], st))]
    return _build(story, "Biên nhận hiện vật")


def thank_you_pdf(donation: Donation, *, signer: str = "", extra: list | tuple = ()) -> bytes:
    """`extra`: flowables after the thanks (the "next time" VietQR of bank transfers)."""
    st = _styles()
    unit, donor, event_title = _frozen(donation)
    gift = (_("%(items)s (quantity %(q)s, estimated value %(v)s)", items=donation.items,
              q=format_number(donation.quantity), v=format_money(donation.estimated_value))
            if donation.method == "in_kind" else format_money(donation.amount))
    occasion = (_(" on the occasion of %(event)s", event=event_title)
                if donation.event else "")
    body = ParagraphStyle("body", parent=st["base"], fontSize=12, leading=18, firstLineIndent=10 * mm)
    story = [
        _header(unit, st), Spacer(1, 8 * mm), P("THƯ CẢM ƠN", st["title"]), Spacer(1, 6 * mm),
        P(_("Dear %(name)s,", name=donor.name), ParagraphStyle("d", parent=body, firstLineIndent=0,
                                                               fontName=FONT_BOLD)),
        Spacer(1, 3 * mm),
        P(_("%(unit)s sincerely thanks you for your gift of %(gift)s to the learning-promotion "
            "fund%(occasion)s, received on %(date)s.", unit=unit.name, gift=gift,
            occasion=occasion, date=fmt_date(donation.received_on)), body),
        P(_("Your support helps pupils and students in difficulty to keep learning, and builds a "
            "learning society in our community. We wish you and your family good health, "
            "happiness and success."), body),
        *extra,
        Spacer(1, 8 * mm), _signed(
            _place_date(unit, donation.created_at, st),
            _signatures([("", ""), (_("On behalf of the association, the chair"), signer)], st)),
    ]
    return _build(story, "Thư cảm ơn")


def event_report_pdf(*, event: Event, totals, donations, sheets, vouchers, receipted) -> bytes:
    from ..services.events import donor_label

    st = _styles()
    unit = event.unit
    rows = [
        (_("Target"), totals.target), (_("Cash"), totals.cash),
        (_("Bank transfer"), totals.transfer), (_("Piggy banks"), totals.piggy_bank),
        (_("Money raised"), totals.money), (_("In kind (estimated)"), totals.in_kind),
        (_("Raised (money + in kind)"), totals.raised),
        (_("Receipted by the treasury"), receipted),
    ]
    summary = _grid([[nfc(k), format_money(v)] for k, v in rows], [90 * mm, 60 * mm],
                    header=False)
    summary.setStyle(TableStyle([("ALIGN", (1, 0), (1, -1), "RIGHT")]))
    story = [
        _header(unit, st), Spacer(1, 4 * mm), P("BÁO CÁO KẾT QUẢ SỰ KIỆN", st["title"]),
        P(event.title, st["subtitle"]), Spacer(1, 4 * mm),
        P(_("Date and time: %(when)s · Place: %(place)s",
            when=local_dt(event.starts_at).strftime("%d/%m/%Y %H:%M"), place=event.place or "—"),
          st["base"]),
        P(_("Organiser: %(o)s · Partners: %(p)s", o=event.organiser or "—",
            p=event.partners or "—"), st["base"]),
        P(_("Participants: %(n)s (students %(s)s, members %(m)s, residents %(r)s)",
            n=format_number(event.participants_total),
            s=format_number(event.participants_students),
            m=format_number(event.participants_members),
            r=format_number(event.participants_residents)), st["base"]),
    ]
    if event.books_collected or event.books_donated:
        story.append(P(_("Books: %(c)s collected, %(d)s donated",
                         c=format_number(event.books_collected),
                         d=format_number(event.books_donated)), st["base"]))
    story += [Spacer(1, 3 * mm), summary,
              P(_("Donors: %(n)s named, %(a)s anonymous; %(g)s gifts.", n=totals.donors,
                  a=totals.anonymous, g=totals.donations), st["base"])]
    if vouchers:
        data = [[nfc(_("Number")), nfc(_("Date")), nfc(_("Payer")), nfc(_("Amount (đ)"))]]
        for v in vouchers:
            data.append([v.display_number + (" (hủy)" if v.is_void else ""),
                         fmt_date(v.voucher_date), P(v.party_name, st["small"]),
                         format_number(v.amount)])
        table = _grid(data, [34 * mm, 24 * mm, 82 * mm, 35 * mm])
        table.setStyle(TableStyle([("ALIGN", (3, 1), (3, -1), "RIGHT")]))
        story += [P(_("Receipts"), st["h2"]), table]
    if donations:
        data = [[nfc(_("Date")), nfc(_("Donor")), nfc(_("Method")), nfc(_("Value (đ)"))]]
        method = {"cash": _("Cash"), "transfer": _("Bank transfer"), "in_kind": _("In kind")}
        for d in donations:
            data.append([fmt_date(d.received_on), P(donor_label(d), st["small"]),
                         P(method[d.method] + (f": {d.items} × {d.quantity}"
                                               if d.method == "in_kind" else ""), st["small"]),
                         format_number(d.value)])
        table = _grid(data, [24 * mm, 70 * mm, 46 * mm, 35 * mm])
        table.setStyle(TableStyle([("ALIGN", (3, 1), (3, -1), "RIGHT")]))
        story += [P(_("Donations"), st["h2"]), table]
    if sheets:
        data = [[nfc(_("Class / group")), nfc(_("Counters")), nfc(_("Total (đ)"))]]
        for s in sheets:
            data.append([P(s.group_name, st["small"]), P(f"{s.counter_1}, {s.counter_2}",
                                                         st["small"]), format_number(s.total)])
        table = _grid(data, [70 * mm, 70 * mm, 35 * mm])
        table.setStyle(TableStyle([("ALIGN", (2, 1), (2, -1), "RIGHT")]))
        story += [P(_("Piggy-bank counting sheets"), st["h2"]), table]
    story += [Spacer(1, 6 * mm), KeepTogether([
        _place_date(unit, None, st),
        _signatures([(_("Prepared by"), ""), (_("Treasurer"), ""), (_("Chair"), "")], st)])]
    return _build(story, "Báo cáo sự kiện")
