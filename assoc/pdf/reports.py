"""The period report as a landscape A4 table: one row per sub-unit, totals, signatures —
the kind of table a district sends to the city."""

from __future__ import annotations

import io

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..filters import fmt_date
from ..models import today
from ..money import format_number
from . import FONT, FONT_BOLD, layout, nfc, register_fonts
from .layout import para


def period_report_pdf(unit, period, rows, totals, columns, money_columns, *,
                      name: str | None = None) -> bytes:
    """`name`: the unit's name in the period (a unit renamed since prints its name then)."""
    name_then = name or unit.name
    register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=12 * mm,
                            rightMargin=12 * mm, topMargin=12 * mm, bottomMargin=12 * mm,
                            title=nfc(f"{_('Period report')} {name_then}"))
    title = ParagraphStyle("title", fontName=FONT_BOLD, fontSize=14, leading=18, alignment=1)
    normal = ParagraphStyle("normal", fontName=FONT, fontSize=9, leading=11)
    head = ParagraphStyle("head", fontName=FONT_BOLD, fontSize=8, leading=10, alignment=1)
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=8.5, leading=10)

    story = [
        para(name_then.upper(), normal),
        Spacer(1, 4 * mm),
        Paragraph(nfc(_("Period report")).upper(), title),
        Paragraph(nfc(_("From %(a)s to %(b)s", a=fmt_date(period.start), b=fmt_date(period.end))),
                  ParagraphStyle("sub", parent=normal, alignment=1)),
        Spacer(1, 5 * mm),
    ]
    data = [[Paragraph(nfc(_("No.")), head), Paragraph(nfc(_("Unit")), head),
             *(Paragraph(nfc(str(label)), head) for label in columns.values())]]
    for n, row in enumerate(rows, start=1):
        label = row.name if row.unit else _("%(u)s itself", u=name_then)
        data.append([str(n), para(label, cell),
                     *(format_number(row.values[key]) for key in columns)])
    data.append(["", Paragraph(nfc(_("Total")), head),
                 *(format_number(totals[key]) for key in columns)])
    widths = [10 * mm, 62 * mm] + [(273 - 72) / len(columns) * mm] * len(columns)
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 8.5),
        ("FONT", (0, -1), (-1, -1), FONT_BOLD, 8.5),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9f5ee")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
        ("ALIGN", (0, 1), (0, -1), "CENTER"),
    ]))
    story += [table, Spacer(1, 3 * mm),
              Paragraph(nfc(_("Amounts in đồng. Each row covers the unit and everything below "
                              "it.")), normal), Spacer(1, 6 * mm)]
    d = today()
    centred = ParagraphStyle("centred", parent=cell, alignment=1)
    sign = Table([
        ["", Paragraph(nfc(f"Ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"), centred)],
        [Paragraph(nfc(_("Prepared by")), head), Paragraph(nfc(_("Chair")), head)],
        [Paragraph(nfc(_("(Signature, full name)")), centred),
         Paragraph(nfc(_("(Signature, full name, seal)")), centred)],
    ], colWidths=[130 * mm, 130 * mm])
    sign.setStyle(TableStyle([("ALIGN", (0, 0), (-1, -1), "CENTER")]))
    story.append(sign)
    layout.build(doc, story)
    return buffer.getvalue()
