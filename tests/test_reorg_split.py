"""Splitting a unit: each successor takes the sub-units, own members and fund amounts the plan
gives it; nothing is lost, nothing is counted twice, the old unit closes with its successors,
and a mistaken split can be undone the same day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from assoc.extensions import db
from assoc.models import (
    Member,
    MemberTransfer,
    Position,
    RoleAssignment,
    Unit,
    UnitChange,
    Voucher,
    today,
)
from assoc.services import reorg, treasury

from .builders import build_fund, build_member, build_officer, build_tree, build_user, build_voucher
from .test_reorg import EFFECTIVE, LAST_DAY, all_balances, english, plan, snapshot  # noqa: F401
from .test_tally import assert_current


@pytest.fixture
def world():
    return build_split_world()


def build_split_world():
    """ward_a (branch_a, board_a) with two own members, one in branch_a; its general fund holds
    2.500.000 đ cash and 2.000.000 đ in the bank, its scholarship fund 1.000.000 đ cash."""
    tree = build_tree()
    before = today() - timedelta(days=3)
    tree.own = [build_member(tree.ward_a, "Nguyễn Văn Á"), build_member(tree.ward_a, "Trần Thị Bình")]
    tree.in_branch = build_member(tree.branch_a, "Phạm Thị Dung")
    build_voucher(tree.ward_a, amount=3_000_000, voucher_date=before)
    build_voucher(tree.ward_a, amount=2_000_000, method="transfer", voucher_date=before)
    build_voucher(tree.ward_a, "payment", amount=500_000, voucher_date=before)
    tree.hb = build_fund(tree.ward_a)
    build_voucher(tree.ward_a, amount=1_000_000, fund=tree.hb, voucher_date=before)
    db.session.commit()
    return tree


def split_lines(tree, kh_first="3.000.000", kh_second="1500000"):
    a, b = tree.own
    return [f"split,{tree.ward_a.code},NEW-A1;NEW-A2,Hội Khuyến học Phường A1;Hội Khuyến học "
            f"Phường A2,commune,{tree.district_a.code}",
            f"assign,{tree.branch_a.code};{a.display_number};KH={kh_first};HB=1000000,NEW-A1,,,",
            f"assign,{tree.board_a.code};{b.number};KH={kh_second},NEW-A2,,,"]


def by_code(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def test_split_gives_each_successor_its_share(world, db):
    tree = world
    members_before = db.session.scalar(select(func.count()).select_from(Member))
    money_before = all_balances()
    numbers_before = {(v.book_id, v.number) for v in db.session.scalars(select(Voucher))}
    clerk = build_user("clerk", at=tree.ward_a)
    officer = build_officer(tree.ward_a, "Võ Thị Em", ("chair", date(2021, 1, 1)))

    result = reorg.apply_plan(None, plan(*split_lines(tree)), EFFECTIVE)
    db.session.commit()

    a1, a2 = by_code("NEW-A1"), by_code("NEW-A2")
    old = db.session.get(Unit, tree.ward_a.id)
    assert old.valid_to == LAST_DAY and old.successor_id == a1.id
    assert "NEW-A1" not in old.closed_reason and "Phường A2" in old.closed_reason
    changes = db.session.scalars(select(UnitChange).where(UnitChange.unit_id == old.id)).all()
    assert {(c.action, c.successor_id) for c in changes} == {("split", a1.id), ("split", a2.id)}
    # Sub-units and members to the successor the plan names; nobody lost or counted twice.
    assert [u.id for u in a1.children] == [tree.branch_a.id]
    assert [u.id for u in a2.children] == [tree.board_a.id]
    assert db.session.get(Member, tree.own[0].id).unit_id == a1.id
    assert db.session.get(Member, tree.own[1].id).unit_id == a2.id
    assert db.session.get(Member, tree.in_branch.id).unit_id == tree.branch_a.id
    assert db.session.scalar(select(func.count()).select_from(Member)) == members_before
    moves = db.session.scalars(select(MemberTransfer)).all()
    assert sorted(m.unit_id for m in moves) == sorted([a1.id, a2.id])
    assert all("split of" in m.reason for m in moves)
    # Money: amounts as assigned, cash first and never below zero, totals unchanged.
    assert all_balances() == money_before
    assert numbers_before <= {(v.book_id, v.number) for v in db.session.scalars(select(Voucher))}
    assert all(treasury.fund_balance(f) == 0 for f in treasury.funds_of(old))
    assert {f.code: treasury.fund_balance(f) for f in treasury.funds_of(a1)} == {
        "KH": 3_000_000, "HB": 1_000_000}
    assert {f.code: treasury.fund_balance(f) for f in treasury.funds_of(a2)} == {"KH": 1_500_000}
    records = {h["successor"]["code"]: h for h in result.summary["handovers"]}
    assert sorted((f["fund"], f["method"], f["amount"]) for f in records["NEW-A1"]["funds"]) == [
        (tree.hb.name, "cash", 1_000_000), ("Quỹ khuyến học", "cash", 2_500_000),
        ("Quỹ khuyến học", "transfer", 500_000)]
    assert [(f["method"], f["amount"]) for f in records["NEW-A2"]["funds"]] == [
        ("transfer", 1_500_000)]
    payments = db.session.scalars(select(Voucher).where(Voucher.unit_id == old.id,
                                                        Voucher.kind == "payment",
                                                        Voucher.reason.like("Bàn giao%"))).all()
    assert len(payments) == 4 and all("chia tách" in v.reason for v in payments)
    assert all(v.voucher_date == EFFECTIVE for v in payments)
    cash = treasury.fund_balance
    assert cash(tree.hb) == 0
    # Both records say where the unit went; posts are listed on both for re-appointment;
    # roles carry over to both successors of the same level.
    for code in ("NEW-A1", "NEW-A2"):
        assert records[code]["splits"] == [{"code": old.code, "name": old.name, "successors": [
            "Hội Khuyến học Phường A1", "Hội Khuyến học Phường A2"]}]
        assert [p["officer"] for p in records[code]["posts_ended"]] == ["Võ Thị Em"]
    assert records["NEW-A1"]["members"] == 1 and records["NEW-A2"]["members"] == 1
    post = db.session.scalar(select(Position).where(Position.officer_id == officer.id))
    assert post.end_date == LAST_DAY
    roles = db.session.scalars(select(RoleAssignment).where(
        RoleAssignment.user_id == clerk.id)).all()
    assert {(r.unit_id, r.valid_to) for r in roles} == {(old.id, LAST_DAY), (a1.id, None),
                                                        (a2.id, None)}
    assert_current(db)


def test_split_into_an_existing_unit_and_a_new_one(world, db):
    tree = world
    a, b = tree.own
    reorg.apply_plan(None, plan(
        f"split,{tree.ward_a.code},{tree.ward_b.code};NEW-A2,;Hội Khuyến học Phường A2,commune,"
        f"{tree.district_a.code}",
        f"assign,{tree.branch_a.code};{tree.board_a.code};{a.number};KH=4500000;HB=1000000,"
        f"{tree.ward_b.code},,,",
        f"assign,{b.number},NEW-A2,,,"), EFFECTIVE)
    db.session.commit()
    assert {u.id for u in db.session.get(Unit, tree.ward_b.id).children} == {
        tree.branch_a.id, tree.board_a.id, tree.branch_b.id}
    assert db.session.get(Member, b.id).unit_id == by_code("NEW-A2").id
    assert by_code("NEW-A2").parent_id == tree.district_a.id


@pytest.mark.parametrize("change, line, message", [
    (lambda ls, t: ls[:2] + [ls[2].replace("KH=1500000", "KH=1400000")], 2,
     "add up to 4.400.000 đ, but its balance to hand over is 4.500.000 đ"),
    (lambda ls, t: ls[:2] + [ls[2].replace(f"{t.board_a.code};", "")], 2,
     "no successor takes"),
    (lambda ls, t: [ls[0], ls[1].replace(";HV-", ";XX-"), ls[2]], 3,
     "neither an open sub-unit"),
    (lambda ls, t: ls + ["assign,NOPE,NEW-A9,,,"], 5, "not a successor named on a split line"),
    (lambda ls, t: [ls[0].replace("NEW-A1;NEW-A2", "NEW-A1"), ls[1]], 2, "at least two"),
    (lambda ls, t: [ls[0], ls[1], ls[2].replace(";KH=1500000", ";KH=1500000;ZZ=1")], 4,
     "has no fund with code ZZ"),
    (lambda ls, t: ls + [ls[2].replace("NEW-A2", "NEW-A1")], 5,
     "assigned twice (also on line 4)"),
    (lambda ls, t: [ls[0].replace("NEW-A2", "NEW-A2;" + t.branch_a.code), *ls[1:]], 2,
     "cannot go into its own sub-unit"),
])
def test_bad_splits_name_the_line_and_write_nothing(world, change, line, message):
    tree = world
    lines = change(split_lines(tree), tree)
    before = (db.session.scalar(select(func.count()).select_from(Unit)),
              db.session.scalar(select(func.count()).select_from(Voucher)),
              {(m.id, m.unit_id) for m in db.session.scalars(select(Member))})
    with pytest.raises(reorg.PlanError) as e:
        reorg.apply_plan(None, plan(*lines), EFFECTIVE)
    db.session.rollback()
    assert message in str(e.value)
    assert line in [n for n, _ in e.value.errors], e.value.errors
    assert before == (db.session.scalar(select(func.count()).select_from(Unit)),
                      db.session.scalar(select(func.count()).select_from(Voucher)),
                      {(m.id, m.unit_id) for m in db.session.scalars(select(Member))})


def test_unassigned_own_members_are_listed(world):
    tree = world
    lines = split_lines(tree)
    lines[1] = lines[1].replace(f";{tree.own[0].display_number}", "")
    with pytest.raises(reorg.PlanError) as e:
        reorg.apply_plan(None, plan(*lines), EFFECTIVE)
    assert (2, f"1 members of {tree.ward_a.code} itself are not assigned to a successor "
               f"({tree.own[0].display_number}): assign them by number, or move them into a "
               "branch that is assigned.") in e.value.errors


def test_undo_a_split_on_the_same_day(world, db):
    tree = world
    build_user("chair", at=tree.ward_a)
    build_officer(tree.ward_a, "Võ Thị Em", ("chair", date(2021, 1, 1)))
    before = snapshot()
    result = reorg.apply_plan(None, plan(*split_lines(tree)), EFFECTIVE)
    db.session.commit()
    assert reorg.can_undo(result)
    reorg.undo_plan(None, result)
    db.session.commit()
    db.session.expire_all()
    units_before, *rest_before = before
    units_after, *rest_after = snapshot()
    created = {u.id for u in db.session.scalars(select(Unit).where(
        Unit.code.like("NEW-A1~%") | Unit.code.like("NEW-A2~%")))}
    assert len(created) == 2
    assert {row for row in units_after if row[0] not in created} == units_before
    # Never existed: ended the day before they began.
    assert all(row[5] == EFFECTIVE - timedelta(days=1) for row in units_after if row[0] in created)
    assert rest_after == rest_before
    assert all(v.is_void for v in db.session.scalars(select(Voucher).where(
        Voucher.reason.like("Bàn giao%"))))
    assert db.session.get(Unit, tree.ward_a.id).valid_to is None
    assert_current(db)


def test_cli_applies_a_split(app, world, tmp_path):
    tree = world
    path = tmp_path / "plan.csv"
    path.write_text("\n".join([",".join(reorg.PLAN_HEADER), *split_lines(tree)]) + "\n",
                    encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reorganise", str(path), "--effective", EFFECTIVE.isoformat()])
    assert result.exit_code == 0, result.output
    assert "NEW-A2 Hội Khuyến học Phường A2" in result.output
    assert f"split from: {tree.ward_a.code}" in result.output
    db.session.expire_all()
    assert db.session.get(Unit, tree.ward_a.id).valid_to == LAST_DAY
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([",".join(reorg.PLAN_HEADER), *split_lines(tree)[:2]]) + "\n",
                   encoding="utf-8")
    result = runner.invoke(args=["reorganise", str(bad), "--effective", EFFECTIVE.isoformat()])
    assert result.exit_code != 0 and "line 2:" in result.output


def test_cli_help_documents_split(app):
    result = app.test_cli_runner().invoke(args=["reorganise", "--help"])
    assert "split" in result.output and "assign" in result.output
