"""Cash and bank apart, both never below zero (issue 28): transfers are checked against the
bank balance, cash against cash; deposit and withdrawal pairs move money between them within a
fund (link_type "cash_move", voided only together); negative balances are listed, not changed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from assoc.models import AuditEntry, Voucher
from assoc.services import DomainError, cash_moves, treasury

from .builders import build_user, build_voucher

M = 1_000_000


@pytest.fixture
def fund_with_money(tree, db):
    """100.000.000 đ cash on hand and 39.500.000 đ in the bank."""
    build_voucher(tree.ward_a, "receipt", 100 * M, method="cash")
    build_voucher(tree.ward_a, "receipt", 39_500_000, method="transfer")
    return treasury.general_fund(tree.ward_a)


def test_a_transfer_is_checked_against_the_bank_balance(tree, db, fund_with_money):
    with pytest.raises(DomainError) as e:
        treasury.issue_voucher(None, tree.ward_a, kind="payment", amount=100 * M,
                               party_name="Công ty A", reason="Chi", method="transfer")
    assert "tiền gửi ngân hàng" in str(e.value) and "39.500.000 đ" in str(e.value)
    db.session.rollback()
    ok = treasury.issue_voucher(None, tree.ward_a, kind="payment", amount=39_500_000,
                                party_name="Công ty A", reason="Chi", method="transfer")
    assert ok.method == "transfer"
    # The chair's logged override stays.
    over = treasury.issue_voucher(None, tree.ward_a, kind="payment", amount=1_000,
                                  party_name="Công ty A", reason="Chi", method="transfer",
                                  allow_overdraw=True)
    assert db.session.scalar(select(AuditEntry.data).where(
        AuditEntry.action == "voucher.issue", AuditEntry.object_id == over.id))[
        "overdraw_allowed"] is True


def test_voiding_a_bank_receipt_whose_money_was_transferred_out_is_refused(tree, db,
                                                                          fund_with_money):
    receipt = db.session.scalar(select(Voucher).where(Voucher.method == "transfer"))
    treasury.issue_voucher(None, tree.ward_a, kind="payment", amount=30 * M,
                           party_name="Công ty A", reason="Chi", method="transfer")
    with pytest.raises(DomainError):
        treasury.void_voucher(None, receipt, "Ghi nhầm")


def test_a_deposit_pair_moves_cash_into_the_bank(tree, db, fund_with_money):
    fund = fund_with_money
    pair = cash_moves.move(None, tree.ward_a, direction="deposit", amount=60_500_000)
    db.session.commit()
    out, into = pair.payment, pair.receipt
    assert (out.kind, out.method, into.kind, into.method) == (
        "payment", "cash", "receipt", "transfer")
    assert out.link_type == into.link_type == "cash_move"
    assert out.pair_id == into.id and into.pair_id == out.id
    assert out.fund_id == into.fund_id == fund.id and out.amount == into.amount
    assert treasury.method_balances([fund.id])[fund.id] == {"cash": 39_500_000,
                                                            "transfer": 100 * M}
    assert treasury.fund_balance(fund) == 139_500_000  # the fund as a whole is unchanged
    # Now the transfer of 100.000.000 đ is covered by the bank.
    treasury.issue_voucher(None, tree.ward_a, kind="payment", amount=100 * M,
                           party_name="Công ty A", reason="Chi", method="transfer")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "treasury.cash_move"))
    assert entry.data["direction"] == "deposit" and entry.data["amount"] == 60_500_000
    # The cash book shows the payment half, the bank book the receipt half.
    day = out.voucher_date
    cash = treasury.cash_book(fund, day, day, method="cash")
    bank = treasury.cash_book(fund, day, day, method="transfer")
    assert [r.id for r in cash.rows if r.amount_out == 60_500_000] == [out.id]
    assert [r.id for r in bank.rows if r.amount_in == 60_500_000] == [into.id]
    assert cash.closing == 39_500_000 and bank.closing == 0


def test_a_move_cannot_take_cash_or_bank_below_zero_without_the_override(tree, db,
                                                                       fund_with_money):
    with pytest.raises(DomainError):
        cash_moves.move(None, tree.ward_a, direction="deposit", amount=100 * M + 1)
    db.session.rollback()
    with pytest.raises(DomainError):
        cash_moves.move(None, tree.ward_a, direction="withdraw", amount=39_500_001)
    db.session.rollback()
    pair = cash_moves.move(None, tree.ward_a, direction="withdraw", amount=39_500_001,
                           allow_overdraw=True)
    assert pair.receipt.method == "cash"


def test_the_two_halves_are_voided_together(tree, db, fund_with_money):
    pair = cash_moves.move(None, tree.ward_a, direction="withdraw", amount=20 * M)
    db.session.commit()
    treasury.void_voucher(None, pair.payment, "Nhập nhầm")
    db.session.commit()
    assert pair.payment.is_void and pair.receipt.is_void
    fund = fund_with_money
    assert treasury.method_balances([fund.id])[fund.id] == {"cash": 100 * M,
                                                            "transfer": 39_500_000}
    # A deposit whose bank money has been spent since cannot be undone half-way.
    deposit = cash_moves.move(None, tree.ward_a, direction="deposit", amount=60 * M)
    treasury.issue_voucher(None, tree.ward_a, kind="payment", amount=90 * M,
                           party_name="Công ty A", reason="Chi", method="transfer")
    db.session.commit()
    with pytest.raises(DomainError):
        treasury.void_voucher(None, deposit.payment, "Nhập nhầm")
    db.session.rollback()
    assert not deposit.payment.is_void and not deposit.receipt.is_void


def test_the_form_issues_the_pair_once(tree, db, client_as, fund_with_money):
    c = client_as("treasurer", at=tree.ward_a)
    page = c.get(f"/units/{tree.ward_a.id}/treasury/cash-move")
    assert page.status_code == 200 and "Nộp tiền mặt vào tài khoản" in page.get_data(as_text=True)
    data = {"token": "a" * 32, "direction": "deposit", "voucher_date": "", "amount": "60.500.000",
            "fund": str(fund_with_money.id), "person": "Trần Thị Quỹ", "reason": ""}
    from assoc.models import today

    data["voucher_date"] = today().strftime("%d/%m/%Y")
    r = c.post(f"/units/{tree.ward_a.id}/treasury/cash-move", data=data)
    assert r.status_code == 302
    again = c.post(f"/units/{tree.ward_a.id}/treasury/cash-move", data=data)
    assert again.status_code == 302
    assert db.session.scalar(select(func.count(Voucher.id)).where(
        Voucher.link_type == "cash_move")) == 2
    payment = db.session.scalar(select(Voucher).where(Voucher.link_type == "cash_move",
                                                      Voucher.kind == "payment"))
    assert payment.party_name == "Trần Thị Quỹ" and payment.reason == "Nộp tiền mặt vào tài khoản"
    shown = c.get(f"/vouchers/{payment.id}").get_data(as_text=True)
    assert 'data-testid="voucher-pair"' in shown
    assert "Nộp tiền mặt vào tài khoản" in shown and "deposit" not in shown  # no internal key
    too_much = {**data, "token": "b" * 32, "amount": "50.000.000"}
    refused = c.post(f"/units/{tree.ward_a.id}/treasury/cash-move", data=too_much)
    assert refused.status_code == 400
    viewer = client_as("viewer", at=tree.ward_a)
    assert viewer.get(f"/units/{tree.ward_a.id}/treasury/cash-move").status_code == 403
    assert viewer.post(f"/units/{tree.ward_a.id}/treasury/cash-move",
                       data={**data, "token": "c" * 32}).status_code == 403


def test_negative_balances_are_listed_not_changed(tree, db, client_as):
    from datetime import timedelta

    from assoc.models import today

    build_voucher(tree.ward_a, "receipt", 39_500_000, method="transfer",
                  voucher_date=today() - timedelta(days=2))
    chair = build_user("chair", tree.ward_a)
    build_voucher(tree.ward_a, "payment", 100 * M, method="transfer", actor=chair,
                  allow_overdraw=True, voucher_date=today() - timedelta(days=1))
    c = client_as("treasurer", at=tree.district_a)
    before = db.session.scalar(select(func.count(Voucher.id)))
    page = c.get(f"/units/{tree.district_a.id}/treasury/below-zero").get_data(as_text=True)
    assert page.count('data-testid="below-zero-row"') == 1
    assert "-60.500.000" in page.replace("−", "-") and tree.ward_a.name in page
    assert db.session.scalar(select(func.count(Voucher.id))) == before
    found = cash_moves.negative_balances(tree.district_a)
    assert [(n.method, n.balance, n.lowest) for n in found] == [
        ("transfer", -60_500_000, -60_500_000)]
    # A deposit of cash brings the bank back to zero; the list still names the day it was not.
    build_voucher(tree.ward_a, "receipt", 70 * M, method="cash")
    cash_moves.move(chair, tree.ward_a, direction="deposit", amount=60_500_000)
    db.session.commit()
    found = cash_moves.negative_balances(tree.district_a)
    assert [(n.balance, n.lowest) for n in found] == [(0, -60_500_000)]  # it was, on that day
    other = client_as("treasurer", at=tree.ward_b)
    assert "none-below-zero" in other.get(
        f"/units/{tree.ward_b.id}/treasury/below-zero").get_data(as_text=True)


def test_voiding_one_half_on_its_page_voids_the_move(tree, db, client_as, fund_with_money):
    pair = cash_moves.move(None, tree.ward_a, direction="deposit", amount=10 * M)
    db.session.commit()
    c = client_as("treasurer", at=tree.ward_a)
    r = c.post(f"/vouchers/{pair.receipt.id}/void", data={"reason": "Nộp nhầm"},
               follow_redirects=True)
    page = r.get_data(as_text=True)
    assert pair.payment.display_number in page and pair.receipt.display_number in page
    db.session.expire_all()
    assert db.session.get(Voucher, pair.payment.id).is_void
    assert db.session.get(Voucher, pair.receipt.id).is_void
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "voucher.void")) == 2
