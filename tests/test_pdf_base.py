"""The bundled font draws every Vietnamese letter; QR codes and stamps draw."""

import io

from reportlab.pdfgen import canvas as rl_canvas

from assoc.pdf import FONT, FONT_DIR, draw_qr, draw_stamp, register_fonts

VIETNAMESE = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữự"
    "vxyỳýỷỹỵ"
)


def test_font_covers_every_vietnamese_letter():
    register_fonts()
    from reportlab.pdfbase import pdfmetrics

    face = pdfmetrics.getFont(FONT).face
    for letter in VIETNAMESE + VIETNAMESE.upper():
        assert ord(letter) in face.charToGlyph, letter
    assert (FONT_DIR / "OFL.txt").exists()


def test_qr_and_stamp_draw():
    buffer = io.BytesIO()
    c = rl_canvas.Canvas(buffer)
    draw_qr(c, "https://example.test/verify/abc", 10, 10, 80)
    draw_stamp(c, "ĐÃ HỦY", 200, 400)
    c.showPage()
    c.save()
    assert buffer.getvalue().startswith(b"%PDF")
