"""Small pitfalls of the member screens: a new member who may already be one elsewhere is a
warning with a link where the user may see the record (never a refusal, never details from a
unit the user may not see)."""

from sqlalchemy import func, select

from assoc.models import Member

from .builders import build_member

CCCD = "079203001234"


def _new(client, unit, **extra):
    data = {"kind": "individual", "full_name": "Lê Thị Hồng", "unit_id": unit.id,
            "birth": "12/03/2003", **extra}
    return client.post(f"/members/unit/{unit.id}/new", data=data)


def test_same_cccd_in_another_ward_is_a_warning_without_details(tree, client_as, db):
    other = build_member(tree.ward_b, "Lê Thị Hồng Nhung", cccd=CCCD)
    chair = client_as("chair", tree.ward_a)
    r = _new(chair, tree.ward_a, cccd=CCCD)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'data-testid="similar-members"' in html
    assert "Đã là hội viên ở nơi khác trong Hội (trùng CCCD)." in html
    assert other.full_name not in html and f"/members/{other.id}" not in html
    assert db.session.scalar(select(func.count(Member.id))) == 1
    r = _new(chair, tree.ward_a, cccd=CCCD, same_person_checked="1")  # "Save anyway"
    assert r.status_code == 302
    assert db.session.scalar(select(func.count(Member.id))) == 2


def test_who_may_see_the_other_record_gets_a_link(tree, client_as, db):
    other = build_member(tree.ward_b, "Lê Thị Hồng", birth="12/03/2003")
    district = client_as("chair", tree.district_a)
    html = _new(district, tree.ward_a).get_data(as_text=True)
    assert f'href="/members/{other.id}"' in html and "trùng họ tên và ngày sinh" in html


def test_no_warning_for_a_new_person(tree, client_as, db):
    build_member(tree.ward_b, "Lê Thị Hồng", birth="12/03/1990")
    r = _new(client_as("chair", tree.ward_a), tree.ward_a)
    assert r.status_code == 302
