"""The unit tree: paths, moves, closing, codes, levels."""

import pytest
from sqlalchemy import select

from assoc.models import AuditEntry, Unit
from assoc.services import DomainError, units

from .builders import build_tree, build_unit, build_user


def test_paths_are_materialised(tree):
    assert tree.city.path == f"/{tree.city.id}/"
    assert tree.branch_a.path == f"/{tree.city.id}/{tree.district_a.id}/{tree.ward_a.id}/{tree.branch_a.id}/"
    assert tree.branch_a.ancestor_ids == [tree.city.id, tree.district_a.id, tree.ward_a.id,
                                          tree.branch_a.id]


def test_subtree_query_without_recursion(tree, db):
    codes = {u.code for u in db.session.scalars(units.subtree_query(tree.district_a))}
    assert codes == {u.code for u in (tree.district_a, tree.ward_a, tree.ward_b, tree.branch_a,
                                      tree.board_a, tree.branch_b)}


def test_spec_builder_hangs_levels_under_first_unit(db):
    tree = build_tree("city>district_a>ward_a,ward_b>branch_a")
    assert tree.branch_a.parent is tree.ward_a
    assert tree.ward_b.parent is tree.district_a


def test_move_updates_the_whole_subtree(tree, db):
    admin = build_user("admin", tree.city)
    units.move_unit(admin, tree.ward_a, tree.district_b)
    db.session.commit()
    ward = db.session.get(Unit, tree.ward_a.id)
    branch = db.session.get(Unit, tree.branch_a.id)
    assert ward.parent_id == tree.district_b.id
    assert ward.path == f"{tree.district_b.path}{ward.id}/"
    assert branch.path == f"{ward.path}{branch.id}/"
    assert db.session.get(Unit, tree.board_a.id).path.startswith(ward.path)
    # untouched elsewhere
    assert db.session.get(Unit, tree.ward_b.id).path.startswith(tree.district_a.path)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "unit.move")).one()
    assert entry.data["to"] == tree.district_b.code


@pytest.mark.parametrize("target", ["ward_a", "branch_a"])
def test_cannot_move_under_itself_or_descendant(tree, target):
    with pytest.raises(DomainError, match="chính nó") as err:
        units.move_unit(None, tree.ward_a, getattr(tree, target))
    assert err.value.field == "parent"


def test_parent_must_be_of_higher_level(tree):
    with pytest.raises(DomainError) as err:
        units.create_unit(None, parent=tree.branch_a, level="commune", code="X1", name="Phường X")
    assert err.value.field == "level"
    with pytest.raises(DomainError):
        units.move_unit(None, tree.ward_a, tree.ward_b)


def test_duplicate_code_is_refused_case_insensitively(tree):
    with pytest.raises(DomainError) as err:
        units.create_unit(None, parent=tree.ward_a, level="branch", code=tree.branch_a.code.lower(),
                          name="Chi hội trùng mã")
    assert err.value.field == "code"


def test_names_are_nfc_and_searchable(tree, db):
    unit = units.create_unit(None, parent=tree.ward_a, level="branch", code="kp 9",
                             name="  Chi hội   Khu phố 9 Nguye\u0302\u0303n ")
    assert unit.name == "Chi hội Khu phố 9 Nguyễn"
    assert unit.code == "KP-9"
    assert unit.search_key == "chi hoi khu pho 9 nguyen"


def test_close_requires_reason_and_closed_children(tree, db):
    from datetime import date

    with pytest.raises(DomainError, match="trực thuộc"):
        units.close_unit(None, tree.ward_a, on=date(2025, 6, 30), reason="Sáp nhập")
    with pytest.raises(DomainError):
        units.close_unit(None, tree.branch_b, on=date(2025, 6, 30), reason="  ")
    units.close_unit(None, tree.branch_b, on=date(2025, 6, 30), reason="Sáp nhập",
                     successor=tree.branch_a)
    assert not tree.branch_b.is_active()
    assert tree.branch_b.successor is tree.branch_a
    with pytest.raises(DomainError, match="đã đóng"):
        units.close_unit(None, tree.branch_b, on=date(2025, 7, 1), reason="again")


def test_every_change_is_audited(tree, db):
    chair = build_user("chair", tree.ward_a)
    units.update_unit(chair, tree.ward_a, name="Hội Khuyến học Phường Mới")
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "unit.update")
    ).one()
    assert entry.user_id == chair.id
    assert entry.unit_id == tree.ward_a.id
    assert entry.data["name"][1] == "Hội Khuyến học Phường Mới"
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"unit.create", "role.grant", "user.create", "unit.update"} <= actions


def test_build_unit_defaults(db):
    unit = build_unit("national")
    assert unit.level == "national" and unit.parent is None
