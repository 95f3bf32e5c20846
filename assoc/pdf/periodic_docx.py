"""A periodic report as a Word document (python-docx) in the official shape of an
administrative paper (Nghị định 30/2020/NĐ-CP, phụ lục I): A4 portrait, margins top and bottom
20 mm, left 30 mm, right 15 mm; Times New Roman; the national motto on one line; tables whose
columns are sized to what they hold (STT narrow, "Chỉ tiêu" wide), whose header row repeats on
every page and whose rows never split across a page; numbers right-aligned; the "Nơi nhận" list
as typed.

LibreOffice reads a table's column widths from `w:tblGrid` and Word from each cell's `w:tcW`;
both are written, and the table layout is fixed so neither program re-balances the columns."""

from __future__ import annotations

import io

from flask_babel import gettext as _

from . import nfc
from .periodic import (
    COMPILED_TITLE,
    MOTTO,
    MOTTO_2,
    ReportDocument,
    _column_chunks,
    _line_note,
    _num,
    _roman,
)

# Page geometry in millimetres (A4, NĐ 30/2020 margins).
PAGE_W, PAGE_H = 210, 297
TOP, BOTTOM, LEFT, RIGHT = 20, 20, 30, 15
BODY_W = PAGE_W - LEFT - RIGHT  # 165 mm

BODY_PT = 13
TABLE_PT = 11
NOTE_PT = 10


def _fixed_table(word, widths_mm: list[float], *, header_rows: int = 1, grid: bool = True):
    """A table with fixed column widths (tblGrid + every cell); a bordered (`grid`) one repeats
    its header rows on each page; no row splits across pages."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm

    table = word.add_table(rows=header_rows, cols=len(widths_mm))
    if grid:
        table.style = "Table Grid"
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(int(sum(widths_mm) * 56.6929)))
    width.set(qn("w:type"), "dxa")
    for old in tbl_pr.findall(qn("w:tblW")):
        tbl_pr.remove(old)
    tbl_pr.append(width)
    for col, w in zip(table.columns, widths_mm, strict=True):
        col.width = Mm(w)
    for row in table.rows:
        _row_rules(row, header=grid)
    _set_widths(table, widths_mm)
    return table


def _row_rules(row, *, header: bool = False) -> None:
    from docx.oxml import OxmlElement

    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))


def _add_row(table, widths_mm: list[float]):
    from docx.shared import Mm

    row = table.add_row()
    _row_rules(row)
    for cell, w in zip(row.cells, widths_mm, strict=True):
        cell.width = Mm(w)
    return row.cells


def _set_widths(table, widths_mm: list[float]) -> None:
    from docx.shared import Mm

    table.autofit = False
    for row in table.rows:
        for cell, w in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(w)


def _cell_text(cell, text: str, *, bold=False, italic=False, align=None, size=TABLE_PT):
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    p = cell.paragraphs[0]
    run = p.add_run(nfc(text))
    run.bold, run.italic = bold, italic
    run.font.size = _pt(size)
    if align:
        p.alignment = {"c": WD_ALIGN_PARAGRAPH.CENTER, "r": WD_ALIGN_PARAGRAPH.RIGHT}[align]
    return p


def _pt(size):
    from docx.shared import Pt

    return Pt(size)


def report_docx(doc: ReportDocument) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    word = Document()
    section = word.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_W), Mm(PAGE_H)
    section.top_margin, section.bottom_margin = Mm(TOP), Mm(BOTTOM)
    section.left_margin, section.right_margin = Mm(LEFT), Mm(RIGHT)
    style = word.styles["Normal"]
    style.font.name = "Times New Roman"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Times New Roman")
    style.font.size = Pt(BODY_PT)
    style.paragraph_format.space_after = Pt(0)
    style.paragraph_format.space_before = Pt(0)
    style.paragraph_format.line_spacing = 1.1

    def para(text, *, bold=False, italic=False, underline=False, centre=False, size=None,
             target=None, before=0, after=0, keep=False, justify=False):
        p = (target or word).add_paragraph()
        run = p.add_run(nfc(text))
        run.bold, run.italic, run.underline = bold, italic, underline
        if size:
            run.font.size = Pt(size)
        if centre:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif justify:
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        p.paragraph_format.space_before = Pt(before)
        p.paragraph_format.space_after = Pt(after)
        if keep:
            p.paragraph_format.keep_with_next = True
        return p

    # Heading: issuing unit on the left (40 %), the motto on one line on the right (60 %).
    header = _fixed_table(word, [BODY_W * 0.40, BODY_W * 0.60], grid=False)
    left, right = header.rows[0].cells
    _cell_text(left, doc.superior.upper(), align="c", size=12)
    para(doc.unit.upper(), bold=True, centre=True, size=12, target=left)
    para(doc.number_line, centre=True, size=12, target=left, before=6)
    _cell_text(right, MOTTO, bold=True, align="c", size=12)
    para(MOTTO_2, bold=True, underline=True, centre=True, size=13, target=right)
    para(doc.date_line, italic=True, centre=True, size=12, target=right, before=6)
    para(_("REPORT").upper(), bold=True, centre=True, size=14, before=18)
    para(doc.title, bold=True, centre=True)
    para(doc.period, italic=True, centre=True, after=6)

    n = 0
    for name, lines in doc.tables:
        n += 1
        para(f"{_roman(n)}. {name}", bold=True, before=6, after=3, keep=True)
        widths = [13, 72, 32, BODY_W - 117]
        table = _fixed_table(word, widths)
        for cell, text in zip(table.rows[0].cells, (_("No."), _("Figure"), _("Reported"),
                                                   _("Notes")), strict=True):
            _cell_text(cell, text, bold=True, align="c")
        for i, line in enumerate(lines, start=1):
            cells = _add_row(table, widths)
            _cell_text(cells[0], str(i), align="c")
            _cell_text(cells[1], line.label)
            _cell_text(cells[2], _num(line.value) + (" đ" if line.money else "") + line.percent,
                       align="r")
            _cell_text(cells[3], _line_note(line), size=NOTE_PT)
    for name, text in doc.texts:
        n += 1
        para(f"{_roman(n)}. {name}", bold=True, before=6, after=3, keep=True)
        for line in (text or "").split("\n"):
            para(line, justify=True)
    if doc.missing:
        n += 1
        para(f"{_roman(n)}. " + _("Units whose report is not included"), bold=True, before=6,
             after=3, keep=True)
        para(_("These units had no accepted report when the figures were added up; the "
               "figures above leave them out:"))
        for name in doc.missing:
            para(f"– {name}")
    if doc.compiled:
        names, rows = doc.compiled
        para(COMPILED_TITLE(), bold=True, before=6, after=3, keep=True)
        for cols in _column_chunks(len(names)):  # as in the PDF: each table ends with the total
            chunk = [names[i] for i in cols]
            first = BODY_W * 0.36
            widths = [first] + [(BODY_W - first) / len(chunk)] * len(chunk)
            table = _fixed_table(word, widths)
            for cell, text in zip(table.rows[0].cells, [_("Figure"), *chunk], strict=True):
                _cell_text(cell, text, bold=True, align="c")
            for label, values in rows:
                cells = _add_row(table, widths)
                _cell_text(cells[0], label)
                for cell, i in zip(cells[1:], cols, strict=True):
                    _cell_text(cell, _num(values[i]) if values[i] is not None else "—",
                               align="r")
            para("", size=6)

    # "Nơi nhận" and the signature, one unsplittable row (never cut from each other).
    para("", size=8)
    sign = _fixed_table(word, [BODY_W * 0.45, BODY_W * 0.55], grid=False)
    left, right = sign.rows[0].cells
    p = left.paragraphs[0]
    run = p.add_run("Nơi nhận:")
    run.bold, run.italic = True, True
    run.font.size = Pt(12)
    for line in doc.recipient_lines:
        para(line, size=11, target=left)
    _cell_text(right, "TM. BAN CHẤP HÀNH", bold=True, align="c", size=BODY_PT)
    para("CHỦ TỊCH", bold=True, centre=True, target=right)
    para(_("(Signature, full name, seal)"), italic=True, centre=True, size=11, target=right)
    for _i in range(4):
        para("", target=right)
    para(doc.signer, bold=True, centre=True, target=right)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()
