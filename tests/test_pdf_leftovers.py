"""Layout leftovers of issue 28, each read back from the PDF with pdfplumber: no page without
content, signature blocks with their date line, no word broken inside, numbers inside their
cells, the books' form codes under the administrative regime."""

from __future__ import annotations

import io
import re
from datetime import date
from types import SimpleNamespace

import pdfplumber
import pytest

from assoc.pdf import vouchers as voucher_pdf


def page_texts(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def fake_book(rows: int, method: str = "cash"):
    unit = SimpleNamespace(name="Hội Khuyến học phường Khánh Hội", address="12 Hoàng Diệu")
    lines, balance = [], 10_000_000
    for i in range(rows):
        balance += 100_000
        lines.append(SimpleNamespace(
            voucher_date=date(2026, 3, 1 + i % 28), amount_in=100_000, amount_out=0, void=False,
            note="", kind="receipt", number=f"PT-2026/{i + 1:04d}",
            description=f"Thu hội phí của hội viên số {i + 1}", balance=balance))
    return SimpleNamespace(unit=unit, method=method, fund=SimpleNamespace(name="Quỹ chung"),
                           date_from=date(2026, 1, 1), date_to=date(2026, 12, 31),
                           opening=10_000_000, rows=lines, total_in=100_000 * rows,
                           total_out=0, closing=balance)


def settings(series="tt"):
    return SimpleNamespace(form_series=series, cashier_name="Trần Thị Quỹ",
                           accountant_name="Lê Văn Toán", head_name="Nguyễn Văn Chủ",
                           legal_basis="")


@pytest.mark.parametrize("method", ["cash", "transfer"])
def test_books_under_the_administrative_regime_use_its_form_codes(method):
    tt = " ".join(page_texts(voucher_pdf.cash_book_pdf(fake_book(3, method), settings("tt"))))
    bb = " ".join(page_texts(voucher_pdf.cash_book_pdf(fake_book(3, method), settings("bb"))))
    assert {"cash": "Mẫu số S07-DN", "transfer": "Mẫu số S08-DN"}[method] in tt
    assert {"cash": "Mẫu số S11-H", "transfer": "Mẫu số S12-H"}[method] in bb
    assert "-DN" not in bb and "107/2017/TT-BTC" in bb
    if method == "transfer":
        assert "SỔ TIỀN GỬI NGÂN HÀNG, KHO BẠC" in bb


def test_the_cash_book_signatures_stay_with_their_date_line():
    """Whatever the number of rows (the old layout failed at 15-20 and 46-51), the page
    holding the signatures also holds the date line, the page-count line and the book's
    totals (they never move to a page of their own)."""
    for rows in (12, 15, 18, 20, 22, 46, 51):
        pages = page_texts(voucher_pdf.cash_book_pdf(fake_book(rows), settings()))
        signed = [text for text in pages if "Người ghi sổ" in text]
        assert len(signed) == 1, rows
        assert "Ngày ..... tháng" in signed[0] and "Sổ này có" in signed[0], rows
        assert "Số dư cuối kỳ" in signed[0], rows  # and the book's last rows
        for text in pages:  # no page holds only a page number
            assert re.sub(r"Trang \d+/\d+", "", text).strip(), rows


def fake_sheet(lines: int):
    from assoc.pdf.remuneration import sheet_pdf  # noqa: F401 (the module under test)

    unit = SimpleNamespace(name="Hội Khuyến học phường Khánh Hội",
                           parent=SimpleNamespace(name="Hội Khuyến học TP. Hồ Chí Minh"))
    rows = [SimpleNamespace(position_no=str(i + 1), full_name=f"Nguyễn Văn Cán Bộ {i + 1}",
                            posts="Chủ tịch", rates="0,5 × lương cơ sở", days="22",
                            computed=1_170_000, adjustment=0, amount=1_170_000,
                            adjustment_reason="") for i in range(lines)]
    return SimpleNamespace(label="03/2026", unit=unit, month=3, year=2026,
                           base_salary=2_340_000, lines=rows, total=1_170_000 * lines,
                           is_draft=False)


def test_no_page_of_the_remuneration_sheet_holds_only_its_page_number(app):
    from assoc.pdf.remuneration import sheet_pdf

    with app.test_request_context():
        for lines in range(1, 30):
            pages = page_texts(sheet_pdf(fake_sheet(lines)))
            for text in pages:
                assert re.sub(r"Trang \d+", "", text).strip(), (lines, len(pages))
            signed = [text for text in pages if "Người lập" in text]
            assert len(signed) == 1 and "Ngày ........" in signed[0], lines
            assert "Tổng cộng" in signed[0], lines  # with the table's total row


def fake_program(paid: int, grades: list[str]):
    unit = SimpleNamespace(name="Hội Khuyến học phường Khánh Hội", address="Quận 4, TP. HCM",
                           parent=SimpleNamespace(name="Hội Khuyến học TP. Hồ Chí Minh"))
    quota = SimpleNamespace(unit=unit)
    program = SimpleNamespace(unit=unit, name="Học bổng Nguyễn Hữu Thọ 2026", sponsor="")
    nominations = [SimpleNamespace(
        quota_id=1, quota=quota, student_name=f"Lê Thị Hồng {i + 1}",
        school="Trường THPT chuyên Lê Hồng Phong", grade=grade, amount=2_000_000,
        is_paid=i < paid, voucher=SimpleNamespace(display_number="PC-2026/0001"))
        for i, grade in enumerate(grades)]
    return program, nominations


GRADES = ["10 chuyên Toán", "11 chuyên Tiếng Anh", "12A1 chuyên Hóa", "Lớp 9/12 chuyên",
          "12 chuyên Tin học"]


def test_the_recipient_list_breaks_no_word_inside():
    from assoc.pdf.recipient_list import recipient_list_pdf

    data = recipient_list_pdf(*fake_program(0, GRADES)).getvalue()
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        words = {w["text"] for page in pdf.pages for w in page.extract_words()}
    for grade in GRADES:
        for word in grade.split():
            assert word in words, (word, sorted(w for w in words if w[:2] == word[:2]))
    assert "chuyên" in words and "STT" in words


@pytest.mark.parametrize("paid, expected", [
    (5, "Đã chi toàn bộ theo phiếu chi số: PC-2026/0001."),
    (2, "Đã chi 2 suất, 4.000.000 đồng theo phiếu chi số: PC-2026/0001. "
        "Chưa chi 3 suất, 6.000.000 đồng."),
])
def test_the_recipient_lists_payment_note_agrees_with_its_total(paid, expected):
    from assoc.pdf.recipient_list import recipient_list_pdf

    data = recipient_list_pdf(*fake_program(paid, GRADES)).getvalue()
    text = re.sub(r"\s+", " ", " ".join(page_texts(data)))
    assert "Tổng số tiền: 10.000.000 đồng" in text
    assert expected in text


def test_the_thank_you_letter_prints_its_signers_name(tree, client_as, db):
    from assoc.services import events

    from .builders import build_donor, build_officer

    build_officer(tree.ward_a, "Phạm Thị Chủ Tịch", ("chair", date(2020, 1, 1)))
    build_officer(tree.ward_a, "Võ Văn Cũ", ("chair", date(2010, 1, 1), date(2019, 12, 31)))
    donor = build_donor(tree.ward_a, "Nhà sách Phương Nam")
    gift = events.record_donation(None, tree.ward_a, method="in_kind", donor=donor,
                                  items="Truyện thiếu nhi", quantity=300,
                                  estimated_value=9_000_000)
    db.session.commit()
    letter = client_as("viewer", at=tree.ward_a).get(
        f"/events/donations/{gift.id}/thank-you.pdf")
    text = " ".join(page_texts(letter.data))
    assert "Phạm Thị Chủ Tịch" in text and "Võ Văn Cũ" not in text


def fake_counting_sheet(note: str):
    unit = SimpleNamespace(name="Hội Khuyến học phường Khánh Hội", address="Quận 4, TP. HCM",
                           parent=SimpleNamespace(name="Hội Khuyến học TP. Hồ Chí Minh"))
    event = SimpleNamespace(title="Khui heo đất khuyến học", starts_at=date(2026, 3, 1))
    values = [500_000, 200_000, 100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500]
    counts = {f"n{v}": 3 for v in values}
    return SimpleNamespace(
        event=event, unit=unit, group_name="Lớp 6A1", counter_1="Trần Văn Đếm Một",
        counter_2="Lê Thị Đếm Hai", counts=counts, total=3 * sum(values), note=note,
        created_at=date(2026, 3, 2),
        lines=lambda: [(f"n{v}", v, False, 3, 3 * v) for v in values])


def test_the_counting_sheets_signatures_stay_with_their_date_line(app):
    from assoc.pdf.events import counting_sheets_pdf

    with app.test_request_context():
        for words in range(250, 700, 25):
            pages = page_texts(counting_sheets_pdf([fake_counting_sheet("Ghi chú " * words)]))
            signed = [text for text in pages if "Lê Thị Đếm Hai" in text.split("Ghi chú")[-1]]
            assert signed and "tháng 03 năm 2026" in signed[-1], (words, len(pages))


def fake_rates(big: int):
    from assoc.models import LEARNING_MODELS
    from assoc.services.learning import Cell

    def row(name, scale):
        cells = {}
        for i, model in enumerate(LEARNING_MODELS):
            cells[model] = Cell(registered=big * scale // (i + 2), recognised=big * scale // 3,
                                denominator=None if model == "citizen" else big * scale,
                                target=80 if model != "citizen" else None)
        return SimpleNamespace(unit=SimpleNamespace(name=name), cells=cells)

    unit = SimpleNamespace(name="Hội Khuyến học tỉnh Đồng Tháp",
                           parent=SimpleNamespace(name="Hội Khuyến học Việt Nam"))
    rows = [row(f"Hội Khuyến học xã Mỹ An Hưng số {i}", 1) for i in range(1, 6)]
    return SimpleNamespace(unit=unit, year=2026, rows=rows, total=row("", 5))


@pytest.mark.parametrize("big", [987, 1_234_567])
def test_the_learning_rates_figures_sit_inside_their_cells(big):
    from assoc.pdf.learning import rates_pdf

    data = rates_pdf(fake_rates(big), signer="Nguyễn Văn Chủ Tịch", place="Đồng Tháp",
                     on=date(2026, 12, 1))
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        text = page.extract_text()
        verticals = [e for e in page.edges if e["orientation"] == "v"]
        figures = [w for w in page.extract_words() if re.fullmatch(r"[\d.,%]+", w["text"])]
        assert len(figures) > 100
        # Legible: a page too narrow for all models splits them over two tables instead of
        # shrinking the figures below 6 pt.
        assert min(c["size"] for c in page.chars if c["text"].isdigit()) >= 6
        for w in figures:
            middle = (w["top"] + w["bottom"]) / 2
            for edge in verticals:
                if edge["top"] <= middle <= edge["bottom"]:
                    # A border neither crosses the figure nor touches it (1.8 pt clear).
                    assert not (w["x0"] - 1.8 < edge["x0"] < w["x1"] + 1.8), (
                        w["text"], edge["x0"])
        # Every figure prints whole, on one line (never "1.234.56" above "7").
        words = {w["text"] for w in figures}
        for value in (big, big * 5, big * 5 // 3):
            assert f"{value:,}".replace(",", ".") in words, value
    assert "Chỉ tiêu" in text and "80%" in text  # the target column
    assert "CHỦ TỊCH" in text and "Nguyễn Văn Chủ Tịch" in text and "NGƯỜI LẬP BIỂU" in text


def test_the_recipient_lists_signatures_stay_with_its_totals():
    from assoc.pdf.recipient_list import recipient_list_pdf

    for count in range(14, 30):
        pages = page_texts(recipient_list_pdf(
            *fake_program(count, ["7A"] * count)).getvalue())
        signed = [text for text in pages if "NGƯỜI LẬP DANH SÁCH" in text]
        assert len(signed) == 1 and "Viết bằng chữ" in signed[0], (count, len(pages))
        assert "Đã chi toàn bộ" in signed[0], count


def test_no_document_has_a_page_without_content(app, db, client):
    """Every document type of the demo world: each page holds more than its footer (page
    number, program name)."""
    from sqlalchemy import select

    from assoc.demo import seed_demo
    from assoc.models import Unit

    from .test_pdf_documents import _as_admin, _documents

    seed_demo()
    db.session.commit()
    ward = db.session.scalar(select(Unit).where(Unit.code == "HCM-Q4-KH"))
    _as_admin(db, client)
    for name, response in _documents(db, client, ward).items():
        for n, text in enumerate(page_texts(response.data), start=1):
            body = re.sub(r"Trang \d+(/\d+)?", "", text)
            lines = [line for line in body.splitlines() if line.strip()]
            assert len(lines) > 2, (name, n, text)
