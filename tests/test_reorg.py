"""Reorganisation: merge, dissolve, move and rename keep every member, đồng and number."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from assoc.extensions import db
from assoc.models import (
    AuditEntry,
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

from .builders import (
    build_fund,
    build_member,
    build_officer,
    build_tree,
    build_user,
    build_voucher,
)
from .test_tally import assert_current

EFFECTIVE = today()
LAST_DAY = EFFECTIVE - timedelta(days=1)


@pytest.fixture(autouse=True)
def english(app):
    """Messages are compared in English (the Vietnamese catalogue is tested elsewhere)."""
    with force_locale("en"):
        yield


def plan(*lines: str) -> list[reorg.Operation]:
    return reorg.parse_plan("\n".join([",".join(reorg.PLAN_HEADER), *lines]))


def apply(*lines: str, effective: date = EFFECTIVE, **kw):
    result = reorg.apply_plan(None, plan(*lines), effective, **kw)
    db.session.commit()
    return result


def code(unit: Unit) -> str:
    return unit.code


def all_balances() -> int:
    return sum(v.signed_amount for v in db.session.scalars(select(Voucher)))


@pytest.fixture
def world():
    """district_a → ward_a (branch_a, board_a), ward_b (branch_b); money, members, roles."""
    tree = build_tree()
    yesterday = today() - timedelta(days=3)
    for unit, name in ((tree.ward_a, "Nguyễn Văn Á"), (tree.ward_a, "Trần Thị Bình"),
                       (tree.ward_b, "Lê Văn Cường"), (tree.branch_a, "Phạm Thị Dung")):
        build_member(unit, name)
    build_voucher(tree.ward_a, amount=3_000_000, voucher_date=yesterday)
    build_voucher(tree.ward_a, amount=2_000_000, method="transfer", voucher_date=yesterday)
    build_voucher(tree.ward_a, "payment", amount=500_000, voucher_date=yesterday)
    fund = build_fund(tree.ward_b)
    build_voucher(tree.ward_b, amount=7_000_000, fund=fund, voucher_date=yesterday)
    db.session.commit()
    return tree


def test_plan_file_errors_name_the_line():
    with pytest.raises(reorg.PlanError) as e:
        plan("merge,,X,,,", "explode,A,,,,", "move,A,,,,P")
    assert [n for n, _ in e.value.errors] == [2, 3]
    with pytest.raises(reorg.PlanError) as e:
        reorg.parse_plan("action,codes\nmerge,A;B,C,,,")
    assert e.value.errors[0][0] == 1


def test_merge_into_a_new_unit_hands_over_everything(world, db):
    tree = world
    members_before = db.session.scalar(select(func.count()).select_from(Member))
    money_before = all_balances()
    numbers_before = {(v.book_id, v.number) for v in db.session.scalars(select(Voucher))}
    clerk = build_user("clerk", at=tree.ward_a)
    officer = build_officer(tree.ward_a, "Võ Thị Em", ("chair", date(2021, 1, 1)))

    result = apply(f"merge,{tree.ward_a.code};{tree.ward_b.code},NEW-W,Hội Khuyến học Phường "
                   f"Mới,commune,{tree.district_a.code}")

    new = db.session.scalar(select(Unit).where(Unit.code == "NEW-W"))
    assert new.valid_from == EFFECTIVE and new.parent_id == tree.district_a.id
    for old in (tree.ward_a, tree.ward_b):
        db.session.refresh(old)
        assert old.valid_to == LAST_DAY and old.successor_id == new.id
        assert treasury.settings_for(old).books_closed_through == EFFECTIVE
    # Sub-units and members carried over; nobody lost or counted twice.
    assert {u.id for u in new.children} == {tree.branch_a.id, tree.board_a.id, tree.branch_b.id}
    assert db.session.scalar(select(func.count()).select_from(Member)) == members_before
    assert db.session.scalar(select(func.count()).where(Member.unit_id == new.id)) == 3
    moves = db.session.scalars(select(MemberTransfer).where(MemberTransfer.unit_id == new.id))
    assert all("Phường Mới" in m.reason for m in moves)
    history = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "member.transfer")).all()
    assert len(history) == 3
    # Money: each fund and method handed over by a pair; totals and old numbers unchanged.
    assert all_balances() == money_before
    assert numbers_before <= {(v.book_id, v.number) for v in db.session.scalars(select(Voucher))}
    for old in (tree.ward_a, tree.ward_b):
        assert all(treasury.fund_balance(f) == 0 for f in treasury.funds_of(old))
    funds = {f.code: treasury.fund_balance(f) for f in treasury.funds_of(new)}
    assert funds == {treasury.GENERAL_FUND_CODE: 4_500_000, "HB": 7_000_000}
    record = result.summary["handovers"][0]
    assert {(f["from"], f["method"], f["amount"]) for f in record["funds"]} == {
        (tree.ward_a.code, "cash", 2_500_000), (tree.ward_a.code, "transfer", 2_000_000),
        (tree.ward_b.code, "cash", 7_000_000)}
    pairs = db.session.scalars(select(Voucher).where(Voucher.reason.like("Bàn giao%"))).all()
    assert len(pairs) == 6 and all(v.voucher_date == EFFECTIVE for v in pairs)
    # Posts end the day before; roles carried over to the successor.
    post = db.session.scalar(select(Position).where(Position.officer_id == officer.id))
    assert post.end_date == LAST_DAY
    roles = db.session.scalars(select(RoleAssignment).where(
        RoleAssignment.user_id == clerk.id)).all()
    assert {(r.unit_id, r.valid_to) for r in roles} == {(tree.ward_a.id, LAST_DAY),
                                                        (new.id, None)}
    # History: both predecessors recorded; roll-ups equal a rebuild.
    changes = db.session.scalars(select(UnitChange).where(UnitChange.successor_id == new.id))
    assert {c.old_name for c in changes} == {tree.ward_a.name, tree.ward_b.name}
    assert_current(db)


def test_merge_into_an_existing_unit_and_end_roles(world):
    tree = world
    chair = build_user("chair", at=tree.ward_b)
    apply(f"merge,{tree.ward_a.code};{tree.ward_b.code},{tree.ward_a.code},,,",
          carry_roles=False)
    db.session.refresh(tree.ward_b)
    assert tree.ward_b.successor_id == tree.ward_a.id
    assert tree.ward_a.valid_to is None
    assert db.session.scalar(select(func.count()).where(Member.unit_id == tree.ward_a.id)) == 3
    roles = db.session.scalars(select(RoleAssignment).where(
        RoleAssignment.user_id == chair.id)).all()
    assert [(r.unit_id, r.valid_to) for r in roles] == [(tree.ward_b.id, LAST_DAY)]


def test_dissolve_a_district_and_move_a_ward(world):
    tree = world
    apply(f"move,{tree.ward_b.code},,,,{tree.city.code}",
          f"dissolve,{tree.district_a.code},{tree.city.code},,,{tree.city.code}")
    for unit in (tree.ward_a, tree.ward_b, tree.district_a):
        db.session.refresh(unit)
    assert tree.ward_a.parent_id == tree.city.id and tree.ward_b.parent_id == tree.city.id
    assert tree.ward_a.path == f"{tree.city.path}{tree.ward_a.id}/"
    assert tree.district_a.valid_to == LAST_DAY
    assert tree.district_a.successor_id == tree.city.id


def test_rename_keeps_the_old_name_in_history(world):
    tree = world
    old_name = tree.ward_a.name
    apply(f"rename,{tree.ward_a.code},WARD-A2,Hội Khuyến học Phường Mới,,")
    db.session.refresh(tree.ward_a)
    assert tree.ward_a.code == "WARD-A2" and tree.ward_a.name == "Hội Khuyến học Phường Mới"
    change = db.session.scalar(select(UnitChange).where(UnitChange.unit_id == tree.ward_a.id))
    assert change.old_name == old_name and change.action == "rename"


@pytest.mark.parametrize("lines, message", [
    (["merge,NOPE;{ward_a},{ward_b},,,"], "Unknown unit code NOPE"),
    (["merge,{ward_a};{ward_b},NEW,,,"], "new_name"),
    (["merge,{ward_a};{ward_b},{ward_a},,,", "merge,{ward_b};{ward_c},{ward_c},,,"],
     "already ends on line 2"),
    (["merge,{ward_a};{ward_b},{ward_a},,,", "move,{branch_b},,,,{ward_b}"], "is closed"),
    (["move,{district_a},,,,{ward_a}"], "cannot be moved under itself"),
    (["move,{ward_a},,,,{branch_b}"], "cannot be placed under"),
])
def test_bad_plans_name_the_line_and_write_nothing(world, lines, message):
    tree = world
    names = {k: v.code for k, v in tree.units.items()}
    units_before = db.session.scalar(select(func.count()).select_from(Unit))
    vouchers_before = db.session.scalar(select(func.count()).select_from(Voucher))
    with pytest.raises(reorg.PlanError) as e:
        reorg.apply_plan(None, plan(*(line.format(**names) for line in lines)), EFFECTIVE)
    db.session.rollback()
    assert message in str(e.value)
    assert all(n >= 2 for n, _ in e.value.errors)
    assert db.session.scalar(select(func.count()).select_from(Unit)) == units_before
    assert db.session.scalar(select(func.count()).select_from(Voucher)) == vouchers_before


def test_effective_date_before_the_last_voucher_is_refused(world):
    tree = world
    with pytest.raises(reorg.PlanError) as e:
        reorg.apply_plan(None, plan(f"merge,{tree.ward_a.code};{tree.ward_b.code},"
                                    f"{tree.ward_a.code},,,"), today() - timedelta(days=5))
    assert "after the effective date" in str(e.value)
    with pytest.raises(reorg.PlanError) as e:
        reorg.apply_plan(None, plan(f"rename,{tree.ward_a.code},,Tên mới,,"),
                         today() + timedelta(days=1))
    assert "future" in str(e.value)


def test_cli_dry_run_writes_nothing_and_prints_the_summary(app, world, tmp_path):
    tree = world
    path = tmp_path / "plan.csv"
    path.write_text(",".join(reorg.PLAN_HEADER) + "\n"
                    + f"merge,{tree.ward_a.code};{tree.ward_b.code},{tree.ward_a.code},,,\n",
                    encoding="utf-8")
    vouchers_before = db.session.scalar(select(func.count()).select_from(Voucher))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reorganise", str(path), "--effective",
                                 EFFECTIVE.isoformat(), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "members moved: 1" in result.output and "Dry run" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Voucher)) == vouchers_before
    result = runner.invoke(args=["reorganise", str(path), "--effective", EFFECTIVE.isoformat()])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Unit, tree.ward_b.id).valid_to == LAST_DAY


def test_a_negative_cash_line_is_netted_and_listed_to_settle(world):
    """Old books where a cash payment was funded by a transfer receipt: the fund's total goes
    over, its bank part net of the cash shortfall, and the shortfall is an item to settle."""
    tree = world
    fund = next(f for f in treasury.funds_of(tree.ward_b) if f.code == "HB")
    build_voucher(tree.ward_b, amount=1_000_000, method="transfer", fund=fund,
                  voucher_date=today() - timedelta(days=2))
    build_voucher(tree.ward_b, "payment", amount=7_600_000, fund=fund, allow_overdraw=True,
                  voucher_date=today() - timedelta(days=2))  # cash 7.0M - 7.6M = -0.6M
    money_before = all_balances()
    result = apply(f"merge,{tree.ward_a.code};{tree.ward_b.code},{tree.ward_a.code},,,")
    record = result.summary["handovers"][0]
    assert [(f["fund"], f["method"], f["amount"]) for f in record["funds"]
            if f["from"] == tree.ward_b.code] == [(fund.name, "transfer", 400_000)]
    assert {"what": "negative", "fund": fund.name, "unit": tree.ward_b.name,
            "amount": 600_000} in record["open_items"]
    assert treasury.fund_balance(fund) == 0 and all_balances() == money_before


def test_a_fund_below_zero_stops_the_plan(world):
    tree = world
    build_voucher(tree.ward_b, "payment", amount=100, allow_overdraw=True,
                  voucher_date=today() - timedelta(days=2))
    with pytest.raises(reorg.PlanError) as e:
        reorg.apply_plan(None, plan(f"merge,{tree.ward_a.code};{tree.ward_b.code},"
                                    f"{tree.ward_a.code},,,"), EFFECTIVE)
    assert "below zero" in str(e.value) and e.value.errors[0][0] == 2


def test_roles_never_widen_when_a_district_ends(world):
    """A district approver does not become a city approver when the district is dissolved."""
    tree = world
    approver = build_user("approver", at=tree.district_a)
    apply(f"dissolve,{tree.district_a.code},{tree.city.code},,,{tree.city.code}")
    roles = db.session.scalars(select(RoleAssignment).where(
        RoleAssignment.user_id == approver.id)).all()
    assert [(r.unit_id, r.valid_to) for r in roles] == [(tree.district_a.id, LAST_DAY)]


def test_the_sample_plan_on_the_demo_loses_nothing(db):
    """Dissolve Quận 4, merge two of its wards, move the third under the city: members, the
    sum of every fund's balance and every voucher number stay; old units close with
    successors; the city's figures for the year before and after are the same."""
    from pathlib import Path

    from assoc.demo import seed_demo
    from assoc.services import reports

    seed_demo()
    db.session.commit()
    city = db.session.scalar(select(Unit).where(Unit.code == "HCM"))
    year = reports.Period(date(EFFECTIVE.year, 1, 1), date(EFFECTIVE.year, 12, 31))
    scope = reports.Scope(city)
    before = (db.session.scalar(select(func.count()).where(Member.status == "active")),
              all_balances(),
              {(v.book_id, v.number, v.amount, v.status) for v in db.session.scalars(
                  select(Voucher))},
              reports.member_figures(scope, year), reports.money_figures(scope, year).balance)
    sample = Path(__file__).resolve().parents[1] / "assoc" / "static" / "samples" / \
        "reorganise-demo.csv"
    result = reorg.apply_plan(None, reorg.parse_plan(sample.read_bytes()), EFFECTIVE)
    db.session.commit()
    assert db.session.scalar(select(func.count()).where(Member.status == "active")) == before[0]
    assert all_balances() == before[1]
    after = {(v.book_id, v.number, v.amount, v.status) for v in db.session.scalars(
        select(Voucher))}
    assert before[2] <= after  # every old voucher as it was; only handover pairs added
    added = db.session.scalars(select(Voucher).where(Voucher.reason.like("Bàn giao%"))).all()
    assert len(after - before[2]) == len(added) and len(added) % 2 == 0
    assert sum(v.amount for v in added if v.kind == "receipt") == sum(
        v.amount for v in added if v.kind == "payment")
    by_code = {u.code: u for u in db.session.scalars(select(Unit))}
    assert by_code["HCM-Q4"].successor_id == city.id
    assert by_code["HCM-Q4-KH"].successor_id == by_code["HCM-KHXC"].id
    assert by_code["HCM-Q4-XC"].successor_id == by_code["HCM-KHXC"].id
    assert by_code["HCM-Q4-VH"].parent_id == city.id and by_code["HCM-Q4-VH"].valid_to is None
    assert len(result.summary["handovers"]) == 2
    assert_current(db)
    assert reports.member_figures(scope, year) == before[3]
    assert reports.money_figures(scope, year).balance == before[4]


def snapshot():
    """What an undo must put back: every unit's place and state, members' units, balances."""
    return ({(u.id, u.parent_id, u.path, u.name, u.code, u.valid_to, u.successor_id)
             for u in db.session.scalars(select(Unit))},
            {(m.id, m.unit_id) for m in db.session.scalars(select(Member))},
            {f.id: treasury.fund_balance(f) for u in db.session.scalars(select(Unit))
             for f in treasury.funds_of(u) if treasury.fund_balance(f)},
            {(r.id, r.unit_id, r.valid_from, r.valid_to)
             for r in db.session.scalars(select(RoleAssignment))},
            {(p.id, p.start_date, p.end_date) for p in db.session.scalars(select(Position))})


def test_undo_on_the_same_day_puts_everything_back(world, db):
    tree = world
    build_user("chair", at=tree.ward_b)
    build_officer(tree.ward_a, "Võ Thị Em", ("chair", date(2021, 1, 1)))
    before = snapshot()
    result = apply(f"merge,{tree.ward_a.code};{tree.ward_b.code},NEW-W,Hội Khuyến học Phường "
                   f"Mới,commune,{tree.district_a.code}",
                   f"dissolve,{tree.district_b.code},{tree.city.code},,,{tree.city.code}")
    assert reorg.can_undo(result)
    reorg.undo_plan(None, result)
    db.session.commit()
    db.session.expire_all()
    units_before, *rest_before = before
    units_after, *rest_after = snapshot()
    # The unit the plan created never existed: it ends the day before it began, its code freed.
    new = db.session.scalar(select(Unit).where(Unit.code.like("NEW-W~%")))
    assert units_after - units_before == {(new.id, new.parent_id, new.path, new.name, new.code,
                                           new.valid_from - timedelta(days=1), None)}
    assert rest_after == rest_before
    handovers = db.session.scalars(select(Voucher).where(Voucher.reason.like("Bàn giao%")))
    assert all(v.is_void for v in handovers)
    assert result.status == "undone" and not reorg.can_undo(result)
    assert_current(db)


def test_undo_is_refused_once_something_new_was_written(world, db):
    tree = world
    result = apply(f"merge,{tree.ward_a.code};{tree.ward_b.code},{tree.ward_a.code},,,")
    build_member(tree.ward_a, "Người Mới Vào")
    assert not reorg.can_undo(result)
    assert [e.action for e in reorg.undo_blockers(result)] == ["member.create"]
    with pytest.raises(reorg.DomainError, match="cannot be undone"):
        reorg.undo_plan(None, result)


def test_undo_only_on_the_day(world, db):
    tree = world
    result = apply(f"merge,{tree.ward_a.code};{tree.ward_b.code},{tree.ward_a.code},,,")
    result.created_at = result.created_at - timedelta(days=1)
    db.session.commit()
    assert not reorg.can_undo(result)
    with pytest.raises(reorg.DomainError, match="only on the day"):
        reorg.undo_plan(None, result)
