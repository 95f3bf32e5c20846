"""Many issuers at once, each with its own database connection: numbers stay 1..N with no gap
and no duplicate, a repeated token yields one voucher, and payments never overdraw a fund.

Runs on both databases: PostgreSQL queues on the book's row lock, SQLite on its write lock
(WAL, busy timeout), because the first write statement of an issue is the UPDATE of the book."""

from __future__ import annotations

from sqlalchemy import func, select

from assoc.models import Fund, Unit, Voucher, VoucherBook
from assoc.services import treasury

from .builders import build_voucher, race

ISSUERS = 50


def test_concurrent_issuers_get_numbers_1_to_n(tree, db, racing_app):
    from assoc.extensions import db as sa

    unit_id = tree.ward_a.id

    def issue(i):
        unit = sa.session.get(Unit, unit_id)
        v = treasury.issue_voucher(None, unit, kind="receipt", amount=10_000 + i,
                                   party_name=f"Người nộp {i}", reason="Ủng hộ",
                                   token=f"race-{i}")
        return v.number

    results, errors = race(racing_app, ISSUERS, issue)
    assert errors == []
    assert sorted(results) == list(range(1, ISSUERS + 1))
    db.session.expire_all()
    numbers = db.session.scalars(select(Voucher.number).order_by(Voucher.number)).all()
    assert numbers == list(range(1, ISSUERS + 1))
    book = db.session.scalars(select(VoucherBook)).one()  # created once, under the race
    assert book.next_number == ISSUERS + 1
    assert db.session.scalar(select(func.count(Fund.id))) == 1
    total = sum(10_000 + i for i in range(ISSUERS))
    assert treasury.fund_balance(treasury.general_fund(tree.ward_a)) == total


def test_double_submit_under_race_yields_one_voucher(tree, db, racing_app):
    from assoc.extensions import db as sa

    unit_id = tree.ward_a.id
    build_voucher(tree.ward_a, amount=1)  # the book and fund exist: only the token races

    def issue(_i):
        unit = sa.session.get(Unit, unit_id)
        return treasury.issue_voucher(None, unit, kind="receipt", amount=250_000,
                                      party_name="Trần Thị Bé", reason="Hội phí",
                                      token="same-token").id

    results, errors = race(racing_app, 10, issue)
    # Each racer either got the first voucher back or lost on the UNIQUE token at commit.
    assert all("idempotency_token" in str(e) or "UNIQUE" in str(e).upper() for e in errors)
    db.session.expire_all()
    rows = db.session.scalars(select(Voucher).where(Voucher.idempotency_token == "same-token"))
    ids = [v.id for v in rows]
    assert len(ids) == 1
    assert {r for r in results if r is not None} == set(ids)
    assert db.session.scalars(select(Voucher.number).order_by(Voucher.number)).all() == [1, 2]


def test_concurrent_payments_never_overdraw(tree, db, racing_app):
    from assoc.extensions import db as sa

    unit_id = tree.ward_a.id
    build_voucher(tree.ward_a, amount=1_000_000)

    def pay(i):
        unit = sa.session.get(Unit, unit_id)
        return treasury.issue_voucher(None, unit, kind="payment", amount=100_000,
                                      party_name=f"Học sinh {i}", reason="Học bổng").number

    results, errors = race(racing_app, 25, pay)
    assert len(errors) == 15 and all(getattr(e, "field", None) == "amount" for e in errors)
    assert sorted(r for r in results if r is not None) == list(range(1, 11))
    db.session.expire_all()
    assert treasury.fund_balance(treasury.general_fund(tree.ward_a)) == 0
