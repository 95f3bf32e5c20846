"""PDF documents (reportlab). Every string is NFC-normalised and drawn in Be Vietnam Pro, bundled
here with its licence (SIL OFL 1.1, fonts/OFL.txt), so every Vietnamese letter renders without
relying on the machine's fonts."""

from __future__ import annotations

import unicodedata
from functools import cache
from itertools import groupby
from pathlib import Path

from reportlab import rl_config
from reportlab.graphics.barcode import qrencoder
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "BeVietnamPro"
FONT_BOLD = "BeVietnamPro-Bold"
FONT_ITALIC = "BeVietnamPro-Italic"
FONT_BOLD_ITALIC = "BeVietnamPro-BoldItalic"
FONT_SEMIBOLD = "BeVietnamPro-SemiBold"


@cache
def register_fonts() -> None:
    """Register the family once per process (also for Paragraph <b>/<i> markup)."""
    files = {
        FONT: "BeVietnamPro-Regular.ttf",
        FONT_BOLD: "BeVietnamPro-Bold.ttf",
        FONT_ITALIC: "BeVietnamPro-Italic.ttf",
        FONT_BOLD_ITALIC: "BeVietnamPro-BoldItalic.ttf",
        FONT_SEMIBOLD: "BeVietnamPro-SemiBold.ttf",
    }
    for name, filename in files.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, FONT_BOLD)
    addMapping(FONT, 0, 1, FONT_ITALIC)
    addMapping(FONT, 1, 1, FONT_BOLD_ITALIC)
    # Every canvas starts in the bundled font and every table cell defaults to it, so no page
    # references a non-embedded Helvetica (an empty plain-string cell still sets its font).
    rl_config.canvas_basefontname = FONT
    from reportlab.platypus.tables import CellStyle

    CellStyle.fontname = FONT


def nfc(text: object) -> str:
    return unicodedata.normalize("NFC", "" if text is None else str(text))


def qr_modules(data: str) -> list[list[bool]]:
    """The dark/light modules of a QR code (error correction M) for `data`.

    Mask pattern 0 is used instead of trying all eight for the lowest penalty score: every mask
    gives a valid code (the mask is written in the format bits), and the search costs ~25 ms per
    code, which would dominate a 1,000-voucher batch."""
    qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    qr.addData(data)
    qr.version = qr.calculate_version()
    qr.makeImpl(False, 0)
    return qr.modules


def qr_ops(modules: list[list[bool]]) -> str:
    """The PDF operators that fill the dark modules of a QR code, in module units with the
    origin at the code's lower-left corner: runs of dark modules merged per row, one `re` each,
    then one fill. Integers only, so nothing is rounded; drawn under a scale by
    `draw_qr_modules`. A page that draws the same code twice (liên 1 and 2) may keep it."""
    n = len(modules)
    parts = []
    for r, row in enumerate(modules):
        ry = n - 1 - r
        col = 0
        for dark, run in groupby(row):
            width = len(tuple(run))
            if dark:
                parts.append(f"{col} {ry} {width} 1 re")
            col += width
    parts.append("f")
    return "\n".join(parts)


def draw_qr_modules(c, modules: list[list[bool]], x: float, y: float, size: float, *,
                    ops: str | None = None) -> None:
    """Draw QR modules as one filled path, lower-left corner at (x, y), `size` points wide
    (`ops`: their `qr_ops`, when the caller keeps them). Much faster than the reportlab
    graphics widget, same picture."""
    m = size / len(modules)
    c.saveState()
    c.translate(x, y)
    c.scale(m, m)
    c.addLiteral(ops if ops is not None else qr_ops(modules))
    c.restoreState()


def draw_qr(canvas, data: str, x: float, y: float, size: float) -> None:
    """A QR code of `data` with its lower-left corner at (x, y), `size` points wide."""
    draw_qr_modules(canvas, qr_modules(data), x, y, size)


def draw_stamp(canvas, text: str, x: float, y: float, *, size: float = 28, color=(0.8, 0, 0),
               angle: float = 18) -> None:
    """A rotated, boxed stamp such as "ĐÃ HỦY" (void) or "BẢN SAO" (copy), centred on (x, y)."""
    register_fonts()
    canvas.saveState()
    canvas.translate(x, y)
    canvas.rotate(angle)
    canvas.setFillColorRGB(*color)
    canvas.setStrokeColorRGB(*color)
    canvas.setFont(FONT_BOLD, size)
    text = nfc(text)
    width = canvas.stringWidth(text, FONT_BOLD, size)
    canvas.setLineWidth(2)
    canvas.rect(-width / 2 - 8, -size * 0.35, width + 16, size * 1.25, stroke=1, fill=0)
    canvas.drawCentredString(0, 0, text)
    canvas.restoreState()
