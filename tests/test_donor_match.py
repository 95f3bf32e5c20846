"""Nothing typed is silently replaced (issue 28): a typed donor that matches a registered one
by tax code or phone, with other details, is shown and asked about; the registered donor's
details change only when the user says so (audited)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from assoc.models import AuditEntry, Donation, Donor, Voucher, today
from assoc.services import events

from .builders import build_donor

LONG = ("Công ty Trách nhiệm Hữu hạn Thương mại Dịch vụ Khuyến học Tương Lai " * 4)[:200].strip()


@pytest.fixture
def other(tree):
    """A registered donor with a tax code and no phone or address."""
    return build_donor(tree.ward_a, "Công ty TNHH Sao Việt", kind="organisation",
                       tax_code="0301234567")


def _post(client, unit, **extra):
    data = {"donor_kind": "organisation", "donor_name": LONG, "donor_tax_code": "0301234567",
            "donor_phone": "0903123456", "donor_address": "12 Lê Lợi, Phường Bến Thành",
            "method": "cash", "amount": "2.000.000", "fund_id": "0",
            "received_on": today().isoformat(), "token": "t" * 32, **extra}
    return client.post(f"/events/unit/{unit.id}/donations/new", data=data)


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_matching_tax_code_is_asked_about_not_replaced(tree, client_as, db, other):
    c = client_as("treasurer", at=tree.ward_a)
    r = _post(c, tree.ward_a)
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and 'data-testid="donor-match"' in page
    assert "Công ty TNHH Sao Việt" in page and LONG in page
    assert _count(db, Donation) == 0 and _count(db, Voucher) == 0
    db.session.expire_all()
    kept = db.session.get(Donor, other.id)
    assert (kept.name, kept.phone, kept.address) == ("Công ty TNHH Sao Việt", "", "")
    assert f'name="donor_id" type="hidden" value="{other.id}"' in page or \
        f'value="{other.id}"' in page


def test_keeping_what_was_typed_makes_a_new_donor(tree, client_as, db, other):
    c = client_as("treasurer", at=tree.ward_a)
    r = _post(c, tree.ward_a, donor_id=str(other.id), donor_choice="new")
    assert r.status_code == 302, r.get_data(as_text=True)
    gift = db.session.scalars(select(Donation)).one()
    assert gift.donor_id != other.id and gift.donor.name == LONG
    assert gift.donor.tax_code == "0301234567" and gift.donor.phone == "0903123456"
    assert db.session.get(Voucher, gift.voucher_id).party_name == LONG
    db.session.expire_all()
    assert db.session.get(Donor, other.id).phone == ""


def test_the_registered_donor_is_used_and_changed_only_when_asked(tree, client_as, db, other):
    c = client_as("treasurer", at=tree.ward_a)
    r = _post(c, tree.ward_a, donor_id=str(other.id), donor_choice="existing")
    assert r.status_code == 302, r.get_data(as_text=True)
    gift = db.session.scalars(select(Donation)).one()
    assert gift.donor_id == other.id
    assert db.session.get(Voucher, gift.voucher_id).party_name == "Công ty TNHH Sao Việt"
    db.session.expire_all()
    assert db.session.get(Donor, other.id).phone == ""  # not told to correct the register
    assert _count(db, Donor) == 1
    r = _post(c, tree.ward_a, donor_id=str(other.id), donor_choice="existing",
              donor_update="y", token="u" * 32)
    assert r.status_code == 302
    db.session.expire_all()
    corrected = db.session.get(Donor, other.id)
    assert (corrected.name, corrected.phone) == (LONG, "0903123456")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "donor.update"))
    assert entry.data["phone"] == ["", "0903123456"] and entry.data["name"][1] == LONG


def test_the_same_details_are_the_same_donor_without_asking(tree, client_as, db, other):
    c = client_as("treasurer", at=tree.ward_a)
    r = _post(c, tree.ward_a, donor_name="Công ty TNHH Sao Việt", donor_phone="",
              donor_address="")
    assert r.status_code == 302
    assert db.session.scalars(select(Donation)).one().donor_id == other.id


def test_a_picked_donor_whose_name_was_retyped_is_asked_about(tree, client_as, db, other):
    c = client_as("treasurer", at=tree.ward_a)
    r = _post(c, tree.ward_a, donor_id=str(other.id), donor_tax_code="", donor_phone="",
              donor_address="", donor_name="Công ty TNHH Sao Việt Nam")
    assert r.status_code == 400 and 'data-testid="donor-match"' in r.get_data(as_text=True)


def test_the_service_never_overwrites_a_match_on_its_own(tree, db, other):
    with pytest.raises(events.DonorMatch) as e:
        events.register_donor(None, tree.ward_a, name=LONG, tax_code="0301234567",
                               phone="0903123456", choice="ask")
    assert e.value.donor.id == other.id and set(e.value.differences) == {"name", "phone"}
    auto = events.register_donor(None, tree.ward_a, name=LONG, tax_code="0301234567",
                                 phone="0903123456", address="1 Hai Bà Trưng")
    assert auto.id != other.id and auto.name == LONG
    db.session.expire_all()
    assert db.session.get(Donor, other.id).phone == ""


def test_a_new_member_with_a_registered_phone_is_asked_about(tree, client_as, db):
    """Members: the same phone as an active member is shown before saving, like CCCD."""
    from assoc.models import Member

    from .builders import build_member

    other = build_member(tree.ward_a, "Phạm Văn Đức", phone="0903123456")
    chair = client_as("chair", tree.ward_a)
    data = {"kind": "individual", "full_name": "Phạm Thị Hạnh", "unit_id": tree.ward_a.id,
            "phone": "090 312 3456"}
    r = chair.post(f"/members/unit/{tree.ward_a.id}/new", data=data)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'data-testid="similar-members"' in html
    assert f'href="/members/{other.id}"' in html and "trùng số điện thoại" in html
    assert db.session.scalar(select(func.count(Member.id))) == 1
    saved = chair.post(f"/members/unit/{tree.ward_a.id}/new",
                       data={**data, "same_person_checked": "1"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(Member, other.id).full_name == "Phạm Văn Đức"
