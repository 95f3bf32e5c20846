"""The period report as a landscape A4 table: one row per sub-unit, totals, signatures —
the kind of table a district sends to the city."""

from __future__ import annotations

import io

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..filters import fmt_date
from ..models import today
from ..money import format_number
from . import FONT, FONT_BOLD, layout, nfc, register_fonts
from .layout import para

WIDTH = 273 * mm  # landscape A4 less the margins
NO_W, NAME_W, NAME_MIN = 10 * mm, 62 * mm, 40 * mm
PAD = 4


def _widths(columns: list[list[str]]) -> list[float]:
    """Column widths: each figure column as wide as its widest figure (in bold, as the total
    row prints), at least 16 mm; the unit column takes the rest, and room it does not need goes
    to the figures. Figures of a nation-wide total still fit; if they ever did not, the cell
    wraps them (never overlapping the next column)."""
    need = [max(16 * mm, max(stringWidth(v, FONT_BOLD, 8.5) for v in values) + 2 * PAD + 1)
            for values in columns]
    rest = WIDTH - NO_W - sum(need)
    if rest >= NAME_W:
        spare = (rest - NAME_W) / len(need) if need else 0
        return [NO_W, NAME_W, *(w + spare for w in need)]
    if rest >= NAME_MIN:
        return [NO_W, rest, *need]
    scale = (WIDTH - NO_W - NAME_MIN) / sum(need)
    return [NO_W, NAME_MIN, *(w * scale for w in need)]


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
                     *(layout.cell(format_number(row.values[key]), size=8.5, align="r")
                       for key in columns)])
    data.append(["", Paragraph(nfc(_("Total")), head),
                 *(layout.cell(format_number(totals[key]), size=8.5, font=FONT_BOLD, align="r")
                   for key in columns)])
    widths = _widths([[format_number(r.values[k]) for r in rows] + [format_number(totals[k])]
                      for k in columns])
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 8.5),
        ("FONT", (0, -1), (-1, -1), FONT_BOLD, 8.5),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9f5ee")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 1), (0, -1), "CENTER"),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD), ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
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
