"""Members: register, normalise, search, sort, transfer, end, delete, dues, duplicates, merge."""

from datetime import date

import pytest
from sqlalchemy import func, select

from assoc.models import AuditEntry, DuesPayment, Member, MemberTransfer, Voucher
from assoc.services import DomainError
from assoc.services import members as svc

from .builders import build_member, build_user


def names(query, db):
    return [m.full_name for m in db.session.scalars(query)]


def test_register_normalises_everything(tree, db):
    m = svc.create_member(None, tree.ward_a, full_name="  NGUYE\u0302\u0303N THỊ   THU ",
                          birth="5-7-1985", sex="Nữ", cccd=79185001234, phone="+84 912.345.678",
                          joined_on=date(2020, 10, 2))
    assert m.full_name == "Nguyễn Thị Thu"
    assert m.search_key == "nguyen thi thu"
    assert m.given_name_key == "thu"
    assert m.birth_date == date(1985, 7, 5) and m.birth_year == 1985
    assert m.sex == "F"
    assert m.cccd == "079185001234"
    assert m.phone == "0912345678"
    assert m.display_number == "HV-000001"
    assert svc.create_member(None, tree.ward_a, full_name="Lê Văn Tám").number == 2
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "member.create")).first()
    assert entry.data["number"] == "HV-000001"


def test_year_only_birth_and_collective_member(tree):
    m = svc.create_member(None, tree.ward_a, full_name="Trần Văn Bình", birth="1962")
    assert m.birth_date is None and m.birth_year == 1962
    c = svc.create_member(None, tree.ward_a, kind="collective", full_name="Trường THCS Khánh Hội A",
                          representative="LÊ THỊ HỒNG VÂN", contact="028 3940 1234",
                          honorary=True)
    assert c.is_collective and c.honorary
    assert c.representative == "Lê Thị Hồng Vân"
    assert c.given_name_key == "truong thcs khanh hoi a"


@pytest.mark.parametrize("values, field", [
    ({"cccd": "12345"}, "cccd"),
    ({"cccd": "0791850012345"}, "cccd"),
    ({"birth": "31/02/1970"}, "birth"),
    ({"birth": "01/01/2090"}, "birth"),
    ({"birth": "2999"}, "birth"),
    ({"phone": "12345"}, "phone"),
    ({"joined_on": date(2090, 1, 1)}, "joined_on"),
    ({"full_name": "   "}, "full_name"),
])
def test_bad_values_are_refused_with_the_field(tree, db, values, field):
    with pytest.raises(DomainError) as err:
        svc.create_member(None, tree.ward_a, **{"full_name": "Nguyễn Văn Á", **values})
    assert err.value.field == field
    assert db.session.scalar(select(Member.id)) is None


def test_search_by_name_phone_and_cccd_over_the_subtree(tree, db):
    build_member(tree.ward_a, "Nguyễn Thị Thu", phone="0912345678")
    build_member(tree.branch_a, "Trần Văn Bình", cccd="079062001234")
    build_member(tree.ward_b, "Nguyễn Thị Thu Hà")

    def search(q, unit=tree.ward_a):
        return names(svc.member_query(None, unit, svc.ListFilters(q=q)), db)

    assert search("nguyen thi thu") == ["Nguyễn Thị Thu"]
    assert search("NGUYỄN thị") == ["Nguyễn Thị Thu"]
    assert search("+84 912 345 678") == ["Nguyễn Thị Thu"]
    assert search("0912.345.678") == ["Nguyễn Thị Thu"]
    assert search("345 678") == ["Nguyễn Thị Thu"]
    assert search("79062001234") == ["Trần Văn Bình"]       # CCCD that lost its leading zero
    assert search("nguyen thi thu", tree.district_a) == ["Nguyễn Thị Thu Hà", "Nguyễn Thị Thu"]
    own_only = svc.ListFilters(subtree=False)
    assert names(svc.member_query(None, tree.ward_a, own_only), db) == ["Nguyễn Thị Thu"]


def test_sorted_by_given_name_then_full_name(tree, db):
    for name in ["Nguyễn Văn Cường", "Trần Văn Bình", "Lê Thị Bình", "Đặng An", "Bùi Ánh"]:
        build_member(tree.ward_a, name)
    assert names(svc.member_query(None, tree.ward_a, svc.ListFilters()), db) == [
        "Đặng An", "Bùi Ánh", "Lê Thị Bình", "Trần Văn Bình", "Nguyễn Văn Cường"]


def test_scope_limits_the_list_to_what_the_user_may_see(tree, db):
    build_member(tree.ward_a, "Nguyễn Văn Á")
    build_member(tree.ward_b, "Trần Văn Bê")
    chair_a = build_user("chair", tree.ward_a)
    district = build_user("viewer", tree.district_a)
    assert names(svc.member_query(chair_a, tree.district_a, svc.ListFilters()), db) == [
        "Nguyễn Văn Á"]
    assert len(names(svc.member_query(district, tree.district_a, svc.ListFilters()), db)) == 2


def test_transfer_keeps_history(tree, db):
    m = build_member(tree.ward_a, "Nguyễn Văn Á")
    svc.transfer_member(None, m, tree.ward_b, on=date(2026, 2, 1), reason="Chuyển nhà")
    db.session.commit()
    assert m.unit_id == tree.ward_b.id
    move = db.session.scalars(select(MemberTransfer)).one()
    assert (move.from_unit_id, move.unit_id, move.reason) == (tree.ward_a.id, tree.ward_b.id,
                                                              "Chuyển nhà")
    with pytest.raises(DomainError):
        svc.transfer_member(None, m, tree.ward_b)


def test_end_and_reinstate(tree, db):
    m = build_member(tree.ward_a)
    with pytest.raises(DomainError) as err:
        svc.end_membership(None, m, reason=" ")
    assert err.value.field == "reason"
    svc.end_membership(None, m, on=date(2026, 5, 1), reason="Chuyển đi nơi khác")
    assert m.status == "ended" and m.ended_on == date(2026, 5, 1)
    assert names(svc.member_query(None, tree.ward_a, svc.ListFilters()), db) == []
    assert len(names(svc.member_query(None, tree.ward_a, svc.ListFilters(status="ended")), db)) == 1
    svc.reinstate(None, m)
    assert m.status == "active" and m.ended_on is None


def test_dues_rate_inherited_and_payment(tree, db):
    svc.set_dues_rate(None, tree.ward_a, year=2026, amount=60_000)
    m = build_member(tree.branch_a)
    assert svc.dues_rate(tree.branch_a, 2026) == 60_000
    assert svc.dues_rate(tree.ward_b, 2026) is None
    svc.set_dues_rate(None, tree.branch_a, year=2026, amount=24_000)
    assert svc.dues_rate(tree.branch_a, 2026) == 24_000
    payment = svc.pay_dues(None, m, year=2026, token="t1")
    # The branch keeps no books: the ward issues the receipt (phiếu thu).
    assert payment.amount == 24_000 and payment.unit_id == tree.ward_a.id
    receipt = payment.voucher
    assert (receipt.kind, receipt.amount, receipt.unit_id, receipt.party_name, receipt.reason,
            receipt.link_type, receipt.link_id) == (
        "receipt", 24_000, tree.ward_a.id, "Nguyễn Văn Á", "Hội phí năm 2026", "dues", payment.id)
    assert receipt.display_number.startswith("PT-")
    assert svc.pay_dues(None, m, year=2026, token="t1").id == payment.id   # double submit
    assert db.session.scalar(select(func.count(Voucher.id))) == 1
    # A voided receipt means the dues are not paid: they can be collected again.
    from assoc.services import treasury

    treasury.void_voucher(None, receipt, "Thu nhầm người")
    assert svc.dues_paid(m, 2026) is None
    assert svc.paid_years([m.id], 2026) == set()
    again = svc.pay_dues(None, m, year=2026, token="t3")
    assert again.voucher.number == receipt.number + 1
    with pytest.raises(DomainError) as err:
        svc.pay_dues(None, m, year=2026, token="t2")
    assert err.value.field == "year"
    other = build_member(tree.ward_b, "Trần Văn Bê")
    with pytest.raises(DomainError) as err:
        svc.pay_dues(None, other, year=2026)
    assert err.value.field == "amount"


def test_unpaid_and_paid_filters(tree, db):
    svc.set_dues_rate(None, tree.ward_a, year=2026, amount=50_000)
    a = build_member(tree.ward_a, "Nguyễn Văn Á")
    build_member(tree.ward_a, "Trần Văn Bê")
    svc.pay_dues(None, a, year=2026)
    unpaid = svc.ListFilters(dues="unpaid", dues_year=2026)
    paid = svc.ListFilters(dues="paid", dues_year=2026)
    assert names(svc.member_query(None, tree.ward_a, unpaid), db) == ["Trần Văn Bê"]
    assert names(svc.member_query(None, tree.ward_a, paid), db) == ["Nguyễn Văn Á"]
    assert svc.paid_years([a.id], 2026) == {a.id}


def test_member_with_receipts_cannot_be_deleted(tree, db):
    svc.set_dues_rate(None, tree.ward_a, year=2026, amount=50_000)
    paid = build_member(tree.ward_a, "Nguyễn Văn Á")
    svc.pay_dues(None, paid, year=2026)
    with pytest.raises(DomainError, match="kết thúc"):
        svc.delete_member(None, paid)
    mistake = build_member(tree.ward_a, "Nhập Nhầm")
    svc.delete_member(None, mistake)
    db.session.commit()
    assert db.session.get(Member, mistake.id) is None


def test_duplicates_and_merge_keep_history_and_dues(tree, db):
    svc.set_dues_rate(None, tree.ward_a, year=2025, amount=50_000)
    a = build_member(tree.ward_a, "Nguyễn Văn Á", birth="12/03/1958", cccd="079058001234")
    b = build_member(tree.branch_a, "NGUYỄN VĂN Á", birth="1958", phone="0912345678",
                     cccd="079058001234")
    c = build_member(tree.ward_a, "Lê Thị Hoa", phone="0912345678")
    build_member(tree.ward_a, "Trần Văn Bình", birth="01/01/1970")
    build_member(tree.board_a, "Trần Văn Bình", birth="01/01/1970")
    build_member(tree.ward_c, "Nguyễn Văn Á", cccd="079058001234")  # outside the sub-tree
    groups = svc.duplicate_groups(None, tree.ward_a)
    found = {(g["reason"], tuple(sorted(m.full_name for m in g["members"]))) for g in groups}
    assert found == {
        ("cccd", ("Nguyễn Văn Á", "Nguyễn Văn Á")),
        ("phone", ("Lê Thị Hoa", "Nguyễn Văn Á")),
        ("name_birth", ("Trần Văn Bình", "Trần Văn Bình")),
    }
    svc.pay_dues(None, b, year=2025)
    svc.merge_members(None, a, b)
    db.session.commit()
    assert b.status == "merged" and b.merged_into_id == a.id
    assert a.phone == "0912345678"                       # blank filled from the other record
    assert db.session.scalars(select(DuesPayment.member_id)).all() == [a.id]
    assert c.status == "active"
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"member.merge", "member.merged_into"} <= actions
    with pytest.raises(DomainError):
        svc.merge_members(None, a, b)
