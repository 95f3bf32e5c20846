"""A ward treasurer adds a bank account, imports the month's statement (six members'
dues in bank noise, two credits without a code, a fee), books it, imports it again: nothing is
booked twice. On its own copy of the demo (the receipts it books must not move other journeys'
figures)."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import expect
from sqlalchemy import func, select

from assoc.demo import DEMO_PASSWORD
from assoc.extensions import db
from assoc.models import DuesPayment, Member, Unit, Voucher, today
from assoc.services import members as member_svc

from .. import bank_samples
from .conftest import demo_app, serving


def _statement(app, path) -> int:
    """Write a Vietcombank statement for six unpaid members of Khánh Hội; their count."""
    with app.app_context():
        ward = db.session.scalar(select(Unit).where(Unit.code == "HCM-Q4-KH"))
        year = today().year
        members = [m for m in db.session.scalars(
            select(Member).where(Member.status == "active").order_by(Member.number))
            if member_svc.collecting_unit(m).id == ward.id
            and member_svc.dues_paid(m, year) is None
            and member_svc.dues_rate(m.unit, year)][:6]
        assert len(members) == 6
        rate = member_svc.dues_rate(members[0].unit, year)
        first = max(date(year, 1, 1), today() - timedelta(days=40))
        tx = bank_samples.shifted([m.number for m in members], year, first)
        tx = [(d, r, rate if i < 6 else a, t) for i, (d, r, a, t) in enumerate(tx)]
        path.write_bytes(bank_samples.vietcombank(tx))
        return len(members)


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count(Voucher.id)).where(Voucher.bank_ref != "")),
                db.session.scalar(select(func.count(DuesPayment.id))))


def test_treasurer_sets_up_the_account_and_imports_the_statement(page, tmp_path):
    app = demo_app(tmp_path / "bank.db")
    statement = tmp_path / "sao-ke-vietcombank.xlsx"
    _statement(app, statement)
    with serving(app) as url:
        page.goto(f"{url}/login")
        page.get_by_label("Tên đăng nhập").fill("thuquy.khanhhoi")
        page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url(f"{url}/home")
        page.get_by_test_id("my-unit").first.click()
        page.get_by_test_id("tab-treasury").click()
        page.get_by_test_id("bank-page").click()

        # The demo ward has its Vietcombank account; the treasurer adds the BIDV one.
        expect(page.get_by_test_id("bank-accounts")).to_contain_text("0071000123456")
        page.get_by_text("Thêm tài khoản ngân hàng").click()
        page.get_by_label("Ngân hàng", exact=True).select_option("970418")
        page.get_by_label("Số tài khoản").fill("1201 0000 123 456")
        page.get_by_label("Tên chủ tài khoản").fill("HOI KHUYEN HOC PHUONG KHANH HOI")
        page.get_by_test_id("save-account").click()
        expect(page.locator(".alert-success")).to_contain_text("12010000123456")
        expect(page.get_by_test_id("bank-accounts")).to_contain_text("BIDV")

        page.get_by_label("Tài khoản", exact=True).select_option(label="Vietcombank · 0071000123456")
        page.get_by_label("Sao kê ngân hàng (.xlsx, .xls hoặc .csv)").set_input_files(
            str(statement))
        page.get_by_test_id("upload-statement").click()
        expect(page.get_by_test_id("count-matched")).to_have_text("đã khớp: 6")
        expect(page.get_by_test_id("count-unmatched")).to_have_text("chưa khớp: 2")
        expect(page.get_by_test_id("count-debit")).to_have_text("tiền ra: 1")
        before = _counts(app)
        page.get_by_test_id("book").click()
        expect(page.locator(".alert-success")).to_contain_text("6 dòng, 6 phiếu")
        booked = _counts(app)
        assert booked[0] == before[0] + 6 and booked[1] == before[1] + 6

        # The same statement again: everything already imported, nothing booked.
        page.get_by_label("Tài khoản", exact=True).select_option(label="Vietcombank · 0071000123456")
        page.get_by_label("Sao kê ngân hàng (.xlsx, .xls hoặc .csv)").set_input_files(
            str(statement))
        page.get_by_test_id("upload-statement").click()
        expect(page.get_by_test_id("count-imported")).to_have_text("đã nhập trước: 6")
        expect(page.get_by_test_id("count-matched")).to_have_text("đã khớp: 0")
        page.get_by_test_id("book").click()
        expect(page.locator(".alert-success")).to_contain_text("0 dòng, 0 phiếu")
        assert _counts(app) == booked
        expect(page.get_by_test_id("bank-statements")).to_contain_text("sao-ke-vietcombank")
