"""Treasury benchmarks (numbers only; nothing here passes or fails a build).

1. Batch PDF of the same N_PDF receipts (default 1,000), measured three ways in one run:
   - request: GET /treasury/vouchers.pdf?unit=…&kind=receipt&date_from=…&date_to=… through the
            Flask test client (login, scope, query, preview marks, drawing). The date range is
            chosen so that exactly N_PDF vouchers match; they are all unprinted, so each page
            carries the "XEM TRƯỚC" preview stamp and the "Bản xem trước" foot line.
   - render: the same query, preview marks and drawing without HTTP (`_batch` + `_render_vouchers`).
   - bare:  a plain reportlab loop drawing the same pages: the same strings (taken from the
            application before the clock starts), the same Paragraph/Table primitives, styles,
            paddings and spacing as the layout layer (fields wrap, fonts embedded), the QR code
            encoded with reportlab's qrencoder and drawn as one path, the same stamps. No
            database and no application code inside the loop; styles are built once, as any
            hand-written loop would.
   The bench checks that the three PDFs have the same number of pages and the same text on a
   sample of pages (it stops with an error otherwise, since the ratio would mean nothing), then
   prints each rate and its ratio to bare. Target: request >= 80 % of bare.
2. Cash book of N_BOOK vouchers (default 10,000): GET /funds/<id>/cashbook (HTML; target < 1 s),
   plus its PDF and .xlsx.

Runs on a temporary SQLite file (set BENCH_DATABASE_URL to use another database). N_PDF, N_BOOK
and ROUNDS may be set in the environment for quick runs; SKIP_BOOK=1 skips part 2.
"""

from __future__ import annotations

import io
import os
import re
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportlab.graphics.barcode import qrencoder  # noqa: E402
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.pdfbase.pdfmetrics import stringWidth  # noqa: E402
from reportlab.pdfgen import canvas as rl_canvas  # noqa: E402
from reportlab.platypus import Paragraph, Table, TableStyle  # noqa: E402
from reportlab.platypus.flowables import Flowable  # noqa: E402
from sqlalchemy import insert, select, update  # noqa: E402

from assoc import create_app  # noqa: E402
from assoc.config import TestConfig  # noqa: E402
from assoc.extensions import db  # noqa: E402
from assoc.models import Voucher, VoucherBook, today  # noqa: E402
from assoc.pdf import (  # noqa: E402
    FONT,
    FONT_BOLD,
    FONT_BOLD_ITALIC,
    FONT_ITALIC,
    register_fonts,
)

N_PDF = int(os.environ.get("N_PDF", 1_000))
N_BOOK = max(int(os.environ.get("N_BOOK", 10_000)), 2 * N_PDF)
ROUNDS = int(os.environ.get("ROUNDS", 3))

# --- the bare loop: plain reportlab -------------------------------------------------------------

PAGE_W, HALF_H = A4[0], A4[1] / 2
MARGIN = 28
W = PAGE_W - 2 * MARGIN
_ALIGN = {"l": TA_LEFT, "c": TA_CENTER, "r": TA_RIGHT}


def _st(size, font=FONT, align="l", leading=None, **kw):
    return ParagraphStyle(f"b{font}{size}{align}", fontName=font, fontSize=size,
                          leading=leading or round(size * 1.25, 2), alignment=_ALIGN[align], **kw)


class _BareQR(Flowable):
    def __init__(self, url, size=62):
        super().__init__()
        self.url, self.size = url, size

    def wrap(self, aw, ah):
        return self.size, self.size + 9

    def draw(self):
        qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
        qr.addData(self.url)
        qr.version = qr.calculate_version()
        qr.makeImpl(False, 0)
        c, size, n = self.canv, self.size, qr.moduleCount
        m = size / n
        path = c.beginPath()
        for r in range(n):
            row, col, ry = qr.modules[r], 0, 9 + size - (r + 1) * m
            while col < n:
                if row[col]:
                    start = col
                    while col < n and row[col]:
                        col += 1
                    path.rect(start * m, ry, (col - start) * m, m)
                else:
                    col += 1
        c.drawPath(path, stroke=0, fill=1)
        c.setFont(FONT_ITALIC, 6)
        c.drawCentredString(size / 2, 1, "Quét để kiểm tra")


def bare_loop(pages: list[dict]) -> bytes:
    """The voucher pages drawn with plain reportlab calls (see the module docstring)."""
    register_fonts()
    S = {k: _st(*a) for k, a in {
        "lab9": (9,), "lab85": (8.5,), "lab95": (9.5,), "form": (9.5, FONT_BOLD, "c"),
        "basis": (7, FONT_ITALIC, "c", 8.6), "title": (17, FONT_BOLD, "c"),
        "date": (9.5, FONT_ITALIC, "c"), "sig": (8.5, FONT_BOLD, "c"),
        "hint": (7, FONT_ITALIC, "c"), "name": (8.5, FONT_BOLD, "c"), "cell": (8.5,)}.items()}
    S["dater"] = _st(9, FONT_ITALIC, "r", spaceBefore=4)
    S["foot"] = _st(6.5, FONT_ITALIC, spaceBefore=4)
    pad0 = [("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]

    def ts(size, extra):
        return TableStyle([("FONT", (0, 0), (-1, -1), FONT, size),
                           ("VALIGN", (0, 0), (-1, -1), "TOP"), *extra])

    def lab(label, value, style, value_font=FONT_BOLD, label_font=FONT):
        return Paragraph(f'<font name="{label_font}">{escape(label)}</font> '
                         f'<font name="{value_font}">{escape(value)}</font>', style)

    header_style = ts(8.5, pad0)
    title_style = ts(8.5, [*pad0, ("VALIGN", (1, 0), (1, 0), "MIDDLE"),
                           ("TOPPADDING", (0, 0), (-1, -1), 4)])
    attach_style = ts(8.5, pad0)
    sign_style = ts(8.5, [("LEFTPADDING", (0, 0), (-1, -1), 3),
                          ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                          ("TOPPADDING", (0, 0), (-1, -1), 0),
                          ("BOTTOMPADDING", (0, 0), (-1, -1), 1)])
    col = W / 5
    buffer = io.BytesIO()
    c = rl_canvas.Canvas(buffer, pagesize=(PAGE_W, HALF_H), pageCompression=0,
                         initialFontName=FONT)
    c.setTitle("Phiếu")
    c.setAuthor("assoc")
    for p in pages:
        header = Table([[
            [lab("Đơn vị:", p["unit_name"], S["lab9"]),
             lab("Địa chỉ:", p["unit_address"], S["lab85"], FONT)],
            [Paragraph(escape(p["form_code"]), S["form"]),
             Paragraph(escape(f"({p['basis']})"), S["basis"])]]], colWidths=[W - 200, 200])
        header.setStyle(header_style)
        title = Table([[
            _BareQR(p["verify_url"]),
            [Paragraph(escape(p["title"]), S["title"]),
             Paragraph(escape(p["date_words"]), S["date"])],
            [lab("Quyển số:", p["book_code"], S["lab9"]), lab("Số:", p["number"], S["lab9"]),
             lab("Nợ:", p["debit"] or " ", S["lab9"]), lab("Có:", p["credit"] or " ", S["lab9"])],
        ]], colWidths=[80, W - 80 - 150, 150])
        title.setStyle(title_style)
        attach = Table([[Paragraph(escape(f"Kèm theo: {p['attachments']} chứng từ gốc."),
                                   S["lab95"]),
                         lab("Hình thức:", p["method_fund"], S["lab95"], FONT)]],
                       colWidths=[170, W - 170])
        attach.setStyle(attach_style)
        body = [lab(p["party_label"], p["party_name"], S["lab95"]),
                lab("Địa chỉ:", p["party_address"], S["lab95"], FONT),
                lab(p["reason_label"], p["reason"], S["lab95"], FONT),
                lab("Số tiền:", p["amount_figures"], S["lab95"]),
                lab("(Viết bằng chữ):", p["amount_words"], S["lab95"], FONT_BOLD_ITALIC),
                attach]
        for f in body:
            f.spaceAfter = 3
        sig = p["signatures"]
        signatures = Table([
            [Paragraph(escape(t), S["sig"]) for t, _h, _n in sig],
            [Paragraph(escape(h), S["hint"]) for _t, h, _n in sig],
            ["" for _s in sig],
            [Paragraph(escape(n), S["name"]) for _t, _h, n in sig]],
            colWidths=[col] * 5, rowHeights=[None, None, 42, None])
        signatures.setStyle(sign_style)
        foot = ("Bản xem trước, chưa in chính thức" if p["mark"] == "preview"
                else f"In lần {p['print_no']}") + f" · {p['verify_url']}"
        story = [header, title, *body, Paragraph(escape(p["date_words"]), S["dater"]), signatures,
                 lab("Đã nhận đủ số tiền (viết bằng chữ):", "." * 64, S["lab9"], FONT),
                 Paragraph(escape(foot), S["foot"])]
        sizes = [f.wrap(W, 10_000)[1] for f in story]
        need = sum(sizes) + sum(f.getSpaceBefore() + f.getSpaceAfter() for f in story)
        h = max(HALF_H, need + 2 * MARGIN)
        c.setPageSize((PAGE_W, h))
        y = h - MARGIN
        for f, fh in zip(story, sizes, strict=True):
            y -= f.getSpaceBefore() + fh
            f.drawOn(c, MARGIN, y)
            y -= f.getSpaceAfter()
        if p["mark"] == "preview":  # the grey stamp and its caption, over the text
            c.saveState()
            c.translate(PAGE_W / 2, h * 0.3)
            c.rotate(15)
            c.setFillColorRGB(0.55, 0.55, 0.55)
            c.setStrokeColorRGB(0.55, 0.55, 0.55)
            c.setFont(FONT_BOLD, 30)
            width = stringWidth("XEM TRƯỚC", FONT_BOLD, 30)
            c.setLineWidth(2)
            c.rect(-width / 2 - 8, -30 * 0.35, width + 16, 30 * 1.25, stroke=1, fill=0)
            c.drawCentredString(0, 0, "XEM TRƯỚC")
            c.restoreState()
            c.saveState()
            c.translate(PAGE_W / 2, h * 0.3)
            c.rotate(15)
            c.setFillColorRGB(0.45, 0.45, 0.45)
            c.setFont(FONT_BOLD, 8)
            c.drawCentredString(0, -22, "Không có giá trị thanh toán")
            c.restoreState()
        c.showPage()
    c.save()
    return buffer.getvalue()


# --- helpers ------------------------------------------------------------------------------------


def best(fn, rounds=ROUNDS):
    times = []
    result = None
    for _ in range(rounds):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def page_count(data: bytes) -> int:
    """Page objects in an uncompressed reportlab PDF (`/Type /Page`, not `/Pages`)."""
    return len(re.findall(rb"/Type /Page(?![a-zA-Z])", data))


def page_texts(data: bytes, which: list[int]) -> list[str]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [" ".join((pdf.pages[i].extract_text() or "").split()) for i in which]


def main() -> None:
    tmp = tempfile.mkdtemp(prefix="bench-treasury-")
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = os.environ.get("BENCH_DATABASE_URL",
                                                    f"sqlite:///{tmp}/bench.db")
    app = create_app(config)
    with app.app_context():
        db.drop_all()
        db.create_all()
        from assoc.demo import seed_demo
        from assoc.models import Unit, User
        from assoc.services import treasury

        seed_demo()
        db.session.commit()
        unit = db.session.scalar(select(Unit).where(Unit.code == "HCM-Q4-KH-KP1"))
        user = db.session.scalar(select(User).where(User.username == "admin"))
        fund = treasury.general_fund(unit)
        book = treasury.book_for(unit, "receipt", today().year)
        # The first 2 * N_PDF vouchers (N_PDF receipts) are dated on one day before any demo
        # voucher, so that day's receipts are exactly the batch; the others follow over 300 days.
        start = today() - timedelta(days=400)
        rows = [dict(book_id=book.id, number=i + 1, unit_id=unit.id, fund_id=fund.id,
                     kind="receipt" if i % 2 else "payment",
                     voucher_date=start + timedelta(
                         days=0 if i < 2 * N_PDF else 1 + i * 300 // N_BOOK),
                     party_name=f"Nguyễn Văn An {i}", search_key=f"nguyen van an {i}",
                     party_address="12 Hoàng Diệu, Phường Khánh Hội",
                     reason="Ủng hộ quỹ khuyến học năm 2026", amount=1_250_000 - (i % 4) * 100_000,
                     method="cash", attachments=1, public_token=f"tok{i:020d}", status="valid",
                     print_count=0, created_by_id=user.id) for i in range(N_BOOK)]
        db.session.execute(insert(Voucher), rows)
        db.session.execute(update(VoucherBook).where(VoucherBook.id == book.id)
                           .values(next_number=N_BOOK + 1))
        treasury.update_settings(None, unit, head_name="Nguyễn Thị Thu",
                                 accountant_name="Lê Thị Hoa", cashier_name="Trần Văn Bình")
        db.session.commit()
        unit_id, fund_id, user_id = unit.id, fund.id, user.id
        session_id = user.get_id()
        db.session.commit()
        book_from, book_to = start, start + timedelta(days=301)

    client = app.test_client()
    with client.session_transaction() as s:
        s["_user_id"] = session_id
        s["_fresh"] = True
    url = (f"/treasury/vouchers.pdf?unit={unit_id}&kind=receipt&date_from={start.isoformat()}"
           f"&date_to={start.isoformat()}")

    def with_request(fn):
        from flask_login import login_user

        from assoc.models import User

        with app.test_request_context(url):
            login_user(db.session.get(User, user_id))
            return fn()

    # The pages the request draws, as plain strings for the bare loop (before any clock).
    def prepared():
        from assoc.blueprints.treasury import views
        from assoc.pdf import vouchers as voucher_pdf
        from assoc.services import treasury as svc

        found = views._batch(views._scoped_vouchers())
        marks = svc.preview_marks(found)
        settings = svc.settings_for(found[0].unit)
        out = []
        for v, mark in zip(found, marks, strict=True):
            p = voucher_pdf.prepare(v, settings, views._verify_url(v), mark=mark,
                                    print_no=v.print_count,
                                    maker_name=v.created_by.full_name if v.created_by else "")
            d = asdict(p)
            del d["qr"]  # the bare loop encodes the QR code itself
            out.append(d)
        return out

    bare_pages = with_request(prepared)
    assert len(bare_pages) == N_PDF, (len(bare_pages), N_PDF)

    # --- 1. batch PDF -------------------------------------------------------------------------
    t_bare, bare_pdf = best(lambda: bare_loop(bare_pages))

    def render():
        from assoc.blueprints.treasury import views
        from assoc.services import treasury as svc

        found = views._batch(views._scoped_vouchers())
        data = views._render_vouchers(found, svc.preview_marks(found), 1)
        db.session.rollback()
        return data

    t_render, render_pdf = best(lambda: with_request(render))

    def request_pdf():
        r = client.get(url)
        assert r.status_code == 200 and r.mimetype == "application/pdf", r.status_code
        return r.data

    t_request, request_data = best(request_pdf)
    counts = {"bare": page_count(bare_pdf), "render": page_count(render_pdf),
              "request": page_count(request_data)}
    assert set(counts.values()) == {N_PDF}, f"the three PDFs differ in pages: {counts}"
    sample = sorted({0, N_PDF // 2, N_PDF - 1})
    texts = [page_texts(d, sample) for d in (bare_pdf, render_pdf, request_data)]
    assert texts[0] == texts[1] == texts[2], "the three PDFs print different text"
    rate = lambda t: N_PDF / t  # noqa: E731
    print(f"batch PDF, the same {N_PDF} receipts, {N_PDF} pages each (best of {ROUNDS}):")
    print(f"  bare reportlab loop : {t_bare:6.2f} s  {rate(t_bare):7.1f} pages/s "
          f"({len(bare_pdf) // 1024} KiB)")
    print(f"  render (no HTTP)    : {t_render:6.2f} s  {rate(t_render):7.1f} pages/s "
          f"= {100 * t_bare / t_render:5.1f} % of bare ({len(render_pdf) // 1024} KiB)")
    print(f"  HTTP request        : {t_request:6.2f} s  {rate(t_request):7.1f} pages/s "
          f"= {100 * t_bare / t_request:5.1f} % of bare (target >= 80 %) "
          f"({len(request_data) // 1024} KiB)")

    # --- 2. cash book -------------------------------------------------------------------------
    if os.environ.get("SKIP_BOOK"):
        return
    q = (f"/funds/{fund_id}/cashbook?date_from={book_from.isoformat()}"
         f"&date_to={book_to.isoformat()}&method=cash")
    r = client.get(q)
    assert r.status_code == 200 and r.get_data(as_text=True).count("<tr") >= N_BOOK
    t_html, _ = best(lambda: client.get(q))
    t_pdf, pdf = best(lambda: client.get(q + "&format=pdf"), rounds=1)
    t_xlsx, _ = best(lambda: client.get(q + "&format=xlsx"), rounds=1)
    print(f"cash book, {N_BOOK} vouchers:")
    print(f"  HTML page           : {t_html:6.3f} s (target < 1 s)")
    print(f"  PDF                 : {t_pdf:6.3f} s ({len(pdf.data) // 1024} KiB, "
          f"{page_count(pdf.data)} pages)")
    print(f"  Excel (.xlsx)       : {t_xlsx:6.3f} s")
    print(f"(database: {config.SQLALCHEMY_DATABASE_URI.split(':')[0]}; date {today()})")


if __name__ == "__main__":
    main()
