"""The one small layout layer every printed document uses.

- `esc(text)`: the one escaping helper. Every piece of user text (names, addresses, reasons, unit
  names) goes through it before it meets Paragraph markup, so "<b>" or "<a href=…>" in a unit name
  prints literally and never becomes markup or a live link.
- `para(...)`, `labelled(...)`, `cell(...)`: Paragraphs that wrap onto as many lines as they need
  (reportlab does the measuring). A one-line field may first shrink its font, never below
  `MIN_SIZE` (8 pt), before it wraps. Nothing is ever truncated.
- `table(...)`: a Table whose cells are wrapped Paragraphs and whose default font is the bundled
  one (so no PDF ever references a non-embedded Helvetica).
- `stack_height` / `draw_stack`: place flowables top to bottom on a canvas page, for documents
  drawn on a canvas (vouchers, cards) rather than flowed by a DocTemplate; `Stack` measures
  them once for both (a page sized to its content, then drawn).
- `build(doc, story, under=, over=)`: build a DocTemplate with a page decoration drawn under the
  content (headers, footers) and one drawn over it (watermarks such as "BẢN NHÁP").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from math import fsum
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import getAscentDescent, stringWidth
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from . import FONT, FONT_BOLD, nfc, register_fonts

MIN_SIZE = 8.0
ALIGN = {"l": TA_LEFT, "c": TA_CENTER, "r": TA_RIGHT}


def esc(text: object) -> str:
    """User text made safe for Paragraph markup: NFC, &, < and > escaped, newlines kept."""
    return escape(nfc(text)).replace("\n", "<br/>")


def style(size: float = 9.5, font: str = FONT, align: str = "l", leading: float | None = None,
          **kw) -> ParagraphStyle:
    register_fonts()
    return ParagraphStyle(f"s{font}{size}{align}", fontName=font, fontSize=size,
                          leading=leading or round(size * 1.25, 2), alignment=ALIGN[align], **kw)


def para(text: object, st: ParagraphStyle | None = None, *, markup: bool = False) -> Paragraph:
    """A wrapping paragraph of user text (escaped) — or of our own `markup` when asked."""
    return Paragraph(nfc(text) if markup else esc(text), st or style())


def _one_line_size(plain: str, font: str, size: float, width: float) -> float | None:
    """The largest size in [MIN_SIZE, size] at which `plain` fits on one line, else None."""
    register_fonts()
    w = stringWidth(plain, font, size)
    if w <= width:
        return size
    shrunk = size * width / w
    return shrunk if shrunk >= MIN_SIZE else None


def fitted(text: object, width: float, *, size: float = 9.5, font: str = FONT,
           align: str = "l") -> Paragraph:
    """One line if the text fits at a size down to 8 pt; otherwise it wraps at `size`."""
    plain = nfc(text)
    s = _one_line_size(plain, font, size, width) or size
    return Paragraph(esc(plain), style(s, font, align))


def unbroken(text: object, width: float, *, size: float = 9.5, font: str = FONT,
             align: str = "l", min_size: float = 6.5) -> Paragraph:
    """Text that wraps between words but never inside one: the font shrinks (not below
    `min_size`) until the longest word fits `width` (a cell's width less its padding). Only a
    word too long even then is broken, rather than drawn across the cell's border."""
    plain = nfc(text)
    register_fonts()
    longest = max((stringWidth(w, font, size) for w in plain.split()), default=0.0)
    s = size if longest <= width else max(min_size, size * width / longest)
    return Paragraph(esc(plain), style(s, font, align))


def labelled(label: str, value: object, width: float, *, size: float = 9.5,
             value_font: str = FONT_BOLD, label_font: str = FONT) -> Paragraph:
    """"Label: value" where the value wraps onto as many lines as it needs (after trying a
    shrink to 8 pt to keep it on one line)."""
    label, value = nfc(label), nfc(value)
    s = _one_line_size(f"{label} {value}", value_font, size, width) or size
    return Paragraph(f'<font name="{label_font}">{esc(label)}</font> '
                     f'<font name="{value_font}">{esc(value)}</font>',
                     style(s, label_font))


def cell(text: object, *, size: float = 8.5, font: str = FONT, align: str = "l") -> Paragraph:
    return Paragraph(esc(text), style(size, font, align))


class OneLine(Flowable):
    """A table cell of plain text printed exactly as its Paragraph would print it while it fits
    on one line (same font, size, leading, baseline and alignment), without the markup parsing
    and line breaking a Paragraph costs; when the text does not fit the width it is given, it
    becomes that Paragraph and wraps. Made by `line_cell` for long tables (a cash book of
    10,000 rows has 90,000 cells)."""

    def __init__(self, text: str, st: ParagraphStyle):
        super().__init__()
        self.text, self.style = text, st
        self.text_width = stringWidth(text, st.fontName, st.fontSize)
        self._para: Paragraph | None = None

    def wrap(self, aw, ah):
        if self._para is None and self.text_width <= aw - 1e-6:
            self.width, self.height = aw, self.style.leading
            return self.width, self.height
        if self._para is None:
            self._para = Paragraph(esc(self.text), self.style)
        return self._para.wrap(aw, ah)

    def split(self, aw, ah):
        return self._para.split(aw, ah) if self._para is not None else []

    def drawOn(self, canvas, x, y, _sW=0):
        if self._para is not None:
            return self._para.drawOn(canvas, x, y, _sW)
        return super().drawOn(canvas, x, y, _sW)

    def draw(self):
        c, st = self.canv, self.style
        ascent = getAscentDescent(st.fontName, st.fontSize)[0]
        baseline = self.height - ascent
        c.saveState()
        c.setFillColor(st.textColor)
        c.setFont(st.fontName, st.fontSize, st.leading)
        if st.alignment == TA_RIGHT:
            c.drawRightString(self.width, baseline, self.text)
        elif st.alignment == TA_CENTER:
            c.drawCentredString(self.width / 2, baseline, self.text)
        else:
            c.drawString(0, baseline, self.text)
        c.restoreState()


class Blank(Flowable):
    """An empty cell: no height and nothing drawn, as an empty Paragraph."""

    def wrap(self, aw, ah):
        return aw, 0

    def draw(self):
        return None


def line_cell(text: object, *, size: float = 8.5, font: str = FONT,
              align: str = "l") -> Flowable:
    """`cell(...)`, drawn as a `OneLine` when the text is one plain line (no line break, no
    doubled or edge space, nothing a Paragraph would print differently)."""
    plain = nfc(text)
    if not plain:
        return Blank()
    if plain.isprintable() and "  " not in plain and plain == plain.strip():
        return OneLine(plain, style(size, font, align))
    return cell(plain, size=size, font=font, align=align)


class _Room(Flowable):
    """The room a piece of a table takes on a page, drawn by nothing (see PagedTable)."""

    def __init__(self, width: float, height: float):
        super().__init__()
        self.width, self.height = width, height

    def wrap(self, aw, ah):
        return self.width, self.height

    def draw(self):
        return None


class PagedTable(Flowable):
    """A long table whose row heights are known (measured once), split page by page without
    rebuilding the rest of the table at every page end.

    reportlab splits a Table at a page end into the rows that fit and a new Table of the header
    and all the rows left, re-measuring and re-copying them: quadratic in the rows (a 10,000-row
    cash book spent most of its time there). Here each split asks reportlab to split a Table of
    the header and only the rows around the page end, which gives the same piece (the same rows
    and repeated header, text at the same places), and keeps the rest as the list of rows it
    is. Only the grid's strokes differ: on later pages a vertical rule is one stroke where
    reportlab drew the header's part and the body's part as two touching ones."""

    hAlign = "CENTER"  # as a Table

    def __init__(self, header: list, rows: list, heights: list[float], widths: list[float],
                 style: TableStyle, measure_only: bool = False):
        super().__init__()
        self.header, self.rows, self.heights = header, rows, heights
        self.widths, self.style = widths, style
        self.measure_only = measure_only
        self._table: Table | None = None

    def copy(self, *, measure_only: bool = False) -> PagedTable:
        """The same table for another build. `measure_only`: its pieces take their room on the
        pages but are not drawn (a pass that only counts the pages)."""
        return PagedTable(self.header, self.rows, self.heights, self.widths, self.style,
                          measure_only)

    def _make(self, n_rows: int) -> Table:
        n = len(self.header)
        t = Table([*self.header, *self.rows[:n_rows]], colWidths=self.widths,
                  rowHeights=self.heights[:n + n_rows], repeatRows=n)
        t.setStyle(self.style)
        return t

    def wrap(self, aw, ah):
        self.width = sum(self.widths)
        self.height = fsum(self.heights[:len(self.header) + len(self.rows)])
        return self.width, self.height

    def split(self, aw, ah):
        n = len(self.header)
        used, k = fsum(self.heights[:n]), 0
        while k < len(self.rows) and used <= ah:  # the rows that fit, and one more
            used += self.heights[n + k]
            k += 1
        if k == len(self.rows) and used <= ah:
            return [self]
        pieces = self._make(k).split(aw, ah)
        if not pieces:
            return []
        first = pieces[0]
        done = len(first._cellvalues) - n
        rest = PagedTable(self.header, self.rows[done:], [*self.heights[:n],
                                                          *self.heights[n + done:]],
                          self.widths, self.style, self.measure_only)
        if self.measure_only:
            first = _Room(*first.wrap(aw, ah))
        return [first, rest]

    def drawOn(self, canvas, x, y, _sW=0):
        if self.measure_only:
            return None
        if self._table is None:
            self._table = self._make(len(self.rows))
            self._table.wrap(sum(self.widths), self.height)
        return self._table.drawOn(canvas, x, y, _sW)

    def draw(self):
        return None


def table(rows: Sequence[Sequence[object]], widths: Sequence[float], *,
          extra: Iterable[tuple] = (), grid: bool = True, size: float = 8.5,
          repeat: int = 0, heights: Sequence[float | None] | None = None,
          measure_once: bool = False) -> Table | PagedTable:
    """A table; plain strings in `rows` become wrapped Paragraph cells in the bundled font.

    `measure_once`, for tables of thousands of rows that run over many pages: every row's
    height is measured once, up front (by a Table of the same cells and style, so the heights
    are the ones the table would compute), and the table is a `PagedTable` split page by page.
    The pages are the same; the cost is linear in the rows."""
    data = [[c if isinstance(c, Flowable | list | tuple) else cell(c, size=size) for c in row]
            for row in rows]
    commands = [("FONT", (0, 0), (-1, -1), FONT, size), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    if grid:
        commands.append(("GRID", (0, 0), (-1, -1), 0.4, colors.grey))
    ts = TableStyle([*commands, *extra])
    if measure_once and len(data) > repeat:
        probe = Table([list(row) for row in data], colWidths=list(widths), rowHeights=heights,
                      longTableOptimize=0)
        probe.setStyle(ts)
        probe.wrap(sum(widths), 1e12)
        return PagedTable(data[:repeat], data[repeat:], list(probe._rowHeights), list(widths),
                          ts)
    t = Table(data, colWidths=list(widths), rowHeights=heights, repeatRows=repeat)
    t.setStyle(ts)
    return t


def stack_height(flowables: Iterable[Flowable], width: float) -> float:
    total = 0.0
    for f in flowables:
        _w, h = f.wrap(width, 10_000)
        total += h + f.getSpaceBefore() + f.getSpaceAfter()
    return total


def draw_stack(c, flowables: Iterable[Flowable], x: float, top: float, width: float) -> float:
    """Draw flowables one under the other from `top`; returns the y below the last one."""
    y = top
    for f in flowables:
        _w, h = f.wrap(width, 10_000)
        y -= f.getSpaceBefore() + h
        f.drawOn(c, x, y)
        y -= f.getSpaceAfter()
    return y


class Stack:
    """Flowables measured once at `width`, to be drawn top to bottom: what a page needs
    (`height`) and what is drawn come from the same wrap (a Table's wrap measures every cell's
    Paragraph, so measuring twice doubled the cost of a voucher)."""

    def __init__(self, flowables: Iterable[Flowable], width: float):
        self.items = [(f, f.wrap(width, 10_000)[1]) for f in flowables]
        self.height = sum(h + f.getSpaceBefore() + f.getSpaceAfter() for f, h in self.items)

    def draw(self, c, x: float, top: float) -> float:
        """Draw from `top`; returns the y below the last flowable."""
        y = top
        for f, h in self.items:
            y -= f.getSpaceBefore() + h
            f.drawOn(c, x, y)
            y -= f.getSpaceAfter()
        return y


def _noop(canvas, doc) -> None:
    return None


def build(doc: BaseDocTemplate, story: list, *, under: Callable | None = None,
          over: Callable | None = None) -> None:
    """Build `doc` with one page template: `under` is drawn before the page's content, `over`
    after it (on top). Every page's initial font is the bundled one."""
    register_fonts()
    # "First" and "Later": the names a SimpleDocTemplate switches between.
    doc.pageTemplates = []
    doc.addPageTemplates([
        PageTemplate(id=name, pagesize=doc.pagesize, onPage=under or _noop,
                     onPageEnd=over or _noop,
                     frames=[Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height,
                                   id="body")])
        for name in ("First", "Later")])
    doc.initialFontName = FONT
    BaseDocTemplate.build(doc, story)
