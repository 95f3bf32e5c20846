"""Access between units (issue 19): the checking loader, the own-book rule for every money
action, the own-ward decision rule over time, and the sideways views."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import Forbidden, NotFound

from assoc.models import (
    Donation,
    DuesPayment,
    Member,
    Nomination,
    RemunerationLine,
    Voucher,
    today,
)
from assoc.permissions import can_decide, load, unit_of
from assoc.services import events as ev
from assoc.services import members as member_svc
from assoc.services import officers as off
from assoc.services import units

from .builders import (
    build_base_salaries,
    build_donor,
    build_member,
    build_nomination,
    build_officer,
    build_program,
    build_rule,
    build_user,
)


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# ---------------------------------------------------------------------------------------------
# The checking loader
# ---------------------------------------------------------------------------------------------


def test_load_gives_404_403_or_the_record(app, tree, db):
    member = build_member(tree.ward_a)
    clerk = build_user("clerk", tree.ward_a)
    stranger = build_user("chair", tree.ward_b)
    with app.test_request_context():
        assert load(Member, member.id, "member.edit", clerk) is member
        assert load(Member, str(member.id), "member.view", clerk) is member
        for missing in (None, "", "abc", 0, -1, 10**30, member.id + 999):
            with pytest.raises(NotFound):
                load(Member, missing, "member.view", clerk)
        with pytest.raises(Forbidden):
            load(Member, member.id, "member.view", stranger)
        with pytest.raises(Forbidden):
            load(Member, member.id, "member.merge", clerk)  # the action counts, not only the unit


def test_unit_of_knows_each_kind_of_record(tree, db):
    build_base_salaries()
    build_rule(tree.ward_a, "chair", coefficient=1000)
    build_officer(tree.ward_a, "Lê Văn Bình", ("chair", date(2020, 1, 1)))
    sheet = off.create_sheet(None, tree.ward_a, year=2025, month=11)
    line = db.session.scalars(select(RemunerationLine)).first()
    assert unit_of(line) is tree.ward_a and unit_of(sheet) is tree.ward_a
    assert unit_of(tree.ward_b) is tree.ward_b


# ---------------------------------------------------------------------------------------------
# Donor pre-fill (?donor_id=) and the donor's hidden id
# ---------------------------------------------------------------------------------------------


def test_donor_prefill_of_another_unit_shows_nothing(client_as, tree, db):
    theirs = build_donor(tree.ward_a, "Công ty Bí Mật", phone="0912345678",
                         tax_code="0301234567", address="99 Đường Kín")
    mine = build_donor(tree.ward_b, "Công ty Của Tôi")
    client = client_as("clerk", tree.ward_b)
    response = client.get(f"/events/unit/{tree.ward_b.id}/donations/new?donor_id={theirs.id}")
    assert response.status_code in (403, 404)
    for secret in ("Bí Mật", "0912345678", "0301234567", "99 Đường Kín"):
        assert secret not in response.get_data(as_text=True)
    own = client.get(f"/events/unit/{tree.ward_b.id}/donations/new?donor_id={mine.id}")
    assert own.status_code == 200 and "Công ty Của Tôi" in own.get_data(as_text=True)


def test_a_donor_of_a_unit_above_needs_a_right_there(client_as, tree, db):
    """The ward's clerk cannot take the district's donor through the hidden field."""
    district_donor = build_donor(tree.district_a, "Tập đoàn Quận")
    client = client_as("clerk", tree.ward_a)
    response = client.post(f"/events/unit/{tree.ward_a.id}/donations/new", data={
        "method": "in_kind", "donor_id": str(district_donor.id), "items": "Sách", "quantity": 1,
        "estimated_value": "100000", "received_on": today().isoformat(), "event_id": "0",
        "fund_id": "0", "donor_kind": "person", "token": "t1"})
    assert response.status_code == 400
    assert _count(db, Donation) == 0


# ---------------------------------------------------------------------------------------------
# The own-book rule for dues (and the other money actions, see test_access_generated)
# ---------------------------------------------------------------------------------------------

DUES_ROWS = [
    # role,       held at,       member in,   may collect (a receipt in the ward's book)
    ("treasurer", "ward_a",     "ward_a",     True),
    ("treasurer", "ward_a",     "branch_a",   True),
    ("chair",     "ward_a",     "ward_a",     True),
    ("admin",     "city",       "ward_a",     True),
    ("treasurer", "district_a", "ward_a",     False),
    ("chair",     "district_a", "ward_a",     False),
    ("treasurer", "branch_a",   "branch_a",   False),
    ("treasurer", "ward_b",     "ward_a",     False),
]


@pytest.mark.parametrize("role, at, member_in, allowed", DUES_ROWS)
def test_dues_need_a_role_at_the_books_own_unit(client_as, tree, db, role, at, member_in,
                                                allowed):
    member = build_member(getattr(tree, member_in))
    client = client_as(role, getattr(tree, at))
    page = client.get(f"/members/{member.id}")
    response = client.post(f"/members/{member.id}/dues", data={  # the confirmed step
        "year": today().year, "amount": "150000", "token": f"tok-{role}-{at}",
        "confirm": "1"})
    vouchers = db.session.scalars(select(Voucher)).all()
    if allowed:
        assert response.status_code == 302 and len(vouchers) == 1
        assert vouchers[0].unit_id == tree.ward_a.id
        assert b'data-testid="pay-dues"' in page.data or b"/dues" in page.data
    else:
        assert response.status_code in (403, 404)
        assert vouchers == [] and _count(db, DuesPayment) == 0
        assert f"/members/{member.id}/dues".encode() not in page.data


# ---------------------------------------------------------------------------------------------
# The own-ward decision rule holds over time
# ---------------------------------------------------------------------------------------------


def _decide(client, nomination):
    return client.post(f"/scholarships/nominations/{nomination.id}/decide",
                       data={"decision": "approve"})


def test_ending_the_ward_role_does_not_open_the_decision(client_as, tree, db):
    program = build_program(tree.district_a, quotas={tree.ward_a: 3})
    nomination = build_nomination(program, tree.ward_a)
    client = client_as("approver", tree.district_a)
    user = client.user
    ward_role = units.grant_role(None, user, tree.ward_a, "chair",
                                 valid_from=today() - timedelta(days=30))
    db.session.commit()
    assert _decide(client, nomination).status_code == 403
    # The bypass: end the ward role, decide, have a second account give it back.
    units.revoke_role(None, ward_role)
    db.session.commit()
    db.session.expire_all()
    assert not can_decide(user, nomination)
    assert _decide(client, nomination).status_code == 403
    accomplice = build_user("chair", tree.district_a)
    units.grant_role(accomplice, user, tree.ward_a, "chair")
    db.session.commit()
    assert db.session.get(Nomination, nomination.id).status == "submitted"


def test_a_role_that_ended_before_the_program_opened_does_not_count(tree, db):
    user = build_user("approver", tree.district_a)
    units.grant_role(None, user, tree.ward_a, "clerk", valid_from=date(2020, 1, 1),
                     valid_to=date(2021, 12, 31))
    program = build_program(tree.district_a, quotas={tree.ward_a: 3})
    nomination = build_nomination(program, tree.ward_a)
    db.session.expire_all()
    assert can_decide(user, nomination)


def test_who_submitted_the_nomination_cannot_decide_on_it(tree, db):
    from assoc.services import scholarships

    user = build_user("approver", tree.district_a)
    program = build_program(tree.district_a, quotas={tree.ward_a: 3})
    nomination = build_nomination(program, tree.ward_a, submit=False)
    scholarships.submit_nomination(user, nomination)
    db.session.commit()
    assert not can_decide(user, nomination)


# ---------------------------------------------------------------------------------------------
# Sideways views
# ---------------------------------------------------------------------------------------------


def test_quota_usage_shows_only_the_viewers_units(client_as, tree, db):
    program = build_program(tree.district_a, quotas={tree.ward_a: 3, tree.ward_b: 4})
    build_nomination(program, tree.ward_b)
    ward = client_as("chair", tree.ward_a).get(f"/scholarships/programs/{program.id}")
    assert ward.status_code == 200
    page = ward.get_data(as_text=True)
    assert f'data-unit="{tree.ward_a.id}"' in page
    assert f'data-unit="{tree.ward_b.id}"' not in page and tree.ward_b.name not in page
    district = client_as("chair", tree.district_a).get(f"/scholarships/programs/{program.id}")
    assert f'data-unit="{tree.ward_b.id}"'.encode() in district.data


def test_officer_list_hides_posts_in_sibling_wards_and_the_phone(client_as, tree, db):
    build_officer(tree.district_a, "Võ Thị Hai Nơi", ("chair", date(2020, 1, 1), None, tree.ward_a),
                  ("vice_chair", date(2020, 1, 1), None, tree.ward_b), phone="0987654321")
    page = client_as("chair", tree.ward_a).get(f"/officers/units/{tree.ward_a.id}")
    text = page.get_data(as_text=True)
    assert "Võ Thị Hai Nơi" in text and tree.ward_a.name in text
    assert tree.ward_b.name not in text and "0987654321" not in text
    district = client_as("chair", tree.district_a).get(f"/officers/units/{tree.ward_a.id}")
    assert "0987654321" in district.get_data(as_text=True)


def test_donor_page_hides_gifts_made_at_higher_levels(client_as, tree, db):
    donor = build_donor(tree.ward_a, "Bà Nguyễn Thị Hảo")
    ward_gift = ev.record_donation(None, tree.ward_a, method="in_kind", donor=donor,
                                   items="Vở viết", quantity=100, estimated_value=500_000)
    district_gift = ev.record_donation(None, tree.district_a, method="in_kind", donor=donor,
                                       items="Xe đạp", quantity=5, estimated_value=9_000_000)
    db.session.commit()
    page = client_as("clerk", tree.ward_a).get(f"/events/donors/{donor.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and f"/events/donations/{ward_gift.id}" in text
    assert f"/events/donations/{district_gift.id}" not in text and "9.000.000" not in text
    district = client_as("clerk", tree.district_a).get(f"/events/donors/{donor.id}")
    assert f"/events/donations/{district_gift.id}" in district.get_data(as_text=True)


def test_collecting_unit_of_a_branch_member_is_the_ward(tree, db):
    member = build_member(tree.branch_a)
    assert member_svc.collecting_unit(member) is tree.ward_a


def test_services_refuse_a_donor_or_fund_of_another_line(tree, db):
    from assoc.services import DomainError, treasury

    theirs = build_donor(tree.ward_b, "Nhà hảo tâm phường B")
    fund = treasury.create_fund(None, tree.ward_b, code="HB", name="Quỹ phường B")
    with pytest.raises(DomainError):
        ev.record_donation(None, tree.ward_a, method="in_kind", donor=theirs, items="Sách",
                           quantity=1)
    with pytest.raises(DomainError):
        ev.create_pledge(None, tree.ward_a, donor=theirs, amount=100_000)
    with pytest.raises(DomainError):
        ev.record_donation(None, tree.ward_a, method="in_kind", anonymous=True, items="Sách",
                           quantity=1, fund=fund)
