"""Per-level roll-ups (SubtreeTally): after every kind of write, a unit moved and moved back,
a reorganisation applied and undone and a rebuild, every unit's sub-tree rows equal the sum of
its sub-tree's unit rows; and dashboards and period reports read from them give exactly the
figures the unit rows give."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, select, update

from assoc.extensions import db as sa
from assoc.models import Member, SubtreeTally, Unit, today
from assoc.services import events, members, reorg, reports, scholarships, tally, treasury, units
from assoc.services.reports import Period, Scope

from .builders import (
    build_event,
    build_member,
    build_nomination,
    build_program,
    build_unit,
    build_voucher,
    race,
)
from .levels_check import assert_levels, stored_levels

YEAR = today().year
PAST = YEAR - 1
SAMPLE = Path(__file__).resolve().parents[1] / "assoc" / "static" / "samples" / \
    "reorganise-demo.csv"
WHOLE = [Period.year(YEAR), Period.year(PAST), Period(date(PAST, 3, 1), date(PAST, 5, 31)),
         Period(date(PAST, 6, 1), date(YEAR, 12, 31))]
CUT = [Period(date(YEAR, 1, 15), date(YEAR, 6, 10)), Period(date(PAST, 2, 3), date(PAST, 2, 20))]


def figures(unit: Unit, period: Period) -> tuple:
    """Everything a dashboard and a period report show of `unit` for `period`."""
    rows, totals = reports.period_report(unit, period)
    report = ({(r.unit.id if r.unit else None, r.name): dict(r.values) for r in rows}, totals)
    if period not in WHOLE:
        return report
    cards = tuple((reports.member_figures(scope, period), reports.money_figures(scope, period),
                   reports.award_figures(scope, period), reports.event_figures(scope, period))
                  for scope in (Scope(unit), Scope(unit, subtree=False)))
    return report, cards, members.subtree_members(unit)


def assert_both_paths_agree(monkeypatch, units_: list[Unit], *, expect_levels: bool = True):
    """The figures read with the per-level rows equal those read from the unit rows only; and
    the per-level rows are really read (where the tree has not changed since)."""
    read: list[str] = []

    def spy(conn, cursor, statement, *args):
        read.append(statement)

    for unit in units_:
        for period in WHOLE + CUT:
            monkeypatch.setattr(reports, "USE_LEVELS", False)
            before = figures(unit, period)
            monkeypatch.setattr(reports, "USE_LEVELS", True)
            event.listen(sa.engine, "before_cursor_execute", spy)
            try:
                after = figures(unit, period)
            finally:
                event.remove(sa.engine, "before_cursor_execute", spy)
            assert after == before, (unit.name, period)
    if expect_levels:
        assert any("subtree_tally" in s for s in read)


def test_every_write_keeps_each_level_equal_to_its_units(tree, db, monkeypatch):
    ward, branch = tree.ward_a, tree.branch_a
    reports.prepare(tree.city)
    assert_levels(db)
    assert stored_levels(db) == {}  # nothing recorded yet
    a = build_member(ward, "Nguyễn Thị Thu", joined_on=date(PAST, 3, 5))
    b = build_member(branch, "Trần Văn Bình", joined_on=date(PAST, 7, 1))
    build_member(tree.ward_c, "Lê Văn Cũ")  # no joining date
    assert_levels(db)
    city = stored_levels(db)[tree.city.id, tally.TOTAL]
    assert city["members"] == 3 and city["unit_rows"] == 3  # three units' TOTAL rows

    members.set_dues_rate(None, ward, year=YEAR, amount=60_000)
    members.set_dues_rate(None, branch, year=YEAR, amount=24_000)
    paid = members.pay_dues(None, b, year=YEAR)
    assert_levels(db)
    members.transfer_member(None, b, tree.ward_b)  # between wards of one district
    assert_levels(db)
    members.transfer_member(None, a, tree.ward_c)  # to another district
    assert_levels(db)
    treasury.void_voucher(None, paid.voucher, "Thu nhầm")
    assert_levels(db)
    build_voucher(ward, "receipt", 5_000_000)
    build_voucher(tree.branch_b, "receipt", 300_000)
    payment = build_voucher(tree.branch_b, "payment", 200_000)
    assert_levels(db)
    treasury.void_voucher(None, payment, "Chi nhầm")
    assert_levels(db)
    program = build_program(tree.district_a, quotas={ward: 3})
    build_voucher(tree.district_a, "receipt", 10_000_000, fund=program.fund)
    award = build_nomination(program, ward, status="approved")
    assert_levels(db)
    scholarships.pay_awards(None, program, [award])
    assert_levels(db)
    walk = build_event(tree.board_a, kind="piggy_bank", status="held",
                       starts_at=datetime(PAST, 5, 1, 1, tzinfo=UTC))
    events.record_donation(None, tree.board_a, method="cash", event=walk, amount=1_500_000,
                           anonymous=True)
    events.record_donation(None, tree.board_a, method="in_kind", event=walk, items="Vở",
                           anonymous=True, quantity=100, estimated_value=800_000)
    assert_levels(db)
    members.end_membership(None, a, reason="Chuyển đi")
    assert_levels(db)
    assert_both_paths_agree(monkeypatch, [tree.city, tree.district_a, ward, tree.ward_c])

    # A unit moves with its sub-tree (and its records): the old and the new ancestors change.
    new_district = build_unit("district_c", tree.city)
    sa.session.commit()
    units.move_unit(None, ward, new_district)
    sa.session.commit()
    assert_levels(db)
    levels = stored_levels(db)
    assert levels[new_district.id, tally.TOTAL] == levels[ward.id, tally.TOTAL]
    assert levels[ward.id, tally.TOTAL]["money_in"] >= 5_000_000
    assert_both_paths_agree(monkeypatch, [tree.city, tree.district_a, new_district, ward])
    build_member(branch, "Phạm Thị Dung", joined_on=date(YEAR, 1, 2))
    units.move_unit(None, ward, tree.district_a)  # back, in the same transaction as a write
    build_member(ward, "Huỳnh Minh Đức", joined_on=date(YEAR, 1, 3))
    assert_levels(db)
    assert (new_district.id, tally.TOTAL) not in stored_levels(db)  # nothing below it now
    assert_both_paths_agree(monkeypatch, [tree.city, tree.district_a, new_district, ward])


def test_rebuild_command_sums_the_levels_again(tree, db, app):
    build_member(tree.branch_a, "Nguyễn Văn An", joined_on=date(YEAR, 1, 1))
    build_member(tree.ward_c, "Nguyễn Văn Bá", joined_on=date(YEAR, 2, 1))
    assert_levels(db)
    sa.session.execute(update(SubtreeTally).values(members=99)
                       .execution_options(synchronize_session=False))
    sa.session.add(SubtreeTally(unit_id=tree.ward_b.id, month=YEAR * 100 + 5, unit_rows=1,
                                **dict.fromkeys(tally.FIGURES, 7)))
    sa.session.commit()
    result = app.test_cli_runner().invoke(args=["rebuild-rollups", "--unit-code",
                                                   tree.district_a.code])
    assert result.exit_code == 0, result.output
    sa.session.expire_all()
    # district_a's sub-tree and the units above it are mended; district_b's are not yet.
    assert stored_levels(db)[tree.district_b.id, tally.TOTAL]["members"] == 99
    assert stored_levels(db)[tree.city.id, tally.TOTAL]["members"] == 2
    assert (tree.ward_b.id, YEAR * 100 + 5) not in stored_levels(db)
    result = app.test_cli_runner().invoke(args=["rebuild-rollups"])
    assert result.exit_code == 0, result.output
    assert_levels(db)


def test_writers_racing_below_one_district_are_all_counted(tree, db, racing_app):
    """Writers in different wards add to the same district and city rows at once."""
    wards = [tree.ward_a.id, tree.ward_b.id, tree.branch_a.id, tree.ward_c.id]
    reports.prepare(tree.city)
    sa.session.commit()

    def register(i):
        unit = sa.session.get(Unit, wards[i % len(wards)])
        members.create_member(None, unit, full_name=f"Người thứ {i}",
                              joined_on=date(YEAR, 1 + i % 3, 1))

    _, errors = race(racing_app, 12, register)
    assert errors == []
    assert_levels(db)
    assert stored_levels(db)[tree.city.id, tally.TOTAL]["members"] == 12


@pytest.fixture
def demo(db):
    from assoc.demo import seed_demo

    seed_demo()
    sa.session.commit()
    return lambda code: sa.session.scalar(select(Unit).where(Unit.code == code))


def test_a_reorganisation_applied_and_undone_keeps_the_levels(demo, db, monkeypatch):
    city, q4 = demo("HCM"), demo("HCM-Q4")
    reports.prepare(city)
    assert_levels(db)
    assert_both_paths_agree(monkeypatch, [city, q4, demo("HCM-Q4-KH")])
    plan = reorg.apply_plan(None, reorg.parse_plan(SAMPLE.read_bytes()), today())
    sa.session.commit()
    assert_levels(db)
    # After the plan: periods before its date read the tree of their days (unit rows only),
    # the figures stay the same either way.
    assert_both_paths_agree(monkeypatch, [city, demo("HCM-KHXC"), demo("HCM-Q4-VH")])
    reorg.undo_plan(None, plan)
    sa.session.commit()
    assert_levels(db)
    member = sa.session.scalar(select(Member).where(Member.status == "active")
                               .order_by(Member.id))
    build_voucher(member.unit, "receipt", 700_000)
    assert_levels(db)
    assert_both_paths_agree(monkeypatch, [city, q4, demo("HCM-Q4-KH")])


@pytest.mark.parametrize("which", ["all", "district_a"])
def test_a_big_rebuild_sums_the_levels_again_sub_tree_by_sub_tree(tree, db, monkeypatch, which):
    """Rebuilds of many units (a province, the nation) sum the levels again from the top of
    each rebuilt sub-tree, a large sub-tree one sub-unit at a time."""
    build_member(tree.branch_a, "Nguyễn Văn An", joined_on=date(YEAR, 1, 1))
    build_member(tree.ward_b, "Nguyễn Văn Bá", joined_on=date(PAST, 2, 1))
    build_member(tree.ward_c, "Nguyễn Văn Ca", joined_on=date(PAST, 3, 1))
    build_voucher(tree.district_b, "receipt", 400_000)
    assert_levels(db)
    sa.session.execute(update(SubtreeTally).values(members=99)
                       .execution_options(synchronize_session=False))
    sa.session.commit()
    monkeypatch.setattr(tally, "LOCK_UNITS", 2)
    monkeypatch.setattr(tally, "SPLIT", 3)
    top = tree.city if which == "all" else tree.district_a
    tally.rebuild(sa.session.scalars(select(Unit.id).where(Unit.path.startswith(top.path))))
    sa.session.commit()
    if which == "all":
        assert_levels(db)
    else:  # district_a's sub-tree and the city above it summed again; district_b's not
        levels = stored_levels(db)
        assert levels[tree.city.id, tally.TOTAL]["members"] == 3
        assert levels[tree.district_a.id, tally.TOTAL]["members"] == 2
        assert levels[tree.district_b.id, tally.TOTAL]["members"] == 99
