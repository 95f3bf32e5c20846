"""Bảng thanh toán thù lao: one unit, one month; signature column, totals in figures and words,
signatures of the preparer, the accountant and the head of the unit. A draft carries a stamp."""

from __future__ import annotations

import io

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from ..models import RemunerationSheet
from ..money import amount_in_words, format_number
from ..services.officers import sheet_sums
from . import FONT, FONT_BOLD, FONT_ITALIC, draw_stamp, layout, nfc, register_fonts
from .layout import esc


def _styles():
    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=12)
    return {
        "base": base,
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
        "bold_center": ParagraphStyle("bc", parent=base, fontName=FONT_BOLD, alignment=TA_CENTER),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=15,
                                leading=19, alignment=TA_CENTER, spaceAfter=2),
        "italic_center": ParagraphStyle("ic", parent=base, fontName=FONT_ITALIC,
                                        alignment=TA_CENTER),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=11),
        "note": ParagraphStyle("note", parent=base, fontName=FONT_ITALIC, fontSize=8.5,
                               leading=10.5),
        "head": ParagraphStyle("head", parent=base, fontName=FONT_BOLD, fontSize=9, leading=11,
                               alignment=TA_CENTER),
        "italic_right": ParagraphStyle("ir", parent=base, fontName=FONT_ITALIC,
                                       alignment=TA_RIGHT),
    }


def _p(text, style) -> Paragraph:
    return Paragraph(esc(text), style)


def sheet_pdf(sheet: RemunerationSheet) -> bytes:
    register_fonts()
    st = _styles()
    buffer = io.BytesIO()
    page = landscape(A4)
    doc = SimpleDocTemplate(buffer, pagesize=page, leftMargin=14 * mm, rightMargin=14 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm,
                            title=nfc(_("Remuneration sheet %(month)s", month=sheet.label)),
                            author=nfc(sheet.unit.name))
    width = page[0] - 28 * mm
    story = []

    parent = sheet.unit.parent
    left = [_p(parent.name.upper() if parent else "", st["center"]),
            _p(sheet.unit.name.upper(), st["bold_center"])]
    right = [_p(_("SOCIALIST REPUBLIC OF VIETNAM"), st["bold_center"]),
             _p(_("Independence – Freedom – Happiness"), st["bold_center"])]
    header = Table([[left, right]], colWidths=[width * 0.45, width * 0.55])
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [header, Spacer(1, 6 * mm)]
    story.append(_p(_("REMUNERATION PAYMENT SHEET"), st["title"]))
    story.append(_p(_("Month %(m)s year %(y)s", m=f"{sheet.month:02d}", y=sheet.year),
                    st["italic_center"]))
    story.append(_p(_("Base salary in force: %(amount)s đ", amount=format_number(
        sheet.base_salary)), st["center"]))
    story.append(Spacer(1, 4 * mm))

    head = [_("No."), _("Full name"), _("Posts"), _("Rate"), _("Days"), _("Computed (đ)"),
            _("Adjustment (đ)"), _("Amount received (đ)"), _("Signature")]
    data = [[_p(h, st["head"]) for h in head]]
    # A line's adjustment reason prints on a row of its own under the line, as wide as the
    # figures (a narrow column would stretch a 300-character reason over a page); the number
    # and signature cells span both rows.
    spans = []
    for line in sheet.lines:
        data.append([
            _p(line.position_no, st["center"]), _p(line.full_name, st["cell"]),
            _p(line.posts, st["cell"]), _p(line.rates, st["cell"]),
            _p(line.days, st["center"]), _p(format_number(line.computed), st["right"]),
            _p(format_number(line.adjustment) if line.adjustment else "", st["right"]),
            _p(format_number(line.amount), st["right"]), "",
        ])
        if line.adjustment_reason:
            row = len(data)
            data.append(["", _p(_("Reason for the adjustment: %(reason)s",
                                  reason=line.adjustment_reason), st["note"]),
                         "", "", "", "", "", "", ""])
            spans += [("SPAN", (1, row), (7, row)), ("SPAN", (0, row - 1), (0, row)),
                      ("SPAN", (8, row - 1), (8, row)), ("TOPPADDING", (0, row), (-1, row), 2)]
    sums = sheet_sums(sheet)
    total_row = (["", _p(_("Total"), st["bold_center"]), "", "", "",
                 _p(format_number(sums.computed), st["right"]),
                 _p(format_number(sums.adjustment) if sums.adjustment else "", st["right"]),
                 _p(format_number(sums.total), ParagraphStyle(
                     "tb", parent=st["right"], fontName=FONT_BOLD)), ""])
    fractions = [0.045, 0.16, 0.15, 0.19, 0.05, 0.09, 0.1, 0.1, 0.115]
    table = Table(data, colWidths=[width * f for f in fractions], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.95, 0.92)),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white]),
        ("BOTTOMPADDING", (0, 1), (-1, -1), 9),
        ("TOPPADDING", (0, 1), (-1, -1), 9),
        *spans,
    ]))
    # The total row is a table of its own that goes with the words and the signatures.
    total = Table([total_row], colWidths=[width * f for f in fractions])
    total.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("SPAN", (1, 0), (4, 0))]))
    story.append(table)
    words = Paragraph(esc(_("Total amount (in words): %(words)s", words="\x00")).replace(
        "\x00", f"<i>{esc(amount_in_words(sheet.total))}</i>"), st["base"])
    signers = [(_("Prepared by"), _("(Signature, full name)")),
               (_("Accountant"), _("(Signature, full name)")),
               (_("Head of the unit"), _("(Signature, full name, seal)"))]
    # The room for the signatures is a row of the table (a trailing Spacer that did not fit
    # made a page holding only its page number).
    signatures = Table(
        [[_p(t, st["bold_center"]) for t, _n in signers],
         [_p(n, st["italic_center"]) for _t, n in signers], ["", "", ""]],
        colWidths=[width / 3] * 3, rowHeights=[None, None, 20 * mm])
    # The total, the amount in words, the date line and the signatures stay together.
    story.append(KeepTogether([
        total, Spacer(1, 4 * mm), words, Spacer(1, 5 * mm),
        _p(_("Date ........ month ........ year ........"), st["italic_right"]),
        Spacer(1, 2 * mm), signatures]))

    draft = sheet.is_draft

    def decorate(canvas, doc_):
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawRightString(page[0] - 14 * mm, 7 * mm,
                               nfc(_("Page %(n)s", n=doc_.page)))
        canvas.restoreState()

    def watermark(canvas, doc_):
        # Drawn after the page's content, so the table's white rows cannot hide it.
        if draft:
            canvas.saveState()
            canvas.setFillAlpha(0.55)
            canvas.setStrokeAlpha(0.55)
            draw_stamp(canvas, _("DRAFT"), page[0] / 2, page[1] / 2, size=48,
                       color=(0.85, 0.3, 0.3))
            canvas.restoreState()

    layout.build(doc, story, under=decorate, over=watermark)
    return buffer.getvalue()
