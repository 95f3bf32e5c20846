"""History after a reorganisation: reports for days before the effective date show the old
units with their old names and figures, after it the new ones, across it both — and the totals
add up, the roll-ups equal a rebuild, old receipts and cards still verify."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import url_for
from flask_babel import force_locale
from sqlalchemy import func, select

from assoc.extensions import db
from assoc.models import Member, Unit, Voucher, today
from assoc.services import members as member_svc
from assoc.services import reorg, reports
from assoc.services.reports import COLUMNS, Period, Scope

from .builders import build_member, build_tree, build_user, build_voucher
from .test_tally import assert_current

EFFECTIVE = today()
BEFORE = Period(date(EFFECTIVE.year - 1, 1, 1), EFFECTIVE - timedelta(days=1))
AFTER = Period(EFFECTIVE, date(EFFECTIVE.year, 12, 31))
ACROSS = Period(BEFORE.start, AFTER.end)
# Dashboard cards read whole months: up to the end of the month before the date's.
MONTHS_BEFORE = Period(BEFORE.start, EFFECTIVE.replace(day=1) - timedelta(days=1))
FLOWS = [c for c in COLUMNS if c != "members"]
SAMPLE = Path(__file__).resolve().parents[1] / "assoc" / "static" / "samples" / \
    "reorganise-demo.csv"


@pytest.fixture(autouse=True)
def english(app):
    with force_locale("en"):
        yield


def table(unit: Unit, period: Period) -> dict[str, dict[str, int]]:
    """{row name: values} of the period report ("" for the unit's own records), totals apart."""
    rows, totals = reports.period_report(unit, period)
    assert {name: sum(r.values[name] for r in rows) for name in COLUMNS} == totals
    return {(r.name if r.unit else ""): dict(r.values) for r in rows}, totals


def card(unit: Unit, period: Period):
    scope = Scope(unit)
    return (reports.member_figures(scope, period), reports.money_figures(scope, period),
            reports.award_figures(scope, period), reports.event_figures(scope, period))


def by_code(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


@pytest.fixture
def demo(db):
    """The demo, its reports read before the sample plan, then the plan applied (effective
    today: the demo's records are dated in the days before)."""
    from assoc.demo import seed_demo

    seed_demo()
    db.session.commit()
    city, q4 = by_code("HCM"), by_code("HCM-Q4")
    ward_names = {c: by_code(c).name for c in ("HCM-Q4-KH", "HCM-Q4-XC", "HCM-Q4-VH")}
    seen = {"city": table(city, BEFORE), "q4": table(q4, BEFORE),
            "q4_card": card(q4, MONTHS_BEFORE), "kh_card": card(by_code("HCM-Q4-KH"), MONTHS_BEFORE),
            "city_card": card(city, MONTHS_BEFORE), "names": ward_names}
    receipt = db.session.scalar(select(Voucher).where(Voucher.unit_id == by_code(
        "HCM-Q4-KH").id, Voucher.kind == "receipt").order_by(Voucher.id))
    member = db.session.scalar(select(Member).where(Member.unit_id.in_(
        [by_code("HCM-Q4-KH").id, by_code("HCM-Q4-XC").id]), Member.status == "active")
        .order_by(Member.id))
    seen["receipt"], seen["member"] = (receipt.public_token, receipt.unit_id), member
    seen["plan"] = reorg.apply_plan(None, reorg.parse_plan(SAMPLE.read_bytes()), EFFECTIVE)
    db.session.commit()
    return seen


def test_reports_before_the_date_show_the_old_units_as_they_were(demo):
    city, q4 = by_code("HCM"), by_code("HCM-Q4")
    assert table(city, BEFORE) == demo["city"]
    rows, _ = table(q4, BEFORE)
    assert set(rows) >= set(demo["names"].values())  # Quận 4 still has its three wards
    assert table(q4, BEFORE) == demo["q4"]
    assert card(q4, MONTHS_BEFORE) == demo["q4_card"]
    assert card(by_code("HCM-Q4-KH"), MONTHS_BEFORE) == demo["kh_card"]
    assert card(city, MONTHS_BEFORE) == demo["city_card"]
    # The merged ward did not exist yet: no row before the date, nothing in its own figures.
    new = by_code("HCM-KHXC")
    assert new.name not in demo["city"][0] and new.name not in table(city, BEFORE)[0]
    members, money, *_ = card(new, MONTHS_BEFORE)
    assert (members.total, members.new, money.money_in, money.balance) == (0, 0, 0, 0)
    assert_current(db)


def test_reports_after_the_date_show_the_new_units(demo):
    city = by_code("HCM")
    rows, totals = table(city, AFTER)
    new, moved, q4 = by_code("HCM-KHXC"), by_code("HCM-Q4-VH"), by_code("HCM-Q4")
    assert {new.name, moved.name} <= set(rows)
    assert q4.name not in rows or not rows[q4.name]["members"]  # closed: only its handover
    in_new = db.session.scalar(select(func.count()).select_from(Member).join(Unit).where(
        Unit.path.startswith(new.path), Member.status == "active"))
    assert in_new and rows[new.name]["members"] == in_new  # the merged wards' members now
    assert rows[new.name]["members"] == sum(
        demo["q4"][0][demo["names"][c]]["members"] for c in ("HCM-Q4-KH", "HCM-Q4-XC"))
    # Every đồng handed over went out of the old books into the successors' — money moved
    # between our own books, neither money in nor money out anywhere (issue 26).
    handovers = db.session.scalars(select(Voucher).where(
        Voucher.reason.like("Bàn giao%"))).all()
    assert handovers and {v.link_type for v in handovers} == {"handover"}
    assert totals["money_in"] == sum(
        v.amount for v in db.session.scalars(select(Voucher).where(
            Voucher.kind == "receipt", Voucher.status == "valid",
            Voucher.voucher_date >= AFTER.start, Voucher.link_type.is_distinct_from("handover"))))
    assert rows[new.name]["money_in"] == 0 and rows[new.name]["money_out"] == 0
    # Quận 4's own report after the date: its wards are gone (merged, moved away).
    q4_rows, _ = table(q4, AFTER)
    assert moved.name not in q4_rows
    assert card(moved, Period.year(EFFECTIVE.year))[0].total == rows[moved.name]["members"] \
        == demo["q4"][0][demo["names"]["HCM-Q4-VH"]]["members"]


def test_a_period_across_the_date_shows_both_and_adds_up(demo):
    city = by_code("HCM")
    before, before_totals = table(city, BEFORE)
    after, after_totals = table(city, AFTER)
    across, totals = table(city, ACROSS)
    q4, new = by_code("HCM-Q4"), by_code("HCM-KHXC")
    assert q4.name in across and new.name in across
    for name in FLOWS:  # each day's records counted once, where they were
        assert totals[name] == before_totals[name] + after_totals[name], name
    assert totals["members"] == after_totals["members"] == before_totals["members"]
    for row_name in set(across) | set(before) | set(after):
        for name in FLOWS:
            assert across.get(row_name, {}).get(name, 0) == (
                before.get(row_name, {}).get(name, 0) + after.get(row_name, {}).get(name, 0)), \
                (row_name, name)
    # The city's card adds up the same way; the members it counts do not change.
    assert card(city, ACROSS)[1].money_in == totals["money_in"]
    assert card(city, ACROSS)[0].total == totals["members"]
    assert card(city, MONTHS_BEFORE)[0].total == totals["members"]
    assert_current(db)


def test_old_receipts_and_cards_still_verify(demo, app, client):
    token, unit_id = demo["receipt"]
    member = db.session.get(Member, demo["member"].id)
    with app.test_request_context():
        receipt_url = url_for("treasury.verify", token=token)
        card_url = url_for("members.check", token=member.card_token)
    page = client.get(receipt_url).get_data(as_text=True)
    assert demo["names"]["HCM-Q4-KH"] in page and "VALID" in page and "VOID" not in page
    assert db.session.scalar(select(Voucher.unit_id).where(
        Voucher.public_token == token)) == unit_id  # the old ward still issued it
    assert member.unit.code == "HCM-KHXC"
    page = client.get(card_url)
    assert 'data-testid="card-valid"' in page.get_data(as_text=True)


def test_report_pages_show_the_old_names_before_the_date(demo, client, login):
    q4 = by_code("HCM-Q4")
    viewer = build_user("viewer", at=by_code("HCM"))
    login(viewer)
    args = f"from={BEFORE.start:%d/%m/%Y}&to={BEFORE.end:%d/%m/%Y}"
    page = client.get(f"/units/{q4.id}/report?{args}").get_data(as_text=True)
    for name in demo["names"].values():
        assert name in page
    page = client.get(f"/units/{q4.id}/report?from={AFTER.start:%d/%m/%Y}"
                      f"&to={AFTER.end:%d/%m/%Y}").get_data(as_text=True)
    # The third ward is under the city now: Quận 4's report after the date has it no more.
    assert demo["names"]["HCM-Q4-VH"] not in page.split('data-testid="report-table"')[1]


def test_a_renamed_unit_keeps_its_old_name_in_earlier_reports(db):
    tree = build_tree()
    old = tree.ward_a.name
    build_voucher(tree.ward_a, amount=1_000_000, voucher_date=today() - timedelta(days=3))
    db.session.commit()
    reorg.apply_plan(None, reorg.parse_plan(
        ",".join(reorg.PLAN_HEADER) + f"\nrename,{tree.ward_a.code},W-NEW,Phường Mới,,"),
        EFFECTIVE)
    db.session.commit()
    earlier, _ = table(tree.district_a, BEFORE)
    later, _ = table(tree.district_a, AFTER)
    assert old in earlier and "Phường Mới" not in earlier
    assert earlier[old]["money_in"] == 1_000_000
    assert "Phường Mới" in later and old not in later
    across, _ = table(tree.district_a, ACROSS)
    assert "Phường Mới" in across and across["Phường Mới"]["money_in"] == 1_000_000


def test_a_renamed_units_own_report_is_headed_with_its_old_name(db, client, login, tmp_path):
    tree = build_tree()
    old = tree.ward_a.name
    reorg.apply_plan(None, reorg.parse_plan(
        ",".join(reorg.PLAN_HEADER) + f"\nrename,{tree.ward_a.code},W-NEW,Phường Mới,,"),
        EFFECTIVE)
    db.session.commit()
    login(build_user("viewer", at=tree.ward_a))
    before = f"from={BEFORE.start:%d/%m/%Y}&to={BEFORE.end:%d/%m/%Y}"
    page = client.get(f"/units/{tree.ward_a.id}/report?{before}").get_data(as_text=True)
    assert 'data-testid="name-then"' in page and old in page
    after = f"from={AFTER.start:%d/%m/%Y}&to={AFTER.end:%d/%m/%Y}"
    page = client.get(f"/units/{tree.ward_a.id}/report?{after}").get_data(as_text=True)
    assert 'data-testid="name-then"' not in page
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get(
        f"/units/{tree.ward_a.id}/report.xlsx?{before}").data))
    assert book.active["A1"].value == old
    pdf = client.get(f"/units/{tree.ward_a.id}/report.pdf?{before}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    if shutil.which("pdftotext"):
        (tmp_path / "r.pdf").write_bytes(pdf.data)
        text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True,
                              text=True).stdout
        assert old.upper() in text and "PHƯỜNG MỚI" not in text


def test_a_transferred_member_counts_where_they_were(db):
    tree = build_tree()
    member = build_member(tree.ward_a, "Nguyễn Văn Chuyển", joined_on=date(2020, 5, 1))
    db.session.commit()
    member_svc.transfer_member(None, member, tree.ward_c, reason="Chuyển nơi ở",
                               on=EFFECTIVE)
    db.session.commit()
    year_before = Period.year(EFFECTIVE.year - 1)
    assert reports.member_figures(Scope(tree.ward_a), year_before).total == 1
    assert reports.member_figures(Scope(tree.ward_c), year_before).total == 0
    assert reports.member_figures(Scope(tree.ward_c), Period.year(EFFECTIVE.year)).total == 1
    rows, _ = table(tree.city, year_before)
    assert rows[tree.district_a.name]["members"] == 1
    assert rows.get(tree.district_b.name, {}).get("members", 0) == 0


def agree(unit: Unit, period: Period) -> None:
    """A dashboard's cards and its table count the same records for the same period."""
    _, totals = table(unit, period)
    members, money, awards, events = card(unit, period)
    assert (members.total, members.new, members.dues, money.money_in, money.money_out,
            awards.count, awards.amount, events.held, events.raised) == (
        totals["members"], totals["new_members"], totals["dues"], totals["money_in"],
        totals["money_out"], totals["awards"], totals["award_amount"], totals["events"],
        totals["raised"]), unit.code
    assert sum(i for _, i, _ in money.by_month) == money.money_in


@pytest.mark.parametrize("which", ["year", "months_before"])
def test_cards_and_tables_agree_before_and_across_the_date(demo, which):
    period = Period.year(EFFECTIVE.year) if which == "year" else MONTHS_BEFORE
    for code in ("HCM", "HCM-Q4", "HCM-Q4-KH", "HCM-Q4-VH", "HCM-KHXC"):
        agree(by_code(code), period)


def test_a_plan_on_the_first_of_a_month_splits_the_year_by_months(db):
    """The reform took effect on 1 July: the year's roll-ups split at a month boundary, and
    each unit's cards count its records before the date in the old tree, after it in the
    new one."""
    tree = build_tree()
    first = EFFECTIVE.replace(day=1)
    early = first - timedelta(days=10)
    build_voucher(tree.ward_a, amount=1_000_000, voucher_date=early)
    build_voucher(tree.ward_b, amount=2_000_000, voucher_date=early)
    build_member(tree.ward_b, "Trần Thị Trước", joined_on=early)
    db.session.commit()
    reorg.apply_plan(None, reorg.parse_plan(
        ",".join(reorg.PLAN_HEADER) + f"\nmove,{tree.ward_b.code},,,,{tree.district_b.code}"),
        first)
    db.session.commit()
    build_voucher(tree.ward_b, amount=4_000_000, voucher_date=EFFECTIVE)
    db.session.commit()
    year = Period.year(EFFECTIVE.year)
    district_a, district_b = card(tree.district_a, year), card(tree.district_b, year)
    if early.year == EFFECTIVE.year:
        assert district_a[1].money_in == 3_000_000 and district_b[1].money_in == 4_000_000
        assert district_a[0].new == 1 and district_b[0].new == 0
    assert district_a[0].total == 0 and district_b[0].total == 1  # members at the year's end
    for unit in (tree.city, tree.district_a, tree.district_b, tree.ward_b):
        agree(unit, year)
    rows, totals = table(tree.city, year)
    assert totals["money_in"] == 7_000_000
    assert_current(db)
