"""Treasury benchmarks (numbers only; nothing here passes or fails a build).

1. Batch PDF of 1,000 receipts, measured three ways in one run:
   - bare:  a plain reportlab loop drawing the same page 1,000 times (same strings, fonts, lines,
            QR code encoded with reportlab's qrencoder and drawn as one path, exactly as the
            application does), no database, no application code;
   - render: the application's path without HTTP: load the vouchers, count the prints (with audit
            entries), prepare each page, draw the PDF;
   - request: GET /treasury/vouchers.pdf through the Flask test client (login, scope, all of it).
   Target: render and request at >= 80 % of the bare rate.
2. Cash book of 10,000 vouchers: GET /funds/<id>/cashbook (HTML), plus its PDF and .xlsx.
   Target: the HTML page in < 1 s.

Runs on a temporary SQLite file (set BENCH_DATABASE_URL to use another database).
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportlab.graphics.barcode import qrencoder  # noqa: E402
from reportlab.lib.pagesizes import A5, landscape  # noqa: E402
from reportlab.pdfgen import canvas as rl_canvas  # noqa: E402
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

N_PDF = 1_000
N_BOOK = 10_000
ROUNDS = 3


def bare_loop(n: int) -> bytes:
    """The same voucher page drawn with plain reportlab calls, strings fixed in advance."""
    register_fonts()
    buffer = io.BytesIO()
    c = rl_canvas.Canvas(buffer, pagesize=landscape(A5), pageCompression=0)
    left, right, top = 28.0, 567.27, 388.94
    for i in range(n):
        url = f"http://localhost/verify/AbCdEfGhIjKlMnOpQrSt{i:04d}"
        c.setLineWidth(0.4)
        c.setDash(0.6, 1.8)
        c.setFont(FONT_BOLD, 9)
        c.drawString(left, top, "Đơn vị: Hội Khuyến học Phường Khánh Hội")
        c.setFont(FONT, 8.5)
        c.drawString(left, top - 12, "Địa chỉ: 188 Bến Vân Đồn, Phường Khánh Hội, TP. Hồ Chí Minh")
        c.setFont(FONT_BOLD, 9.5)
        c.drawCentredString(right - 95, top, "Mẫu số 01-TT")
        c.setFont(FONT_ITALIC, 7)
        c.drawCentredString(right - 95, top - 10, "(Ban hành kèm theo Thông tư số 99/2025/TT-BTC")
        c.drawCentredString(right - 95, top - 19, "của Bộ trưởng Bộ Tài chính)")
        qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
        qr.addData(url)
        qr.version = qr.calculate_version()
        qr.makeImpl(False, 0)
        size, count = 64, qr.moduleCount
        m = size / count
        path = c.beginPath()
        for r in range(count):
            row, col = qr.modules[r], 0
            while col < count:
                if row[col]:
                    start = col
                    while col < count and row[col]:
                        col += 1
                    path.rect(left + start * m, top - 98 + size - (r + 1) * m,
                              (col - start) * m, m)
                else:
                    col += 1
        c.drawPath(path, stroke=0, fill=1)
        c.setFont(FONT_ITALIC, 6)
        c.drawCentredString(left + 32, top - 105, "Quét để kiểm tra")
        c.setFont(FONT_BOLD, 17)
        c.drawCentredString(297.6, top - 50, "PHIẾU THU")
        c.setFont(FONT_ITALIC, 9.5)
        c.drawCentredString(297.6, top - 64, "Ngày 23 tháng 11 năm 2026")
        for j, (label, value) in enumerate((("Quyển số:", "PT-2026"), ("Số:", str(i + 1)),
                                            ("Nợ:", "111"), ("Có:", ""))):
            y = top - 40 - j * 13
            c.setFont(FONT, 9)
            c.drawString(right - 120, y, label)
            c.setFont(FONT_BOLD, 9)
            c.drawString(right - 72, y, value)
            c.line(right - 74, y - 2.5, right, y - 2.5)
        y = top - 124
        for label, value, font in (
                ("Họ và tên người nộp tiền:", "Nguyễn Văn An", FONT_BOLD),
                ("Địa chỉ:", "12 Hoàng Diệu, Phường Khánh Hội", FONT),
                ("Lý do nộp:", "Ủng hộ quỹ khuyến học năm 2026", FONT)):
            c.setFont(FONT, 9.5)
            c.drawString(left, y, label)
            c.setFont(font, 9.5)
            c.drawString(left + 120, y, value)
            c.line(left + 118, y - 2.5, right, y - 2.5)
            y -= 15.5
        c.setFont(FONT, 9.5)
        c.drawString(left, y, "Số tiền:")
        c.setFont(FONT_BOLD, 9.5)
        c.drawString(left + 40, y, "1.250.000 đ")
        c.line(left + 38, y - 2.5, left + 150, y - 2.5)
        c.setFont(FONT, 9.5)
        c.drawString(left + 160, y, "(Viết bằng chữ):")
        c.setFont(FONT_BOLD_ITALIC, 9.5)
        c.drawString(left + 235, y, "Một triệu hai trăm năm mươi nghìn đồng")
        c.line(left + 233, y - 2.5, right, y - 2.5)
        y -= 15.5
        c.setFont(FONT, 9.5)
        c.drawString(left, y, "Kèm theo: 1 chứng từ gốc.")
        c.drawString(left + 170, y, "Hình thức: Tiền mặt — Quỹ khuyến học")
        y -= 22
        c.setFont(FONT_ITALIC, 9)
        c.drawCentredString(right - 54, y, "Ngày 23 tháng 11 năm 2026")
        y -= 13
        for j, (title, name) in enumerate((("Chủ tịch", "Nguyễn Thị Thu"),
                                           ("Kế toán", "Lê Thị Hoa"),
                                           ("Người nộp tiền", "Nguyễn Văn An"),
                                           ("Người lập phiếu", "Trần Văn Bình"),
                                           ("Thủ quỹ", "Trần Văn Bình"))):
            sx = left + 107.9 * j + 53.9
            c.setFont(FONT_BOLD, 8.5)
            c.drawCentredString(sx, y, title)
            c.setFont(FONT_ITALIC, 7)
            c.drawCentredString(sx, y - 10, "(Ký, họ tên)")
            c.setFont(FONT_BOLD, 8.5)
            c.drawCentredString(sx, y - 66, name)
        y -= 88
        c.setFont(FONT, 9)
        c.drawString(left, y, "Đã nhận đủ số tiền (viết bằng chữ):")
        c.line(left + 160, y - 2.5, right, y - 2.5)
        c.setDash()
        c.setFont(FONT_ITALIC, 6.5)
        c.drawString(left, 12, f"In lần 1 · {url}")
        c.showPage()
    c.save()
    return buffer.getvalue()


def best(fn, rounds=ROUNDS):
    times = []
    result = None
    for _ in range(rounds):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


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
        start = today() - timedelta(days=300)
        rows = [dict(book_id=book.id, number=i + 1, unit_id=unit.id, fund_id=fund.id,
                     kind="receipt" if i % 4 else "payment",
                     voucher_date=start + timedelta(days=i * 300 // N_BOOK),
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
        first_day = start
        ids = db.session.scalars(select(Voucher.id).where(Voucher.kind == "receipt")
                                 .order_by(Voucher.id).limit(N_PDF)).all()
        day_last = db.session.get(Voucher, ids[-1]).voucher_date

    client = app.test_client()
    with client.session_transaction() as s:
        s["_user_id"] = session_id
        s["_fresh"] = True

    # --- 1. batch PDF -------------------------------------------------------------------------
    t_bare, bare_pdf = best(lambda: bare_loop(N_PDF))

    def render():
        from assoc.blueprints.treasury.views import _render_vouchers
        from assoc.models import User

        with app.test_request_context("/"):
            from flask_login import login_user

            login_user(db.session.get(User, user_id))
            found = db.session.scalars(select(Voucher).where(Voucher.id.in_(ids))
                                       .order_by(Voucher.voucher_date, Voucher.number)).all()
            found = list(found)
            data = _render_vouchers(found, treasury.preview_marks(found), copies=1)
            db.session.commit()
            return data

    t_render, render_pdf = best(render)
    url = (f"/treasury/vouchers.pdf?unit={unit_id}&kind=receipt&date_from={first_day.isoformat()}"
           f"&date_to={day_last.isoformat()}")

    def request_pdf():
        r = client.get(url)
        assert r.status_code == 200, r.status_code
        return r.data

    t_request, request_data = best(request_pdf)
    pages = request_data.count(b"/Type /Page\n") or request_data.count(b"/Type /Page ")
    rate = lambda t: N_PDF / t  # noqa: E731
    print(f"batch PDF, {N_PDF} receipts (best of {ROUNDS}):")
    print(f"  bare reportlab loop : {t_bare:6.2f} s  {rate(t_bare):7.1f} pages/s "
          f"({len(bare_pdf) // 1024} KiB)")
    print(f"  render (no HTTP)    : {t_render:6.2f} s  {rate(t_render):7.1f} pages/s "
          f"= {100 * t_bare / t_render:5.1f} % of bare ({len(render_pdf) // 1024} KiB)")
    print(f"  HTTP request        : {t_request:6.2f} s  {rate(t_request):7.1f} pages/s "
          f"= {100 * t_bare / t_request:5.1f} % of bare (target >= 80 %)")
    if pages:
        print(f"  (the HTTP PDF has {pages} page objects)")

    # --- 2. cash book -------------------------------------------------------------------------
    q = (f"/funds/{fund_id}/cashbook?date_from={first_day.isoformat()}"
         f"&date_to={today().isoformat()}&method=cash")
    r = client.get(q)
    assert r.status_code == 200 and r.get_data(as_text=True).count("<tr") >= N_BOOK
    t_html, _ = best(lambda: client.get(q))
    t_pdf, pdf = best(lambda: client.get(q + "&format=pdf"), rounds=1)
    t_xlsx, _ = best(lambda: client.get(q + "&format=xlsx"), rounds=1)
    print(f"cash book, {N_BOOK} vouchers:")
    print(f"  HTML page           : {t_html:6.3f} s (target < 1 s)")
    print(f"  PDF                 : {t_pdf:6.3f} s ({len(pdf.data) // 1024} KiB)")
    print(f"  Excel (.xlsx)       : {t_xlsx:6.3f} s")
    print(f"(database: {config.SQLALCHEMY_DATABASE_URI.split(':')[0]}; date {date.today()})")


if __name__ == "__main__":
    main()
