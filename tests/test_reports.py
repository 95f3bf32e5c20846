"""Dashboards and period reports: the roll-ups equal the sums of the lists below them, the
sub-unit rows add up to the totals, and a page costs the same number of queries whatever the
size of the tree."""

from datetime import date

import pytest
from sqlalchemy import func, select

from assoc.models import Member, Voucher, today
from assoc.services import members as member_svc
from assoc.services import reports
from assoc.services.members import ListFilters
from assoc.services.reports import Period, Scope

from .builders import (
    build_event,
    build_member,
    build_nomination,
    build_officer,
    build_program,
    build_unit,
    build_user,
    build_voucher,
)
from .sql_seen import statements

YEAR = today().year
THIS_YEAR = Period.year(YEAR)


@pytest.fixture
def world(tree, db):
    """Members, money, awards and events spread over the standard tree."""
    people = {
        tree.ward_a: ["Nguyễn Thị Thu", "Trần Văn Bình", "Lê Hoàng Cường"],
        tree.branch_a: ["Phạm Thị Dung", "Huỳnh Minh Đức"],
        tree.board_a: ["Võ Thị Giang"],
        tree.ward_b: ["Đặng Quốc Huy", "Bùi Thị Khánh"],
        tree.branch_b: ["Lý Thị Lan"],
        tree.ward_c: ["Mai Văn Minh", "Hồ Thị Ngọc"],
    }
    for unit, names in people.items():
        for n, name in enumerate(names):
            build_member(unit, name, joined_on=date(YEAR if n == 0 else 2020, 3, 1),
                         birth_year=1960 + n)
    ended = build_member(tree.branch_a, "Tô Văn Cũ", joined_on=date(2019, 1, 1))
    member_svc.end_membership(None, ended, on=today(), reason="Chuyển đi nơi khác")
    db.session.commit()
    build_voucher(tree.ward_a, "receipt", 5_000_000)
    build_voucher(tree.branch_a, "receipt", 1_250_000)
    build_voucher(tree.ward_a, "payment", 750_000)
    build_voucher(tree.ward_b, "receipt", 2_000_000)
    build_voucher(tree.ward_c, "receipt", 9_000_000)
    void = build_voucher(tree.ward_a, "receipt", 3_000_000)
    from assoc.services import treasury

    treasury.void_voucher(None, void, "Ghi sai số tiền")
    db.session.commit()
    program = build_program(tree.district_a, quotas={tree.ward_a: 3, tree.ward_b: 3})
    build_nomination(program, tree.ward_a, status="approved")
    build_nomination(program, tree.branch_a, status="approved")
    build_nomination(program, tree.ward_b, status="rejected")
    build_event(tree.ward_a, status="held")
    build_event(tree.ward_b, status="planned")
    return tree


def list_count(unit, **filters):
    q = member_svc.member_query(None, unit, ListFilters(**filters))
    from assoc.extensions import db

    return db.session.scalar(select(func.count()).select_from(q.order_by(None).subquery()))


def voucher_sum(unit, kind, subtree=True):
    from assoc.extensions import db

    units = select(reports.Unit.id).where(reports.Unit.path.startswith(unit.path)) if subtree \
        else select(reports.Unit.id).where(reports.Unit.id == unit.id)
    return db.session.scalar(select(func.coalesce(func.sum(Voucher.amount), 0)).where(
        Voucher.unit_id.in_(units), Voucher.kind == kind, Voucher.status == "valid"))


@pytest.mark.parametrize("unit_name", ["city", "district_a", "ward_a", "branch_a", "ward_c"])
@pytest.mark.parametrize("subtree", [True, False])
def test_member_figures_equal_the_member_list(world, unit_name, subtree):
    unit = getattr(world, unit_name)
    figures = reports.member_figures(Scope(unit, subtree), THIS_YEAR)
    assert figures.total == list_count(unit, subtree=subtree)
    assert figures.dues_paid == list_count(unit, subtree=subtree, dues="paid", dues_year=YEAR)


def test_member_figures_by_hand(world):
    figures = reports.member_figures(Scope(world.district_a), THIS_YEAR)
    assert figures.total == 9          # ward_a 3 + branch_a 2 + board_a 1 + ward_b 2 + branch_b 1
    assert figures.new == 5            # first member of each unit joined this year
    assert figures.dues_percent == 0


@pytest.mark.parametrize("unit_name", ["city", "district_a", "ward_a", "ward_c"])
def test_money_figures_equal_the_vouchers(world, unit_name):
    unit = getattr(world, unit_name)
    money = reports.money_figures(Scope(unit), THIS_YEAR)
    assert money.money_in == voucher_sum(unit, "receipt")
    assert money.money_out == voucher_sum(unit, "payment")
    assert money.balance == money.money_in - money.money_out
    assert sum(i for _m, i, _o in money.by_month) == money.money_in


def test_money_by_hand_and_void_is_left_out(world):
    money = reports.money_figures(Scope(world.ward_a), THIS_YEAR)
    assert (money.money_in, money.money_out) == (6_250_000, 750_000)
    alone = reports.money_figures(Scope(world.ward_a, subtree=False), THIS_YEAR)
    assert (alone.money_in, alone.money_out) == (5_000_000, 750_000)


def test_awards_and_events(world):
    awards = reports.award_figures(Scope(world.district_a), THIS_YEAR)
    assert (awards.count, awards.amount, awards.paid) == (2, 4_000_000, 0)
    assert reports.award_figures(Scope(world.ward_b), THIS_YEAR).count == 0
    events = reports.event_figures(Scope(world.city), Period.year(2026))
    assert events.held == 1


def test_period_report_rows_add_up_to_the_scope(world):
    rows, totals = reports.period_report(world.city, THIS_YEAR)
    assert [r.unit.name for r in rows if r.unit] == sorted(
        [world.district_a.name, world.district_b.name])
    city = Scope(world.city)
    assert totals["members"] == reports.member_figures(city, THIS_YEAR).total
    assert totals["money_in"] == reports.money_figures(city, THIS_YEAR).money_in
    assert totals["money_out"] == reports.money_figures(city, THIS_YEAR).money_out
    assert totals["awards"] == reports.award_figures(city, THIS_YEAR).count
    for row in rows:
        scope = Scope(row.unit) if row.unit else Scope(world.city, subtree=False)
        assert row.values["members"] == reports.member_figures(scope, THIS_YEAR).total
        assert row.values["money_in"] == reports.money_figures(scope, THIS_YEAR).money_in


def test_unit_own_records_get_their_own_row(world, db):
    build_voucher(world.district_a, "receipt", 400_000)
    rows, totals = reports.period_report(world.district_a, THIS_YEAR)
    own = [r for r in rows if r.unit is None]
    assert own and own[0].values["money_in"] == 400_000
    assert totals["money_in"] == voucher_sum(world.district_a, "receipt")


def test_coverage_counts_units_with_a_chair(tree, db):
    build_user("chair", tree.ward_a)
    build_officer(tree.ward_b, "Lê Văn Chủ", ("chair", date(2020, 1, 1)))
    build_officer(tree.branch_a, "Phan Thị Trưởng", ("branch_head", date(2020, 1, 1)))
    cover = reports.coverage(tree.district_a)
    by_level = {c.level: (c.with_chair, c.total) for c in cover.levels}
    assert by_level == {"commune": (2, 2), "branch": (1, 2), "board": (0, 1)}
    assert {u.id for u in cover.missing} == {tree.branch_b.id, tree.board_a.id}
    assert cover.percent == 60


def test_vacancies_use_key_posts(tree, db):
    build_officer(tree.ward_a, "Lê Văn Chủ", ("chair", date(2020, 1, 1)))
    figures = reports.officer_figures(Scope(tree.ward_a))
    vacant = {u.id: titles for u, titles in figures.vacancies}
    assert vacant[tree.ward_a.id] == ["treasurer"]
    assert vacant[tree.branch_a.id] == ["branch_head"]
    assert figures.officers == 1


def count_queries(app, db, fn):
    db.session.commit()  # both measurements start from committed, expired objects
    reports._posts_kept.clear()  # nor with the posts read by an earlier request
    return len(statements(fn))


def test_dashboard_costs_a_fixed_number_of_queries(world, app, db, client_as):
    client = client_as("viewer", at=world.city)
    client.get(f"/units/{world.city.id}/dashboard")  # builds the roll-ups of units never written
    small = count_queries(app, db, lambda: client.get(f"/units/{world.city.id}/dashboard"))
    for n in range(12):  # a bigger tree with data everywhere
        ward = build_unit(f"ward_x{n}", world.district_b)
        build_member(ward, f"Nguyễn Văn Thêm {n}")
        build_voucher(ward, "receipt", 100_000)
    big = count_queries(app, db, lambda: client.get(f"/units/{world.city.id}/dashboard"))
    assert big == small


def test_dashboard_page_and_its_links(world, client_as):
    client = client_as("viewer", at=world.district_a)
    page = client.get(f"/units/{world.district_a.id}/dashboard")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    import re

    links = re.findall(r'data-testid="fig-[a-z-]+" href="([^"]+)"', html)
    assert len(links) >= 8
    for href in links:
        assert client.get(href.replace("&amp;", "&")).status_code == 200, href


def test_dashboard_members_link_shows_the_same_count(world, client_as):
    client = client_as("viewer", at=world.district_a)
    html = client.get(f"/units/{world.district_a.id}/dashboard").get_data(as_text=True)
    assert 'data-testid="fig-members"' in html
    assert f">{9}</a>" in html.replace(" ", "")


def test_report_files(world, client_as):
    client = client_as("viewer", at=world.city)
    args = f"from={YEAR}-01-01&to={YEAR}-12-31"
    pdf = client.get(f"/units/{world.city.id}/report.pdf?{args}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    xlsx = client.get(f"/units/{world.city.id}/report.xlsx?{args}")
    assert xlsx.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    ws = load_workbook(BytesIO(xlsx.data)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    total_row = values[-1]
    header = values[3]
    assert total_row[header.index("Thu vào") if "Thu vào" in header else 4] == voucher_sum(
        world.city, "receipt")
    assert client.get(f"/units/{world.city.id}/report.doc").status_code == 404


RELATIONS = ("own", "child", "parent", "sibling", "unrelated")


@pytest.mark.parametrize("page", ["dashboard", "report", "report.pdf", "report.xlsx"])
def test_report_permissions(tree, client_as, page):
    client = client_as("viewer", at=tree.ward_a)
    for where in RELATIONS:
        status = client.get(f"/units/{tree.relative(where).id}/{page}").status_code
        assert (status == 200) is (where in ("own", "child")), (where, status)
        assert status in (200, 403)


def test_every_role_may_read_reports(tree, client_as):
    for role in ("viewer", "clerk", "treasurer", "approver", "chair", "admin"):
        client = client_as(role, at=tree.ward_a)
        assert client.get(f"/units/{tree.ward_a.id}/dashboard").status_code == 200


def test_members_total_excludes_ended(world):
    from assoc.extensions import db

    ended = db.session.scalar(select(func.count()).where(Member.status == "ended"))
    assert ended == 1
    assert reports.member_figures(Scope(world.branch_a), THIS_YEAR).total == 2


def test_awards_list_behind_the_dashboard(world, client_as):
    client = client_as("viewer", at=world.district_a)
    html = client.get(f"/scholarships/units/{world.district_a.id}/awards?year={YEAR}").get_data(
        as_text=True)
    summary = html.split('data-testid="awards-summary">')[1].split("</p>")[0]
    assert "2" in summary and "4.000.000" in summary
    only = client.get(f"/scholarships/units/{world.district_a.id}/awards?year={YEAR}&sub=0")
    assert "4.000.000" not in only.get_data(as_text=True).split('awards-summary">')[1][:80]


def test_members_joined_filter_matches_new_members(world, client_as):
    client = client_as("viewer", at=world.district_a)
    html = client.get(f"/members/unit/{world.district_a.id}?joined={YEAR}").get_data(
        as_text=True)
    figures = reports.member_figures(Scope(world.district_a), THIS_YEAR)
    assert figures.new == list_count(world.district_a, joined_year=YEAR) == 5
    assert 'data-testid="joined-filter"' in html


def test_cut_days_add_up_the_same_in_sql_as_in_python(world, db, monkeypatch):
    """PostgreSQL adds a few days' records up under the sub-units in one statement; SQLite and
    past trees place them in Python. Both must give every row the same figures."""
    from datetime import timedelta

    from assoc.services import reports as svc

    build_voucher(world.city, "receipt", 40_000)  # the unit's own records have their own row
    build_event(world.branch_b, status="held")
    payer = db.session.scalar(select(Member).where(Member.full_name == "Lý Thị Lan"))
    paid = member_svc.pay_dues(None, payer, year=YEAR, amount=24_000)
    db.session.commit()
    period = Period(today() - timedelta(days=2), today())  # not whole months: read by day
    assert not svc.whole_months(period)

    def report():
        db.session.expire_all()
        rows, totals = svc.period_report(world.city, period)
        return {(r.unit.id if r.unit else None): r.values for r in rows}, totals

    calls = []
    monkeypatch.setattr(svc, "_by_child_in_sql",
                        lambda *a, f=svc._by_child_in_sql: calls.append(1) or f(*a))
    in_sql = report()
    assert calls or db.engine.dialect.name != "postgresql"  # the SQL path was taken
    monkeypatch.setattr(svc, "SQL_CHILDREN", False)
    assert report() == in_sql
    # The money of the cut days (the roll-ups' rows by day) is the records' of those days.
    receipts = db.session.scalar(select(func.sum(Voucher.amount)).where(
        Voucher.kind == "receipt", Voucher.status == "valid",
        Voucher.voucher_date.between(period.start, period.end)))
    assert in_sql[1]["money_in"] == receipts == (5_000_000 + 1_250_000 + 2_000_000 + 9_000_000
                                                 + 40_000 + paid.amount)
    assert in_sql[1]["dues"] == 24_000
    assert in_sql[1]["money_out"] == 750_000
