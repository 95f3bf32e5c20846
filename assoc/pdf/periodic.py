"""A periodic report as PDF (reportlab) and .xlsx (openpyxl) (.docx: periodic_docx.py), in the usual
shape of an association report: the issuing unit and "Số: …/BC-KH" on the left, the national
motto on the right, place and date, the title, the sections (figure tables and text), the
units missing from a compiled report, "Nơi nhận:" and the chair's signature block.

All three formats are drawn from one plain `ReportDocument`, so they always agree."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape

from flask_babel import gettext as _

from ..filters import local_dt
from ..models import today
from ..money import format_number
from . import FONT, FONT_BOLD, FONT_ITALIC, nfc, register_fonts

MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_2 = "Độc lập - Tự do - Hạnh phúc"


@dataclass
class FigureLine:
    label: str
    value: int
    computed: int
    corrected: bool
    reason: str
    money: bool
    percent: str = ""


def _missing_line(m: dict) -> str:
    """A unit missing from a compiled report; one closed during the period says so."""
    if not m.get("closed_on"):
        return m["name"]
    from ..filters import fmt_date

    return _("%(unit)s (closed on %(day)s, still expected for the months it was open)",
             unit=m["name"], day=fmt_date(m["closed_on"]))


@dataclass
class ReportDocument:
    superior: str
    unit: str
    number: str
    place: str
    on: date
    title: str
    period: str
    status: str
    tables: list[tuple[str, list[FigureLine]]] = field(default_factory=list)
    texts: list[tuple[str, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    signer: str = ""
    compiled: tuple[list[str], list[tuple[str, list[int | None]]]] | None = None

    @classmethod
    def of(cls, report, figure_sections) -> ReportDocument:
        from ..filters import fmt_date
        from ..services import periodic as svc

        template = report.template
        receiving = svc.receiving_unit(template, report.unit)
        parent = report.unit.parent
        on = local_dt(report.submitted_at).date() if report.submitted_at else today()
        tables = [(section["title"], [
            FigureLine(str(row.label), figure.value, figure.computed, figure.corrected,
                       figure.reason, row.money, svc.percent_note(row, report))
            for row, figure in rows])
            for section, rows in figure_sections]
        texts = [(s["title"], (report.texts or {}).get(s["key"], ""))
                 for s in template.sections if s["kind"] == "text"]
        compiled = None
        # An accepted report prints what was frozen when it was accepted (services.periodic
        # .freeze_paper), whatever has been renamed or re-accepted below since.
        paper = report.paper if report.status == "accepted" and report.paper else None
        if paper is not None:
            below, columns = paper["below"], [tuple(c) for c in paper["columns"]]
            superior, unit_name, title = paper["superior"], paper["unit"], paper["title"]
            start, end = (date.fromisoformat(paper["period_start"]),
                          date.fromisoformat(paper["period_end"]))
            missing = paper["missing"]
        else:
            below = svc.reporting_below(template, report.unit)
            columns = svc.compiled_table(report)[1] if below else []
            superior = (receiving or parent).name if (receiving or parent) else ""
            unit_name, title = report.unit.name, template.title
            start, end, missing = template.period_start, template.period_end, report.missing
        if below:
            rows = svc.rows_of_template(template)
            compiled = ([name for name, _values in columns], [
                (str(row.label), [values.get(row.key) if values is not None else None
                                  for _name, values in columns]) for row in rows])
        return cls(
            superior=superior,
            unit=unit_name, number=report.number, place=report.place, on=on,
            title=title,
            period=_("Period from %(a)s to %(b)s", a=fmt_date(start), b=fmt_date(end)),
            status=str(svc.STATUS_LABELS[report.status]), tables=tables, texts=texts,
            missing=[_missing_line(m) for m in missing or []] if below else [],
            recipients=[line for line in (report.recipients or "").splitlines() if line.strip()],
            signer=report.signer, compiled=compiled)

    @property
    def number_line(self) -> str:
        number = (self.number or "").strip()
        if "/" in number:
            return f"Số: {number}"
        return f"Số: {number or '…'}/BC-KH"

    @property
    def recipient_lines(self) -> list[str]:
        """The "Nơi nhận" list as typed: a line keeps its own dash and closing mark; one
        typed without them gets "- " before and ";" after (the last one "."), never twice."""
        out = []
        for i, line in enumerate(self.recipients):
            line = line.strip()
            if line[:1] not in "-–+•":
                line = f"- {line}"
            if line[-1] not in ";.,:":
                line += "." if i == len(self.recipients) - 1 else ";"
            out.append(line)
        return out

    @property
    def date_line(self) -> str:
        place = self.place.strip() or "…"
        return f"{place}, ngày {self.on.day:02d} tháng {self.on.month:02d} năm {self.on.year}"


def COMPILED_TITLE() -> str:  # noqa: N802 - one title for the three formats
    return _("Compiled table: the units below, the unit's own figures and the total")


def _column_chunks(n: int, per: int = 4) -> list[list[int]]:
    """The compiled table's columns (the last is the total) in tables of `per` columns and the
    total, so every printed table ends with the total its row adds up to."""
    if n <= per + 1:
        return [list(range(n))]
    return [[*range(start, min(start + per, n - 1)), n - 1] for start in range(0, n - 1, per)]


def _num(value: int | None) -> str:
    return "" if value is None else format_number(int(value))


def _line_note(line: FigureLine) -> str:
    if not line.corrected:
        return ""
    return _("Computed %(n)s; corrected: %(why)s", n=format_number(line.computed), why=line.reason)


# ---------------------------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------------------------


def _p(text: str, style) -> object:
    from reportlab.platypus import Paragraph

    return Paragraph(escape(nfc(text)).replace("\n", "<br/>"), style)


def report_pdf(doc: ReportDocument) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle

    register_fonts()
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm, title=nfc(doc.title),
                            author=nfc(doc.unit))
    normal = ParagraphStyle("n", fontName=FONT, fontSize=11, leading=15)
    small = ParagraphStyle("s", fontName=FONT, fontSize=9, leading=11)
    centre = ParagraphStyle("c", parent=normal, alignment=1)
    centre_b = ParagraphStyle("cb", parent=centre, fontName=FONT_BOLD)
    centre_i = ParagraphStyle("ci", parent=centre, fontName=FONT_ITALIC)
    title = ParagraphStyle("t", fontName=FONT_BOLD, fontSize=14, leading=18, alignment=1)
    heading = ParagraphStyle("h", fontName=FONT_BOLD, fontSize=11.5, leading=15,
                             spaceBefore=6, spaceAfter=3)
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=9.5, leading=12)
    cell_r = ParagraphStyle("cellr", parent=cell, alignment=2)
    head = ParagraphStyle("head", fontName=FONT_BOLD, fontSize=9.5, leading=12, alignment=1)
    width = A4[0] - 35 * mm

    header = Table([
        [_p(doc.superior.upper(), centre), _p(MOTTO, centre_b)],
        [_p(doc.unit.upper(), centre_b), _raw_p(f"<u>{escape(MOTTO_2)}</u>", centre_b)],
        [_p(doc.number_line, centre), _p(doc.date_line, centre_i)],
    ], colWidths=[width * 0.42, width * 0.58])
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story = [header, Spacer(1, 8 * mm), _p(_("REPORT").upper(), title),
             _p(doc.title, centre_b), _p(doc.period, centre_i), Spacer(1, 5 * mm)]
    n = 0
    for name, lines in doc.tables:
        n += 1
        data = [[_p(_("No."), head), _p(_("Figure"), head), _p(_("Reported"), head),
                 _p(_("Notes"), head)]]
        for i, line in enumerate(lines, start=1):
            data.append([str(i), _p(line.label, cell),
                         _p(_num(line.value) + (" đ" if line.money else "") + line.percent,
                            cell_r),
                         _p(_line_note(line), small)])
        table = Table(data, colWidths=[12 * mm, width * 0.45, 32 * mm,
                                       width - 44 * mm - width * 0.45], repeatRows=1)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9f5ee")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONT", (0, 0), (-1, -1), FONT, 9.5),
            ("ALIGN", (0, 1), (0, -1), "CENTER"),
        ]))
        story += [_p(f"{_roman(n)}. {name}", heading), table]
    for name, text in doc.texts:
        n += 1
        story.append(_p(f"{_roman(n)}. {name}", heading))
        for para in (text or "").split("\n"):
            story.append(_p(para or " ", normal))
    if doc.missing:
        n += 1
        story.append(_p(f"{_roman(n)}. " + _("Units whose report is not included"), heading))
        story.append(_p(_("These units had no accepted report when the figures were added "
                          "up; the figures above leave them out:"), normal))
        for name in doc.missing:
            story.append(_p(f"– {name}", normal))
    if doc.compiled:
        names, rows = doc.compiled
        story.append(_p(COMPILED_TITLE(), heading))
        for cols in _column_chunks(len(names)):  # four units a table, each with the total
            chunk = [names[i] for i in cols]
            data = [[_p(_("Figure"), head), *(_p(name, head) for name in chunk)]]
            for label, values in rows:
                data.append([_p(label, cell), *(_p(_num(values[i]) if values[i] is not None
                                                   else "—", cell_r) for i in cols)])
            col = (width - width * 0.36) / len(chunk)
            table = Table(data, colWidths=[width * 0.36] + [col] * len(chunk), repeatRows=1)
            table.setStyle(TableStyle([
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9f5ee")),
                ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story += [table, Spacer(1, 3 * mm)]
    story.append(Spacer(1, 8 * mm))
    recipients = [_raw_p("<b><i>Nơi nhận:</i></b>", small)] + [
        _p(line, small) for line in doc.recipient_lines]
    signature = [_p("TM. BAN CHẤP HÀNH", centre_b), _p("CHỦ TỊCH", centre_b),
                 _p(_("(Signature, full name, seal)"), centre_i), Spacer(1, 18 * mm),
                 _p(doc.signer, centre_b)]
    sign = Table([[recipients, signature]], colWidths=[width * 0.45, width * 0.55])
    sign.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story.append(KeepTogether([sign]))
    pdf.build(story)
    return buffer.getvalue()


def _raw_p(markup: str, style):
    from reportlab.platypus import Paragraph

    return Paragraph(nfc(markup), style)


def _roman(n: int) -> str:
    numerals = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for value, letters in numerals:
        while n >= value:
            out += letters
            n -= value
    return out


# ---------------------------------------------------------------------------------------------
# .xlsx
# ---------------------------------------------------------------------------------------------


def _text_cell(ws, row: int, col: int, value: str):
    """User text is written as text (never a formula): openpyxl treats a string beginning with
    "=" as a formula unless the cell's type is set explicitly."""
    cell = ws.cell(row=row, column=col)
    cell.value = nfc(value)
    cell.data_type = "s"
    return cell


def report_xlsx(doc: ReportDocument) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    r = 1
    for text, bold in ((doc.superior.upper(), False), (doc.unit.upper(), True),
                       (doc.number_line, False), (MOTTO, True), (MOTTO_2, True),
                       (doc.date_line, False), ("", False), (doc.title, True),
                       (doc.period, False), (doc.status, False)):
        _text_cell(ws, r, 1, text).font = Font(bold=bold)
        r += 1
    r += 1
    for name, lines in doc.tables:
        _text_cell(ws, r, 1, name).font = Font(bold=True)
        r += 1
        for col, text in enumerate((_("Figure"), _("Reported"), _("Computed by the system"), _("Reason")),
                                   start=1):
            _text_cell(ws, r, col, text).font = Font(bold=True)
        r += 1
        for line in lines:
            _text_cell(ws, r, 1, line.label)
            ws.cell(row=r, column=2, value=int(line.value)).number_format = "#,##0"
            ws.cell(row=r, column=3, value=int(line.computed)).number_format = "#,##0"
            _text_cell(ws, r, 4, line.reason if line.corrected else "")
            r += 1
        r += 1
    for name, text in doc.texts:
        _text_cell(ws, r, 1, name).font = Font(bold=True)
        cell = _text_cell(ws, r + 1, 1, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        r += 3
    if doc.missing:
        _text_cell(ws, r, 1, _("Units whose report is not included")).font = Font(bold=True)
        r += 1
        for name in doc.missing:
            _text_cell(ws, r, 1, name)
            r += 1
    _text_cell(ws, r + 1, 1, "Nơi nhận: " + "; ".join(doc.recipients))
    _text_cell(ws, r + 1, 3, "CHỦ TỊCH: " + doc.signer)
    ws.column_dimensions["A"].width = 60
    for letter in "BCD":
        ws.column_dimensions[letter].width = 18
    if doc.compiled:
        names, rows = doc.compiled
        sheet = wb.create_sheet("Tổng hợp")
        _text_cell(sheet, 1, 1, COMPILED_TITLE())
        sheet["A1"].font = Font(bold=True)
        _text_cell(sheet, 2, 1, _("Figure")).font = Font(bold=True)
        for col, name in enumerate(names, start=2):
            c = _text_cell(sheet, 2, col, name)
            c.font = Font(bold=True)
            c.alignment = Alignment(wrap_text=True, vertical="top")
        for i, (label, values) in enumerate(rows, start=3):
            _text_cell(sheet, i, 1, label)
            for col, value in enumerate(values, start=2):
                if value is None:
                    _text_cell(sheet, i, col, "—")
                else:
                    sheet.cell(row=i, column=col, value=int(value)).number_format = "#,##0"
        sheet.column_dimensions["A"].width = 45
    from ..exports import workbook_bytes

    return workbook_bytes(wb)
