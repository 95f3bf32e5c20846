"""Treasury pages: who may see and do what, forms with bad input, double submit, PDFs, the public
verification page, cash book exports."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from assoc.models import AuditEntry, Fund, Voucher, today
from assoc.services import treasury

from .builders import build_voucher

ROLES = ["viewer", "clerk", "treasurer", "approver", "chair"]
WHERE = ["own", "child", "parent", "sibling", "unrelated"]
WRITERS = {"treasurer", "chair"}


def _count(db):
    return db.session.scalar(select(func.count(Voucher.id)))


def _pdf_text(data: bytes) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(["pdftotext", "-raw", "-", "-"], input=data, capture_output=True,
                         check=True)
    return out.stdout.decode()


# ---------------------------------------------------------------------------------------------
# Permission matrix: a role held at ward_a, an object at a unit in some relation to ward_a
# ---------------------------------------------------------------------------------------------


def permission_table():
    rows = []
    for role in ROLES:
        for where in WHERE:
            sees = where in ("own", "child")
            for page in ("unit_index", "voucher", "voucher_pdf", "cash_book", "cash_book_pdf",
                         "cash_book_xlsx"):
                rows.append((role, where, page, sees))
            # Money is written only in the unit's own books (permissions.OWN_UNIT_ACTIONS).
            for page in ("issue", "void", "print", "batch_print"):
                rows.append((role, where, page, role in WRITERS and where == "own"))
            rows.append((role, where, "settings", role == "chair" and where in ("own", "child")))
    return rows


def _request(c, page, unit, voucher):
    fund = voucher.fund
    return {
        "unit_index": lambda: c.get(f"/units/{unit.id}/treasury"),
        "voucher": lambda: c.get(f"/vouchers/{voucher.id}"),
        "voucher_pdf": lambda: c.get(f"/vouchers/{voucher.id}/pdf"),
        "cash_book": lambda: c.get(f"/funds/{fund.id}/cashbook"),
        "cash_book_pdf": lambda: c.get(f"/funds/{fund.id}/cashbook?format=pdf"),
        "cash_book_xlsx": lambda: c.get(f"/funds/{fund.id}/cashbook?format=xlsx"),
        "issue": lambda: c.get(f"/units/{unit.id}/vouchers/new/receipt"),
        "void": lambda: c.post(f"/vouchers/{voucher.id}/void", data={"reason": "Ghi sai"}),
        "print": lambda: c.post(f"/vouchers/{voucher.id}/print", data={"copies": "2"}),
        "batch_print": lambda: c.post(f"/treasury/vouchers/print?unit={unit.id}",
                                      data={"confirm": "1"}),
        "settings": lambda: c.get(f"/units/{unit.id}/treasury/settings"),
    }[page]()


@pytest.mark.parametrize("role, where, page, allowed", permission_table())
def test_permission_matrix(tree, client_as, db, role, where, page, allowed):
    unit = tree.relative(where)
    voucher = build_voucher(unit, amount=120_000)
    c = client_as(role, at=tree.ward_a)
    response = _request(c, page, unit, voucher)
    if page == "batch_print":  # prints only what the user may issue: nothing, or the voucher
        # ?unit= of a unit the user does not see is refused (a query id is loaded, not used bare)
        seen = where in ("own", "child")
        assert response.status_code in ((200, 302) if seen else (403,)), response.status_code
        db.session.expire_all()
        assert db.session.get(Voucher, voucher.id).print_count == (1 if allowed else 0)
    elif allowed:
        assert response.status_code in (200, 302), response.status_code
    else:
        assert response.status_code == 403
        assert db.session.get(Voucher, voucher.id).status == "valid"
        assert db.session.get(Voucher, voucher.id).print_count == 0


def test_admin_may_write_anywhere_below(tree, client_as):
    v = build_voucher(tree.branch_a)
    c = client_as("admin", at=tree.city)
    assert c.get(f"/units/{tree.branch_a.id}/vouchers/new/payment").status_code == 200
    assert c.post(f"/vouchers/{v.id}/void", data={"reason": "Sai"}).status_code == 302


def test_anonymous_is_sent_to_login(tree, client):
    v = build_voucher(tree.ward_a)
    for url in (f"/units/{tree.ward_a.id}/treasury", f"/vouchers/{v.id}", f"/vouchers/{v.id}/pdf",
                "/treasury/", "/treasury/vouchers"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_district_treasurer_sees_every_unit_below_read_only(tree, client_as):
    a = build_voucher(tree.ward_a, amount=111_000, party_name="Người ở phường A")
    b = build_voucher(tree.ward_b, amount=220_000, party_name="Người ở phường B")
    build_voucher(tree.ward_c, amount=333_000, party_name="Người ở phường C")
    c = client_as("treasurer", at=tree.district_a)
    listing = c.get("/treasury/vouchers").get_data(as_text=True)
    assert "Người ở phường A" in listing and "Người ở phường B" in listing
    assert "Người ở phường C" not in listing
    overview = c.get("/treasury/").get_data(as_text=True)
    assert "111.000 đ" in overview and "220.000 đ" in overview and "333.000 đ" not in overview
    assert c.get(f"/vouchers/{a.id}").status_code == 200
    assert c.get(f"/units/{tree.ward_b.id}/vouchers/new/receipt").status_code == 403
    assert c.post(f"/vouchers/{b.id}/void", data={"reason": "x"}).status_code == 403
    # ...but writes in the district's own books
    assert c.get(f"/units/{tree.district_a.id}/vouchers/new/receipt").status_code == 200


def test_unit_filter_is_a_list_while_units_are_few_and_a_search_beyond(tree, client_as,
                                                                       monkeypatch):
    from assoc.blueprints.treasury import views

    build_voucher(tree.ward_a, party_name="Người ở phường A")
    build_voucher(tree.ward_b, party_name="Người ở phường B")
    build_voucher(tree.ward_c, party_name="Người ở phường C")
    c = client_as("treasurer", at=tree.district_a)
    few = c.get("/treasury/vouchers").get_data(as_text=True)
    assert 'id="f-unit"' in few and tree.ward_b.name in few.split('id="f-unit"')[1]
    monkeypatch.setattr(views, "UNIT_CHOICES", 2)
    many = c.get("/treasury/vouchers").get_data(as_text=True)
    assert 'id="f-unit"' not in many and 'data-testid="unit-search"' in many
    by_name = c.get("/treasury/vouchers", query_string={"unit_q": tree.ward_b.name.upper()})
    found = by_name.get_data(as_text=True).split('data-testid="voucher-table"')[1]
    assert "Người ở phường B" in found and "Người ở phường A" not in found
    by_code = c.get("/treasury/vouchers", query_string={"unit_q": tree.ward_a.code.lower()})
    found = by_code.get_data(as_text=True).split('data-testid="voucher-table"')[1]
    assert "Người ở phường A" in found and "Người ở phường B" not in found
    # Nothing outside the treasurer's reach, whatever the name typed.
    outside = c.get("/treasury/vouchers", query_string={"unit_q": tree.ward_c.name})
    assert "Người ở phường C" not in outside.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------
# Issuing through the form
# ---------------------------------------------------------------------------------------------


def _form(unit, **changes):
    data = {
        "token": "tok-form-1",
        "voucher_date": today().isoformat(),
        "party_name": "Nguyễn Văn An",
        "party_address": "12 Hoàng Diệu, Phường Khánh Hội",
        "reason": "Ủng hộ quỹ khuyến học",
        "amount": "1.250.000",
        "method": "cash",
        "fund": str(treasury.general_fund(unit).id),
        "attachments": "2",
        "link": "",
    }
    data.update(changes)
    return data


def test_treasurer_issues_a_receipt(tree, client_as, db):
    c = client_as("treasurer", at=tree.ward_a)
    page = c.get(f"/units/{tree.ward_a.id}/vouchers/new/receipt")
    assert page.status_code == 200
    assert 'name="token"' in page.get_data(as_text=True)
    response = c.post(f"/units/{tree.ward_a.id}/vouchers/new/receipt", data=_form(tree.ward_a))
    assert response.status_code == 302
    v = db.session.scalars(select(Voucher)).one()
    assert response.headers["Location"].endswith(f"/vouchers/{v.id}")
    assert (v.amount, v.kind, v.number, v.attachments, v.created_by_id) == (
        1_250_000, "receipt", 1, 2, c.user.id)
    shown = c.get(f"/vouchers/{v.id}").get_data(as_text=True)
    assert "1.250.000 đ" in shown and f"PT-{today().year}/0001" in shown


@pytest.mark.parametrize("typed, amount", [("1250000", 1_250_000), ("1.250.000", 1_250_000),
                                           ("1 250 000 đ", 1_250_000), ("5000", 5_000)])
def test_amount_can_be_typed_with_or_without_dots(tree, client_as, db, typed, amount):
    c = client_as("treasurer", at=tree.ward_a)
    r = c.post(f"/units/{tree.ward_a.id}/vouchers/new/receipt",
               data=_form(tree.ward_a, amount=typed))
    assert r.status_code == 302
    assert db.session.scalars(select(Voucher.amount)).one() == amount


@pytest.mark.parametrize("changes, field, message", [
    ({"amount": "0"}, "amount", "từ 1 đ"),
    ({"amount": "-5000"}, "amount", "đồng nguyên"),
    ({"amount": "abc"}, "amount", "đồng nguyên"),
    ({"amount": "12,5"}, "amount", "đồng nguyên"),
    ({"amount": "1000000000001"}, "amount", "từ 1 đ"),
    ({"amount": ""}, "amount", "nhập số tiền"),
    ({"party_name": "  "}, "party_name", "bắt buộc"),
    ({"reason": ""}, "reason", "bắt buộc"),
    ({"voucher_date": (today() + timedelta(days=2)).isoformat()}, "voucher_date", "tương lai"),
    # a date error names the dates allowed, never "required" for a badly typed date
    ({"voucher_date": "31/02/2026"}, "voucher_date", "không phải là một ngày có thật"),
    ({"voucher_date": "ngày mai"}, "voucher_date", "ngày/tháng/năm"),
    ({"voucher_date": "01/01/2019"}, "voucher_date",
     f"hãy ghi ngày từ 01/01/2020 đến {today():%d/%m/%Y}"),
    ({"attachments": "-1"}, "attachments", "từ 0 đến 999"),
    ({"link": "event:999999"}, "link", "chính đơn vị"),
    ({"link": "dues:x"}, "link", "danh sách"),
])
def test_bad_input_is_a_field_error_and_writes_nothing(tree, client_as, db, changes, field,
                                                        message):
    c = client_as("treasurer", at=tree.ward_a)
    r = c.post(f"/units/{tree.ward_a.id}/vouchers/new/receipt", data=_form(tree.ward_a, **changes))
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    tag = re.search(rf'<(input|textarea|select)[^>]*\bid="{field}"[^>]*>', html)
    assert "is-invalid" in tag.group(0), tag.group(0)
    assert message in html
    # what was typed is kept
    assert "Ủng hộ quỹ khuyến học" in html or changes.get("reason") == ""
    assert _count(db) == 0


def test_closed_year_is_a_clear_error(tree, client_as, db):
    treasury.update_settings(None, tree.ward_a, books_closed_through=today() - timedelta(days=5))
    db.session.commit()
    c = client_as("treasurer", at=tree.ward_a)
    r = c.post(f"/units/{tree.ward_a.id}/vouchers/new/receipt",
               data=_form(tree.ward_a, voucher_date=(today() - timedelta(days=6)).isoformat()))
    assert r.status_code == 400
    assert "khóa sổ" in r.get_data(as_text=True)
    assert _count(db) == 0


def test_double_submit_yields_one_voucher_and_shows_it(tree, client_as, db):
    c = client_as("treasurer", at=tree.ward_a)
    url = f"/units/{tree.ward_a.id}/vouchers/new/receipt"
    first = c.post(url, data=_form(tree.ward_a))
    second = c.post(url, data=_form(tree.ward_a))
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(db) == 1
    shown = c.get(second.headers["Location"]).get_data(as_text=True)
    assert "đã được gửi" in shown
    # a new form (new token) issues a new voucher
    assert c.post(url, data=_form(tree.ward_a, token="tok-form-2")).status_code == 302
    assert _count(db) == 2


def test_overdraw_needs_the_chair(tree, client_as, db):
    build_voucher(tree.ward_a, amount=100_000)
    url = f"/units/{tree.ward_a.id}/vouchers/new/payment"
    treasurer = client_as("treasurer", at=tree.ward_a)
    assert "allow_overdraw" not in treasurer.get(url).get_data(as_text=True)
    r = treasurer.post(url, data=_form(tree.ward_a, amount="150.000", allow_overdraw="y"))
    assert r.status_code == 400 and "bị âm" in r.get_data(as_text=True)
    chair = client_as("chair", at=tree.ward_a)
    assert "allow_overdraw" in chair.get(url).get_data(as_text=True)
    r = chair.post(url, data=_form(tree.ward_a, amount="150.000", token="t2"))
    assert r.status_code == 400
    r = chair.post(url, data=_form(tree.ward_a, amount="150.000", token="t3", allow_overdraw="y"))
    assert r.status_code == 302
    assert treasury.fund_balance(treasury.general_fund(tree.ward_a)) == -50_000


# ---------------------------------------------------------------------------------------------
# Void, print, reprint, verify
# ---------------------------------------------------------------------------------------------


def test_void_through_the_page(tree, client_as, db):
    v = build_voucher(tree.ward_a, amount=300_000)
    c = client_as("treasurer", at=tree.ward_a)
    r = c.post(f"/vouchers/{v.id}/void", data={"reason": ""})
    assert r.status_code == 400
    assert db.session.get(Voucher, v.id).status == "valid"
    r = c.post(f"/vouchers/{v.id}/void", data={"reason": "Ghi sai số tiền"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Voucher, v.id).void_reason == "Ghi sai số tiền"
    page = c.get(f"/vouchers/{v.id}").get_data(as_text=True)
    assert "text-decoration-line-through" in page and "ĐÃ HỦY" in page
    assert "Ghi sai số tiền" in page
    again = c.post(f"/vouchers/{v.id}/void", data={"reason": "Lần nữa"})
    assert again.status_code == 400 and "đã bị hủy" in again.get_data(as_text=True)
    listing = c.get(f"/units/{tree.ward_a.id}/treasury").get_data(as_text=True)
    assert "text-decoration-line-through" in listing
    assert "0 đ" in listing  # the void receipt left the balance


def test_pdf_first_print_then_copies(tree, client_as, db):
    treasury.update_settings(None, tree.ward_a, head_name="Nguyễn Thị Thu")
    v = build_voucher(tree.ward_a, amount=1_050_000, party_name="Lê Văn Sáu", attachments=3)
    c = client_as("treasurer", at=tree.ward_a)
    preview = c.get(f"/vouchers/{v.id}/pdf")
    assert preview.status_code == 200 and preview.mimetype == "application/pdf"
    assert "XEM TRƯỚC" in _pdf_text(preview.data)
    db.session.expire_all()
    assert db.session.get(Voucher, v.id).print_count == 0  # a preview spends nothing
    first = c.post(f"/vouchers/{v.id}/print", data={"copies": "2"})
    assert first.status_code == 200 and first.data.startswith(b"%PDF")
    text = _pdf_text(first.data)
    assert "Liên 1" in text and "Liên 2" in text and "XEM TRƯỚC" not in text
    for expected in ("PHIẾU THU", "Mẫu số 01-TT", f"PT-{today().year}", "1.050.000 đ",
                     "Một triệu không trăm năm mươi nghìn đồng", "Lê Văn Sáu",
                     "Kèm theo: 3 chứng từ gốc", "Đã nhận đủ số tiền (viết bằng chữ)",
                     "Người nộp tiền", "Thủ quỹ", "Người lập phiếu", "Nguyễn Thị Thu",
                     f"/verify/{v.public_token}",
                     f"Ngày {today().day:02d} tháng {today().month:02d} năm {today().year}"):
        assert expected in text, expected
    assert "BẢN SAO" not in text  # the original: no stamp on either liên
    second = _pdf_text(c.post(f"/vouchers/{v.id}/print").data)
    assert "BẢN SAO" in second and "In lần 2" in second
    assert "BẢN SAO" in _pdf_text(c.get(f"/vouchers/{v.id}/pdf").data)
    db.session.expire_all()
    assert db.session.get(Voucher, v.id).print_count == 2
    prints = db.session.scalars(select(AuditEntry.data).where(
        AuditEntry.action == "voucher.print", AuditEntry.object_id == v.id)
        .order_by(AuditEntry.id)).all()
    assert [p["copy"] for p in prints] == [False, True]


def test_void_pdf_is_stamped_and_two_copies_fit_one_page(tree, client_as):
    v = build_voucher(tree.ward_a, "receipt", 500_000)
    treasury.void_voucher(None, v, "Sai tên")
    from assoc.extensions import db

    db.session.commit()
    c = client_as("treasurer", at=tree.ward_a)
    data = c.get(f"/vouchers/{v.id}/pdf?copies=2").data
    text = _pdf_text(data)
    assert "ĐÃ HỦY" in text and "Liên 1" in text and "Liên 2" in text
    assert len(re.findall(rb"/Type /Page[^s]", data)) == 1  # both copies on one A4 page


def test_payment_pdf_uses_the_payment_form(tree, client_as):
    build_voucher(tree.ward_a, amount=900_000)
    treasury.update_settings(None, tree.ward_a, form_series="bb", word_style="regional",
                             chan=True)
    from assoc.extensions import db

    db.session.commit()
    v = build_voucher(tree.ward_a, "payment", 105_000, party_name="Phạm Thị Mai")
    c = client_as("treasurer", at=tree.ward_a)
    text = _pdf_text(c.get(f"/vouchers/{v.id}/pdf").data)
    assert "PHIẾU CHI" in text and "C41-BB" in text and "Người nhận tiền" in text
    assert "Thủ trưởng đơn vị" in text and "Kế toán trưởng" in text
    assert "Một trăm lẻ năm ngàn đồng chẵn" in text


def test_batch_print_of_a_day(tree, client_as, db):
    day = today() - timedelta(days=3)
    for i in range(3):
        build_voucher(tree.ward_a, amount=100_000 * (i + 1), voucher_date=day)
    build_voucher(tree.ward_a, amount=999_000)
    c = client_as("treasurer", at=tree.ward_a)
    q = f"date_from={day.isoformat()}&date_to={day.isoformat()}"
    r = c.get(f"/treasury/vouchers.pdf?{q}")
    assert r.status_code == 200
    text = _pdf_text(r.data)
    assert text.count("PHIẾU THU") == 3 and text.count("XEM TRƯỚC") == 3
    assert "999.000" not in text
    db.session.expire_all()
    assert sorted(db.session.scalars(select(Voucher.print_count))) == [0, 0, 0, 0]
    unconfirmed = c.post(f"/treasury/vouchers/print?{q}", data={"copies": "1"})
    assert unconfirmed.status_code == 302
    r = c.post(f"/treasury/vouchers/print?{q}", data={"copies": "1", "confirm": "1"})
    assert r.status_code == 200 and "XEM TRƯỚC" not in _pdf_text(r.data)
    db.session.expire_all()
    assert sorted(db.session.scalars(select(Voucher.print_count))) == [0, 1, 1, 1]
    empty = c.get("/treasury/vouchers.pdf?q=khongcoai")
    assert empty.status_code == 302


def test_verify_page_is_public_and_shows_only_the_basics(tree, client, client_as, db):
    v = build_voucher(tree.ward_a, amount=1_250_000, party_name="Bí Mật Người Nộp",
                      reason="Lý do riêng tư")
    page = client.get(f"/verify/{v.public_token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "HỢP LỆ" in html and "1.250.000 đ" in html and tree.ward_a.name in html
    # The number as the voucher prints it ("PT-2026/0001"), not "PT-2026 / 1".
    assert f'data-testid="verify-number">PT-{today().year}/0001<' in html
    preview = client_as("treasurer", at=tree.ward_a).get(f"/vouchers/{v.id}/pdf")
    assert f"PT-{today().year}/0001" in _pdf_text(preview.data)
    assert "Bí Mật Người Nộp" not in html and "Lý do riêng tư" not in html
    treasury.void_voucher(None, v, "Sai")
    db.session.commit()
    assert "ĐÃ HỦY" in client.get(f"/verify/{v.public_token}").get_data(as_text=True)


def test_verify_unknown_token_is_404_revealing_nothing(tree, client):
    build_voucher(tree.ward_a, amount=1_250_000)
    r = client.get("/verify/not-a-real-token")
    assert r.status_code == 404
    html = r.get_data(as_text=True)
    assert "1.250.000" not in html and tree.ward_a.name not in html


# ---------------------------------------------------------------------------------------------
# Cash book, funds, settings
# ---------------------------------------------------------------------------------------------


def test_cash_book_on_screen_and_as_excel(tree, client_as, db):
    start = today() - timedelta(days=30)
    build_voucher(tree.ward_a, amount=2_000_000, voucher_date=start - timedelta(days=1))
    build_voucher(tree.ward_a, amount=500_000, voucher_date=start + timedelta(days=1))
    build_voucher(tree.ward_a, "payment", 300_000, voucher_date=start + timedelta(days=2))
    fund = treasury.general_fund(tree.ward_a)
    c = client_as("viewer", at=tree.ward_a)
    q = f"date_from={start.isoformat()}&date_to={today().isoformat()}"
    html = c.get(f"/funds/{fund.id}/cashbook?{q}").get_data(as_text=True)
    assert 'data-testid="opening">2.000.000' in html
    assert 'data-testid="closing">2.200.000' in html
    assert 'data-testid="total-in">500.000' in html and 'data-testid="total-out">300.000' in html
    r = c.get(f"/funds/{fund.id}/cashbook?{q}&format=xlsx")
    assert r.status_code == 200
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(r.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[4][4] == "Số dư đầu kỳ" and rows[4][7] == 2_000_000
    closing = next(i for i, row in enumerate(rows) if row[4] == "Số dư cuối kỳ")
    assert rows[closing][7] == 2_200_000
    assert rows[closing - 1][5:7] == (500_000, 300_000)
    assert any(row[6] and str(row[6]).startswith("Ngày") for row in rows[closing:])
    pdf = c.get(f"/funds/{fund.id}/cashbook?{q}&format=pdf")
    text = _pdf_text(pdf.data)
    assert "SỔ QUỸ TIỀN MẶT" in text and "2.200.000" in text and "Số dư đầu kỳ" in text


def test_create_fund_and_bad_fund(tree, client_as, db):
    c = client_as("treasurer", at=tree.ward_a)
    r = c.post(f"/units/{tree.ward_a.id}/funds",
               data={"fund-code": "HB-NP", "fund-name": "Quỹ học bổng Nguyễn Phước",
                     "fund-sponsor": "Dòng họ Nguyễn Phước"})
    assert r.status_code == 302
    again = c.post(f"/units/{tree.ward_a.id}/funds",
                   data={"fund-code": "hb-np", "fund-name": "Trùng"})
    assert again.status_code == 400 and "mã này" in again.get_data(as_text=True)
    page = c.get(f"/units/{tree.ward_a.id}/treasury").get_data(as_text=True)
    assert "Quỹ học bổng Nguyễn Phước" in page and "Quỹ khuyến học" in page


def test_chair_closes_the_books(tree, client_as, db):
    c = client_as("chair", at=tree.ward_a)
    closed = (today() - timedelta(days=60)).isoformat()
    r = c.post(f"/units/{tree.ward_a.id}/treasury/settings",
               data={"form_series": "tt", "word_style": "standard", "head_name": "Nguyễn Thị Thu",
                     "books_closed_through": closed})
    assert r.status_code == 302
    assert treasury.settings_for(tree.ward_a).books_closed_through.isoformat() == closed
    future = (today() + timedelta(days=1)).isoformat()
    r = c.post(f"/units/{tree.ward_a.id}/treasury/settings",
               data={"form_series": "tt", "word_style": "standard",
                     "books_closed_through": future})
    assert r.status_code == 400


def test_cash_book_xlsx_sums_to_its_totals_and_books_are_titled(tree, client_as, db):
    start = today() - timedelta(days=10)
    build_voucher(tree.ward_a, amount=900_000, voucher_date=start)
    wrong = build_voucher(tree.ward_a, amount=70_000, voucher_date=start)
    treasury.void_voucher(None, wrong, "Ghi sai số tiền")
    build_voucher(tree.ward_a, amount=2_000_000, method="transfer", voucher_date=start)
    build_voucher(tree.ward_a, "payment", 300_000, voucher_date=start + timedelta(days=1))
    db.session.commit()
    fund = treasury.general_fund(tree.ward_a)
    c = client_as("viewer", at=tree.ward_a)
    q = f"date_from={start.isoformat()}&date_to={today().isoformat()}"
    from openpyxl import load_workbook

    for method, title, total_in in (("cash", "SỔ QUỸ TIỀN MẶT", 900_000),
                                    ("transfer", "SỔ TIỀN GỬI NGÂN HÀNG", 2_000_000),
                                    ("all", "SỔ THU, CHI QUỸ", 2_900_000)):
        r = c.get(f"/funds/{fund.id}/cashbook?{q}&method={method}&format=xlsx")
        rows = list(load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True))
        assert rows[1][0].startswith(title)
        body = rows[5:next(i for i, row in enumerate(rows) if row[4] == "Cộng phát sinh trong kỳ")]
        totals = next(row for row in rows if row[4] == "Cộng phát sinh trong kỳ")
        assert sum(row[5] or 0 for row in body) == totals[5] == total_in
        assert sum(row[6] or 0 for row in body) == totals[6]
        pdf = _pdf_text(c.get(f"/funds/{fund.id}/cashbook?{q}&method={method}&format=pdf").data)
        assert title in pdf and "Ngày ..... tháng ..... năm" in pdf
    r = c.get(f"/funds/{fund.id}/cashbook?{q}&method=cash&format=xlsx")
    rows = list(load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True))
    void_row = next(row for row in rows if row[8] and "ĐÃ HỦY" in str(row[8]))
    assert void_row[5] is None and "70.000" in void_row[8]
    html = c.get(f"/units/{tree.ward_a.id}/treasury").get_data(as_text=True)
    assert 'data-testid="fund-cash">600.000 đ' in html
    assert 'data-testid="fund-bank">2.000.000 đ' in html


def test_the_first_voucher_opens_the_general_fund_in_its_post(tree, client_as, db):
    """The form's GET writes nothing (it used to create the fund uncommitted, which broke the
    first voucher on PostgreSQL); the POST's service opens the fund with the voucher."""
    c = client_as("treasurer", at=tree.ward_b)
    url = f"/units/{tree.ward_b.id}/vouchers/new/receipt"
    for page in (url, f"/units/{tree.ward_b.id}/treasury", "/treasury/"):
        assert c.get(page).status_code == 200
    assert db.session.scalar(select(func.count(Fund.id))) == 0
    r = c.post(url, data={**_form(tree.ward_a), "fund": "0"})
    assert r.status_code == 302
    fund = db.session.scalar(select(Fund).where(Fund.unit_id == tree.ward_b.id))
    assert fund.kind == "general" and db.session.scalar(select(Voucher.fund_id)) == fund.id


def test_voiding_a_spent_receipt_is_a_clear_error_and_writes_nothing(tree, client_as, db):
    receipt = build_voucher(tree.ward_a, "receipt", 300_000)
    build_voucher(tree.ward_a, "payment", 250_000)
    c = client_as("treasurer", at=tree.ward_a)
    r = c.post(f"/vouchers/{receipt.id}/void", data={"reason": "Ghi sai số tiền"})
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "tiền mặt tồn quỹ" in page and "bị âm" in page and "hủy các phiếu chi" in page
    db.session.expire_all()
    assert db.session.get(Voucher, receipt.id).status == "valid"
    fund = treasury.general_fund(tree.ward_a)
    assert treasury.method_balances([fund.id])[fund.id]["cash"] == 50_000
