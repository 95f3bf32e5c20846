"""PDF documents (reportlab). Every string is NFC-normalised and drawn in Be Vietnam Pro, bundled
here with its licence (SIL OFL 1.1, fonts/OFL.txt), so every Vietnamese letter renders without
relying on the machine's fonts."""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
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


def nfc(text: object) -> str:
    return unicodedata.normalize("NFC", "" if text is None else str(text))


def draw_qr(canvas, data: str, x: float, y: float, size: float) -> None:
    """A QR code of `data` with its lower-left corner at (x, y), `size` points wide."""
    widget = QrCodeWidget(data, barBorder=0)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


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
