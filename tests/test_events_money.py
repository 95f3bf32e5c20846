"""Money at events goes through the treasury: receipts for cash and transfers, aggregate
receipts for piggy banks, pledges fulfilled by receipts, totals that match the cash book."""

from datetime import date

import pytest
from sqlalchemy import func, select

from assoc.models import Donation, Voucher
from assoc.services import DomainError, treasury
from assoc.services import events as svc

from .builders import build_donor, build_event, build_fund, build_user, build_voucher


def test_cash_donation_issues_a_receipt_in_the_units_book(tree, db):
    treasurer = build_user("treasurer", tree.ward_a)
    build_voucher(tree.ward_a, amount=100_000)  # dues or anything else: PT-…/0001
    event = build_event(tree.ward_a)
    donor = build_donor(tree.ward_a, "Trần Văn Hùng", address="12 Bến Vân Đồn")
    donation = svc.record_donation(treasurer, tree.ward_a, method="cash", donor=donor,
                                   event=event, amount=2_000_000)
    db.session.commit()
    voucher = db.session.get(Voucher, donation.voucher_id)
    assert voucher.number == 2  # same numbering as every other receipt of the unit
    assert (voucher.amount, voucher.kind, voucher.method) == (2_000_000, "receipt", "cash")
    assert (voucher.link_type, voucher.link_id) == ("donation", donation.id)
    assert voucher.party_name == "Trần Văn Hùng" and voucher.party_address == "12 Bến Vân Đồn"
    assert event.title in voucher.reason
    assert donation.fund_id == treasury.general_fund(tree.ward_a).id
    assert treasury.vouchers_for("donation", donation.id) == [voucher]


def test_transfer_to_an_earmarked_fund_and_anonymous_cash(tree, db):
    fund = build_fund(tree.ward_a)
    t = svc.record_donation(None, tree.ward_a, method="transfer",
                            donor=build_donor(tree.ward_a, "Công ty Sao Việt"),
                            amount=10_000_000, fund=fund)
    a = svc.record_donation(None, tree.ward_a, method="cash", anonymous=True, amount=200_000)
    vt, va = db.session.get(Voucher, t.voucher_id), db.session.get(Voucher, a.voucher_id)
    assert (vt.fund_id, vt.method) == (fund.id, "transfer")
    assert treasury.fund_balance(fund) == 10_000_000
    assert va.party_name == "Nhà hảo tâm ẩn danh" and va.party_address == ""


def test_repeated_submission_returns_the_first_donation(tree, db):
    donor = build_donor(tree.ward_a)
    first = svc.record_donation(None, tree.ward_a, method="cash", donor=donor, amount=500_000,
                                token="tok-1")
    again = svc.record_donation(None, tree.ward_a, method="cash", donor=donor, amount=500_000,
                                token="tok-1")
    assert again.id == first.id
    assert db.session.scalar(select(func.count()).select_from(Donation)) == 1
    assert db.session.scalar(select(func.count()).select_from(Voucher)) == 1


@pytest.mark.parametrize("amount", [0, -1000, 10**13])
def test_bad_cash_amount(tree, db, amount):
    with pytest.raises(DomainError) as err:
        svc.record_donation(None, tree.ward_a, method="cash", anonymous=True, amount=amount)
    assert err.value.field == "amount"


def test_pledge_fulfilled_by_two_receipts(tree, db):
    donor = build_donor(tree.ward_a, "Công ty Cảng Sài Gòn", kind="organisation")
    event = build_event(tree.ward_a)
    pledge = svc.create_pledge(None, tree.ward_a, donor=donor, amount=30_000_000,
                               due_on=date(2026, 12, 31), event=event)
    first = svc.record_donation(None, tree.ward_a, method="transfer", amount=10_000_000,
                                pledge=pledge)
    assert (first.donor_id, first.event_id) == (donor.id, event.id)
    assert (pledge.status, pledge.outstanding) == ("open", 20_000_000)
    svc.record_donation(None, tree.ward_a, method="cash", amount=20_000_000, pledge=pledge)
    assert (pledge.status, pledge.received, pledge.outstanding) == ("fulfilled", 30_000_000, 0)
    receipts = [db.session.get(Voucher, d.voucher_id) for d in pledge.donations]
    assert [v.amount for v in receipts] == [10_000_000, 20_000_000]
    assert all(f"số {pledge.id}" in v.reason for v in receipts)
    with pytest.raises(DomainError) as err:
        svc.record_donation(None, tree.ward_a, method="cash", amount=1, pledge=pledge)
    assert err.value.field == "pledge_id"
    assert db.session.scalars(svc.open_pledges_query(tree.ward_a)).all() == []


def _festival(unit):
    event = build_event(unit, kind="piggy_bank", title="Ngày hội khui heo đất 2026")
    sheets = [
        svc.record_counting_sheet(None, event, group_name=f"Lớp {name}", counter_1="Lê Hoa",
                                  counter_2="Phạm Nam", counts=counts)
        for name, counts in (("6A1", {"n50000": 4, "n10000": 21, "c500": 10}),
                             ("6A2", {"n100000": 2, "n20000": 9, "n2000": 15}),
                             ("7A1", {"n500000": 1, "n5000": 30, "c200": 40}))]
    return event, sheets


def test_counting_sheets_one_receipt_per_group(tree, db):
    event, sheets = _festival(tree.ward_a)
    assert [s.total for s in sheets] == [415_000, 410_000, 658_000]
    vouchers = svc.receipt_counting_sheets(None, event, mode="group")
    assert [v.amount for v in vouchers] == [415_000, 410_000, 658_000]
    assert [v.party_name for v in vouchers] == ["Lớp 6A1", "Lớp 6A2", "Lớp 7A1"]
    assert [v.number for v in vouchers] == [1, 2, 3]
    assert {(v.link_type, v.link_id) for v in vouchers} == {("event", event.id)}
    assert [s.voucher_id for s in sheets] == [v.id for v in vouchers]
    with pytest.raises(DomainError):
        svc.receipt_counting_sheets(None, event, mode="group")


def test_counting_sheets_one_receipt_for_the_event(tree, db):
    event, sheets = _festival(tree.ward_a)
    (voucher,) = svc.receipt_counting_sheets(None, event, mode="event")
    assert voucher.amount == 1_483_000 and voucher.attachments == 3
    # a late sheet gets its own receipt next time
    late = svc.record_counting_sheet(None, event, group_name="Lớp 9A3", counter_1="An",
                                     counter_2="Bình", counts={"n10000": 10})
    (second,) = svc.receipt_counting_sheets(None, event, mode="event")
    assert (second.amount, late.voucher_id) == (100_000, second.id)
    with pytest.raises(DomainError) as err:
        svc.delete_counting_sheet(None, late)
    assert "phiếu thu" in err.value.message


def test_totals_match_the_treasury(tree, db):
    event, _sheets = _festival(tree.ward_a)
    svc.receipt_counting_sheets(None, event, mode="event")
    for i in range(5):
        svc.record_donation(None, tree.ward_a, method="cash" if i % 2 else "transfer",
                            donor=build_donor(tree.ward_a, f"Nhà hảo tâm {i}"), event=event,
                            amount=100_000 * (i + 1))
    svc.record_donation(None, tree.ward_a, method="in_kind", anonymous=True, event=event,
                        items="Cặp sách", quantity=20, estimated_value=2_000_000)
    db.session.commit()
    totals = svc.event_totals(event)
    assert (totals.piggy_bank, totals.cash, totals.transfer) == (1_483_000, 600_000, 900_000)
    assert totals.money == 2_983_000 == svc.receipted_amount(event)
    assert treasury.fund_balance(treasury.general_fund(tree.ward_a)) == totals.money
    assert totals.raised == 4_983_000
    assert (totals.donors, totals.anonymous, totals.donations) == (5, 1, 6)


def test_void_receipt_drops_out_of_receipted_total(tree, db):
    event = build_event(tree.ward_a)
    d = svc.record_donation(None, tree.ward_a, method="cash", anonymous=True, event=event,
                            amount=300_000)
    treasury.void_voucher(None, db.session.get(Voucher, d.voucher_id), "Ghi nhầm số tiền")
    assert svc.receipted_amount(event) == 0


def test_event_with_receipts_cannot_be_deleted_only_cancelled(tree, db):
    event = build_event(tree.ward_a)
    svc.record_donation(None, tree.ward_a, method="cash", anonymous=True, event=event,
                        amount=300_000)
    with pytest.raises(DomainError, match="Hủy sự kiện|hủy sự kiện"):
        svc.delete_event(None, event)
    svc.cancel_event(None, event, "Trùng lịch với đại hội")
    assert event.status == "cancelled"
    with pytest.raises(DomainError):
        svc.record_donation(None, tree.ward_a, method="cash", anonymous=True, event=event,
                            amount=1_000)
