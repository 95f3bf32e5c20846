"""The monthly roll-ups (services.tally) stay equal to a rebuild from the records after every
kind of write, including the ones that bypass the ORM, and the dashboards read them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, func, select, update

from assoc.models import TalliedUnit, UnitTally, today
from assoc.services import events, imports, members, reports, scholarships, tally, treasury
from assoc.services.reports import Period, Scope

from .builders import (
    build_event,
    build_member,
    build_nomination,
    build_program,
    build_voucher,
    build_workbook,
    race,
)
from .levels_check import assert_levels

YEAR = today().year
PAST = YEAR - 1  # dates that are never in the future, whenever the tests run


def stored(db) -> dict[tuple[int, int], dict[str, int]]:
    rows = db.session.scalars(select(UnitTally)).all()
    return {(r.unit_id, r.month): {name: getattr(r, name) for name in tally.FIGURES}
            for r in rows}


def rebuilt(db) -> dict[tuple[int, int], dict[str, int]]:
    unit_ids = db.session.scalars(select(TalliedUnit.unit_id)).all()
    return dict(tally.compute(list(unit_ids), db.session))


def assert_current(db):
    """Committed roll-ups equal what a rebuild from the records gives."""
    db.session.commit()
    rows = stored(db)
    assert rows == rebuilt(db)
    # Each unit's TOTAL row is the sum of its other rows (dues paid is per year: left 0).
    units = {u for u, _ in rows}
    for unit_id in units:
        own = [r for (u, m), r in rows.items() if u == unit_id and m < tally.TOTAL]
        assert rows[unit_id, tally.TOTAL] == {name: 0 if name == "dues_paid" else sum(
            r[name] for r in own) for name in tally.FIGURES}
    # The money rows by day (yyyymmdd, above TOTAL) add up to their month's.
    months: dict[tuple[int, int], dict[str, int]] = {}
    for (unit_id, key), r in rows.items():
        if key > tally.TOTAL:
            month = months.setdefault((unit_id, key // 100), dict.fromkeys(tally.DAY_FIGURES, 0))
            for name in tally.DAY_FIGURES:
                month[name] += r[name]
            assert all(r[name] == 0 for name in tally.FIGURES if name not in tally.DAY_FIGURES)
    for (unit_id, month), figures in rows.items():
        if 0 < month < tally.TOTAL and month % 100:
            assert months.get((unit_id, month), dict.fromkeys(tally.DAY_FIGURES, 0)) == {
                name: figures[name] for name in tally.DAY_FIGURES}, (unit_id, month)
    assert_levels(db)


def test_every_kind_of_write_keeps_the_roll_ups_current(tree, db):
    ward, branch = tree.ward_a, tree.branch_a
    # Build every unit once (as the first dashboard would), then write.
    reports.prepare(tree.city)
    assert_current(db)
    a = build_member(ward, "Nguyễn Thị Thu", joined_on=date(PAST, 3, 5))
    b = build_member(branch, "Trần Văn Bình", joined_on=date(YEAR - 1, 7, 1))
    build_member(ward, "Lê Văn Cũ")  # no joining date
    assert_current(db)

    members.set_dues_rate(None, ward, year=YEAR, amount=60_000)
    members.set_dues_rate(None, branch, year=YEAR, amount=24_000)
    paid = members.pay_dues(None, b, year=YEAR)  # collected by the ward, counted for the branch
    assert_current(db)
    assert stored(db)[branch.id, YEAR * 100]["dues_paid"] == 1

    members.transfer_member(None, b, tree.ward_b)
    assert_current(db)
    assert (branch.id, YEAR * 100) not in stored(db)
    assert stored(db)[tree.ward_b.id, YEAR * 100]["dues_paid"] == 1

    treasury.void_voucher(None, paid.voucher, "Thu nhầm")
    assert_current(db)
    assert (tree.ward_b.id, YEAR * 100) not in stored(db)

    members.end_membership(None, a, reason="Chuyển đi")
    assert_current(db)
    members.reinstate(None, a)
    c = build_member(branch, "Nguyễn Thị Thu", phone="0903 111 222")
    members.pay_dues(None, c, year=YEAR)
    assert_current(db)
    members.merge_members(None, a, c)  # dues move to `a` in one UPDATE
    assert_current(db)
    assert stored(db)[ward.id, YEAR * 100]["dues_paid"] == 1

    build_voucher(ward, "receipt", 5_000_000)
    payment = build_voucher(ward, "payment", 200_000)
    treasury.void_voucher(None, payment, "Chi nhầm")
    assert_current(db)

    program = build_program(tree.district_a, quotas={ward: 3})
    build_voucher(tree.district_a, "receipt", 10_000_000, fund=program.fund)
    award = build_nomination(program, ward, status="approved")
    assert_current(db)
    scholarships.pay_awards(None, program, [award])
    assert_current(db)
    assert stored(db)[ward.id, tally.TOTAL]["award_paid"] == \
        award.amount

    walk = build_event(ward, kind="piggy_bank", status="held",
                       starts_at=datetime(PAST, 5, 1, 1, tzinfo=UTC))
    events.record_donation(None, ward, method="cash", event=walk, amount=1_500_000,
                           anonymous=True)
    events.record_donation(None, ward, method="in_kind", event=walk, items="Vở", anonymous=True,
                           quantity=100, estimated_value=800_000)
    assert_current(db)
    events.cancel_event(None, build_event(ward, status="planned"), "Mưa bão")
    assert_current(db)
    # Piggy banks: counting sheets count at the event's month with its donations.
    sheet = events.record_counting_sheet(None, walk, group_name="Lớp 5A", counts={"n500000": 3},
                                         counter_1="Cô Lan", counter_2="Thầy Hùng")
    assert_current(db)
    assert stored(db)[ward.id, PAST * 100 + 5]["raised"] == 1_500_000 + 1_500_000
    assert stored(db)[ward.id, PAST * 100 + 5]["in_kind"] == 800_000
    events.delete_counting_sheet(None, sheet)
    assert_current(db)
    late = build_event(ward, status="planned", starts_at=datetime(PAST, 8, 1, 1, tzinfo=UTC))
    events.record_donation(None, ward, method="transfer", event=late, amount=300_000,
                           anonymous=True)
    assert_current(db)
    events.cancel_event(None, late, "Hoãn")  # a cancelled event raises nothing
    assert_current(db)
    assert stored(db).get((ward.id, PAST * 100 + 8), {}).get("raised", 0) == 0

    book = build_workbook([["Họ và tên", "Ngày vào hội"],
                           ["Phạm Thị Dung", f"01/02/{PAST}"],
                           ["Huỳnh Minh Đức", f"15/02/{PAST}"]])
    imports.commit(None, ward, imports.parse(book, "ds.xlsx", ward))  # a bulk INSERT
    assert_current(db)
    assert stored(db)[ward.id, PAST * 100 + 2]["members"] == 2

    members.delete_member(None, db.session.get(type(a), build_member(branch, "Xóa Thử").id))
    assert_current(db)


def test_figures_include_what_this_session_has_not_committed(tree, db):
    build_member(tree.ward_a, "Nguyễn Văn An", joined_on=date(YEAR, 1, 1))
    before = reports.member_figures(Scope(tree.city), Period.year(YEAR))
    members.create_member(None, tree.ward_b, full_name="Trần Thị Bé", joined_on=date(YEAR, 1, 1))
    after = reports.member_figures(Scope(tree.city), Period.year(YEAR))
    assert (after.total, after.new) == (before.total + 1, before.new + 1)


def test_a_rollback_forgets_the_pending_units(tree, db):
    build_member(tree.ward_a, "Nguyễn Văn An")
    members.create_member(None, tree.ward_a, full_name="Trần Thị Bé")
    db.session.flush()
    db.session.rollback()
    assert tally.PENDING not in db.session.info
    assert reports.member_figures(Scope(tree.ward_a), Period.year(YEAR)).total == 1


@pytest.mark.parametrize(("moment", "month"), [
    (datetime(2026, 1, 31, 16, 59, tzinfo=UTC), 202601),  # 23:59 in Hà Nội
    (datetime(2026, 1, 31, 17, 0, tzinfo=UTC), 202602),   # 00:00 on 1 February there
    (datetime(2026, 12, 31, 17, 30), 202701),             # naive, as SQLite returns UTC
])
def test_timestamps_fall_in_the_vietnamese_month(moment, month):
    assert tally.vn_month(moment) == month


def test_an_upgraded_database_builds_roll_ups_on_the_first_dashboard(tree, db, client_as):
    build_member(tree.ward_a, "Nguyễn Văn An")
    build_voucher(tree.ward_c, "receipt", 700_000)
    db.session.execute(delete(UnitTally))
    db.session.execute(delete(TalliedUnit))
    db.session.commit()
    page = client_as("viewer", at=tree.city).get(f"/units/{tree.city.id}/dashboard")
    assert page.status_code == 200
    db.session.expire_all()
    built = db.session.scalar(select(func.count()).select_from(TalliedUnit))
    assert built == db.session.scalar(select(func.count()).select_from(reports.Unit))
    assert stored(db) == rebuilt(db)


def report_world(tree):
    from assoc.extensions import db

    """Records on both sides of month boundaries, so a range that cuts months is tested."""
    for unit, joined in [(tree.ward_a, date(PAST, 1, 1)), (tree.branch_a, date(PAST, 1, 20)),
                         (tree.ward_b, date(PAST, 6, 10)), (tree.ward_c, date(PAST - 2, 6, 1)),
                         (tree.board_a, None)]:
        build_member(unit, "Nguyễn Văn An", joined_on=joined)
    for unit, day, amount in [(tree.ward_a, date(PAST, 1, 14), 5_000_000),
                              (tree.ward_a, date(PAST, 1, 15), 700_000),
                              (tree.branch_a, date(PAST, 3, 31), 1_250_000),
                              (tree.ward_c, date(PAST, 6, 11), 9_000_000)]:
        build_voucher(unit, "receipt", amount, voucher_date=day)
    program = build_program(tree.district_a, quotas={tree.ward_a: 3, tree.ward_b: 3})
    build_nomination(program, tree.branch_a, status="approved")
    fair = build_event(tree.ward_b, kind="piggy_bank", status="held",
                       starts_at=datetime(PAST, 1, 31, 18, tzinfo=UTC))
    events.record_donation(None, tree.ward_b, method="cash", event=fair, amount=400_000,
                           anonymous=True)
    events.record_counting_sheet(None, fair, group_name="Lớp 3B", counts={"n200000": 2},
                                 counter_1="Cô Lan", counter_2="Thầy Hùng")
    db.session.commit()


def report_values(report):
    rows, totals = report
    return [(r.unit.id if r.unit else None, r.values) for r in rows], totals


@pytest.mark.parametrize("period", [
    Period.year(PAST),
    Period(date(PAST, 1, 15), date(PAST, 6, 10)),   # cuts January and June
    Period(date(PAST, 1, 15), date(PAST, 1, 31)),   # inside one month
    Period(date(PAST - 1, 12, 1), date(PAST, 2, 28)),  # whole months across a year
], ids=["year", "cut-months", "inside-a-month", "across-years"])
def test_period_report_from_roll_ups_equals_the_records(tree, db, monkeypatch, period):
    """The same range, once through the roll-ups and once straight from the records."""
    report_world(tree)
    from_tally = reports.period_report(tree.city, period)
    monkeypatch.setattr(reports, "split_months", lambda p: (None, [p]))
    direct = reports.period_report(tree.city, period)
    assert report_values(from_tally) == report_values(direct)
    assert from_tally[1]["members"] == 5


def test_a_cut_range_counts_the_days_at_its_edges(tree, db):
    report_world(tree)
    rows, totals = reports.period_report(tree.city, Period(date(PAST, 1, 15), date(PAST, 6, 10)))
    assert totals["new_members"] == 2       # 20 Jan and 10 Jun, not 1 Jan
    assert totals["money_in"] == 700_000 + 1_250_000  # not 14 Jan, not 11 Jun
    assert totals["events"] == 1            # 18:00 UTC on 31 Jan is 1 Feb in Việt Nam


@pytest.mark.parametrize(("start", "end", "months", "edges"), [
    ("2026-01-01", "2026-12-31", ("2026-01-01", "2026-12-31"), []),
    ("2026-01-15", "2026-06-10", ("2026-02-01", "2026-05-31"),
     [("2026-01-15", "2026-01-31"), ("2026-06-01", "2026-06-10")]),
    ("2026-01-15", "2026-01-20", None, [("2026-01-15", "2026-01-20")]),
    ("2026-01-15", "2026-02-28", ("2026-02-01", "2026-02-28"), [("2026-01-15", "2026-01-31")]),
    ("2024-02-01", "2024-02-28", None, [("2024-02-01", "2024-02-28")]),  # leap year
    ("2025-12-02", "2026-01-31", ("2026-01-01", "2026-01-31"), [("2025-12-02", "2025-12-31")]),
])
def test_split_months(start, end, months, edges):
    def p(a, b):
        return Period(date.fromisoformat(a), date.fromisoformat(b))

    assert reports.split_months(p(start, end)) == (p(*months) if months else None,
                                                   [p(*e) for e in edges])


def test_roll_ups_hold_whole_months_only(tree, db):
    with pytest.raises(ValueError):
        reports.member_figures(Scope(tree.city), Period(date(YEAR, 1, 1), date(YEAR, 1, 15)))


def test_writers_racing_in_one_unit_are_all_counted(tree, db, racing_app):
    """Each writer rebuilds the unit at commit; on PostgreSQL they queue on an advisory lock,
    so none rebuilds from a view that misses another's committed member."""
    from assoc.extensions import db as sa

    unit_id = tree.ward_a.id
    reports.prepare(tree.city)
    db.session.commit()

    def register(i):
        unit = sa.session.get(reports.Unit, unit_id)
        members.create_member(None, unit, full_name=f"Người thứ {i}", joined_on=date(YEAR, 1, 1))

    _, errors = race(racing_app, 12, register)
    assert errors == []
    db.session.expire_all()
    assert stored(db) == rebuilt(db)
    assert stored(db)[unit_id, YEAR * 100 + 1]["members"] == 12
    assert_levels(db)


def test_rebuild_command_mends_roll_ups_changed_behind_the_apps_back(tree, db, app):
    build_member(tree.ward_a, "Nguyễn Văn An", joined_on=date(YEAR, 1, 1))
    db.session.execute(
        update(UnitTally).values(members=99).execution_options(synchronize_session=False))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["rebuild-rollups", "--unit-code",
                                                   tree.district_a.code])
    assert result.exit_code == 0, result.output
    assert "rebuilt" in result.output
    db.session.expire_all()
    assert reports.member_figures(Scope(tree.ward_a), Period.year(YEAR)).total == 1
    missing = app.test_cli_runner().invoke(args=["rebuild-rollups", "--unit-code", "NOPE"])
    assert missing.exit_code != 0 and "NOPE" in missing.output


def test_cut_days_count_what_was_raised_at_events(tree, db, monkeypatch):
    # Each event's gifts are summed through its own index: cash and transfers with the counting
    # sheets in "raised", gifts in kind apart, an event without gifts adding nothing.
    walk = build_event(tree.ward_a, kind="piggy_bank", status="held",
                       starts_at=datetime(PAST, 5, 3, 1, tzinfo=UTC))
    events.record_donation(None, tree.ward_a, method="cash", event=walk, amount=1_500_000,
                           anonymous=True)
    events.record_donation(None, tree.ward_a, method="in_kind", event=walk, items="Vở",
                           anonymous=True, quantity=100, estimated_value=800_000)
    events.record_counting_sheet(None, walk, group_name="Lớp 5A", counts={"n500000": 3},
                                 counter_1="Cô Lan", counter_2="Thầy Hùng")
    build_event(tree.ward_b, status="held", starts_at=datetime(PAST, 5, 4, 1, tzinfo=UTC))
    late = build_event(tree.ward_b, status="held", starts_at=datetime(PAST, 5, 20, 1, tzinfo=UTC))
    events.record_donation(None, tree.ward_b, method="cash", event=late, amount=70_000,
                           anonymous=True)
    db.session.commit()
    period = Period(date(PAST, 4, 20), date(PAST, 5, 10))  # both ends cut, no whole month
    for in_sql in (True, False):
        monkeypatch.setattr(reports, "SQL_CHILDREN", in_sql)
        db.session.expire_all()
        rows, totals = reports.period_report(tree.city, period)
        assert (totals["raised"], totals["events"]) == (1_500_000 + 1_500_000, 2)
        flows = reports._flows(reports.pieces(period), lambda t: t.below(tree.city))
        assert sum(f.get("in_kind", 0) for f in flows.values()) == 800_000
