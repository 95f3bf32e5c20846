"""Treasury services: numbers, funds and balances, void, idempotency, closed periods, cash book."""

from datetime import date, timedelta

import pytest
from sqlalchemy import inspect, select

from assoc.extensions import db as _db
from assoc.models import AuditEntry, Fund, Voucher, VoucherBook, today
from assoc.services import DomainError, treasury

from .builders import build_event, build_fund, build_user, build_voucher


def test_numbers_are_consecutive_per_book_and_kind(tree):
    numbers = [build_voucher(tree.ward_a).display_number for _ in range(3)]
    year = today().year
    assert numbers == [f"PT-{year}/0001", f"PT-{year}/0002", f"PT-{year}/0003"]
    pay = build_voucher(tree.ward_a, "payment", 100_000)
    assert pay.display_number == f"PC-{year}/0001"
    # another unit has its own books
    assert build_voucher(tree.ward_b).number == 1
    book = _db.session.get(VoucherBook, pay.book_id)
    assert (book.code, book.next_number) == (f"PC-{year}", 2)


def test_a_new_year_opens_a_new_book(tree):
    last_year = date(today().year - 1, 12, 30)
    old = build_voucher(tree.ward_a, voucher_date=last_year)
    new = build_voucher(tree.ward_a)
    assert old.book.code == f"PT-{last_year.year}" and old.number == 1
    assert new.book.code == f"PT-{today().year}" and new.number == 1


def test_unique_book_number_constraint_exists(db):
    uniques = inspect(db.engine).get_unique_constraints("voucher")
    assert any(set(u["column_names"]) == {"book_id", "number"} for u in uniques)
    assert any(set(u["column_names"]) == {"idempotency_token"} for u in uniques) or any(
        i["unique"] and i["column_names"] == ["idempotency_token"]
        for i in inspect(db.engine).get_indexes("voucher"))


def test_balance_is_receipts_minus_payments_without_void(tree, db):
    fund = treasury.general_fund(tree.ward_a)
    build_voucher(tree.ward_a, amount=1_250_000)
    build_voucher(tree.ward_a, amount=700_000)
    pay = build_voucher(tree.ward_a, "payment", 300_000)
    assert treasury.fund_balance(fund) == 1_650_000
    treasury.void_voucher(None, pay, "Nhầm người nhận")
    assert treasury.fund_balance(fund) == 1_950_000
    wrong = db.session.scalars(select(Voucher).where(Voucher.amount == 700_000)).one()
    treasury.void_voucher(None, wrong, "Ghi sai số tiền")
    db.session.commit()
    assert treasury.fund_balance(fund) == 1_250_000
    assert treasury.balances([fund.id]) == {fund.id: 1_250_000}


def test_balances_hold_for_every_fund_after_many_operations(tree, db):
    """Balance == sum(non-void receipts) - sum(non-void payments), per fund, always."""
    general = treasury.general_fund(tree.ward_a)
    earmarked = build_fund(tree.ward_a)
    funds = [general, earmarked]
    issued = []
    for i in range(30):
        fund = funds[i % 2]
        kind = "payment" if i % 3 == 2 else "receipt"
        v = build_voucher(tree.ward_a, kind, 10_000 * (i + 1), fund=fund, allow_overdraw=True)
        issued.append(v)
        if i % 7 == 0:
            treasury.void_voucher(None, v, "Hủy để kiểm tra")
        db.session.commit()
        for f in funds:
            expected = sum((x.amount if x.kind == "receipt" else -x.amount)
                           for x in issued if x.fund_id == f.id and not x.is_void)
            assert treasury.fund_balance(f) == expected
    assert treasury.balances([f.id for f in funds]) == {
        f.id: treasury.fund_balance(f) for f in funds}


def test_balance_as_of_a_day(tree):
    fund = treasury.general_fund(tree.ward_a)
    build_voucher(tree.ward_a, amount=100_000, voucher_date=today() - timedelta(days=10))
    build_voucher(tree.ward_a, amount=50_000)
    assert treasury.fund_balance(fund, as_of=today() - timedelta(days=1)) == 100_000
    assert treasury.fund_balance(fund) == 150_000


def test_payment_cannot_overdraw_unless_allowed(tree, db):
    build_voucher(tree.ward_a, amount=400_000)
    with pytest.raises(DomainError) as err:
        build_voucher(tree.ward_a, "payment", 400_001)
    assert err.value.field == "amount"
    db.session.rollback()
    assert db.session.scalar(select(Voucher.id).where(Voucher.kind == "payment")) is None
    ok = build_voucher(tree.ward_a, "payment", 400_000)
    assert ok.number == 1
    over = build_voucher(tree.ward_a, "payment", 50_000, allow_overdraw=True)
    assert over.number == 2
    assert treasury.fund_balance(treasury.general_fund(tree.ward_a)) == -50_000
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.object_id == over.id,
                                                        AuditEntry.action == "voucher.issue")).one()
    assert entry.data["overdraw_allowed"] is True


def test_refused_payment_leaves_no_gap(tree, db):
    build_voucher(tree.ward_a, amount=100_000)
    with pytest.raises(DomainError):
        build_voucher(tree.ward_a, "payment", 200_000)
    db.session.rollback()
    assert build_voucher(tree.ward_a, "payment", 100_000).number == 1


def test_same_token_returns_the_first_voucher(tree, db):
    first = build_voucher(tree.ward_a, amount=300_000, token="tok-1")
    again = build_voucher(tree.ward_a, amount=300_000, token="tok-1")
    assert again.id == first.id
    assert db.session.scalar(select(_count_vouchers())) == 1
    assert db.session.get(VoucherBook, first.book_id).next_number == 2


def _count_vouchers():
    from sqlalchemy import func

    return func.count(Voucher.id)


@pytest.mark.parametrize("amount", [0, -5, 10**12 + 1, "100", 1.5, True])
def test_bad_amounts_are_refused(tree, amount):
    with pytest.raises(DomainError) as err:
        build_voucher(tree.ward_a, amount=amount)
    assert err.value.field == "amount"


def test_largest_amount_is_accepted(tree):
    assert build_voucher(tree.ward_a, amount=10**12).amount == 10**12


@pytest.mark.parametrize("field, kw", [
    ("party_name", {"party_name": "   "}),
    ("reason", {"reason": ""}),
    ("method", {"method": "cheque"}),
    ("attachments", {"attachments": -1}),
    ("link", {"link_type": "lottery", "link_id": 1}),
    ("link", {"link_type": "dues"}),
    ("link", {"link_type": "event", "link_id": 10**9}),
    ("kind", {"kind": "transfer"}),
])
def test_bad_fields_are_refused(tree, db, field, kw):
    kind = kw.pop("kind", "receipt")
    with pytest.raises(DomainError) as err:
        build_voucher(tree.ward_a, kind, **kw)
    assert err.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(Voucher.id)) is None


def test_future_date_is_refused(tree):
    with pytest.raises(DomainError, match="tương lai") as err:
        build_voucher(tree.ward_a, voucher_date=today() + timedelta(days=1))
    assert err.value.field == "voucher_date"


def test_closed_period_refuses_issue_and_void(tree, db):
    old = build_voucher(tree.ward_a, voucher_date=today() - timedelta(days=40))
    chair = build_user("chair", tree.ward_a)
    treasury.update_settings(chair, tree.ward_a, books_closed_through=today() - timedelta(days=30))
    db.session.commit()
    with pytest.raises(DomainError, match="khóa sổ") as err:
        build_voucher(tree.ward_a, voucher_date=today() - timedelta(days=30))
    assert err.value.field == "voucher_date"
    with pytest.raises(DomainError, match="khóa sổ"):
        treasury.void_voucher(None, old, "Sai")
    assert build_voucher(tree.ward_a, voucher_date=today() - timedelta(days=29)).number == 2
    with pytest.raises(DomainError) as err:
        treasury.update_settings(chair, tree.ward_a, books_closed_through=today() + timedelta(1))
    assert err.value.field == "books_closed_through"


def test_void_keeps_number_and_is_audited(tree, db):
    v = build_voucher(tree.ward_a)
    actor = build_user("treasurer", tree.ward_a)
    treasury.void_voucher(actor, v, "  Ghi   sai tên người nộp ")
    db.session.commit()
    v = db.session.get(Voucher, v.id)
    assert (v.status, v.number, v.void_reason, v.voided_by_id) == (
        "void", 1, "Ghi sai tên người nộp", actor.id)
    assert v.voided_at is not None
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "voucher", AuditEntry.object_id == v.id)).all()
    assert sorted(actions) == ["voucher.issue", "voucher.void"]
    # the next voucher does not reuse the number
    assert build_voucher(tree.ward_a).number == 2


def test_void_twice_or_without_reason_is_refused(tree):
    v = build_voucher(tree.ward_a)
    with pytest.raises(DomainError, match="lý do") as err:
        treasury.void_voucher(None, v, "   ")
    assert err.value.field == "reason"
    treasury.void_voucher(None, v, "Sai số tiền")
    with pytest.raises(DomainError, match="đã bị hủy"):
        treasury.void_voucher(None, v, "Lần nữa")


def test_fund_of_another_unit_or_closed_fund_is_refused(tree, db):
    other = build_fund(tree.ward_b)
    with pytest.raises(DomainError) as err:
        build_voucher(tree.ward_a, fund=other)
    assert err.value.field == "fund"
    mine = build_fund(tree.ward_a, code="hb 2")
    assert mine.code == "HB-2"
    treasury.set_fund_active(None, mine, False)
    with pytest.raises(DomainError, match="đã đóng"):
        build_voucher(tree.ward_a, fund=mine)
    with pytest.raises(DomainError):
        treasury.set_fund_active(None, treasury.general_fund(tree.ward_a), False)


def test_general_fund_is_created_once(tree, db):
    a = treasury.general_fund(tree.ward_a)
    b = treasury.general_fund(tree.ward_a)
    db.session.commit()
    assert a.id == b.id and a.name == "Quỹ khuyến học" and a.kind == "general"
    assert db.session.scalar(select(_count_funds()).where(Fund.unit_id == tree.ward_a.id)) == 1
    with pytest.raises(DomainError) as err:
        treasury.create_fund(None, tree.ward_a, code="KH", name="Trùng mã")
    assert err.value.field == "code"


def _count_funds():
    from sqlalchemy import func

    return func.count(Fund.id)


def test_vouchers_for_a_link(tree):
    walk, day = build_event(tree.ward_a), build_event(tree.ward_a, title="Ngày hội đọc sách")
    a = build_voucher(tree.ward_a, "receipt", 200_000, link_type="event", link_id=walk.id)
    build_voucher(tree.ward_a, "receipt", 300_000, link_type="event", link_id=day.id)
    b = build_voucher(tree.ward_a, "receipt", 100_000, link_type="event", link_id=walk.id)
    assert [v.id for v in treasury.vouchers_for("event", walk.id)] == [a.id, b.id]
    assert treasury.vouchers_for("award", walk.id) == []


def test_a_voucher_links_only_to_its_own_units_records(tree, db):
    """Issue 19: a unit cannot attach its voucher to another unit's event (nor to one of its
    sub-units'); the link, by name, is in the voucher's audit data."""
    theirs = build_event(tree.ward_b, title="Đi bộ của phường B")
    child = build_event(tree.branch_a, title="Đi bộ của chi hội")
    for other in (theirs, child):
        with pytest.raises(DomainError) as err:
            build_voucher(tree.ward_a, "receipt", link_type="event", link_id=other.id)
        assert err.value.field == "link"
    db.session.rollback()
    ours = build_event(tree.ward_a, title="Đi bộ gây quỹ 2026")
    v = build_voucher(tree.ward_a, "receipt", link_type="event", link_id=ours.id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "voucher.issue",
                                                       AuditEntry.object_id == v.id))
    assert entry.data["link"] == {"type": "event", "id": ours.id, "name": "Đi bộ gây quỹ 2026"}


def test_print_count_and_copies(tree, db):
    v = build_voucher(tree.ward_a)
    assert treasury.record_print(None, [v]) == [False]
    assert treasury.record_print(None, [v]) == [True]
    db.session.commit()
    assert db.session.get(Voucher, v.id).print_count == 2


def test_public_token_is_unguessable_and_unique(tree):
    a, b = build_voucher(tree.ward_a), build_voucher(tree.ward_a)
    assert a.public_token != b.public_token and len(a.public_token) >= 22
    assert treasury.by_public_token(a.public_token).id == a.id
    assert treasury.by_public_token("nope") is None


def test_cash_book_running_balance(tree, db):
    d0 = today() - timedelta(days=20)
    fund = treasury.general_fund(tree.ward_a)
    build_voucher(tree.ward_a, amount=1_000_000, voucher_date=d0)  # before the period
    build_voucher(tree.ward_a, amount=500_000, voucher_date=d0 + timedelta(days=5))
    build_voucher(tree.ward_a, "payment", 200_000, voucher_date=d0 + timedelta(days=6))
    void = build_voucher(tree.ward_a, "payment", 999_000, voucher_date=d0 + timedelta(days=7))
    treasury.void_voucher(None, void, "Sai")
    build_voucher(tree.ward_a, amount=50_000, voucher_date=d0 + timedelta(days=8),
                  method="transfer")
    book = treasury.cash_book(fund, d0 + timedelta(days=1), today(), method="cash")
    assert book.opening == 1_000_000
    assert [(r.amount_in, r.amount_out, r.balance, r.void) for r in book.rows] == [
        (500_000, 0, 1_500_000, False), (0, 200_000, 1_300_000, False),
        (0, 999_000, 1_300_000, True)]
    assert (book.total_in, book.total_out, book.closing) == (500_000, 200_000, 1_300_000)
    everything = treasury.cash_book(fund, d0 + timedelta(days=1), today(), method=None)
    assert everything.closing == 1_350_000 == treasury.fund_balance(fund)
    with pytest.raises(DomainError):
        treasury.cash_book(fund, today(), today() - timedelta(days=1))


def test_text_is_cleaned_and_searchable(tree):
    v = build_voucher(tree.ward_a, party_name=" Nguye\u0302\u0303n  Thị   Á ", reason="Ủng hộ")
    assert v.party_name == "Nguyễn Thị Á"
    assert v.search_key == "nguyen thi a"


# ---------------------------------------------------------------------------------------------
# Cash and bank apart; numbers follow dates (issue 13)
# ---------------------------------------------------------------------------------------------


def test_a_cash_payment_cannot_spend_bank_money(tree, db):
    build_voucher(tree.ward_a, "receipt", 1_000_000, method="transfer")
    with pytest.raises(DomainError) as err:
        build_voucher(tree.ward_a, "payment", 400_000, method="cash")
    assert err.value.field == "amount" and "tiền mặt" in str(err.value)
    db.session.rollback()
    build_voucher(tree.ward_a, "payment", 400_000, method="transfer")
    fund = treasury.general_fund(tree.ward_a)
    assert treasury.method_balances([fund.id])[fund.id] == {"cash": 0, "transfer": 600_000}


def test_a_cash_payment_cannot_take_a_later_day_below_zero(tree, db):
    """Cash 500.000 received ten days ago, 400.000 paid five days ago: a payment dated seven
    days ago of 200.000 fits that day's cash but would leave the later day at -100.000."""
    t = today()
    build_voucher(tree.ward_a, "receipt", 500_000, voucher_date=t - timedelta(days=10))
    build_voucher(tree.ward_a, "payment", 400_000, voucher_date=t - timedelta(days=9))
    build_voucher(tree.ward_a, "receipt", 300_000, voucher_date=t - timedelta(days=8))
    # cash: 500k (d-10), 100k (d-9), 400k (d-8); a payment on d-9 may spend at most 100k
    with pytest.raises(DomainError):
        build_voucher(tree.ward_a, "payment", 150_000, voucher_date=t - timedelta(days=9))
    db.session.rollback()
    build_voucher(tree.ward_a, "payment", 100_000, voucher_date=t - timedelta(days=9))


def test_the_chairs_override_is_logged(tree, db):
    chair = build_user("chair", tree.ward_a)
    v = build_voucher(tree.ward_a, "payment", 50_000, actor=chair, allow_overdraw=True)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_id == v.id,
                                                       AuditEntry.action == "voucher.issue"))
    assert entry.data["overdraw_allowed"] is True and entry.user_id == chair.id


def test_a_voucher_cannot_be_dated_before_the_last_of_its_book(tree, db):
    t = today()
    build_voucher(tree.ward_a, "receipt", voucher_date=t - timedelta(days=2))
    with pytest.raises(DomainError) as err:
        build_voucher(tree.ward_a, "receipt", voucher_date=t - timedelta(days=3))
    assert err.value.field == "voucher_date"
    assert (t - timedelta(days=2)).strftime("%d/%m/%Y") in str(err.value)  # names the dates
    db.session.rollback()
    # the same day, and the other book (payments), are fine
    build_voucher(tree.ward_a, "receipt", voucher_date=t - timedelta(days=2))
    build_voucher(tree.ward_a, "payment", 1_000, voucher_date=t - timedelta(days=3),
                  allow_overdraw=True)


def test_a_receipt_whose_money_was_paid_out_cannot_be_voided(tree, db):
    """Voiding a cash receipt takes its money out of the cash book from its date on: once a
    cash payment has spent it, cash on hand would go below zero, so the void is refused (the
    correct receipt is issued first, or the payment is voided). A transfer receipt is checked
    against the fund as a transfer payment is."""
    t = today()
    receipt = build_voucher(tree.ward_a, "receipt", 500_000, voucher_date=t - timedelta(days=3))
    bank = build_voucher(tree.ward_a, "receipt", 200_000, method="transfer",
                         voucher_date=t - timedelta(days=3))
    payment = build_voucher(tree.ward_a, "payment", 400_000, voucher_date=t - timedelta(days=1))
    with pytest.raises(DomainError) as err:
        treasury.void_voucher(None, receipt, "Ghi sai")
    assert err.value.field == "reason" and "tiền mặt" in str(err.value)
    db.session.rollback()
    fund = treasury.general_fund(tree.ward_a)
    assert treasury.method_balances([fund.id])[fund.id] == {"cash": 100_000,
                                                            "transfer": 200_000}
    # the bank money is not spent in cash: its receipt may be voided
    treasury.void_voucher(None, bank, "Ghi sai")
    # the correct receipt first, then the wrong one goes
    build_voucher(tree.ward_a, "receipt", 450_000, voucher_date=t)
    with pytest.raises(DomainError):  # the payment (day −1) still needs it before today's
        treasury.void_voucher(None, _db.session.get(Voucher, receipt.id), "Ghi sai")
    db.session.rollback()
    treasury.void_voucher(None, _db.session.get(Voucher, payment.id), "Chi nhầm")
    treasury.void_voucher(None, _db.session.get(Voucher, receipt.id), "Ghi sai")
    db.session.commit()
    assert treasury.method_balances([fund.id])[fund.id] == {"cash": 450_000, "transfer": 0}
    book = treasury.cash_book(fund, t - timedelta(days=5), t, method="cash")
    assert min(r.balance for r in book.rows) >= 0
