"""Events, participation, donors, gifts in kind, piggy-bank counting sheets, pledges."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from assoc.models import AuditEntry, CountingSheet, Donation, Donor, Event, Pledge
from assoc.services import DomainError
from assoc.services import events as svc

from .builders import build_donor, build_event, build_user

# --- events --------------------------------------------------------------------------------


def test_create_event_cleans_text_and_stores_utc(tree, db):
    chair = build_user("chair", tree.ward_a)
    local = datetime(2026, 10, 2, 7, 30).replace(tzinfo=__import__("zoneinfo").ZoneInfo(
        "Asia/Ho_Chi_Minh"))
    event = svc.create_event(chair, tree.ward_a, kind="walk", title="  Đi bộ   gây quỹ ",
                             starts_at=local, target_amount=30_000_000)
    db.session.commit()
    event = db.session.get(Event, event.id)
    assert event.title == "Đi bộ gây quỹ"
    assert event.search_key == "di bo gay quy"
    assert event.starts_at.replace(tzinfo=UTC) == datetime(2026, 10, 2, 0, 30, tzinfo=UTC)
    assert event.status == "planned"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "event.create")).one()
    assert entry.user_id == chair.id and entry.unit_id == tree.ward_a.id


@pytest.mark.parametrize("values, field", [
    ({"kind": "party"}, "kind"),
    ({"title": "   "}, "title"),
    ({"target_amount": -5}, "target_amount"),
])
def test_bad_event_input_names_the_field(tree, values, field):
    args = {"kind": "walk", "title": "Đi bộ", "starts_at": datetime(2026, 1, 1, tzinfo=UTC),
            "target_amount": 0, **values}
    with pytest.raises(DomainError) as err:
        svc.create_event(None, tree.ward_a, **args)
    assert err.value.field == field


def test_status_goes_forward_only(tree, db):
    event = build_event(tree.ward_a)
    svc.set_status(None, event, "held")
    with pytest.raises(DomainError):
        svc.set_status(None, event, "planned")
    svc.set_status(None, event, "closed")
    assert event.status == "closed"
    with pytest.raises(DomainError):
        svc.cancel_event(None, event, "Mưa bão")


def test_cancel_needs_a_reason(tree, db):
    event = build_event(tree.ward_a)
    with pytest.raises(DomainError) as err:
        svc.cancel_event(None, event, "  ")
    assert err.value.field == "reason"
    svc.cancel_event(None, event, "Mưa bão")
    assert (event.status, event.cancel_reason) == ("cancelled", "Mưa bão")


def test_delete_event_without_donations(tree, db):
    event = build_event(tree.ward_a, kind="reading_day", title="Ngày hội đọc sách")
    svc.delete_event(None, event)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Event)) == 0


def test_event_with_gifts_in_kind_cannot_be_deleted(tree, db):
    # the gift's acknowledgement is numbered: deleting it would leave a gap
    event = build_event(tree.ward_a, kind="reading_day", title="Ngày hội đọc sách")
    donor = build_donor(tree.ward_a, "Nhà sách Phương Nam")
    svc.record_donation(None, tree.ward_a, method="in_kind", donor=donor, event=event,
                        items="Sách thiếu nhi", quantity=120, estimated_value=6_000_000)
    with pytest.raises(DomainError, match="không thể xóa"):
        svc.delete_event(None, event)
    assert db.session.scalar(select(func.count()).select_from(Donation)) == 1


def test_participation(tree, db):
    event = build_event(tree.ward_a, kind="reading_day")
    svc.record_participation(None, event, students=180, members=25, residents=60,
                             books_collected=850, books_donated=400)
    assert event.participants_total == 265
    assert (event.books_collected, event.books_donated) == (850, 400)
    with pytest.raises(DomainError) as err:
        svc.record_participation(None, event, students=-1)
    assert err.value.field == "participants_students"


def test_events_query_covers_subtree(tree, db):
    build_event(tree.ward_a, title="A")
    build_event(tree.branch_a, title="B")
    build_event(tree.ward_b, title="C")
    titles = lambda q: sorted(e.title for e in db.session.scalars(q))  # noqa: E731
    assert titles(svc.events_query(tree.ward_a)) == ["A", "B"]
    assert titles(svc.events_query(tree.ward_a, subtree=False)) == ["A"]
    assert titles(svc.events_query(tree.district_a)) == ["A", "B", "C"]


# --- donors --------------------------------------------------------------------------------


def test_returning_donor_found_by_name_without_diacritics_phone_or_tax_code(tree, db):
    donor = build_donor(tree.ward_a, "Nguyễn Văn Ánh", phone="0912 345 678")
    org = build_donor(tree.ward_a, "Công ty CP Cảng Sài Gòn", kind="organisation",
                      tax_code="0300123456")
    assert svc.find_donors(tree.ward_a, "nguyen van anh") == [donor]
    assert svc.find_donors(tree.ward_a, "+84 912345678") == [donor]
    assert svc.find_donors(tree.ward_a, "0300123456") == [org]
    assert svc.find_donors(tree.branch_a, "cang sai gon") == [org]  # parents' register
    assert svc.find_donors(tree.ward_b, "nguyen") == []  # sibling ward keeps its own
    # registering the same person again returns the same register entry
    again = svc.register_donor(None, tree.ward_a, name="NGUYỄN VĂN ÁNH")
    assert again.id == donor.id
    # the same phone under another name is asked about (the forms), never silently replaced
    with pytest.raises(svc.DonorMatch) as match:
        svc.register_donor(None, tree.ward_a, name="Anh Ánh", phone="84912345678", choice="ask")
    assert match.value.donor.id == donor.id
    assert match.value.differences == {"name": ("Nguyễn Văn Ánh", "Anh Ánh")}
    assert db.session.scalar(select(func.count()).select_from(Donor)) == 2


def test_same_name_with_other_phone_is_a_new_donor(tree, db):
    build_donor(tree.ward_a, "Trần Thị Mai", phone="0903111222")
    other = svc.register_donor(None, tree.ward_a, name="Trần Thị Mai", phone="0903999888")
    assert db.session.scalar(select(func.count()).select_from(Donor)) == 2
    assert other.phone == "0903999888"


def test_bad_donor_phone_and_tax_code(tree):
    with pytest.raises(DomainError) as err:
        svc.register_donor(None, tree.ward_a, name="X", phone="12345")
    assert err.value.field == "phone"
    with pytest.raises(DomainError) as err:
        svc.register_donor(None, tree.ward_a, name="X", tax_code="12AB")
    assert err.value.field == "tax_code"


# --- gifts in kind ---------------------------------------------------------------------------


def test_gift_in_kind_gets_acknowledgement_numbers_and_no_receipt(tree, db):
    event = build_event(tree.ward_a, kind="reading_day")
    donor = build_donor(tree.ward_a)
    first = svc.record_donation(None, tree.ward_a, method="in_kind", donor=donor, event=event,
                                items="Xe đạp", quantity=10, estimated_value=15_000_000,
                                received_on=date(2026, 3, 1))
    second = svc.record_donation(None, tree.ward_a, method="in_kind", donor=donor,
                                 items="Vở học sinh", quantity=500, estimated_value=3_500_000,
                                 received_on=date(2026, 3, 2))
    assert (first.ack_display, second.ack_display) == ("BNHV-2026/0001", "BNHV-2026/0002")
    assert first.voucher_id is None and first.amount == 0 and first.value == 15_000_000
    totals = svc.event_totals(event)
    assert (totals.in_kind, totals.money, totals.raised) == (15_000_000, 0, 15_000_000)


@pytest.mark.parametrize("values, field", [
    ({"items": " "}, "items"),
    ({"quantity": 0}, "quantity"),
    ({"estimated_value": -1}, "estimated_value"),
    ({"method": "cheque"}, "method"),
    ({"received_on": date(2999, 1, 1)}, "received_on"),
])
def test_bad_gift_in_kind(tree, db, values, field):
    donor = build_donor(tree.ward_a)
    args = {"method": "in_kind", "donor": donor, "items": "Sách", "quantity": 5,
            "estimated_value": 100_000, **values}
    with pytest.raises(DomainError) as err:
        svc.record_donation(None, tree.ward_a, **args)
    assert err.value.field == field


def test_closed_event_refuses_donations(tree, db):
    event = build_event(tree.ward_a, status="closed")
    with pytest.raises(DomainError, match="đã kết thúc") as err:
        svc.record_donation(None, tree.ward_a, method="in_kind", anonymous=True, event=event,
                            items="Sách", quantity=1, estimated_value=0)
    assert err.value.field == "event_id"


def test_donation_needs_a_donor_or_anonymous(tree, db):
    with pytest.raises(DomainError) as err:
        svc.record_donation(None, tree.ward_a, method="in_kind", items="Sách", quantity=1)
    assert err.value.field == "donor_name"
    d = svc.record_donation(None, tree.ward_a, method="in_kind", anonymous=True, items="Sách",
                            quantity=1)
    assert svc.donor_label(d) == "Nhà hảo tâm ẩn danh"


# --- counting sheets -------------------------------------------------------------------------


def test_counting_sheet_total_is_computed_from_counts(tree, db):
    event = build_event(tree.ward_a, kind="piggy_bank", title="Ngày hội khui heo đất")
    sheet = svc.record_counting_sheet(
        None, event, group_name="Lớp 6A1", counter_1="Lê Thị Hoa", counter_2="Phạm Văn Nam",
        counts={"n500000": 1, "n200000": "2", "n10000": 13, "n1000": 7, "c500": 3, "c200": 5},
        typed_total=1_039_500)
    assert sheet.total == 500_000 + 400_000 + 130_000 + 7_000 + 1_500 + 1_000
    assert sheet.counts == {"n500000": 1, "n200000": 2, "n10000": 13, "n1000": 7, "c500": 3,
                            "c200": 5}
    assert svc.event_totals(event).piggy_bank == 1_039_500


@pytest.mark.parametrize("counts", [{"n10000": -1}, {"n10000": "2.5"}, {"c200": "abc"},
                                    {"n5000": 1.5}])
def test_counting_sheet_counts_must_be_whole_and_not_negative(tree, db, counts):
    event = build_event(tree.ward_a, kind="piggy_bank")
    with pytest.raises(DomainError) as err:
        svc.record_counting_sheet(None, event, group_name="Lớp 7A", counter_1="A",
                                  counter_2="B", counts=counts)
    assert err.value.field == next(iter(counts))
    assert db.session.scalar(select(func.count()).select_from(CountingSheet)) == 0


def test_typed_total_that_disagrees_is_shown_not_accepted(tree, db):
    event = build_event(tree.ward_a, kind="piggy_bank")
    with pytest.raises(DomainError) as err:
        svc.record_counting_sheet(None, event, group_name="Lớp 7A", counter_1="An",
                                  counter_2="Bình", counts={"n50000": 3},
                                  typed_total=160_000)
    assert err.value.field == "typed_total"
    assert "150.000 đ" in err.value.message and "160.000 đ" in err.value.message


def test_counting_sheet_needs_two_different_counters_and_a_piggy_festival(tree, db):
    event = build_event(tree.ward_a, kind="piggy_bank")
    with pytest.raises(DomainError) as err:
        svc.record_counting_sheet(None, event, group_name="Lớp 7A", counter_1="Lê Hoa",
                                  counter_2="le hoa", counts={"n50000": 3})
    assert err.value.field == "counter_2"
    walk = build_event(tree.ward_a, kind="walk")
    with pytest.raises(DomainError):
        svc.record_counting_sheet(None, walk, group_name="Lớp 7A", counter_1="A",
                                  counter_2="B", counts={"n50000": 3})


# --- pledges ---------------------------------------------------------------------------------


def test_pledge_is_listed_as_open(tree, db):
    donor = build_donor(tree.ward_a)
    event = build_event(tree.ward_a)
    pledge = svc.create_pledge(None, tree.ward_a, donor=donor, amount=20_000_000,
                               due_on=date(2026, 12, 31), event=event)
    db.session.commit()
    assert db.session.scalars(svc.open_pledges_query(tree.district_a)).all() == [pledge]
    assert pledge.outstanding == 20_000_000
    svc.cancel_pledge(None, pledge, "Nhà tài trợ rút lại")
    assert db.session.scalars(svc.open_pledges_query(tree.ward_a)).all() == []
    assert db.session.get(Pledge, pledge.id).status == "cancelled"
